"""The user cache: downloaded files, and decoded (verified) arrays as ``.npy`` for fast reloads.

Decoded arrays are keyed by the source files' path, size and mtime, so later loads skip hashing
and decompression; a changed or moved file gets a new entry and the stale one is dropped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["cache_dir"]

_CACHE_FORMAT = 1


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
    d = cache_dir() / "decoded" / f"{name}-{key}"
    try:
        return {r: np.load(d / f"{r}.npy") for r in roles}
    except (OSError, ValueError):
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
        try:
            os.replace(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass  # cache is an optimization only
