"""The named synapse designs femsyn compares (``femsyn.presets()``), each with its sources.

Every preset is a :class:`~femsyn.device.params.DeviceParams`; values the papers do not state are
marked *reconstructed* and stay parameters.

Presets v2 (device-model contract, v2) give every hybrid cell its LSB response (model,
nonlinearity, asymmetry, cycle-to-cycle noise) and its transfer protocol with a source. The
first release's idealized cells (linear, symmetric, noiseless LSB; overflow carries at half a
step plus a periodic transfer) stay reachable as ``<name>-linear``: with the v2 carry rule they
give the first release's results wherever its carry did not oscillate (bit-identical for the
default LeNet/MNIST runs, whose leak kept the LSB off the band edge; see the README).

Device-to-device spread of the LSB curve (``step_d2d_rel``, ``lsb_exp_a_d2d_rel``) stays off:
none of the sources publishes one for these cells (NeuroSim's ``sigmaDtoD`` is 0 for all three).
"""

from __future__ import annotations

from typing import Any

from femsyn.device.params import DeviceParams

__all__ = ["preset", "presets"]

# ---------------------------------------------------------------------------------------------
# Sources:
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
#   [T02]  A. K. Tagantsev, I. Stolichnov, N. Setter, J. S. Cross, M. Tsukada, "Non-Kolmogorov-
#          Avrami switching kinetics in ferroelectric thin films", PRB 66, 214109 (2002): NLS,
#          p = 1 - exp(-(t/tau)^beta) per region.
#   [M17]  H. Mulaosmanovic et al., "Switching kinetics in nanoscale hafnium oxide based
#          ferroelectric field-effect transistors", ACS AMI 9, 3792 (2017): HfO2 FeFET domain
#          switching times following a Merz law tau = tau0 exp((E_a/E)^alpha), abrupt
#          single-domain switching, accumulation of sub-switching pulses.
#   [D20]  S. Deng et al., "A comprehensive model for ferroelectric FET capturing the key
#          behaviors: scalability, variation, stochasticity, and accumulation", VLSI 2020:
#          multi-domain FeFET model with per-domain NLS switching and accumulated time.
#   [I07]  D. Ielmini, A. L. Lacaita, D. Mantegazza, "Recovery and drift dynamics of resistance
#          and threshold voltages in phase-change memories", IEEE TED 54, 308 (2007): PCM drift
#          R ~ t^nu, nu ~ 0.05-0.1 for amorphous-rich states.
#   [J20]  V. Joshi et al., "Accurate deep neural network inference using computational
#          phase-change memory", Nat. Commun. 11, 2473 (2020): per-device spread of the drift
#          exponent (nu ~ 0.05 with a device-to-device spread of about a third of it).
#   [NS3]  MLP+NeuroSim V3.0 (P.-Y. Chen, X. Peng, S. Yu, IEEE TCAD 2018), Cell.cpp: the
#          reference implementation of the earlier hybrid cells. 3T1C capacitor (_3T1C): NL
#          +0.2 / -0.2, c2c 0.5 % of the range; 2T-1FeFET (_2T1F): NL 0.5 / 0.5, c2c 0.5 %,
#          64 LSB levels; PCM (G+, G-): NL +2.4 / -4.88, c2c 3.5 %, 3.08-38.5 nS, 97 levels
#          NL labels map to a with femsyn.device.neurosim_a (NeuroSim's published values).
#          RealDevice::Write (the PCM store's programming, msb_model "pcm"): pulses computed
#          as if linear (numPulse = dW * maxNumLevel), the conductance moving along the
#          nonlinear curve, c2c noise sigma * range * sqrt(numPulse).
# ---------------------------------------------------------------------------------------------

