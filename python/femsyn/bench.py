"""Speed of femsyn on this machine: synapse kernels, training steps, and the machine's limits.

`femsyn bench` (and :func:`run`) measures, in one run:

* the machine: memory bandwidth (large numpy copy, read+write bytes) and float32 GEMM rate,
  which BLAS numpy uses and how many threads femsyn and BLAS run;
* each O(cells) kernel of :class:`femsyn.SynapseArray` (update with stochastic rounding and
  cycle-to-cycle noise, leak, transfer, readout) at several array sizes, as cells/s and GB/s
  beside the bandwidth, with a linear fit ``time = intercept + slope * cells``;
* training steps of LeNet / MLP / VGG for several synapse presets, interleaved in rounds so the
  ratios (femfet-6b / float) are measured side by side, and the peak memory of a LeNet training.

Bytes per cell are counted from the struct-of-arrays layout of the Rust core (see
:data:`FIELD_BYTES` and :data:`KERNEL_TRAFFIC`): the bytes a kernel must read and write for every
cell on its common path, so ``GB/s = cells/s * bytes_per_cell``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import bench_machine

__all__ = [
    "FIELD_BYTES",
    "KERNELS",
    "KERNEL_TRAFFIC",
    "bench_kernel",
    "bytes_per_cell",
    "fit_linear",
    "format_report",
    "run",
    "time_calls",
]

# --- bytes per cell, from the struct-of-arrays layout of rust/src/array.rs ---------------------
#: Size in bytes of each per-cell field the kernels touch. `dw` is the caller's f32 update matrix,
#: `out` the f32 matrix a readout returns; the rest is array state, one Vec per field
#: (rust/src/array.rs ``SynapseArray``: w, msb, lsb, msb_error, msb_writes, step_up, step_down,
#: leak_rate, msb_offset, and ``decay``, the cached per-cell leak factor exp(-dt * rate)).
FIELD_BYTES: dict[str, int] = {
    "dw": 4,  # f32 requested weight change (input of update / step)
    "out": 4,  # f32 weights returned by a readout
    "w": 4,  # f32 weight of a float array
    "msb": 2,  # u16 level index (ideal and hybrid)
    "lsb": 4,  # f32 LSB charge, pulse units
    "msb_error": 4,  # f32 programming error of the current MSB level
    "msb_offset": 4,  # f32 static (d2d) MSB level offset
    "msb_writes": 4,  # u32 endurance counter
    "step_up": 4,  # f32 static (d2d, asymmetry) LSB step, up
    "step_down": 4,  # f32 static LSB step, down
    "leak_rate": 4,  # f32 static 1/tau of the LSB leak
    "decay": 4,  # f32 cached leak factor for the pending time step
}

#: Fields each kernel reads and writes for every cell of a hybrid array on its common path
#: (no carry: an MSB write also touches msb, msb_error and msb_writes, but for few cells).
#: The benchmarked call of each kernel is described in :func:`bench_kernel`.
KERNEL_TRAFFIC: dict[str, dict[str, tuple[str, ...]]] = {
    # lsb += sign * step_{up|down} * n * (1 + c2c noise); n from stochastic rounding of dw / D_L;
    # clip; overflow check. Pulses go either way, so both step arrays are streamed.
    "update": {"read": ("dw", "lsb", "step_up", "step_down"), "write": ("lsb",)},
    # the same call on the training-like workload (femsyn.bench_workload: most cells 0 pulses)
    "update-train": {"read": ("dw", "lsb", "step_up", "step_down"), "write": ("lsb",)},
    # the training step: advance(images * t_image) + the update above with the pending leak
    # fused in (lsb *= decay); decay is cached while dt stays the same.
    "step": {"read": ("dw", "lsb", "decay", "step_up", "step_down"), "write": ("lsb",)},
    # leak alone: advance(dt) + update with dw = 0 (no pulses): lsb *= decay for every cell.
    "leak": {"read": ("dw", "lsb", "decay"), "write": ("lsb",)},
    # carry = round(lsb / N_L) for every cell; residual written back.
    "transfer": {"read": ("lsb", "msb"), "write": ("lsb",)},
    # w = level(msb) + msb_offset + msb_error + D_L * lsb.
    "readout": {"read": ("msb", "msb_offset", "msb_error", "lsb"), "write": ("out",)},
}

#: Same accounting for the float and ideal kinds (their arrays hold one weight / level per cell).
KERNEL_TRAFFIC_SIMPLE: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "float": {
        "update": {"read": ("dw", "w"), "write": ("w",)},
        "step": {"read": ("dw", "w"), "write": ("w",)},
        "readout": {"read": ("w",), "write": ("out",)},
    },
    "ideal": {
        "update": {"read": ("dw", "msb"), "write": ("msb",)},
        "step": {"read": ("dw", "msb"), "write": ("msb",)},
        "readout": {"read": ("msb",), "write": ("out",)},
    },
}


def bytes_per_cell(kernel: str, kind: str = "hybrid") -> int:
    """Bytes read + written per cell by `kernel` on an array of device `kind`."""
    table = KERNEL_TRAFFIC if kind == "hybrid" else KERNEL_TRAFFIC_SIMPLE.get(kind, {})
    if kernel not in table:
        raise ValueError(f"no byte accounting for kernel {kernel!r} on kind {kind!r}")
    t = table[kernel]
    return sum(FIELD_BYTES[f] for f in t["read"]) + sum(FIELD_BYTES[f] for f in t["write"])


# --- statistics ---------------------------------------------------------------------------------
def fit_linear(cells: Sequence[float], seconds: Sequence[float]) -> dict[str, float]:
    """Least-squares fit ``seconds = intercept + slope * cells`` and the log-log exponent.

    A kernel whose cost is linear in the number of cells has ``exponent`` close to 1 over the
    sizes where the fixed call overhead (``intercept``) is negligible.
    """
    x = np.asarray(cells, dtype=np.float64)
    y = np.asarray(seconds, dtype=np.float64)
    if x.size < 2 or x.size != y.size:
        raise ValueError("fit_linear needs at least two (cells, seconds) points of equal length")
    a = np.vstack([np.ones_like(x), x]).T
    (intercept, slope), *_ = np.linalg.lstsq(a, y, rcond=None)
    pred = intercept + slope * x
    ss_res = float(np.sum((y - pred) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    ok = (x > 0) & (y > 0)
    exponent = float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0]) if ok.sum() >= 2 else math.nan
    # exponent over the two largest sizes: the asymptotic behaviour, free of call overhead
    order = np.argsort(x)
    xl, yl = x[order][-2:], y[order][-2:]
    tail = (
        float(np.log(yl[1] / yl[0]) / np.log(xl[1] / xl[0])) if xl[1] > xl[0] and yl[0] > 0 and yl[1] > 0 else math.nan
    )
    return {
        "slope_s_per_cell": float(slope),
        "slope_ns_per_cell": float(slope) * 1e9,
        "slope_cells_per_s": 1.0 / float(slope) if slope > 0 else math.inf,
        "intercept_s": float(intercept),
        "r2": r2,
        "loglog_exponent": exponent,
        "loglog_exponent_largest": tail,
    }


def time_calls(
    fn: Callable[[], Any],
    *,
    setup: Callable[[], Any] | None = None,
    min_time: float = 0.2,
    min_samples: int = 3,
    max_samples: int = 200,
    sample_time: float = 2e-3,
) -> dict[str, float]:
    """Time `fn()`: median and best seconds per call over samples.

    Without `setup`, each sample runs `fn` enough times to last about `sample_time` (so a 10 us
    call is not dominated by the timer); with `setup`, each call is preceded by an untimed
    `setup()` and timed alone.
    """
    fn()  # warm-up: allocations, page faults, thread pool start
    inner = 1
    if setup is None:
        t0 = time.perf_counter()
        fn()
        one = max(time.perf_counter() - t0, 1e-9)
        inner = max(1, int(sample_time / one))
    samples: list[float] = []
    start = time.perf_counter()
    while len(samples) < max_samples and (len(samples) < min_samples or time.perf_counter() - start < min_time):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return {
        "median_s": statistics.median(samples),
        "best_s": min(samples),
        "samples": len(samples),
        "calls_per_sample": inner,
    }


# --- synapse kernels ----------------------------------------------------------------------------
#: Kernel names in report order.
KERNELS: tuple[str, ...] = ("update", "update-train", "step", "leak", "transfer", "readout")

DEFAULT_SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000, 10_000_000)
QUICK_SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000)


def _shape(cells: int) -> tuple[int, int]:
    cols = 1000 if cells >= 1000 else cells
    return max(cells // cols, 1), cols


def kernel_device(preset: str = "femfet-6b") -> Any:
    """The device a kernel bench uses: `preset`, with c2c noise switched on if it has none.

    The update kernel is measured with stochastic rounding and cycle-to-cycle noise (the costly
    path), so a preset without c2c noise gets ``step_c2c_rel = 0.05``.
    """
    import femsyn

    dev = femsyn.preset(preset)
    if getattr(dev, "kind", "hybrid") == "hybrid" and getattr(dev, "step_c2c_rel", 0.0) == 0.0:
        dev = dataclasses.replace(dev, step_c2c_rel=0.05)
    return dev


def _lsb_step(dev: Any, w_max: float) -> float:
    kind = getattr(dev, "kind", "hybrid")
    if kind == "float":
        return 1e-3 * w_max
    if kind == "ideal":
        return 2.0 * w_max / 2 ** int(dev.msb_bits)
    return 2.0 * w_max / 2 ** int(dev.msb_bits) / 2 ** int(dev.lsb_bits)


def bench_kernel(
    kernel: str,
    cells: int,
    *,
    preset: str = "femfet-6b",
    min_time: float = 0.2,
    seed: int = 0,
) -> dict[str, Any]:
    """Seconds per call, cells/s and GB/s of one SynapseArray kernel on an array of `cells`.

    * ``update``: ``update(dw)`` with dw ~ N(0, (D_L / 2)^2), alternating sign so the state
      stays bounded: about 40 % of the cells get a pulse (0 or 1 by stochastic rounding, then
      c2c noise) per call: the stress workload;
    * ``update-train``: ``update(dw)`` with dw recorded from a real LeNet training
      (:mod:`femsyn.bench_workload`), on the preset as it is (no forced c2c noise);
    * ``step``: ``step(dw, images=64)``: advance 64 images of simulated time, update with the
      leak fused in, and the periodic transfer every ``transfer_every_images`` (amortized);
    * ``leak``: ``advance(dt)`` + ``update(0)``: the pending leak applied to every cell;
    * ``transfer``: ``transfer()`` on all cells, after an untimed update that leaves LSB charge
      to carry;
    * ``readout``: ``weights()``, the training weights MSB + offset + error + LSB (into a
      preallocated array when the core accepts ``weights(out=...)``; a fresh 40 MB result
      costs page faults that can exceed the kernel itself).
    """
    import femsyn

    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; valid: {', '.join(KERNELS)}")
    dev = kernel_device(preset)
    kind = getattr(dev, "kind", "hybrid")
    rows, cols = _shape(cells)
    n = rows * cols
    w_max = 1.0
    arr = femsyn.SynapseArray(rows, cols, dev, seed=seed, w_max=w_max)
    rng = np.random.default_rng(seed)
    w0 = rng.uniform(-0.8 * w_max, 0.8 * w_max, size=(rows, cols)).astype(np.float32)
    arr.program(w0)
    step = _lsb_step(dev, w_max)
    dw_pos = (rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(0.5 * step)).astype(np.float32)
    dw_neg = -dw_pos
    flip = [False]

    def update() -> None:
        flip[0] = not flip[0]
        arr.update(dw_pos if flip[0] else dw_neg)

    if kernel == "update":
        timing = time_calls(update, min_time=min_time)
    elif kernel == "update-train":
        from femsyn.bench_workload import training_dw

        arr = femsyn.SynapseArray(rows, cols, femsyn.preset(preset), seed=seed, w_max=w_max)
        arr.program(w0)
        dw_a, dw_b, workload = training_dw((rows, cols), arr.lsb_step)
        pair = [dw_a, dw_b]

        def update_train() -> None:
            flip[0] = not flip[0]
            arr.update(pair[flip[0]])

        timing = time_calls(update_train, min_time=min_time)
    elif kernel == "step":

        def train_step() -> None:
            flip[0] = not flip[0]
            arr.step(dw_pos if flip[0] else dw_neg, 64)

        timing = time_calls(train_step, min_time=min_time)
    elif kernel == "leak":
        zeros = np.zeros((rows, cols), dtype=np.float32)
        update()  # some LSB charge to leak

        def leak() -> None:
            arr.advance(64e-6)
            arr.update(zeros)

        timing = time_calls(leak, min_time=min_time)
    elif kernel == "transfer":
        big = (dw_pos * np.float32(8.0)).astype(np.float32)

        def charge() -> None:
            arr.update(big)
            np.negative(big, out=big)

        timing = time_calls(arr.transfer, setup=charge, min_time=min_time)
    else:
        readout = arr.weights
        buf = np.empty((rows, cols), dtype=np.float32)
        try:  # into a preallocated buffer when the core offers it: no page faults of a fresh array
            arr.weights(out=buf)
            readout = lambda: arr.weights(out=buf)  # noqa: E731
            api = "weights(out=buf)"
        except TypeError:
            api = "weights()"
        timing = time_calls(readout, min_time=min_time)
    sec = timing["median_s"]
    try:
        bpc = bytes_per_cell(kernel, kind)
    except ValueError:
        bpc = None
    out: dict[str, Any] = {
        "kernel": kernel,
        "preset": preset,
        "kind": kind,
        "cells": n,
        "shape": [rows, cols],
        "seconds": sec,
        "seconds_best": timing["best_s"],
        "samples": timing["samples"],
        "cells_per_s": n / sec,
        "bytes_per_cell": bpc,
        "gbps": n * bpc / sec / 1e9 if bpc else None,
    }
    if kernel == "readout":
        out["call"] = api
    if kernel == "update-train":
        out["workload"] = workload
    llc = _l3_bytes()
    if llc and bpc:
        # arrays that fit in the last-level cache can beat the DRAM bandwidth: never judged
        out["in_cache"] = n * bpc <= llc
    return out


def _l3_bytes() -> int | None:
    """Last-level cache size in bytes (Linux sysfs), or None."""
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index3/size") as f:
            v = f.read().strip().upper()
    except OSError:
        return None
    mult = {"K": 2**10, "M": 2**20, "G": 2**30}.get(v[-1:], 1)
    try:
        return int(v.rstrip("KMG")) * mult
    except ValueError:
        return None


def bench_kernels(
    sizes: Sequence[int] = DEFAULT_SIZES,
    kernels: Sequence[str] = KERNELS,
    *,
    preset: str = "femfet-6b",
    min_time: float = 0.2,
    bandwidth_gbps: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every kernel at every size, with the linear fit per kernel."""
    rows: list[dict[str, Any]] = []
    for cells in sizes:
        for k in kernels:
            if progress:
                progress(f"kernel {k} at {cells:.0e} cells")
            r = bench_kernel(k, int(cells), preset=preset, min_time=min_time)
            if bandwidth_gbps and r["gbps"]:
                r["bandwidth_fraction"] = r["gbps"] / bandwidth_gbps
            rows.append(r)
    fits = {}
    for k in kernels:
        pts = [(r["cells"], r["seconds"]) for r in rows if r["kernel"] == k]
        if len(pts) >= 2:
            fits[k] = fit_linear([p[0] for p in pts], [p[1] for p in pts])
    return {"preset": preset, "results": rows, "fits": fits}


