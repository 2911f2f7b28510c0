"""A sweep's results table: one row per point, written as ``results.csv`` (and ``results.parquet``
when pyarrow is installed).

Columns, in order: the point (``point``, ``run``, ``status``, ``attempts``, ``error``), every axis
(named as in the SPEC), ``seed`` and the run's ``net``/``dataset``/``synapse``/``epochs``; the
three accuracies (``acc_train``: training weights, ``acc_msb``: MSB-only, ``acc_retention``:
MSB-only after ``retention_s``) and the retention curve (``acc_msb_after_<t>s``); every counter
of the run's summary.json (``pulses``, ``msb_writes``, ...); the cell's cost from
``femsyn.device.costs`` (``cell``, ``cell_area_f2``, ``cell_leakage_w``, ``pulse_energy_j``,
``msb_write_energy_j``, ``endurance_cycles``) and the run's (``energy_update_j``,
``energy_hold_j``, ``energy_j`` = their sum, ``latency_update_s``, ``lifetime_runs``: trainings
until the most-written cell wears out); then ``cells``, ``wall_s``, ``images_per_s``, the split
names and ``run_dir``. Ideal and float designs have no cell: their cost columns are empty.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from femsyn.device import costs as cost_model
from femsyn.run import RETENTION_CURVE_S
from femsyn.run.checkpoint import atomic_write_bytes
from femsyn.study.sweep.plan import Run
from femsyn.study.sweep.points import Point

__all__ = ["ACCURACY_COLUMNS", "COST_COLUMNS", "TIMING_COLUMNS", "point_row", "rows_frame", "write_results"]

ACCURACY_COLUMNS = ("acc_train", "acc_msb", "acc_retention")
COST_COLUMNS = (
    "cell_area_f2",
    "cell_leakage_w",
    "pulse_energy_j",
    "msb_write_energy_j",
    "endurance_cycles",
    "energy_update_j",
    "energy_hold_j",
    "energy_j",
    "latency_update_s",
    "lifetime_runs",
)
#: columns that say how and when a run was made, not what it computed (they differ between
#: reruns; every other column of a point is bit-identical wherever and however it ran)
TIMING_COLUMNS = ("status", "attempts", "wall_s", "images_per_s", "run_dir")
NAN = math.nan


def curve_column(t: float) -> str:
    return f"acc_msb_after_{t:.0f}s"


def point_row(point: Point, run: Run, result: Mapping[str, Any]) -> dict[str, Any]:
    """The results row of one point from its run's task result (summary.json or the error)."""
    config = point.config
    summary = result.get("summary") or {}
    ok = result.get("status") != "failed" and bool(summary)
    row: dict[str, Any] = {
        "point": point.index,
        "run": run.name,
        "status": result.get("status", "failed"),
        "attempts": int(result.get("attempt", 1)),
        "error": result.get("error", ""),
        **point.axes,
        "seed": point.seed,
    }
    for k, v in (("net", config.net), ("dataset", config.dataset), ("synapse", config.synapse_label)):
        row.setdefault(k, v)
    row.setdefault("epochs", config.epochs)
    row.update(_accuracies(summary if ok else {}, point.retention_s))
    for k, v in (summary.get("counters") or {}).items() if ok else ():
        if isinstance(v, (int, float)):
            row[k if k not in row else f"counter_{k}"] = v
    row.update(_costs(summary) if ok else {"cell": "", **dict.fromkeys(COST_COLUMNS, NAN)})
    row["cells"] = summary.get("cells", NAN) if ok else NAN
    row["wall_s"] = float(summary.get("wall_s", NAN)) if ok else float(result.get("wall_s", NAN))
    row["images_per_s"] = float(summary.get("images_per_s", NAN)) if ok else NAN
    split = summary.get("split") or run.split.names
    row["split_train"], row["split_eval"] = split.get("train", ""), split.get("eval", "")
    row["run_dir"] = str(run.run_dir)
    return row


def _accuracies(summary: Mapping[str, Any], retention_s: float) -> dict[str, Any]:
    acc = summary.get("accuracy") or {}
    curve = {float(t): float(a) for t, a in summary.get("retention_curve") or []}
    row = {
        "acc_train": float(acc.get("train_weights", NAN)),
        "acc_msb": float(acc.get("msb_only", NAN)),
        "acc_retention": curve.get(retention_s, NAN),
        "retention_s": retention_s,
    }
    row.update({curve_column(t): curve.get(float(t), NAN) for t in RETENTION_CURVE_S})
    return row


def _costs(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The cell's and the whole run's costs (empty for ideal/float designs, which have no cell)."""
    try:
        cell = cost_model.cell_costs(summary.get("device") or {})
    except (ValueError, TypeError, KeyError):
        cell = None
    if cell is None:
        return {"cell": "", **dict.fromkeys(COST_COLUMNS, NAN)}
    run = cost_model.run_costs(cell, summary)
    return {
        "cell": cell.cell,
        "cell_area_f2": cell.area_f2,
        "cell_leakage_w": cell.leakage_w,
        "pulse_energy_j": cell.pulse_energy_j,
        "msb_write_energy_j": cell.msb_write_energy_j,
        "endurance_cycles": cell.endurance_cycles,
        "energy_update_j": run.update_energy_j,
        "energy_hold_j": run.hold_energy_j,
        "energy_j": run.update_energy_j + run.hold_energy_j,
        "latency_update_s": run.update_latency_s,
        "lifetime_runs": run.runs_to_wearout,
    }


def columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every column of the rows, in the order they first appear."""
    out: dict[str, None] = {}
    for r in rows:
        out.update(dict.fromkeys(r))
    return list(out)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def write_results(rows: Sequence[Mapping[str, Any]], out: Path) -> list[Path]:
    """``out/results.csv`` (and ``results.parquet`` with pyarrow), written atomically."""
    cols = columns(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in cols])
    atomic_write_bytes(out / "results.csv", buf.getvalue().encode("utf-8"))
    written = [out / "results.csv"]
    if _write_parquet(rows, cols, out / "results.parquet"):
        written.append(out / "results.parquet")
    return written


def _write_parquet(rows: Sequence[Mapping[str, Any]], cols: list[str], path: Path) -> bool:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    table = pa.table({c: _arrow_column([r.get(c) for r in rows]) for c in cols})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())
    return True


def _arrow_column(values: list[Any]) -> list[Any]:
    """One type per column: numbers (ints stay ints unless mixed with floats), else strings."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return values
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            return values
        return [None if v is None else float(v) for v in values]
    return [None if v is None else str(v) for v in values]


def rows_frame(rows: Sequence[Mapping[str, Any]]) -> Any:
    """The rows as a pandas DataFrame (columns in results.csv order)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("as_frame=True needs pandas (pip install pandas); without it, use the list of rows") from None
    return pd.DataFrame(list(rows), columns=columns(rows))
