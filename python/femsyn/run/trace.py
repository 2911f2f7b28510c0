"""The LSB trajectories of a few sampled cells (``trace.npz``), one row per training step."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["CellTrace"]


class CellTrace:
    """LSB trajectories of a few sampled cells of one layer, one row per training step."""

    def __init__(self, layer: Any, n_cells: int, seed: int) -> None:
        self.layer = layer
        size = layer.rows * layer.cols
        n = min(n_cells, size)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x7ACE])))
        self.cells = np.sort(rng.choice(size, size=n, replace=False)).astype(np.int64)
        self.steps: list[int] = []
        self.lsb: list[np.ndarray] = []
        self.transfer_steps: list[int] = []
        self.transfer_writes: list[int] = []

    @property
    def active(self) -> bool:
        return self.cells.size > 0

    def record(self, step: int, writes: int) -> None:
        self.steps.append(step)
        self.lsb.append(self.layer.array.lsb().ravel()[self.cells])
        if writes:
            self.transfer_steps.append(step)
            self.transfer_writes.append(writes)

    def state(self) -> dict[str, Any]:
        k = self.cells.size
        return {
            "layer": self.layer.name,
            "rows": self.layer.rows,
            "cols": self.layer.cols,
            "cells": self.cells,
            "cell_rows": self.cells // self.layer.cols,
            "cell_cols": self.cells % self.layer.cols,
            "step": np.asarray(self.steps, dtype=np.int64),
            "lsb": np.asarray(self.lsb, dtype=np.float32).reshape(len(self.steps), k),
            "transfer_steps": np.asarray(self.transfer_steps, dtype=np.int64),
            "transfer_writes": np.asarray(self.transfer_writes, dtype=np.int64),
        }

    def load(self, st: dict[str, Any]) -> None:
        self.cells = np.asarray(st["cells"], dtype=np.int64)
        self.steps = [int(v) for v in st["step"]]
        self.lsb = list(np.asarray(st["lsb"], dtype=np.float32))
        self.transfer_steps = [int(v) for v in st["transfer_steps"]]
        self.transfer_writes = [int(v) for v in st["transfer_writes"]]
