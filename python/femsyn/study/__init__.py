"""Studies over many runs: a design comparison (train every design x seed, reuse finished runs)
and its report (accuracy, cell cost, the paper's claims, endurance, plots).

* :mod:`femsyn.study.comparison`: ``compare(net, dataset, designs, seeds, out)``;
* :mod:`femsyn.study.report`: ``build_report(run_dirs_by_design, out)`` from run directories alone.
"""

from __future__ import annotations

from femsyn.study.comparison import DEFAULT_DESIGNS, compare
from femsyn.study.report import build_report

__all__ = ["DEFAULT_DESIGNS", "build_report", "compare"]
