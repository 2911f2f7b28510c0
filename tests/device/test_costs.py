"""Cost model: formulas, cells, the claim table and the assumption list."""

from __future__ import annotations

import math

import pytest
from femsyn.device import costs

FEMFET = dict(
    name="femfet-6b",
    kind="hybrid",
    pulse_width_s=250e-12,
    pulse_current_a=6.67e-6,
    c_node_f=50e-15,
    v_dd_v=1.8,
    msb_write_time_s=100e-9,
    msb_write_voltage_v=1.8,
    endurance_cycles=1e10,
)
FEFET = dict(
    FEMFET,
    name="2t1fefet-6b",
    pulse_width_s=1e-9,
    endurance_cycles=1e8,
    msb_write_time_s=3e-6,
    msb_write_voltage_v=4.0,
)
PCM = dict(FEMFET, name="3t1c2pcm-6b", pulse_width_s=500e-12, endurance_cycles=1e8)


def test_charge_dv_energy():
    q = costs.charge_per_pulse(6.67e-6, 250e-12)
    assert q == pytest.approx(1.6675e-15)
    dv = costs.pulse_delta_v(6.67e-6, 250e-12, 50e-15)
    assert dv == pytest.approx(q / 50e-15)
    assert dv == pytest.approx(0.03335)  # the design doc's ~33 mV per pulse
    e = costs.pulse_energy(50e-15, 1.8, dv)
    assert e == pytest.approx(50e-15 * 1.8 * dv)
    assert e == pytest.approx(1.8 * q)  # C*V_DD*dV is the charge drawn from V_DD times V_DD
    with pytest.raises(ValueError, match="c_node_f"):
        costs.pulse_delta_v(1e-6, 1e-9, 0.0)


def test_leakage_is_sum_of_v_times_ioff():
    p = costs.leakage_power([(0.1, 0.9), (0.2, 1.8)], 1e-9)
    assert p == pytest.approx(1e-9 * (0.1 * 0.9 + 0.2 * 1.8))
    assert costs.leakage_power([], 1e-9) == 0.0


def test_area_formulas():
    assert costs.transistor_area_f2(3, 1, 2, 2.5) == pytest.approx(5 * 6)
    # 23 fF/um^2, 46 fF -> 2 um^2; F = 100 nm -> 0.01 um^2 per F^2 -> 200 F^2
    assert costs.cap_area_f2(46e-15, 23.0, 100.0) == pytest.approx(200.0)


def test_write_energies_and_endurance():
    assert costs.fe_write_energy(0.2, 1e-15, 0.0, 2.0) == pytest.approx(2 * 0.2 * 1e-15 * 2.0)
    assert costs.fe_write_energy(0.0, 1e-15, 1e-15, 2.0) == pytest.approx(4e-15)  # C V^2
    assert costs.pcm_write_energy(100e-6, 1.5, 100e-9, 5) == pytest.approx(5 * 100e-6 * 1.5 * 100e-9)
    assert costs.endurance_projection(1e10, 1e4) == pytest.approx(1e6)
    assert math.isinf(costs.endurance_projection(1e8, 0))


def test_cell_costs_use_device_values():
    cc = costs.cell_costs(FEMFET)
    assert cc is not None and cc.cell == "femfet"
    assert cc.pulse_width_s == 250e-12
    assert cc.pulse_energy_j == pytest.approx(1.8 * 6.67e-6 * 250e-12)
    assert cc.area_f2 == pytest.approx(cc.area_transistors_f2 + cc.area_cap_f2)
    assert cc.area_f2 == pytest.approx(sum(cc.breakdown.values()))
    assert cc.leakage_w > 0 and cc.msb_write_energy_j > 0
    assert cc.transistors >= 3
    # doubling the node capacitance halves dV but keeps the energy per pulse (= V_DD * I * t)
    big = costs.cell_costs(dict(FEMFET, c_node_f=100e-15))
    assert big.pulse_delta_v_v == pytest.approx(cc.pulse_delta_v_v / 2)
    assert big.pulse_energy_j == pytest.approx(cc.pulse_energy_j)
    assert big.area_cap_f2 == pytest.approx(2 * cc.area_cap_f2)
    # the leakage scales with V_DD
    lo = costs.cell_costs(dict(FEMFET, v_dd_v=0.9))
    assert lo.leakage_w == pytest.approx(cc.leakage_w / 2)
    pcm = costs.cell_costs(PCM)
    n_iter = costs.CELLS["3t1c2pcm"].extra["msb_write_iterations"].value
    i_prog = costs.CELLS["3t1c2pcm"].extra["pcm_prog_current_a"].value
    assert pcm.msb_write_energy_j == pytest.approx(n_iter * i_prog * 1.8 * 100e-9)


def test_ideal_and_float_have_no_cell():
    assert costs.cell_costs(dict(FEMFET, name="ideal-6b", kind="ideal")) is None
    assert costs.cell_kind("float") is None
    assert costs.cell_kind("2t1fefet-6b") == "2t1fefet"
    with pytest.raises(ValueError, match="known cells"):
        costs.cell_kind("rram-6b")


def test_claim_comparison_is_model_output():
    cs = {d["name"]: costs.cell_costs(d) for d in (FEMFET, FEFET, PCM)}
    cs["ideal-6b"] = None
    rows = {r["key"]: r for r in costs.claim_comparison(cs)}
    assert set(rows) == {"area", "leakage", "pulse", "endurance"}
    assert rows["pulse"]["vs"]["2t1fefet-6b"] == pytest.approx(1 - 250 / 1000)
    assert rows["pulse"]["vs"]["3t1c2pcm-6b"] == pytest.approx(1 - 250 / 500)
    assert rows["pulse"]["best"] == pytest.approx(0.75)
    assert rows["endurance"]["best"] == pytest.approx(100.0)
    a = cs["femfet-6b"].area_f2 / cs["2t1fefet-6b"].area_f2
    assert rows["area"]["vs"]["2t1fefet-6b"] == pytest.approx(1 - a)
    assert rows["area"]["claim"] == 0.26 and rows["leakage"]["claim"] == 0.448


