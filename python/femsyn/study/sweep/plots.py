"""The sweep report's figures: accuracy against each numeric axis, heatmaps over two grid axes,
and Pareto fronts of accuracy against a cost. Each returns its caption."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from femsyn.study.sweep.aggregate import Group, stats_by
from femsyn.study.sweep.pareto import pareto_front
from femsyn.study.sweep.spec import Axis, fmt_value

__all__ = ["MAX_LINES", "ACCURACIES", "plot_heatmap", "plot_pareto", "plot_vs_axis"]

#: at most this many lines per plot; further axes are averaged over (the caption says which)
MAX_LINES = 8
#: the two accuracies every axis plot and heatmap shows, side by side
ACCURACIES = (("acc_train", "training weights (MSB+LSB)"), ("acc_msb", "MSB-only inference"))


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _distinct(rows: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    seen: list[Any] = []
    for r in rows:
        if r.get(key) not in seen:
            seen.append(r.get(key))
    return seen


def line_axes(rows: Sequence[Mapping[str, Any]], others: Sequence[Axis]) -> tuple[list[Axis], list[Axis]]:
    """Which other axes get one line per value (categorical ones first, while the lines stay at
    most MAX_LINES) and which are averaged over."""
    lines, averaged, n = [], [], 1
    for a in sorted(others, key=lambda a: a.numeric):
        k = len(_distinct(rows, a.key))
        if n * k <= MAX_LINES:
            lines.append(a)
            n *= k
        else:
            averaged.append(a)
    return lines, averaged


def _sortable(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        return values


def _log_scale(xs: Sequence[Any]) -> bool:
    nums = [float(x) for x in xs if isinstance(x, (int, float)) and not isinstance(x, bool)]
    return bool(nums) and min(nums) > 0 and max(nums) / min(nums) >= 20


def plot_vs_axis(rows: Sequence[Mapping[str, Any]], axis: Axis, axes: Sequence[Axis], path: Path) -> str:
    """Accuracy (training weights | MSB-only) vs ``axis``, mean ± std over seeds."""
    plt = _plt()
    lines, averaged = line_axes(rows, [a for a in axes if a.key != axis.key])
    keys = [a.key for a in lines]
    combos = _distinct([{"k": tuple(r.get(k) for k in keys)} for r in rows], "k")
    fig, panels = plt.subplots(1, 2, figsize=(10, 3.8), squeeze=False)
    for ax, (col, title) in zip(panels[0], ACCURACIES):
        stats = stats_by(rows, [axis.key, *keys], col)
        for i, combo in enumerate(combos):
            xs = _sortable([x for (x, *rest) in stats if tuple(rest) == combo])
            m = np.array([stats[(x, *combo)][0] for x in xs], dtype=float)
            s = np.nan_to_num(np.array([stats[(x, *combo)][1] for x in xs], dtype=float))
            label = ", ".join(f"{k}={fmt_value(v)}" for k, v in zip(keys, combo)) or None
            ax.errorbar(
                xs,
                100 * m,
                yerr=100 * s,
                marker="o",
                ms=4,
                capsize=3,
                color=f"C{i % 10}",
                ls="none" if axis.group == "random" else "-",
                label=label,
            )
        if axis.numeric and _log_scale(axis.values):
            ax.set_xscale("log")
        ax.set_xlabel(axis.key)
        ax.set_ylabel(f"{title} accuracy (%)", fontsize=8)
        ax.grid(alpha=0.3)
        if keys:
            ax.legend(fontsize=6)
    fig.suptitle(f"Accuracy vs {axis.key} (mean ± std over seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    caption = f"Accuracy vs {axis.key}, mean ± std over seeds"
    if keys:
        caption += "; one line per value of " + " x ".join(keys)
    if averaged:
        caption += "; averaged over " + ", ".join(a.key for a in averaged)
    return caption


def plot_heatmap(rows: Sequence[Mapping[str, Any]], a: Axis, b: Axis, averaged: Sequence[Axis], path: Path) -> str:
    """Mean accuracy (training weights | MSB-only) over the grid of ``a`` (x) and ``b`` (y)."""
    plt = _plt()
    xs, ys = _sortable(list(a.values)), _sortable(list(b.values))
    fig, panels = plt.subplots(1, 2, figsize=(10, 0.5 * len(ys) + 2.6), squeeze=False)
    for ax, (col, title) in zip(panels[0], ACCURACIES):
        stats = stats_by(rows, [a.key, b.key], col)
        grid = np.array([[stats.get((x, y), (math.nan,))[0] for x in xs] for y in ys], dtype=float) * 100
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for (j, i), v in np.ndenumerate(grid):
            if not math.isnan(v):
                ax.text(
                    i, j, f"{v:.1f}", ha="center", va="center", fontsize=7, color="w" if v < np.nanmean(grid) else "k"
                )
        ax.set_xticks(range(len(xs)), [fmt_value(x) for x in xs], fontsize=7)
        ax.set_yticks(range(len(ys)), [fmt_value(y) for y in ys], fontsize=7)
        ax.set_xlabel(a.key)
        ax.set_ylabel(b.key)
        ax.set_title(f"{title} (%)", fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    extra = f" and over {', '.join(x.key for x in averaged)}" if averaged else ""
    return f"Accuracy (%) over {a.key} x {b.key}, mean over seeds{extra}"


def plot_pareto(
    groups: Sequence[Group],
    number: Mapping[int, int],
    cost: tuple[str, str],
    metric: tuple[str, str],
    target: float | None,
    color_key: str | None,
    path: Path,
) -> list[int]:
    """Accuracy (``metric``) vs ``cost`` of every configuration; the front joined by a line,
    configurations that reach ``target`` drawn as stars. Returns the front's group indices."""
    plt = _plt()
    cost_col, cost_label = cost
    col, label = metric
    xs = [g.mean(cost_col) for g in groups]
    ys = [g.mean(col) for g in groups]
    front = pareto_front(xs, ys)
    colors = _distinct([{"c": g.axes.get(color_key)} for g in groups], "c") if color_key else [None]
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    shift = {i: 9 * (k % 3) for k, i in enumerate(front)}  # labels of close front points apart
    for i, g in enumerate(groups):
        if math.isnan(xs[i]) or math.isnan(ys[i]):
            continue
        c = colors.index(g.axes.get(color_key)) if color_key else 0
        meets = target is not None and ys[i] >= target
        ax.scatter(
            xs[i],
            100 * ys[i],
            s=90 if meets else 30,
            marker="*" if meets else "o",
            color=f"C{c % 10}",
            edgecolors="k" if i in front else "none",
            zorder=3,
        )
        if i in front:
            ax.annotate(
                f"#{number[i]}", (xs[i], 100 * ys[i]), fontsize=7, xytext=(4, 3 + shift[i]), textcoords="offset points"
            )
    if front:
        ax.plot([xs[i] for i in front], [100 * ys[i] for i in front], "k--", lw=0.8, zorder=2, label="Pareto front")
    if target is not None:
        ax.axhline(100 * target, color="r", lw=0.8, ls=":", label=f"target {100 * target:g} % (stars reach it)")
    for c, v in enumerate(colors if color_key else []):
        ax.scatter([], [], color=f"C{c % 10}", label=f"{color_key}={fmt_value(v)}")
    if _log_scale(x for x in xs if not math.isnan(x)):
        ax.set_xscale("log")
    ax.set_xlabel(cost_label)
    ax.set_ylabel(f"{label} accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return front
