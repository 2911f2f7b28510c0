"""Plots and tables of a design comparison: ``report.md`` + a self-contained ``report.html``.

:func:`build_report` works from finished run directories alone (``summary.json``, ``trace.npz``,
``writes.npz``; see the contract), so a report can be rebuilt at any time without training::

    from femsyn.report import build_report
    build_report({"femfet-6b": ["out/runs/femfet-6b/seed0"], "ideal-6b": [...]}, "out")

The HTML embeds every plot as a base64 data URI, so it opens in a browser with no network.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from femsyn import costs as _costs
from femsyn._version import __version__

__all__ = ["PAPER_ACCURACY", "RunData", "build_report", "load_run"]

#: The earlier hybrid cells the paper compares against (their cost comes from these presets when
#: a comparison did not run them, e.g. the 8-bit CIFAR-10 comparison).
REFERENCE_DESIGNS = ("2t1fefet-6b", "3t1c2pcm-6b")

#: The paper's accuracies (fractions) per (net, dataset) and design.
PAPER_ACCURACY: dict[tuple[str, str], dict[str, float]] = {
    ("lenet", "mnist"): {"femfet-6b": 0.982, "ideal-6b": 0.986},
    ("vgg", "cifar10"): {"femfet-8b": 0.888, "ideal-8b": 0.896},
}


# --------------------------------------------------------------------------------------------
# Loading runs
# --------------------------------------------------------------------------------------------


@dataclass
class RunData:
    """What the report reads from one run directory."""

    path: Path
    summary: dict[str, Any]
    trace: dict[str, np.ndarray] = field(default_factory=dict)
    writes: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def device(self) -> dict[str, Any]:
        return dict(self.summary.get("device") or {})


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as z:
        return {k: np.asarray(z[k]) for k in z.files}


def load_run(run_dir: str | Path) -> RunData:
    """Read ``summary.json`` (required), ``trace.npz`` and ``writes.npz`` (optional)."""
    p = Path(run_dir)
    summary_path = p / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"no summary.json in run directory {str(p)!r}")
    summary = json.loads(summary_path.read_text())
    if not summary.get("history") and (p / "metrics.jsonl").is_file():
        summary["history"] = [
            json.loads(line) for line in (p / "metrics.jsonl").read_text().splitlines() if line.strip()
        ]
    return RunData(p, summary, _load_npz(p / "trace.npz"), _load_npz(p / "writes.npz"))


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _mean_std(xs: Sequence[float]) -> tuple[float, float]:
    a = np.asarray([x for x in xs if x is not None and not math.isnan(float(x))], dtype=float)
    if a.size == 0:
        return math.nan, math.nan
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else math.nan  # no spread from 1 seed


def _pct(m: float, s: float | None = None) -> str:
    if m is None or math.isnan(m):
        return "—"
    if s is None:
        return f"{100 * m:.1f} %"
    if math.isnan(s):
        return f"{100 * m:.2f} %"
    return f"{100 * m:.2f} ± {100 * s:.2f} %"


def _pp(x: float) -> str:
    if x is None or math.isnan(x):
        return "—"
    return f"{100 * x:+.2f} pp"


_PREFIXES = [
    (1e-18, "a"),
    (1e-15, "f"),
    (1e-12, "p"),
    (1e-9, "n"),
    (1e-6, "µ"),
    (1e-3, "m"),
    (1.0, ""),
    (1e3, "k"),
    (1e6, "M"),
    (1e9, "G"),
]


def fmt_si(x: float | None, unit: str, digits: int = 3) -> str:
    """``fmt_si(2.5e-10, "s") == "250 ps"``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x == 0:
        return f"0 {unit}".strip()
    if math.isinf(x):
        return "∞"
    scale, prefix = _PREFIXES[0]
    for s, pre in _PREFIXES:
        if abs(x) >= s * 0.9999:
            scale, prefix = s, pre
    return f"{x / scale:.{digits}g} {prefix}{unit}".strip()


