"""`femsyn compare` on the sweep engine: every design x seed runs once, finished runs are reused,
unfinished ones resumed, a new retention time re-evaluates, a different configuration is refused,
and runs of the layout before the sweep engine are adopted. Real tiny runs on the bundled sample."""

from __future__ import annotations

import csv
import json
import re
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from femsyn.run import TrainConfig, train
from femsyn.study import comparison as cmp
from femsyn.study.sweep import make_plan

sys.path.insert(0, str(Path(__file__).parent))
from test_report import make_run  # noqa: E402

DESIGNS = ["ideal-6b", "femfet-6b", "2t1fefet-6b"]
TINY = {"width": 0.1, "epochs": 1, "train_limit": 200}


@pytest.fixture(autouse=True)
def _quiet(bundled_mnist):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _compare(out: Path, designs=DESIGNS, seeds=2, **kw) -> Path:
    return cmp.compare("mlp", "mnist", designs, seeds, out, log=None, workers=0, progress=False, **{**TINY, **kw})


def _status(out: Path) -> dict[tuple[str, int], str]:
    with open(out / "results.csv") as f:
        return {(r["synapse"], int(r["seed"])): r["status"] for r in csv.DictReader(f)}


def _runs(out: Path, designs=DESIGNS, seeds=2, **kw):
    """The plan's run of each (design, seed) of a comparison into ``out``."""
    plan = make_plan(cmp.comparison_spec("mlp", "mnist", designs, seeds, **{**TINY, **kw}), out)
    return {(p.axes["synapse"], p.seed): plan.point_run(p) for p in plan.points}


def test_compare_trains_each_design_and_seed_once(tmp_path) -> None:
    report = _compare(tmp_path)
    assert report == tmp_path / "report.html" and (tmp_path / "report.md").is_file()
    assert _status(tmp_path) == {(d, s): "trained" for d in DESIGNS for s in range(2)}
    for (d, s), run in _runs(tmp_path).items():
        assert re.fullmatch(rf"mlp-{d}-s{s}-[0-9a-f]{{16}}", run.name) and run.state == "finished"

    # second call: everything is reused, nothing trains, the report is rebuilt
    (tmp_path / "report.md").unlink()
    _compare(tmp_path)
    assert set(_status(tmp_path).values()) == {"reused"} and (tmp_path / "report.md").is_file()

    # one more seed: only the new runs train
    _compare(tmp_path, seeds=3)
    assert {k for k, v in _status(tmp_path).items() if v == "trained"} == {(d, 2) for d in DESIGNS}
    assert "| 3 |" in (tmp_path / "report.md").read_text()  # seeds column


def test_unfinished_runs_resume_or_restart(tmp_path) -> None:
    runs = _runs(tmp_path, ["femfet-6b"], 3, epochs=2)
    # stopped after a checkpoint: resumed
    r0 = runs[("femfet-6b", 0)]
    train(TrainConfig(**{**run_values(r0), "stop_after_epochs": 1}))
    # stopped before the first checkpoint: its partial files are cleared and it trains afresh
    r1 = runs[("femfet-6b", 1)]
    r1.run_dir.mkdir(parents=True)
    (r1.run_dir / "config.json").write_text("{}")
    (r1.run_dir / "metrics.jsonl").write_text("")
    # a foreign file in a run directory without a checkpoint is never deleted: that run fails
    r2 = runs[("femfet-6b", 2)]
    r2.run_dir.mkdir(parents=True)
    (r2.run_dir / "notes.txt").write_text("mine")
    with pytest.raises(cmp.RunsFailedError, match="1 of 3 runs failed.*femfet-6b seed 2.*not empty"):
        _compare(tmp_path, ["femfet-6b"], 3, epochs=2)
    assert _status(tmp_path) == {("femfet-6b", 0): "resumed", ("femfet-6b", 1): "trained", ("femfet-6b", 2): "failed"}
    assert (r2.run_dir / "notes.txt").read_text() == "mine"
    assert (tmp_path / "report.md").is_file()  # the report covers the others


def run_values(run) -> dict:
    return {**run.points[0].values, "out": str(run.run_dir), "progress": False}


def test_comparison_with_another_config_is_an_error(tmp_path) -> None:
    _compare(tmp_path, ["femfet-6b"], 1)
    with pytest.raises(ValueError, match="different configuration.*epochs"):
        _compare(tmp_path, ["femfet-6b"], 1, epochs=2)
    assert _status(tmp_path) == {("femfet-6b", 0): "trained"}  # nothing ran the second time
    _compare(tmp_path, ["femfet-6b", "ideal-6b"], 2)  # more designs and seeds are the same comparison
    assert _status(tmp_path)[("femfet-6b", 0)] == "reused"