#: a of NeuroSim's NL labels used below ([NS3], formula.cpp getParamA)
_A_NL_02 = 6.311253  # NL 0.2: the 3T1C capacitor node (nearly linear)
_A_NL_05 = 2.519877  # NL 0.5: the 2T-1FeFET gate node
_A_NL_24 = 0.499181  # NL 2.4: PCM SET (potentiation)
_A_NL_488 = 0.200303  # NL 4.88: PCM depression (label -4.88)

#: The PCM pair's own programming [NS3] (MLP+NeuroSim V3.0 PCM: NL +2.4 / -4.88, c2c 3.5 % of
#: the range, 97 pulses from G_min to G_max); the conductance window 3.08-38.5 nS only offsets
#: both devices of the pair alike, so the normalized pair needs no value for it. Written by
#: closed-loop tuning as [A18] did (``program-verify``; tolerance 0.1 of the level spacing and
#: 10 iterations *reconstructed*). Open loop, as NeuroSim programs it (``msb_write_scheme=
#: "open-loop"``), the linear pulse count overshoots the SET curve by ~0.7 level spacings and the
#: c2c noise of a 32-pulse train is ~0.6 spacings: LeNet/MNIST (1 epoch, first 10k images)
#: stays at chance (10.2 %), against 92.1 / 89.3 % (training / MSB-only) closed loop
#: (3t1c2pcm-6b-linear: 92.1 / 90.9 %).
#: Its retention is conductance drift, G ~ (t / 1 s)^-nu with nu 0.05 [I07] and a lognormal
#: per-device spread of 0.4 (about a third of nu, [J20]); both *reconstructed* for [A18]'s cell.
_PCM_STORE: dict[str, Any] = dict(
    msb_model="pcm",
    retention_model="drift",
    pcm_drift_nu=0.05,
    retention_sigma_ln=0.4,
    retention_t0_s=1.0,
    msb_prog_sigma_rel=0.0,
    msb_pcm_max_pulses=97,
    msb_pcm_a_up=_A_NL_24,
    msb_pcm_a_down=-_A_NL_488,
    msb_c2c_rel=0.035,
    msb_write_scheme="program-verify",
    msb_verify_tol_rel=0.1,
    msb_verify_max_iterations=10,
)

_FEMFET_LINEAR: dict[str, Any] = dict(
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
    # the first release: linear, symmetric, noiseless LSB; overflow at half a step + periodic
    lsb_response="linear",
    transfer_protocol="overflow+periodic",
    carry_threshold=0.5,
    residual="keep",
    transfer_every_images=8000,  # as in [A18] (reconstructed for [K20])
)

#: The 3T1C capacitor's response [NS3]: the FeMFET cell's LSB is a charge node on a capacitor
#: too, so its values are taken by analogy (*reconstructed*: [K20] gives no LSB curve).
_CAPACITOR_NODE: dict[str, Any] = dict(
    lsb_response="exp",
    lsb_exp_a_up=_A_NL_02,
    lsb_exp_a_down=-_A_NL_02,  # NL -0.2: depression saturating toward the bottom
    lsb_c2c_rel=0.005,
    step_asymmetry_rel=0.0,  # equal charge/discharge currents (6.67 uA both ways in [NS3])
)

