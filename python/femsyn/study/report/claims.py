"""The report's "model vs the paper's claims" section: the FeMFET cell's improvements over the
earlier hybrid cells as the cost model computes them, beside the paper's claims."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from femsyn.device import costs as cost_model
from femsyn.device.costs import CellCosts
from femsyn.study.report.cost import Costs
from femsyn.study.report.formatting import fmt_si

__all__ = ["REFERENCE_DESIGNS", "Claims", "claim_numbers", "claims_section"]

#: The earlier hybrid cells the paper compares against (their cost comes from these presets when
#: a comparison did not run them, e.g. the 8-bit CIFAR-10 comparison).
REFERENCE_DESIGNS = ("2t1fefet-6b", "3t1c2pcm-6b")


@dataclass
class Claims:
    """The claim comparison (also in report.json) and the earlier cells it compares against."""

    claims: list[dict[str, Any]]
    cells: dict[str, CellCosts | None]  # the compared designs' cells plus any reference presets
    others: list[str]  # the earlier cells, in column order
    not_run: list[str]  # reference presets that the comparison did not run


def claim_numbers(designs: list[str], costs: Costs) -> Claims:
    """The earlier cells are the compared designs, or their presets when none of them was run."""
    cell = costs.cell
    claim_cells = dict(cell)
    others = [d for d in designs if cell[d] is not None and cell[d].cell != "femfet"]
    not_run: list[str] = []
    if not others and any(c is not None and c.cell == "femfet" for c in cell.values()):
        for ref in REFERENCE_DESIGNS:
            try:
                claim_cells[ref] = cost_model.cell_costs(ref)
            except (ImportError, ValueError):  # pragma: no cover - presets unavailable
                continue
            others.append(ref)
            not_run.append(ref)
    return Claims(cost_model.claim_comparison(claim_cells), claim_cells, others, not_run)


def claims_section(claims: Claims, costs: Costs) -> list[tuple]:
    """The claims table (and the note on the paper's reference pulse)."""
    others, not_run = claims.others, claims.not_run
    note = _pulse_note(claims, costs)
    return [
        ("h2", "Model vs the paper's claims"),
        (
            "p",
            "Improvement of the FeMFET cell over each earlier cell, as this model computes it "
            "(not tuned to the paper), beside the paper's claim (abstract).",
        ),
        (
            "table",
            ["claim"]
            + [f"model: vs {d}" + (" (preset, not run)" if d in not_run else "") for d in others]
            + ['model: best ("up to")', "paper claim"],
            _rows(claims),
        ),
        *([("p", note, "note")] if note else []),
    ]


def _rows(claims: Claims) -> list[list[str]]:
    rows = []
    for c in claims.claims:

        def show(v: float, key: str = c["key"]) -> str:
            if v is None or math.isnan(v):
                return "—"
            return f"{v:.0f}x" if key == "endurance" else f"{100 * v:.1f} % {'less' if v >= 0 else 'more'}"

        rows.append(
            [c["label"]] + [show(c["vs"].get(d, math.nan)) for d in claims.others] + [show(c["best"]), c["claim_text"]]
        )
    return rows


def _pulse_note(claims: Claims, costs: Costs) -> str:
    """What the paper's 16.7 % shorter pulse implies, beside the pulses of the presets compared."""
    ours = next((c for c in costs.cell.values() if c is not None and c.cell == "femfet"), None)
    if ours is None or not claims.others:
        return ""
    implied = ours.pulse_width_s / (1.0 - cost_model.PAPER_CLAIMS["pulse"]["claim"])
    used = ", ".join(f"{d}: {fmt_si(claims.cells[d].pulse_width_s, 's')}" for d in claims.others)
    return (
        f"The paper's 16.7 % shorter pulse implies a {fmt_si(implied, 's')} reference pulse "
        f"for the earlier cells; the presets compared here use {used}."
    )
