"""The plain-text report ``femsyn bench`` prints: machine, kernels, training steps, memory, targets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["format_report", "format_training"]


def format_report(result: dict[str, Any]) -> str:
    """The plain-text report `femsyn bench` prints."""
    out = _environment_lines(result)
    bw = None
    m = result.get("machine")
    if m:
        bw = m["bandwidth"]["gbps"]
        out += ["", *_machine_lines(m)]
    k = result.get("kernels")
    if k:
        out += ["", *_kernel_lines(k)]
    t = result.get("training")
    if t:
        out += ["", format_training(t)]
    mem = result.get("memory")
    if mem:
        out += ["", _memory_line(mem)]
    checks = result.get("targets")
    if checks:
        out += ["", *_target_lines(checks)]
    out.append("")
    out.append(f"bench wall time {result.get('wall_s', 0):.1f} s")
    if bw:
        out.append("note: GB/s counts the bytes each kernel must move per cell (femsyn.bench.KERNEL_TRAFFIC)")
    return "\n".join(out)


def _environment_lines(result: dict[str, Any]) -> list[str]:
    """Versions, CPU, threads, load, and a warning when the machine was busy."""
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
    return out


def _machine_lines(m: dict[str, Any]) -> list[str]:
    b, g = m["bandwidth"], m["gemm"]
    bw = b["gbps"]
    extra = "".join(f", {k.removeprefix('gbps_')}: {v:.1f}" for k, v in b.items() if k.startswith("gbps_"))
    return [
        f"memory bandwidth  {bw:7.1f} GB/s (read+write, numpy copy{extra})",
        f"float32 GEMM      {g['gflops']:7.1f} GFLOP/s (n={g['n']}, {g['blas_threads']} BLAS threads)",
    ]


def _kernel_lines(k: dict[str, Any]) -> list[str]:
    """The kernel table, then the linear fit of cost against cells per kernel."""
    out = [f"synapse kernels ({k['preset']}, c2c noise on, stochastic rounding)"]
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
                _bw_cell(r),
            ]
        )
    out.append(_table(["kernel", "cells", "ms/call", "Gcells/s", "B/cell", "GB/s", "of bw"], rows))
    if not k.get("fits"):
        return out
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
    out.append(_table(["kernel", "ns/cell", "Gcells/s", "intercept us", "exponent", "exp (2 largest)", "r2"], rows))
    return out


def _bw_cell(r: dict[str, Any]) -> str:
    if not r.get("bandwidth_fraction"):
        return "-"
    return _fmt(100 * r["bandwidth_fraction"], ".0f") + "%" + (" (in L3)" if r.get("in_cache") else "")


def _memory_line(mem: dict[str, Any]) -> str:
    if mem.get("error"):
        return f"peak memory: not measured ({mem['error']})"
    return (
        f"peak memory of a LeNet training ({mem.get('preset')}, {mem.get('how')}): "
        f"{mem['peak_rss_mib']:.0f} MiB (limit 1024 MiB)"
    )


def _target_lines(checks: list[dict[str, Any]]) -> list[str]:
    rows = [
        [c["target"], _fmt_target(c["value"], c["unit"]), _fmt_target(c["limit"], c["unit"]),
         {True: "met", False: "MISSED", None: "not judged"}[c["met"]],
         c["what"] + (f" [{c['note']}]" if c.get("note") else "")]
        for c in checks
    ]  # fmt: skip
    return [
        "targets (noisy on a busy machine: rerun on a quiet one before judging)",
        _table(["target", "measured", "limit", "", "what"], rows, left=(0, 3, 4)),
    ]


def format_training(t: dict[str, Any]) -> str:
    """The training-steps table: images/s per net and preset, and the ratios to the reference."""
    ref = t.get("reference", "float")
    rows = []
    for r in t["results"]:
        rows.append(
            [
                r["net"],
                r["preset"],
                f"{r['cells']:,}",
                _fmt(r["images_per_s"], ",.0f"),
                _fmt(r["images_per_s_best"], ",.0f"),
                _fmt(r.get("images_per_cpu_s"), ",.0f"),
                _fmt(r["step_ms"], ".2f"),
                _fmt(r.get(f"ratio_to_{ref}"), ".3f"),
                _fmt(r.get(f"step_time_vs_{ref}"), ".3f"),
                _fmt(100 * r["device_share"], ".1f") + "%" if "device_share" in r else "-",
                _fmt(r.get("step_time_vs_levels"), ".3f"),
            ]
        )
    first = t["results"][0] if t["results"] else {}
    head = (
        f"training steps (batch {first.get('batch_size', '-')}, random data, "
        f"median of {first.get('rounds', '-')} interleaved rounds, "
        f"BLAS threads {t.get('blas_threads') or 'unchanged'} as in femsyn.run.train; "
        f"img/cpu-s: per second of process CPU time; device: 1 - t(nodevice) / t(preset); "
        f"step / levels: t(preset) / t(preset:levels), the cell's own MSB store against ideal levels)"
    )
    table = _table(
        [
            "net",
            "preset",
            "cells",
            "images/s",
            "best",
            "img/cpu-s",
            "ms/step",
            f"x {ref}",
            f"step / {ref}",
            "device",
            "step / levels",
        ],  # fmt: skip
        rows,
    )
    return head + "\n" + table


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
