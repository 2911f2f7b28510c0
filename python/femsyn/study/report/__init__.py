"""Plots and tables of a design comparison: ``report.md`` + a self-contained ``report.html``.

:func:`build_report` works from finished run directories alone (``summary.json``, ``trace.npz``,
``writes.npz``; see the contract), so a report can be rebuilt at any time without training::

    from femsyn.study import build_report
    build_report({"femfet-6b": ["out/runs/femfet-6b/seed0"], "ideal-6b": [...]}, "out")

The HTML embeds every plot as a base64 data URI, so it opens in a browser with no network.

One module per section (:mod:`~femsyn.study.report.accuracy`, :mod:`~femsyn.study.report.cost`,
:mod:`~femsyn.study.report.claims`, :mod:`~femsyn.study.report.endurance`,
:mod:`~femsyn.study.report.diagnostics`), put together by :mod:`~femsyn.study.report.build`;
:mod:`~femsyn.study.report.runs` reads the run directories, :mod:`~femsyn.study.report.plots`
draws, :mod:`~femsyn.study.report.document` renders Markdown and HTML.
"""

from __future__ import annotations

from femsyn.study.report.accuracy import PAPER_ACCURACY
from femsyn.study.report.build import build_report
from femsyn.study.report.claims import REFERENCE_DESIGNS
from femsyn.study.report.formatting import fmt_si
from femsyn.study.report.runs import RunData, load_run

__all__ = ["PAPER_ACCURACY", "REFERENCE_DESIGNS", "RunData", "build_report", "fmt_si", "load_run"]
