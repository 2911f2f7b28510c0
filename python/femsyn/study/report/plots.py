"""The report's four plots: accuracy per epoch, the MSB-write histogram, LSB trajectories of
sampled cells with their transfers, and MSB-only accuracy against retention time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from femsyn.study.report.accuracy import retention_curve_numbers
from femsyn.study.report.runs import RunData, writes_flat

__all__ = ["PLOTS", "draw_plots"]

#: file name -> caption, in the order the report shows them
PLOTS: dict[str, str] = {
    "acc_vs_epoch.png": "Accuracy vs epoch (solid: training weights, dashed: MSB-only)",
    "msb_writes_hist.png": "MSB-write histogram (writes per cell in one training run)",
    "lsb_traces.png": "LSB trajectories of sampled cells, with transfers",
    "retention.png": "MSB-only inference accuracy vs retention time",
}


def draw_plots(runs: Mapping[str, list[RunData]], out: Path) -> dict[str, str]:
    """Write every plot of :data:`PLOTS` into ``out``; return their captions."""
    _plot_acc_vs_epoch(runs, out / "acc_vs_epoch.png")
    _plot_write_hist(runs, out / "msb_writes_hist.png")
    _plot_lsb_traces(runs, out / "lsb_traces.png")
    _plot_retention(runs, out / "retention.png")
    return dict(PLOTS)


# One colour per design in every plot of every report (tab10 order), so femfet-6b looks the same
# in the comparison of MNIST and of CIFAR-10; designs not listed get a colour from their name.
_DESIGN_COLORS = {
    "float": "#7f7f7f",
    "ideal-6b": "#1f77b4",
    "ideal-8b": "#17becf",
    "femfet-6b": "#d62728",
    "femfet-8b": "#ff7f0e",
    "2t1fefet-6b": "#2ca02c",
    "3t1c2pcm-6b": "#9467bd",
}
_SPARE_COLORS = ("#8c564b", "#e377c2", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173")


def design_color(design: str) -> str:
    """The design's colour: fixed for the presets, else chosen by a hash of the name (stable
    across runs and reports)."""
    import zlib

    if design in _DESIGN_COLORS:
        return _DESIGN_COLORS[design]
    return _SPARE_COLORS[zlib.crc32(design.encode()) % len(_SPARE_COLORS)]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _plot_acc_vs_epoch(runs: Mapping[str, list[RunData]], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for design, rs in runs.items():
        color = design_color(design)
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
        d: writes_flat(rs[0])
        for d, rs in runs.items()
        if rs and rs[0].device.get("kind") == "hybrid"  # ideal/float have no MSB writes
    }
    top = max((int(w.max()) for w in data.values() if w.size), default=0)
    bins = np.arange(0, top + 2) - 0.5 if top < 60 else np.linspace(0, top + 1, 61)
    for design in runs:
        w = data.get(design, np.zeros(0))
        if w.size == 0:
            continue
        hi = int(w.max())
        ax.hist(w, bins=bins, histtype="step", color=design_color(design), lw=1.5, label=f"{design} (max {hi:,})")
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


_T_ZERO_AT = 0.1  # where t = 0 sits on the retention plot's log axis


def _plot_retention(runs: Mapping[str, list[RunData]], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = False
    for design, rs in runs.items():
        curve = retention_curve_numbers([r for r in rs if r.summary.get("retention_curve")])
        if not curve:
            continue
        t = np.asarray(list(curve), dtype=float)
        mean = np.asarray([m for m, _ in curve.values()], dtype=float)
        t_plot = np.where(t <= 0, _T_ZERO_AT, t)  # t = 0 drawn at the left edge of the log axis
        ax.plot(t_plot, 100 * mean, marker="o", ms=3, color=design_color(design), label=design)
        drawn = True
    if not drawn:
        ax.text(0.5, 0.5, "no retention curves in these runs", ha="center", transform=ax.transAxes)
    else:
        ax.set_xscale("log")
        ax.legend(fontsize=7)
    ax.set_xlabel(f"retention time (s; 0 drawn at {_T_ZERO_AT:g} s)")
    ax.set_ylabel("MSB-only accuracy (%)")
    ax.set_title("Inference accuracy vs retention time (mean over seeds)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
