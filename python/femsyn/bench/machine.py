"""What the machine can do: memory bandwidth, float32 GEMM rate, BLAS and thread settings.

These are the limits `femsyn bench` prints beside its own kernels: an O(cells) synapse kernel is
bounded by memory bandwidth, a training step by the GEMM rate (and in practice by overhead).
Everything here is plain numpy so the figures compare with any other numpy-based tool.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = [
    "blas_info",
    "measure_bandwidth",
    "measure_gemm",
    "set_threads",
    "thread_info",
]

_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _threadpool_info() -> list[dict[str, Any]] | None:
    try:
        import threadpoolctl  # optional: exact BLAS thread counts
    except ImportError:
        return None
    return [dict(p) for p in threadpoolctl.threadpool_info()]


def blas_info() -> dict[str, Any]:
    """Which BLAS numpy uses and with how many threads (threadpoolctl when installed)."""
    info: dict[str, Any] = {"numpy": np.__version__, "name": "unknown", "version": None}
    try:
        cfg = np.show_config(mode="dicts")  # numpy >= 1.25
        blas = (cfg or {}).get("Build Dependencies", {}).get("blas", {})
        info["name"] = blas.get("name", "unknown")
        info["version"] = blas.get("version")
        if blas.get("openblas configuration"):
            info["config"] = blas["openblas configuration"]
    except Exception:  # pragma: no cover - very old numpy or an unusual build
        pass
    pools = _threadpool_info()
    if pools is not None:
        blas_pools = [p for p in pools if p.get("user_api") == "blas"]
        if blas_pools:
            p = blas_pools[0]
            info["threads"] = int(p.get("num_threads", 0))
            info["internal_api"] = p.get("internal_api")
            info["architecture"] = p.get("architecture")
        info["threads_source"] = "threadpoolctl"
    else:
        env = next((os.environ[k] for k in _BLAS_ENV if os.environ.get(k)), None)
        info["threads"] = int(env) if env and env.isdigit() else os.cpu_count()
        info["threads_source"] = "environment" if env else "default (cpu count)"
    info.update(blas_kernel())
    return info


def blas_kernel() -> dict[str, Any]:
    """The GEMM femsyn's layers call, numpy's BLAS kernel (OpenBLAS core type) and, when
    ``OPENBLAS_CORETYPE`` forces one, the kernel OpenBLAS would pick by itself (asked in a child
    process without the variable) with a warning when they differ: the kernel changes both the
    speed (Haswell runs about half the AVX-512 rate) and the rounding of every GEMM."""
    from femsyn.nn.kernels import numerics

    num = numerics()
    out: dict[str, Any] = {
        "femsyn_gemm": num["gemm"],
        "kernel": num["blas_kernel"],
        "coretype_forced": num["OPENBLAS_CORETYPE"],
    }
    if out["coretype_forced"]:
        out["auto_kernel"] = _auto_kernel()
        if out["auto_kernel"] and out["auto_kernel"] != out["kernel"]:
            out["warning"] = (
                f"WARNING: OPENBLAS_CORETYPE={out['coretype_forced']} forces the {out['kernel']} BLAS kernel; "
                f"OpenBLAS picks {out['auto_kernel']} on this CPU by itself (faster GEMMs, other rounding)"
            )
    return out


def _auto_kernel() -> str | None:
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    code = "import json, femsyn.nn.kernels as k; print(json.dumps(k.numerics()['blas_kernel']))"
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except Exception:  # a report, not a failure
        return None


def thread_info() -> dict[str, Any]:
    """femsyn's rayon thread count, BLAS threads and the CPU count of this machine."""
    env = os.environ.get("FEMSYN_NUM_THREADS")
    femsyn_threads = _current_femsyn_threads()
    if femsyn_threads is None:
        femsyn_threads = int(env) if env and env.isdigit() and int(env) > 0 else os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "femsyn_threads": femsyn_threads,
        "FEMSYN_NUM_THREADS": env,
        "blas_threads": blas_info().get("threads"),
    }


# The thread count set through set_threads(), so it can be reported even when the native module
# has no getter.
_FEMSYN_THREADS: int | None = None


