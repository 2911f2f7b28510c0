"""Carry rule and transfer protocols: no limit cycles, the write bound, read-all reset, the
blocked-carry counter, protocol validation, first-release states."""

from __future__ import annotations

import math
import re

import femsyn
import numpy as np
import pytest
from femsyn import DeviceParams, SynapseArray, preset, presets
from hypothesis import given, settings
from hypothesis import strategies as st

HYBRID = [p for p in presets() if preset(p).kind == "hybrid"]
# noise off (the properties are stated for noiseless devices); d2d variation stays on
QUIET = dict(
    msb_prog_sigma_rel=0.0, step_c2c_rel=0.0, lsb_c2c_rel=0.0, lsb_read_noise_steps=0.0, msb_read_noise_rel=0.0
)


def f32(x):
    return np.asarray(x, dtype=np.float32)


def quiet(name: str, **changes) -> dict:
    return {**preset(name).to_dict(), **QUIET, **changes}


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31), span=st.sampled_from([0.1, 0.5, 1.2]))
@pytest.mark.parametrize("name", HYBRID)
@pytest.mark.parametrize("tau", [math.inf, 1e3, 1.0, 1e-3])
def test_zero_change_gives_zero_msb_writes(name, tau, seed, span):
    arr = SynapseArray(12, 17, quiet(name, tau_leak_s=tau), seed=seed, w_max=0.4)
    rng = np.random.default_rng(seed)
    arr.program(f32(rng.uniform(-span, span, arr.shape) * arr.w_max))
    assert np.abs(arr.lsb()).max() <= 2 ** arr.device["lsb_bits"] / 2
    z = np.zeros(arr.shape, np.float32)
    for images in (1, 64, 8000, 64, 100_000):
        arr.step(z, images=images)
    arr.transfer()
    assert arr.counters()["msb_writes"] == 0


def _pulse_charge(arr: SynapseArray, dw: np.ndarray) -> np.ndarray:
    """Net LSB charge of update(dw) per cell: the same update on a copy with carries off."""
    st_ = arr.state_dict()
    st_["device"] = {**st_["device"], "transfer_protocol": "none"}
    b = SynapseArray.from_state(st_)
    x0 = b.lsb()
    b.update(dw)
    return np.abs(b.lsb() - x0)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31), scale=st.floats(0.3, 5.0))
@pytest.mark.parametrize("name", HYBRID)
def test_overflow_writes_need_charge(name, seed, scale):
    # (b): an overflow write needs more than h - |r| pulse units of charge since the cell's last
    # write or transfer (r: its LSB then); keep: |r| <= N_L/2 after a full carry; reset: r = 0
    d = quiet(name, transfer_protocol="overflow", carry_threshold=0.75, lsb_headroom_msb_steps=1.5)
    arr = SynapseArray(8, 16, d, seed=seed, w_max=0.5)
    n_l = 2 ** arr.device["lsb_bits"]
    h = 0.75 * n_l
    rng = np.random.default_rng(seed)
    q_since = np.zeros(arr.shape)
    r0 = np.abs(arr.lsb())
    for s in range(30):
        dw = f32((rng.standard_normal(arr.shape) + 0.3) * scale * arr.lsb_step)
        q = _pulse_charge(arr, dw)
        before = arr.msb_write_counts().copy()
        arr.update(dw)
        wrote = arr.msb_write_counts() != before
        q_since += q
        assert (q_since[wrote] > h - r0[wrote] - 1e-3).all()
        x = np.abs(arr.lsb())
        at_rail = (arr.msb_levels() == arr.msb_levels().min()) | (arr.msb_levels() == arr.msb_levels().max())
        if arr.device["residual"] == "reset":
            assert (x[wrote] == 0).all()
        else:
            assert (x[wrote & ~at_rail] <= n_l / 2).all()
        q_since[wrote] = 0
        r0[wrote] = x[wrote]
        if s % 7 == 6:
            arr.transfer()
            q_since[:] = 0
            r0 = np.abs(arr.lsb())


def _periodic_run(every: int, steps: int = 150, seed: int = 1):
    d = quiet("2t1fefet-6b", transfer_protocol="periodic-read-all", transfer_every_images=every)
    arr = SynapseArray(32, 32, d, seed=seed, w_max=0.2)
    rng = np.random.default_rng(seed)
    arr.program(f32(rng.uniform(-0.1, 0.1, arr.shape)))
    for _ in range(steps):
        arr.step(f32(rng.standard_normal(arr.shape) * 0.7 * arr.lsb_step), images=64)
    return arr


