"""Cost model of the hybrid synapse cells: area, leakage, pulse and MSB-write energy, latency,
endurance.

The paper (Kazemi et al., arXiv 2004.00703) claims its FeMFET-CMOS cell improves on the earlier
hybrid cells by up to 26 % in area, 44.8 % in leakage power, 16.7 % in LSB pulse width and 100x
in endurance. Only the paper's abstract is public in full, so the cells below are *reconstructed*:
every number is a :class:`~femsyn.device.costs.cells.Param` that says where it comes from
(``"paper"``, an anchor paper, the device preset, or ``"assumed"``), and :func:`assumptions` lists
them all for the report.

Modules: :mod:`~femsyn.device.costs.formulas` (the physics, one small function each),
:mod:`~femsyn.device.costs.cells` (technology constants and the circuit of each cell),
:mod:`~femsyn.device.costs.cell_cost` (what one cell costs), :mod:`~femsyn.device.costs.run_cost`
(what a training run costs), :mod:`~femsyn.device.costs.claims` (the model beside the paper's
claims) and :mod:`~femsyn.device.costs.assumptions` (every constant with its source).

Nothing here is tuned to hit the paper's percentages: :func:`claim_comparison` prints what this
model gives beside what the paper claims.

What comes from where
---------------------
* Electrical LSB/MSB parameters (pulse width and current, storage-node capacitance, V_DD, MSB write
  time and voltage, endurance) come from the device preset (``femsyn.device.preset(name)``) or
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
* a store that counts its program pulses (``msb_model`` ``pcm``, any ``program-verify``) is charged
  ``msb_program_pulses * E_msb(n_iter = 1)`` and a write latency of the mean pulses per write times
  ``t_msb``, in place of the assumed ``n_iter`` (see :func:`~femsyn.device.costs.run_cost.msb_write_cost`).
* run totals: ``E_update = pulses * E_pulse + msb_writes * E_msb``; hold energy
  ``cells * P_leak * t_sim``; latency ``sum over layers of latency_pulses * t_pulse +
  (transfers * rows + overflow writes) * t_msb * n_iter`` (rows of a layer update in parallel; a
  transfer event programs the array row by row; a write by the overflow trigger is serialized).
"""

from __future__ import annotations

from femsyn.device.costs.assumptions import assumptions
from femsyn.device.costs.cell_cost import CellCosts, cell_costs, cell_kind
from femsyn.device.costs.cells import CELLS, TECH, CellSpec, Element, Param
from femsyn.device.costs.claims import PAPER_CLAIMS, claim_comparison
from femsyn.device.costs.formulas import (
    EPS0,
    cap_area_f2,
    charge_per_pulse,
    endurance_projection,
    fe_write_energy,
    leakage_power,
    pcm_write_energy,
    pulse_delta_v,
    pulse_energy,
    transistor_area_f2,
)
from femsyn.device.costs.run_cost import RunCosts, overflow_writes, run_costs

__all__ = [
    "EPS0",
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