#: The FeMFET's transfer protocol: [K20] does not say (*reconstructed*, a choice). Measured on
#: LeNet/MNIST (2 epochs, first 10k images, seeds 0 and 1; README "FeMFET transfer protocol"):
#: the first release's rule (overflow at half a step + read-all every 8000 images, keep) gave
#: training / MSB-only accuracy 95.3 / 88.6 % with 16.7k MSB writes (max 11 per cell); overflow
#: alone leaves up to one band of weight in the LSB (MSB-only 40-79 % unless a final
#: consolidation transfer is run: 88-91 %); read-all alone with keep 95.3 / 90.1 %, 11.7k writes,
#: but 1.8 % of the update pulses clipped at the LSB rails between transfers; reset residuals
#: cost training accuracy (93.3 %). Chosen: read-all every 8000 images (as the earlier cells of
#: the same group [S18], so at inference at most half an MSB step is still in the LSB) with
#: keep, plus the overflow trigger with a band of one MSB step and 1.5 steps of headroom, which
#: catches cells that would saturate between transfers (0.01 % clipped): 95.1 / 90.2 %, 12.1k
#: writes (max 4). With keep the band gives at most one overflow write per
#: (1.0 - 0.5) * N_L = 8 pulse units of charge (6 bit), plus one per read-all. A final
#: consolidation transfer at the end of training is the caller's choice
#: (``SynapseArray.transfer``), not part of the device.
#: The FeMFET's MSB as a multi-domain HfO2 layer (msb_model "domains"): the forms are
#: [T02]/[M17]/[D20]; every value is *reconstructed*, calibrated to [N18] (+-1.8 V, 100 ns
#: program/erase, 2 bits/cell): 10 nm HZO (the cost model's thickness), 80 % of the write
#: voltage across the FE layer, median activation field 2.8 MV/cm with a lognormal spread of
#: 0.15, tau0 1 ps, alpha = beta = 2. Then a 1.8 V, 100 ns pulse switches 99.99 % of the
#: domains (10 ns: 99.9 %), and the two partial levels need about 0.95 V and 1.05 V (half the
#: domains at 1.0 V). 64 domains per cell: the FE capacitor of a ~100 nm cell over ~10 nm
#: grains. Written open loop (erase + one amplitude-targeted pulse, [N18] reports no verify).
#: Retention of the domain store (``retention_model="domains"``): every domain aligned with the
#: net polarization back-switches with the write's NLS law under the depolarization field; the
#: field is set by the back-switching time of a median domain, 1e10 s (*reconstructed*, chosen
#: so that [N18]'s worst case holds: a partially programmed level of the 2-bit cell is about
#: lost at ~1e4 s while the saturated levels keep ~70 % of their weight; the E_a spread of the
#: writes makes the decay log-time-like). Per-cell spread of the field (imprint, grain
#: texture): lognormal 0.5 on the time (*reconstructed*).
_FEMFET_RETENTION: dict[str, Any] = dict(
    retention_model="domains",
    tau_retention_s=1e10,
    retention_sigma_ln=0.5,
)

_FEMFET_DOMAINS: dict[str, Any] = dict(
    msb_model="domains",
    msb_prog_sigma_rel=0.0,
    fe_domains=64,
    fe_thickness_m=10e-9,
    fe_voltage_fraction=0.8,
    fe_ea_v_per_m=2.8e8,
    fe_ea_sigma_ln=0.15,
    fe_tau0_s=1e-12,
    fe_alpha=2.0,
    fe_beta=2.0,
    fe_verify_step_v=0.01,
    msb_write_scheme="open-loop",
    **_FEMFET_RETENTION,
)

_FEMFET_PROTOCOL: dict[str, Any] = dict(
    transfer_protocol="overflow+periodic",
    transfer_every_images=8000,
    carry_threshold=1.0,
    lsb_headroom_msb_steps=1.5,
    residual="keep",
)

#: The earlier cells' protocol [A18], [NS3]: every 8,000 images every capacitor is read and
#: carried, then reset (the charge below half a step is discarded and counted).
_READ_ALL_RESET: dict[str, Any] = dict(
    transfer_protocol="periodic-read-all",
    transfer_every_images=8000,
    residual="reset",
)

_2T1FEFET_LINEAR: dict[str, Any] = dict(
    _FEMFET_LINEAR,
    # 2T-1FeFET hybrid cell [S18]: 4 MSB levels of 64 (2 + 4 bits), LSB on the FeFET gate
    # charge, reset after transfer. Reconstructed: 1 ns pulses (note [K20]'s "16.7 % shorter"
    # implies a 300 ps reference pulse), ~1e8 cycles, 3 us / 4 V MSB writes.
    lsb_bits=4,
    pulse_width_s=1e-9,
    residual="reset",
    endurance_cycles=1e8,
    msb_write_time_s=3e-6,
    msb_write_voltage_v=4.0,
)

