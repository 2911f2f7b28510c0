"""The bench harness's logic (accounting, fits, report, CLI plumbing) on tiny sizes.

No timing assertions: these run on loaded CI machines. The real measurements are
`femsyn bench` and `pytest benches/ --benchmark-only`.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from femsyn import bench
from femsyn.bench import machine as bench_machine

REPO = Path(__file__).resolve().parents[2]


def _core_available() -> bool:
    try:
        import femsyn._core  # noqa: F401
    except ImportError:
        return False
    return True


needs_core = pytest.mark.skipif(not _core_available(), reason="femsyn._core is not built")


# --- bytes per cell -------------------------------------------------------------------------------
def test_bytes_per_cell_follows_the_soa_layout() -> None:
    fb = bench.FIELD_BYTES
    # readout: msb (u16) + msb_offset + msb_error + lsb (f32) read, f32 weight written
    assert bench.bytes_per_cell("readout") == fb["msb"] + 3 * 4 + 4 == 18
    # update: dw + lsb + both step arrays read, lsb written
    assert bench.bytes_per_cell("update") == 4 + 4 + 4 + 4 + 4
    # the training step adds the cached leak factor
    assert bench.bytes_per_cell("step") == bench.bytes_per_cell("update") + fb["decay"]
    assert bench.bytes_per_cell("update", "float") == 12
    assert bench.bytes_per_cell("readout", "float") == 8
    assert bench.bytes_per_cell("readout", "ideal") == fb["msb"] + 4
    for k in bench.KERNELS:
        t = bench.KERNEL_TRAFFIC[k]
        assert set(t) == {"read", "write"}
        assert all(f in fb for f in t["read"] + t["write"])
        assert bench.bytes_per_cell(k) > 0


def test_bytes_per_cell_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="no byte accounting"):
        bench.bytes_per_cell("nope")
    with pytest.raises(ValueError):
        bench.bytes_per_cell("leak", "float")


# --- fits and timing ------------------------------------------------------------------------------
def test_fit_linear_recovers_slope_and_intercept() -> None:
    cells = [1e4, 1e5, 1e6, 1e7]
    secs = [5e-6 + 2e-9 * c for c in cells]
    f = bench.fit_linear(cells, secs)
    assert f["slope_ns_per_cell"] == pytest.approx(2.0, rel=1e-6)
    assert f["intercept_s"] == pytest.approx(5e-6, rel=1e-3)
    assert f["slope_cells_per_s"] == pytest.approx(5e8, rel=1e-6)
    assert f["r2"] == pytest.approx(1.0)
    assert f["loglog_exponent_largest"] == pytest.approx(1.0, abs=0.01)
    assert 0.5 < f["loglog_exponent"] < 1.0  # the intercept bends the small sizes


def test_fit_linear_pure_power_law() -> None:
    cells = np.array([1e3, 1e4, 1e5])
    f = bench.fit_linear(cells, 1e-9 * cells**1.5)
    assert f["loglog_exponent"] == pytest.approx(1.5, abs=1e-9)


def test_fit_linear_needs_two_points() -> None:
    with pytest.raises(ValueError):
        bench.fit_linear([1e4], [1e-3])
    with pytest.raises(ValueError):
        bench.fit_linear([1e4, 1e5], [1e-3])


def test_time_calls_counts_and_setup() -> None:
    calls = {"fn": 0, "setup": 0}

    def fn() -> None:
        calls["fn"] += 1

    def setup() -> None:
        calls["setup"] += 1

    t = bench.time_calls(fn, min_time=0.0, min_samples=3)
    assert t["samples"] >= 3 and t["median_s"] > 0 and t["best_s"] <= t["median_s"]
    calls["fn"] = 0
    t = bench.time_calls(fn, setup=setup, min_time=0.0, min_samples=4, max_samples=4)
    assert t["samples"] == 4 and t["calls_per_sample"] == 1
    assert calls["setup"] == 4 and calls["fn"] == 5  # + warm-up


# --- machine --------------------------------------------------------------------------------------
def test_machine_measurements_small() -> None:
    bw = bench_machine.measure_bandwidth(nbytes=2**20, repeats=2, threads=2)
    assert bw["gbps"] > 0 and bw["gbps"] >= bw["gbps_1thread"] and "gbps_2threads" in bw
    g = bench_machine.measure_gemm(n=64, repeats=2)
    assert g["gflops"] > 0 and g["n"] == 64
    info = bench_machine.blas_info()
    assert info["numpy"] == np.__version__ and "name" in info and "threads" in info
    th = bench_machine.thread_info()
    assert th["cpu_count"] >= 1 and th["femsyn_threads"] >= 1


# --- report ---------------------------------------------------------------------------------------
def _fake_result() -> dict:
    kernels = []
    for k in bench.KERNELS:
        for n in (1000, 10000):
            kernels.append(
                {
                    "kernel": k,
                    "cells": n,
                    "seconds": 1e-6 * n,
                    "cells_per_s": 1e6,
                    "bytes_per_cell": bench.bytes_per_cell(k),
                    "gbps": 1e6 * bench.bytes_per_cell(k) / 1e9,
                    "bandwidth_fraction": 0.5,
                }
            )
    fits = {k: bench.fit_linear([1000, 10000], [1e-3, 1e-2]) for k in bench.KERNELS}
    training = {
        "reference": "float",
        "results": [
            {
                "net": "lenet",
                "preset": p,
                "batch_size": 64,
                "rounds": 2,
                "cells": 61706,
                "images_per_s": ips,
                "images_per_s_best": ips,
                "step_ms": 64e3 / ips,
                **({"ratio_to_float": ips / 5000, "step_time_vs_float": 5000 / ips} if p != "float" else {}),
            }
            for p, ips in (("float", 5000.0), ("femfet-6b", 4600.0))
        ],
    }
    return {
        "env": {"femsyn": "0", "blas": {"name": "openblas", "threads": 2}, "threads": {}},
        "machine": {
            "bandwidth": {"gbps": 20.0, "gbps_1thread": 18.0},
            "gemm": {"gflops": 100.0, "n": 512, "blas_threads": 2},
        },
        "kernels": {"preset": "femfet-6b", "results": kernels, "fits": fits},
        "training": training,
        "memory": {"preset": "femfet-6b", "how": "x", "peak_rss_mib": 300.0},
        "wall_s": 1.0,
    }


def test_format_report_has_every_section() -> None:
    text = bench.format_report(_fake_result())
    for needle in ("memory bandwidth", "GEMM", "Gcells/s", "ns/cell", "lenet", "femfet-6b", "0.920",
                   "peak memory", "openblas"):  # fmt: skip
        assert needle in text, needle


def test_check_targets_on_fake_result() -> None:
    r = _fake_result()
    for k, rate, frac in (("update", 4e8, None), ("readout", 1e9, 0.6)):
        bpc = bench.bytes_per_cell(k)
        r["kernels"]["results"].append(
            {"kernel": k, "cells": 1_000_000, "seconds": 1e6 / rate, "cells_per_s": rate,
             "bytes_per_cell": bpc, "gbps": rate * bpc / 1e9, "bandwidth_fraction": frac}
        )  # fmt: skip
    checks = {c["target"]: c for c in bench.check_targets(r)}
    assert checks["device_overhead"]["value"] == pytest.approx(5000 / 4600)
    assert checks["device_overhead"]["met"] is True
    assert checks["update_rate"]["met"] is False and checks["update_rate"]["value"] == 4e8
    assert checks["readout_bandwidth"]["met"] is True
    assert checks["peak_memory"]["met"] is True
    assert "mlp_ratio" not in checks  # no MLP rows in the fake result
    r["targets"] = list(checks.values())
    assert "MISSED" in bench.format_report(r)


# --- real kernels and CLI (need the native module) ------------------------------------------------
@needs_core
@pytest.mark.parametrize("kernel", bench.KERNELS)
def test_bench_kernel_tiny(kernel: str) -> None:
    r = bench.bench_kernel(kernel, 2000, min_time=0.0)
    assert r["cells"] == 2000 and r["shape"] == [2, 1000]
    assert r["seconds"] > 0 and r["cells_per_s"] > 0
    assert r["bytes_per_cell"] == bench.bytes_per_cell(kernel)
    assert r["gbps"] == pytest.approx(r["cells_per_s"] * r["bytes_per_cell"] / 1e9)


@needs_core
def test_cli_quick_json_smoke(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from femsyn.cli.bench import command

    out = tmp_path / "bench.json"
    args = ["--quick", "--json", "--out", str(out), "--sizes", "1e3,4e3",
            "--kernels", "update,readout", "--nets", "mlp", "--presets", "float,femfet-6b",
            "--rounds", "1", "--steps", "1", "--no-memory", "--no-machine",
            "--threads", "1"]  # fmt: skip
    res = CliRunner().invoke(command, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data == json.loads(out.read_text())
    assert {r["kernel"] for r in data["kernels"]["results"]} == {"update", "readout"}
    assert set(data["kernels"]["fits"]) == {"update", "readout"}
    rows = data["training"]["results"]
    assert [r["preset"] for r in rows] == ["float", "femfet-6b"]
    assert "ratio_to_float" in rows[1] and math.isfinite(rows[1]["ratio_to_float"])
    assert data["env"]["threads"]["femsyn_threads"] == 1
    assert data["env"]["blas"]["name"]


@needs_core
def test_cli_text_and_bad_names() -> None:
    from click.testing import CliRunner
    from femsyn.cli.bench import command

    res = CliRunner().invoke(command, ["--quick", "--sizes", "1e3,2e3", "--kernels", "readout",
                                       "--nets", "none", "--no-machine"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "readout" in res.stdout and "ns/cell" in res.stdout
    res = CliRunner().invoke(command, ["--kernels", "bogus"])
    assert res.exit_code != 0 and "valid:" in res.output
    res = CliRunner().invoke(command, ["--nets", "resnet"])
    assert res.exit_code != 0 and "lenet" in res.output


@needs_core
def test_peak_memory_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    from femsyn.bench.memory import peak_memory

    monkeypatch.setenv("FEMSYN_DATA", "")  # random data: no dataset needed
    m = peak_memory(steps=1, timeout=120)
    assert "error" not in m, m
    assert m["peak_rss_mib"] > 10 and m["how"].startswith("random data")


# --- peers script ---------------------------------------------------------------------------------
def _peers():
    spec = importlib.util.spec_from_file_location("femsyn_bench_peers", REPO / "benches" / "peers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_peers_report_and_arguments() -> None:
    peers = _peers()
    res = [
        {
            "net": "lenet",
            "threads": t,
            "images_per_s": {"femsyn-femfet": 6000.0 * t, "torch-float": 5000.0 * t},
            "images_per_cpu_s": {"femsyn-femfet": 5900.0, "torch-float": 4000.0},
            "roofline_fraction": {"femsyn-femfet": 0.2, "torch-float": 0.15},
            "roofline_gflops": 100.0 * t,
            "step_gflop": 0.145,
            "ratios": {"femsyn-femfet": {"torch-float": 1.2}},
            "versions": {"torch": "2.10"},
            "femsyn_gemm": "cblas",
            "blas": {"OPENBLAS_CORETYPE": "Haswell", "auto_kernels": ["SkylakeX"],
                     "libraries": [{"internal_api": "openblas", "architecture": "Haswell"}]},
            "missing": {"aihwkit-transfer": "ImportError: No module named 'aihwkit'"},
            "load_avg": [0.1, 0.2, 0.3],
        }
        for t in (1, 2)
    ]  # fmt: skip
    text = peers.report(res)
    assert "torch-float" in text and "1.20" in text and "missing at 1 threads: aihwkit-transfer" in text
    assert "20%" in text and "WARNING: OPENBLAS_CORETYPE=Haswell" in text
    with pytest.raises(SystemExit):
        peers.main(["--peers", "bogus"])
    with pytest.raises(SystemExit):
        peers.main(["--nets", "resnet"])
    # bias-free torch nets built from femsyn's layer lists, and the step's GEMM work
    assert peers.step_flops("lenet") == pytest.approx(
        2 * 64 * (784 * 6 * 25 * 2 + 100 * 16 * 150 * 3 + 3 * (48000 + 10080 + 840))
    )


def test_training_like_workload_is_mostly_small() -> None:
    from femsyn.bench.workload import training_dw

    a, b, stats = training_dw((30, 1000), 0.01)
    assert a.shape == b.shape == (30, 1000) and a.dtype == np.float32 and not np.array_equal(a, b)
    assert 0 < stats["cells_ge_half_pulse"] < 0.5  # real training asks for far fewer pulses than the stress test
