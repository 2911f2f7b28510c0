"""Synapse device parameters: one frozen dataclass, validated by the Rust core.

A :class:`DeviceParams` describes one synapse design: how a weight is split into non-volatile
MSB levels and volatile LSB charge, the LSB pulse physics (step size, noise, asymmetry, leak),
when and how LSBs are carried into the MSB, and the MSB device (programming error, endurance,
retention). All fields carry SI units in their names (``tau_leak_s``, ``c_node_f``); relative
spreads end in ``_rel``. The physics is described in the design note ``device-model.md``.

Noise terms declare when they are drawn:

* device-to-device (``step_d2d_rel``, ``tau_leak_d2d_rel``, ``msb_d2d_rel``,
  ``lsb_exp_a_d2d_rel``): once, when a :class:`~femsyn.SynapseArray` is built, from its seed;
* cycle-to-cycle (``step_c2c_rel`` or ``lsb_c2c_rel``, ``msb_prog_sigma_rel``): per update of
  a cell with pulses (exact for the sum of its n pulses) / per MSB write;
* read noise (``lsb_read_noise_steps`` at a read-all transfer, ``msb_read_noise_rel`` at
  inference readout): per readout.

Parameters are validated by the Rust core when the dataclass is created (one implementation),
so an invalid ``DeviceParams`` cannot exist::

    >>> from femsyn.device import preset
    >>> dev = preset("femfet-6b")
    >>> dev.total_bits, dev.n_msb_levels, dev.n_lsb_steps
    (6, 4, 16)
    >>> round(dev.pulse_delta_v * 1e3, 1)  # mV per LSB pulse
    33.4

Values marked *reconstructed* are documented defaults, not numbers quoted from a paper (only
the abstract of arXiv 2004.00703 is public in full); they stay parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from femsyn import _core

__all__ = ["DeviceParams"]


@dataclass(frozen=True)
class DeviceParams:
    """Parameters of one synapse design (immutable, validated at construction).

    Weight mapping: ``N_M = 2**msb_bits`` MSB levels, ``N_L = 2**lsb_bits`` LSB steps per MSB
    step. With the ``"offset"`` mapping the levels are ``(m + 0.5) * D_M - w_max``,
    ``D_M = 2 w_max / N_M`` (no zero level); with ``"differential"`` (a G+/G- pair) they are
    ``d * D_M``, ``d`` in ``-(N_M-1)..N_M-1``, ``D_M = w_max / (N_M - 1)``. One LSB pulse moves
    the weight by ``D_L = D_M / N_L``. ``w_max`` belongs to the array (per layer), not here.

    Kinds: ``"float"`` (float32 software baseline; bit fields ignored), ``"ideal"`` (quantized
    weights with ``msb_bits`` total bits, same rounding, no device effects; ``lsb_bits``
    ignored) and ``"hybrid"`` (the MSB+LSB synapse).

    Raises:
        ValueError: a field is outside its allowed range (the message names field, value and
            the allowed values).
        TypeError: a field has the wrong type.
    """

    name: str = "custom"
    #: "float" | "ideal" | "hybrid"
    kind: str = "hybrid"
    #: hybrid: MSB bits (N_M = 2**msb_bits, 1..8); ideal: total bits (1..15); float: ignored
    msb_bits: int = 2
    #: hybrid: N_L = 2**lsb_bits LSB steps per MSB step (0..16); ideal/float: ignored
    lsb_bits: int = 4
    #: "offset" (one cell + reference, no zero level) | "differential" (pair, zero level)
    signed_mapping: str = "offset"
    #: "stochastic" (default; SGD steps are far below one LSB) | "nearest"
    rounding: str = "stochastic"
    #: n_max: |pulses| per update is clipped here (the dropped pulses are counted)
    max_pulses_per_update: int = 64
    #: LSB rail L_max = headroom * N_L pulse units (pulses beyond it are counted as clipped)
    lsb_headroom_msb_steps: float = 1.0
    #: up step 1 + a, down step 1 - a (in (-1, 1))
    step_asymmetry_rel: float = 0.0
    #: static per-cell relative spread of the step size (drawn at build, up and down separately)
    step_d2d_rel: float = 0.0
    #: "linear" response only: cycle-to-cycle noise relative to one step (the sum of n pulses
    #: moves n + step_c2c_rel * sqrt(n) * xi steps; drawn per update and cell). The other
    #: models take ``lsb_c2c_rel`` (the same physical term in NeuroSim's units)
    step_c2c_rel: float = 0.0
    #: "linear" response only (first release): 0 = off; the step shrinks by
    #: (1 - s * |lsb| / L_max) when moving toward the rail. A saturating curve with
    #: NeuroSim-style noise is lsb_response "soft-bounds" or "exp"
    lsb_soft_saturation: float = 0.0
    #: how a pulse moves the LSB: "linear" (one step per pulse), "exp" (NeuroSim's exponential
    #: curve, parameters lsb_exp_a_up / lsb_exp_a_down), "soft-bounds" (aihwkit's SoftBounds:
    #: the step shrinks linearly toward the bound it moves to; the nominal step is the one at
    #: mid-rail), "table" (a measured curve: lsb_table_*). Each curve is exact for any number of
    #: pulses in one update; P_max = 2 L_max / step pulses cross the range [-L_max, L_max]
    lsb_response: str = "linear"
    #: "exp": normalized nonlinearity a = A / P_max of the potentiation curve
    #: g(p) = (1 - exp(-p/a)) / (1 - exp(-1/a)) (NeuroSim; a > 0 saturating, |a| >= 0.01;
    #: NeuroSim's NL label maps to a via :func:`femsyn.device.neurosim_a`)
    lsb_exp_a_up: float = 0.0
    #: "exp": a of the depression curve, which depression retraces backward (NeuroSim's sign:
    #: a < 0, i.e. a negative NL label, is depression that saturates toward the bottom)
    lsb_exp_a_down: float = 0.0
    #: "exp": device-to-device relative spread of a (lognormal, sign kept; up and down drawn
    #: separately, once when an array is built)
    lsb_exp_a_d2d_rel: float = 0.0
    #: cycle-to-cycle noise of every response model, NeuroSim's convention: an update of n pulses
    #: adds Gaussian noise of sigma lsb_c2c_rel * (LSB range 2 L_max) * sqrt(|n|) (drawn per
    #: update and cell with n != 0), then clips to the range
    lsb_c2c_rel: float = 0.0
    #: "table": pulse numbers of the rows (empty: 0, 1, 2, ...); strictly increasing
    lsb_table_pulse: tuple[float, ...] = ()
    #: "table": conductance after each potentiation pulse from G_min (siemens or normalized;
    #: strictly increasing, >= 2 rows). Only the shape matters: each curve is normalized to the
    #: LSB range and its pulse axis to P_max
    lsb_table_ltp: tuple[float, ...] = ()
    #: "table": conductance after each depression pulse from G_max (strictly decreasing)
    lsb_table_ltd: tuple[float, ...] = ()
    #: LSB leak time constant in seconds (math.inf = no leak); reconstructed default 1 s
    tau_leak_s: float = 1.0
    #: per-cell relative spread of tau (lognormal, mean tau); reconstructed default 30 %
    tau_leak_d2d_rel: float = 0.3
    #: simulated time per training image
    t_image_s: float = 1e-6
    #: when the LSB is carried into the MSB: "overflow" (a cell whose LSB leaves the band
    #: |lsb| <= carry_threshold * N_L), "periodic-read-all" (every transfer_every_images images
    #: every LSB is read through the ADC and carried), "overflow+periodic" (both), "none" (only
    #: an explicit ``transfer()``)
    transfer_protocol: str = "overflow+periodic"
    #: periodic read-all every this many images (used by "periodic-read-all" and
    #: "overflow+periodic", >= 1 there); 8000 as in Ambrogio et al. 2018
    transfer_every_images: int = 8000
    #: half-width h of the no-carry band in MSB steps (used by the overflow protocols): a cell
    #: carries when |lsb| > threshold * N_L; in [0.5, lsb_headroom_msb_steps). With "keep" a cell
    #: is written at most once per (threshold - 0.5) * N_L pulse units of charge, with "reset"
    #: once per threshold * N_L (plus once per read-all transfer)
    carry_threshold: float = 0.5
    #: after a carry: "keep" (lsb -= carried * N_L; conserves the weight) | "reset" (lsb <- 0;
    #: a read-all resets every LSB; the charge thrown away is counted)
    residual: str = "keep"
    #: LSB read of a read-all transfer through an ADC of this many bits over +-L_max (0 = ideal);
    #: its step 2 L_max / 2**adc_bits must divide N_L / 2
    adc_bits: int = 0
    #: std of the LSB read of a read-all transfer, in LSB steps (drawn per transfer and cell)
    lsb_read_noise_steps: float = 0.0
    #: MSB programming error std, fraction of the weight range 2 w_max, redrawn per write
    msb_prog_sigma_rel: float = 0.005
    #: static per-cell MSB level offset std, fraction of D_M
    msb_d2d_rel: float = 0.0
    #: per-readout MSB read noise std (inference readout), fraction of D_M
    msb_read_noise_rel: float = 0.0
    #: what stores the MSB: "levels" (ideal levels plus the Gaussian ``msb_prog_sigma_rel``
    #: error per write; the first release) | "pcm" (a PCM pair G+/G- programmed by pulse trains
    #: along NeuroSim's nonlinear curve with c2c noise: ``msb_pcm_*``, ``msb_c2c_rel``) |
    #: "domains" (a multi-domain ferroelectric layer written by an erase pulse and a program
    #: pulse of ``msb_write_time_s`` whose amplitude, up to ``msb_write_voltage_v``, targets the
    #: level: ``fe_*``). The last two get their error from that physics, so
    #: ``msb_prog_sigma_rel`` must be 0
    msb_model: str = "levels"
    #: how an MSB write reaches its level: "open-loop" (one program operation; NeuroSim) |
    #: "program-verify" (program, read, correct until within ``msb_verify_tol_rel`` or
    #: ``msb_verify_max_iterations`` operations; Ambrogio et al. 2018). Every operation counts
    #: in the cell's endurance counter and the ``msb_verify_iterations`` counter
    msb_write_scheme: str = "open-loop"
    #: "pcm": pulses P_max from G_min to G_max (NeuroSim's maxNumLevel; the controller sends
    #: ``round(|dx| * P_max)`` pulses as if the device were linear)
    msb_pcm_max_pulses: int = 0
    #: "pcm": normalized nonlinearity a of the SET (potentiation) curve, as ``lsb_exp_a_up``
    msb_pcm_a_up: float = 0.0
    #: "pcm": a of the depression curve (negative: NeuroSim's negative NL label)
    msb_pcm_a_down: float = 0.0
    #: "pcm": cycle-to-cycle noise of a program train of n pulses: sigma msb_c2c_rel * range *
    #: sqrt(n) (NeuroSim's convention), drawn per train and cell
    msb_c2c_rel: float = 0.0
    #: "program-verify": tolerance of the verify read, fraction of the MSB level spacing D_M
    msb_verify_tol_rel: float = 0.1
    #: "program-verify": most program operations per write (each followed by a verify read)
    msb_verify_max_iterations: int = 10
    #: "domains": FE domains per cell (1..64); the polarization is the fraction switched up,
    #: level m of N targets m / (N - 1) of them; the weight is linear in it
    fe_domains: int = 0
    #: "domains": FE layer thickness (the field is E = fe_voltage_fraction * V / thickness)
    fe_thickness_m: float = 0.0
    #: "domains": share of a write pulse's amplitude across the FE layer (the FeMFET's FE-cap /
    #: MOSFET divider), in (0, 1]
    fe_voltage_fraction: float = 0.0
    #: "domains": median activation field E_a of the domains (V/m); per domain
    #: E_a = median * exp(fe_ea_sigma_ln * z), z standard normal drawn once per array (d2d)
    fe_ea_v_per_m: float = 0.0
    #: "domains": lognormal spread of E_a (the device-to-device variation lives here)
    fe_ea_sigma_ln: float = 0.0
    #: "domains": NLS switching: a domain switches in a pulse of width t with probability
    #: 1 - exp(-(t / tau)^fe_beta), tau = fe_tau0_s * exp((E_a / E)^fe_alpha); pulses accumulate
    fe_tau0_s: float = 0.0
    #: "domains": Merz-law exponent alpha of tau(E)
    fe_alpha: float = 0.0
    #: "domains": NLS exponent beta
    fe_beta: float = 0.0
    #: "domains" with "program-verify": amplitude step of a correction pulse (volts)
    fe_verify_step_v: float = 0.0
    #: wear-out ("stuck": the cell keeps its level) once msb_writes > endurance
    endurance_cycles: float = 1e10
    #: retention time of the MSB (inference only; drawn per cell with ``retention_sigma_ln``).
    #: Its meaning is the ``retention_model``'s: "exp": the 1/e time; "log": the time the
    #: saturated level's window closes; "domains": the back-switching time of a domain at the
    #: median activation field; "drift": unused
    tau_retention_s: float = 1e4
    #: how the MSB weight relaxes after its last write (inference only; femsyn.device.retention
    #: in the core): "exp" (w0 exp(-t/tau), first release; one shared factor without spread) |
    #: "log" (the window closes linearly in log time: every level loses w_sat ln(1 + t/t0) /
    #: ln(1 + tau/t0), so partial levels close first) | "domains" (per-domain back-switching of
    #: the ``domains`` store under the depolarization field, NLS law with ``fe_*``) | "drift"
    #: (PCM: w0 (t/t0)^-nu)
    retention_model: str = "exp"
    #: device-to-device lognormal spread of each cell's tau (or nu for "drift"): drawn once per
    #: array from its seed
    retention_sigma_ln: float = 0.0
    #: "log": onset time t0 of the log-time decay; "drift": time of the first read after the
    #: write (no drift before it)
    retention_t0_s: float = 1.0
    #: "drift": median drift exponent nu of G ~ t^-nu, in (0, 1]; 0 for every other model
    pcm_drift_nu: float = 0.0
    #: LSB update pulse width
    pulse_width_s: float = 250e-12
    #: LSB charge/discharge current
    pulse_current_a: float = 6.67e-6
    #: LSB storage-node capacitance
    c_node_f: float = 50e-15
    #: supply voltage
    v_dd_v: float = 1.8
    #: time of one MSB program/erase
    msb_write_time_s: float = 100e-9
    #: MSB program/erase voltage
    msb_write_voltage_v: float = 1.8

    def __post_init__(self) -> None:
        # the table fields are stored as tuples (hashable, immutable like the rest)
        for f in ("lsb_table_pulse", "lsb_table_ltp", "lsb_table_ltd"):
            v = getattr(self, f)
            if not isinstance(v, (str, bytes)) and not isinstance(v, tuple):
                try:
                    object.__setattr__(self, f, tuple(float(x) for x in v))
                except TypeError:
                    pass  # not iterable: the core names the field and the type
        _core.validate_device(self)

    # ---- derived quantities (no state) ----
    @property
    def total_bits(self) -> int:
        """Weight precision in bits: msb+lsb (hybrid), msb_bits (ideal), 32 (float)."""
        if self.kind == "hybrid":
            return self.msb_bits + self.lsb_bits
        if self.kind == "ideal":
            return self.msb_bits
        return 32

    @property
    def n_msb_levels(self) -> int:
        """N_M = 2**msb_bits."""
        return 2**self.msb_bits

    @property
    def n_lsb_steps(self) -> int:
        """N_L = 2**lsb_bits LSB steps per MSB step."""
        return 2**self.lsb_bits

    @property
    def pulse_delta_v(self) -> float:
        """Storage-node voltage step of one LSB pulse, I * t / C (volts)."""
        return self.pulse_current_a * self.pulse_width_s / self.c_node_f

    @property
    def pulse_energy_j(self) -> float:
        """Energy of one LSB pulse, about C * V_DD * dV (joules)."""
        return self.c_node_f * self.v_dd_v * self.pulse_delta_v

    # ---- conversions ----
    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (JSON friendly except math.inf)."""
        return dataclasses.asdict(self)

    @classmethod
    def field_defaults(cls) -> dict[str, Any]:
        """Every field's default: what a field means in a device dict written before it existed."""
        return {f.name: f.default for f in dataclasses.fields(cls)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DeviceParams:
        """Build from a mapping of field names (unknown names: ValueError listing valid ones)."""
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in d if k not in names]
        if unknown:
            raise ValueError(
                f"unknown device parameter(s) {', '.join(map(repr, unknown))}; valid names: {', '.join(names)}"
            )
        return cls(**dict(d))

    def replace(self, **changes: Any) -> DeviceParams:
        """A copy with some fields changed (validated)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = [k for k in changes if k not in names]
        if unknown:
            raise ValueError(
                f"unknown device parameter(s) {', '.join(map(repr, unknown))}; valid names: {', '.join(sorted(names))}"
            )
        return dataclasses.replace(self, **changes)
