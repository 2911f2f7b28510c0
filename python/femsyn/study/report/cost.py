"""The report's cell-cost section (per cell and per training run) and the cost model's assumptions."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from femsyn.device import costs as cost_model
from femsyn.device.costs import CellCosts, RunCosts
from femsyn.study.report.formatting import fmt_count, fmt_si
from femsyn.study.report.runs import RunData

__all__ = ["Costs", "assumptions_section", "cost_numbers", "cost_section"]

DASH = "—"


@dataclass
class Costs:
    """Cell costs of each design (None: ideal/float, no cell) and the costs of each of its runs."""

    cell: dict[str, CellCosts | None]
    run: dict[str, list[RunCosts]]

    def mean(self, design: str, attr: str) -> float:
        """Mean over the design's runs of a RunCosts field (nan without runs)."""
        vals = [getattr(rc, attr) for rc in self.run[design]]
        return float(np.mean(vals)) if vals else math.nan


def cost_numbers(runs: Mapping[str, list[RunData]], devices: Mapping[str, dict[str, Any]]) -> Costs:
    """The cell costs of each design (from its device dict) and the costs of each of its runs."""
    cell: dict[str, CellCosts | None] = {}
    for d in runs:
        try:
            cell[d] = cost_model.cell_costs(devices[d]) if devices[d] else None
        except (ValueError, TypeError, KeyError):
            cell[d] = None
    run_cost: dict[str, list[RunCosts]] = {
        d: [cost_model.run_costs(cell[d], r.summary) for r in rs] if cell[d] else [] for d, rs in runs.items()
    }
    return Costs(cell, run_cost)


def cost_section(runs: Mapping[str, list[RunData]], costs: Costs) -> list[tuple]:
    """The cell-cost table: per cell, then per training run (mean over seeds)."""
    designs = list(runs)
    return [
        ("h2", "Cell cost"),
        (
            "p",
            "Per-cell costs from `femsyn.device.costs` (a documented parametric model; electrical values "
            "from each design's device preset). Run rows: counts from the run (mean over seeds) × "
            "per-event costs. Latency: rows of a layer update in parallel (sum over updates of "
            "the largest pulse count × pulse width); a transfer event programs a layer row by row; "
            "a write by the overflow trigger is counted serially (an upper bound). Hold energy = "
            "leakage × cells × simulated time. Ideal/float designs have no cell (—).",
        ),
        ("table", ["metric"] + designs, _rows(designs, costs)),
    ]


def _rows(designs: list[str], costs: Costs) -> list[list[str]]:
    cell, mean_rc = costs.cell, costs.mean

    def row(label: str, f: Callable[[str], str]) -> list[str]:
        return [label] + [f(d) if cell[d] is not None else DASH for d in designs]

    return [
        row("cell", lambda d: f"{cell[d].label} ({cell[d].cell})"),
        row("area (F²)", lambda d: f"{cell[d].area_f2:,.0f}"),
        row(
            "  of which transistors / capacitor (F²)",
            lambda d: f"{cell[d].area_transistors_f2:,.0f} / {cell[d].area_cap_f2:,.0f}",
        ),
        row("leakage power (hold)", lambda d: fmt_si(cell[d].leakage_w, "W")),
        row("LSB pulse width", lambda d: fmt_si(cell[d].pulse_width_s, "s")),
        row(
            "LSB pulse current / C_node",
            lambda d: f"{fmt_si(cell[d].pulse_current_a, 'A')} / {fmt_si(cell[d].c_node_f, 'F')}",
        ),
        row("ΔV per pulse (I·t/C)", lambda d: fmt_si(cell[d].pulse_delta_v_v, "V")),
        row("energy per LSB pulse (C·V_DD·ΔV)", lambda d: fmt_si(cell[d].pulse_energy_j, "J")),
        row(
            "MSB write time / voltage",
            lambda d: f"{fmt_si(cell[d].msb_write_time_s, 's')} / {cell[d].msb_write_voltage_v:g} V",
        ),
        row("energy per MSB write", lambda d: fmt_si(cell[d].msb_write_energy_j, "J")),
        row("MSB endurance (cycles)", lambda d: f"{cell[d].endurance_cycles:.0e}"),
        row("run: LSB pulses", lambda d: fmt_count(mean_rc(d, "pulses"))),
        row("run: MSB writes", lambda d: fmt_count(mean_rc(d, "msb_writes"))),
        row("run: transfer events", lambda d: fmt_count(mean_rc(d, "transfers"))),
        row(
            "run: update energy (pulses + MSB writes)",
            lambda d: fmt_si(mean_rc(d, "update_energy_j"), "J"),
        ),
        row("  of which MSB writes", lambda d: fmt_si(mean_rc(d, "msb_energy_j"), "J")),
        row("run: hold (leakage) energy", lambda d: fmt_si(mean_rc(d, "hold_energy_j"), "J")),
        row(
            "run: update latency (LSB pulses + MSB writes)",
            lambda d: fmt_si(mean_rc(d, "update_latency_s"), "s"),
        ),
        row("  of which MSB writes", lambda d: fmt_si(mean_rc(d, "msb_latency_s"), "s")),
    ]


def assumptions_section() -> list[tuple]:
    """Every constant of the cost model, with its source."""
    return [
        ("h2", "Cost-model assumptions"),
        (
            "p",
            'Every constant of the cost model and its source. "assumed" = not stated in the paper '
            "or an anchor paper; change it in `femsyn/device/costs/cells.py` and rebuild the report.",
        ),
        (
            "table",
            ["scope", "parameter", "value", "unit", "source", "note"],
            [[a["scope"], a["name"], a["value"], a["unit"], a["source"], a["note"]] for a in cost_model.assumptions()],
        ),
    ]
