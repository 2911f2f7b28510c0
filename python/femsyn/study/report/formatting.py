"""How the report writes numbers: percentages, percentage points, SI prefixes, counts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["fmt_count", "fmt_si", "mean_std", "pct", "pp"]


def mean_std(xs: Sequence[float]) -> tuple[float, float]:
    """Mean and sample std of the finite values (std nan from one value; both nan from none)."""
    a = np.asarray([x for x in xs if x is not None and not math.isnan(float(x))], dtype=float)
    if a.size == 0:
        return math.nan, math.nan
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else math.nan  # no spread from 1 seed


def pct(m: float, s: float | None = None) -> str:
    """A fraction as a percentage (with ± std when given)."""
    if m is None or math.isnan(m):
        return "—"
    if s is None:
        return f"{100 * m:.1f} %"
    if math.isnan(s):
        return f"{100 * m:.2f} %"
    return f"{100 * m:.2f} ± {100 * s:.2f} %"


def pp(x: float) -> str:
    """A difference of fractions in signed percentage points."""
    if x is None or math.isnan(x):
        return "—"
    return f"{100 * x:+.2f} pp"


_PREFIXES = [
    (1e-18, "a"),
    (1e-15, "f"),
    (1e-12, "p"),
    (1e-9, "n"),
    (1e-6, "µ"),
    (1e-3, "m"),
    (1.0, ""),
    (1e3, "k"),
    (1e6, "M"),
    (1e9, "G"),
]


def fmt_si(x: float | None, unit: str, digits: int = 3) -> str:
    """``fmt_si(2.5e-10, "s") == "250 ps"``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x == 0:
        return f"0 {unit}".strip()
    if math.isinf(x):
        return "∞"
    scale, prefix = _PREFIXES[0]
    for s, pre in _PREFIXES:
        if abs(x) >= s * 0.9999:
            scale, prefix = s, pre
    return f"{x / scale:.{digits}g} {prefix}{unit}".strip()


def fmt_count(x: float) -> str:
    """A count with thousands separators (3 significant digits from a million on)."""
    if x is None or math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞"
    if abs(x) >= 1e6:
        return f"{x:.3g}"
    return f"{x:,.0f}"
