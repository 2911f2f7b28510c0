"""``build_report``: a comparison's runs -> ``report.md``, ``report.html``, ``report.json`` and the
PNG plots, one section after the other."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from femsyn._version import __version__
from femsyn.study.report.accuracy import PAPER_ACCURACY, Accuracy, accuracy_numbers, accuracy_section
from femsyn.study.report.claims import Claims, claim_numbers, claims_section
from femsyn.study.report.cost import Costs, assumptions_section, cost_numbers, cost_section
from femsyn.study.report.diagnostics import diagnostics_section
from femsyn.study.report.document import render_html, render_md
from femsyn.study.report.endurance import endurance_section
from femsyn.study.report.plots import draw_plots
from femsyn.study.report.realism import realism_numbers, realism_section
from femsyn.study.report.runs import RunData, display_path, load_runs

__all__ = ["build_report"]


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
    runs, skipped = load_runs(run_dirs_by_design)
    if not any(runs.values()):
        raise ValueError("no finished runs to report on: " + "; ".join(skipped))
    first = next(r for rs in runs.values() for r in rs)
    net = net or first.summary.get("net", "?")
    dataset = dataset or first.summary.get("dataset", "?")
    paper = PAPER_ACCURACY.get((str(net).lower(), str(dataset).lower()), {})
    title = title or f"femsyn comparison: {net} on {dataset}"

    accuracy = accuracy_numbers(runs)
    costs = cost_numbers(runs, accuracy.devices)
    claims = claim_numbers(list(runs), costs)
    realism = realism_numbers(runs, accuracy, costs)
    plots = draw_plots(runs, out)
    blocks = [
        *_header(title, str(net), str(dataset), runs, command),
        *accuracy_section(runs, accuracy, paper, plots),
        *cost_section(runs, costs),
        *claims_section(claims, costs),
        *endurance_section(runs, costs, plots),
        *realism_section(realism),
        *assumptions_section(),
        *_runs_section(runs, out),
        *diagnostics_section(runs),
    ]
    if skipped:
        blocks.append(("p", "Skipped: " + "; ".join(skipped), "note"))

    (out / "report.md").write_text(render_md(blocks), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(render_html(blocks, out, title), encoding="utf-8")
    numbers = {**_numbers(net, dataset, paper, accuracy, costs, claims), "realism": realism}
    (out / "report.json").write_text(json.dumps(numbers, indent=2, default=_json_default), encoding="utf-8")
    return html_path


def _header(title: str, net: str, dataset: str, runs: Mapping[str, list[RunData]], command: str | None) -> list[tuple]:
    """Title, what was compared (net, dataset and splits, epochs, seeds) and how to reproduce it."""
    first = next(r for rs in runs.values() for r in rs)
    split = first.summary.get("split", {})
    seeds = {d: [r.summary.get("seed") for r in rs] for d, rs in runs.items()}
    epochs = sorted({r.summary.get("epochs") for rs in runs.values() for r in rs} - {None})
    return [
        ("h1", title),
        (
            "p",
            f"Network **{net}**, dataset **{dataset}** (train: {split.get('train', '?')}; "
            f"eval: {split.get('eval', '?')}); epochs: {', '.join(map(str, epochs)) or '?'}; "
            f"seeds per design: " + ", ".join(f"{d}: {len(s)}" for d, s in seeds.items()) + ". "
            "Reproduces the comparison of Kazemi et al., arXiv 2004.00703 (ISCAS 2020).",
        ),
        *([("p", f"Reproduce with `{command}` (femsyn {__version__}).")] if command else []),
    ]


def _runs_section(runs: Mapping[str, list[RunData]], out: Path) -> list[tuple]:
    return [
        ("h2", "Runs"),
        (
            "table",
            ["design", "run directories"],
            [[d, ", ".join(display_path(r.path, out) for r in rs) or "(none)"] for d, rs in runs.items()],
        ),
    ]


def _numbers(
    net: Any, dataset: Any, paper: dict[str, float], accuracy: Accuracy, costs: Costs, claims: Claims
) -> dict[str, Any]:
    """The figures of the report as report.json."""
    return {
        "net": net,
        "dataset": dataset,
        "paper_accuracy": paper,
        "accuracy": {d: {k: {"mean": v[0], "std": v[1]} for k, v in a.items()} for d, a in accuracy.by_design.items()},
        "ideal_baseline": accuracy.ideal_of,
        "cell_costs": {d: (vars(c) if c else None) for d, c in costs.cell.items()},
        "run_costs": {d: [vars(rc) for rc in rcs] for d, rcs in costs.run.items()},
        "claims": claims.claims,
    }


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)
