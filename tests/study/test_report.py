"""Report builder on fabricated tiny run directories (no training needed)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from femsyn.study import report

DEVICES = {
    "ideal-6b": dict(name="ideal-6b", kind="ideal", msb_bits=6, lsb_bits=0),
    "femfet-6b": dict(
        name="femfet-6b",
        kind="hybrid",
        msb_bits=2,
        lsb_bits=4,
        carry_threshold=0.5,
        pulse_width_s=250e-12,
        pulse_current_a=6.67e-6,
        c_node_f=50e-15,
        v_dd_v=1.8,
        msb_write_time_s=100e-9,
        msb_write_voltage_v=1.8,
        endurance_cycles=1e10,
    ),
    "2t1fefet-6b": dict(
        name="2t1fefet-6b",
        kind="hybrid",
        msb_bits=2,
        lsb_bits=4,
        carry_threshold=0.5,
        pulse_width_s=1e-9,
        pulse_current_a=6.67e-6,
        c_node_f=50e-15,
        v_dd_v=1.8,
        msb_write_time_s=3e-6,
        msb_write_voltage_v=4.0,
        endurance_cycles=1e8,
    ),
}


def make_run(
    path: Path,
    design: str,
    seed: int,
    acc: float,
    *,
    complete: bool = True,
    epochs: int = 2,
    net: str = "lenet",
    dataset: str = "mnist",
) -> Path:
    """Write a minimal run directory in the contract's format."""
    path.mkdir(parents=True, exist_ok=True)
    dev = DEVICES[design]
    hybrid = dev["kind"] == "hybrid"
    rng = np.random.default_rng(seed)
    writes = {
        "conv1": rng.integers(0, 5, size=(6, 25)).astype(np.uint32) if hybrid else np.zeros((6, 25), np.uint32),
        "fc1": rng.integers(0, 9, size=(10, 20)).astype(np.uint32) if hybrid else np.zeros((10, 20), np.uint32),
    }
    max_w = int(max(a.max() for a in writes.values()))
    counters = {
        "pulses": 10_000,
        "clipped_pulses": 3,
        "msb_writes": int(sum(a.sum() for a in writes.values())),
        "lost_carries": 0,
        "worn_cells": 0,
        "transfers": 4,
        "updates": 100,
        "images": 6400,
        "time_s": 0.0064,
        "max_cell_writes": max_w,
        "latency_pulses": 300,
    }
    summary = {
        "femsyn_version": "0",
        "net": net,
        "dataset": dataset,
        "synapse": design,
        "seed": seed,
        "epochs": epochs,
        "batch_size": 64,
        "width": 1.0,
        "device": dev,
        "split": {"train": "mnist train[0:640]", "eval": "mnist test (100 images)"},
        "accuracy": {
            "train_weights": acc,
            "msb_only": acc - 0.01,
            "msb_retention": acc - 0.02,
            "retention_s": 1e4,
        },
        "retention_curve": [[1.0, acc - 0.01], [1e2, acc - 0.012], [1e4, acc - 0.02]],
        "history": [
            {
                "epoch": e + 1,
                "train_loss": 1.0 / (e + 1),
                "train_acc": acc - 0.1 / (e + 1),
                "eval_acc": acc - 0.05 / (e + 1),
                "eval_acc_msb": acc - 0.06 / (e + 1),
                "images_per_s": 1000.0,
                "wall_s": 1.0,
            }
            for e in range(epochs)
        ],
        "counters": counters,
        "layers": [
            {
                "name": "conv1",
                "rows": 6,
                "cols": 25,
                "w_max": 0.5,
                "counters": dict(counters, transfers=2, latency_pulses=150, time_s=0.0064),
            },
            {
                "name": "fc1",
                "rows": 10,
                "cols": 20,
                "w_max": 0.5,
                "counters": dict(counters, transfers=2, latency_pulses=150, time_s=0.0064),
            },
        ],
        "cells": 350,
        "images_per_s": 1000.0,
        "wall_s": 2.0,
        "complete": complete,
        "warnings": [
            f"epoch {e + 1}: fc1: {5.0 + 2 * e:.1f}% of carries were lost at the MSB rails" for e in range(epochs)
        ]
        if hybrid
        else [],
    }
    (path / "summary.json").write_text(json.dumps(summary))
    (path / "config.json").write_text(
        json.dumps({"net": net, "dataset": dataset, "synapse": design, "seed": seed, "epochs": epochs})
    )
    steps = np.arange(50)
    lsb = np.cumsum(rng.normal(size=(50, 8)), axis=0).astype(np.float32)
    np.savez(  # the keys femsyn.train writes
        path / "trace.npz",
        layer=np.array("fc1"),
        cells=np.arange(8),
        step=steps,
        lsb=lsb,
        transfer_steps=np.array([10, 20, 30, 40]),
        transfer_writes=np.array([3, 1, 2, 5]),
    )
    np.savez(path / "writes.npz", **writes)
    return path


