"""Cost model of the hybrid synapse cells: area, leakage, pulse and MSB-write energy, latency,
endurance.

The paper (Kazemi et al., arXiv 2004.00703) claims its FeMFET-CMOS cell improves on the earlier
hybrid cells by up to 26 % in area, 44.8 % in leakage power, 16.7 % in LSB pulse width and 100x
in endurance. Only the paper's abstract is public in full, so the cells below are *reconstructed*:
every number is a :class:`Param` that says where it comes from (``"paper"``, an anchor paper, the
device preset, or ``"assumed"``), and :func:`assumptions` lists them all for the report.

Nothing here is tuned to hit the paper's percentages: :func:`claim_comparison` prints what this
model gives beside what the paper claims.

What comes from where
---------------------
* Electrical LSB/MSB parameters (pulse width and current, storage-node capacitance, V_DD, MSB write
  time and voltage, endurance) come from the device preset (``femsyn.devices.preset(name)``) or
  from the ``device`` dict of a run's ``summary.json``, so they are never duplicated here.
* Circuit structure (which transistors, their sizes, which of them are off while a cell holds its
  LSB charge, what the storage node is made of) and technology constants (feature size, off-current
  density, capacitor densities, ferroelectric and PCM material constants) live here.

Formulas (each is a small tested function)
------------------------------------------
* charge per LSB pulse ``Q = I_pulse * t_pulse``; node step ``dV = Q / C_node``;
  energy per pulse ``E = C_node * V_DD * dV`` (= ``V_DD * Q``, the charge drawn from the supply).
* transistor footprint ``(W + iso_w) * (L + 2 * diff_l)`` in F^2 (gate plus two contacted
  diffusions, plus isolation); capacitor footprint ``C / density`` converted to F^2; devices in
  the back end of line (MFM capacitor of the FeMFET, PCM) sit above the transistors and add no
  footprint. Cell area = sum of the front-end footprints.
* leakage power ``P = sum over devices that are off while the cell holds its LSB of
  I_off(W) * V_across`` with ``I_off(W) = i_off_per_um * W``.
* ferroelectric MSB write ``E = (2 P_r A_fe + C_fe V) V`` (switched remanent charge plus the linear
  dielectric charge of the FE capacitor), plus ``C_node V^2`` when the write swings the LSB
  storage node (the 2T-1FeFET stores its LSB on the FeFET gate, which the MSB write drives).
* PCM MSB write ``E = n_iter * I_prog * V * t`` (iterative program-and-verify, per device written).
* run totals: ``E_update = pulses * E_pulse + msb_writes * E_msb``; hold energy
  ``cells * P_leak * t_sim``; latency ``sum over layers of latency_pulses * t_pulse +
  (transfers * rows + overflow writes) * t_msb * n_iter`` (rows of a layer update in parallel; a
  transfer event programs the array row by row; a write by the overflow trigger is serialized).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PAPER_CLAIMS",
    "CELLS",
    "TECH",
    "CellCosts",
    "CellSpec",
    "Element",
    "Param",
    "RunCosts",
    "assumptions",
    "cap_area_f2",
    "cell_costs",
    "cell_kind",
    "charge_per_pulse",
    "claim_comparison",
    "endurance_projection",
    "overflow_writes",
    "fe_write_energy",
    "leakage_power",
    "pcm_write_energy",
    "pulse_delta_v",
    "pulse_energy",
    "run_costs",
    "transistor_area_f2",
]

EPS0 = 8.8541878128e-12  # F/m


@dataclass(frozen=True)
class Param:
    """A model constant with its unit and source (``"paper"``, a reference, or ``"assumed"``)."""

    value: float
    unit: str
    source: str
    note: str = ""


# --------------------------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------------------------


def charge_per_pulse(current_a: float, width_s: float) -> float:
    """Charge moved onto the storage node by one LSB pulse: ``Q = I * t`` (coulomb)."""
    return current_a * width_s


def pulse_delta_v(current_a: float, width_s: float, c_node_f: float) -> float:
    """Storage-node voltage step of one pulse: ``dV = I * t / C`` (volt)."""
    if c_node_f <= 0:
        raise ValueError(f"c_node_f must be > 0, got {c_node_f!r}")
    return charge_per_pulse(current_a, width_s) / c_node_f


def pulse_energy(c_node_f: float, v_dd_v: float, delta_v_v: float) -> float:
    """Energy drawn from the supply by one LSB pulse: ``E = C * V_DD * dV`` (joule)."""
    return c_node_f * v_dd_v * delta_v_v


def transistor_area_f2(w_f: float, l_f: float, iso_w_f: float, diff_l_f: float) -> float:
    """Footprint of one transistor in F^2: ``(W + iso_w) * (L + 2 diff_l)``."""
    return (w_f + iso_w_f) * (l_f + 2.0 * diff_l_f)


def cap_area_f2(c_f: float, density_ff_per_um2: float, feature_nm: float) -> float:
    """Footprint of a capacitor of ``c_f`` farad at ``density`` fF/um^2, in F^2."""
    area_um2 = (c_f * 1e15) / density_ff_per_um2
    f_um = feature_nm * 1e-3
    return area_um2 / (f_um * f_um)


def leakage_power(off_devices: list[tuple[float, float]], i_off_a_per_um: float) -> float:
    """Static power of the devices that are off while the cell holds: ``sum I_off(W) * V``.

    ``off_devices`` is a list of ``(width_um, volts_across)``.
    """
    return sum(i_off_a_per_um * w_um * v for w_um, v in off_devices)


def fe_write_energy(pr_c_per_m2: float, area_m2: float, c_lin_f: float, v: float) -> float:
    """Energy of one ferroelectric write: ``(2 P_r A + C_lin V) V`` (joule)."""
    return (2.0 * pr_c_per_m2 * area_m2 + c_lin_f * v) * v


def pcm_write_energy(i_a: float, v: float, t_s: float, n_iter: float = 1.0) -> float:
    """Energy of one PCM write: ``n_iter * I * V * t`` (joule)."""
    return n_iter * i_a * v * t_s


def endurance_projection(endurance_cycles: float, max_cell_writes_per_run: float) -> float:
    """Full training runs until the most-written cell wears out (``inf`` if nothing was written)."""
    if max_cell_writes_per_run <= 0:
        return math.inf
    return endurance_cycles / max_cell_writes_per_run


# --------------------------------------------------------------------------------------------
# Technology and cells
# --------------------------------------------------------------------------------------------

#: Shared technology constants (one node for every cell, so the comparison is like for like).
TECH: dict[str, Param] = {
    "feature_nm": Param(45.0, "nm", "assumed", "one logic node for all cells (NeuroSim-style 45 nm)"),
    "iso_w_f": Param(2.0, "F", "assumed", "isolation added to the width of each transistor"),
    "diff_l_f": Param(2.5, "F", "assumed", "contacted source/drain diffusion on each side of the gate"),
    "i_off_a_per_um": Param(1e-9, "A/um", "assumed", "off-current density of a 45 nm low-power device"),
    "mos_cap_ff_per_um2": Param(23.0, "fF/um^2", "assumed", "thin-oxide MOS capacitor, EOT 1.5 nm (eps0*3.9/1.5 nm)"),
    "fe_gate_ff_per_um2": Param(
        15.0, "fF/um^2", "assumed", "FeFET gate stack: 10 nm HZO (eps 30) in series with 1 nm SiO2"
    ),
    "fe_pr_c_per_m2": Param(0.20, "C/m^2", "assumed", "HZO remanent polarization 20 uC/cm^2"),
    "fe_eps_r": Param(30.0, "", "assumed", "HZO relative permittivity"),
    "fe_thickness_m": Param(10e-9, "m", "assumed", "HZO film thickness"),
}


@dataclass(frozen=True)
class Element:
    """One device of a cell.

    kind: ``nmos``/``pmos``/``femfet``/``fefet`` (transistors, front end), ``cap`` (the LSB
    storage capacitor, front end; sized from the preset's ``c_node_f``), ``pcm`` (back end).
    ``off_v``: volts across the device while the cell holds its LSB (``"vdd/2"``, ``"vdd"`` or
    ``0``; ``0`` = not a leakage path). ``density``: key of :data:`TECH` for capacitors.
    """

    name: str
    kind: str
    role: str
    w_f: float = 0.0
    l_f: float = 0.0
    off_v: str = "0"
    density: str = ""
    source: str = "assumed"


@dataclass(frozen=True)
class CellSpec:
    """Circuit of one hybrid cell design (structure here; electrical values from the preset)."""

    name: str
    title: str
    reference: str
    elements: tuple[Element, ...]
    msb_store: str  # "fe" | "fefet_gate" | "pcm"
    short: str = ""  # device list as the literature writes it
    extra: dict[str, Param] = field(default_factory=dict)
    notes: str = ""

    @property
    def transistor_count(self) -> int:
        return sum(e.kind in ("nmos", "pmos", "femfet", "fefet") for e in self.elements)

    @property
    def label(self) -> str:
        if self.short:
            return self.short
        n_t = self.transistor_count
        caps = sum(e.kind == "cap" for e in self.elements)
        pcm = sum(e.kind == "pcm" for e in self.elements)
        parts = [f"{n_t}T"]
        if caps:
            parts.append(f"{caps}C")
        if pcm:
            parts.append(f"{pcm}PCM")
        return "+".join(parts)


_LOGIC = dict(w_f=3.0, l_f=1.0)  # minimum logic device (assumed)
_HV = dict(w_f=4.0, l_f=3.0)  # thick-oxide device that tolerates the 4 V FeFET gate write (assumed)

CELLS: dict[str, CellSpec] = {
    "femfet": CellSpec(
        name="femfet",
        title="FeMFET-CMOS hybrid (this paper)",
        reference="Kazemi et al., ISCAS 2020 (arXiv 2004.00703); FeMFET: Ni et al., IEDM 2018",
        elements=(
            Element("P_up", "pmos", "charges the LSB node (potentiation pulse)", **_LOGIC, off_v="vdd/2"),
            Element(
                "N_dn",
                "nmos",
                "discharges the LSB node (depression pulse)",
                **_LOGIC,
                off_v="vdd/2",
            ),
            Element("N_sel", "nmos", "read select in series with the FeMFET channel", **_LOGIC),
            Element(
                "FeMFET",
                "femfet",
                "MSB (polarization of the MFM capacitor on its gate); its internal metal gate is the LSB node",
                **_LOGIC,
            ),
            Element(
                "C_node",
                "cap",
                "LSB storage node (MOS capacitor on the internal gate)",
                density="mos_cap_ff_per_um2",
            ),
        ),
        msb_store="fe",
        short="3T+1FeMFET+1C",
        extra={
            "fe_area_ratio": Param(
                0.25,
                "",
                "assumed",
                "A_FE / A_MOS-gate of the FeMFET (Ni et al. tune this ratio < 1)",
            ),
            "msb_write_iterations": Param(1.0, "", "assumed", "single-pulse FeMFET write"),
        },
        notes="reconstructed: 3T + FeMFET + MOS cap; every transistor at logic size (1.8 V)",
    ),
    "2t1fefet": CellSpec(
        name="2t1fefet",
        title="2T-1FeFET hybrid",
        reference="Sun et al., IEDM 2018",
        elements=(
            Element(
                "P_up",
                "pmos",
                "charges the FeFET gate (LSB)",
                **_HV,
                off_v="vdd/2",
                source="assumed (thick oxide: the gate node sees the 4 V MSB write)",
            ),
            Element(
                "N_dn",
                "nmos",
                "discharges the FeFET gate (LSB)",
                **_HV,
                off_v="vdd/2",
                source="assumed (thick oxide: the gate node sees the 4 V MSB write)",
            ),
            Element("FeFET", "fefet", "MSB (polarization) and read device", **_HV),
            Element(
                "C_gate",
                "cap",
                "LSB storage node = the FeFET gate stack",
                density="fe_gate_ff_per_um2",
            ),
        ),
        msb_store="fefet_gate",
        short="2T+1FeFET",
        extra={"msb_write_iterations": Param(1.0, "", "assumed", "single-pulse FeFET write")},
        notes="LSB charge on the FeFET gate; the MSB write swings that node to the write voltage",
    ),
    "3t1c2pcm": CellSpec(
        name="3t1c2pcm",
        title="3T1C + 2PCM hybrid",
        reference="Ambrogio et al., Nature 2018",
        elements=(
            Element(
                "P_up",
                "pmos",
                "charges the capacitor (LSB)",
                **_LOGIC,
                off_v="vdd/2",
                source="Ambrogio et al. (3T1C)",
            ),
            Element(
                "N_dn",
                "nmos",
                "discharges the capacitor (LSB)",
                **_LOGIC,
                off_v="vdd/2",
                source="Ambrogio et al. (3T1C)",
            ),
            Element(
                "N_rd",
                "nmos",
                "read transistor, gate on the capacitor",
                **_LOGIC,
                source="Ambrogio et al. (3T1C)",
            ),
            Element("C", "cap", "LSB storage capacitor", density="mos_cap_ff_per_um2"),
            Element(
                "A+",
                "nmos",
                "access transistor of PCM G+",
                w_f=4.0,
                l_f=1.0,
                source="assumed (1T1R access for the PCM reset current)",
            ),
            Element(
                "A-",
                "nmos",
                "access transistor of PCM G-",
                w_f=4.0,
                l_f=1.0,
                source="assumed (1T1R access for the PCM reset current)",
            ),
            Element("G+", "pcm", "MSB pair, positive", source="Ambrogio et al."),
            Element("G-", "pcm", "MSB pair, negative", source="Ambrogio et al."),
        ),
        msb_store="pcm",
        short="3T1C+2PCM (+2 access T)",
        extra={
            "pcm_prog_current_a": Param(100e-6, "A", "assumed", "PCM programming current (typical RESET)"),
            "msb_write_iterations": Param(5.0, "", "assumed", "closed-loop program-and-verify pulses per PCM write"),
        },
        notes="the two PCM access transistors are not in the cell's name; they are assumed",
    ),
}

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
        from femsyn.devices import preset  # the single source of the electrical parameters

        return preset(design)
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


def cell_costs(design: str | Mapping[str, Any] | Any) -> CellCosts | None:
    """Costs of one cell. ``design`` is a preset name (resolved with ``femsyn.devices.preset``),
    a :class:`~femsyn.devices.DeviceParams`, or the ``device`` dict of a run's summary.json.
    Returns ``None`` for ideal/float designs."""
    dev = _device(design)
    cell = cell_kind(dev)
    if cell is None:
        return None
    spec = CELLS[cell]
    t = {k: p.value for k, p in TECH.items()}
    f_nm = t["feature_nm"]
    f_um = f_nm * 1e-3
    width = float(_get(dev, "pulse_width_s"))
    current = float(_get(dev, "pulse_current_a"))
    c_node = float(_get(dev, "c_node_f"))
    vdd = float(_get(dev, "v_dd_v"))
    t_w = float(_get(dev, "msb_write_time_s"))
    v_w = float(_get(dev, "msb_write_voltage_v"))
    endurance = float(_get(dev, "endurance_cycles"))
    n_iter = spec.extra["msb_write_iterations"].value

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
    leak = leakage_power(off, t["i_off_a_per_um"])

    q = charge_per_pulse(current, width)
    dv = pulse_delta_v(current, width, c_node)
    e_pulse = pulse_energy(c_node, vdd, dv)

    if spec.msb_store in ("fe", "fefet_gate"):
        fe_dev = next(e for e in spec.elements if e.kind in ("femfet", "fefet"))
        gate_m2 = (fe_dev.w_f * f_nm * 1e-9) * (fe_dev.l_f * f_nm * 1e-9)
        ratio = spec.extra["fe_area_ratio"].value if "fe_area_ratio" in spec.extra else 1.0
        a_fe = ratio * gate_m2
        c_lin = EPS0 * t["fe_eps_r"] * a_fe / t["fe_thickness_m"]
        e_msb = fe_write_energy(t["fe_pr_c_per_m2"], a_fe, c_lin, v_w) * n_iter
        if spec.msb_store == "fefet_gate":
            e_msb += c_node * v_w * v_w * n_iter
    else:  # a PCM write programs one device of the pair
        e_msb = pcm_write_energy(spec.extra["pcm_prog_current_a"].value, v_w, t_w, n_iter)

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
        pulse_charge_c=q,
        pulse_delta_v_v=dv,
        pulse_energy_j=e_pulse,
        msb_write_time_s=t_w,
        msb_write_voltage_v=v_w,
        msb_write_energy_j=e_msb,
        msb_write_latency_s=t_w * n_iter,
        endurance_cycles=endurance,
        breakdown=breakdown,
    )


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


def run_costs(cc: CellCosts, summary: Mapping[str, Any]) -> RunCosts:
    """Whole-run energy/latency/endurance from a run's summary.json and a cell's costs."""
    counters = summary.get("counters", {}) or {}
    layers = summary.get("layers") or []
    pulses = float(counters.get("pulses", 0))
    msb_writes = float(counters.get("msb_writes", 0))
    transfers = float(counters.get("transfers", 0))
    if layers:
        lsb_lat = sum(float(lay["counters"].get("latency_pulses", 0)) for lay in layers) * cc.pulse_width_s
        msb_lat = sum(
            (float(lay["counters"].get("transfers", 0)) * int(lay["rows"]) + overflow_writes(lay["counters"]))
            * cc.msb_write_latency_s
            for lay in layers
        )
        hold = sum(
            int(lay["rows"]) * int(lay["cols"]) * cc.leakage_w * float(lay["counters"].get("time_s", 0))
            for lay in layers
        )
    else:  # no per-layer rows: a lower bound (one row per transfer)
        lsb_lat = float(counters.get("latency_pulses", 0)) * cc.pulse_width_s
        msb_lat = (transfers + overflow_writes(counters)) * cc.msb_write_latency_s
        hold = float(summary.get("cells", 0)) * cc.leakage_w * float(counters.get("time_s", 0))
    e_lsb = pulses * cc.pulse_energy_j
    e_msb = msb_writes * cc.msb_write_energy_j
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


def assumptions() -> list[dict[str, Any]]:
    """Every model constant with its value, unit and source (technology, cells, devices)."""
    out: list[dict[str, Any]] = []
    for k, p in TECH.items():
        out.append(
            {
                "scope": "technology",
                "name": k,
                "value": p.value,
                "unit": p.unit,
                "source": p.source,
                "note": p.note,
            }
        )
    for cell, spec in CELLS.items():
        for e in spec.elements:
            if e.kind in ("nmos", "pmos", "femfet", "fefet"):
                val = f"W={e.w_f:g}F L={e.l_f:g}F"
                unit = "F"
                note = e.role + (f"; off at {e.off_v} while holding" if e.off_v != "0" else "")
            elif e.kind == "cap":
                val, unit, note = f"C_node at {e.density}", "", e.role + " (C from the preset)"
            else:
                val, unit, note = "back end (no footprint)", "", e.role
            out.append(
                {
                    "scope": cell,
                    "name": e.name,
                    "value": val,
                    "unit": unit,
                    "source": e.source,
                    "note": note,
                }
            )
        for k, p in spec.extra.items():
            out.append(
                {
                    "scope": cell,
                    "name": k,
                    "value": p.value,
                    "unit": p.unit,
                    "source": p.source,
                    "note": p.note,
                }
            )
    for k in (
        "pulse_width_s",
        "pulse_current_a",
        "c_node_f",
        "v_dd_v",
        "msb_write_time_s",
        "msb_write_voltage_v",
        "endurance_cycles",
    ):
        out.append(
            {
                "scope": "all cells",
                "name": k,
                "value": "from the device preset",
                "unit": "",
                "source": "femsyn.devices (see each preset's citation)",
                "note": "",
            }
        )
    return out
