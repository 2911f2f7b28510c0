"""The numbers a run writes as it goes: per-layer array counters, and the metrics files
(``metrics.jsonl`` / ``metrics.csv``, one row per epoch) and JSON documents of a run directory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from femsyn.nn.layers import Sequential
from femsyn.run.checkpoint import atomic_write_bytes

__all__ = ["counters", "sum_counters", "write_json", "write_metrics"]

# Summed over layers; the others are shared by all layers (max).
_SUM_COUNTERS = (
    "pulses",
    "clipped_pulses",
    "msb_writes",
    "blocked_carries",
    "lsb_discarded_pulses",
    "worn_cells",
    "transfers",
    "updates",
    "latency_pulses",
)
_MAX_COUNTERS = ("images", "time_s", "max_cell_writes")


def counters(net: Sequential) -> list[dict[str, Any]]:
    """Each weighted layer's array counters, in layer order."""
    return [dict(layer.array.counters()) for layer in net.synaptic_layers]


def sum_counters(per_layer: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counters of the whole net: event counts summed over layers, clocks and maxima shared (max)."""
    out: dict[str, Any] = {}
    for k in _SUM_COUNTERS:
        out[k] = sum(c.get(k, 0) for c in per_layer)
    for k in _MAX_COUNTERS:
        out[k] = max((c.get(k, 0) for c in per_layer), default=0)
    # any extra counter the core reports: summed over every layer
    extra = {k for c in per_layer for k, v in c.items() if k not in out and isinstance(v, (int, float))}
    for k in sorted(extra):
        out[k] = sum(c.get(k, 0) for c in per_layer)
    return out


def write_metrics(out: Path, history: list[dict[str, Any]]) -> None:
    """metrics.jsonl and metrics.csv, one row per epoch so far (rewritten atomically)."""
    atomic_write_bytes(out / "metrics.jsonl", "".join(json.dumps(h) + "\n" for h in history).encode())
    buf = io.StringIO()
    if history:
        w = csv.DictWriter(buf, fieldnames=list(history[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(history)
    atomic_write_bytes(out / "metrics.csv", buf.getvalue().encode())


def write_json(path: Path, obj: Any) -> None:
    """A JSON document, written atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, allow_nan=True) + "\n").encode())
