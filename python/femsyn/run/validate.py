"""Is a loaded checkpoint a state this run can continue from? Checked in full before anything
is restored, so a damaged or foreign checkpoint is one line naming the file and the entry,
never a traceback, an abort or a silently impossible run.

What is checked: the format; counters and positions (``0 <= epoch <= epochs``, one history row
per finished epoch, the step count of that many epochs plus the steps inside the current one);
every weighted layer's array state (the device and preset the run's configuration names, every
per-cell array of shape exactly ``(rows, cols)`` of that layer, counters that agree with the
per-cell write counts); biases and momentum of exactly the layers' shapes (never broadcast);
the random-generator states. Values inside the physics' bounds are checked by
``SynapseArray.from_state`` (the native core knows the bounds).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from femsyn.device import DeviceParams
from femsyn.run.checkpoint import CheckpointError
from femsyn.run.config import TrainConfig

__all__ = ["CHECKPOINT_FORMAT", "check_checkpoint", "as_json"]

CHECKPOINT_FORMAT = "femsyn-checkpoint-v1"


_DEVICE_DEFAULTS = DeviceParams.field_defaults()


def as_json(v: Any) -> Any:
    """``v`` as the checkpoint's JSON gives it back: tuples (the lsb_table_* fields) as lists."""
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [as_json(x) for x in v]
    return v


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_checkpoint(path: Any, config: TrainConfig, state: Any, layers: list, steps_per_epoch: int | None) -> None:
    """CheckpointError (``"<path>: <entry>: <what is wrong>"``) unless ``state`` can continue
    ``config``'s run on ``layers`` (``steps_per_epoch`` None: the step counts are not checked)."""
    try:
        _check(path, config, state, layers, steps_per_epoch)
    except CheckpointError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as e:
        # an entry of a type no check expected (an array where a number belongs, ...)
        raise CheckpointError(f"{path}: inconsistent state ({type(e).__name__}: {str(e)[:200]})") from None


def _check(path: Any, config: TrainConfig, state: Any, layers: list, steps_per_epoch: int | None) -> None:

    def bad(entry: str, what: str) -> CheckpointError:
        return CheckpointError(f"{path}: {entry}: {what}")

    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        got = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise bad("format", f"{got!r} is not {CHECKPOINT_FORMAT!r}")
    for key, kind in (("epoch", int), ("step", int), ("history", list), ("model", dict), ("optimizer", dict)):
        if not (_int(state.get(key)) if kind is int else isinstance(state.get(key), kind)):
            raise bad(key, f"missing or not a {kind.__name__} (got {type(state.get(key)).__name__})")
    epoch, step, inner = state["epoch"], state["step"], state.get("step_in_epoch", 0)
    if not 0 <= epoch <= config.epochs:
        raise bad("epoch", f"{epoch} is outside 0..{config.epochs} (the run's epochs)")
    if len(state["history"]) != epoch:
        raise bad("history", f"{len(state['history'])} rows for {epoch} finished epochs")
    spe = steps_per_epoch
    if not _int(inner) or inner < 0 or (spe is not None and inner >= spe) or (inner and epoch == config.epochs):
        raise bad("step_in_epoch", f"{inner!r} is outside 0..{spe - 1 if spe else 'the steps of an epoch'}")
    if step < 0 or (spe is not None and step != epoch * spe + inner):
        raise bad("step", f"{step} != {epoch} epochs x {spe} steps + {inner}")
    if inner:
        _check_inside(bad, state, len(layers))
    _check_model(bad, config, state["model"], layers)
    _check_optimizer(bad, state["optimizer"], layers)
    for key in ("rng", "aug_rng"):
        if key in state:
            try:
                np.random.Generator(np.random.PCG64()).bit_generator.state = state[key]
            except (TypeError, ValueError, KeyError) as e:
                raise bad(key, f"not a PCG64 state ({e})") from None


def _check_inside(bad: Any, state: dict[str, Any], n_layers: int) -> None:
    """The running sums of a checkpoint taken inside an epoch."""
    sums, before, t = state.get("epoch_sums"), state.get("epoch_before"), state.get("epoch_train_s")
    if not (isinstance(sums, list) and len(sums) == 3 and all(isinstance(v, (int, float)) for v in sums)):
        raise bad("epoch_sums", f"expected [loss sum, correct, seen], got {sums!r}"[:200])
    if not (_int(sums[1]) and _int(sums[2]) and 0 <= sums[1] <= sums[2]):
        raise bad("epoch_sums", f"correct {sums[1]!r} and seen {sums[2]!r} must be integers, 0 <= correct <= seen")
    if not (isinstance(before, list) and len(before) == n_layers and all(isinstance(c, dict) for c in before)):
        raise bad("epoch_before", f"expected the counters of {n_layers} layers")
    if not (isinstance(t, (int, float)) and not isinstance(t, bool) and t >= 0):
        raise bad("epoch_train_s", f"{t!r} is not a time >= 0")


