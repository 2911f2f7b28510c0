"""Comparisons made before ``femsyn compare`` ran on the sweep engine kept their runs in
``out/runs/<design>/seed<k>/``. A new comparison into the same ``out`` moves each such run to its
hash-named directory (``out/runs/<name>/``) when it is the run the comparison asks for, so it is
reused (or resumed) instead of trained again; a finished run there with a *different*
configuration is refused, as before (delete it or choose another ``out``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from femsyn.study.sweep import Plan, identity_hash, run_identity

__all__ = ["adopt_legacy_runs", "find_reusable", "run_dir_for"]

# Config keys that do not change what a run computes, and those that only change its evaluation.
_IGNORED_KEYS = {"out", "data_dir", "progress", "resume", "stop_after_epochs", "threads", "eval_batch_size"}
_EVAL_ONLY_KEYS = {"retention_s"}


def run_dir_for(out: str | Path, design: str, seed: int) -> Path:
    """Where a comparison before the sweep engine kept the run of ``design`` with ``seed``."""
    return Path(out) / "runs" / design / f"seed{seed}"


def _normalize(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {k: _normalize(x) for k, x in dataclasses.asdict(v).items()}
    if isinstance(v, dict):
        return {k: _normalize(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_normalize(x) for x in v]
    return v


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
            return a == b or (math.isnan(a) and math.isnan(b))
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_same(a[k], b[k]) for k in a.keys() & b.keys())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def mismatches(wanted: dict[str, Any], saved: dict[str, Any]) -> list[str]:
    """``key: saved X != requested Y`` for each key that differs (None: resolved by train)."""
    out = []
    for k, v in wanted.items():
        if k in _IGNORED_KEYS or k not in saved or v is None:
            continue
        if not _same(_normalize(v), saved[k]):
            out.append(f"{k}: saved {saved[k]!r} != requested {v!r}")
    return out


def _saved_config(p: Path) -> dict[str, Any] | None:
    """The configuration of the finished run in ``p`` (None: no finished run there)."""
    try:
        summary = json.loads((p / "summary.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not summary.get("complete", False):
        return None
    saved = {
        k: summary[k] for k in ("net", "dataset", "synapse", "seed", "epochs", "batch_size", "width") if k in summary
    }
    try:
        saved.update(json.loads((p / "config.json").read_text()))
    except (OSError, json.JSONDecodeError):
        pass
    if "retention_s" in (summary.get("accuracy") or {}):
        saved["retention_s"] = summary["accuracy"]["retention_s"]
    return saved


def find_reusable(run_dir: str | Path, wanted: dict[str, Any]) -> bool:
    """True when ``run_dir`` holds a finished run of the configuration ``wanted`` (keys that only
    change the evaluation, like ``retention_s``, may differ: they are re-evaluated).

    Raises ValueError when it holds a finished run of a *different* configuration.
    """
    p = Path(run_dir)
    saved = _saved_config(p)
    if saved is None:
        return False
    bad = mismatches({k: v for k, v in wanted.items() if k not in _EVAL_ONLY_KEYS}, saved)
    if bad:
        raise ValueError(
            f"{str(p)!r} holds a finished run with a different configuration ({'; '.join(bad)}); "
            "delete that directory or choose another --out"
        )
    return True


def adopt_legacy_runs(plan: Plan, say: Callable[[str], None]) -> int:
    """Move each ``runs/<design>/seed<k>/`` that holds a run of the plan to its hash-named
    directory; return how many moved. Raises ValueError on a finished run of another config."""
    moved = 0
    for p in plan.points:
        legacy = run_dir_for(plan.out, str(p.axes.get("synapse", p.config.synapse)), p.seed)
        if not legacy.is_dir():
            continue
        find_reusable(legacy, p.config.to_dict())
        run = plan.point_run(p)
        ident = run_identity(legacy)
        if ident is None or identity_hash(ident) != run.digest or run.run_dir.exists():
            continue
        run.run_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(legacy, run.run_dir)  # one rename: the run is never in two places or none
        say(f"moved the earlier run {legacy} to {run.run_dir}")
        moved += 1
        try:
            legacy.parent.rmdir()  # runs/<design>/ once its last seed moved
        except OSError:
            pass
    return moved
