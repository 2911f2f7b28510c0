"""Retention v2 (device-model contract, "v2: retention"): every hybrid preset's MSB weight after
t seconds never grows, is monotone in t, keeps its sign, is thread-count independent and survives a
state round trip; each model matches its formula computed here."""

from __future__ import annotations

import math

import femsyn
import numpy as np
import pytest
from femsyn import DeviceParams, SynapseArray, preset, presets

TIMES = (0.0, 1.0, 1e2, 1e4, 1e6, 1e8)
HYBRID = [n for n in presets() if preset(n).kind == "hybrid"]


def f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _programmed(dev, seed: int = 3, shape=(60, 80)) -> SynapseArray:
    arr = SynapseArray(*shape, dev, seed=seed, w_max=1.0)
    rng = np.random.default_rng(seed)
    arr.program(f32(rng.choice(arr.levels, size=shape)))
    return arr


def _curve(arr: SynapseArray) -> list[np.ndarray]:
    return [arr.weights(inference=True, retention_s=t) for t in TIMES]


@pytest.mark.parametrize("name", HYBRID)
def test_retention_never_grows_a_weight_and_is_monotone(name):
    arr = _programmed(preset(name))
    curve = _curve(arr)
    w0 = curve[0]
    for earlier, later in zip(curve, curve[1:]):
        assert np.all(np.abs(later) <= np.abs(earlier)), name
    assert np.all(curve[-1] * w0 >= 0), "retention never flips a weight's sign"


@pytest.mark.parametrize("name", [n for n in HYBRID if not n.endswith("-linear")])
def test_v2_retention_is_not_a_common_rescaling(name):
    """The first release's exp model only rescaled all weights alike (a bias-free network's
    accuracy could not change); every v2 preset changes the weights' ratios."""
    curve = _curve(_programmed(preset(name)))
    w0, w = curve[0].ravel(), curve[3].ravel()  # 1e4 s
    nz = np.abs(w0) > 1e-6
    ratios = w[nz] / w0[nz]
    assert ratios.std() > 0.02, name


@pytest.mark.parametrize("name", [n for n in HYBRID if preset(n).retention_model == "drift"])
def test_drift_never_underflows(name):
    arr = _programmed(preset(name))
    w0 = arr.weights(inference=True)
    w = arr.weights(inference=True, retention_s=1e30)
    assert np.all((w != 0) == (w0 != 0)), "a power law never reaches zero"


@pytest.mark.parametrize("name", HYBRID)
def test_retention_bit_identical_at_1_and_2_threads(name):
    out = []
    for threads in (1, 2):
        femsyn.set_num_threads(threads)
        try:
            out.append(_curve(_programmed(preset(name), shape=(130, 150))))
        finally:
            femsyn.set_num_threads(2)
    for a, b in zip(*out):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", HYBRID)
def test_retention_survives_a_state_round_trip(name):
    arr = _programmed(preset(name))
    back = SynapseArray.from_state(arr.state_dict())
    for a, b in zip(_curve(arr), _curve(back)):
        assert np.array_equal(a, b)


def test_log_matches_the_formula():
    d = DeviceParams(retention_model="log", tau_retention_s=1e9, msb_prog_sigma_rel=0.0)
    arr = _programmed(d)
    w0 = arr.weights(inference=True).astype(np.float64)
    w_sat = float(np.max(np.abs(arr.levels)))
    for t in TIMES:
        lost = w_sat * math.log1p(t / 1.0) / math.log1p(1e9 / 1.0)
        want = np.sign(w0) * np.maximum(0.0, np.abs(w0) - lost)
        np.testing.assert_allclose(arr.weights(inference=True, retention_s=t), want, atol=1e-7)


def test_drift_spread_is_lognormal_in_nu():
    d = DeviceParams(retention_model="drift", pcm_drift_nu=0.05, retention_sigma_ln=0.4, msb_prog_sigma_rel=0.0)
    arr = _programmed(d, shape=(200, 200))
    w0 = arr.weights(inference=True).astype(np.float64)
    t = 1e6
    w = arr.weights(inference=True, retention_s=t).astype(np.float64)
    nu = -np.log(w / w0) / math.log(t)
    z = np.log(nu / 0.05)
    assert abs(z.mean()) < 0.02 and z.std() == pytest.approx(0.4, rel=0.05)


def test_domain_retention_moves_whole_domains_toward_zero_polarization():
    d = preset("femfet-6b")
    arr = _programmed(d)
    per_domain = arr.msb_step * (len(arr.levels) - 1) / d.fe_domains
    w0 = arr.weights(inference=True).astype(np.float64)
    w = arr.weights(inference=True, retention_s=1e6).astype(np.float64)
    steps = (w - w0) / per_domain
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-3)
    assert np.all(np.sign(steps) * np.sign(w0) <= 0), "only domains along the net polarization switch back"


def test_domain_retention_partial_levels_relax_faster():
    arr = _programmed(preset("femfet-6b"), shape=(100, 100))
    w0 = arr.weights(inference=True)
    w = arr.weights(inference=True, retention_s=1e4)
    levels = arr.levels
    nominal = levels[np.argmin(np.abs(w0[..., None] - levels), axis=-1)]
    kept = lambda lv: float(np.mean(w[nominal == lv] / w0[nominal == lv]))  # noqa: E731
    assert kept(levels[2]) < kept(levels[3]) - 0.2, "the partial up level loses more of its weight"


@pytest.mark.parametrize(
    "fields, flag",
    [
        (dict(retention_model="bogus"), "retention_model"),
        (dict(retention_model="domains"), "retention_model"),
        (dict(retention_model="drift"), "pcm_drift_nu"),
        (dict(pcm_drift_nu=0.1), "pcm_drift_nu"),
        (dict(retention_sigma_ln=-0.1), "retention_sigma_ln"),
        (dict(retention_t0_s=0.0), "retention_t0_s"),
    ],
)
def test_retention_errors_name_the_field(fields, flag):
    with pytest.raises(ValueError, match=flag):
        DeviceParams(**fields)
