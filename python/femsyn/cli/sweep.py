"""``femsyn sweep``: a parameter sweep from one SPEC file, on Dask; results.csv and a report."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from femsyn.cli.errors import one_line

_TARGET_ON = ("train", "msb", "retention")


def _target(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is None:
        return None
    from femsyn.study.sweep.spec import target_fraction

    try:
        return target_fraction(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.command("sweep")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Sweep folder: runs/<name>/ (reused when finished, resumed when not), results.csv, report.{md,html}.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="LocalCluster worker processes, one thread each.  [default: the cores; 0: no Dask, one run after another]",
)
@click.option("--scheduler", metavar="ADDRESS", help="Run on an existing Dask cluster, e.g. tcp://host:8786.")
@click.option("--dry-run", is_flag=True, help="List the points and the estimated time; train nothing.")
@click.option(
    "--target-acc",
    type=float,
    callback=_target,
    help="Mark the configurations reaching this accuracy (0.98 or 98).  [default: the SPEC's target_acc]",
)
@click.option(
    "--target-on",
    type=click.Choice(_TARGET_ON),
    default="train",
    show_default=True,
    help="Which accuracy the target and the Pareto fronts use: training weights, MSB-only, MSB-only after retention.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def command(
    spec: str,
    out: str,
    workers: int | None,
    scheduler: str | None,
    dry_run: bool,
    target_acc: float | None,
    target_on: str,
    no_progress: bool,
) -> None:
    """Train every point of a SPEC once (on Dask) and write results.csv and a report.

    \b
    femsyn sweep spec.toml --out sweep-leak --dry-run      the points and the estimated time
    femsyn sweep spec.toml --out sweep-leak                on this machine's cores
    femsyn sweep spec.toml --out /shared/sweep --scheduler tcp://host:8786

    Rerunning the same command reuses finished points, resumes unfinished ones from their
    checkpoints and retries failed ones. Exit status 1 when a point failed (see results.csv).
    """
    from femsyn.study.sweep import SpecError, make_plan

    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers (a LocalCluster) or --scheduler (an existing cluster), not both")
    try:
        plan = make_plan(spec, out)
    except SpecError as e:
        raise click.BadParameter(one_line(e), param_hint="SPEC") from None
    if dry_run:
        _dry_run(plan, workers, scheduler)
        return
    command = ["femsyn", "sweep", spec, "--out", out]
    for flag, value in (("--workers", workers), ("--scheduler", scheduler), ("--target-acc", target_acc)):
        command += [flag, f"{value:g}" if isinstance(value, float) else str(value)] if value is not None else []
    command += ["--target-on", target_on] if target_on != "train" else []
    _run(plan, " ".join(map(shlex.quote, command)), workers, scheduler, target_acc, target_on, not no_progress)


def _say(message: str) -> None:
    click.echo(message, err=True)


def _run(
    plan: Any,
    command: str,
    workers: int | None,
    scheduler: str | None,
    target: float | None,
    target_on: str,
    progress: bool,
) -> None:
    """Run the plan, write the report; exit 1 when a point failed, 130 when interrupted."""
    from femsyn.study.sweep import run_plan
    from femsyn.study.sweep.execute import SweepSetupError
    from femsyn.study.sweep.report import build_sweep_report

    try:
        rows = run_plan(plan, workers=workers, scheduler=scheduler, progress=progress, log=_say)
        target = target if target is not None else plan.spec.target_acc
        html = build_sweep_report(plan, rows, target=target, target_on=target_on, command=command)
    except KeyboardInterrupt:
        _say("interrupted; rerun the same command to continue (finished runs are kept, unfinished ones resume)")
        sys.exit(130)
    except SweepSetupError as e:
        raise click.ClickException(one_line(e)) from None
    click.echo(f"report: {plan.out / 'report.md'} and {html}")
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        first = failed[0]
        raise click.ClickException(
            f"{len(failed)} of {len(rows)} points failed (first: point {first['point']}: {first['error']}); "
            f"see {plan.out / 'results.csv'} and {plan.out / 'failed'}"
        )


def _dry_run(plan: Any, workers: int | None, scheduler: str | None) -> None:
    """The points, what DIR holds of each, and the estimated time (nothing is trained)."""
    from femsyn.study.sweep.estimate import estimate, fmt_duration
    from femsyn.study.sweep.execute import cores
    from femsyn.study.sweep.spec import fmt_value

    est = estimate(plan, workers or cores())
    keys = [a.key for a in plan.spec.axes]
    head = ["#", *keys, "seed", "run", "state", "time"]
    body = []
    for p in plan.points:
        run = plan.point_run(p)
        state = {"finished": "finished", "resumable": f"resume after epoch {run.epochs_done}", "new": "new"}[run.state]
        if run.state == "finished" and run.needs_eval:
            state = "re-evaluate"
        t = est.run_s.get(run.name)
        body.append(
            [
                str(p.index),
                *[fmt_value(p.axes[k]) for k in keys],
                str(p.seed),
                run.name,
                state,
                fmt_duration(t) if t else "-",
            ]
        )
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    for r in [head, *body]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    pending = len(plan.pending)
    what = f"{len(plan.points)} points, {len(plan.runs)} runs ({pending} to run); estimated time: "
    if scheduler is not None:  # a cluster elsewhere: only the runs' time measured here means anything
        click.echo(
            what + f"{fmt_duration(est.total_s)} of runs at this machine's speed, shared by the cluster's workers"
        )
    else:
        busy = f", {fmt_duration(est.loaded_s)} at this machine's load now" if est.loaded_s > est.sweep_s * 1.05 else ""
        click.echo(
            what + f"{fmt_duration(est.sweep_s)} on {est.workers} worker(s) with the cores to themselves{busy} "
            f"(load average {est.load:.1f} on {est.cores} cores; runs in total: {fmt_duration(est.total_s)})"
        )
    if pending:
        click.echo(f"estimate: {est.how()}")
