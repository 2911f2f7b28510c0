"""DeviceParams validation, derived quantities and presets."""

from __future__ import annotations

import dataclasses
import math

import femsyn
import numpy as np
import pytest
from femsyn import DeviceParams, _core, preset, presets
from hypothesis import given, settings
from hypothesis import strategies as st


def test_defaults_match_contract():
    d = DeviceParams()
    assert (d.kind, d.msb_bits, d.lsb_bits) == ("hybrid", 2, 4)
    assert d.total_bits == 6 and d.n_msb_levels == 4 and d.n_lsb_steps == 16
    assert d.pulse_delta_v == pytest.approx(6.67e-6 * 250e-12 / 50e-15)
    assert d.pulse_energy_j == pytest.approx(50e-15 * 1.8 * d.pulse_delta_v)


def test_fields_match_rust_core():
    assert [f.name for f in dataclasses.fields(DeviceParams)] == _core.device_fields()


def test_frozen():
    d = DeviceParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.msb_bits = 3  # type: ignore[misc]


def test_presets_listed_and_cited():
    names = presets()
    v2 = ["femfet-6b", "femfet-8b", "2t1fefet-6b", "3t1c2pcm-6b"]
    assert names == ["float", "ideal-6b", "ideal-8b", *v2, *(f"{n}-linear" for n in v2)]
    for n in names:
        d = preset(n)
        assert d.name == n
    assert preset("femfet-8b").total_bits == 8
    assert preset("ideal-8b").total_bits == 8
    assert preset("2t1fefet-6b").residual == "reset"
    assert preset("2t1fefet-6b").endurance_cycles == 1e8
    assert preset("3t1c2pcm-6b").signed_mapping == "differential"
    assert preset("femfet-6b").endurance_cycles == 1e10
    assert preset("femfet-6b").pulse_width_s == 250e-12


def test_presets_v2_state_their_lsb_response_and_protocol():
    from femsyn.device import neurosim_a

    for n in ("femfet-6b", "femfet-8b", "3t1c2pcm-6b"):  # capacitor node: NeuroSim 3T1C, NL +-0.2
        d = preset(n)
        assert (d.lsb_response, d.lsb_exp_a_up, d.lsb_exp_a_down) == ("exp", neurosim_a(0.2), neurosim_a(-0.2))
        assert d.lsb_c2c_rel == 0.005 and d.step_asymmetry_rel == 0.0
    d = preset("2t1fefet-6b")  # NeuroSim 2T-1FeFET, NL 0.5 / 0.5
    assert (d.lsb_exp_a_up, d.lsb_exp_a_down, d.lsb_c2c_rel) == (neurosim_a(0.5), neurosim_a(0.5), 0.005)
    for n in ("2t1fefet-6b", "3t1c2pcm-6b"):  # their papers: read all every 8000 images, reset
        d = preset(n)
        assert (d.transfer_protocol, d.transfer_every_images, d.residual) == ("periodic-read-all", 8000, "reset")
    d = preset("femfet-6b")
    assert (d.transfer_protocol, d.carry_threshold, d.residual) == ("overflow+periodic", 1.0, "keep")
    # the write bound of the keep rule is non-vacuous: (threshold - 1/2) N_L pulse units
    assert d.carry_threshold > 0.5 and d.lsb_headroom_msb_steps > d.carry_threshold


def test_linear_variants_are_the_first_release_cells():
    for n in ("femfet-6b", "femfet-8b", "2t1fefet-6b", "3t1c2pcm-6b"):
        lin = preset(f"{n}-linear")
        assert (lin.lsb_response, lin.lsb_c2c_rel, lin.step_asymmetry_rel) == ("linear", 0.0, 0.0)
        assert (lin.transfer_protocol, lin.carry_threshold) == ("overflow+periodic", 0.5)
        assert (lin.msb_model, lin.msb_write_scheme) == ("levels", "open-loop")
        v2 = preset(n)
        same = {"lsb_bits", "msb_bits", "pulse_width_s", "endurance_cycles", "signed_mapping"}
        same |= {"tau_leak_s", "tau_leak_d2d_rel", "msb_write_time_s", "msb_write_voltage_v"}
        if v2.msb_model == "levels":  # a store with its own physics has no Gaussian error
            same.add("msb_prog_sigma_rel")
        assert all(getattr(lin, k) == getattr(v2, k) for k in same)


def test_pcm_preset_has_neurosims_pcm_store():
    from femsyn.device import neurosim_a

    d = preset("3t1c2pcm-6b")
    assert (d.msb_model, d.msb_write_scheme, d.msb_prog_sigma_rel) == ("pcm", "program-verify", 0.0)
    assert (d.msb_pcm_a_up, d.msb_pcm_a_down) == (neurosim_a(2.4), neurosim_a(-4.88))
    assert (d.msb_pcm_max_pulses, d.msb_c2c_rel) == (97, 0.035)
    assert d.msb_verify_max_iterations >= 1 and d.replace(msb_write_scheme="open-loop").msb_model == "pcm"


