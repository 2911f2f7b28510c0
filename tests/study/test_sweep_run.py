"""``femsyn.sweep`` end to end on the bundled MNIST sample: a LocalCluster of 2 worker processes,
rows identical to ``femsyn train`` of the same points, a sweep killed mid-way and rerun, failing
points, a worker that dies, and points that share a run."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from femsyn import sweep
from femsyn.cli import main
from femsyn.study.sweep import make_plan, run_identity, run_name
from femsyn.study.sweep.results import TIMING_COLUMNS, point_row
from femsyn.study.sweep.task import run_state

pytest.importorskip("distributed")

#: 2 designs x 2 leak times x 2 seeds; a LeNet of a quarter width on 600 images for 2 epochs
#: (about 0.5-1 s a run), so that a kill lands while most runs are unfinished.
TINY = {
    "base": {"net": "lenet", "width": 0.25, "epochs": 2, "train_limit": 600},
    "grid": {"synapse": ["ideal-6b", "femfet-6b"], "device.tau_leak_s": [0.1, 10.0]},
    "seeds": 2,
}
TINY_TOML = """\
seeds = 2
[base]
net = "lenet"
width = 0.25
epochs = 2
train_limit = 600
[grid]
synapse = ["ideal-6b", "femfet-6b"]
"device.tau_leak_s" = [0.1, 10.0]
"""


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def same(row: dict) -> dict:
    """What a point computed (not how or when it ran), with nan as None so rows compare."""
    return {
        k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items() if k not in TIMING_COLUMNS
    }


@pytest.fixture(scope="module")
def alone(tmp_path_factory) -> dict[str, dict]:
    """Each run of TINY trained alone with `femsyn train --config` of its point (its row by run name)."""
    tmp = tmp_path_factory.mktemp("alone")
    rows = {}
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mp.delenv("FEMSYN_DATA", raising=False)
        mp.setenv("FEMSYN_OFFLINE", "1")
        mp.setenv("XDG_CACHE_HOME", str(tmp / "xdg"))
        plan = make_plan(TINY, tmp / "plan")
        for run in plan.runs.values():
            (tmp / f"{run.name}.toml").write_text(run.points[0].train_toml())
            args = ["train", "--config", str(tmp / f"{run.name}.toml"), "--out", str(tmp / run.name), "--no-progress"]
            r = CliRunner().invoke(main, args)
            assert r.exit_code == 0, r.output
            summary = json.loads((tmp / run.name / "summary.json").read_text())
            rows[run.name] = same(point_row(run.points[0], run, {"status": "trained", "summary": summary}))
    return rows


def test_sweep_on_a_local_cluster_is_femsyn_train_point_by_point(bundled_mnist, alone, tmp_path) -> None:
    logs: list[str] = []
    rows = sweep(TINY, tmp_path, workers=2, log=logs.append, progress=False, target_acc=0.5)
    assert len(rows) == 8 and {r["status"] for r in rows} == {"trained"}, [r["error"] for r in rows]
    assert any("LocalCluster of 2 worker" in m for m in logs) and any("dashboard" in m for m in logs)
    assert {(r["synapse"], r["device.tau_leak_s"], r["seed"]) for r in rows} == {
        (s, t, k) for s in ("ideal-6b", "femfet-6b") for t in (0.1, 10.0) for k in (0, 1)
    }
    for r in rows:
        assert same(r) == alone[r["run"]], r["run"]  # bit-identical to the point trained alone
        assert run_name(run_identity(r["run_dir"])) == r["run"]  # the name is the hash of what it holds
    with open(tmp_path / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 8
    wanted = "synapse device.tau_leak_s seed acc_train acc_msb acc_retention acc_msb_after_100000000s msb_writes pulses"
    wanted += " cell_area_f2 energy_j latency_update_s lifetime_runs wall_s status error"
    for col in wanted.split():
        assert col in table[0], col
    assert {t["cell"] for t in table} == {"", "femfet"}  # the ideal design has no cell cost
    md = (tmp_path / "report.md").read_text()
    for section in (
        "## Axes",
        "## Results",
        "## Accuracy vs each axis",
        "## Heatmaps",
        "## Pareto fronts",
        "## Target",
    ):
        assert section in md, section
    assert "```toml" not in md and '"device.tau_leak_s"' in md  # a dict SPEC is shown as JSON
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4 and 'src="sweep_' not in html  # self-contained
    for name in ("sweep.json", "points"):
        assert (tmp_path / name).exists()

    # rerun: every point is reused, no cluster is started, the rows are the same
    logs.clear()
    again = sweep(TINY, tmp_path, workers=2, log=logs.append, progress=False, report=False)
    assert {r["status"] for r in again} == {"reused"} and not any("LocalCluster" in m for m in logs)
    assert [same(r) for r in again] == [same(r) for r in rows]


def test_killed_sweep_reruns_only_the_missing_points(bundled_mnist, alone, tmp_path) -> None:
    spec, out = tmp_path / "spec.toml", tmp_path / "out"
    spec.write_text(TINY_TOML)
    cmd = [
        sys.executable,
        "-c",
        "from femsyn.cli import main; main()",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    with open(tmp_path / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if any(run_state(d)[0] == "finished" for d in (out / "runs").glob("*")):
                break
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its scheduler and its workers, at once
        proc.wait()
    finished = {d.name for d in (out / "runs").glob("*") if run_state(d)[0] == "finished"}
    assert 0 < len(finished) < 8, (tmp_path / "stderr.txt").read_text()[-2000:]

    rows = sweep(spec, out, workers=0, progress=False, log=None)
    status = {r["run"]: r["status"] for r in rows}
    assert {n for n, s in status.items() if s == "reused"} == finished
    assert {s for n, s in status.items() if n not in finished} <= {"trained", "resumed"}
    for r in rows:
        assert same(r) == alone[r["run"]], (r["run"], r["status"])  # resumed runs included


def test_a_lost_worker_is_retried_and_changes_nothing(bundled_mnist, alone, tmp_path) -> None:
    psutil = pytest.importorskip("psutil")
    killed: list[int] = []
    stop = threading.Event()

    def kill_a_busy_worker() -> None:
        me = psutil.Process()
        while not stop.is_set():
            runs = tmp_path / "runs"
            if runs.is_dir() and any((d / "config.json").is_file() for d in runs.iterdir()):  # training started
                workers = [c for c in me.children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]
                if workers:
                    workers[0].kill()
                    killed.append(workers[0].pid)
                    return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        rows = sweep(TINY, tmp_path, workers=2, progress=False, log=None, report=False)
    finally:
        stop.set()
        killer.join()
    assert killed
    assert {r["status"] for r in rows} <= {"trained", "resumed"}, [r["error"] for r in rows]
    assert any(r["attempts"] == 2 for r in rows)
    for r in rows:
        assert same(r) == alone[r["run"]]


def test_failing_points_are_recorded_and_the_rest_finish(bundled_mnist, tmp_path) -> None:
    spec = {
        "base": {"net": "mlp", "width": 0.1, "epochs": 1, "train_limit": 200, "synapse": "float"},
        "grid": {"lr": [0.02, 1e30]},  # 1e30: the loss becomes nan (a diverged run)
        "seeds": [0, 1],
    }
    plan = make_plan(spec, tmp_path)
    blocked = plan.point_run(plan.points[0]).run_dir  # a foreign file: train refuses the directory
    blocked.mkdir(parents=True)
    (blocked / "notes.txt").write_text("mine")
    rows = sweep(spec, tmp_path, workers=0, progress=False, log=None)
    by_point = {r["point"]: r for r in rows}
    assert by_point[0]["status"] == "failed" and by_point[0]["attempts"] == 2 and "not empty" in by_point[0]["error"]
    assert by_point[1]["status"] == "trained"
    for p in (2, 3):  # diverged: recorded, not retried (the same seed diverges at the same step)
        assert by_point[p]["status"] == "failed" and by_point[p]["attempts"] == 1 and "diverged" in by_point[p]["error"]
        assert math.isnan(by_point[p]["acc_train"])
    assert (blocked / "notes.txt").read_text() == "mine"  # nothing of the user's is deleted
    assert "Traceback" in (tmp_path / "failed" / f"{by_point[0]['run']}.txt").read_text()
    assert "## Failures" in (tmp_path / "report.md").read_text()
    # the user removes the file; the rerun trains that point and forgets its failure
    (blocked / "notes.txt").unlink()
    rows = sweep(spec, tmp_path, workers=0, progress=False, log=None, report=False)
    assert [r["status"] for r in rows] == ["trained", "reused", "failed", "failed"]
    assert not (tmp_path / "failed" / f"{by_point[0]['run']}.txt").exists()


def test_points_that_differ_in_retention_share_one_run(bundled_mnist, tmp_path) -> None:
    spec = {"base": {"net": "mlp", "width": 0.1, "epochs": 1, "train_limit": 200}, "grid": {"retention_s": [1e2, 3e4]}}
    plan = make_plan(spec, tmp_path)
    assert len(plan.points) == 2 and len(plan.runs) == 1
    rows = sweep(spec, tmp_path, workers=0, progress=False, log=None, report=False)
    summary = json.loads(Path(rows[0]["run_dir"], "summary.json").read_text())
    curve = dict((t, a) for t, a in summary["retention_curve"])
    assert [r["acc_retention"] for r in rows] == [curve[1e2], curve[3e4]]
    assert summary["accuracy"]["retention_s"] == 1e2  # the first point's time is the run's own
    # a new retention time re-evaluates the finished run instead of training it again
    rows = sweep({**spec, "grid": {"retention_s": [5e3]}}, tmp_path, workers=0, progress=False, log=None, report=False)
    assert (
        rows[0]["status"] == "reevaluated"
        and rows[0]["retention_s"] == 5e3
        and not math.isnan(rows[0]["acc_retention"])
    )


def test_rows_as_a_dataframe(bundled_mnist, tmp_path) -> None:
    pd = pytest.importorskip("pandas")
    spec = {"base": {"net": "mlp", "width": 0.1, "epochs": 1, "train_limit": 100}}
    df = sweep(spec, tmp_path, workers=0, progress=False, log=None, report=False, as_frame=True)
    assert isinstance(df, pd.DataFrame) and len(df) == 1 and "acc_train" in df.columns
