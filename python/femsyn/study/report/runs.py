"""What the report reads from a run directory: ``summary.json`` (required), ``trace.npz`` and
``writes.npz`` (optional), and the runs of a comparison, design by design."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RunData", "load_run", "load_runs"]


@dataclass
class RunData:
    """What the report reads from one run directory."""

    path: Path
    summary: dict[str, Any]
    trace: dict[str, np.ndarray] = field(default_factory=dict)
    writes: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def device(self) -> dict[str, Any]:
        return dict(self.summary.get("device") or {})


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as z:
        return {k: np.asarray(z[k]) for k in z.files}


def load_run(run_dir: str | Path) -> RunData:
    """Read ``summary.json`` (required), ``trace.npz`` and ``writes.npz`` (optional)."""
    p = Path(run_dir)
    summary_path = p / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"no summary.json in run directory {str(p)!r}")
    summary = json.loads(summary_path.read_text())
    if not summary.get("history") and (p / "metrics.jsonl").is_file():
        summary["history"] = [
            json.loads(line) for line in (p / "metrics.jsonl").read_text().splitlines() if line.strip()
        ]
    return RunData(p, summary, _load_npz(p / "trace.npz"), _load_npz(p / "writes.npz"))


def load_runs(
    run_dirs_by_design: Mapping[str, str | Path | Sequence[str | Path]],
) -> tuple[dict[str, list[RunData]], list[str]]:
    """The complete runs of each design, and why the others were skipped."""
    runs: dict[str, list[RunData]] = {}
    skipped: list[str] = []
    for design, dirs in run_dirs_by_design.items():
        rs = []
        for d in _as_list(dirs):
            try:
                r = load_run(d)
            except (FileNotFoundError, json.JSONDecodeError) as exc:
                skipped.append(f"{d}: {exc}")
                continue
            if not r.summary.get("complete", False):
                skipped.append(f"{d}: run not complete")
                continue
            rs.append(r)
        runs[design] = rs
    return runs, skipped


def _as_list(v: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(v, (str, Path)):
        return [Path(v)]
    return [Path(x) for x in v]


def display_path(path: Path, base: Path) -> str:
    """A run directory relative to the report folder when it lies inside it (portable reports)."""
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def writes_flat(run: RunData) -> np.ndarray:
    """Per-cell MSB write counts of every layer of a run, in one flat array."""
    arrs = [np.asarray(a).ravel() for a in run.writes.values() if np.asarray(a).dtype.kind in "iu"]
    return np.concatenate(arrs) if arrs else np.zeros(0, dtype=np.uint32)


def most_written(run: RunData) -> str:
    """Where the most-written cell of a run is, and how often it was written."""
    best: tuple[int, str] | None = None
    for name, a in run.writes.items():
        a = np.asarray(a)
        if a.size == 0 or a.dtype.kind not in "iu":
            continue
        idx = int(np.argmax(a))
        v = int(a.ravel()[idx])
        if best is None or v > best[0]:
            where = tuple(int(i) for i in np.unravel_index(idx, a.shape))
            best = (v, f"{name}{list(where)}: {v:,} writes")
    return best[1] if best else "—"
