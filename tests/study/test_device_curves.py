"""``femsyn device-curves``: the switching curve against the NLS formula computed here, its
monotonicity, the pictures and numbers written, and the errors."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from femsyn import _core, preset
from femsyn.cli import main
from femsyn.study.device_curves import device_curves

FEMFET = preset("femfet-6b")


def _nls_fraction(d, v: float, t: float) -> float:
    """Tagantsev's NLS with a Merz-law tau: p = 1 - exp(-(t/tau)^beta), tau = tau0 exp((E_a/E)^alpha)."""
    e = d.fe_voltage_fraction * v / d.fe_thickness_m
    tau = d.fe_tau0_s * math.exp((d.fe_ea_v_per_m / e) ** d.fe_alpha)
    return 1.0 - math.exp(-((t / tau) ** d.fe_beta))


def test_switched_fraction_of_one_activation_field_matches_the_formula():
    d = dataclasses.replace(FEMFET, fe_ea_sigma_ln=0.0)  # every domain has the median field
    volts, widths = [0.9, 1.0, 1.1], [1e-9, 1e-8, 1e-7, 1e-6]
    sampled, nominal = _core.fe_switched_fraction(d, volts, widths, cells=400, seed=1)
    n = 400 * d.fe_domains
    for i, v in enumerate(volts):
        for j, t in enumerate(widths):
            p = _nls_fraction(d, v, t)
            assert nominal[i, j] == pytest.approx(p, abs=1e-12)
            assert abs(sampled[i, j] - p) <= 5 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_a_longer_or_higher_pulse_never_switches_fewer_domains():
    volts = np.linspace(0.6, 1.8, 9)
    widths = np.logspace(-9, -5, 13)
    sampled, nominal = _core.fe_switched_fraction(FEMFET, volts.tolist(), widths.tolist(), cells=64, seed=3)
    for x in (sampled, nominal):
        assert np.all(np.diff(x, axis=0) >= 0) and np.all(np.diff(x, axis=1) >= 0)
    assert sampled[-1, widths.tolist().index(1e-7)] > 0.999  # [N18]: 1.8 V, 100 ns saturates


@pytest.mark.parametrize(
    "args, match",
    [
        ((preset("2t1fefet-6b"), [1.0], [1e-7]), "device"),
        ((FEMFET, [-1.0], [1e-7]), "voltages"),
        ((FEMFET, [1.0], [math.nan]), "widths"),
    ],
)
def test_switched_fraction_errors_name_the_argument(args, match):
    with pytest.raises(ValueError, match=match):
        _core.fe_switched_fraction(*args)


def test_device_curves_writes_every_picture_and_the_numbers(tmp_path):
    quiet = dataclasses.replace(FEMFET, lsb_c2c_rel=0.0)  # the LSB curve without c2c noise
    data = device_curves(quiet, tmp_path, cells=16)
    for f in data["files"]:
        assert (tmp_path / f).stat().st_size > 0, f
    saved = json.loads((tmp_path / "curves.json").read_text())
    assert saved["switching"]["voltages_v"][-1] == pytest.approx(1.8)
    per_time = saved["levels"]["per_time"]
    assert [e["t_s"] for e in per_time] == [0.0, 1.0, 1e2, 1e4, 1e6, 1e8]
    top0, top1 = np.mean(per_time[0]["weights"][-1]), np.mean(per_time[-1]["weights"][-1])
    assert 0 < top1 < top0, "the saturated level relaxes but keeps its sign"
    lsb = np.asarray(saved["lsb_response"]["lsb"])
    half = saved["lsb_response"]["pulses_per_branch"]
    assert np.all(np.diff(lsb[:half], axis=0) >= -1e-6), "potentiation never lowers the LSB"


def test_device_curves_without_domains_skips_the_switching_curve(tmp_path):
    data = device_curves("3t1c2pcm-6b", tmp_path)
    assert "switching" not in data and not (tmp_path / "switching.png").exists()
    assert (tmp_path / "levels.png").exists()


@pytest.mark.parametrize("synapse, words", [("femfet-9b", "unknown preset"), ("float", "no device")])
def test_cli_rejects_a_synapse_without_a_device(tmp_path, synapse, words):
    r = CliRunner().invoke(main, ["device-curves", "--synapse", synapse, "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--synapse" in r.output and words in r.output
    assert "Traceback" not in r.output
