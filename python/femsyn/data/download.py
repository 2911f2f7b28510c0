"""Downloading a dataset into the user cache from its canonical mirrors, verified before use."""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

from femsyn.data.cache import cache_dir
from femsyn.data.catalog import _MIRRORS
from femsyn.data.checksums import _CHUNK, _verify_cifar_archive, _verify_idx
from femsyn.data.cifar10 import _CIFAR_ARCHIVE, _CIFAR_TEST_FULL, _CIFAR_TRAIN_FILES
from femsyn.data.idx import _IDX_FILES, _read_gz_path_bytes
from femsyn.data.locate import _SUBDIRS

__all__ = ["fetch_url"]


def fetch_url(url: str, dest: Path, timeout: float = 60.0) -> None:
    """Download ``url`` to ``dest`` (tests monkeypatch this function)."""
    req = urllib.request.Request(url, headers={"User-Agent": "femsyn"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(dest, "wb") as fh:
        shutil.copyfileobj(resp, fh, _CHUNK)


def _fetch_verified(name: str, filename: str, dest: Path, check) -> None:
    errors = []
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    for mirror in _MIRRORS[name]:
        url = mirror + filename
        print(f"femsyn: trying to download {url} -> {dest}", file=sys.stderr)
        try:
            fetch_url(url, part)
            check(part)
        except Exception as exc:  # try the next mirror, report all
            errors.append(f"{url}: {exc}")
            part.unlink(missing_ok=True)
            continue
        os.replace(part, dest)
        return
    raise OSError("; ".join(errors))


def _download(name: str) -> Path:
    """Download ``name`` into the user cache; return the directory. Raises OSError."""
    if name == "cifar10":
        return _download_cifar10()
    target = cache_dir() / _SUBDIRS[name][0]
    for base in _IDX_FILES.values():
        dest = target / (base + ".gz")
        if dest.is_file():
            continue

        def check_idx(p: Path, base=base) -> None:
            raw = p.read_bytes()
            _verify_idx(name, p, base, raw, _read_gz_path_bytes(p, raw))

        _fetch_verified(name, base + ".gz", dest, check_idx)
    return target


def _download_cifar10() -> Path:
    """The CIFAR-10 archive, checked, unpacked into ``<cache>/cifar-10``, then deleted."""
    target = cache_dir() / "cifar-10"
    archive = cache_dir() / _CIFAR_ARCHIVE

    _fetch_verified("cifar10", _CIFAR_ARCHIVE, archive, _verify_cifar_archive)
    wanted = set(_CIFAR_TRAIN_FILES) | {_CIFAR_TEST_FULL, "batches.meta.txt"}
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            base = os.path.basename(member.name)
            if not member.isfile() or base not in wanted:
                continue  # only plain files with known names: no path traversal
            src = tar.extractfile(member)
            assert src is not None
            tmp = target / (base + ".part")
            with open(tmp, "wb") as fh:
                shutil.copyfileobj(src, fh, _CHUNK)
            os.replace(tmp, target / base)
    archive.unlink(missing_ok=True)
    return target


def _download_allowed(download: bool) -> bool:
    if not download:
        return False
    return os.environ.get("FEMSYN_OFFLINE", "").strip().lower() in ("", "0", "false", "no")
