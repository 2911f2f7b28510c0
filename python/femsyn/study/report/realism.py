"""The report's realism section: what the v2 device model of a cell costs next to its idealized
``-linear`` variant (the first release's cell), design by design.

A preset ``D`` and its ``D-linear`` variant differ only in the realism terms of the v2 physics
contract (LSB response curve, cycle-to-cycle noise, transfer protocol, carry band): the rows put
the accuracy and MSB-write differences of the two next to the fields that differ, so a reader sees
what the realism costs and which terms it comes from. The terms are listed together, not priced one
by one: that needs one run per term (a sweep over the fields named here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from femsyn.device import DeviceParams
from femsyn.study.report.accuracy import Accuracy
from femsyn.study.report.cost import DASH, Costs
from femsyn.study.report.formatting import fmt_count, pp
from femsyn.study.report.runs import RunData

__all__ = ["LINEAR_SUFFIX", "realism_numbers", "realism_section", "realism_terms"]

#: the name of a preset's idealized variant is the preset's name plus this suffix
LINEAR_SUFFIX = "-linear"
#: device-dict keys that name or describe a preset rather than its physics
_NOT_PHYSICS = {"name", "source", "sources", "notes"}
#: the device-to-device variation fields of the weight itself (drawn once per array); all zero means
#: the array's cells are identical up to the leak time constant (``tau_leak_d2d_rel``)
D2D_FIELDS = ("step_d2d_rel", "msb_d2d_rel", "lsb_exp_a_d2d_rel")
_DEFAULTS = DeviceParams.field_defaults()


def realism_terms(realistic: Mapping[str, Any], linear: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The physics fields whose values differ: ``field -> (linear value, realistic value)``.

    A field missing from a device dict has its DeviceParams default: the run was made before
    the field existed, and the default computes what such runs computed."""
    keys = sorted((set(realistic) | set(linear)) - _NOT_PHYSICS)
    lin = {k: linear.get(k, _DEFAULTS.get(k)) for k in keys}
    real = {k: realistic.get(k, _DEFAULTS.get(k)) for k in keys}
    return {k: (lin[k], real[k]) for k in keys if lin[k] != real[k]}


def realism_numbers(runs: Mapping[str, list[RunData]], accuracy: Accuracy, costs: Costs) -> dict[str, dict[str, Any]]:
    """Per design ``D`` whose ``D-linear`` variant also ran: the differing fields and the
    differences (``D`` minus ``D-linear``) of the mean accuracies and MSB writes."""
    out: dict[str, dict[str, Any]] = {}
    for design in runs:
        linear = design + LINEAR_SUFFIX
        if design.endswith(LINEAR_SUFFIX) or not runs.get(linear) or not runs[design]:
            continue
        acc, acc_lin = accuracy.by_design[design], accuracy.by_design[linear]
        out[design] = {
            "linear": linear,
            "terms": realism_terms(accuracy.devices[design], accuracy.devices[linear]),
            "d_train_weights": acc["train_weights"][0] - acc_lin["train_weights"][0],
            "d_msb_only": acc["msb_only"][0] - acc_lin["msb_only"][0],
            "msb_writes": (costs.mean(linear, "msb_writes"), costs.mean(design, "msb_writes")),
            "max_cell_writes": (costs.mean(linear, "max_cell_writes"), costs.mean(design, "max_cell_writes")),
            "no_d2d": not any(float(accuracy.devices[design].get(f) or 0.0) for f in D2D_FIELDS),
        }
    return out


def realism_section(numbers: Mapping[str, Mapping[str, Any]]) -> list[tuple]:
    """The realism table (nothing when no design ran beside its ``-linear`` variant)."""
    if not numbers:
        return []
    blocks: list[tuple] = [
        ("h2", "What the realism costs"),
        (
            "p",
            "Each v2 preset next to its `-linear` variant (the idealized cell of the first release: "
            "linear LSB steps, no cycle-to-cycle noise). Differences are the v2 preset minus the "
            "linear one, means over seeds; writes are MSB writes per run (mean over seeds) and the "
            "most-written cell's count, linear → v2. The terms act together: pricing one alone "
            "takes one run per term (a `femsyn sweep` over the fields listed).",
        ),
        (
            "table",
            ["design", "realism terms (linear → v2)", "Δ training weights", "Δ MSB-only", "MSB writes", "max/cell"],
            [_row(d, n) for d, n in numbers.items()],
        ),
    ]
    no_d2d = [d for d, n in numbers.items() if n["no_d2d"]]
    if no_d2d:
        blocks.append(
            (
                "p",
                f"No device-to-device variation of the LSB step, the LSB curve or the MSB levels is "
                f"modelled for {', '.join(no_d2d)} (none is published for these cells; only the leak "
                "time constant varies, `tau_leak_d2d_rel`): their cells are otherwise identical.",
                "note",
            )
        )
    return blocks


def _row(design: str, n: Mapping[str, Any]) -> list[str]:
    terms = "; ".join(f"{k}: {_value(a)} → {_value(b)}" for k, (a, b) in n["terms"].items()) or "(none)"
    w_lin, w_v2 = n["msb_writes"]
    m_lin, m_v2 = n["max_cell_writes"]
    return [
        f"{design} vs {n['linear']}",
        terms,
        pp(n["d_train_weights"]),
        pp(n["d_msb_only"]),
        f"{fmt_count(w_lin)} → {fmt_count(w_v2)}" if not math.isnan(w_v2) else DASH,
        f"{fmt_count(m_lin)} → {fmt_count(m_v2)}" if not math.isnan(m_v2) else DASH,
    ]


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
