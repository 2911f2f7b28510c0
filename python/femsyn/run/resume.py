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
from femsyn.run.checkpoint import CheckpointError, load_checkpoint
from femsyn.run.config import TrainConfig
from femsyn.run.rundir import LOCK_FILE, RunDirLock, remove_stale_temp_files
from femsyn.run.validate import CHECKPOINT_FORMAT, as_json

__all__ = ["CHECKPOINT", "CHECKPOINT_FORMAT", "RESUME_FREE_FIELDS", "load_run_config"]

CHECKPOINT = "checkpoint.npz"

# Fields that may differ between the original run and a resume (they do not change results).
# A directory holding only these (a run that stopped before its first checkpoint) may be reused.
_RESTARTABLE = {"config.json", "metrics.jsonl", "metrics.csv", LOCK_FILE}
RESUME_FREE_FIELDS = {
    "resume",
    "progress",
    "stop_after_epochs",
    "out",
    "data_dir",
    "threads",
    "eval_batch_size",
    "checkpoint_every",
}


def prepare_run_dir(config: TrainConfig, out: Path | None) -> tuple[dict[str, Any] | None, RunDirLock | None]:
    """Create and lock the run directory; return the checkpoint state to resume from (None: a
    new run) and the lock (release it when the run ends).

    Refuses a directory that holds another run unless ``config.resume`` (then its configuration
    must match, apart from :data:`RESUME_FREE_FIELDS`), and a directory another process holds.
    Temp files of an interrupted write are removed (with the lock held they are nobody's). A
    resume of a run that stopped before its first checkpoint starts it from the beginning.
    """
    if out is None:
        return None, None
    ckpt_file = out / CHECKPOINT
    if config.resume and not ckpt_file.is_file() and not (out / "config.json").is_file():
        raise FileNotFoundError(f"cannot resume: no checkpoint at {ckpt_file} (and no run was started there)")
    out.mkdir(parents=True, exist_ok=True)
    lock = RunDirLock(out)
    try:
        remove_stale_temp_files(out)
        state = None
        if config.resume and ckpt_file.is_file():
            state = load_checkpoint(ckpt_file)
            check_resume(config, state, ckpt_file)
        elif not config.resume and any(p.name not in _RESTARTABLE for p in out.iterdir()):
            raise FileExistsError(
                f"run directory {out} is not empty; use --resume (resume=True) to continue "
                f"the run there, or choose a new directory"
            )
    except BaseException:
        lock.release()
        raise
    return state, lock


def check_resume(config: TrainConfig, state: dict[str, Any], path: Any = "checkpoint") -> None:
    """Raise ValueError unless ``state`` is a femsyn checkpoint of ``config``'s run (fields in
    RESUME_FREE_FIELDS may differ)."""
    if state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path}: format {state.get('format')!r} is not {CHECKPOINT_FORMAT!r}")
    if not isinstance(state.get("config"), dict):
        raise CheckpointError(f"{path}: config: missing")
    saved = dict(state["config"])
    saved.setdefault("augment", False)  # checkpoints from before augmentation existed
    saved.setdefault("eval_limit", None)  # ... and before evaluation subsets
    now = as_json(config.to_dict())  # the checkpoint's JSON has lists where DeviceParams has tuples
    diff = [k for k in now if k not in RESUME_FREE_FIELDS and saved.get(k) != now[k]]
    if diff:
        detail = ", ".join(f"{k}: run has {saved.get(k)!r}, now {now[k]!r}" for k in diff)
        raise ValueError(f"cannot resume with a different configuration ({detail})")


def restore_net(net: Sequential, model_state: dict[str, Any], path: Any = "checkpoint") -> None:
    """Put the checkpoint's arrays (full device state) and biases into the net's layers (a state
    checked by :func:`femsyn.run.validate.check_checkpoint`; the native core checks the values)."""
    layers = net.synaptic_layers
    if len(model_state["arrays"]) != len(layers):
        raise CheckpointError(f"{path}: {len(model_state['arrays'])} weighted layers, the net has {len(layers)}")
    for i, (layer, st, b) in enumerate(zip(layers, model_state["arrays"], model_state["biases"])):
        try:
            arr = SynapseArray.from_state(st)
        except (TypeError, ValueError, OverflowError) as e:
            raise CheckpointError(f"{path}: model/arrays/{i} ({layer.name}): {e}") from None
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
