"""A whole bench run (``femsyn bench``): the machine, the synapse kernels, training steps and the
peak memory of a training, with the targets checked, as one JSON-ready dict.

Bytes per cell are counted from the struct-of-arrays layout of the Rust core (see
:data:`~femsyn.bench.traffic.FIELD_BYTES` and :data:`~femsyn.bench.traffic.KERNEL_TRAFFIC`): the
bytes a kernel must read and write for every cell on its common path, so
``GB/s = cells/s * bytes_per_cell``.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from femsyn._version import __version__
from femsyn.bench import machine as _machine  # `machine` is also run()'s flag
from femsyn.bench.kernels import DEFAULT_SIZES, KERNELS, QUICK_SIZES, bench_kernels
from femsyn.bench.memory import peak_memory
from femsyn.bench.targets import check_targets
from femsyn.bench.training import DEFAULT_NETS, QUICK_NETS, bench_training

__all__ = ["environment", "run"]


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
    t_start = time.perf_counter()
    result: dict[str, Any] = {"quick": quick}
    if threads is not None:
        result["set_threads"] = _machine.set_threads(threads)
    result["env"] = environment()
    if machine:
        result["machine"] = _measure_machine(quick, progress)
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
        nets = QUICK_NETS if quick else DEFAULT_NETS
    if nets:
        result["training"] = bench_training(
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
            progress("peak memory of a LeNet training (subprocess: one epoch of femsyn.run.train)")
        result["memory"] = peak_memory(steps=20 if quick else None)
    result["targets"] = check_targets(result)
    result["load_avg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    result["wall_s"] = time.perf_counter() - t_start
    return result


def _measure_machine(quick: bool, progress: Callable[[str], None] | None) -> dict[str, Any]:
    """Memory bandwidth and float32 GEMM rate: the ceilings of the kernels and the steps."""
    if progress:
        progress("machine: memory bandwidth, GEMM")
    return {
        "bandwidth": _machine.measure_bandwidth(nbytes=(64 if quick else 256) * 2**20, repeats=3 if quick else 5),
        "gemm": _machine.measure_gemm(n=512 if quick else 1024, repeats=3 if quick else 5),
    }


def environment() -> dict[str, Any]:
    """Versions, BLAS, threads and CPU: what a reader needs to compare two bench runs."""
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
        "femsyn": __version__,
        "python": sys.version.split()[0],
        "l3_cache": llc,
        "platform": platform.platform(),
        "cpu": cpu,
        "blas": _machine.blas_info(),
        "threads": _machine.thread_info(),
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
