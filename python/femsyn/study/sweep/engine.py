"""``sweep(spec, out)``: plan every point, run what is not finished (on Dask), write the results
table and the report. The one engine behind ``femsyn sweep`` and ``femsyn compare``.

What a sweep writes into ``out``: ``runs/<name>/`` (one run directory per hash,
:mod:`~femsyn.study.sweep.identity`), ``points/<name>.toml`` (each run as a ``femsyn train
--config`` file), ``sweep.json`` (the points and their runs), ``results.csv`` (rewritten as runs
finish), ``failed/<name>.txt`` (the traceback of a run that failed twice), ``report.md`` and
``report.html``. Rerunning reuses finished runs, resumes unfinished ones and retries failed ones.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from femsyn._version import __version__
from femsyn.run.checkpoint import atomic_write_bytes
from femsyn.study.sweep.execute import execute, open_client
from femsyn.study.sweep.identity import IDENTITY_FORMAT
from femsyn.study.sweep.plan import Plan, Run, make_plan
from femsyn.study.sweep.results import point_row, rows_frame, write_results
from femsyn.study.sweep.spec import SweepSpec, target_fraction

__all__ = ["run_plan", "sweep"]

Log = Callable[[str], None]


def sweep(
    spec: str | os.PathLike | dict[str, Any] | SweepSpec,
    out: str | os.PathLike,
    *,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    target_acc: float | None = None,
    target_on: str = "train",
    progress: bool = True,
    log: Log | None = print,
    report: bool = True,
    as_frame: bool = False,
    command: str | None = None,
) -> Any:
    """Run a parameter sweep and return its rows (a list of dicts, one per point, as in
    ``results.csv``; a pandas DataFrame with ``as_frame=True``).

    ``spec`` is a SPEC file (TOML) or the same structure as a dict. The runs execute on
    ``client`` (a ``distributed.Client``) if given, else on the scheduler at ``scheduler``
    (``"tcp://host:8786"``), else on a LocalCluster of ``workers`` processes (default: the
    cores); ``workers=0`` runs them one after another in this process, without Dask. The report
    marks the points whose accuracy (``target_on``: ``"train"``, ``"msb"`` or ``"retention"``)
    reaches ``target_acc`` (a fraction, or a percentage above 1). Raises SpecError (a
    ValueError) before anything runs when the SPEC or one of its points is invalid; a point that
    fails while running is a row with ``status == "failed"`` and its ``error``.
    """
    say = log or (lambda _m: None)
    plan = make_plan(spec, out)
    target = target_fraction(target_acc) if target_acc is not None else plan.spec.target_acc
    rows = run_plan(plan, client=client, workers=workers, scheduler=scheduler, progress=progress, log=say)
    if report:
        from femsyn.study.sweep.report import build_sweep_report

        html = build_sweep_report(plan, rows, target=target, target_on=target_on, command=command)
        say(f"report: {plan.out / 'report.md'} and {html}")
    return rows_frame(rows) if as_frame else rows


def run_plan(
    plan: Plan,
    *,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    log: Log = print,
    inline_fallback: bool = False,
) -> list[dict[str, Any]]:
    """Execute the plan's pending runs and write results.csv; return the rows in point order.

    ``inline_fallback``: without Dask installed, run inline instead of failing (``compare``)."""
    plan.out.mkdir(parents=True, exist_ok=True)
    _write_plan_files(plan)
    results = {r.name: _finished(r) for r in plan.runs.values() if not r.pending}
    pending = plan.pending
    log(_what(plan))
    if pending and inline_fallback and client is None and scheduler is None and workers != 0 and not _has_dask():
        log("dask.distributed is not installed: running one run after another here (pip install 'femsyn[sweep]')")
        workers = 0

    def done(run: Run, result: dict[str, Any]) -> None:
        results[run.name] = result
        _record_failure(plan.out, run, result)
        write_results(_rows(plan, results), plan.out)

    # re-evaluating a finished run is a data load and a few forward passes: here, without a cluster
    evals = [r for r in pending if r.state == "finished"]
    train = [r for r in pending if r.state != "finished"]
    if evals:
        execute(evals, None, done, progress)
    if train:
        with open_client(client, scheduler, workers, len(train), log) as c:
            execute(train, c, done, progress)
    rows = _rows(plan, results)
    paths = write_results(rows, plan.out)
    failed = sum(r["status"] == "failed" for r in rows)
    log(f"results: {', '.join(map(str, paths))} ({len(rows)} points, {failed} failed)")
    return rows


def _rows(plan: Plan, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the points whose run has a result (all of them once the sweep is done)."""
    return [point_row(p, plan.point_run(p), results[n]) for p, n in zip(plan.points, plan.run_of) if n in results]


def _finished(run: Run) -> dict[str, Any]:
    summary = json.loads((run.run_dir / "summary.json").read_text())
    return {"name": run.name, "status": "reused", "summary": summary, "attempt": 1}


def _has_dask() -> bool:
    return importlib.util.find_spec("distributed") is not None


def _what(plan: Plan) -> str:
    runs = list(plan.runs.values())
    n = {s: sum(r.state == s for r in runs) for s in ("finished", "resumable", "new")}
    evals = sum(r.needs_eval for r in runs)
    return (
        f"sweep: {len(plan.points)} points, {len(runs)} runs in {plan.out / 'runs'}: {n['finished']} finished"
        + (f" ({evals} to re-evaluate)" if evals else "")
        + f", {n['resumable']} to resume, {n['new']} to train"
    )


def _write_plan_files(plan: Plan) -> None:
    """sweep.json (the points and their runs) and points/<run>.toml (each run for `femsyn train`)."""
    (plan.out / "points").mkdir(exist_ok=True)
    for run in plan.runs.values():
        header = (
            f"run {run.name} of the sweep in {plan.out} (femsyn {__version__}); trains the same run alone:\n"
            f"femsyn train --config {plan.out / 'points' / (run.name + '.toml')} --out NEW_DIR"
        )
        atomic_write_bytes(plan.out / "points" / f"{run.name}.toml", run.points[0].train_toml(header).encode())
    spec = plan.spec
    doc = {
        "femsyn_version": __version__,
        "identity": IDENTITY_FORMAT,
        "spec": spec.source,
        "base": spec.base,
        "device": spec.device,
        "axes": [{"key": a.key, "group": a.group, "values": list(a.values)} for a in spec.axes],
        "seeds": list(spec.seeds),
        "points": [
            {"point": p.index, "run": n, "axes": p.axes, "seed": p.seed, "retention_s": p.retention_s}
            for p, n in zip(plan.points, plan.run_of)
        ],
    }
    atomic_write_bytes(plan.out / "sweep.json", (json.dumps(doc, indent=2) + "\n").encode())


def _record_failure(out: Path, run: Run, result: dict[str, Any]) -> None:
    """failed/<run>.txt holds the traceback of a failed run; a later success removes it."""
    path = out / "failed" / f"{run.name}.txt"
    if result.get("status") != "failed":
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(exist_ok=True)
    text = f"{result.get('error', '')}\n\n{result.get('traceback', '')}"
    atomic_write_bytes(path, text.encode())
