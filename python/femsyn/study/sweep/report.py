"""The sweep report: ``report.md`` and a self-contained ``report.html`` (plots embedded) built from
a plan and its rows alone, so rerunning a finished sweep rebuilds it without training.

Sections: what was swept and how to reproduce it (the command and the SPEC), the axes, one row
per configuration (mean ± std over seeds), accuracy vs each numeric axis, heatmaps over pairs of
grid axes, the Pareto fronts of accuracy vs energy per training run and vs cell area, the
configurations that reach the target accuracy, failures, training diagnostics and the cost
model's assumptions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

from femsyn._version import __version__
from femsyn.study.report.cost import assumptions_section
from femsyn.study.report.diagnostics import diagnostics_section
from femsyn.study.report.document import render_html, render_md
from femsyn.study.report.formatting import fmt_count, fmt_si, pct
from femsyn.study.report.runs import RunData
from femsyn.study.sweep.aggregate import Group, group_rows
from femsyn.study.sweep.plan import Plan
from femsyn.study.sweep.plots import plot_heatmap, plot_pareto, plot_vs_axis
from femsyn.study.sweep.spec import fmt_value

__all__ = ["TARGET_ON", "build_sweep_report"]

#: --target-on -> (results column, what it is)
TARGET_ON = {
    "train": ("acc_train", "training weights (MSB+LSB)"),
    "msb": ("acc_msb", "MSB-only inference"),
    "retention": ("acc_retention", "MSB-only after retention"),
}
#: at most this many configurations in the report's tables (all of them are in results.csv)
MAX_TABLE_ROWS = 200
#: heatmaps for at most this many pairs of grid axes
MAX_HEATMAPS = 3
_ENERGY = ("energy_j", "energy per training run (J: LSB pulses + MSB writes + hold leakage)")
_AREA = ("cell_area_f2", "cell area (F²)")


def build_sweep_report(
    plan: Plan,
    rows: Sequence[Mapping[str, Any]],
    *,
    target: float | None = None,
    target_on: str = "train",
    command: str | None = None,
) -> Path:
    """Write report.md, report.html and the PNGs into the sweep's folder; return report.html."""
    if target_on not in TARGET_ON:
        raise ValueError(f"target_on = {target_on!r}; allowed: {', '.join(TARGET_ON)}")
    out = plan.out
    axes = list(plan.spec.axes)
    groups = group_rows(rows, [a.key for a in axes])
    number = {i: i + 1 for i in range(len(groups))}
    metric = TARGET_ON[target_on]
    title = plan.spec.title or f"femsyn sweep: {Path(plan.spec.source).stem}"
    blocks = [
        *_header(plan, rows, title, command),
        *_axes_section(plan),
        *_table_section(groups, axes, target, metric),
        *_axis_plots(rows, axes, out),
        *_heatmaps(rows, axes, out),
        *_pareto_section(groups, number, axes, target, metric, out),
        *_target_section(groups, number, target, metric),
        *_failures(rows),
        *diagnostics_section({f"#{number[i]} {g.label()}": _run_data(g) for i, g in enumerate(groups)}),
        *assumptions_section(),
    ]
    (out / "report.md").write_text(render_md(blocks), encoding="utf-8")
    html = out / "report.html"
    html.write_text(render_html(blocks, out, title), encoding="utf-8")
    return html


def _run_data(g: Group) -> list[RunData]:
    out = []
    for r in g.rows:
        summary = _summary(Path(r["run_dir"]))
        if summary:
            out.append(RunData(Path(r["run_dir"]), summary))
    return out


