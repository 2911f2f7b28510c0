"""A run directory's checkpoint as a run sees it: what it holds, whether a run may resume from it,
and the net restored from it.

The file format (nested dicts of arrays and JSON values in one ``.npz``) is
:mod:`femsyn.run.checkpoint`; this module says what a training checkpoint puts into it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from femsyn._core import SynapseArray
from femsyn.nn.layers import Sequential
from femsyn.run.checkpoint import load_checkpoint
from femsyn.run.config import TrainConfig

__all__ = ["CHECKPOINT", "RESUME_FREE_FIELDS", "load_run_config"]

CHECKPOINT = "checkpoint.npz"
CHECKPOINT_FORMAT = "femsyn-checkpoint-v1"

# Fields that may differ between the original run and a resume (they do not change results).
# A directory holding only these (a run that stopped before its first checkpoint) may be reused.
_RESTARTABLE = {"config.json", "metrics.jsonl", "metrics.csv"}
RESUME_FREE_FIELDS = {
    "resume",
    "progress",
    "stop_after_epochs",
    "out",
    "data_dir",
    "threads",
    "eval_batch_size",
}


def prepare_run_dir(config: TrainConfig, out: Path | None) -> dict[str, Any] | None:
    """Create the run directory; return the checkpoint state to resume from (None: a new run).

    Refuses a directory that holds another run unless ``config.resume`` (then its configuration
    must match, apart from :data:`RESUME_FREE_FIELDS`).
    """
    if out is None:
        return None
    state = None
    ckpt_file = out / CHECKPOINT
    if config.resume:
        if not ckpt_file.is_file():
            raise FileNotFoundError(f"cannot resume: no checkpoint at {ckpt_file}")
        state = load_checkpoint(ckpt_file)
        check_resume(config, state)
    elif out.exists() and any(p.name not in _RESTARTABLE for p in out.iterdir()):
        raise FileExistsError(
            f"run directory {out} is not empty; use resume=True (--resume) to continue "
            f"the run there, or choose a new directory"
        )
    out.mkdir(parents=True, exist_ok=True)
    return state


def check_resume(config: TrainConfig, state: dict[str, Any]) -> None:
    """Raise ValueError unless ``state`` is a femsyn checkpoint of ``config``'s run (fields in
    RESUME_FREE_FIELDS may differ)."""
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint format {state.get('format')!r} is not {CHECKPOINT_FORMAT!r}")
    saved = dict(state["config"])
    saved.setdefault("augment", False)  # checkpoints from before augmentation existed
    now = config.to_dict()
    diff = [k for k in now if k not in RESUME_FREE_FIELDS and saved.get(k) != now[k]]
    if diff:
        detail = ", ".join(f"{k}: run has {saved.get(k)!r}, now {now[k]!r}" for k in diff)
        raise ValueError(f"cannot resume with a different configuration ({detail})")


def restore_net(net: Sequential, model_state: dict[str, Any]) -> None:
    """Put the checkpoint's arrays (full device state) and biases into the net's layers."""
    layers = net.synaptic_layers
    if len(model_state["arrays"]) != len(layers):
        raise ValueError(f"checkpoint has {len(model_state['arrays'])} weighted layers, the net has {len(layers)}")
    for layer, st, b in zip(layers, model_state["arrays"], model_state["biases"]):
        arr = SynapseArray.from_state(st)
        if tuple(arr.shape) != (layer.rows, layer.cols):
            raise ValueError(f"checkpoint layer {layer.name}: shape {tuple(arr.shape)} != {(layer.rows, layer.cols)}")
        layer.array = arr
        layer.b = np.array(b, dtype=np.float32)
        layer.w = None


def model_state(net: Sequential) -> dict[str, Any]:
    """The net's part of a checkpoint: every array's state, every bias, the layer names."""
    return {
        "arrays": [layer.array.state_dict() for layer in net.synaptic_layers],
        "biases": [layer.b.copy() for layer in net.synaptic_layers],
        "names": [layer.name for layer in net.synaptic_layers],
    }


def load_run_config(path: str | os.PathLike) -> TrainConfig:
    """The TrainConfig stored in a run directory's checkpoint (or a checkpoint file)."""
    ckpt = checkpoint_path(path)
    return TrainConfig.from_dict(load_checkpoint(ckpt)["config"])


def checkpoint_path(path: str | os.PathLike) -> Path:
    """The checkpoint file of a run directory (or the file itself); FileNotFoundError if none."""
    p = Path(path)
    if p.is_dir():
        p = p / CHECKPOINT
    if not p.is_file():
        raise FileNotFoundError(f"no femsyn checkpoint at {p}")
    return p
