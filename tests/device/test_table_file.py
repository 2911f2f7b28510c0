"""Measured response tables from CSV: loading, validation errors (file and row), the TOML hook."""

from __future__ import annotations

import math

import numpy as np
import pytest
from femsyn import SynapseArray
from femsyn.device import DeviceParams, load_lsb_table, preset
from femsyn.run.config_file import load_toml, resolve_device

A_UP, A_DOWN = 0.499181, -0.200303


def g(p, a):
    return (1 - np.exp(-p / a)) / (1 - np.exp(-1 / a))


def write_exp_csv(path, rows=2001):
    q = np.linspace(0, 1, rows)
    lines = ["# sampled from the exp model (NeuroSim PCM NL +2.4 / -4.88), siemens", "pulse,g_ltp,g_ltd"]
    for i, p in enumerate(q):
        lines.append(f"{i},{float(3.08e-9 + 35.42e-9 * g(p, A_UP))!r},{float(3.08e-9 + 35.42e-9 * g(1 - p, A_DOWN))!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_table_from_csv_follows_the_model_it_was_sampled_from(tmp_path):
    fields = load_lsb_table(write_exp_csv(tmp_path / "pcm.csv"))
    assert fields["lsb_response"] == "table" and len(fields["lsb_table_ltp"]) == 2001
    base = dict(msb_prog_sigma_rel=0.0, tau_leak_s=math.inf, transfer_protocol="none", rounding="nearest")
    tab = SynapseArray(6, 6, DeviceParams(**base, **fields), seed=3)
    exp = SynapseArray(6, 6, DeviceParams(**base, lsb_response="exp", lsb_exp_a_up=A_UP, lsb_exp_a_down=A_DOWN), seed=3)
    rng = np.random.default_rng(2)
    for _ in range(15):
        dw = (rng.standard_normal((6, 6)) * 5 * tab.lsb_step).astype(np.float32)
        tab.update(dw)
        exp.update(dw)
    np.testing.assert_allclose(tab.lsb(), exp.lsb(), atol=2e-3)
    assert preset("femfet-6b").replace(**fields).lsb_response == "table"


@pytest.mark.parametrize(
    "text, match",
    [
        ("", r"empty"),
        ("pulse,g_ltd,g_ltp\n0,0,1\n1,1,0\n", r"line 1: expected the header 'pulse,g_ltp,g_ltd'"),
        ("pulse,g_ltp,g_ltd\n0,0,1\n", r"1 data row\(s\); a table needs at least 2"),
        ("pulse,g_ltp,g_ltd\n0,0,1\n1,x,0\n", r"row 2 \(line 3\): g_ltp = 'x' is not a number"),
        ("pulse,g_ltp,g_ltd\n0,0,1\n1,nan,0\n", r"row 2 \(line 3\): g_ltp = 'nan' is not finite"),
        ("pulse,g_ltp,g_ltd\n0,0,1\n1,1\n", r"row 2 \(line 3\): 2 values; expected 3"),
        (
            "pulse,g_ltp,g_ltd\n0,0,1\n\n# c\n1,0.5,0.5\n2,0.4,0\n",
            r"row 3 \(line 6\): g_ltp = 0.4 is not strictly above",
        ),
        ("pulse,g_ltp,g_ltd\n0,0,1\n1,0.5,1.5\n", r"row 2 \(line 3\): g_ltd = 1.5 is not strictly below"),
        ("pulse,g_ltp,g_ltd\n0,0,1\n0,0.5,0.5\n", r"row 2 \(line 3\): pulse = 0.0 is not strictly above"),
    ],
)
def test_csv_errors_name_file_and_row(tmp_path, text, match):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(ValueError, match=match) as e:
        load_lsb_table(f)
    assert "bad.csv" in str(e.value)


def test_missing_csv():
    with pytest.raises(FileNotFoundError):
        load_lsb_table("/nonexistent/table.csv")


def test_toml_lsb_table_is_relative_to_the_toml_file(tmp_path):
    (tmp_path / "tables").mkdir()
    write_exp_csv(tmp_path / "tables" / "pcm.csv", rows=11)
    toml = tmp_path / "run.toml"
    toml.write_text('net = "mlp"\n[device]\nlsb_table = "tables/pcm.csv"\nlsb_c2c_rel = 0.005\n')
    doc = load_toml(str(toml))
    dev = resolve_device("femfet-6b", doc["device"])
    assert dev.lsb_response == "table" and len(dev.lsb_table_ltp) == 11 and dev.lsb_c2c_rel == 0.005
    SynapseArray(3, 3, dev)
    toml.write_text('[device]\nlsb_table = "tables/pcm.csv"\nlsb_table_ltp = [0, 1]\n')
    with pytest.raises(ValueError, match="lsb_table and lsb_table_ltp"):
        load_toml(str(toml))
    toml.write_text('[device]\nlsb_table = "missing.csv"\n')
    with pytest.raises(FileNotFoundError):
        load_toml(str(toml))
