"""What a Dask worker does for one run: make its directory hold the finished run, then evaluate
the retention times its points ask for. Runs in the worker process (or inline, in the sweep's).

A run directory is *finished* when its summary.json says ``"complete": true`` and ``writes.npz``
and ``trace.npz`` (written after it) exist; *resumable* when it holds a checkpoint (``train``
continues it bit-identically); otherwise it is trained from the start, after the files an
interrupted first epoch can leave are cleared (never any other file: a foreign file makes the
point fail, nothing is deleted).

Errors are returned, not raised, so that the sweep records them and goes on; a worker that dies
is seen by the sweep as a lost future instead (:mod:`~femsyn.study.sweep.execute`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from femsyn._version import __version__
from femsyn.run import CHECKPOINT, TrainingDivergedError, evaluate_checkpoint, load_run_config, train
from femsyn.run.metrics import write_json
from femsyn.study.sweep.splits import data_key, probe_splits

__all__ = ["FINISH_FILES", "run_state", "run_task"]

#: files ``train`` writes after the last epoch, summary.json first: all three = finished
FINISH_FILES = ("summary.json", "writes.npz", "trace.npz")
#: files ``train`` writes before the first checkpoint, and the finish files (cleared before a fresh start)
_RUN_FILES = ("config.json", "metrics.jsonl", "metrics.csv", *FINISH_FILES)


def run_state(run_dir: str | Path) -> tuple[str, int]:
    """``("finished" | "resumable" | "new", epochs done)`` of a run directory."""
    p = Path(run_dir)
    summary = _read_json(p / "summary.json")
    if summary and summary.get("complete") and all((p / f).is_file() for f in FINISH_FILES[1:]):
        return "finished", int(summary.get("epochs_done", summary.get("epochs", 0)))
    if (p / CHECKPOINT).is_file():
        metrics = p / "metrics.jsonl"
        done = sum(1 for line in metrics.read_text().splitlines() if line.strip()) if metrics.is_file() else 0
        return "resumable", done
    return "new", 0


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Train (or reuse, or resume) one run and evaluate its retention times; never raises an
    ordinary exception: a failure comes back as ``{"status": "failed", "error": ...}``."""
    t0 = time.perf_counter()
    where = {"name": task["name"], "attempt": task.get("attempt", 1), "host": socket.gethostname(), "pid": os.getpid()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the run records its warnings in summary.json
            status, summary = _run(task)
    except Exception as e:  # recorded by the sweep, which goes on with the other points
        return {
            **where,
            "status": "failed",
            "error": " ".join((str(e).strip() or type(e).__name__).split()),
            "error_type": type(e).__name__,
            "traceback": traceback.format_exc(),
            # the same seed gives the same divergence: a retry would only repeat it
            "retry": not isinstance(e, TrainingDivergedError),
            "wall_s": time.perf_counter() - t0,
        }
    return {**where, "status": status, "summary": summary, "wall_s": time.perf_counter() - t0}


def _run(task: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if task.get("version") not in (None, __version__):
        raise RuntimeError(f"this worker has femsyn {__version__}, the sweep femsyn {task['version']}")
    config = task["config"]
    found = probe_splits(*data_key(config)).names
    if found != task["split"]:
        raise ValueError(
            f"this worker finds the data {found['train']!r} but the sweep planned {task['split']['train']!r}; "
            "point FEMSYN_DATA (or data_dir) at the same dataset on every worker"
        )
    if task.get("threads") is not None:
        config = dataclasses.replace(config, threads=task["threads"])
    run_dir = Path(config.out)
    state, _ = run_state(run_dir)
    if state == "finished":
        status = "reused"
    elif state == "resumable":
        saved = load_run_config(run_dir)  # resume needs the run's own retention_s (not hashed)
        train(dataclasses.replace(config, resume=True, retention_s=saved.retention_s))
        status = "resumed"
    else:
        _clear_partial(run_dir)
        train(config)
        status = "trained"
    summary = _read_json(run_dir / "summary.json") or {}
    if evaluate_retention(run_dir, summary, task["retention"], config.data_dir) and status == "reused":
        status = "reevaluated"
    return status, summary


def _clear_partial(run_dir: Path) -> None:
    """Remove what a run killed before its first checkpoint left: its files and the temporary
    files of an atomic write cut short (``<name>.<random>.tmp``). Nothing else is touched."""
    if not run_dir.is_dir():
        return
    for p in run_dir.iterdir():
        tmp = p.name.endswith(".tmp") and any(p.name.startswith(f + ".") for f in (*_RUN_FILES, CHECKPOINT))
        if p.is_file() and (p.name in _RUN_FILES or tmp):
            p.unlink(missing_ok=True)


def evaluate_retention(run_dir: Path, summary: dict[str, Any], times: list[float], data_dir: str | None) -> bool:
    """Make the run's summary.json hold MSB-only accuracy at every time in ``times`` (re-evaluating
    its checkpoint where the retention curve lacks one) and report ``times[0]`` as its retention
    accuracy, as a run trained with that ``retention_s`` would. True when anything changed."""
    curve = {float(t): float(a) for t, a in summary.get("retention_curve") or []}
    missing = [t for t in times if t not in curve]
    for t in missing:
        curve[t] = evaluate_checkpoint(run_dir, retention_s=t, data_dir=data_dir)["msb_retention"]
    acc = summary.setdefault("accuracy", {})
    primary = float(times[0])
    if not missing and float(acc.get("retention_s", primary)) == primary:
        return False
    acc.update(msb_retention=curve[primary], retention_s=primary)
    summary["retention_curve"] = [[t, curve[t]] for t in sorted(curve)]
    if isinstance(summary.get("config"), dict):
        summary["config"]["retention_s"] = primary
    write_json(run_dir / "summary.json", summary)
    config = _read_json(run_dir / "config.json")
    if config is not None:
        config["retention_s"] = primary
        write_json(run_dir / "config.json", config)
    return True
