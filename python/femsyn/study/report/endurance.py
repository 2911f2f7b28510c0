"""The report's endurance section: MSB writes per cell and the trainings until the cells wear out."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from femsyn.device.costs import endurance_projection
from femsyn.study.report.cost import DASH, Costs
from femsyn.study.report.formatting import fmt_count, mean_std
from femsyn.study.report.runs import RunData, most_written, writes_flat

__all__ = ["endurance_section"]


def endurance_section(runs: Mapping[str, list[RunData]], costs: Costs, plots: Mapping[str, str]) -> list[tuple]:
    """The endurance table and the MSB-write and LSB-trace plots."""
    return [
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
            _rows(runs, costs),
        ),
        ("img", "msb_writes_hist.png", plots["msb_writes_hist.png"]),
        ("img", "lsb_traces.png", plots["lsb_traces.png"]),
    ]


def _rows(runs: Mapping[str, list[RunData]], costs: Costs) -> list[list[str]]:
    rows = []
    for d, rs in runs.items():
        cc = costs.cell[d]
        if cc is None:
            rows.append([d, DASH, DASH, DASH, DASH, DASH, DASH, DASH])
            continue
        w = writes_flat(rs[0]) if rs else np.zeros(0)
        max_w = costs.mean(d, "max_cell_writes")
        worn = mean_std([r.summary.get("counters", {}).get("worn_cells", 0) for r in rs])[0]
        rows.append(
            [
                d,
                f"{cc.endurance_cycles:.0e}",
                f"{w.mean():.2f}" if w.size else DASH,
                fmt_count(max_w),
                most_written(rs[0]) if rs else DASH,
                fmt_count(endurance_projection(cc.endurance_cycles, max_w)),
                fmt_count(endurance_projection(1e8, max_w)),
                fmt_count(worn),
            ]
        )
    return rows
