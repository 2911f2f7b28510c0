"""A sweep's rows grouped into configurations (every axis but the seed), with mean and std over
the seeds of each metric: what the report's tables and plots show."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from femsyn.study.report.formatting import mean_std
from femsyn.study.sweep.spec import fmt_value

__all__ = ["Group", "group_rows", "stats_by"]


@dataclass
class Group:
    """One configuration: its axis values, its finished rows (one per seed) and its failures."""

    axes: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0

    def stat(self, col: str) -> tuple[float, float]:
        """Mean and std over the seeds (std nan with one seed)."""
        return mean_std([_num(r.get(col)) for r in self.rows])

    def mean(self, col: str) -> float:
        return self.stat(col)[0]

    def label(self) -> str:
        return ", ".join(f"{k}={fmt_value(v)}" for k, v in self.axes.items()) or "all points"


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def group_rows(rows: Sequence[Mapping[str, Any]], axis_keys: Sequence[str]) -> list[Group]:
    """The configurations in the order they first appear; failed rows are counted, not averaged."""
    groups: dict[tuple, Group] = {}
    for r in rows:
        key = tuple(r.get(k) for k in axis_keys)
        g = groups.setdefault(key, Group({k: r.get(k) for k in axis_keys}))
        if r.get("status") == "failed":
            g.failed += 1
        else:
            g.rows.append(dict(r))
    return list(groups.values())


def stats_by(rows: Sequence[Mapping[str, Any]], keys: Sequence[str], col: str) -> dict[tuple, tuple[float, float, int]]:
    """(mean, std, n) of ``col`` over the finished rows that share the values of ``keys``."""
    cells: dict[tuple, list[float]] = {}
    for r in rows:
        if r.get("status") != "failed":
            cells.setdefault(tuple(r.get(k) for k in keys), []).append(_num(r.get(col)))
    return {k: (*mean_std(v), len(v)) for k, v in cells.items()}
