"""A sweep's plan: its points, the runs they need (one per identity hash), and what each run's
directory already holds, all worked out before anything runs.

Points that differ only in evaluation-only fields (``retention_s``) share one run: it is trained
once and evaluated at each of their times. Two points that are the same run at the same
retention time are a SPEC mistake (e.g. a [zip] row repeated) and fail the plan.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from femsyn._version import __version__
from femsyn.run import TrainConfig
from femsyn.study.sweep.identity import config_dict, identity, identity_hash, run_name
from femsyn.study.sweep.points import Point, resolve_points
from femsyn.study.sweep.spec import SweepSpec, load_spec
from femsyn.study.sweep.splits import Splits, data_key, probe_splits
from femsyn.study.sweep.task import run_state
from femsyn.study.sweep.where import SpecError

__all__ = ["Plan", "Run", "make_plan"]


@dataclass
class Run:
    """One training run of a sweep and the points that read it."""

    name: str
    digest: str
    run_dir: Path
    config: TrainConfig  # the first point's, with ``out`` set to the run directory
    split: Splits
    points: list[Point] = field(default_factory=list)
    state: str = "new"  # finished | resumable | new
    epochs_done: int = 0
    needs_eval: bool = False  # finished, but some point asks for a retention time it lacks

    @property
    def retention_times(self) -> list[float]:
        """The points' retention times, the first point's first (it is the run's own)."""
        out: list[float] = []
        for p in self.points:
            if p.retention_s not in out:
                out.append(p.retention_s)
        return out

    @property
    def pending(self) -> bool:
        return self.state != "finished" or self.needs_eval

    def task(self, attempt: int = 1, threads: int | None = 1) -> dict[str, Any]:
        """What :func:`~femsyn.study.sweep.task.run_task` needs (picklable, small)."""
        return {
            "name": self.name,
            "config": self.config,
            "split": self.split.names,
            "retention": self.retention_times,
            "threads": threads,
            "version": __version__,
            "attempt": attempt,
        }

    def cost(self) -> float:
        """Training images still to go (what the scheduler runs first: the longest runs)."""
        left = max(self.config.epochs - self.epochs_done, 0) if self.state != "finished" else 0
        return float(left * self.split.n_train)


@dataclass
class Plan:
    """Everything a sweep will do, before it does any of it."""

    spec: SweepSpec
    out: Path
    points: list[Point]
    runs: dict[str, Run]
    run_of: list[str]  # point index -> run name

    @property
    def pending(self) -> list[Run]:
        return [r for r in self.runs.values() if r.pending]

    def point_run(self, point: Point) -> Run:
        return self.runs[self.run_of[point.index]]


def make_plan(spec: str | os.PathLike | dict[str, Any] | SweepSpec, out: str | os.PathLike) -> Plan:
    """Read and check the SPEC, resolve and validate every point, find the data each uses, name
    every run by its hash and read what ``out/runs/`` already holds. Nothing is written."""
    spec = load_spec(spec)
    out = Path(out).resolve()
    points = resolve_points(spec)
    runs: dict[str, Run] = {}
    run_of: list[str] = []
    seen: dict[tuple[str, float], Point] = {}
    for p in points:
        split = probe_splits(*data_key(p.config))
        ident = identity(config_dict(p.config), split.names)
        digest = identity_hash(ident)
        name = run_name(ident, digest)
        twin = seen.get((name, p.retention_s))
        if twin is not None:
            raise SpecError(
                f"{spec.source}: the points {twin.label()} and {p.label()} are the same run; "
                "remove the repeated values from the SPEC"
            )
        seen[(name, p.retention_s)] = p
        if name not in runs:
            run_dir = out / "runs" / name
            runs[name] = Run(name, digest, run_dir, dataclasses.replace(p.config, out=str(run_dir)), split)
        runs[name].points.append(p)
        run_of.append(name)
    for run in runs.values():
        run.state, run.epochs_done = run_state(run.run_dir)
        run.needs_eval = run.state == "finished" and _lacks_times(run)
    return Plan(spec, out, points, runs, run_of)


def _lacks_times(run: Run) -> bool:
    try:
        summary = json.loads((run.run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return True
    have = {float(t) for t, _ in summary.get("retention_curve") or []}
    own = float((summary.get("accuracy") or {}).get("retention_s", -1.0))
    return own != run.retention_times[0] or any(t not in have for t in run.retention_times)
