"""femsyn's speed targets (issue 5) and whether a bench run meets them."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TARGETS", "check_targets"]

#: The speed targets of femsyn (issue 5), checked by :func:`check_targets`.
TARGETS: dict[str, str] = {
    "device_overhead": "femfet-6b LeNet step time <= 1.10x the float step of the same loop",
    "mlp_ratio": "MLP 784-256-128-10 femfet-6b images/s >= 0.9x float",
    "update_rate": "update kernel >= 0.5e9 cells/s at >= 1e6 cells",
    "readout_bandwidth": "readout >= 50% of the measured memory bandwidth at >= 1e6 cells",
    "linear_cost": "kernel cost linear in cells (log-log exponent between the 2 largest sizes >= 1e6: 1 +- 0.15)",
    "peak_memory": "peak memory of a LeNet training <= 1 GiB",
}


def check_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target the run has data for: measured value, limit, and whether it is met."""
    checks: list[dict[str, Any]] = []

    def add(name: str, value: float, limit: float, ok: bool, unit: str = "") -> None:
        checks.append(
            {
                "target": name,
                "what": TARGETS[name],
                "value": value,
                "limit": limit,
                "unit": unit,
                "met": bool(ok),
            }  # fmt: skip
        )

    rows = result.get("training", {}).get("results", [])
    for r in rows:
        if r["preset"] == "femfet-6b" and r["net"] == "lenet" and "step_time_vs_float" in r:
            v = r["step_time_vs_float"]
            add("device_overhead", v, 1.10, v <= 1.10, "x")
        if r["preset"] == "femfet-6b" and r["net"] == "mlp" and "ratio_to_float" in r:
            v = r["ratio_to_float"]
            add("mlp_ratio", v, 0.9, v >= 0.9, "x")
    k = result.get("kernels", {})
    big = [r for r in k.get("results", []) if r["cells"] >= 1_000_000]
    if big:
        upd = [r["cells_per_s"] for r in big if r["kernel"] == "update"]
        if upd:
            add("update_rate", min(upd), 0.5e9, min(upd) >= 0.5e9, "cells/s")
        rd = [r.get("bandwidth_fraction") for r in big if r["kernel"] == "readout"]
        rd = [x for x in rd if x is not None]
        if rd:
            add("readout_bandwidth", min(rd), 0.5, min(rd) >= 0.5, "of bandwidth")
    fits = k.get("fits", {})
    ex = [f["loglog_exponent_largest"] for f in fits.values()]
    ex = [x for x in ex if math.isfinite(x)]
    sizes = sorted({r["cells"] for r in k.get("results", [])})
    # judged between the two largest sizes, both >= 1e6 cells (smaller arrays sit in the caches)
    if ex and len(sizes) >= 2 and sizes[-2] >= 1_000_000:
        worst = max(ex, key=lambda x: abs(x - 1.0))
        add("linear_cost", worst, 1.0, abs(worst - 1.0) <= 0.15, "exponent")
    mem = result.get("memory", {})
    if "peak_rss_mib" in mem:
        add("peak_memory", mem["peak_rss_mib"], 1024.0, mem["peak_rss_mib"] <= 1024.0, "MiB")
    return checks