def test_transfer_interval_matters_for_a_periodic_protocol():
    # first release: intervals 0, 1000, 8000, 1e5 gave bit-identical weights
    runs = {e: _periodic_run(e) for e in (1000, 8000, 100_000)}
    w = {e: a.weights() for e, a in runs.items()}
    assert not np.array_equal(w[1000], w[8000])
    assert not np.array_equal(w[8000], w[100_000])
    assert not np.array_equal(w[1000], w[100_000])
    assert runs[1000].counters()["transfers"] == 9 and runs[100_000].counters()["transfers"] == 0


def test_periodic_reset_leaves_every_lsb_at_zero():
    arr = _periodic_run(8000, steps=120)  # 7680 images: just before the first transfer
    x = arr.lsb()
    assert np.abs(x).sum() > 0
    arr.transfer()
    assert (arr.lsb() == 0).all()
    assert arr.counters()["lsb_discarded_pulses"] > 0


@pytest.mark.parametrize("residual", ["keep", "reset"])
@pytest.mark.parametrize("protocol", ["periodic-read-all", "overflow+periodic"])
def test_blocked_carry_is_counted_once_per_attempt(residual, protocol):
    def run(every):
        d = DeviceParams(
            **QUIET,
            residual=residual,
            transfer_protocol=protocol,
            transfer_every_images=every,
            rounding="nearest",
            tau_leak_s=math.inf,
        )
        arr = SynapseArray(10, 10, d, w_max=1.0)
        arr.program(np.full((10, 10), 0.75, np.float32))  # top MSB level
        arr.update(np.full((10, 10), 12 * arr.lsb_step, np.float32))  # 12 pulses into the rail
        z = np.zeros((10, 10), np.float32)
        for _ in range(400):
            arr.step(z, images=64)
        return arr.counters()

    fast, slow = run(64), run(8000)
    assert (fast["transfers"], slow["transfers"]) == (400, 3)
    # the first release counted 19,036 vs 146 for identical weights in a training run
    assert fast["blocked_carries"] == slow["blocked_carries"] == 100
    assert fast["msb_writes"] == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        (dict(transfer_protocol="sometimes"), "'overflow', 'periodic-read-all', 'overflow+periodic', 'none'"),
        (dict(transfer_protocol="overflow", carry_threshold=0.3), "carry_threshold"),
        (dict(transfer_protocol="overflow", carry_threshold=1.0), "lsb_headroom_msb_steps"),
        (dict(transfer_protocol="periodic-read-all", transfer_every_images=0), "transfer_every_images"),
        (dict(adc_bits=4, lsb_headroom_msb_steps=1.5), "adc_bits"),
    ],
)
def test_protocol_errors_name_the_field(changes, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        DeviceParams(**changes)


def test_irrelevant_transfer_fields_are_unchecked_by_other_protocols():
    DeviceParams(transfer_protocol="periodic-read-all", carry_threshold=0.0)
    DeviceParams(transfer_protocol="overflow", transfer_every_images=0)
    DeviceParams(transfer_protocol="none", carry_threshold=0.0, transfer_every_images=0)


def test_first_release_state_is_read():
    arr = SynapseArray(6, 7, preset("femfet-6b"), seed=2)
    rng = np.random.default_rng(0)
    arr.step(f32(rng.standard_normal((6, 7)) * 5 * arr.lsb_step), images=64)
    st_ = arr.state_dict()
    old = {k: v for k, v in st_.items() if k != "carry_blocked"}
    old["format"] = 1
    dev = {k: v for k, v in st_["device"].items() if k != "transfer_protocol"}
    old["device"] = {**dev, "carry_threshold": 0.0}  # first release: overflow off
    old["counters"] = {**st_["counters"], "lost_carries": 3, "overflow_carries": 5}
    b = SynapseArray.from_state(old)
    assert b.device["transfer_protocol"] == "periodic-read-all"
    assert "lost_carries" not in b.counters()
    np.testing.assert_array_equal(b.weights(), arr.weights())
    assert femsyn._core.STATE_FORMAT == 2
    with pytest.raises(ValueError, match="formats 1 and 2"):
        SynapseArray.from_state({**st_, "format": 7})
    with pytest.raises(ValueError, match="carry_blocked"):
        SynapseArray.from_state({**st_, "carry_blocked": np.full((6, 7), 2, np.uint8)})
