"""Physics of the SynapseArray kernels (float / ideal / hybrid)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from femsyn import DeviceParams, SynapseArray, preset
from hypothesis import given, settings
from hypothesis import strategies as st

NOISELESS = dict(
    msb_prog_sigma_rel=0.0,
    tau_leak_s=math.inf,
    tau_leak_d2d_rel=0.0,
    transfer_protocol="none",
)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def test_float_is_plain_float32():
    arr = SynapseArray(2, 2, preset("float"))
    arr.program(f32([[1, 2], [3, 4]]))
    arr.update(f32([[0.5, -0.5], [0.25, 0]]))
    np.testing.assert_array_equal(arr.weights(), f32([[1.5, 1.5], [3.25, 4]]))
    np.testing.assert_array_equal(arr.weights(inference=True), arr.weights())
    assert arr.transfer() == 0


def test_offset_and_differential_levels():
    off = SynapseArray(1, 1, DeviceParams(msb_bits=2), w_max=1.0)
    np.testing.assert_allclose(off.levels, [-0.75, -0.25, 0.25, 0.75])
    assert off.msb_step == 0.5 and off.lsb_step == 0.5 / 16
    diff = SynapseArray(1, 1, DeviceParams(msb_bits=2, signed_mapping="differential"), w_max=1.0)
    np.testing.assert_allclose(diff.levels, np.arange(-3, 4) / 3)
    assert diff.msb_levels()[0, 0] == 0  # zero level exists


def test_ideal_rounds_and_clips_at_rails():
    d = DeviceParams(kind="ideal", msb_bits=3, rounding="nearest")
    arr = SynapseArray(1, 3, d, w_max=1.0)
    arr.program(f32([[0.0, 0.9, -2.0]]))
    np.testing.assert_array_equal(arr.weights(), f32([[0.125, 0.875, -0.875]]))
    arr.update(f32([[0.25, 1.0, -0.1]]))
    np.testing.assert_array_equal(arr.weights(), f32([[0.375, 0.875, -0.875]]))
    assert arr.counters()["clipped_pulses"] == 4


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    scale=st.floats(0.1, 40.0),
    bits=st.integers(1, 4),
    diff=st.booleans(),
)
def test_levels_stay_in_range(seed, scale, bits, diff):
    d = DeviceParams(
        msb_bits=bits,
        step_c2c_rel=0.2,
        signed_mapping="differential" if diff else "offset",
        transfer_every_images=8,
    )
    arr = SynapseArray(6, 7, d, seed=seed, w_max=1.0)
    rng = np.random.default_rng(seed)
    for _ in range(8):
        arr.step(f32(rng.standard_normal((6, 7)) * scale * arr.lsb_step), images=4)
    lv = arr.msb_levels()
    nm = 2**bits
    if diff:
        assert lv.min() > -nm and lv.max() < nm
    else:
        assert lv.min() >= 0 and lv.max() < nm
    assert np.abs(arr.lsb()).max() <= 16 * d.lsb_headroom_msb_steps
    w = arr.weights()
    assert np.abs(w).max() <= 1.0 + 2 * arr.msb_step + 0.1


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), t=st.floats(0.0, 3.0), rel=st.floats(0.0, 0.5))
def test_leak_follows_exp_and_never_grows(seed, t, rel):
    d = DeviceParams(tau_leak_s=0.5, tau_leak_d2d_rel=rel, transfer_protocol="none")
    arr = SynapseArray(4, 16, d, seed=seed)
    rng = np.random.default_rng(seed)
    arr.update(f32(rng.standard_normal((4, 16)) * 6 * arr.lsb_step))
    before = arr.lsb()
    arr.advance(t)
    after = arr.lsb()
    tau = arr.tau_leak()
    assert (np.abs(after) <= np.abs(before)).all()
    np.testing.assert_allclose(after, before * np.exp(-t / tau), rtol=1e-5, atol=1e-6)
    if rel == 0.0:
        np.testing.assert_allclose(tau, 0.5, rtol=1e-6)


def test_leak_counts_physical_seconds_through_step():
    d = DeviceParams(
        tau_leak_s=1e-3,
        tau_leak_d2d_rel=0.0,
        t_image_s=1e-6,
        transfer_protocol="none",
        rounding="nearest",
    )
    arr = SynapseArray(1, 1, d)
    arr.update(f32([[5 * arr.lsb_step]]))
    assert arr.lsb()[0, 0] == 5.0
    arr.step(f32([[0.0]]), images=1000)  # 1 ms
    assert arr.lsb()[0, 0] == pytest.approx(5 * math.exp(-1), rel=1e-5)
    assert arr.counters()["time_s"] == pytest.approx(1e-3)


def test_reading_does_not_change_the_trajectory():
    d = preset("femfet-6b")
    a, b = SynapseArray(5, 5, d, seed=2), SynapseArray(5, 5, d, seed=2)
    rng = np.random.default_rng(1)
    for i in range(10):
        dw = f32(rng.standard_normal((5, 5)) * 4 * a.lsb_step)
        a.step(dw, 7)
        b.step(dw, 7)
        if i % 2:
            a.advance(0.01)
            b.advance(0.01)
            a.weights()
            a.lsb()
    np.testing.assert_array_equal(a.weights(), b.weights())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 1000), scale=st.floats(0.5, 30.0), bits=st.integers(1, 3))
def test_keep_transfer_conserves_weight_exactly(seed, scale, bits):
    d = DeviceParams(msb_bits=bits, **NOISELESS)
    arr = SynapseArray(6, 8, d, seed=seed, w_max=1.0)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        arr.update(f32(rng.standard_normal((6, 8)) * scale * arr.lsb_step))
    w0, m0, l0 = arr.weights(), arr.msb_levels().astype(int), arr.lsb()
    arr.transfer()
    w1, m1 = arr.weights(), arr.msb_levels().astype(int)
    carry = np.round(l0 / 16)  # numpy rounds half to even; fine for the check below
    free = (m1 - m0) == carry  # not limited by an MSB rail
    np.testing.assert_array_equal(w0[free], w1[free])
    assert free.any() or (carry == 0).all()


def test_reset_residual_clears_every_lsb():
    # a read-all transfer with "reset" resets every LSB (also the ones that carry nothing)
    # and counts the charge it throws away: 10 pulses carry one MSB step (16), -6 is left
    d = DeviceParams(residual="reset", **NOISELESS)
    arr = SynapseArray(1, 2, d)
    arr.update(f32([[10 * arr.lsb_step, 3 * arr.lsb_step]]))
    arr.transfer()
    np.testing.assert_array_equal(arr.lsb(), f32([[0, 0]]))
    c = arr.counters()
    assert c["msb_writes"] == 1 and c["carries"] == 1 and c["lsb_discarded_pulses"] == 6 + 3


def test_overflow_trigger_carries_inside_update():
    d = DeviceParams(**{**NOISELESS, "transfer_protocol": "overflow"}, rounding="nearest")
    arr = SynapseArray(1, 1, d)
    arr.update(f32([[9 * arr.lsb_step]]))  # 9 > 0.5 * 16 -> carry 1 MSB step
    assert arr.lsb()[0, 0] == 9 - 16
    c = arr.counters()
    assert c["msb_writes"] == 1 and c["overflow_writes"] == 1 and c["carries"] == 1


def test_blocked_carries_at_rails_and_clipping():
    d = DeviceParams(**NOISELESS, rounding="nearest")
    arr = SynapseArray(1, 1, d, w_max=1.0)
    arr.program(f32([[0.75]]))  # top level
    arr.update(f32([[20 * arr.lsb_step]]))  # 20 pulses, rail at 16
    c = arr.counters()
    assert arr.lsb()[0, 0] == 16 and c["clipped_pulses"] == 4
    arr.transfer()
    assert arr.counters()["blocked_carries"] == 1 and arr.counters()["msb_writes"] == 0
    arr.update(f32([[100 * arr.lsb_step]]))
    assert arr.counters()["truncated_pulses"] == 36  # n_max = 64


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), scale=st.floats(1.0, 25.0))
def test_endurance_counter_equals_msb_level_changes(seed, scale):
    d = DeviceParams(transfer_every_images=4, step_c2c_rel=0.1)
    arr = SynapseArray(5, 6, d, seed=seed)
    rng = np.random.default_rng(seed)
    changes = np.zeros((5, 6), np.uint32)
    for _ in range(20):
        prev = arr.msb_levels()
        writes = arr.step(f32(rng.standard_normal((5, 6)) * scale * arr.lsb_step), images=2)
        changed = arr.msb_levels() != prev
        changes += changed
        assert writes >= changed.sum()
    np.testing.assert_array_equal(arr.msb_write_counts(), changes)
    c = arr.counters()
    assert c["msb_writes"] == changes.sum() and c["max_cell_writes"] == changes.max()


def test_wear_out_sticks():
    d = DeviceParams(endurance_cycles=2, msb_bits=4, transfer_protocol="overflow", tau_leak_s=math.inf)
    arr = SynapseArray(1, 1, d)
    for _ in range(8):
        arr.update(f32([[10 * arr.lsb_step]]))
    assert arr.msb_write_counts()[0, 0] == 3
    assert arr.counters()["worn_cells"] == 1


def test_stochastic_rounding_is_unbiased():
    d = DeviceParams(**NOISELESS)
    arr = SynapseArray(200, 500, d, seed=9)
    frac = 0.3
    arr.update(np.full((200, 500), frac * arr.lsb_step, np.float32))
    n = 200 * 500
    mean = arr.counters()["pulses"] / n
    assert abs(mean - frac) < 5 * math.sqrt(frac * (1 - frac) / n)
    # negative requests too: mean change of the LSB
    arr2 = SynapseArray(200, 500, d, seed=10)
    arr2.update(np.full((200, 500), -2.7 * arr2.lsb_step, np.float32))
    assert abs(arr2.lsb().mean() + 2.7) < 5 * math.sqrt(0.21 / n)


def test_ideal_stochastic_rounding_is_unbiased():
    arr = SynapseArray(100, 1000, preset("ideal-6b"), seed=1)
    arr.program(np.zeros((100, 1000), np.float32))
    w0 = arr.weights().astype(np.float64)
    arr.update(np.full((100, 1000), 0.25 * arr.msb_step, np.float32))
    mean_steps = ((arr.weights() - w0) / arr.msb_step).mean()
    assert abs(mean_steps - 0.25) < 5 * math.sqrt(0.25 * 0.75 / 1e5)


def test_nearest_rounding_of_sub_lsb_request_gives_no_pulses():
    d = DeviceParams(rounding="nearest", **NOISELESS)
    arr = SynapseArray(10, 10, d)
    arr.update(np.full((10, 10), 0.49 * arr.lsb_step, np.float32))
    arr.update(np.full((10, 10), -0.49 * arr.lsb_step, np.float32))
    assert arr.counters()["pulses"] == 0
    assert (arr.lsb() == 0).all()


def test_c2c_noise_has_sqrt_n_spread():
    d = DeviceParams(step_c2c_rel=0.2, rounding="nearest", **NOISELESS)
    arr = SynapseArray(100, 100, d, seed=4)
    arr.update(np.full((100, 100), 9 * arr.lsb_step, np.float32))
    x = arr.lsb()
    assert abs(x.mean() - 9) < 0.02
    assert x.std() == pytest.approx(0.2 * 3, rel=0.05)


def test_asymmetry_and_retention():
    d = DeviceParams(step_asymmetry_rel=0.1, rounding="nearest", **NOISELESS)
    arr = SynapseArray(1, 2, d)
    arr.update(f32([[4 * arr.lsb_step, -4 * arr.lsb_step]]))
    np.testing.assert_allclose(arr.lsb(), [[4.4, -3.6]], rtol=1e-6)
    w = arr.weights(inference=True)
    wr = arr.weights(inference=True, retention_s=1e4)
    np.testing.assert_allclose(wr, w * math.exp(-1), rtol=1e-6)


def test_msb_read_noise_is_per_readout():
    d = DeviceParams(msb_read_noise_rel=0.1, **NOISELESS)
    arr = SynapseArray(50, 50, d)
    a, b = arr.weights(inference=True), arr.weights(inference=True)
    assert not np.array_equal(a, b)
    assert np.std(a - b) == pytest.approx(np.sqrt(2) * 0.1 * arr.msb_step, rel=0.1)
    np.testing.assert_array_equal(arr.weights(), arr.weights())  # training readout: no noise


def test_d2d_variation_is_static_and_seeded():
    d = DeviceParams(step_d2d_rel=0.2, msb_d2d_rel=0.05, tau_leak_d2d_rel=0.3)
    a, b, c = SynapseArray(10, 10, d, seed=1), SynapseArray(10, 10, d, seed=1), SynapseArray(10, 10, d, seed=2)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    for k in ("step_up", "step_down", "leak_rate", "msb_offset"):
        np.testing.assert_array_equal(sa[k], sb[k])
        assert not np.array_equal(sa[k], sc[k])
    tau = a.tau_leak()
    assert tau.mean() == pytest.approx(1.0, rel=0.15)
    assert tau.std() / tau.mean() == pytest.approx(0.3, rel=0.3)


def test_periodic_transfer_in_step():
    d = DeviceParams(transfer_every_images=100, transfer_protocol="periodic-read-all")
    arr = SynapseArray(3, 3, d)
    z = np.zeros((3, 3), np.float32)
    for _ in range(4):
        arr.step(z, images=30)  # crosses 100 once (at 120)
    assert arr.counters()["transfers"] == 1
    arr.step(z, images=500)
    assert arr.counters()["transfers"] == 2


def test_latency_pulses_is_sum_of_max_pulses():
    d = DeviceParams(rounding="nearest", **NOISELESS)
    arr = SynapseArray(1, 3, d)
    arr.update(f32([[1, -5, 2]]) * arr.lsb_step)
    arr.update(f32([[3, 0, 0]]) * arr.lsb_step)
    c = arr.counters()
    assert c["latency_pulses"] == 8 and c["pulses"] == 11 and c["updates"] == 2


@pytest.mark.parametrize("residual", ["keep", "reset"])
def test_overflow_at_msb_rail(residual):
    d = DeviceParams(**{**NOISELESS, "transfer_protocol": "overflow"}, rounding="nearest", residual=residual)
    arr = SynapseArray(1, 1, d, w_max=1.0)
    arr.program(np.float32([[0.75]]))  # top level
    for _ in range(3):
        arr.update(np.float32([[10 * arr.lsb_step]]))
    c = arr.counters()
    assert c["msb_writes"] == 0
    if residual == "keep":
        # the charge stays in the LSB (then clips): one blocked attempt, not recounted while
        # the same charge stays blocked
        assert c["blocked_carries"] == 1 and c["lsb_discarded_pulses"] == 0
        assert arr.lsb()[0, 0] == 16 and c["clipped_pulses"] == 14
    else:
        # reset: each overflow throws the charge away, so each attempt is new charge
        assert c["blocked_carries"] == 3 and c["lsb_discarded_pulses"] == 30
        assert arr.lsb()[0, 0] == 0


@pytest.mark.parametrize("tau", [math.inf, 1e3, 1.0])
def test_zero_change_gives_no_msb_writes(tau):
    # issue 9: a keep carry at +N_L/2 left exactly -N_L/2 and carried back at every step
    arr = SynapseArray(100, 100, preset("femfet-6b").replace(tau_leak_s=tau), seed=0, w_max=0.2)
    arr.program(np.random.default_rng(0).uniform(-0.1, 0.1, (100, 100)).astype(np.float32))
    assert np.abs(arr.lsb()).max() <= 8
    z = np.zeros((100, 100), np.float32)
    for _ in range(20):
        arr.step(z, images=64)
    arr.transfer()
    assert arr.counters()["msb_writes"] == 0
