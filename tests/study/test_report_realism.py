"""The report's realism section: a v2 preset beside its ``-linear`` variant."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from femsyn.study import report
from femsyn.study.report.realism import realism_terms

sys.path.insert(0, str(Path(__file__).parent))
from test_report import DEVICES, make_run  # noqa: E402

V2 = dict(DEVICES["femfet-6b"], lsb_response="exp", lsb_exp_a_up=6.311253, lsb_c2c_rel=0.005, carry_threshold=1.0)
LINEAR = dict(DEVICES["femfet-6b"], name="femfet-6b-linear", lsb_response="linear", lsb_exp_a_up=0.0, lsb_c2c_rel=0.0)


def test_realism_terms_name_exactly_the_fields_that_differ():
    terms = realism_terms(V2, LINEAR)
    assert terms == {
        "carry_threshold": (0.5, 1.0),
        "lsb_c2c_rel": (0.0, 0.005),
        "lsb_exp_a_up": (0.0, 6.311253),
        "lsb_response": ("linear", "exp"),
    }
    assert realism_terms(V2, V2) == {}
    # a field the older run's device lacks has its DeviceParams default (the run predates it)
    older = {k: v for k, v in LINEAR.items() if k != "lsb_c2c_rel"}
    assert realism_terms(dict(V2, msb_model="pcm"), older)["msb_model"] == ("levels", "pcm")
    assert realism_terms(V2, older)["lsb_c2c_rel"] == (0.0, 0.005)


@pytest.fixture
def paired(tmp_path, monkeypatch):
    monkeypatch.setitem(DEVICES, "femfet-6b", V2)
    monkeypatch.setitem(DEVICES, "femfet-6b-linear", LINEAR)
    runs = {}
    for design, acc in (("ideal-6b", 0.95), ("femfet-6b", 0.93), ("femfet-6b-linear", 0.945)):
        runs[design] = [make_run(tmp_path / "runs" / design / f"s{s}", design, s, acc) for s in range(2)]
    return runs


def test_report_prices_the_realism_of_each_paired_design(paired, tmp_path):
    report.build_report(paired, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert "## What the realism costs" in md
    row = next(line for line in md.splitlines() if line.startswith("| femfet-6b vs femfet-6b-linear"))
    assert "lsb_response: linear → exp" in row and "lsb_c2c_rel: 0 → 0.005" in row
    assert "-1.50 pp" in row  # 0.93 - 0.945, training weights and MSB-only alike
    realism = data["realism"]["femfet-6b"]
    assert realism["d_msb_only"] == pytest.approx(-0.015)
    assert realism["linear"] == "femfet-6b-linear"
    # no d2d term of the weight is set in these devices: the report says so
    assert "No device-to-device variation" in md and realism["no_d2d"] is True


def test_no_realism_section_without_a_linear_variant(paired, tmp_path):
    del paired["femfet-6b-linear"]
    report.build_report(paired, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "What the realism costs" not in md
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["realism"] == {}
