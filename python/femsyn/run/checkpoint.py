"""Checkpoint files: nested dicts of numpy arrays and JSON values in one ``.npz``.

Arrays are stored as npz members named by their path (``model/0/array/lsb``); every other
value (ints of any size, floats, strings, bools, None, lists, and the dicts holding them) goes
into one JSON document stored as the member ``__json__``. Floats round-trip exactly (JSON uses
``repr``). No pickle is involved, so loading a checkpoint never executes code.
Writes are atomic: a temporary file in the same folder, then ``os.replace``; the file gets the
mode the umask gives (``mkstemp`` alone would make it 0600), and a write that fails (disk full,
read-only folder) raises an ``OSError`` naming the file, leaving the previous one intact.

Format 2 stores a SHA-256 of every array (dtype, shape and bytes) and of the JSON document, so
a damaged file is a :class:`CheckpointError` naming the member, never a silently wrong state.
Every way a file can be unreadable (empty, truncated, not a zip, a member missing) is a
:class:`CheckpointError` too: one line that names the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CheckpointError", "save_checkpoint", "load_checkpoint", "atomic_write_bytes", "atomic_savez"]

_SEP = "/"
_ARRAY = "__array__"
#: 2: per-array and JSON checksums (1: none; still read)
FILE_FORMAT = 2
_JSON, _SUMS = "__json__", "__checksums__"


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or does not hold a consistent femsyn state."""


def _digest(a: np.ndarray) -> str:
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).view(np.uint8).reshape(-1).data)
    return h.hexdigest()


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


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path: str | os.PathLike, write: Any) -> None:
    """``write(file)`` into a temp file beside ``path``, then ``os.replace`` onto it. An OSError
    (disk full, read-only folder) is re-raised naming ``path``; the old file stays intact."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, _umask_mode())
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    _atomic_write(path, lambda f: f.write(data))


def atomic_savez(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = False) -> None:
    """``np.savez`` into a temp file in the same folder, then ``os.replace`` onto ``path``."""
    _atomic_write(path, lambda f: (np.savez_compressed if compress else np.savez)(f, **arrays))


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    arrays: dict[str, np.ndarray] = {}
    meta = _split(state, "", arrays)
    doc = json.dumps({"file_format": FILE_FORMAT, "state": meta}, allow_nan=True)
    sums = {k: _digest(a) for k, a in arrays.items()}
    sums[_JSON] = hashlib.sha256(doc.encode()).hexdigest()
    arrays[_JSON] = np.array(doc)
    arrays[_SUMS] = np.array(json.dumps(sums))
    atomic_savez(path, arrays)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The state saved in ``path``; CheckpointError (one line naming the file) if it cannot be
    read, fails a checksum or is not a femsyn checkpoint. Never unpickles anything."""
    if _is_empty(path):
        raise CheckpointError(f"{path}: empty file, not a femsyn checkpoint")
    if os.path.isfile(path) and not zipfile.is_zipfile(path):
        # (np.load would go on to suggest allow_pickle: never for a checkpoint)
        raise CheckpointError(f"{path}: not a femsyn checkpoint (not an .npz archive, or truncated)")
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile) or _JSON not in z.files:
                raise CheckpointError(f"{path}: not a femsyn checkpoint (no {_JSON} member)")
            text = str(z[_JSON])
            arrays = {k: z[k] for k in z.files if k not in (_JSON, _SUMS)}
            sums = json.loads(str(z[_SUMS])) if _SUMS in z.files else None
        doc = json.loads(text)
    except CheckpointError:
        raise
    except Exception as e:  # zip, npy-header, JSON and decode errors of every kind: a damaged file
        what = f"{type(e).__name__}: {' '.join(str(e).split())[:200]}"
        raise CheckpointError(f"{path}: not a readable femsyn checkpoint ({what})") from None
    if isinstance(doc, dict) and doc.get("file_format") == FILE_FORMAT:
        _check_sums(path, text, arrays, sums)
        meta = doc.get("state")
    else:  # format 1: the state itself, no checksums
        meta = doc
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: not a femsyn checkpoint (its JSON holds no state)")
    try:
        return _join(meta, arrays)
    except (KeyError, TypeError) as e:
        raise CheckpointError(f"{path}: damaged checkpoint (array member {e} is missing)") from None


def _is_empty(path: str | os.PathLike) -> bool:
    try:
        return os.path.getsize(path) == 0
    except OSError:
        return False


def _check_sums(path: Any, text: str, arrays: dict[str, np.ndarray], sums: Any) -> None:
    """CheckpointError naming the first member whose checksum does not match (or is missing)."""
    if not isinstance(sums, dict):
        raise CheckpointError(f"{path}: damaged checkpoint (the checksum member is missing)")
    if sums.get(_JSON) != hashlib.sha256(text.encode()).hexdigest():
        raise CheckpointError(f"{path}: damaged checkpoint (checksum mismatch in member {_JSON})")
    for k, a in arrays.items():
        if sums.get(k) != _digest(a):
            raise CheckpointError(f"{path}: damaged checkpoint (checksum mismatch in array {k!r})")
    missing = sorted(set(sums) - set(arrays) - {_JSON})
    if missing:
        raise CheckpointError(f"{path}: damaged checkpoint (array member {missing[0]!r} is missing)")


#: checkpoint entries that measure time or name the call, not what training computed
TIMING_KEYS = frozenset(
    {"wall_s", "train_s", "images_per_s", "epoch_train_s", "out", "resume", "stop_after_epochs", "threads"}
    | {"checkpoint_every", "progress"}
)


def state_differences(a: Any, b: Any, ignore: frozenset[str] = TIMING_KEYS, path: str = "") -> list[str]:
    """Where two checkpoint states differ, bit for bit (arrays by dtype, shape and bytes; floats
    by value), apart from the keys in ``ignore``: the entries' paths, empty when identical."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            if k in ignore:
                continue
            if k not in a or k not in b:
                out.append(f"{path}/{k} (only in one)")
            else:
                out += state_differences(a[k], b[k], ignore, f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path} (lengths {len(a)} vs {len(b)})"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in state_differences(x, y, ignore, f"{path}/{i}")]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        same = isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        return [] if same and a.tobytes() == b.tobytes() else [path]
    return [] if a == b or (a != a and b != b) else [path]