# --- the whole run --------------------------------------------------------------------------------
def run(
    *,
    quick: bool = False,
    sizes: Sequence[int] | None = None,
    kernels: Sequence[str] | None = KERNELS,
    nets: Sequence[str] | None = None,
    presets: Sequence[str] | None = None,
    rounds: int | None = None,
    steps: int | None = None,
    batch_size: int = 64,
    threads: int | None = None,
    memory: bool | None = None,
    machine: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure the machine, the kernels and training speed; return a JSON-ready dict.

    `quick` uses smaller sizes and fewer rounds (under 30 s); every part can be narrowed by its
    argument (an empty `kernels` / `nets` skips that part).
    """
    from . import bench_train

    t_start = time.perf_counter()
    result: dict[str, Any] = {"quick": quick}
    if threads is not None:
        result["set_threads"] = bench_machine.set_threads(threads)
    result["env"] = environment()
    if machine:
        if progress:
            progress("machine: memory bandwidth, GEMM")
        result["machine"] = {
            "bandwidth": bench_machine.measure_bandwidth(
                nbytes=(64 if quick else 256) * 2**20, repeats=3 if quick else 5
            ),
            "gemm": bench_machine.measure_gemm(n=512 if quick else 1024, repeats=3 if quick else 5),
        }
    bw = result.get("machine", {}).get("bandwidth", {}).get("gbps")
    if kernels:
        result["kernels"] = bench_kernels(
            sizes or (QUICK_SIZES if quick else DEFAULT_SIZES),
            kernels,
            min_time=0.05 if quick else 0.3,
            bandwidth_gbps=bw,
            progress=progress,
        )
    if nets is None:
        nets = bench_train.QUICK_NETS if quick else bench_train.DEFAULT_NETS
    if nets:
        result["training"] = bench_train.bench_training(
            nets,
            presets or None,
            rounds=rounds or (2 if quick else 5),
            steps=steps or (5 if quick else 20),
            batch_size=batch_size,
            blas_threads=threads,
            progress=progress,
        )
    if memory is None:
        memory = not quick
    if memory:
        if progress:
            progress("peak memory of a LeNet training (subprocess: one epoch of femsyn.train)")
        result["memory"] = bench_train.peak_memory(steps=20 if quick else None)
    result["targets"] = check_targets(result)
    result["load_avg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    result["wall_s"] = time.perf_counter() - t_start
    return result


#: The speed targets of femsyn (issues 5 and 12), checked by :func:`check_targets`. The ratios to
#: torch and the GEMM roofline are measured by ``benches/peers.py`` (torch is no dependency).
TARGETS: dict[str, str] = {
    "device_overhead": "femfet-6b LeNet step time <= 1.10x the float step of the same loop",
    "device_share": "device model <= 10% of a femfet LeNet and VGG step (1 - t(nodevice) / t(femfet))",
    "mlp_ratio": "MLP 784-256-128-10 femfet-6b images/s >= 0.85x float",
    "update_rate": "update kernel, stress workload (c2c noise on) >= 0.5e9 cells/s at >= 1e6 cells",
    "update_train_rate": "update kernel, training-like workload >= 1e9 cells/s at 1e7 cells on 1 thread",
    "readout_bandwidth": "readout >= 50% of the measured memory bandwidth, arrays larger than the L3 cache",
    "linear_cost": "kernel cost linear in cells (log-log exponent between the 2 largest sizes >= 1e6: 1 +- 0.15)",
    "peak_memory": "peak memory of a LeNet training <= 1 GiB",
}


def check_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target the run has data for: measured value, limit, and whether it is met.

    A target measured outside its conditions (kernel arrays inside the last-level cache, the
    1-thread target at more threads) gets ``met`` None and a ``note`` saying why: it is
    reported, never called met.
    """
    checks: list[dict[str, Any]] = []

    def add(name: str, value: float, limit: float, ok: bool | None, unit: str = "", note: str = "") -> None:
        checks.append(
            {"target": name, "what": TARGETS[name], "value": value, "limit": limit, "unit": unit,
             "met": None if ok is None else bool(ok), "note": note}
        )  # fmt: skip

    rows = result.get("training", {}).get("results", [])
    for r in rows:
        if r["preset"] == "femfet-6b" and r["net"] == "lenet" and "step_time_vs_float" in r:
            v = r["step_time_vs_float"]
            add("device_overhead", v, 1.10, v <= 1.10, "x")
        if r["preset"] == "femfet-6b" and r["net"] == "mlp" and "ratio_to_float" in r:
            v = r["ratio_to_float"]
            add("mlp_ratio", v, 0.85, v >= 0.85, "x")
    shares = [(r["net"], r["device_share"]) for r in rows if r["preset"].startswith("femfet") and "device_share" in r]
    shares = [(n, v) for n, v in shares if n == "lenet" or n.startswith("vgg")]
    if shares:
        net, worst = max(shares, key=lambda t: t[1])
        add("device_share", worst, 0.10, worst <= 0.10, "share", f"worst: {net}")
    _kernel_targets(result, add)
    mem = result.get("memory", {})
    if "peak_rss_mib" in mem:
        add("peak_memory", mem["peak_rss_mib"], 1024.0, mem["peak_rss_mib"] <= 1024.0, "MiB")
    return checks


def _kernel_targets(result: dict[str, Any], add: Callable[..., None]) -> None:
    k = result.get("kernels", {})
    big = [r for r in k.get("results", []) if r["cells"] >= 1_000_000]
    upd = [r["cells_per_s"] for r in big if r["kernel"] == "update"]
    if upd:
        add("update_rate", min(upd), 0.5e9, min(upd) >= 0.5e9, "cells/s")
    train = [r for r in big if r["kernel"] == "update-train"]
    if train:
        r = max(train, key=lambda r: r["cells"])
        threads = (result.get("env", {}).get("threads") or {}).get("femsyn_threads")
        ok: bool | None = r["cells_per_s"] >= 1e9
        note = f"{r['cells']:.0e} cells, {threads} thread(s)"
        if r["cells"] < 10_000_000 or threads != 1:
            ok, note = None, note + ": judged at 1e7 cells on 1 thread (--threads 1 --sizes 1e7)"
        add("update_train_rate", r["cells_per_s"], 1e9, ok, "cells/s", note)
    rd = [r for r in big if r["kernel"] == "readout" and r.get("bandwidth_fraction") is not None]
    if rd:
        out_of_cache = [r["bandwidth_fraction"] for r in rd if not r.get("in_cache")]
        if out_of_cache:
            add("readout_bandwidth", min(out_of_cache), 0.5, min(out_of_cache) >= 0.5, "of bandwidth")
        else:
            v = min(r["bandwidth_fraction"] for r in rd)
            add("readout_bandwidth", v, 0.5, None, "of bandwidth", "arrays fit in the L3 cache: not judged")
    fits = k.get("fits", {})
    ex = [f["loglog_exponent_largest"] for f in fits.values()]
    ex = [x for x in ex if math.isfinite(x)]
    sizes = sorted({r["cells"] for r in k.get("results", [])})
    # judged between the two largest sizes, both >= 1e6 cells (smaller arrays sit in the caches)
    if ex and len(sizes) >= 2 and sizes[-2] >= 1_000_000:
        worst = max(ex, key=lambda x: abs(x - 1.0))
        add("linear_cost", worst, 1.0, abs(worst - 1.0) <= 0.15, "exponent")


def environment() -> dict[str, Any]:
    """Versions, BLAS, threads and CPU: what a reader needs to compare two bench runs."""
    try:
        import femsyn

        version = femsyn.__version__
    except Exception:  # pragma: no cover
        version = "unknown"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    llc = None
    try:  # last-level cache: a kernel whose arrays fit in it can beat the DRAM bandwidth
        with open("/sys/devices/system/cpu/cpu0/cache/index3/size") as f:
            llc = f.read().strip()
    except OSError:
        pass
    return {
        "femsyn": version,
        "python": sys.version.split()[0],
        "l3_cache": llc,
        "platform": platform.platform(),
        "cpu": cpu,
        "blas": bench_machine.blas_info(),
        "threads": bench_machine.thread_info(),
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# --- report ----------------------------------------------------------------------------------
def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> str:
    """Plain aligned text table; columns in `left` are left-aligned, the rest right-aligned."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _fmt(x: Any, spec: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return format(x, spec)


def _busy_warning(result: dict[str, Any]) -> str | None:
    """A warning when other processes competed for the CPUs during the run."""
    env = result.get("env", {})
    th = env.get("threads") or {}
    cpus = th.get("affinity") or th.get("cpu_count")
    starts = [(env.get("load_avg") or [None])[0], (result.get("load_avg_end") or [None])[0]]
    loads = [x for x in starts if x]
    if not cpus or not loads or max(loads) < 0.5 * cpus + 1.0:
        return None
    return (
        f"WARNING: the machine is busy (1-min load average up to {max(loads):.1f} on {cpus} cpus): "
        "timings are unreliable, multi-threaded ones most (BLAS threads stall when a core is taken)"
    )


def _fmt_target(v: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * v:.1f}%"
    if unit == "of bandwidth":
        return f"{100 * v:.0f}% of bw"
    if unit == "cells/s":
        return f"{v / 1e9:.2f} Gcells/s"
    if unit == "MiB":
        return f"{v:.0f} MiB"
    return f"{v:.3f}{unit}" if unit == "x" else f"{v:.3f} {unit}"


def format_report(result: dict[str, Any]) -> str:
    """The plain-text report `femsyn bench` prints."""
    out: list[str] = []
    env = result.get("env", {})
    blas = env.get("blas", {})
    th = env.get("threads", {})
    out.append(
        f"femsyn {env.get('femsyn')}  python {env.get('python')}  numpy {blas.get('numpy')}  "
        f"cpu: {env.get('cpu')} ({th.get('cpu_count')} cpus, L3 {env.get('l3_cache') or '?'})"
    )
    out.append(
        f"threads: femsyn {th.get('femsyn_threads')} (FEMSYN_NUM_THREADS="
        f"{th.get('FEMSYN_NUM_THREADS') or 'unset'}), BLAS {blas.get('name')} "
        f"{blas.get('version') or ''} with {blas.get('threads')} threads "
        f"[{blas.get('threads_source')}]"
    )
    out.append(
        f"GEMM of the layers: {blas.get('femsyn_gemm') or '?'}; BLAS kernel {blas.get('kernel') or '?'} "
        f"(OPENBLAS_CORETYPE={blas.get('coretype_forced') or 'unset'})"
    )
    if blas.get("warning"):
        out.append(blas["warning"])
    if env.get("load_avg"):
        out.append("load average: " + " ".join(f"{x:.2f}" for x in env["load_avg"]))
    busy = _busy_warning(result)
    if busy:
        out.append(busy)
    m = result.get("machine")
    bw = None
    if m:
        b, g = m["bandwidth"], m["gemm"]
        bw = b["gbps"]
        extra = "".join(f", {k.removeprefix('gbps_')}: {v:.1f}" for k, v in b.items() if k.startswith("gbps_"))
        out.append("")
        out.append(f"memory bandwidth  {bw:7.1f} GB/s (read+write, numpy copy{extra})")
        out.append(f"float32 GEMM      {g['gflops']:7.1f} GFLOP/s (n={g['n']}, {g['blas_threads']} BLAS threads)")
    k = result.get("kernels")
    if k:
        out.append("")
        out.append(f"synapse kernels ({k['preset']}, c2c noise on, stochastic rounding)")
        rows = []
        for r in k["results"]:
            rows.append(
                [
                    r["kernel"],
                    f"{r['cells']:.0e}",
                    _fmt(r["seconds"] * 1e3, ".3f"),
                    _fmt(r["cells_per_s"] / 1e9, ".3f"),
                    _fmt(r["bytes_per_cell"], "d"),
                    _fmt(r["gbps"], ".1f"),
                    (_fmt(100 * r["bandwidth_fraction"], ".0f") + "%" + (" (in L3)" if r.get("in_cache") else ""))
                    if r.get("bandwidth_fraction")
                    else "-",
                ]
            )
        out.append(_table(["kernel", "cells", "ms/call", "Gcells/s", "B/cell", "GB/s", "of bw"], rows))
        if k.get("fits"):
            out.append("")
            out.append("cost vs cells: time = intercept + slope * cells")
            rows = [
                [
                    name,
                    _fmt(f["slope_ns_per_cell"], ".3f"),
                    _fmt(f["slope_cells_per_s"] / 1e9, ".3f"),
                    _fmt(f["intercept_s"] * 1e6, ".1f"),
                    _fmt(f["loglog_exponent"], ".2f"),
                    _fmt(f["loglog_exponent_largest"], ".2f"),
                    _fmt(f["r2"], ".4f"),
                ]
                for name, f in k["fits"].items()
            ]
            out.append(
                _table(
                    [
                        "kernel",
                        "ns/cell",
                        "Gcells/s",
                        "intercept us",
                        "exponent",
                        "exp (2 largest)",
                        "r2",
                    ],
                    rows,
                )
            )
    t = result.get("training")
    if t:
        from .bench_train import format_training

        out.append("")
        out.append(format_training(t))
    mem = result.get("memory")
    if mem:
        out.append("")
        if mem.get("error"):
            out.append(f"peak memory: not measured ({mem['error']})")
        else:
            out.append(
                f"peak memory of a LeNet training ({mem.get('preset')}, {mem.get('how')}): "
                f"{mem['peak_rss_mib']:.0f} MiB (limit 1024 MiB)"
            )
    checks = result.get("targets")
    if checks:
        out.append("")
        out.append("targets (noisy on a busy machine: rerun on a quiet one before judging)")
        rows = [
            [c["target"], _fmt_target(c["value"], c["unit"]), _fmt_target(c["limit"], c["unit"]),
             {True: "met", False: "MISSED", None: "not judged"}[c["met"]],
             c["what"] + (f" [{c['note']}]" if c.get("note") else "")]
            for c in checks
        ]  # fmt: skip
        out.append(_table(["target", "measured", "limit", "", "what"], rows, left=(0, 3, 4)))
    out.append("")
    out.append(f"bench wall time {result.get('wall_s', 0):.1f} s")
    if bw:
        out.append("note: GB/s counts the bytes each kernel must move per cell (femsyn.bench.KERNEL_TRAFFIC)")
    return "\n".join(out)