@pytest.fixture
def runs(tmp_path: Path) -> dict[str, list[Path]]:
    out = {}
    for design, acc in (("ideal-6b", 0.95), ("femfet-6b", 0.94), ("2t1fefet-6b", 0.93)):
        out[design] = [make_run(tmp_path / "runs" / design / f"seed{s}", design, s, acc + 0.002 * s) for s in range(2)]
    return out


def test_build_report_writes_md_html_and_pngs(runs, tmp_path):
    html_path = report.build_report(runs, tmp_path / "rep")
    rep = tmp_path / "rep"
    assert html_path == rep / "report.html"
    for name in (
        "report.md",
        "report.html",
        "report.json",
        "acc_vs_epoch.png",
        "msb_writes_hist.png",
        "lsb_traces.png",
        "retention.png",
    ):
        assert (rep / name).is_file(), name
    md = (rep / "report.md").read_text()
    for png in ("acc_vs_epoch.png", "msb_writes_hist.png", "lsb_traces.png", "retention.png"):
        assert f"]({png})" in md
    # accuracy: mean +- std over the two seeds, the paper's figures, the gap to the ideal baseline
    assert "94.10 ± 0.14 %" in md
    assert "98.2 %" in md and "98.6 %" in md
    assert "-1.00 pp" in md and "-0.40 pp" in md
    # cost table, claims and assumptions
    assert "area (F²)" in md and "26 %" in md and "44.8 %" in md and "model: vs 2t1fefet-6b" in md
    assert "assumed" in md
    assert "75.0 % less" in md  # 250 ps vs 1 ns pulses
    # training diagnostics: one row per distinct warning, with the range of its figure
    assert "| femfet-6b | 4 | fc1: 5.0-7.0% of carries were lost at the MSB rails |" in md
    # endurance: runs to wear-out for femfet = 1e10 / max writes of the mean run
    data = json.loads((rep / "report.json").read_text())
    rc = data["run_costs"]["femfet-6b"][0]
    assert rc["runs_to_wearout"] == pytest.approx(1e10 / rc["max_cell_writes"])
    assert data["cell_costs"]["ideal-6b"] is None


def test_html_is_self_contained(runs, tmp_path):
    html = report.build_report(runs, tmp_path / "rep").read_text()
    imgs = re.findall(r'<img[^>]*src="([^"]+)"', html)
    assert len(imgs) == 4
    for src in imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http://" not in html and "https://" not in html
    assert "<table>" in html and "98.2 %" in html


def test_incomplete_runs_are_skipped_and_listed(runs, tmp_path):
    runs["femfet-6b"].append(make_run(tmp_path / "partial", "femfet-6b", 7, 0.5, complete=False))
    report.build_report(runs, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "run not complete" in md
    assert "94.10 ± 0.14 %" in md  # the partial run did not enter the mean


def test_no_finished_runs_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no finished runs"):
        report.build_report({"femfet-6b": [tmp_path / "missing"]}, tmp_path / "rep")


def test_fmt_si():
    assert report.fmt_si(250e-12, "s") == "250 ps"
    assert report.fmt_si(3e-6, "s") == "3 µs"
    assert report.fmt_si(0.0, "J") == "0 J"
    assert report.fmt_si(None, "J") == "—"


def test_claims_use_reference_presets_when_not_run(runs, tmp_path):
    pytest.importorskip("femsyn.device")
    subset = {d: runs[d][:1] for d in ("ideal-6b", "femfet-6b")}
    report.build_report(subset, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "model: vs 2t1fefet-6b (preset, not run)" in md
    assert "model: vs 3t1c2pcm-6b (preset, not run)" in md
    assert "| 1 | 95.00 % |" in md  # one seed: no spread is shown


def test_report_prints_reproducing_command_and_relative_run_dirs(tmp_path):
    out = tmp_path / "cmp"
    runs = {"femfet-6b": [make_run(out / "runs" / "femfet-6b" / "seed0", "femfet-6b", 0, 0.97)]}
    cmd = "femsyn compare --net lenet --designs femfet-6b --out cmp"
    report.build_report(runs, out, command=cmd)
    md = (out / "report.md").read_text()
    assert f"`{cmd}`" in md
    assert str(Path("runs") / "femfet-6b" / "seed0") in md and str(tmp_path) not in md
