"""The paper's comparison: every design x seed of one network, run by the sweep engine (a grid
over ``synapse``), reported with the comparison report (paper figures, cell cost, claims).

>>> from femsyn.study import compare
>>> designs = ["ideal-6b", "femfet-6b"]
>>> compare("lenet", "mnist", designs, seeds=3, out="cmp", epochs=5)  # doctest: +SKIP

Runs live in ``out/runs/<name>/``, named by the hash of their configuration
(:mod:`femsyn.study.sweep.identity`): a finished run is reused, an unfinished one resumed from its
checkpoint, a finished one asked for at another ``retention_s`` re-evaluated, not retrained.
``out/compare.json`` records the comparison's configuration: asking the same ``out`` for a
different one (other epochs, lr, ...; designs and seeds may be added) is an error, never a mixed
report. Runs of comparisons made before the sweep engine (``out/runs/<design>/seed<k>/``) are
moved to their new names (:mod:`femsyn.study.legacy_runs`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from femsyn.run.checkpoint import atomic_write_bytes
from femsyn.study.legacy_runs import adopt_legacy_runs, find_reusable, mismatches, run_dir_for
from femsyn.study.report import build_report
from femsyn.study.sweep import Plan, make_plan, run_plan
from femsyn.study.sweep.identity import NOT_HASHED, config_dict

__all__ = ["DEFAULT_DESIGNS", "RunsFailedError", "compare", "comparison_spec", "find_reusable", "run_dir_for"]

#: Designs of the paper's comparison per precision.
DEFAULT_DESIGNS: dict[str, list[str]] = {
    "6b": ["ideal-6b", "femfet-6b", "2t1fefet-6b", "3t1c2pcm-6b"],
    "8b": ["ideal-8b", "femfet-8b"],
}
#: fields of a comparison's configuration that may change between calls on one ``out``
_FREE = {"synapse", "device", "seed", *NOT_HASHED}


class RunsFailedError(RuntimeError):
    """Some runs of a comparison failed; the report covers the others."""


def _seed_list(seeds: int | Iterable[int]) -> list[int]:
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds!r}")
        return list(range(seeds))
    lst = [int(s) for s in seeds]
    if not lst:
        raise ValueError("seeds must not be empty")
    return lst


def comparison_spec(
    net: str, dataset: str, designs: Sequence[str], seeds: int | Iterable[int], **train_overrides: Any
) -> dict[str, Any]:
    """The sweep SPEC of a comparison: a grid over the designs, the seeds, the other settings in [base]."""
    if not designs:
        raise ValueError("designs must not be empty")
    base = {"net": net, "dataset": dataset, **{k: v for k, v in train_overrides.items() if v is not None}}
    return {"base": base, "grid": {"synapse": list(designs)}, "seeds": _seed_list(seeds)}


def compare(
    net: str,
    dataset: str,
    designs: Sequence[str],
    seeds: int | Iterable[int],
    out: str | Path,
    *,
    log: Callable[[str], None] | None = print,
    command: str | None = None,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    **train_overrides: Any,
) -> Path:
    """Run each design x seed (reusing finished runs with the same configuration), then write
    ``out/report.md``, ``out/report.html`` and ``out/results.csv``.

    ``seeds`` is a count (seeds 0..n-1) or an explicit list. ``train_overrides`` are extra
    :class:`femsyn.run.TrainConfig` fields (``epochs``, ``batch_size``, ``lr``, ``width``,
    ``train_limit``, ``val_size``, ``data_dir``, ``retention_s``, ...); ``None`` values keep the
    TrainConfig default. ``command`` (the reproducing command line) is printed in the report.
    ``client`` / ``scheduler`` / ``workers`` choose where the runs execute, as for
    :func:`femsyn.sweep` (without Dask installed they run one after another in this process).
    Returns the path of ``report.html``; raises :class:`RunsFailedError` after writing the report
    when a run failed.
    """
    say = log or (lambda _msg: None)
    spec = comparison_spec(net, dataset, designs, seeds, **train_overrides)
    plan = make_plan(spec, out)
    _check_same_comparison(plan)
    if adopt_legacy_runs(plan, say):
        plan = make_plan(spec, out)  # the moved runs are finished or resumable now
    rows = run_plan(
        plan, client=client, workers=workers, scheduler=scheduler, progress=progress, log=say, inline_fallback=True
    )
    run_dirs = {d: [Path(r["run_dir"]) for r in rows if r["synapse"] == d and r["status"] != "failed"] for d in designs}
    failed = [r for r in rows if r["status"] == "failed"]
    if len(failed) == len(rows):
        raise RunsFailedError(f"every run failed (first: {_what(failed[0])}); see {plan.out / 'results.csv'}")
    report = build_report(run_dirs, plan.out, net=net, dataset=dataset, command=command)
    say(f"report: {plan.out / 'report.md'} and {report}")
    if failed:
        raise RunsFailedError(
            f"{len(failed)} of {len(rows)} runs failed (first: {_what(failed[0])}); the report covers the others"
        )
    return report


def _what(row: dict[str, Any]) -> str:
    return f"{row['synapse']} seed {row['seed']}: {row['error']}"


def _check_same_comparison(plan: Plan) -> None:
    """Refuse an ``out`` that holds a comparison of another configuration; record this one."""
    config = {k: v for k, v in config_dict(plan.points[0].config).items() if k not in _FREE}
    path = plan.out / "compare.json"
    try:
        saved = json.loads(path.read_text())["config"]
    except (OSError, ValueError, KeyError):
        saved = None
    if saved is not None:
        bad = mismatches(config, saved)
        if bad:
            raise ValueError(
                f"{str(plan.out)!r} holds a comparison with a different configuration ({'; '.join(bad)}); "
                "delete that directory or choose another --out"
            )
    plan.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps({"config": config}, indent=2) + "\n").encode())
