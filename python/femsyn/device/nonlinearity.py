"""NeuroSim's nonlinearity labels and the normalized nonlinearity ``a`` of the ``exp`` model.

MLP+NeuroSim V3.0 (Chen et al., IEEE TCAD 2018) describes a weight-update curve
``g(p) = (1 - exp(-p/a)) / (1 - exp(-1/a))`` by an "NL" label and maps the label to ``a`` with a
look-up table (``formula.cpp``, ``getParamA``). femsyn's parameter is ``a``
(``DeviceParams.lsb_exp_a_up`` / ``lsb_exp_a_down``); :func:`neurosim_a` converts a label.
"""

from __future__ import annotations

import math

__all__ = ["NEUROSIM_A", "NEUROSIM_NL_UNIT", "neurosim_a"]

#: MLP+NeuroSim V3.0's published normalized nonlinearity for the NL labels its cells use
#: (``formula.cpp`` ``getParamA``; NL -> a, a negative NL gives -a).
NEUROSIM_A = {0.2: 6.311253, 0.5: 2.519877, 1.0: 1.251653, 2.4: 0.499181, 4.88: 0.200303}

#: NeuroSim's NL label is the largest gap between its normalized curve g(p) and the line p,
#: in units of this constant: max_p (g_a(p) - p) = NL * 0.7 / sqrt(50). Our fit: it reproduces
#: every published pair above (and the table's 0.01..0.03 entries) to 2e-6 relative.
NEUROSIM_NL_UNIT = 0.7 / math.sqrt(50.0)


def _nl_gap(a: float) -> float:
    """max_p (g_a(p) - p) for a > 0, in closed form (g'(p*) = 1 at p* = -a ln(a E))."""
    e = -math.expm1(-1.0 / a)
    return (1.0 - a * e) / e + a * math.log(a * e)


def neurosim_a(nl: float) -> float:
    """Normalized nonlinearity ``a`` of NeuroSim's NL label ``nl`` (0 < |nl| <= 9).

    The exact published value for the labels of :data:`NEUROSIM_A`; otherwise ``a`` solving
    ``max_p (g_a(p) - p) = |nl| * NEUROSIM_NL_UNIT`` (the relation NeuroSim's table satisfies).
    A negative label gives ``-a`` (NeuroSim's sign convention for depression curves).

    Raises:
        ValueError: nl is 0, not finite or |nl| > 9.
    """
    if not (isinstance(nl, (int, float)) and math.isfinite(nl) and 0 < abs(nl) <= 9):
        raise ValueError(f"nl: invalid NeuroSim nonlinearity label {nl!r}; allowed 0 < |nl| <= 9")
    sign = 1.0 if nl > 0 else -1.0
    if abs(nl) in NEUROSIM_A:
        return sign * NEUROSIM_A[abs(nl)]
    target = abs(nl) * NEUROSIM_NL_UNIT
    lo, hi = 1e-3, 1e4  # the gap falls monotonically with a
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if _nl_gap(mid) > target else (lo, mid)
    return sign * math.sqrt(lo * hi)
