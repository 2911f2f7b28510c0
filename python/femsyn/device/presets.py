"""The named synapse designs femsyn compares (``femsyn.presets()``), each with its sources.

Every preset is a :class:`~femsyn.device.params.DeviceParams`; values the papers do not state are
marked *reconstructed* and stay parameters.
"""

from __future__ import annotations

from typing import Any

from femsyn.device.params import DeviceParams

__all__ = ["preset", "presets"]

# ---------------------------------------------------------------------------------------------
# Presets. Sources:
#   [K20]  M. Kazemi, R. Rajaei, K. Ni, S. Datta, M. Niemier, X. S. Hu, "A Hybrid FeMFET-CMOS
#          Analog Synapse Circuit for Neural Network Training and Inference", ISCAS 2020,
#          arXiv 2004.00703: 6/8-bit weights, 1.8 V, 1e10 MSB endurance, 250 ps LSB pulses
#          (16.7 % shorter than earlier hybrid cells), MNIST 98.2 % (ideal 98.6 %), CIFAR-10
#          88.8 % (ideal 89.6 %).
#   [N18]  K. Ni et al., "In-memory computing primitive for sensor data fusion in 28 nm HKMG
#          FeFET technology" / FeMFET, IEDM 2018: +-1.8 V program/erase, ~100 ns writes,
#          >1e10 cycles, 2 bits/cell, ~1e4 s worst-case retention.
#   [S18]  X. Sun, P. Wang, K. Ni, S. Datta, S. Yu, "Exploiting hybrid precision for training
#          and inference: a 2T-1FeFET based analog synaptic weight cell", IEDM 2018.
#   [A18]  S. Ambrogio et al., "Equivalent-accuracy accelerated neural-network training using
#          analogue memory", Nature 558, 60-67 (2018): 3T1C + 2 PCM, transfer every 8000
#          images, capacitor reset after transfer.
# ---------------------------------------------------------------------------------------------

_FEMFET: dict[str, Any] = dict(
    kind="hybrid",
    # 2 MSB bits: the FeMFET was shown at 2 bits/cell [N18] (split reconstructed).
    msb_bits=2,
    pulse_width_s=250e-12,  # [K20]
    v_dd_v=1.8,  # [K20]
    msb_write_voltage_v=1.8,  # [K20], [N18]
    msb_write_time_s=100e-9,  # [N18]
    endurance_cycles=1e10,  # [K20], [N18]
    tau_retention_s=1e4,  # [N18] worst case
    # reconstructed: 6.67 uA * 250 ps / 50 fF = 33 mV per pulse (3T1C-like dV), tau 1 s +- 30 %
    pulse_current_a=6.67e-6,
    c_node_f=50e-15,
    tau_leak_s=1.0,
    tau_leak_d2d_rel=0.3,
    msb_prog_sigma_rel=0.005,  # reconstructed
    residual="keep",
    transfer_every_images=8000,  # as in [A18] (reconstructed for [K20])
)

_PRESETS: dict[str, dict[str, Any]] = {
    # float32 software baseline.
    "float": dict(kind="float", msb_bits=0, lsb_bits=0),
    # The paper's "ideal implementation at the same precision" [K20]: quantized weights, same
    # stochastic rounding, no device effects.
    "ideal-6b": dict(kind="ideal", msb_bits=6, lsb_bits=0),
    "ideal-8b": dict(kind="ideal", msb_bits=8, lsb_bits=0),
    # The paper's design [K20]: 6 bits = 2 MSB (FeMFET) + 4 LSB (charge node).
    "femfet-6b": dict(_FEMFET, lsb_bits=4),
    # Extended 8-bit design [K20] (CIFAR-10): 2 MSB + 6 LSB (split reconstructed).
    "femfet-8b": dict(_FEMFET, lsb_bits=6),
    # 2T-1FeFET hybrid cell [S18]: 4 MSB levels of 64 (2 + 4 bits), LSB on the FeFET gate charge,
    # reset after transfer. Reconstructed: 1 ns pulses (note [K20]'s "16.7 % shorter" implies a
    # 300 ps reference pulse), ~1e8 cycles, 3 us / 4 V MSB writes.
    "2t1fefet-6b": dict(
        _FEMFET,
        lsb_bits=4,
        pulse_width_s=1e-9,
        residual="reset",
        endurance_cycles=1e8,
        msb_write_time_s=3e-6,
        msb_write_voltage_v=4.0,
    ),
    # 3T1C + 2PCM [A18]: PCM pair G+/G- (differential mapping, zero level exists), LSB on the 3T1C
    # capacitor, transfer every 8000 images then the capacitor is reset. Reconstructed: 500 ps
    # pulses, 1e8 PCM endurance, 2 % programming error (PCM closed-loop tuning), 1 us writes,
    # PCM drift/retention taken as 1e4 s.
    "3t1c2pcm-6b": dict(
        _FEMFET,
        lsb_bits=4,
        signed_mapping="differential",
        pulse_width_s=500e-12,
        residual="reset",
        endurance_cycles=1e8,
        msb_prog_sigma_rel=0.02,
        msb_write_time_s=1e-6,
        msb_write_voltage_v=3.0,
    ),
}


def presets() -> list[str]:
    """Names of the built-in designs, in a stable order."""
    return list(_PRESETS)


def preset(name: str) -> DeviceParams:
    """The named design as a :class:`DeviceParams`.

    Raises:
        ValueError: unknown name (the message lists the valid names).
    """
    if not isinstance(name, str) or name not in _PRESETS:
        raise ValueError(f"unknown preset {name!r}; valid names: {', '.join(_PRESETS)}")
    return DeviceParams(name=name, **_PRESETS[name])
