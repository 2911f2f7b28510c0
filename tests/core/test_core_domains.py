"""The multi-domain ferroelectric MSB (msb_model 'domains', the femfet presets): the domain
state is the polarization (the weight follows the switched fraction), its error is level
dependent, writes count real pulses, a state checks its domain masks (thread-count independence
and exact resumes: test_core_msb's store tests and tests/run/test_resume_device.py)."""

from __future__ import annotations

import numpy as np
import pytest
from femsyn import SynapseArray, preset

W_MAX = 0.3


def f32(x):
    return np.asarray(x, dtype=np.float32)


def _popcount(m: np.ndarray) -> np.ndarray:
    return np.array([bin(int(x)).count("1") for x in m.ravel()]).reshape(m.shape)


@pytest.mark.parametrize("name", ["femfet-6b", "femfet-8b"])
def test_weight_error_is_the_switched_fraction(name):
    dev = preset(name)
    assert dev.msb_model == "domains" and dev.fe_domains == 64
    arr = SynapseArray(40, 50, dev, seed=1, w_max=W_MAX)
    rng = np.random.default_rng(1)
    arr.program(f32(rng.uniform(-W_MAX, W_MAX, arr.shape)))
    st = arr.state_dict()
    m = st["msb"].astype(np.float64)
    f = _popcount(st["domain_mask"]) / 64
    span = 2 * W_MAX * 3 / 4  # level 0 to level 3 of the offset mapping
    want = (f - m / 3) * span + st["msb_offset"]
    assert np.allclose(st["msb_error"], want, atol=1e-6)
    # the saturated levels (all domains down / up) are nearly exact, the partial ones spread
    rms = [np.sqrt(np.mean(st["msb_error"][m == k] ** 2)) / (W_MAX / 2) for k in range(4)]
    assert rms[0] < 0.02 and rms[3] < 0.02 and min(rms[1], rms[2]) > 0.05, rms


def test_writes_count_erase_and_program_pulses():
    arr = SynapseArray(30, 40, preset("femfet-6b"), seed=2, w_max=W_MAX)
    rng = np.random.default_rng(2)
    arr.program(f32(rng.uniform(-W_MAX, W_MAX, arr.shape)))
    before = arr.state_dict()["msb"]
    for _ in range(3):
        arr.update(f32(rng.normal(0, 0.05, arr.shape)))
        arr.transfer()
    c = arr.counters()
    after = arr.state_dict()["msb"]
    assert c["msb_writes"] > 0
    # erase + program pulse, or the erase alone for level 0
    assert c["msb_writes"] < c["msb_program_pulses"] <= 2 * c["msb_writes"]
    assert (after == 0).any() or c["msb_program_pulses"] == 2 * c["msb_writes"]
    assert not np.array_equal(before, after)


def test_state_checks_its_domain_masks():
    arr = SynapseArray(30, 40, preset("femfet-6b"), seed=8, w_max=W_MAX)
    st = arr.state_dict()
    assert st["domain_mask"].dtype == np.uint64 and st["domain_mask"].shape == arr.shape
    bad = dict(st, domain_mask=st["domain_mask"][:, :5].copy())
    with pytest.raises(ValueError, match="domain_mask"):
        SynapseArray.from_state(bad)
    missing = {k: v for k, v in st.items() if k != "domain_mask"}
    with pytest.raises(ValueError, match="domain_mask"):
        SynapseArray.from_state(missing)
    lin = SynapseArray(30, 40, preset("femfet-6b-linear"), seed=8, w_max=W_MAX).state_dict()
    assert "domain_mask" not in lin
    with pytest.raises(ValueError, match="domain_mask"):
        SynapseArray.from_state(dict(lin, domain_mask=st["domain_mask"]))


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(fe_domains=65), "fe_domains"),
        (dict(fe_domains=0), "fe_domains"),
        (dict(fe_voltage_fraction=1.5), "fe_voltage_fraction"),
        (dict(fe_tau0_s=0.0), "fe_tau0_s"),
        (dict(msb_prog_sigma_rel=0.01), "msb_prog_sigma_rel"),
        (dict(msb_model="levels"), "fe_domains"),
    ],
)
def test_domain_fields_are_validated(change, match):
    with pytest.raises(ValueError, match=match):
        preset("femfet-6b").replace(**change)
