"""Synapse device parameters: one frozen dataclass, validated by the Rust core.

A :class:`DeviceParams` describes one synapse design: how a weight is split into non-volatile
MSB levels and volatile LSB charge, the LSB pulse physics (step size, noise, asymmetry, leak),
when and how LSBs are carried into the MSB, and the MSB device (programming error, endurance,
retention). All fields carry SI units in their names (``tau_leak_s``, ``c_node_f``); relative
spreads end in ``_rel``. The physics is described in the design note ``device-model.md``.

Noise terms declare when they are drawn:

* device-to-device (``step_d2d_rel``, ``tau_leak_d2d_rel``, ``msb_d2d_rel``): once, when a
  :class:`~femsyn.SynapseArray` is built, from its seed;
* cycle-to-cycle (``step_c2c_rel``, ``msb_prog_sigma_rel``): per pulse / per MSB write;
* read noise (``lsb_read_noise_steps`` at transfer, ``msb_read_noise_rel`` at inference
  readout): per readout.

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
    #: per-pulse relative noise of the step size
    step_c2c_rel: float = 0.0
    #: 0 = off; step shrinks by (1 - s * |lsb| / L_max) when moving toward the rail
    lsb_soft_saturation: float = 0.0
    #: LSB leak time constant in seconds (math.inf = no leak); reconstructed default 1 s
    tau_leak_s: float = 1.0
    #: per-cell relative spread of tau (lognormal, mean tau); reconstructed default 30 %
    tau_leak_d2d_rel: float = 0.3
    #: simulated time per training image
    t_image_s: float = 1e-6
    #: periodic transfer every this many images (0 = off); 8000 as in Ambrogio et al. 2018
    transfer_every_images: int = 8000
    #: overflow transfer when |lsb| >= threshold * N_L (0 = off)
    carry_threshold: float = 0.5
    #: "keep" (lsb -= carried * N_L; conserves the weight) | "reset" (lsb <- 0)
    residual: str = "keep"
    #: LSB read at transfer through an ADC of this many bits over +-L_max (0 = ideal)
    adc_bits: int = 0
    #: std of the LSB read at transfer, in LSB steps
    lsb_read_noise_steps: float = 0.0
    #: MSB programming error std, fraction of the weight range 2 w_max, redrawn per write
    msb_prog_sigma_rel: float = 0.005
    #: static per-cell MSB level offset std, fraction of D_M
    msb_d2d_rel: float = 0.0
    #: per-readout MSB read noise std (inference readout), fraction of D_M
    msb_read_noise_rel: float = 0.0
    #: wear-out ("stuck": the cell keeps its level) once msb_writes > endurance
    endurance_cycles: float = 1e10
    #: MSB relaxes toward weight 0 with this time constant (inference retention)
    tau_retention_s: float = 1e4
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
