"""Checkpoint files: nested dicts of numpy arrays and JSON values in one ``.npz``.

Arrays are stored as npz members named by their path (``model/0/array/lsb``); every other
value (ints of any size, floats, strings, bools, None, lists, and the dicts holding them) goes
into one JSON document stored as the member ``__json__``. Floats round-trip exactly (JSON uses
``repr``). No pickle is involved, so loading a checkpoint never executes code.
Writes are atomic: a temporary file in the same folder, then ``os.replace``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["save_checkpoint", "load_checkpoint", "atomic_write_bytes", "atomic_savez"]

_SEP = "/"
_ARRAY = "__array__"


def _split(obj: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError(f"checkpoint: object array at {path!r} cannot be stored")
        arrays[path] = obj
        return {_ARRAY: path}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str) or _SEP in k:
                raise TypeError(f"checkpoint: key {k!r} at {path!r} must be a str without '/'")
            out[k] = _split(v, f"{path}{_SEP}{k}" if path else k, arrays)
        return out
    if isinstance(obj, (list, tuple)):
        return [_split(v, f"{path}{_SEP}{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"checkpoint: cannot store {type(obj).__name__} at {path!r}")


def _join(obj: Any, arrays: Any) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {_ARRAY}:
            return arrays[obj[_ARRAY]]
        return {k: _join(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join(v, arrays) for v in obj]
    return obj


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_savez(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = False) -> None:
    """``np.savez`` into a temp file in the same folder, then ``os.replace`` onto ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            (np.savez_compressed if compress else np.savez)(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    arrays: dict[str, np.ndarray] = {}
    meta = _split(state, "", arrays)
    arrays["__json__"] = np.array(json.dumps(meta, allow_nan=True))
    atomic_savez(path, arrays)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as z:
        if "__json__" not in z.files:
            raise ValueError(f"{path}: not a femsyn checkpoint (no __json__ member)")
        meta = json.loads(str(z["__json__"]))
        arrays = {k: z[k] for k in z.files if k != "__json__"}
    return _join(meta, arrays)
