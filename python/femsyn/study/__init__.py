"""Studies over many runs: parameter sweeps on Dask, the paper's design comparison (a preset of the
sweep engine) and their reports (accuracy, cell cost, the paper's claims, endurance, Pareto fronts).

* :mod:`femsyn.study.sweep`: ``sweep(spec, out)`` (also ``femsyn.sweep``), the engine;
* :mod:`femsyn.study.comparison`: ``compare(net, dataset, designs, seeds, out)``, a grid over the
  designs, with :mod:`femsyn.study.legacy_runs` for comparison folders of earlier versions;
* :mod:`femsyn.study.report`: ``build_report(run_dirs_by_design, out)`` from run directories alone.
"""

from __future__ import annotations

from femsyn.study.comparison import DEFAULT_DESIGNS, compare
from femsyn.study.report import build_report

__all__ = ["DEFAULT_DESIGNS", "build_report", "compare"]