def test_run_costs_counts_times_costs():
    cc = costs.cell_costs(FEMFET)
    summary = {
        "cells": 20,
        "counters": {
            "pulses": 1000,
            "msb_writes": 10,
            "transfers": 2,
            "latency_pulses": 50,
            "time_s": 0.5,
            "max_cell_writes": 4,
        },
        "layers": [
            {
                "name": "a",
                "rows": 2,
                "cols": 5,
                "counters": {"latency_pulses": 30, "transfers": 1, "time_s": 0.25},
            },
            {
                "name": "b",
                "rows": 5,
                "cols": 2,
                "counters": {"latency_pulses": 20, "transfers": 1, "time_s": 0.25},
            },
        ],
    }
    rc = costs.run_costs(cc, summary)
    assert rc.lsb_energy_j == pytest.approx(1000 * cc.pulse_energy_j)
    assert rc.msb_energy_j == pytest.approx(10 * cc.msb_write_energy_j)
    assert rc.update_energy_j == pytest.approx(rc.lsb_energy_j + rc.msb_energy_j)
    assert rc.lsb_latency_s == pytest.approx(50 * 250e-12)
    assert rc.msb_latency_s == pytest.approx((2 + 5) * 100e-9)
    assert rc.hold_energy_j == pytest.approx(20 * cc.leakage_w * 0.25)
    assert rc.runs_to_wearout == pytest.approx(1e10 / 4)
    assert rc.runs_to_wearout_1e8 == pytest.approx(1e8 / 4)


def test_assumptions_all_have_a_source():
    rows = costs.assumptions()
    assert rows and all(r["source"] for r in rows)
    assert any(r["source"] == "assumed" for r in rows)
    assert {"technology", "femfet", "2t1fefet", "3t1c2pcm"} <= {r["scope"] for r in rows}


def test_presets_feed_the_model():
    devices = pytest.importorskip("femsyn.device")
    for name in devices.presets():
        dev = devices.preset(name)
        cc = costs.cell_costs(dev)
        if dev.kind in ("ideal", "float"):
            assert cc is None
            continue
        assert cc.pulse_width_s == dev.pulse_width_s
        assert cc.endurance_cycles == dev.endurance_cycles
        assert cc.pulse_delta_v_v == pytest.approx(dev.pulse_delta_v)
        assert cc.pulse_energy_j == pytest.approx(dev.pulse_energy_j)
    assert costs.cell_costs("femfet-6b").cell == "femfet"


def test_overflow_writes_add_msb_latency():
    cc = costs.cell_costs(FEMFET)
    assert costs.overflow_writes({"msb_writes": 10, "overflow_writes": 3, "overflow_carries": 4}) == 3
    assert costs.overflow_writes({"msb_writes": 10, "overflow_carries": 4}) == 4
    assert costs.overflow_writes({"msb_writes": 10, "overflow_carries": 40}) == 10
    assert costs.overflow_writes({"msb_writes": 10, "transfers": 0}) == 10
    assert costs.overflow_writes({"msb_writes": 10, "transfers": 3}) == 0
    lay = {"latency_pulses": 0, "transfers": 1, "msb_writes": 7, "overflow_carries": 5, "time_s": 0}
    summary = {"counters": {}, "layers": [{"name": "a", "rows": 3, "cols": 2, "counters": lay}]}
    rc = costs.run_costs(cc, summary)
    assert rc.msb_latency_s == pytest.approx((3 + 5) * cc.msb_write_latency_s)


def test_counted_msb_store_is_charged_its_pulses():
    """A store that counts its program pulses (pcm, program-verify) is charged them, not the
    assumed iterations; open-loop levels keeps the assumption."""
    pcm = dict(PCM, msb_model="pcm", msb_write_time_s=1e-6, msb_write_voltage_v=3.0)
    cc = costs.cell_costs(pcm)
    assert cc.msb_counted
    i_prog = costs.CELLS["3t1c2pcm"].extra["pcm_prog_current_a"].value
    assert cc.msb_pulse_energy_j == pytest.approx(i_prog * 3.0 * 1e-6)
    lay = {"latency_pulses": 0, "transfers": 2, "msb_writes": 8, "msb_program_pulses": 200, "time_s": 0}
    summary = {
        "counters": {"msb_writes": 8, "msb_program_pulses": 200, "transfers": 2},
        "layers": [{"name": "a", "rows": 3, "cols": 4, "counters": lay}],
    }
    rc = costs.run_costs(cc, summary)
    assert rc.msb_energy_j == pytest.approx(200 * i_prog * 3.0 * 1e-6)
    # rows of a transfer in series, each write 200 / 8 = 25 pulses of 1 us
    assert rc.msb_latency_s == pytest.approx(2 * 3 * 25 * 1e-6)
    verify = costs.cell_costs(dict(FEMFET, msb_write_scheme="program-verify"))
    assert verify.msb_counted and not costs.cell_costs(FEMFET).msb_counted
    plain = costs.run_costs(costs.cell_costs(PCM), summary)
    n_iter = costs.CELLS["3t1c2pcm"].extra["msb_write_iterations"].value
    assert plain.msb_energy_j == pytest.approx(8 * n_iter * i_prog * 1.8 * 100e-9)
