"""The user cache: downloaded files, and decoded (verified) arrays as ``.npy`` for fast reloads.

Decoded arrays are keyed by the source files' path, size and mtime, so later loads skip hashing
and decompression; a changed or moved file gets a new entry and the stale one is dropped. Each
entry carries the SHA-256 of its arrays (``digest.json``), checked on every load: an entry
changed since it was written (every label set to 0, a truncated file) is dropped and the
dataset decoded again from its verified files, never trained on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["cache_dir"]

_CACHE_FORMAT = 2  # 2: digest.json beside the arrays
_DIGEST = "digest.json"


def _array_digest(a: np.ndarray) -> str:
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).view(np.uint8).reshape(-1).data)
    return h.hexdigest()


def cache_dir() -> Path:
    """The user cache directory: ``$XDG_CACHE_HOME/femsyn`` or ``~/.cache/femsyn``."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "femsyn"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "femsyn" / "Cache"
    return Path.home() / ".cache" / "femsyn"


def _cache_key(name: str, files: dict[str, Path]) -> str:
    parts = [f"v{_CACHE_FORMAT}", name]
    for role in sorted(files):
        p = files[role]
        st = p.stat()
        parts.append(f"{role}={p.resolve()}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def _array_cache_enabled() -> bool:
    return os.environ.get("FEMSYN_DATA_CACHE", "1").strip().lower() not in (
        "0",
        "false",
        "no",
        "off",
    )


def _cache_load(name: str, key: str, roles: list[str]) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None (absent, unreadable or failing its digest: then dropped)."""
    d = cache_dir() / "decoded" / f"{name}-{key}"
    if not d.is_dir():
        return None
    try:
        digest = json.loads((d / _DIGEST).read_text())
        arrays = {r: np.load(d / f"{r}.npy", allow_pickle=False) for r in roles}
        if all(digest.get(r) == _array_digest(a) for r, a in arrays.items()):
            return arrays
    except (OSError, ValueError):
        pass
    shutil.rmtree(d, ignore_errors=True)  # changed since written: decode again
    return None


def _cache_store(name: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    base = cache_dir() / "decoded"
    final = base / f"{name}-{key}"
    if final.exists():
        return
    try:
        base.mkdir(parents=True, exist_ok=True)
        # drop stale entries of the same dataset (files changed / moved)
        for old in base.glob(f"{name}-*"):
            if old.is_dir() and old.name != final.name:
                shutil.rmtree(old, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
        for role, arr in arrays.items():
            np.save(tmp / f"{role}.npy", np.ascontiguousarray(arr))
        (tmp / _DIGEST).write_text(json.dumps({r: _array_digest(a) for r, a in arrays.items()}))
        try:
            os.replace(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass  # cache is an optimization only
