"""What one cell costs: area, hold leakage, LSB pulse and MSB write energy and latency.

The circuit comes from :data:`~femsyn.device.costs.cells.CELLS`, the electrical values from the
design's device preset (or the ``device`` dict of a run's summary.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from femsyn.device.costs.cells import CELLS, TECH, CellSpec
from femsyn.device.costs.formulas import (
    EPS0,
    cap_area_f2,
    charge_per_pulse,
    fe_write_energy,
    leakage_power,
    pcm_write_energy,
    pulse_delta_v,
    pulse_energy,
    transistor_area_f2,
)
from femsyn.device.presets import preset

__all__ = ["CellCosts", "cell_costs", "cell_kind"]


def cell_kind(design: str | Mapping[str, Any] | Any) -> str | None:
    """The cell of a design name / device (``"femfet"``, ``"2t1fefet"``, ``"3t1c2pcm"``), or
    ``None`` for ``ideal``/``float`` (no cell cost). Unknown hybrid names raise ValueError."""
    if isinstance(design, str):
        name, kind = design, None
    else:
        name, kind = str(_get(design, "name", "")), _get(design, "kind", None)
    if kind in ("ideal", "float"):
        return None
    low = name.lower()
    if low.startswith(("ideal", "float")):
        return None
    for cell in CELLS:
        if low.startswith(cell):
            return cell
    raise ValueError(
        f"no cell cost model for design {name!r}; known cells: {', '.join(CELLS)} "
        "(names start with the cell), or ideal-*/float"
    )


def _get(dev: Any, key: str, default: Any = None) -> Any:
    if isinstance(dev, Mapping):
        return dev.get(key, default)
    return getattr(dev, key, default)


def _device(design: str | Mapping[str, Any] | Any) -> Any:
    if isinstance(design, str):
        return preset(design)  # the single source of the electrical parameters
    return design


def _volts(spec: str, vdd: float) -> float:
    return {"0": 0.0, "vdd/2": vdd / 2.0, "vdd": vdd}[spec]


@dataclass(frozen=True)
class CellCosts:
    """Per-cell costs of one design (SI units; area in F^2)."""

    design: str
    cell: str
    label: str
    transistors: int
    area_f2: float
    area_transistors_f2: float
    area_cap_f2: float
    leakage_w: float
    pulse_width_s: float
    pulse_current_a: float
    c_node_f: float
    v_dd_v: float
    pulse_charge_c: float
    pulse_delta_v_v: float
    pulse_energy_j: float
    msb_write_time_s: float
    msb_write_voltage_v: float
    msb_write_energy_j: float
    msb_write_latency_s: float
    endurance_cycles: float
    breakdown: dict[str, float] = field(default_factory=dict)
    #: energy of one MSB program pulse (``msb_write_energy_j`` at one iteration)
    msb_pulse_energy_j: float = 0.0
    #: the device's MSB store counts its program pulses and verify iterations (any store but
    #: open-loop ``levels``): run costs use those counts instead of ``msb_write_iterations``
    msb_counted: bool = False


def cell_costs(design: str | Mapping[str, Any] | Any) -> CellCosts | None:
    """Costs of one cell. ``design`` is a preset name (resolved with ``femsyn.device.preset``),
    a :class:`~femsyn.device.DeviceParams`, or the ``device`` dict of a run's summary.json.
    Returns ``None`` for ideal/float designs."""
    dev = _device(design)
    cell = cell_kind(dev)
    if cell is None:
        return None
    spec = CELLS[cell]
    t = {k: p.value for k, p in TECH.items()}
    width = float(_get(dev, "pulse_width_s"))
    current = float(_get(dev, "pulse_current_a"))
    c_node = float(_get(dev, "c_node_f"))
    vdd = float(_get(dev, "v_dd_v"))
    t_w = float(_get(dev, "msb_write_time_s"))
    v_w = float(_get(dev, "msb_write_voltage_v"))
    endurance = float(_get(dev, "endurance_cycles"))
    n_iter = spec.extra["msb_write_iterations"].value
    a_tr, a_cap, leak, breakdown = _footprint_and_leakage(spec, t, c_node, vdd)
    dv = pulse_delta_v(current, width, c_node)
    return CellCosts(
        design=str(_get(dev, "name", cell)),
        cell=cell,
        label=spec.label,
        transistors=spec.transistor_count,
        area_f2=a_tr + a_cap,
        area_transistors_f2=a_tr,
        area_cap_f2=a_cap,
        leakage_w=leak,
        pulse_width_s=width,
        pulse_current_a=current,
        c_node_f=c_node,
        v_dd_v=vdd,
        pulse_charge_c=charge_per_pulse(current, width),
        pulse_delta_v_v=dv,
        pulse_energy_j=pulse_energy(c_node, vdd, dv),
        msb_write_time_s=t_w,
        msb_write_voltage_v=v_w,
        msb_write_energy_j=_msb_write_energy(spec, t, c_node, v_w, t_w, n_iter),
        msb_write_latency_s=t_w * n_iter,
        endurance_cycles=endurance,
        breakdown=breakdown,
        msb_pulse_energy_j=_msb_write_energy(spec, t, c_node, v_w, t_w, 1.0),
        msb_counted=_get(dev, "msb_model", "levels") != "levels"
        or _get(dev, "msb_write_scheme", "open-loop") != "open-loop",
    )


def _footprint_and_leakage(
    spec: CellSpec, t: Mapping[str, float], c_node: float, vdd: float
) -> tuple[float, float, float, dict[str, float]]:
    """Front-end area of the transistors and of the capacitor (F^2), hold leakage (W), and the
    area of each device (back-end devices stack over the transistors: 0)."""
    f_nm = t["feature_nm"]
    f_um = f_nm * 1e-3
    a_tr = 0.0
    a_cap = 0.0
    off: list[tuple[float, float]] = []
    breakdown: dict[str, float] = {}
    for e in spec.elements:
        if e.kind in ("nmos", "pmos", "femfet", "fefet"):
            a = transistor_area_f2(e.w_f, e.l_f, t["iso_w_f"], t["diff_l_f"])
            a_tr += a
            breakdown[e.name] = a
            v = _volts(e.off_v, vdd)
            if v > 0:
                off.append((e.w_f * f_um, v))
        elif e.kind == "cap":
            a = cap_area_f2(c_node, t[e.density], f_nm)
            a_cap += a
            breakdown[e.name] = a
        else:  # back-end device, stacked over the transistors
            breakdown[e.name] = 0.0
    return a_tr, a_cap, leakage_power(off, t["i_off_a_per_um"]), breakdown


def _msb_write_energy(
    spec: CellSpec, t: Mapping[str, float], c_node: float, v_w: float, t_w: float, n_iter: float
) -> float:
    """Energy of one MSB write: ferroelectric switching (plus the swung LSB node of a FeFET gate
    cell), or PCM program-and-verify of one device of the pair."""
    f_nm = t["feature_nm"]
    if spec.msb_store in ("fe", "fefet_gate"):
        fe_dev = next(e for e in spec.elements if e.kind in ("femfet", "fefet"))
        gate_m2 = (fe_dev.w_f * f_nm * 1e-9) * (fe_dev.l_f * f_nm * 1e-9)
        ratio = spec.extra["fe_area_ratio"].value if "fe_area_ratio" in spec.extra else 1.0
        a_fe = ratio * gate_m2
        c_lin = EPS0 * t["fe_eps_r"] * a_fe / t["fe_thickness_m"]
        e_msb = fe_write_energy(t["fe_pr_c_per_m2"], a_fe, c_lin, v_w) * n_iter
        if spec.msb_store == "fefet_gate":
            e_msb += c_node * v_w * v_w * n_iter
        return e_msb
    # a PCM write programs one device of the pair
    return pcm_write_energy(spec.extra["pcm_prog_current_a"].value, v_w, t_w, n_iter)
