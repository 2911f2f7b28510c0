"""Training diagnostics: why a run stalls (chance accuracy, LSB saturation, carries blocked at the MSB
rails, hybrid runs without transfers) or diverges (NaN loss), said once per kind and layer.

Every warning is emitted as a :class:`TrainingWarning` and recorded in summary.json.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["Diagnostics", "TrainingDivergedError", "TrainingWarning", "chance_level", "diagnose_epoch"]

# Diagnostics thresholds.
_LSB_CLIP_WARN = 0.05  # fraction of LSB pulses clipped at the rails in an epoch
_PINNED_WARN = 0.05  # fraction of cells pinned at an MSB rail with the LSB pushing outward
_CHANCE_FACTOR = 1.5  # train accuracy <= factor / num_classes counts as "at chance"


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


class TrainingWarning(UserWarning):
    """A training diagnostic (stall, saturation, clipping, ...); also recorded in summary['warnings']."""


def chance_level(num_classes: int) -> float:
    """Training accuracy at or below this counts as "at chance" (not learning)."""
    return _CHANCE_FACTOR / num_classes


class Diagnostics:
    """The warnings of one run: each kind of problem (and layer) is said once, then recorded.

    ``state`` is a checkpoint's state (a resumed run keeps its warnings and what it has said).
    """

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.warnings: list[str] = list(state["warnings"]) if state else []
        self.warned: set[str] = set(state.get("warned", [])) if state else set()

    def warn(self, key: str, msg: str) -> None:
        """Record and emit a diagnostic once per key (kind of problem, layer)."""
        if key in self.warned:
            return
        self.warned.add(key)
        self.warnings.append(msg)
        warnings.warn(msg, TrainingWarning, stacklevel=3)

    def note(self, text: str) -> None:
        """Record a message of the data loader (e.g. the bundled-sample warning) once."""
        if text not in self.warnings:
            self.warnings.append(text)


def diagnose_epoch(
    row: dict[str, Any],
    before: list[dict],
    after: list[dict],
    layers: list,
    device: Any,
    chance: float,
    warn: Any,
) -> None:
    """Warn (through ``warn(key, msg)``) about what the epoch's row and counters show: chance
    accuracy, clipped pulses, cells pinned at an MSB rail, a hybrid run without MSB writes."""
    e = row["epoch"]
    kind = getattr(device, "kind", None)
    if row["train_acc"] <= chance:
        warn(
            "chance",
            f"epoch {e}: training accuracy {row['train_acc']:.3f} is at chance level: the network is not "
            f"learning (lr too high/low, weight_range too small, or LSB updates lost)",
        )
    for layer, b, a in zip(layers, before, after):
        d = {k: a.get(k, 0) - b.get(k, 0) for k in ("pulses", "clipped_pulses", "msb_writes", "blocked_carries")}
        if d["pulses"] > 0 and d["clipped_pulses"] / d["pulses"] > _LSB_CLIP_WARN:
            why = (
                "LSB saturation at the rails or the per-update pulse limit; lower lr, or raise the device's "
                "lsb_headroom_msb_steps (LSB rails) or max_pulses_per_update ([device] table of --config)"
                if kind == "hybrid"
                else "weights held at the +-w_max rails; raise weight_range or lower lr"
            )
            warn(
                f"clip:{layer.name}",
                f"epoch {e}: {layer.name}: {100 * d['clipped_pulses'] / d['pulses']:.1f}% of update pulses were "
                f"clipped ({why}) [reported once per layer]",
            )
        if kind == "hybrid" and d["blocked_carries"] > 0:
            pinned = _pinned_fraction(layer.array, device)
            if pinned > _PINNED_WARN:
                warn(
                    f"lost:{layer.name}",
                    f"epoch {e}: {layer.name}: {100 * pinned:.1f}% of cells sit at the top/bottom MSB level with "
                    f"their LSB pushing further (carries blocked at the MSB rails: weights clipped at +-w_max); "
                    f"raise weight_range [reported once per layer]",
                )
    if kind == "hybrid" and row["msb_writes"] == 0:
        warn(
            "no-transfer",
            f"epoch {e}: no LSB->MSB transfer wrote any MSB in a hybrid run: the non-volatile weights did "
            f"not change (updates too small vs. one MSB step, LSB leak too fast, or transfers disabled)",
        )


def _pinned_fraction(arr: Any, device: Any) -> float:
    """Fraction of cells at the lowest/highest MSB level whose LSB pushes beyond it (>= half a carry)."""
    levels = np.asarray(arr.msb_levels())
    lsb = np.asarray(arr.lsb())
    n_m = 2 ** int(device.msb_bits)
    half = 0.5 * 2 ** int(device.lsb_bits)
    # msb_levels(): offset mapping 0..N_M-1; differential -(N_M-1)..N_M-1
    lo = -(n_m - 1) if getattr(device, "signed_mapping", "offset") == "differential" else 0
    pinned = ((levels >= n_m - 1) & (lsb >= half)) | ((levels <= lo) & (lsb <= -half))
    return float(np.count_nonzero(pinned)) / max(1, pinned.size)
