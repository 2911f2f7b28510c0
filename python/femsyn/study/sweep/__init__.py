"""Parameter sweeps on Dask: one SPEC file -> every point trained once, a results table, a report.

>>> import femsyn
>>> rows = femsyn.sweep("spec.toml", out="sweep-out")        # doctest: +SKIP

Modules, in the order a sweep uses them: :mod:`~femsyn.study.sweep.spec` (the SPEC format),
:mod:`~femsyn.study.sweep.where` (SPEC lines for errors), :mod:`~femsyn.study.sweep.points`
(every point resolved and validated), :mod:`~femsyn.study.sweep.splits` (the data a point uses),
:mod:`~femsyn.study.sweep.identity` (the hash that names a run directory),
:mod:`~femsyn.study.sweep.plan` (points -> runs, what is already done),
:mod:`~femsyn.study.sweep.task` (what a worker does for one run),
:mod:`~femsyn.study.sweep.execute` (Dask or inline, retries, progress),
:mod:`~femsyn.study.sweep.results` (results.csv), :mod:`~femsyn.study.sweep.engine`
(``sweep``), :mod:`~femsyn.study.sweep.estimate` (the dry run's time estimate), and the report:
:mod:`~femsyn.study.sweep.aggregate`, :mod:`~femsyn.study.sweep.pareto`,
:mod:`~femsyn.study.sweep.plots`, :mod:`~femsyn.study.sweep.report`.
"""

from __future__ import annotations

from femsyn.study.sweep.engine import run_plan, sweep
from femsyn.study.sweep.identity import identity, identity_hash, run_identity, run_name
from femsyn.study.sweep.plan import Plan, Run, make_plan
from femsyn.study.sweep.spec import SweepSpec, load_spec
from femsyn.study.sweep.where import SpecError

__all__ = [
    "Plan",
    "Run",
    "SpecError",
    "SweepSpec",
    "identity",
    "identity_hash",
    "load_spec",
    "make_plan",
    "run_identity",
    "run_name",
    "run_plan",
    "sweep",
]
