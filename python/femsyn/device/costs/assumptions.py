"""Every constant of the cost model with its value, unit and source (the report's last table)."""

from __future__ import annotations

from typing import Any

from femsyn.device.costs.cells import CELLS, TECH, CellSpec

__all__ = ["assumptions"]

#: The electrical values the cost model takes from each design's device preset.
PRESET_FIELDS = (
    "pulse_width_s",
    "pulse_current_a",
    "c_node_f",
    "v_dd_v",
    "msb_write_time_s",
    "msb_write_voltage_v",
    "endurance_cycles",
)


def assumptions() -> list[dict[str, Any]]:
    """Every model constant with its value, unit and source (technology, cells, devices)."""
    out = [_row("technology", k, p.value, p.unit, p.source, p.note) for k, p in TECH.items()]
    for cell, spec in CELLS.items():
        out += _cell_rows(cell, spec)
    out += [
        _row("all cells", k, "from the device preset", "", "femsyn.device.presets (see each preset's citation)", "")
        for k in PRESET_FIELDS
    ]
    return out


def _cell_rows(cell: str, spec: CellSpec) -> list[dict[str, Any]]:
    """One row per device of the cell (size, or what sizes it), then its extra constants."""
    rows = []
    for e in spec.elements:
        if e.kind in ("nmos", "pmos", "femfet", "fefet"):
            val = f"W={e.w_f:g}F L={e.l_f:g}F"
            unit = "F"
            note = e.role + (f"; off at {e.off_v} while holding" if e.off_v != "0" else "")
        elif e.kind == "cap":
            val, unit, note = f"C_node at {e.density}", "", e.role + " (C from the preset)"
        else:
            val, unit, note = "back end (no footprint)", "", e.role
        rows.append(_row(cell, e.name, val, unit, e.source, note))
    rows += [_row(cell, k, p.value, p.unit, p.source, p.note) for k, p in spec.extra.items()]
    return rows


def _row(scope: str, name: str, value: Any, unit: str, source: str, note: str) -> dict[str, Any]:
    return {"scope": scope, "name": name, "value": value, "unit": unit, "source": source, "note": note}