def test_new_retention_time_reevaluates_instead_of_retraining(tmp_path) -> None:
    _compare(tmp_path, ["femfet-6b"], 1)
    _compare(tmp_path, ["femfet-6b"], 1, retention_s=3e4)
    assert _status(tmp_path) == {("femfet-6b", 0): "reevaluated"}
    rd = _runs(tmp_path, ["femfet-6b"], 1)[("femfet-6b", 0)].run_dir
    summary = json.loads((rd / "summary.json").read_text())
    acc = summary["accuracy"]
    assert acc["retention_s"] == 3e4 and [3e4, acc["msb_retention"]] in summary["retention_curve"]
    assert json.loads((rd / "config.json").read_text())["retention_s"] == 3e4
    assert "MSB-only after 30000 s" in (tmp_path / "report.md").read_text()
    # now it matches: nothing more to do
    _compare(tmp_path, ["femfet-6b"], 1, retention_s=3e4)
    assert _status(tmp_path) == {("femfet-6b", 0): "reused"}


def test_runs_of_the_earlier_layout_are_moved_and_reused(tmp_path) -> None:
    runs = _runs(tmp_path, ["ideal-6b", "femfet-6b"], 1)
    for (design, seed), run in runs.items():  # what compare wrote before the sweep engine
        train(TrainConfig(**{**run_values(run), "out": str(cmp.run_dir_for(tmp_path, design, seed))}))
    _compare(tmp_path, ["ideal-6b", "femfet-6b"], 1)
    assert set(_status(tmp_path).values()) == {"reused"}
    assert all(run.run_dir.is_dir() for run in runs.values()) and not (tmp_path / "runs" / "femfet-6b").exists()


def test_earlier_layout_run_with_another_config_is_refused(tmp_path) -> None:
    make_run(cmp.run_dir_for(tmp_path, "femfet-6b", 0), "femfet-6b", 0, 0.9, epochs=2, net="mlp")
    with pytest.raises(ValueError, match="different configuration.*epochs"):
        _compare(tmp_path, ["femfet-6b"], 1)


def test_find_reusable(tmp_path) -> None:
    rd = make_run(tmp_path / "r", "femfet-6b", 0, 0.9)
    assert cmp.find_reusable(rd, {"synapse": "femfet-6b", "seed": 0, "epochs": 2, "out": "elsewhere"})
    assert not cmp.find_reusable(tmp_path / "nothing", {"seed": 0})
    with pytest.raises(ValueError, match="seed"):
        cmp.find_reusable(rd, {"synapse": "femfet-6b", "seed": 1})


def test_bad_arguments(tmp_path) -> None:
    with pytest.raises(ValueError, match="seeds"):
        _compare(tmp_path, DESIGNS, 0)
    with pytest.raises(ValueError, match="designs"):
        _compare(tmp_path, [], 1)


def test_cli_validates_and_runs(tmp_path, monkeypatch) -> None:
    from femsyn.cli import compare as cmd

    monkeypatch.setattr(cmd, "_known_designs", lambda: ["float", "ideal-6b", "femfet-6b", "2t1fefet-6b"])
    runner = CliRunner()
    r = runner.invoke(cmd.command, ["--designs", "ideal-6b,rram-6b", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "rram-6b" in r.output and "femfet-6b" in r.output
    r = runner.invoke(cmd.command, ["--net", "resnet", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "resnet" in r.output and "lenet" in r.output
    r = runner.invoke(cmd.command, ["--dataset", "imagenet", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "imagenet" in r.output
    r = runner.invoke(cmd.command, ["--designs", "femfet-6b,femfet-6b", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "twice" in r.output
    r = runner.invoke(cmd.command, ["--workers", "1", "--scheduler", "tcp://h:8786", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "not both" in r.output
    small = ["--net", "mlp", "--width", "0.1", "--train-limit", "200", "--workers", "0", "--out", str(tmp_path)]
    r = runner.invoke(cmd.command, ["--designs", "ideal-6b,femfet-6b", "--seeds", "1", "--epochs", "1", *small])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().endswith("report.html")
    assert _status(tmp_path) == {("ideal-6b", 0): "trained", ("femfet-6b", 0): "trained"}
    # a different configuration in the same folder: a clean error, not a traceback (the femsyn
    # group turns the library's ValueError into one line on stderr)
    from femsyn.cli import main

    r = runner.invoke(main, ["compare", "--designs", "femfet-6b", "--seeds", "1", "--epochs", "2", *small])
    assert r.exit_code == 1 and "different configuration" in r.output and "Traceback" not in r.output


def test_cli_hidden_sets_the_mlp_of_every_run_and_rejects_bad_sizes(tmp_path) -> None:
    from femsyn.cli import compare as cmd

    runner = CliRunner()
    args = ["--net", "mlp", "--designs", "ideal-6b", "--seeds", "1", "--epochs", "1", "--train-limit", "200"]
    r = runner.invoke(cmd.command, [*args, "--hidden", "0,5", "--out", str(tmp_path / "bad")])
    assert r.exit_code == 2 and "--hidden" in r.output and "'0,5'" in r.output
    r = runner.invoke(cmd.command, [*args, "--hidden", "16", "--workers", "0", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    (run_dir,) = (tmp_path / "runs").glob("mlp-ideal-6b-s0-*")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["config"]["hidden"] == [16]
    assert [layer["rows"] for layer in summary["layers"]][0] == 16