def test_unknown_preset_lists_valid_names():
    with pytest.raises(ValueError, match="femfet-6b"):
        preset("femfet-7b")


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("msb_bits", 0, "msb_bits"),
        ("msb_bits", 9, "msb_bits"),
        ("kind", "analog", "'float', 'ideal', 'hybrid'"),
        ("rounding", "up", "'stochastic', 'nearest'"),
        ("residual", "drop", "'keep', 'reset'"),
        ("signed_mapping", "twos", "'offset', 'differential'"),
        ("tau_leak_s", -1.0, "tau_leak_s"),
        ("tau_leak_s", 0.0, "tau_leak_s"),
        ("tau_leak_s", math.nan, "tau_leak_s"),
        ("step_asymmetry_rel", 1.0, "step_asymmetry_rel"),
        ("max_pulses_per_update", 0, "max_pulses_per_update"),
        ("lsb_soft_saturation", 1.5, "lsb_soft_saturation"),
        ("t_image_s", math.inf, "t_image_s"),
        ("adc_bits", 40, "adc_bits"),
        ("transfer_every_images", -1, "transfer_every_images"),
        ("c_node_f", 0.0, "c_node_f"),
    ],
)
def test_invalid_values_raise_valueerror_naming_field(field, value, match):
    with pytest.raises(ValueError, match=match) as e:
        DeviceParams(**{field: value})
    assert field in str(e.value)


@pytest.mark.parametrize("field, value", [("msb_bits", "2"), ("kind", 3), ("tau_leak_s", "1s"), ("msb_bits", True)])
def test_wrong_types_raise_typeerror(field, value):
    with pytest.raises(TypeError, match=field):
        DeviceParams(**{field: value})


def test_infinite_tau_and_endurance_allowed():
    d = DeviceParams(tau_leak_s=math.inf, endurance_cycles=math.inf, tau_retention_s=math.inf)
    assert math.isinf(d.tau_leak_s)


def test_ideal_allows_more_bits():
    assert DeviceParams(kind="ideal", msb_bits=12).total_bits == 12
    with pytest.raises(ValueError, match="msb_bits"):
        DeviceParams(kind="hybrid", msb_bits=12)


def test_validate_device_mapping_unknown_key_lists_names():
    with pytest.raises(ValueError, match="valid names: .*tau_leak_s"):
        _core.validate_device({"tau_leak": 1.0})
    _core.validate_device({"msb_bits": 3, "tau_leak_s": 2.0})


def test_from_dict_and_replace():
    d = preset("femfet-6b")
    assert DeviceParams.from_dict(d.to_dict()) == d
    with pytest.raises(ValueError, match="valid names"):
        DeviceParams.from_dict({"bogus": 1})
    e = d.replace(lsb_bits=6)
    assert e.total_bits == 8
    with pytest.raises(ValueError, match="valid names"):
        d.replace(bogus=1)


def test_array_accepts_mapping_and_object():
    arr = femsyn.SynapseArray(2, 3, {"kind": "ideal", "msb_bits": 4})
    assert arr.device["msb_bits"] == 4 and arr.kind == "ideal"

    class Obj:
        kind = "hybrid"
        msb_bits = 3
        lsb_bits = 2

    arr = femsyn.SynapseArray(2, 3, Obj())
    assert arr.device["msb_bits"] == 3 and arr.device["lsb_bits"] == 2
    # the device dict rebuilds an equal DeviceParams
    d = preset("3t1c2pcm-6b")
    assert DeviceParams(**femsyn.SynapseArray(1, 1, d).device) == d


@pytest.mark.parametrize("name", presets())
def test_every_preset_runs(name):
    d = preset(name)
    arr = femsyn.SynapseArray(8, 5, d, seed=3, w_max=0.5)
    rng = np.random.default_rng(0)
    arr.program((rng.standard_normal((8, 5)) * 0.2).astype(np.float32))
    for _ in range(6):
        dw = (rng.standard_normal((8, 5)) * 3 * arr.lsb_step).astype(np.float32)
        arr.step(dw, images=4000)
        arr.transfer()
    w = arr.weights()
    wi = arr.weights(inference=True, retention_s=100.0)
    assert w.shape == wi.shape == (8, 5) and w.dtype == np.float32
    assert np.isfinite(w).all() and np.isfinite(wi).all()
    c = arr.counters()
    assert c["updates"] == 6 and c["images"] == 24000
    if d.kind != "float":
        assert np.abs(w).max() <= 0.5 * (1 + 2.0 / d.n_msb_levels) + 0.1


@settings(max_examples=30, deadline=None)
@given(
    msb=st.integers(1, 8),
    lsb=st.integers(0, 8),
    tau=st.floats(1e-6, 1e6),
    asym=st.floats(-0.9, 0.9),
)
def test_valid_hybrid_params_construct(msb, lsb, tau, asym):
    d = DeviceParams(msb_bits=msb, lsb_bits=lsb, tau_leak_s=tau, step_asymmetry_rel=asym)
    assert d.total_bits == msb + lsb
    arr = femsyn.SynapseArray(2, 2, d)
    assert arr.msb_levels().max() < 2**msb