def _fmt_count(x: float) -> str:
    if x is None or math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞"
    if abs(x) >= 1e6:
        return f"{x:.3g}"
    return f"{x:,.0f}"


def _total_bits(dev: Mapping[str, Any]) -> int | None:
    kind = dev.get("kind")
    if kind == "ideal":
        return int(dev.get("msb_bits", 0))
    if kind == "hybrid":
        return int(dev.get("msb_bits", 0)) + int(dev.get("lsb_bits", 0))
    return None


def _writes_flat(run: RunData) -> np.ndarray:
    arrs = [np.asarray(a).ravel() for a in run.writes.values() if np.asarray(a).dtype.kind in "iu"]
    return np.concatenate(arrs) if arrs else np.zeros(0, dtype=np.uint32)


def _most_written(run: RunData) -> str:
    best: tuple[int, str] | None = None
    for name, a in run.writes.items():
        a = np.asarray(a)
        if a.size == 0 or a.dtype.kind not in "iu":
            continue
        idx = int(np.argmax(a))
        v = int(a.ravel()[idx])
        if best is None or v > best[0]:
            where = tuple(int(i) for i in np.unravel_index(idx, a.shape))
            best = (v, f"{name}{list(where)}: {v:,} writes")
    return best[1] if best else "—"


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _plot_acc_vs_epoch(runs: Mapping[str, list[RunData]], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for i, (design, rs) in enumerate(runs.items()):
        color = f"C{i}"
        hybrid = bool(rs) and rs[0].device.get("kind") == "hybrid"
        keys = (("eval_acc", "-", ""), ("eval_acc_msb", "--", " (MSB-only)"))
        for key, style, suffix in keys if hybrid else keys[:1]:
            curves = [[h.get(key) for h in r.summary.get("history", [])] for r in rs]
            curves = [[np.nan if v is None else v for v in c] for c in curves if c]
            if not curves or all(all(np.isnan(v) for v in c) for c in curves):
                continue
            n = min(len(c) for c in curves)
            a = np.asarray([c[:n] for c in curves], dtype=float)
            m = np.nanmean(a, axis=0)
            ep = np.arange(1, n + 1)
            ax.plot(ep, 100 * m, style, color=color, marker="o", ms=3, label=design + suffix)
            if a.shape[0] > 1:
                s = np.nanstd(a, axis=0)
                ax.fill_between(ep, 100 * (m - s), 100 * (m + s), color=color, alpha=0.15)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    split = next((r.summary.get("split", {}).get("eval") for rs in runs.values() for r in rs), None)
    ax.set_ylabel(f"accuracy on {split} (%)" if split else "accuracy (%)", fontsize=8)
    ax.set_title("Accuracy vs epoch (mean ± std over seeds)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_write_hist(runs: Mapping[str, list[RunData]], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = False
    data = {
        d: _writes_flat(rs[0])
        for d, rs in runs.items()
        if rs and rs[0].device.get("kind") == "hybrid"  # ideal/float have no MSB writes
    }
    top = max((int(w.max()) for w in data.values() if w.size), default=0)
    bins = np.arange(0, top + 2) - 0.5 if top < 60 else np.linspace(0, top + 1, 61)
    for i, design in enumerate(runs):
        w = data.get(design, np.zeros(0))
        if w.size == 0:
            continue
        hi = int(w.max())
        ax.hist(w, bins=bins, histtype="step", color=f"C{i}", lw=1.5, label=f"{design} (max {hi:,})")
        drawn = True
    if not drawn:
        ax.text(
            0.5,
            0.5,
            "no MSB write counts (writes.npz) in these runs",
            ha="center",
            transform=ax.transAxes,
        )
    ax.set_yscale("log")
    ax.set_xlabel("MSB writes per cell in one training run")
    ax.set_ylabel("cells")
    ax.set_title("MSB-write histogram (first seed of each design)")
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _trace_arrays(
    trace: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(x[T], lsb[T, cells], transfer_x) from a trace.npz, tolerant to key names."""
    lsb = None
    for k in ("lsb", "lsb_trace", "trajectories", "traces", "lsb_traj"):
        if k in trace and np.asarray(trace[k]).ndim in (1, 2):
            lsb = np.asarray(trace[k], dtype=float)
            break
    if lsb is None:
        for k, v in trace.items():
            if np.asarray(v).ndim == 2 and np.asarray(v).dtype.kind == "f" and "transfer" not in k:
                lsb = np.asarray(v, dtype=float)
                break
    if lsb is None:
        return None
    if lsb.ndim == 1:
        lsb = lsb[:, None]
    x = None
    for k in ("step", "steps", "t", "time_s", "images", "x"):
        if k in trace and np.asarray(trace[k]).ndim == 1:
            x = np.asarray(trace[k], dtype=float)
            break
    if x is not None and x.size != lsb.shape[0] and x.size == lsb.shape[1]:
        lsb = lsb.T
    elif x is None and lsb.shape[0] < lsb.shape[1]:
        lsb = lsb.T
    if x is None or x.size != lsb.shape[0]:
        x = np.arange(lsb.shape[0], dtype=float)
    tr = np.zeros(0)
    keys = ["transfer_steps"] + [k for k in trace if "transfer" in k.lower()]
    for k in keys:
        if k in trace and np.asarray(trace[k]).ndim == 1:
            tr = np.asarray(trace[k], dtype=float)
            break
    return x, lsb, tr


def _plot_lsb_traces(runs: Mapping[str, list[RunData]], path: Path, n_cells: int = 4) -> bool:
    items = []
    rs_layer: dict[str, str] = {}
    for design, rs in runs.items():
        if rs and "layer" in rs[0].trace:
            rs_layer[design] = str(np.asarray(rs[0].trace["layer"]).reshape(-1)[0])
        if rs and rs[0].device.get("kind") == "hybrid":
            got = _trace_arrays(rs[0].trace)
            if got is not None:
                items.append((design, got, rs[0].device))
    plt = _plt()
    n = max(1, len(items))
    fig, axes = plt.subplots(n, 1, figsize=(6.4, 2.3 * n + 0.4), squeeze=False)
    if not items:
        axes[0, 0].text(
            0.5,
            0.5,
            "no LSB traces (trace.npz) in these runs",
            ha="center",
            transform=axes[0, 0].transAxes,
        )
    for ax, (design, (x, lsb, tr), dev) in zip(axes[: len(items), 0], items, strict=True):
        for j in range(min(n_cells, lsb.shape[1])):
            ax.plot(x, lsb[:, j], lw=1, label=f"cell {j}")
        if 0 < tr.size <= 40:
            for t in tr:
                ax.axvline(t, color="k", lw=0.5, ls=":", alpha=0.5)
        elif tr.size:  # many: a rug of ticks along the bottom
            ax.plot(tr, np.zeros_like(tr), "|", color="k", ms=6, alpha=0.5, transform=ax.get_xaxis_transform())
        n_l = 2 ** int(dev.get("lsb_bits", 0)) if dev.get("lsb_bits") else None
        if n_l:
            thr = float(dev.get("carry_threshold", 0.0) or 0.0) * n_l
            # first-release runs have no protocol field (their threshold > 0 meant overflow on)
            if thr > 0 and "overflow" in str(dev.get("transfer_protocol", "overflow")):
                for s in (-1, 1):
                    ax.axhline(s * thr, color="r", lw=0.6, ls="--", alpha=0.6)
        layer = rs_layer.get(design, "")
        ax.set_title(
            f"{design}{' ' + layer if layer else ''}: LSB of sampled cells\n"
            "(black: steps with MSB writes in this layer; red: carry threshold)",
            fontsize=8,
        )
        ax.set_ylabel("LSB (pulse units)")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("training step")
    if items:
        axes[0, 0].legend(fontsize=6, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return bool(items)


def _plot_retention(runs: Mapping[str, list[RunData]], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = False
    for i, (design, rs) in enumerate(runs.items()):
        curves = [r.summary.get("retention_curve") or [] for r in rs]
        curves = [c for c in curves if c]
        if not curves:
            continue
        n = min(len(c) for c in curves)
        t = np.asarray([p[0] for p in curves[0][:n]], dtype=float)
        a = np.asarray([[p[1] for p in c[:n]] for c in curves], dtype=float)
        t_plot = np.where(t <= 0, np.nan, t)
        if np.isnan(t_plot).all():
            continue
        ax.plot(t_plot, 100 * a.mean(axis=0), marker="o", ms=3, color=f"C{i}", label=design)
        drawn = True
    if not drawn:
        ax.text(0.5, 0.5, "no retention curves in these runs", ha="center", transform=ax.transAxes)
    else:
        ax.set_xscale("log")
        ax.legend(fontsize=7)
    ax.set_xlabel("retention time (s)")
    ax.set_ylabel("MSB-only accuracy (%)")
    ax.set_title("Inference accuracy vs retention time (mean over seeds)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Document model: one list of blocks rendered to Markdown and to HTML
# --------------------------------------------------------------------------------------------


def _md_cell(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _render_md(blocks: list[tuple]) -> str:
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind == "h1":
            out.append(f"# {b[1]}\n")
        elif kind == "h2":
            out.append(f"## {b[1]}\n")
        elif kind == "p":
            out.append(f"{b[1]}\n")
        elif kind == "table":
            headers, rows = b[1], b[2]
            out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            out.append("|" + "|".join("---" for _ in headers) + "|")
            for r in rows:
                out.append("| " + " | ".join(_md_cell(c) for c in r) + " |")
            out.append("")
        elif kind == "img":
            out.append(f"![{b[2]}]({b[1]})\n")
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em}
h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#f3f5f8}td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#fafbfc}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}
p.note{color:#555;font-size:.9em}
"""


def _render_html(blocks: list[tuple], out_dir: Path, title: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2"):
            parts.append(f"<{kind}>{html.escape(b[1])}</{kind}>")
        elif kind == "p":
            text = html.escape(b[1])
            # minimal Markdown: **bold** and `code`
            text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
            text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
            parts.append(f'<p class="{b[2] if len(b) > 2 else ""}">{text}</p>')
        elif kind == "table":
            headers, rows = b[1], b[2]
            parts.append(
                "<table><thead><tr>"
                + "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
                + "</tr></thead><tbody>"
            )
            for r in rows:
                parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
            parts.append("</tbody></table>")
        elif kind == "img":
            data = base64.b64encode((out_dir / b[1]).read_bytes()).decode("ascii")
            parts.append(
                f'<figure><img alt="{html.escape(b[2])}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(b[2])}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _display_path(path: Path, base: Path) -> str:
    """A run directory relative to the report folder when it lies inside it (portable reports)."""
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _as_list(v: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(v, (str, Path)):
        return [Path(v)]
    return [Path(x) for x in v]


def build_report(
    run_dirs_by_design: Mapping[str, str | Path | Sequence[str | Path]],
    out_dir: str | Path,
    *,
    net: str | None = None,
    dataset: str | None = None,
    title: str | None = None,
    command: str | None = None,
) -> Path:
    """Write ``report.md``, ``report.html``, ``report.json`` and the PNG plots into ``out_dir``.

    ``command`` is the command line that reproduces the report; it is printed under the title.

    ``run_dirs_by_design`` maps a design name (e.g. ``"femfet-6b"``) to its run directories (one
    per seed). Runs without a complete ``summary.json`` are skipped and listed in the report.
    Returns the path of ``report.html``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[RunData]] = {}
    skipped: list[str] = []
    for design, dirs in run_dirs_by_design.items():
        rs = []
        for d in _as_list(dirs):
            try:
                r = load_run(d)
            except (FileNotFoundError, json.JSONDecodeError) as exc:
                skipped.append(f"{d}: {exc}")
                continue
            if not r.summary.get("complete", False):
                skipped.append(f"{d}: run not complete")
                continue
            rs.append(r)
        runs[design] = rs
    if not any(runs.values()):
        raise ValueError("no finished runs to report on: " + "; ".join(skipped))

    first = next(r for rs in runs.values() for r in rs)
    net = net or first.summary.get("net", "?")
    dataset = dataset or first.summary.get("dataset", "?")
    paper = PAPER_ACCURACY.get((str(net).lower(), str(dataset).lower()), {})
    title = title or f"femsyn comparison: {net} on {dataset}"
    ret_s = next(
        (
            r.summary.get("accuracy", {}).get("retention_s")
            for rs in runs.values()
            for r in rs
            if r.summary.get("accuracy", {}).get("retention_s") is not None
        ),
        None,
    )
    ret_label = f"MSB-only after {ret_s:g} s" if ret_s is not None else "MSB-only after retention"

    # ---- accuracy
    acc: dict[str, dict[str, tuple[float, float]]] = {}
    for design, rs in runs.items():
        acc[design] = {
            k: _mean_std([r.summary.get("accuracy", {}).get(k, math.nan) for r in rs])
            for k in ("train_weights", "msb_only", "msb_retention")
        }
    dev_of = {d: (rs[0].device if rs else {}) for d, rs in runs.items()}
    ideal_of: dict[str, str | None] = {}
    for d, dev in dev_of.items():
        bits = _total_bits(dev)
        ideal_of[d] = next(
            (i for i, idev in dev_of.items() if idev.get("kind") == "ideal" and _total_bits(idev) == bits and runs[i]),
            None,
        )
    acc_rows = []
    for d, rs in runs.items():
        a = acc[d]
        base = ideal_of.get(d)
        gap_t = a["train_weights"][0] - acc[base]["train_weights"][0] if base else math.nan
        gap_m = a["msb_only"][0] - acc[base]["msb_only"][0] if base else math.nan
        p = paper.get(d)
        pbase = paper.get(base) if base else None
        pgap = (p - pbase) if (p is not None and pbase is not None) else math.nan
        acc_rows.append(
            [
                d,
                str(len(rs)),
                _pct(*a["train_weights"]),
                _pct(*a["msb_only"]),
                _pct(*a["msb_retention"]),
                _pct(p) if p is not None else "—",
                f"{_pp(gap_t)} / {_pp(gap_m)}" if base and base != d else ("baseline" if base == d else "—"),
                _pp(pgap) if base != d else "baseline",
            ]
        )

    # ---- costs
    cell: dict[str, _costs.CellCosts | None] = {}
    for d in runs:
        try:
            cell[d] = _costs.cell_costs(dev_of[d]) if dev_of[d] else None
        except (ValueError, TypeError, KeyError):
            cell[d] = None
    run_cost: dict[str, list[_costs.RunCosts]] = {
        d: [_costs.run_costs(cell[d], r.summary) for r in rs] if cell[d] else [] for d, rs in runs.items()
    }

    def mean_rc(d: str, attr: str) -> float:
        vals = [getattr(rc, attr) for rc in run_cost[d]]
        return float(np.mean(vals)) if vals else math.nan

    designs = list(runs)
    dash = "—"

    def row(label: str, f) -> list[str]:
        return [label] + [f(d) if cell[d] is not None else dash for d in designs]

    cost_rows = [
        row("cell", lambda d: f"{cell[d].label} ({cell[d].cell})"),
        row("area (F²)", lambda d: f"{cell[d].area_f2:,.0f}"),
        row(
            "  of which transistors / capacitor (F²)",
            lambda d: f"{cell[d].area_transistors_f2:,.0f} / {cell[d].area_cap_f2:,.0f}",
        ),
        row("leakage power (hold)", lambda d: fmt_si(cell[d].leakage_w, "W")),
        row("LSB pulse width", lambda d: fmt_si(cell[d].pulse_width_s, "s")),
        row(
            "LSB pulse current / C_node",
            lambda d: f"{fmt_si(cell[d].pulse_current_a, 'A')} / {fmt_si(cell[d].c_node_f, 'F')}",
        ),
        row("ΔV per pulse (I·t/C)", lambda d: fmt_si(cell[d].pulse_delta_v_v, "V")),
        row("energy per LSB pulse (C·V_DD·ΔV)", lambda d: fmt_si(cell[d].pulse_energy_j, "J")),
        row(
            "MSB write time / voltage",
            lambda d: f"{fmt_si(cell[d].msb_write_time_s, 's')} / {cell[d].msb_write_voltage_v:g} V",
        ),
        row("energy per MSB write", lambda d: fmt_si(cell[d].msb_write_energy_j, "J")),
        row("MSB endurance (cycles)", lambda d: f"{cell[d].endurance_cycles:.0e}"),
        row("run: LSB pulses", lambda d: _fmt_count(mean_rc(d, "pulses"))),
        row("run: MSB writes", lambda d: _fmt_count(mean_rc(d, "msb_writes"))),
        row("run: transfer events", lambda d: _fmt_count(mean_rc(d, "transfers"))),
        row(
            "run: update energy (pulses + MSB writes)",
            lambda d: fmt_si(mean_rc(d, "update_energy_j"), "J"),
        ),
        row("  of which MSB writes", lambda d: fmt_si(mean_rc(d, "msb_energy_j"), "J")),
        row("run: hold (leakage) energy", lambda d: fmt_si(mean_rc(d, "hold_energy_j"), "J")),
        row(
            "run: update latency (LSB pulses + MSB writes)",
            lambda d: fmt_si(mean_rc(d, "update_latency_s"), "s"),
        ),
        row("  of which MSB writes", lambda d: fmt_si(mean_rc(d, "msb_latency_s"), "s")),
    ]

    # the earlier cells: the compared designs, or their presets when none of them was run
    claim_cells = dict(cell)
    others = [d for d in designs if cell[d] is not None and cell[d].cell != "femfet"]
    not_run: list[str] = []
    if not others and any(c is not None and c.cell == "femfet" for c in cell.values()):
        for ref in REFERENCE_DESIGNS:
            try:
                claim_cells[ref] = _costs.cell_costs(ref)
            except (ImportError, ValueError):  # pragma: no cover - presets unavailable
                continue
            others.append(ref)
            not_run.append(ref)
    claims = _costs.claim_comparison(claim_cells)
    claim_rows = []
    for c in claims:

        def show(v: float, key: str = c["key"]) -> str:
            if v is None or math.isnan(v):
                return "—"
            return f"{v:.0f}x" if key == "endurance" else f"{100 * v:.1f} % {'less' if v >= 0 else 'more'}"

        claim_rows.append(
            [c["label"]] + [show(c["vs"].get(d, math.nan)) for d in others] + [show(c["best"]), c["claim_text"]]
        )

    ours = next((c for c in cell.values() if c is not None and c.cell == "femfet"), None)
    pulse_note = ""
    if ours is not None and others:
        implied = ours.pulse_width_s / (1.0 - _costs.PAPER_CLAIMS["pulse"]["claim"])
        used = ", ".join(f"{d}: {fmt_si(claim_cells[d].pulse_width_s, 's')}" for d in others)
        pulse_note = (
            f"The paper's 16.7 % shorter pulse implies a {fmt_si(implied, 's')} reference pulse "
            f"for the earlier cells; the presets compared here use {used}."
        )

    # ---- endurance
    end_rows = []
    for d, rs in runs.items():
        cc = cell[d]
        if cc is None:
            end_rows.append([d, dash, dash, dash, dash, dash, dash, dash])
            continue
        w = _writes_flat(rs[0]) if rs else np.zeros(0)
        max_w = mean_rc(d, "max_cell_writes")
        worn = _mean_std([r.summary.get("counters", {}).get("worn_cells", 0) for r in rs])[0]
        end_rows.append(
            [
                d,
                f"{cc.endurance_cycles:.0e}",
                f"{w.mean():.2f}" if w.size else dash,
                _fmt_count(max_w),
                _most_written(rs[0]) if rs else dash,
                _fmt_count(_costs.endurance_projection(cc.endurance_cycles, max_w)),
                _fmt_count(_costs.endurance_projection(1e8, max_w)),
                _fmt_count(worn),
            ]
        )

    # ---- plots
    pngs = {
        "acc_vs_epoch.png": "Accuracy vs epoch (solid: training weights, dashed: MSB-only)",
        "msb_writes_hist.png": "MSB-write histogram (writes per cell in one training run)",
        "lsb_traces.png": "LSB trajectories of sampled cells, with transfers",
        "retention.png": "MSB-only inference accuracy vs retention time",
    }
    _plot_acc_vs_epoch(runs, out / "acc_vs_epoch.png")
    _plot_write_hist(runs, out / "msb_writes_hist.png")
    _plot_lsb_traces(runs, out / "lsb_traces.png")
    _plot_retention(runs, out / "retention.png")

    # ---- document
    split = first.summary.get("split", {})
    seeds = {d: [r.summary.get("seed") for r in rs] for d, rs in runs.items()}
    epochs = sorted({r.summary.get("epochs") for rs in runs.values() for r in rs} - {None})
    blocks: list[tuple] = [
        ("h1", title),
        (
            "p",
            f"Network **{net}**, dataset **{dataset}** (train: {split.get('train', '?')}; "
            f"eval: {split.get('eval', '?')}); epochs: {', '.join(map(str, epochs)) or '?'}; "
            f"seeds per design: " + ", ".join(f"{d}: {len(s)}" for d, s in seeds.items()) + ". "
            "Reproduces the comparison of Kazemi et al., arXiv 2004.00703 (ISCAS 2020).",
        ),
        *([("p", f"Reproduce with `{command}` (femsyn {__version__}).")] if command else []),
        ("h2", "Accuracy"),
        (
            "p",
            "Mean ± std over seeds. **Training weights** = MSB + LSB; **MSB-only** = the "
            "non-volatile weights used for inference; gap = this design minus the ideal network of "
            "the same precision (training weights / MSB-only), in percentage points.",
        ),
        (
            "table",
            [
                "design",
                "seeds",
                "training weights",
                "MSB-only",
                ret_label,
                "paper",
                "gap to ideal (femsyn)",
                "gap to ideal (paper)",
            ],
            acc_rows,
        ),
        ("img", "acc_vs_epoch.png", pngs["acc_vs_epoch.png"]),
        ("img", "retention.png", pngs["retention.png"]),
        ("h2", "Cell cost"),
        (
            "p",
            "Per-cell costs from `femsyn.costs` (a documented parametric model; electrical values "
            "from each design's device preset). Run rows: counts from the run (mean over seeds) × "
            "per-event costs. Latency: rows of a layer update in parallel (sum over updates of "
            "the largest pulse count × pulse width); a transfer event programs a layer row by row; "
            "a write by the overflow trigger is counted serially (an upper bound). Hold energy = "
            "leakage × cells × simulated time. Ideal/float designs have no cell (—).",
        ),
        ("table", ["metric"] + designs, cost_rows),
        ("h2", "Model vs the paper's claims"),
        (
            "p",
            "Improvement of the FeMFET cell over each earlier cell, as this model computes it "
            "(not tuned to the paper), beside the paper's claim (abstract).",
        ),
        (
            "table",
            ["claim"]
            + [f"model: vs {d}" + (" (preset, not run)" if d in not_run else "") for d in others]
            + ['model: best ("up to")', "paper claim"],
            claim_rows,
        ),
        *([("p", pulse_note, "note")] if pulse_note else []),
        ("h2", "Endurance"),
        (
            "p",
            "Writes per cell from `writes.npz` (first seed); max from the run counters (mean over "
            "seeds). Projected runs until wear-out = endurance / max writes per cell per run; the "
            "last column uses 1e8 cycles (the earlier cells' endurance).",
        ),
        (
            "table",
            [
                "design",
                "endurance",
                "mean writes/cell/run",
                "max writes/cell/run",
                "most-written cell",
                "runs to wear-out",
                "runs to wear-out at 1e8",
                "worn cells",
            ],
            end_rows,
        ),
        ("img", "msb_writes_hist.png", pngs["msb_writes_hist.png"]),
        ("img", "lsb_traces.png", pngs["lsb_traces.png"]),
        ("h2", "Cost-model assumptions"),
        (
            "p",
            'Every constant of the cost model and its source. "assumed" = not stated in the paper '
            "or an anchor paper; change it in `femsyn/costs.py` and rebuild the report.",
        ),
        (
            "table",
            ["scope", "parameter", "value", "unit", "source", "note"],
            [[a["scope"], a["name"], a["value"], a["unit"], a["source"], a["note"]] for a in _costs.assumptions()],
        ),
        ("h2", "Runs"),
        (
            "table",
            ["design", "run directories"],
            [[d, ", ".join(_display_path(r.path, out) for r in rs) or "(none)"] for d, rs in runs.items()],
        ),
    ]
    warn_rows = []
    for d, rs in runs.items():
        seen: dict[str, list[float]] = {}
        for r in rs:
            for w in r.summary.get("warnings") or []:
                # the same diagnosis in every epoch and seed: one row, with the range of its figure
                text = re.sub(r"^epoch \d+: ", "", str(w))
                pcts = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", text)]
                key = re.sub(r"\d+(?:\.\d+)?%", "{pct}", text)
                seen.setdefault(key, []).extend(pcts[:1] or [math.nan])
        for key, vals in list(seen.items())[:8]:
            v = [x for x in vals if not math.isnan(x)]
            pct = f"{min(v):.1f}%" if v and min(v) == max(v) else (f"{min(v):.1f}-{max(v):.1f}%" if v else "")
            warn_rows.append([d, str(len(vals)), key.replace("{pct}", pct)])
        if len(seen) > 8:
            warn_rows.append([d, "", f"... and {len(seen) - 8} more (see summary.json of each run)"])
    if warn_rows:
        blocks += [
            ("h2", "Training diagnostics"),
            ("p", "Warnings the training loop recorded (summary.json), with how often they occurred."),
            ("table", ["design", "times", "warning"], warn_rows),
        ]
    if skipped:
        blocks.append(("p", "Skipped: " + "; ".join(skipped), "note"))

    (out / "report.md").write_text(_render_md(blocks), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(_render_html(blocks, out, title), encoding="utf-8")
    numbers = {
        "net": net,
        "dataset": dataset,
        "paper_accuracy": paper,
        "accuracy": {d: {k: {"mean": v[0], "std": v[1]} for k, v in a.items()} for d, a in acc.items()},
        "ideal_baseline": ideal_of,
        "cell_costs": {d: (vars(c) if c else None) for d, c in cell.items()},
        "run_costs": {d: [vars(rc) for rc in rcs] for d, rcs in run_cost.items()},
        "claims": claims,
    }
    (out / "report.json").write_text(json.dumps(numbers, indent=2, default=_json_default), encoding="utf-8")
    return html_path


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)
