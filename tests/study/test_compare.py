"""`femsyn compare`: runs every design x seed once, reuses finished runs, builds the report."""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from femsyn.study import comparison as cmp

sys.path.insert(0, str(Path(__file__).parent))
from test_report import make_run  # noqa: E402


@dataclasses.dataclass
class FakeConfig:
    """Stand-in for femsyn.run.TrainConfig with the contract's fields that matter here."""

    net: str = "lenet"
    synapse: str = "femfet-6b"
    dataset: str = "mnist"
    epochs: int = 2
    batch_size: int = 64
    lr: float | None = None
    seed: int = 0
    out: str | None = None
    data_dir: str | None = None
    train_limit: int | None = None
    val_size: int = 0
    width: float = 1.0
    retention_s: float = 1e4
    progress: bool = True
    resume: bool = False


@pytest.fixture
def fake_train(monkeypatch):
    """Replace femsyn.run: train() writes a tiny finished run and counts calls."""
    calls: list[FakeConfig] = []
    mod = types.ModuleType("femsyn.run")

    def train(config: FakeConfig) -> dict:
        calls.append(config)
        out = Path(config.out)
        if config.resume:
            assert (out / "checkpoint.npz").is_file()
        elif out.exists() and any(out.iterdir()):  # like the real train: never clobber a run
            raise FileExistsError(f"run directory {out} is not empty")
        acc = {"ideal-6b": 0.95, "femfet-6b": 0.94, "2t1fefet-6b": 0.93}[config.synapse]
        make_run(
            Path(config.out),
            config.synapse,
            config.seed,
            acc,
            epochs=config.epochs,
            net=config.net,
            dataset=config.dataset,
        )
        cfg = {k: v for k, v in dataclasses.asdict(config).items()}
        (Path(config.out) / "config.json").write_text(json.dumps(cfg))
        return json.loads((Path(config.out) / "summary.json").read_text())

    def evaluate_checkpoint(path, retention_s=None, data_dir=None):
        calls.append(("eval", Path(path), retention_s))
        return {"train_weights": 0.9, "msb_only": 0.9, "msb_retention": 0.5, "retention_s": retention_s}

    mod.TrainConfig = FakeConfig
    mod.train = train
    mod.evaluate_checkpoint = evaluate_checkpoint
    monkeypatch.setitem(sys.modules, "femsyn.run", mod)
    return calls


DESIGNS = ["ideal-6b", "femfet-6b", "2t1fefet-6b"]


def test_compare_trains_each_design_and_seed_once(fake_train, tmp_path):
    report = cmp.compare("lenet", "mnist", DESIGNS, 2, tmp_path, log=None, epochs=2)
    assert report == tmp_path / "report.html"
    assert (tmp_path / "report.md").is_file()
    assert len(fake_train) == 6
    assert {(c.synapse, c.seed) for c in fake_train} == {(d, s) for d in DESIGNS for s in range(2)}
    for c in fake_train:
        assert Path(c.out) == tmp_path / "runs" / c.synapse / f"seed{c.seed}"
        assert c.epochs == 2 and c.lr is None  # None overrides keep the TrainConfig default

    # second call: everything is reused, nothing trains, the report is rebuilt
    (tmp_path / "report.md").unlink()
    cmp.compare("lenet", "mnist", DESIGNS, 2, tmp_path, log=None, epochs=2)
    assert len(fake_train) == 6
    assert (tmp_path / "report.md").is_file()

    # one more seed: only the new runs train
    cmp.compare("lenet", "mnist", DESIGNS, 3, tmp_path, log=None, epochs=2)
    assert len(fake_train) == 9
    assert "3 |" in (tmp_path / "report.md").read_text()  # seeds column


