"""The report's training-diagnostics section: the warnings the runs recorded, one row per kind."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from femsyn.study.report.runs import RunData

__all__ = ["diagnostics_section"]

#: at most this many kinds of warning per design (the rest are counted)
MAX_KINDS = 8


def diagnostics_section(runs: Mapping[str, list[RunData]]) -> list[tuple]:
    """Empty when no run recorded a warning."""
    rows = []
    for d, rs in runs.items():
        seen = _kinds(rs)
        for key, vals in list(seen.items())[:MAX_KINDS]:
            v = [x for x in vals if not math.isnan(x)]
            pct = f"{min(v):.1f}%" if v and min(v) == max(v) else (f"{min(v):.1f}-{max(v):.1f}%" if v else "")
            rows.append([d, str(len(vals)), key.replace("{pct}", pct)])
        if len(seen) > MAX_KINDS:
            rows.append([d, "", f"... and {len(seen) - MAX_KINDS} more (see summary.json of each run)"])
    if not rows:
        return []
    return [
        ("h2", "Training diagnostics"),
        ("p", "Warnings the training loop recorded (summary.json), with how often they occurred."),
        ("table", ["design", "times", "warning"], rows),
    ]


def _kinds(rs: list[RunData]) -> dict[str, list[float]]:
    """The same diagnosis in every epoch and seed is one kind; its first percentage per occurrence."""
    seen: dict[str, list[float]] = {}
    for r in rs:
        for w in r.summary.get("warnings") or []:
            # the same diagnosis in every epoch and seed: one row, with the range of its figure
            text = re.sub(r"^epoch \d+: ", "", str(w))
            pcts = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", text)]
            key = re.sub(r"\d+(?:\.\d+)?%", "{pct}", text)
            seen.setdefault(key, []).extend(pcts[:1] or [math.nan])
    return seen
