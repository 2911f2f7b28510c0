"""What a whole training run costs: the counts of its summary.json times per-event cell costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from femsyn.device.costs.cell_cost import CellCosts
from femsyn.device.costs.formulas import endurance_projection

__all__ = ["RunCosts", "msb_write_cost", "overflow_writes", "run_costs"]


@dataclass(frozen=True)
class RunCosts:
    """Costs of a whole training run: counts from summary.json times per-event cell costs."""

    pulses: float
    msb_writes: float
    transfers: float
    lsb_energy_j: float
    msb_energy_j: float
    update_energy_j: float
    hold_energy_j: float
    lsb_latency_s: float
    msb_latency_s: float
    update_latency_s: float
    max_cell_writes: float
    runs_to_wearout: float
    runs_to_wearout_1e8: float


def overflow_writes(counters: Mapping[str, Any]) -> float:
    """MSB writes done by the overflow trigger inside ``update`` (not by transfer events).

    Each is charged one MSB write time in the latency (serialized: an upper bound, since two
    cells of one row that overflow in the same step could be written together). The core counts
    them (``overflow_writes``); summaries of the first release estimate them as
    ``min(overflow_carries, msb_writes)``, or without that counter as all writes when no
    transfer event happened, else none.
    """
    writes = float(counters.get("msb_writes", 0))
    if "overflow_writes" in counters:
        return float(counters["overflow_writes"])
    if "overflow_carries" in counters:
        return min(float(counters["overflow_carries"]), writes)
    return writes if float(counters.get("transfers", 0)) == 0 else 0.0


def msb_write_cost(cc: CellCosts, counters: Mapping[str, Any]) -> tuple[float, float]:
    """Energy of all MSB writes of ``counters`` and the latency of one write.

    A store that counts its program pulses (``cc.msb_counted``: the ``pcm`` model, any
    program-verify scheme) is charged ``msb_program_pulses`` pulses of ``msb_write_time_s``
    each, a write's latency being the mean pulses per write times ``msb_write_time_s`` (the
    verify reads are not charged: a read is far cheaper than a PCM or FE program pulse). Open-loop
    ``levels`` (and summaries without the counter) keep the cell's assumed
    ``msb_write_iterations`` per write.
    """
    writes = float(counters.get("msb_writes", 0))
    if cc.msb_counted and "msb_program_pulses" in counters:
        pulses = float(counters["msb_program_pulses"])
        per_write = pulses / writes if writes > 0 else 0.0
        return pulses * cc.msb_pulse_energy_j, per_write * cc.msb_write_time_s
    return writes * cc.msb_write_energy_j, cc.msb_write_latency_s


def run_costs(cc: CellCosts, summary: Mapping[str, Any]) -> RunCosts:
    """Whole-run energy/latency/endurance from a run's summary.json and a cell's costs."""
    counters = summary.get("counters", {}) or {}
    layers = summary.get("layers") or []
    pulses = float(counters.get("pulses", 0))
    msb_writes = float(counters.get("msb_writes", 0))
    transfers = float(counters.get("transfers", 0))
    e_msb, write_lat = msb_write_cost(cc, counters)
    if layers:
        lsb_lat = sum(float(lay["counters"].get("latency_pulses", 0)) for lay in layers) * cc.pulse_width_s
        msb_lat = sum(
            (float(lay["counters"].get("transfers", 0)) * int(lay["rows"]) + overflow_writes(lay["counters"]))
            * msb_write_cost(cc, lay["counters"])[1]
            for lay in layers
        )
        hold = sum(
            int(lay["rows"]) * int(lay["cols"]) * cc.leakage_w * float(lay["counters"].get("time_s", 0))
            for lay in layers
        )
    else:  # no per-layer rows: a lower bound (one row per transfer)
        lsb_lat = float(counters.get("latency_pulses", 0)) * cc.pulse_width_s
        msb_lat = (transfers + overflow_writes(counters)) * write_lat
        hold = float(summary.get("cells", 0)) * cc.leakage_w * float(counters.get("time_s", 0))
    e_lsb = pulses * cc.pulse_energy_j
    max_w = float(counters.get("max_cell_writes", 0))
    return RunCosts(
        pulses=pulses,
        msb_writes=msb_writes,
        transfers=transfers,
        lsb_energy_j=e_lsb,
        msb_energy_j=e_msb,
        update_energy_j=e_lsb + e_msb,
        hold_energy_j=hold,
        lsb_latency_s=lsb_lat,
        msb_latency_s=msb_lat,
        update_latency_s=lsb_lat + msb_lat,
        max_cell_writes=max_w,
        runs_to_wearout=endurance_projection(cc.endurance_cycles, max_w),
        runs_to_wearout_1e8=endurance_projection(1e8, max_w),
    )