_3T1C2PCM_LINEAR: dict[str, Any] = dict(
    _FEMFET_LINEAR,
    # 3T1C + 2PCM [A18]: PCM pair G+/G- (differential mapping, zero level exists), LSB on the
    # 3T1C capacitor. Reconstructed: 500 ps pulses, 1e8 PCM endurance, 2 % programming error
    # (PCM closed-loop tuning), 1 us writes, PCM drift/retention taken as 1e4 s.
    lsb_bits=4,
    signed_mapping="differential",
    pulse_width_s=500e-12,
    residual="reset",
    endurance_cycles=1e8,
    msb_prog_sigma_rel=0.02,
    msb_write_time_s=1e-6,
    msb_write_voltage_v=3.0,
)

_PRESETS: dict[str, dict[str, Any]] = {
    # float32 software baseline.
    "float": dict(kind="float", msb_bits=0, lsb_bits=0),
    # The paper's "ideal implementation at the same precision" [K20]: quantized weights, same
    # stochastic rounding, no device effects.
    "ideal-6b": dict(kind="ideal", msb_bits=6, lsb_bits=0),
    "ideal-8b": dict(kind="ideal", msb_bits=8, lsb_bits=0),
    # The paper's design [K20]: 6 bits = 2 MSB (FeMFET) + 4 LSB (charge node); LSB response of
    # a capacitor node (3T1C values [NS3], reconstructed), protocol see _FEMFET_PROTOCOL.
    "femfet-6b": dict(_FEMFET_LINEAR, lsb_bits=4, **_CAPACITOR_NODE, **_FEMFET_PROTOCOL, **_FEMFET_DOMAINS),
    # Extended 8-bit design [K20] (CIFAR-10): 2 MSB + 6 LSB (split reconstructed).
    "femfet-8b": dict(_FEMFET_LINEAR, lsb_bits=6, **_CAPACITOR_NODE, **_FEMFET_PROTOCOL, **_FEMFET_DOMAINS),
    # 2T-1FeFET [S18] with NeuroSim's gate-node response (NL 0.5 / 0.5: depression retraces the
    # same concave curve, c2c 0.5 % [NS3]) and its protocol (read-all every 8000 images, reset).
    "2t1fefet-6b": dict(
        _2T1FEFET_LINEAR,
        lsb_response="exp",
        lsb_exp_a_up=_A_NL_05,
        lsb_exp_a_down=_A_NL_05,
        lsb_c2c_rel=0.005,
        **_READ_ALL_RESET,
        # FeFET retention: the memory window closing linearly in log time ([M17]-type data);
        # *reconstructed*: the saturated window closes at 1e12 s, so the partial levels of the
        # 2-bit MSB are lost toward 1e4 s (the worst case of [N18]'s FeFET family), spread 0.5
        retention_model="log",
        tau_retention_s=1e12,
        retention_sigma_ln=0.5,
    ),
    # 3T1C + 2PCM [A18]: the 3T1C capacitor's response [NS3], [A18]'s protocol and the PCM
    # pair's own nonlinear, noisy open-loop programming [NS3] (_PCM_STORE).
    "3t1c2pcm-6b": dict(
        _3T1C2PCM_LINEAR,
        lsb_response="exp",
        lsb_exp_a_up=_A_NL_02,
        lsb_exp_a_down=-_A_NL_02,
        lsb_c2c_rel=0.005,
        **_READ_ALL_RESET,
        **_PCM_STORE,
    ),
    # The first release's idealized cells (see the module docstring).
    "femfet-6b-linear": dict(_FEMFET_LINEAR, lsb_bits=4),
    "femfet-8b-linear": dict(_FEMFET_LINEAR, lsb_bits=6),
    "2t1fefet-6b-linear": _2T1FEFET_LINEAR,
    "3t1c2pcm-6b-linear": _3T1C2PCM_LINEAR,
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