def _summary(run_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None


def _distinct(rows: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    return list(dict.fromkeys(str(r.get(key)) for r in rows if r.get(key) not in (None, "")))


def _header(plan: Plan, rows: Sequence[Mapping[str, Any]], title: str, command: str | None) -> list[tuple]:
    spec = plan.spec
    n_configs = len(spec.combos())
    failed = sum(r.get("status") == "failed" for r in rows)
    what = (
        f"{len(rows)} points ({n_configs} configurations x {len(spec.seeds)} seeds: "
        f"{', '.join(map(str, spec.seeds))}), {len(plan.runs)} training runs, {failed} failed. "
        f"Network: {', '.join(_distinct(rows, 'net'))}; dataset: {', '.join(_distinct(rows, 'dataset'))} "
        f"(train: {'; '.join(_distinct(rows, 'split_train'))}; eval: {'; '.join(_distinct(rows, 'split_eval'))}); "
        f"epochs: {', '.join(_distinct(rows, 'epochs'))}; synapse: {', '.join(_distinct(rows, 'synapse'))}."
    )
    command = command or f"femsyn sweep {spec.source} --out {plan.out}"
    spec_text = spec.text or json.dumps(
        {
            "seeds": list(spec.seeds),
            "base": spec.base,
            "device": spec.device,
            "axes": {a.key: list(a.values) for a in spec.axes},
        },
        indent=2,
    )
    return [
        ("h1", title),
        ("p", what),
        ("p", f"Reproduce with `{command}` (femsyn {__version__}). Every point's numbers are in `results.csv`."),
        ("code", spec_text.rstrip("\n"), "toml" if spec.text else "json"),
    ]


def _axes_section(plan: Plan) -> list[tuple]:
    rows = [[a.key, a.group, ", ".join(map(fmt_value, a.values))] for a in plan.spec.axes]
    fixed = [f"{k} = {fmt_value(v)}" for k, v in plan.spec.base.items()] + [
        f"device.{k} = {fmt_value(v)}" for k, v in plan.spec.device.items()
    ]
    return [
        ("h2", "Axes"),
        ("table", ["axis", "group", "values"], rows or [["(none)", "", ""]]),
        ("p", "Fixed for every point: " + ("; ".join(fixed) if fixed else "the TrainConfig defaults") + "."),
    ]


def _table_section(
    groups: Sequence[Group], axes: Sequence[Any], target: float | None, metric: tuple[str, str]
) -> list[tuple]:
    head = [
        "#",
        *[a.key for a in axes],
        "seeds",
        "training weights",
        "MSB-only",
        "MSB-only after retention",
        "energy / run",
        "of which updates",
        "cell area (F²)",
        "runs to wear-out",
    ]
    if target is not None:
        head.append(f"reaches {100 * target:g} %")
    body = []
    for i, g in enumerate(groups[:MAX_TABLE_ROWS]):
        row = [
            str(i + 1),
            *[fmt_value(g.axes[a.key]) for a in axes],
            f"{len(g.rows)}" + (f" (+{g.failed} failed)" if g.failed else ""),
        ]
        row += [pct(*g.stat("acc_train")), pct(*g.stat("acc_msb")), pct(*g.stat("acc_retention"))]
        row += [fmt_si(g.mean("energy_j"), "J"), fmt_si(g.mean("energy_update_j"), "J")]
        row += [_area(g.mean("cell_area_f2")), fmt_count(g.mean("lifetime_runs"))]
        if target is not None:
            row.append("yes" if g.mean(metric[0]) >= target else "no")
        body.append(row)
    more = [("p", f"... and {len(groups) - MAX_TABLE_ROWS} more configurations (see results.csv).", "note")]
    return [
        ("h2", "Results"),
        (
            "p",
            "One row per configuration: mean ± std over its seeds. Energy per training run = updates (LSB "
            "pulses + MSB writes) + hold leakage (femsyn.device.costs); ideal and float designs have no cell (—).",
        ),
        ("table", head, body),
        *(more if len(groups) > MAX_TABLE_ROWS else []),
    ]


def _area(v: float) -> str:
    return "—" if v != v else f"{v:,.0f}"


def _png(name: str) -> str:
    return "sweep_" + re.sub(r"[^A-Za-z0-9_]+", "_", name) + ".png"


def _axis_plots(rows: Sequence[Mapping[str, Any]], axes: Sequence[Any], out: Path) -> list[tuple]:
    numeric = [a for a in axes if a.numeric and len(a.values) > 1]
    if not numeric:
        return []
    blocks: list[tuple] = [("h2", "Accuracy vs each axis")]
    for a in numeric:
        name = _png(f"acc_vs_{a.key}")
        blocks.append(("img", name, plot_vs_axis(rows, a, axes, out / name)))
    return blocks


def _heatmaps(rows: Sequence[Mapping[str, Any]], axes: Sequence[Any], out: Path) -> list[tuple]:
    grid = [a for a in axes if a.group == "grid" and len(a.values) > 1]
    pairs = list(combinations(grid, 2))[:MAX_HEATMAPS]
    if not pairs:
        return []
    blocks: list[tuple] = [("h2", "Heatmaps")]
    for a, b in pairs:
        others = [x for x in axes if x.key not in (a.key, b.key)]
        name = _png(f"heatmap_{a.key}_{b.key}")
        blocks.append(("img", name, plot_heatmap(rows, a, b, others, out / name)))
    return blocks


def _pareto_section(
    groups: Sequence[Group],
    number: Mapping[int, int],
    axes: Sequence[Any],
    target: float | None,
    metric: tuple[str, str],
    out: Path,
) -> list[tuple]:
    costed = [g for g in groups if g.mean("energy_j") == g.mean("energy_j")]
    if not costed:
        return [("h2", "Pareto fronts"), ("p", "No point has a cell cost (ideal and float designs only).", "note")]
    categorical = [a.key for a in axes if not a.numeric]
    color = categorical[0] if categorical else None
    index = {id(g): i for i, g in enumerate(groups)}
    num = {i: number[index[id(g)]] for i, g in enumerate(costed)}
    front_e = plot_pareto(costed, num, _ENERGY, metric, target, color, out / "sweep_pareto_energy.png")
    front_a = plot_pareto(costed, num, _AREA, metric, target, color, out / "sweep_pareto_area.png")
    skipped = len(groups) - len(costed)
    rows = [
        [
            f"#{num[i]}",
            costed[i].label(),
            pct(*costed[i].stat(metric[0])),
            fmt_si(costed[i].mean("energy_j"), "J"),
            _area(costed[i].mean("cell_area_f2")),
        ]
        for i in front_e
    ]
    return [
        ("h2", "Pareto fronts"),
        (
            "p",
            f"Accuracy ({metric[1]}, mean over seeds) against cost, one marker per configuration; the "
            "front (black edges, dashed line) holds the configurations that no other one beats on both."
            + (f" {skipped} configuration(s) without a cell (ideal/float) are left out." if skipped else ""),
        ),
        ("img", "sweep_pareto_energy.png", "Accuracy vs energy per training run"),
        ("img", "sweep_pareto_area.png", "Accuracy vs cell area, across designs"),
        ("p", "Configurations on the energy front, cheapest first:"),
        ("table", ["#", "configuration", "accuracy", "energy / run", "cell area (F²)"], rows),
        ("p", f"On the area front: {', '.join(f'#{num[i]}' for i in front_a)}."),
    ]


def _target_section(
    groups: Sequence[Group], number: Mapping[int, int], target: float | None, metric: tuple[str, str]
) -> list[tuple]:
    if target is None:
        return [
            ("h2", "Target"),
            ("p", "No target accuracy given (--target-acc X marks the configurations that reach X).", "note"),
        ]
    col, label = metric
    meets = [(i, g) for i, g in enumerate(groups) if g.mean(col) >= target]
    cheapest = sorted(meets, key=lambda ig: (_nan_last(ig[1].mean("energy_j")), _nan_last(ig[1].mean("cell_area_f2"))))
    rows = [
        [
            f"#{number[i]}",
            g.label(),
            pct(*g.stat(col)),
            fmt_si(g.mean("energy_j"), "J"),
            _area(g.mean("cell_area_f2")),
            fmt_count(g.mean("lifetime_runs")),
        ]
        for i, g in cheapest[:MAX_TABLE_ROWS]
    ]
    first = f" The cheapest in energy: #{number[cheapest[0][0]]} ({cheapest[0][1].label()})." if cheapest else ""
    return [
        ("h2", "Target"),
        (
            "p",
            f"{len(meets)} of {len(groups)} configurations reach {100 * target:g} % ({label}, mean over seeds).{first}",
        ),
        *(
            [("table", ["#", "configuration", "accuracy", "energy / run", "cell area (F²)", "runs to wear-out"], rows)]
            if rows
            else []
        ),
    ]


def _nan_last(v: float) -> float:
    return float("inf") if v != v else v


def _failures(rows: Sequence[Mapping[str, Any]]) -> list[tuple]:
    bad = [r for r in rows if r.get("status") == "failed"]
    if not bad:
        return []
    return [
        ("h2", "Failures"),
        (
            "p",
            "Points whose run failed (after one retry, none for a diverged run); `failed/<run>.txt` holds the "
            "traceback. Rerunning the sweep tries them again.",
        ),
        (
            "table",
            ["point", "run", "attempts", "error"],
            [[str(r["point"]), r["run"], str(r["attempts"]), r["error"]] for r in bad],
        ),
    ]
