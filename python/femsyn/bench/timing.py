"""How the bench times a call (median of samples) and fits cost against array size."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["fit_linear", "time_calls"]


def fit_linear(cells: Sequence[float], seconds: Sequence[float]) -> dict[str, float]:
    """Least-squares fit ``seconds = intercept + slope * cells`` and the log-log exponent.

    A kernel whose cost is linear in the number of cells has ``exponent`` close to 1 over the
    sizes where the fixed call overhead (``intercept``) is negligible.
    """
    x = np.asarray(cells, dtype=np.float64)
    y = np.asarray(seconds, dtype=np.float64)
    if x.size < 2 or x.size != y.size:
        raise ValueError("fit_linear needs at least two (cells, seconds) points of equal length")
    a = np.vstack([np.ones_like(x), x]).T
    (intercept, slope), *_ = np.linalg.lstsq(a, y, rcond=None)
    pred = intercept + slope * x
    ss_res = float(np.sum((y - pred) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    ok = (x > 0) & (y > 0)
    exponent = float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0]) if ok.sum() >= 2 else math.nan
    # exponent over the two largest sizes: the asymptotic behaviour, free of call overhead
    order = np.argsort(x)
    xl, yl = x[order][-2:], y[order][-2:]
    tail = (
        float(np.log(yl[1] / yl[0]) / np.log(xl[1] / xl[0])) if xl[1] > xl[0] and yl[0] > 0 and yl[1] > 0 else math.nan
    )
    return {
        "slope_s_per_cell": float(slope),
        "slope_ns_per_cell": float(slope) * 1e9,
        "slope_cells_per_s": 1.0 / float(slope) if slope > 0 else math.inf,
        "intercept_s": float(intercept),
        "r2": r2,
        "loglog_exponent": exponent,
        "loglog_exponent_largest": tail,
    }


def time_calls(
    fn: Callable[[], Any],
    *,
    setup: Callable[[], Any] | None = None,
    min_time: float = 0.2,
    min_samples: int = 3,
    max_samples: int = 200,
    sample_time: float = 2e-3,
) -> dict[str, float]:
    """Time `fn()`: median and best seconds per call over samples.

    Without `setup`, each sample runs `fn` enough times to last about `sample_time` (so a 10 us
    call is not dominated by the timer); with `setup`, each call is preceded by an untimed
    `setup()` and timed alone.
    """
    fn()  # warm-up: allocations, page faults, thread pool start
    inner = 1
    if setup is None:
        t0 = time.perf_counter()
        fn()
        one = max(time.perf_counter() - t0, 1e-9)
        inner = max(1, int(sample_time / one))
    samples: list[float] = []
    start = time.perf_counter()
    while len(samples) < max_samples and (len(samples) < min_samples or time.perf_counter() - start < min_time):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return {
        "median_s": statistics.median(samples),
        "best_s": min(samples),
        "samples": len(samples),
        "calls_per_sample": inner,
    }
