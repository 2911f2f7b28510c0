"""How the CLI prints a run: its summary and its three accuracies, aligned."""

from __future__ import annotations

from typing import Any

__all__ = ["accuracy_lines", "format_summary"]


def _fmt_int(v: Any) -> str:
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return str(v)


def accuracy_lines(acc: dict[str, Any], indent: str = "  ") -> list[str]:
    """The three accuracies, aligned."""
    rows = [
        ("training weights (MSB+LSB)", acc["train_weights"]),
        ("inference, MSB-only", acc["msb_only"]),
        (f"MSB-only after {acc['retention_s']:g} s retention", acc["msb_retention"]),
    ]
    width = max(len(label) for label, _ in rows) + 2
    return [f"{indent}{label:<{width}}{100 * v:6.2f} %" for label, v in rows]


def retention_curve_line(curve: list[list[float]], indent: str = "  ") -> str:
    """The MSB-only accuracy curve on one line: ``t: accuracy`` per retention time."""
    points = ", ".join(f"{t:g} s {100 * a:.2f} %" for t, a in curve)
    return f"{indent}MSB-only vs retention time: {points}"


def format_summary(s: dict[str, Any], out: str | None) -> str:
    """What ``femsyn train`` prints: splits, the three accuracies, counters, speed, warnings."""
    acc = s["accuracy"]
    ev = s["split"]["eval"]
    c = s["counters"]
    status = "complete" if s.get("complete") else f"stopped after epoch {s.get('epochs_done')} (resumable)"
    lines = [
        f"femsyn train: {s['net']} on {s['dataset']} with {s['synapse']} (seed {s['seed']}), "
        f"{s.get('epochs_done', s['epochs'])}/{s['epochs']} epochs, {status}",
        f"  train split: {s['split']['train']}",
        f"  accuracy on {ev}:",
        *accuracy_lines(acc, "    "),
        *([retention_curve_line(s["retention_curve"], "    ")] if s.get("retention_curve") else []),
        f"  MSB writes {_fmt_int(c.get('msb_writes'))} (max per cell {_fmt_int(c.get('max_cell_writes'))}), "
        f"LSB pulses {_fmt_int(c.get('pulses'))} (clipped {_fmt_int(c.get('clipped_pulses'))}), "
        f"blocked carries {_fmt_int(c.get('blocked_carries'))}",
        f"  simulated time {float(c.get('time_s', 0.0)):.4g} s, {s['cells']:,} synapses",
        f"  speed {s['images_per_s']:,.0f} images/s (training), wall {s['wall_s']:.1f} s",
    ]
    for w in s.get("warnings", []):
        # first meaningful line only (the full text is in summary.json)
        text = next((x.strip() for x in str(w).splitlines() if x.strip() and set(x.strip()) != {"!"}), str(w))
        lines.append(f"  warning: {text}")
    if out:
        lines.append(f"  run directory: {out}")
    return "\n".join(lines)
