"""What a run is fed: the data its config names, and the net shaped for that data."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from femsyn.data import load_dataset
from femsyn.nn.layers import Sequential
from femsyn.nn.nets import build_net
from femsyn.run.config import TrainConfig

__all__ = ["TrainingData", "build_config_net", "load_training_data"]


@dataclass
class TrainingData:
    """The splits of a run as float32 arrays, their names, and the loader's warnings."""

    train_x: np.ndarray  # (N, C, H, W) float32, normalized
    train_y: np.ndarray
    eval_x: np.ndarray
    eval_y: np.ndarray
    split: dict[str, str]
    input_shape: tuple[int, ...]
    num_classes: int
    notes: list[str] = field(default_factory=list)
    n_train: int = 0  # images of the training split (also when train_x was not kept)


def load_training_data(config: TrainConfig, need_train: bool = True) -> TrainingData:
    """The dataset of ``config``; the loader's warnings are re-emitted and kept as notes."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_dataset(
            config.dataset,
            config.data_dir,
            val_size=config.val_size,
            train_limit=config.train_limit,
        )
    for w in caught:
        notes.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    tx = np.ascontiguousarray(ds.train_x if need_train else ds.train_x[:0], dtype=np.float32)
    splits = dict(ds.splits)
    ex, ey = ds.eval_x, ds.eval_y
    if config.eval_limit is not None and config.eval_limit < len(ey):
        # the split's name says so: an accuracy on a subset is never mistaken for the full one
        ex, ey = ex[: config.eval_limit], ey[: config.eval_limit]
        splits["eval"] = f"first {config.eval_limit} images of {splits['eval']}"
    ex = np.ascontiguousarray(ex, dtype=np.float32)
    return TrainingData(
        tx,
        np.asarray(ds.train_y, dtype=np.int64),
        ex,
        np.asarray(ey, dtype=np.int64),
        splits,
        tuple(ex.shape[1:]),
        int(ds.num_classes),
        notes,
        int(len(ds.train_y)),
    )


def build_config_net(config: TrainConfig, data: TrainingData) -> Sequential:
    """The (unbuilt) net that config names, shaped for data's inputs and classes."""
    return build_net(
        config.net,
        None,
        config.seed,
        config.width,
        input_shape=data.input_shape,
        num_classes=data.num_classes,
        bias=config.bias,
        hidden=config.hidden,
    )
