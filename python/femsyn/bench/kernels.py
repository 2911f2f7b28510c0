"""Speed of each O(cells) kernel of :class:`femsyn.SynapseArray` (update with stochastic rounding
and cycle-to-cycle noise, the training step, leak, transfer, readout) at several array sizes:
seconds per call, cells/s and GB/s, with a linear fit of cost against cells."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from femsyn._core import SynapseArray
from femsyn.bench.timing import fit_linear, time_calls
from femsyn.bench.traffic import bytes_per_cell
from femsyn.device import preset as device_preset

__all__ = ["DEFAULT_SIZES", "KERNELS", "QUICK_SIZES", "bench_kernel", "bench_kernels", "kernel_device"]

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
    path), so a preset without c2c noise gets it: ``step_c2c_rel = 0.05`` for the linear model
    (the first release's), ``lsb_c2c_rel = 0.005`` for the others (NeuroSim's convention).
    """
    dev = device_preset(preset)
    if getattr(dev, "kind", "hybrid") != "hybrid":
        return dev
    if getattr(dev, "step_c2c_rel", 0.0) == 0.0 and getattr(dev, "lsb_c2c_rel", 0.0) == 0.0:
        linear = getattr(dev, "lsb_response", "linear") == "linear"
        dev = dataclasses.replace(dev, **({"step_c2c_rel": 0.05} if linear else {"lsb_c2c_rel": 0.005}))
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
      (:mod:`femsyn.bench.workload`: 0.3 % of the cells ask for half a pulse or more), on the
      preset as it is (no forced c2c noise);
    * ``step``: ``step(dw, images=64)``: advance 64 images of simulated time, update with the
      leak fused in, and the periodic transfer every ``transfer_every_images`` (amortized);
    * ``leak``: ``advance(dt)`` + ``update(0)``: the pending leak applied to every cell;
    * ``transfer``: ``transfer()`` on all cells, after an untimed update that leaves LSB charge
      to carry;
    * ``readout``: ``weights()``, the training weights MSB + offset + error + LSB (into a
      preallocated array when the core accepts ``weights(out=...)``; a fresh 40 MB result
      costs page faults that can exceed the kernel itself).
    """
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; valid: {', '.join(KERNELS)}")
    dev = device_preset(preset) if kernel == "update-train" else kernel_device(preset)
    kind = getattr(dev, "kind", "hybrid")
    rows, cols = _shape(cells)
    n = rows * cols
    arr, dw_pos = _programmed_array(dev, rows, cols, seed)
    timing, api = _TIMERS[kernel](arr, dw_pos, min_time)
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
    if api is not None:
        out["call"] = api
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


def _programmed_array(dev: Any, rows: int, cols: int, seed: int) -> tuple[Any, np.ndarray]:
    """An array with random initial weights in +-0.8 w_max, and an update dw ~ N(0, (D_L / 2)^2)."""
    w_max = 1.0
    arr = SynapseArray(rows, cols, dev, seed=seed, w_max=w_max)
    rng = np.random.default_rng(seed)
    w0 = rng.uniform(-0.8 * w_max, 0.8 * w_max, size=(rows, cols)).astype(np.float32)
    arr.program(w0)
    step = _lsb_step(dev, w_max)
    dw_pos = (rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(0.5 * step)).astype(np.float32)
    return arr, dw_pos


def _alternating(call: Callable[[np.ndarray], Any], dw_pos: np.ndarray) -> Callable[[], None]:
    """``call(dw)`` with ``dw_pos`` and ``-dw_pos`` in turn, so the array's state stays bounded."""
    dw_neg = -dw_pos
    flip = [False]

    def alternate() -> None:
        flip[0] = not flip[0]
        call(dw_pos if flip[0] else dw_neg)

    return alternate


Timing = tuple[dict[str, float], str | None]  # (time_calls result, how the kernel was called)


def _time_update(arr: Any, dw_pos: np.ndarray, min_time: float) -> Timing:
    return time_calls(_alternating(arr.update, dw_pos), min_time=min_time), None


def _time_update_train(arr: Any, dw_pos: np.ndarray, min_time: float) -> Timing:
    from femsyn.bench.workload import training_dw

    dw_a, dw_b, stats = training_dw(dw_pos.shape, arr.lsb_step)
    pair = [dw_a, dw_b]
    flip = [False]

    def update() -> None:
        flip[0] = not flip[0]
        arr.update(pair[flip[0]])

    how = f"update(dw) on {stats['source']} ({100 * stats['cells_ge_half_pulse']:.2f} % of cells >= 0.5 pulse)"
    return time_calls(update, min_time=min_time), how


def _time_step(arr: Any, dw_pos: np.ndarray, min_time: float) -> Timing:
    return time_calls(_alternating(lambda dw: arr.step(dw, 64), dw_pos), min_time=min_time), None


def _time_leak(arr: Any, dw_pos: np.ndarray, min_time: float) -> Timing:
    zeros = np.zeros(dw_pos.shape, dtype=np.float32)
    arr.update(dw_pos)  # some LSB charge to leak

    def leak() -> None:
        arr.advance(64e-6)
        arr.update(zeros)

    return time_calls(leak, min_time=min_time), None


def _time_transfer(arr: Any, dw_pos: np.ndarray, min_time: float) -> Timing:
    big = (dw_pos * np.float32(8.0)).astype(np.float32)

    def charge() -> None:
        arr.update(big)
        np.negative(big, out=big)

    return time_calls(arr.transfer, setup=charge, min_time=min_time), None


def _time_readout(arr: Any, dw_pos: np.ndarray, min_time: float) -> Timing:
    readout = arr.weights
    buf = np.empty(dw_pos.shape, dtype=np.float32)
    try:  # into a preallocated buffer when the core offers it: no page faults of a fresh array
        arr.weights(out=buf)
        readout = lambda: arr.weights(out=buf)  # noqa: E731
        api = "weights(out=buf)"
    except TypeError:
        api = "weights()"
    return time_calls(readout, min_time=min_time), api


#: kernel -> how it is timed (see :func:`bench_kernel`)
_TIMERS: dict[str, Callable[[Any, np.ndarray, float], Timing]] = {
    "update": _time_update,
    "update-train": _time_update_train,
    "step": _time_step,
    "leak": _time_leak,
    "transfer": _time_transfer,
    "readout": _time_readout,
}


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