def _current_femsyn_threads() -> int | None:
    try:
        from femsyn import _core

        getter = getattr(_core, "get_num_threads", None)
        if getter is not None:
            return int(getter())
    except Exception:
        pass
    return _FEMSYN_THREADS


def set_threads(n: int) -> dict[str, Any]:
    """Use `n` threads in femsyn's kernels and (through threadpoolctl, when installed) in BLAS.

    Returns what was done. Without threadpoolctl the BLAS thread count can only be chosen before
    numpy is imported (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS), so it is reported, not changed.
    """
    global _FEMSYN_THREADS
    if n < 1:
        raise ValueError(f"threads must be >= 1, got {n}")
    done: dict[str, Any] = {"requested": n}
    from femsyn._core import set_num_threads

    set_num_threads(n)
    os.environ["FEMSYN_NUM_THREADS"] = str(n)
    _FEMSYN_THREADS = n
    done["femsyn"] = n
    try:
        import threadpoolctl

        # Keep the controller alive for the process: limits are undone when it is collected.
        global _BLAS_LIMITER
        _BLAS_LIMITER = threadpoolctl.threadpool_limits(limits=n, user_api="blas")
        done["blas"] = n
    except ImportError:
        done["blas"] = None
        done["note"] = (
            "threadpoolctl is not installed: BLAS threads unchanged "
            "(set OPENBLAS_NUM_THREADS/OMP_NUM_THREADS before starting python)"
        )
    return done


_BLAS_LIMITER: Any = None


def _copy_rate(src: np.ndarray, dst: np.ndarray, threads: int, repeats: int) -> float:
    """Best read+write GB/s of copying src into dst, split over `threads` threads."""
    n = src.size
    bounds = np.linspace(0, n, threads + 1).astype(int)
    parts = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=False)]
    times = []
    if threads == 1:
        for _ in range(repeats):
            t0 = time.perf_counter()
            np.copyto(dst, src)
            times.append(time.perf_counter() - t0)
    else:
        with ThreadPoolExecutor(threads) as ex:
            for _ in range(repeats):
                t0 = time.perf_counter()
                list(ex.map(lambda s: np.copyto(dst[s], src[s]), parts))
                times.append(time.perf_counter() - t0)
    # Best time: bandwidth is a ceiling, and noise on a shared machine only ever slows a copy.
    return 2.0 * src.nbytes / min(times) / 1e9


def measure_bandwidth(nbytes: int = 256 * 2**20, repeats: int = 5, threads: int | None = None) -> dict[str, Any]:
    """Memory bandwidth from a large numpy copy, in GB/s counting bytes read + bytes written.

    Measured with one thread and with `threads` (default: femsyn's thread count) threads copying
    disjoint halves; `gbps` is the larger (the ceiling an O(cells) kernel can reach).
    """
    threads = threads or thread_info()["femsyn_threads"] or 1
    n = max(nbytes // 4, 1024)
    src = np.ones(n, dtype=np.float32)
    dst = np.zeros_like(src)
    np.copyto(dst, src)  # touch every page once: the first copy measures page faults
    one = _copy_rate(src, dst, 1, repeats)
    out = {"nbytes": int(src.nbytes), "gbps_1thread": one, "threads": threads}
    if threads > 1:
        many = _copy_rate(src, dst, threads, repeats)
        out[f"gbps_{threads}threads"] = many
        out["gbps"] = max(one, many)
    else:
        out["gbps"] = one
    out["method"] = "numpy.copyto float32, best of repeats, (read+write bytes)/s"
    return out


def measure_gemm(n: int = 1024, repeats: int = 5) -> dict[str, Any]:
    """float32 GEMM rate (GFLOP/s, 2 n^3 flops) of numpy's BLAS at its current thread count."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: thread pool start, page faults
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    flops = 2.0 * n**3
    return {
        "n": n,
        "gflops": flops / min(times) / 1e9,
        "gflops_median": flops / statistics.median(times) / 1e9,
        "blas_threads": blas_info().get("threads"),
        "method": "numpy.matmul float32 n x n, best of repeats",
    }
