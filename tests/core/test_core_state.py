"""state_dict / from_state round trips and thread-count independence."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import femsyn
import numpy as np
import pytest
from femsyn import DeviceParams, SynapseArray, preset, presets


def _drive(arr, rng, steps, scale=4.0):
    for _ in range(steps):
        dw = (rng.standard_normal(arr.shape) * scale * arr.lsb_step).astype(np.float32)
        arr.step(dw, images=3000)


NOISY = DeviceParams(
    step_c2c_rel=0.2,
    step_d2d_rel=0.1,
    msb_d2d_rel=0.05,
    lsb_read_noise_steps=0.3,
    msb_read_noise_rel=0.05,
    adc_bits=6,
    lsb_soft_saturation=0.3,
    step_asymmetry_rel=0.05,
)


@pytest.mark.parametrize("device", [*presets(), "noisy"])
def test_round_trip_then_identical_continuation(device):
    d = NOISY if device == "noisy" else preset(device)
    a = SynapseArray(9, 11, d, seed=5, w_max=0.7)
    rng = np.random.default_rng(0)
    a.program((rng.standard_normal((9, 11)) * 0.3).astype(np.float32))
    _drive(a, rng, 5)
    a.advance(0.01)
    a.weights(inference=True)
    b = SynapseArray.from_state(a.state_dict())
    assert b.shape == a.shape and b.seed == a.seed and b.w_max == a.w_max and b.device == a.device
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    _drive(a, rng_a, 6)
    _drive(b, rng_b, 6)
    np.testing.assert_array_equal(a.weights(), b.weights())
    np.testing.assert_array_equal(a.weights(inference=True, retention_s=10), b.weights(inference=True, retention_s=10))
    assert a.counters() == b.counters()
    np.testing.assert_array_equal(a.msb_write_counts(), b.msb_write_counts())


def test_state_survives_npz_and_pickle(tmp_path):
    a = SynapseArray(4, 5, NOISY, seed=3)
    _drive(a, np.random.default_rng(2), 3)
    st = a.state_dict()
    flat = {k: v for k, v in st.items() if not isinstance(v, dict)}
    np.savez(tmp_path / "s.npz", **flat)
    loaded = dict(np.load(tmp_path / "s.npz"))
    loaded.update({k: v for k, v in st.items() if isinstance(v, dict)})
    b = SynapseArray.from_state(loaded)
    np.testing.assert_array_equal(a.weights(), b.weights())
    c = pickle.loads(pickle.dumps(a))
    assert c.counters() == a.counters()
    np.testing.assert_array_equal(a.lsb(), c.lsb())


def test_state_dict_contents():
    st = SynapseArray(2, 3, preset("femfet-6b"), seed=7).state_dict()
    assert st["kind"] == "hybrid" and st["seed"] == 7 and st["rows"] == 2
    assert st["msb"].dtype == np.uint16 and st["msb_writes"].dtype == np.uint32
    assert st["lsb"].shape == (2, 3) and st["lsb"].dtype == np.float32
    assert set(st["rng_steps"]) == {"update", "transfer", "readout", "program"}
    assert "time_s" in st["counters"]


def test_from_state_errors():
    st = SynapseArray(2, 3, preset("femfet-6b")).state_dict()
    bad = dict(st)
    del bad["lsb"]
    with pytest.raises(ValueError, match="lsb"):
        SynapseArray.from_state(bad)
    bad = dict(st, lsb=np.zeros((2, 3), np.float64))
    with pytest.raises(TypeError, match="lsb"):
        SynapseArray.from_state(bad)
    bad = dict(st, lsb=np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="lsb"):
        SynapseArray.from_state(bad)
    bad = dict(st, msb=np.full((2, 3), 9, np.uint16))
    with pytest.raises(ValueError, match="msb"):
        SynapseArray.from_state(bad)
    bad = dict(st, format=99)
    with pytest.raises(ValueError, match="format"):
        SynapseArray.from_state(bad)
    with pytest.raises(TypeError, match="state"):
        SynapseArray.from_state([1, 2])


def test_set_num_threads_in_process_bit_identical():
    def run():
        a = SynapseArray(300, 200, NOISY, seed=11)
        _drive(a, np.random.default_rng(4), 4)
        a.transfer()
        return a.weights(), a.weights(inference=True), a.counters()

    try:
        femsyn.set_num_threads(1)
        one = run()
        femsyn.set_num_threads(2)
        two = run()
    finally:
        femsyn.set_num_threads(os.cpu_count() or 1)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    assert one[2] == two[2]


_SCRIPT = textwrap.dedent(
    """
    import hashlib, numpy as np, femsyn
    from femsyn import DeviceParams, SynapseArray
    d = DeviceParams(step_c2c_rel=0.2, step_d2d_rel=0.1, lsb_read_noise_steps=0.3, tau_leak_d2d_rel=0.3)
    a = SynapseArray(400, 300, d, seed=1)
    rng = np.random.default_rng(0)
    for _ in range(4):
        a.step((rng.standard_normal((400, 300)) * 4 * a.lsb_step).astype(np.float32), 5000)
    h = hashlib.sha256(a.weights().tobytes() + a.msb_write_counts().tobytes()).hexdigest()
    print(femsyn._core.get_num_threads(), h)
    """
)


def test_env_thread_count_independence_in_subprocesses():
    out = []
    for n in (1, 2):
        env = dict(os.environ, FEMSYN_NUM_THREADS=str(n))
        r = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True)
        threads, digest = r.stdout.split()
        assert int(threads) == n
        out.append(digest)
    assert out[0] == out[1]


def test_invalid_env_thread_count_fails_at_import():
    env = dict(os.environ, FEMSYN_NUM_THREADS="zero")
    r = subprocess.run([sys.executable, "-c", "import femsyn"], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "FEMSYN_NUM_THREADS" in r.stderr