def test_unfinished_runs_resume_or_restart(fake_train, tmp_path):
    # stopped after a checkpoint: resumed
    rd = make_run(cmp.run_dir_for(tmp_path, "femfet-6b", 0), "femfet-6b", 0, 0.5, complete=False)
    (rd / "checkpoint.npz").write_bytes(b"")
    # stopped before the first checkpoint: its partial files are cleared and it trains afresh
    rd1 = make_run(cmp.run_dir_for(tmp_path, "femfet-6b", 1), "femfet-6b", 1, 0.5, complete=False)
    (rd1 / "summary.json").unlink()
    cmp.compare("lenet", "mnist", ["femfet-6b"], 2, tmp_path, log=None, epochs=2)
    assert [(c.seed, c.resume) for c in fake_train] == [(0, True), (1, False)]
    # a foreign file in a run directory without a checkpoint is never deleted
    rd2 = cmp.run_dir_for(tmp_path, "femfet-6b", 2)
    rd2.mkdir(parents=True)
    (rd2 / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        cmp.compare("lenet", "mnist", ["femfet-6b"], 3, tmp_path, log=None, epochs=2)
    assert (rd2 / "notes.txt").read_text() == "mine"


def test_finished_run_with_other_config_is_an_error(fake_train, tmp_path):
    cmp.compare("lenet", "mnist", ["femfet-6b"], 1, tmp_path, log=None, epochs=2)
    with pytest.raises(ValueError, match="different configuration.*epochs"):
        cmp.compare("lenet", "mnist", ["femfet-6b"], 1, tmp_path, log=None, epochs=3)
    assert len(fake_train) == 1


def test_new_retention_time_reevaluates_instead_of_retraining(fake_train, tmp_path):
    cmp.compare("lenet", "mnist", ["femfet-6b"], 1, tmp_path, log=None, epochs=2)
    assert len(fake_train) == 1
    cmp.compare("lenet", "mnist", ["femfet-6b"], 1, tmp_path, log=None, epochs=2, retention_s=1e5)
    rd = cmp.run_dir_for(tmp_path, "femfet-6b", 0)
    assert fake_train[1:] == [("eval", rd, 1e5)]
    summary = json.loads((rd / "summary.json").read_text())
    assert summary["accuracy"]["retention_s"] == 1e5 and summary["accuracy"]["msb_retention"] == 0.5
    assert [1e5, 0.5] in summary["retention_curve"]
    assert json.loads((rd / "config.json").read_text())["retention_s"] == 1e5
    assert "MSB-only after 100000 s" in (tmp_path / "report.md").read_text()
    # now it matches: nothing more to do
    cmp.compare("lenet", "mnist", ["femfet-6b"], 1, tmp_path, log=None, epochs=2, retention_s=1e5)
    assert len(fake_train) == 2


def test_find_reusable(tmp_path):
    rd = make_run(tmp_path / "r", "femfet-6b", 0, 0.9)
    assert cmp.find_reusable(rd, {"synapse": "femfet-6b", "seed": 0, "epochs": 2, "out": "elsewhere"})
    assert not cmp.find_reusable(tmp_path / "nothing", {"seed": 0})
    with pytest.raises(ValueError, match="seed"):
        cmp.find_reusable(rd, {"synapse": "femfet-6b", "seed": 1})


def test_bad_arguments(fake_train, tmp_path):
    with pytest.raises(ValueError, match="seeds"):
        cmp.compare("lenet", "mnist", DESIGNS, 0, tmp_path, log=None)
    with pytest.raises(ValueError, match="designs"):
        cmp.compare("lenet", "mnist", [], 1, tmp_path, log=None)


def test_cli_validates_and_runs(fake_train, tmp_path, monkeypatch):
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
    r = runner.invoke(
        cmd.command,
        [
            "--designs",
            "ideal-6b,femfet-6b",
            "--seeds",
            "1",
            "--epochs",
            "2",
            "--out",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().endswith("report.html")
    assert len(fake_train) == 2 and fake_train[0].epochs == 2
    # a mismatching finished run: a clean error, not a traceback
    r = runner.invoke(
        cmd.command,
        ["--designs", "femfet-6b", "--seeds", "1", "--epochs", "3", "--out", str(tmp_path)],
    )
    assert r.exit_code == 1 and "different configuration" in r.output
