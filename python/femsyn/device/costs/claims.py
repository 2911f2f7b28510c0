"""The paper's claimed improvements of the FeMFET cell, and what this cost model gives for them.

Nothing in the model is tuned to the claims: :func:`claim_comparison` puts the model's figures
beside the paper's (abstract of Kazemi et al., arXiv 2004.00703).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from femsyn.device.costs.cell_cost import CellCosts

__all__ = ["PAPER_CLAIMS", "claim_comparison"]

#: The paper's claimed improvements of the FeMFET cell over the earlier hybrid cells (abstract).
PAPER_CLAIMS: dict[str, dict[str, Any]] = {
    "area": {"label": "area", "claim": 0.26, "text": "up to 26 % less"},
    "leakage": {"label": "leakage power", "claim": 0.448, "text": "up to 44.8 % less"},
    "pulse": {"label": "LSB pulse width", "claim": 0.167, "text": "16.7 % shorter"},
    "endurance": {
        "label": "MSB endurance",
        "claim": 100.0,
        "text": "100x (two orders of magnitude)",
    },
}


def claim_comparison(costs: Mapping[str, CellCosts | None], ours: str | None = None) -> list[dict[str, Any]]:
    """The model's improvement of the FeMFET cell over each earlier cell, beside the paper's claim.

    Returns one dict per claim: ``{"key", "label", "claim", "claim_text", "vs": {design: value},
    "best": value}``. Reductions are fractions (``1 - ours/theirs``); endurance is a ratio.
    """
    designs = {d: c for d, c in costs.items() if c is not None}
    if ours is None:
        ours = next((d for d, c in designs.items() if c.cell == "femfet"), None)
    rows: list[dict[str, Any]] = []
    if ours is None:
        return rows
    mine = designs[ours]
    others = {d: c for d, c in designs.items() if c.cell != "femfet"}
    metric = {
        "area": lambda c: c.area_f2,
        "leakage": lambda c: c.leakage_w,
        "pulse": lambda c: c.pulse_width_s,
    }
    for key, claim in PAPER_CLAIMS.items():
        vs: dict[str, float] = {}
        for d, c in others.items():
            if key == "endurance":
                vs[d] = mine.endurance_cycles / c.endurance_cycles
            else:
                theirs = metric[key](c)
                vs[d] = 1.0 - metric[key](mine) / theirs if theirs else math.nan
        best = max(vs.values()) if vs else math.nan
        rows.append(
            {
                "key": key,
                "label": claim["label"],
                "claim": claim["claim"],
                "claim_text": claim["text"],
                "vs": vs,
                "best": best,
                "ours": ours,
            }
        )
    return rows
