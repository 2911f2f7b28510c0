"""The physics of the cost model, one small tested function per formula (SI units).

See :mod:`femsyn.device.costs` for the formulas in words.
"""

from __future__ import annotations

import math

__all__ = [
    "EPS0",
    "cap_area_f2",
    "charge_per_pulse",
    "endurance_projection",
    "fe_write_energy",
    "leakage_power",
    "pcm_write_energy",
    "pulse_delta_v",
    "pulse_energy",
    "transistor_area_f2",
]

EPS0 = 8.8541878128e-12  # F/m


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
