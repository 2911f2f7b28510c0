"""Accuracy of a network on its evaluation split, and of a saved run (``evaluate_checkpoint``)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from femsyn.nn.layers import Sequential
from femsyn.run.checkpoint import CheckpointError, load_checkpoint
from femsyn.run.config import ConfigError, TrainConfig, _is_num
from femsyn.run.inputs import build_config_net, load_training_data
from femsyn.run.resume import CHECKPOINT_FORMAT, checkpoint_path, restore_net
from femsyn.run.threads import blas_threads
from femsyn.run.validate import check_checkpoint

__all__ = ["Evaluator", "evaluate_checkpoint"]


class Evaluator:
    """Accuracy of the net on one split for a weight readout; identical readouts are not re-run."""

    def __init__(self, net: Sequential, x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
        self.net, self.x, self.y, self.batch_size = net, x, y, batch_size
        self._seen: list[tuple[list[np.ndarray], float]] = []

    def __call__(self, inference: bool = False, retention_s: float = 0.0) -> float:
        ws = self.net.load_weights(inference=inference, retention_s=retention_s)
        for prev, acc in self._seen:
            if all(np.array_equal(a, b) for a, b in zip(prev, ws)):
                return acc
        acc = self.net.accuracy(self.x, self.y, self.batch_size)
        self._seen.append((ws, acc))
        return acc

    def reset(self) -> None:
        self._seen.clear()


#: retention times (s) of every run's MSB-only accuracy curve (device-model contract v2)
RETENTION_CURVE_S = (0.0, 1.0, 1e2, 1e4, 1e6, 1e8)


def retention_curve(evaluator: Evaluator, retention_s: float) -> list[list[float]]:
    """MSB-only accuracy at every time of ``RETENTION_CURVE_S`` and at ``retention_s``:
    ``[[t, accuracy], ...]`` in increasing t."""
    times = sorted(set(RETENTION_CURVE_S) | {float(retention_s)})
    return [[t, evaluator(inference=True, retention_s=t)] for t in times]


def evaluate_checkpoint(
    path: str | os.PathLike,
    retention_s: float | None = None,
    data_dir: str | os.PathLike | None = None,
    eval_batch_size: int | None = None,
    *,
    curve: bool = False,
) -> dict[str, Any]:
    """Accuracies of a saved run (run directory or checkpoint.npz) on its evaluation split.

    Returns ``{"train_weights", "msb_only", "msb_retention", "retention_s", "split", "epoch"}``,
    with ``curve`` also ``"retention_curve"`` (see :func:`retention_curve`); ``retention_s``
    defaults to the run's own. Raises ValueError when the data found now gives a different
    evaluation split than the run used.
    """
    with blas_threads():
        return _evaluate_checkpoint(path, retention_s, data_dir, eval_batch_size, curve)


def _evaluate_checkpoint(
    path: str | os.PathLike,
    retention_s: float | None,
    data_dir: str | os.PathLike | None,
    eval_batch_size: int | None,
    curve: bool,
) -> dict[str, Any]:
    ckpt = checkpoint_path(path)
    state = load_checkpoint(ckpt)
    if state.get("format") != CHECKPOINT_FORMAT or not isinstance(state.get("config"), dict):
        raise CheckpointError(f"{ckpt}: format {state.get('format')!r} is not {CHECKPOINT_FORMAT!r}")
    cfg = dict(state["config"])
    if data_dir is not None:
        cfg["data_dir"] = os.fspath(data_dir)
    if eval_batch_size is not None:
        cfg["eval_batch_size"] = int(eval_batch_size)
    cfg["resume"] = False
    try:
        config = TrainConfig.from_dict(cfg)
    except (ConfigError, TypeError) as e:
        raise CheckpointError(f"{ckpt}: config: {e}") from None
    if retention_s is None:
        retention_s = config.retention_s
    if not _is_num(retention_s) or retention_s < 0:
        raise ValueError(f"retention_s = {retention_s!r} is invalid; allowed: a finite number >= 0")
    data = load_training_data(config, need_train=False)
    saved_split = state.get("split", {}).get("eval")
    if saved_split is not None and saved_split != data.split["eval"]:
        raise ValueError(
            f"the run was evaluated on '{saved_split}' but the data found now gives '{data.split['eval']}'; "
            f"point --data-dir (data_dir) or $FEMSYN_DATA at the dataset the run used"
        )
    net = build_config_net(config, data)
    check_checkpoint(ckpt, config, state, net.synaptic_layers, -(-data.n_train // config.batch_size))
    restore_net(net, state["model"], ckpt)
    ev = Evaluator(net, data.eval_x, data.eval_y, config.eval_batch_size)
    out = {
        "train_weights": ev(inference=False),
        "msb_only": ev(inference=True),
        "msb_retention": ev(inference=True, retention_s=float(retention_s)),
        "retention_s": float(retention_s),
        "split": data.split["eval"],
        "epoch": int(state["epoch"]),
    }
    if curve:
        out["retention_curve"] = retention_curve(ev, float(retention_s))
    return out
