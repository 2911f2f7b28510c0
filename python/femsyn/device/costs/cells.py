"""Technology constants and the circuit of each hybrid cell, every number with its source.

Structure lives here (which transistors, their sizes, which are off while a cell holds its LSB
charge, what the storage node is made of); electrical values (pulse width and current, C_node,
V_DD, MSB write time and voltage, endurance) come from the device preset, never duplicated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CELLS", "TECH", "CellSpec", "Element", "Param"]


@dataclass(frozen=True)
class Param:
    """A model constant with its unit and source (``"paper"``, a reference, or ``"assumed"``)."""

    value: float
    unit: str
    source: str
    note: str = ""


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