def _check_model(bad: Any, config: TrainConfig, model: dict[str, Any], layers: list) -> None:
    arrays, biases = model.get("arrays"), model.get("biases")
    if not isinstance(arrays, list) or not isinstance(biases, list) or not len(arrays) == len(biases) == len(layers):
        raise bad("model", f"expected {len(layers)} weighted layers (arrays and biases)")
    device = as_json(dataclasses.asdict(config.resolved_device()))
    for i, (layer, st, b) in enumerate(zip(layers, arrays, biases)):
        entry = f"model/arrays/{i} ({layer.name})"
        if not isinstance(st, dict):
            raise bad(entry, f"not an array state (got {type(st).__name__})")
        rows, cols = st.get("rows"), st.get("cols")
        if (rows, cols) != (layer.rows, layer.cols):
            raise bad(entry, f"shape ({rows}, {cols}) is not the layer's ({layer.rows}, {layer.cols})")
        saved = _with_defaults(as_json(st.get("device")))
        if not isinstance(saved, dict) or saved != {k: device.get(k) for k in saved} or set(saved) != set(device):
            diff = _device_diff(saved, device)
            raise bad(entry, f"device differs from the run's {config.synapse_label!r} ({diff})")
        for key, v in st.items():
            if isinstance(v, np.ndarray) and v.ndim > 0 and v.shape != (rows, cols):
                raise bad(f"{entry}/{key}", f"shape {v.shape} is not ({rows}, {cols})")
        _check_counters(bad, entry, st)
        if not isinstance(b, np.ndarray) or b.shape != (layer.rows,) or b.dtype != np.float32:
            raise bad(f"model/biases/{i}", f"expected float32 of shape ({layer.rows},), got {_what(b)}")


def _with_defaults(saved: Any) -> Any:
    """A saved device dict with the DeviceParams fields it lacks at their defaults: a checkpoint
    written before a field existed computed what the field's default computes (the native core
    reads such a state the same way)."""
    if not isinstance(saved, dict):
        return saved
    return {**as_json(_DEVICE_DEFAULTS), **saved}


def _device_diff(saved: Any, device: dict[str, Any]) -> str:
    if not isinstance(saved, dict):
        return f"got {type(saved).__name__}"
    keys = sorted(k for k in set(saved) | set(device) if saved.get(k) != device.get(k))
    return ", ".join(f"{k}: {saved.get(k)!r} vs {device.get(k)!r}" for k in keys[:3])


def _check_counters(bad: Any, entry: str, st: dict[str, Any]) -> None:
    """The array's MSB-write counters agree with its per-cell write counts."""
    c, w = st.get("counters"), st.get("msb_writes")
    if not isinstance(c, dict) or not isinstance(w, np.ndarray) or w.dtype != np.uint32:
        return  # float/ideal arrays have no write counts; types are the native core's check
    most = int(w.max()) if w.size else 0
    if c.get("max_cell_writes") != most:
        raise bad(f"{entry}/counters", f"max_cell_writes {c.get('max_cell_writes')!r} != max(msb_writes) {most}")
    if _int(c.get("msb_writes")) and c["msb_writes"] < int(w.sum(dtype=np.uint64)):
        raise bad(f"{entry}/counters", f"msb_writes {c['msb_writes']} < the per-cell total {int(w.sum())}")


def _check_optimizer(bad: Any, opt: dict[str, Any], layers: list) -> None:
    for i, layer in enumerate(layers):
        for key, shape in ((f"v_w{i}", (layer.rows, layer.cols)), (f"v_b{i}", (layer.rows,))):
            v = opt.get(key)
            if not isinstance(v, np.ndarray) or v.shape != shape or v.dtype != np.float32:
                raise bad(f"optimizer/{key}", f"expected float32 of shape {shape}, got {_what(v)}")
            if not np.isfinite(v).all():
                raise bad(f"optimizer/{key}", "holds a non-finite value")


def _what(v: Any) -> str:
    return f"{v.dtype} of shape {v.shape}" if isinstance(v, np.ndarray) else type(v).__name__
