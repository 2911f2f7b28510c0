"""The report's accuracy section: mean ± std over seeds, the paper's figures, the gap to the ideal
network of the same precision."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from femsyn.study.report.formatting import mean_std, pct, pp
from femsyn.study.report.runs import RunData

__all__ = ["PAPER_ACCURACY", "Accuracy", "accuracy_numbers", "accuracy_section"]

#: The paper's accuracies (fractions) per (net, dataset) and design.
PAPER_ACCURACY: dict[tuple[str, str], dict[str, float]] = {
    ("lenet", "mnist"): {"femfet-6b": 0.982, "ideal-6b": 0.986},
    ("vgg", "cifar10"): {"femfet-8b": 0.888, "ideal-8b": 0.896},
}

#: the accuracies of a run's summary.json the report shows
KEYS = ("train_weights", "msb_only", "msb_retention")


@dataclass
class Accuracy:
    """Accuracy numbers of a comparison (also written to report.json)."""

    #: design -> key (KEYS) -> (mean, std) over seeds
    by_design: dict[str, dict[str, tuple[float, float]]]
    #: design -> the device dict of its first run (empty without runs)
    devices: dict[str, dict[str, Any]]
    #: design -> the ideal design of the same precision that was run (None: none)
    ideal_of: dict[str, str | None]


def accuracy_numbers(runs: Mapping[str, list[RunData]]) -> Accuracy:
    """Mean and std over seeds of each accuracy, and the ideal design each design is compared to."""
    acc: dict[str, dict[str, tuple[float, float]]] = {}
    for design, rs in runs.items():
        acc[design] = {k: mean_std([r.summary.get("accuracy", {}).get(k, math.nan) for r in rs]) for k in KEYS}
    dev_of = {d: (rs[0].device if rs else {}) for d, rs in runs.items()}
    ideal_of: dict[str, str | None] = {}
    for d, dev in dev_of.items():
        bits = total_bits(dev)
        ideal_of[d] = next(
            (i for i, idev in dev_of.items() if idev.get("kind") == "ideal" and total_bits(idev) == bits and runs[i]),
            None,
        )
    return Accuracy(acc, dev_of, ideal_of)


def total_bits(dev: Mapping[str, Any]) -> int | None:
    """Weight precision of a device dict (None for float)."""
    kind = dev.get("kind")
    if kind == "ideal":
        return int(dev.get("msb_bits", 0))
    if kind == "hybrid":
        return int(dev.get("msb_bits", 0)) + int(dev.get("lsb_bits", 0))
    return None


def retention_label(runs: Mapping[str, list[RunData]]) -> str:
    """The MSB-only-after-retention column's name, with the runs' retention time."""
    ret_s = next(
        (
            r.summary.get("accuracy", {}).get("retention_s")
            for rs in runs.values()
            for r in rs
            if r.summary.get("accuracy", {}).get("retention_s") is not None
        ),
        None,
    )
    return f"MSB-only after {ret_s:g} s" if ret_s is not None else "MSB-only after retention"


def accuracy_section(
    runs: Mapping[str, list[RunData]], numbers: Accuracy, paper: Mapping[str, float], plots: Mapping[str, str]
) -> list[tuple]:
    """The accuracy table and the two accuracy plots."""
    return [
        ("h2", "Accuracy"),
        (
            "p",
            "Mean ± std over seeds. **Training weights** = MSB + LSB; **MSB-only** = the "
            "non-volatile weights used for inference; gap = this design minus the ideal network of "
            "the same precision (training weights / MSB-only), in percentage points.",
        ),
        (
            "table",
            [
                "design",
                "seeds",
                "training weights",
                "MSB-only",
                retention_label(runs),
                "paper",
                "gap to ideal (femsyn)",
                "gap to ideal (paper)",
            ],
            _rows(runs, numbers, paper),
        ),
        ("img", "acc_vs_epoch.png", plots["acc_vs_epoch.png"]),
        *retention_section(runs, numbers),
        ("img", "retention.png", plots["retention.png"]),
    ]


def retention_curve_numbers(rs: list[RunData]) -> dict[float, tuple[float, float]]:
    """MSB-only accuracy per retention time of a design's runs: t -> (mean, std) over seeds
    (times every run has)."""
    curves = [{float(t): a for t, a in (r.summary.get("retention_curve") or [])} for r in rs]
    times = sorted(set.intersection(*(set(c) for c in curves))) if curves else []
    return {t: mean_std([c[t] for c in curves]) for t in times}


def retention_section(runs: Mapping[str, list[RunData]], numbers: Accuracy) -> list[tuple]:
    """MSB-only accuracy at every retention time of the runs' curves, one row per design, and
    each design's retention model (float and ideal designs have none)."""
    curves = {
        d: retention_curve_numbers(rs)
        for d, rs in runs.items()
        if rs and numbers.devices.get(d, {}).get("kind") == "hybrid"
    }
    curves = {d: c for d, c in curves.items() if c}
    if not curves:
        return []
    times = sorted(set.union(*(set(c) for c in curves.values())))
    rows = [
        [d, str(numbers.devices[d].get("retention_model", "exp"))] + [pct(*c[t]) if t in c else "—" for t in times]
        for d, c in curves.items()
    ]
    return [
        (
            "p",
            "**Retention**: MSB-only accuracy after t seconds without power (mean ± std over seeds); "
            "each design relaxes by its own model (`retention_model`: `domains` per-domain "
            "back-switching of the FeMFET, `log` FeFET window closing in log time, `drift` PCM "
            "conductance drift, `exp` the first release's shared exponential).",
        ),
        ("table", ["design", "retention model", *(f"{t:g} s" for t in times)], rows),
    ]


def _rows(runs: Mapping[str, list[RunData]], numbers: Accuracy, paper: Mapping[str, float]) -> list[list[str]]:
    acc, ideal_of = numbers.by_design, numbers.ideal_of
    rows = []
    for d, rs in runs.items():
        a = acc[d]
        base = ideal_of.get(d)
        gap_t = a["train_weights"][0] - acc[base]["train_weights"][0] if base else math.nan
        gap_m = a["msb_only"][0] - acc[base]["msb_only"][0] if base else math.nan
        p = paper.get(d)
        # the paper's gap comes from the paper's own figures, whether or not ideal was run here
        bits = total_bits(numbers.devices.get(d, {}))
        paper_ideal = base or (f"ideal-{bits}b" if bits else None)
        pbase = paper.get(paper_ideal) if paper_ideal else None
        pgap = (p - pbase) if (p is not None and pbase is not None) else math.nan
        # float weights have no MSB/LSB split: no MSB-only or retention accuracy to show
        msb = numbers.devices.get(d, {}).get("kind") != "float"
        rows.append(
            [
                d,
                str(len(rs)),
                pct(*a["train_weights"]),
                pct(*a["msb_only"]) if msb else "n/a (float)",
                pct(*a["msb_retention"]) if msb else "n/a (float)",
                pct(p) if p is not None else "—",
                f"{pp(gap_t)} / {pp(gap_m)}" if base and base != d else ("baseline" if base == d else "—"),
                "baseline" if paper_ideal == d else pp(pgap),
            ]
        )
    return rows
