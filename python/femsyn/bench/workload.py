"""A training-like update workload for the kernel bench: dw recorded from a real LeNet run.

The stress workload of ``femsyn bench`` (dw ~ N(0, (D_L / 2)^2), c2c noise forced on) asks for a
pulse in ~40 % of the cells at every call. Real training asks for much less: this records the
requested changes of LeNet's largest layer (fc1, 120 x 400) over a stretch of femfet-6b
training on MNIST (the bundled sample when the full set is absent), in units of that layer's
LSB step, so a bench array of any size and weight range gets the same pulse statistics.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

__all__ = ["recorded_pulses", "training_dw"]


@functools.lru_cache(maxsize=2)
def recorded_pulses(steps: int = 16, skip: int = 24, preset: str = "femfet-6b") -> np.ndarray:
    """(steps, 120, 400) requested changes of LeNet fc1 in LSB-step units, recorded after `skip`
    warm-up steps of training (batch 64, the TrainConfig defaults)."""
    from femsyn.bench.training import Stepper

    s = Stepper("lenet", preset, batch_size=64)
    try:
        from femsyn.data import load_dataset

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load_dataset("mnist", train_limit=len(s.pool_x), download=False)
        n = min(len(s.pool_x), len(data.train_x))
        s.pool_x, s.pool_y = data.train_x[:n], data.train_y[:n]
        s._perm = np.arange(n)
    except Exception:  # no MNIST at all: the stepper's random images (still a real training loop)
        pass
    fc1 = s.net.synaptic_layers[2]
    k = s.opt.layers.index(fc1)
    out = np.empty((steps, fc1.rows, fc1.cols), dtype=np.float32)
    for i in range(skip + steps):
        s.step()
        if i >= skip:
            out[i - skip] = s.opt._dw[k] / np.float32(fc1.array.lsb_step)
    return out


def training_dw(shape: tuple[int, int], lsb_step: float) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Two dw arrays of `shape` (recorded steps tiled over the cells, scaled to `lsb_step`)
    and the workload's statistics (mean pulses requested per cell and call, share of cells
    asking for at least half a pulse)."""
    pulses = recorded_pulses()
    flat = pulses.reshape(-1)
    n = shape[0] * shape[1]
    a = np.resize(flat, n).reshape(shape) * np.float32(lsb_step)
    b = np.resize(np.roll(flat, flat.size // 2), n).reshape(shape) * np.float32(lsb_step)
    stats = {
        "source": "LeNet fc1 dw, femfet-6b training, steps 24-40",
        "mean_abs_pulses": float(np.mean(np.abs(flat))),
        "cells_ge_half_pulse": float(np.mean(np.abs(flat) >= 0.5)),
    }
    return a.astype(np.float32), b.astype(np.float32), stats
