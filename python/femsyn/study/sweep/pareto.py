"""Pareto fronts: the configurations no other one beats on both cost (lower) and accuracy (higher)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["pareto_front"]


def pareto_front(costs: Sequence[float], accs: Sequence[float]) -> list[int]:
    """Indices of the points on the front, cheapest first. A point is on it when every cheaper
    (or equally cheap) point is less accurate; points with a nan cost or accuracy are left out."""
    ok = [i for i in range(len(costs)) if not (math.isnan(costs[i]) or math.isnan(accs[i]))]
    order = sorted(ok, key=lambda i: (costs[i], -accs[i]))
    front: list[int] = []
    best = -math.inf
    for i in order:
        if accs[i] > best:
            front.append(i)
            best = accs[i]
    return front
