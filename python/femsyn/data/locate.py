"""Where the dataset files are: the look-up order, the files each dataset needs, and what to say
when they are nowhere.

Look-up order: ``data_dir`` (``--data-dir``), ``$FEMSYN_DATA``, the user cache, then system
locations (Debian's ``/usr/share/datasets/<name>``, Fashion-MNIST only); in each root both
``<root>/<dataset>/<files>`` and ``<root>/<files>`` are accepted.
"""

from __future__ import annotations

import os
from pathlib import Path

from femsyn.data.cache import cache_dir
from femsyn.data.catalog import _MIRRORS, _PRETTY, _canonical
from femsyn.data.cifar10 import (
    _CIFAR_ARCHIVE,
    _CIFAR_ARCHIVE_DIR,
    _CIFAR_TEST_FULL,
    _CIFAR_TRAIN_FILES,
    _cifar_test_file,
)
from femsyn.data.idx import _IDX_FILES, _idx_file

__all__ = ["find_dataset"]
# Sub-directory names accepted under a root (besides the root itself).
_SUBDIRS = {
    "mnist": ("mnist", "MNIST", "MNIST/raw"),
    "fashion-mnist": ("fashion-mnist", "fashion_mnist", "FashionMNIST", "FashionMNIST/raw"),
    "cifar10": ("cifar-10", "cifar10", "cifar-10-batches-bin", "cifar-10/cifar-10-batches-bin"),
}
_SYSTEM_DIRS = {
    "mnist": (),
    "fashion-mnist": ("/usr/share/datasets/fashion-mnist",),
    "cifar10": (),
}


def _roots(data_dir: str | os.PathLike | None) -> list[tuple[Path, str]]:
    roots: list[tuple[Path, str]] = []
    if data_dir is not None and str(data_dir) != "":
        roots.append((Path(data_dir).expanduser(), "data_dir / --data-dir"))
    env = os.environ.get("FEMSYN_DATA")
    if env:
        roots.append((Path(env).expanduser(), "$FEMSYN_DATA"))
    roots.append((cache_dir(), "user cache"))
    return roots


def _candidate_dirs(name: str, data_dir) -> list[tuple[Path, str]]:
    out = []
    for root, why in _roots(data_dir):
        for sub in _SUBDIRS[name]:
            out.append((root / sub, why))
        out.append((root, why))
    for d in _SYSTEM_DIRS[name]:
        out.append((Path(d), "system"))
    return out


def _files_in(name: str, d: Path, need_test: bool = True) -> tuple[dict[str, Path] | None, list[str]]:
    """Return ({role: path}, missing) for directory ``d``."""
    if not d.is_dir():
        return None, ["(no such directory)"]
    files: dict[str, Path] = {}
    missing: list[str] = []
    if name == "cifar10":
        for i, fn in enumerate(_CIFAR_TRAIN_FILES):
            p = d / fn
            if p.is_file():
                files[f"train{i}"] = p
            else:
                missing.append(fn)
        t = _cifar_test_file(d)
        if t is not None:
            files["test"] = t
        elif need_test:
            missing.append(f"{_CIFAR_TEST_FULL} (or test_batch.first1000.bin)")
        if (d / "batches.meta.txt").is_file():
            files["meta"] = d / "batches.meta.txt"
    else:
        for role, base in _IDX_FILES.items():
            p = _idx_file(d, base)
            if p is None:
                missing.append(base + ".gz")
            else:
                files[role] = p
    return (files if not missing else None), missing


def find_dataset(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """Directory holding the complete file set of ``name`` (look-up order above), or None."""
    name = _canonical(name)
    for d, _why in _candidate_dirs(name, data_dir):
        files, _ = _files_in(name, d)
        if files is not None:
            return d
    return None


def _not_found_message(name: str, data_dir, download_note: str) -> str:
    lines = [f"{_PRETTY[name]} dataset not found. femsyn looked in (in this order):"]
    seen = set()
    entries: list[tuple[Path | None, str]] = list(_roots(data_dir))
    if not os.environ.get("FEMSYN_DATA"):
        entries.insert(1 if data_dir not in (None, "") else 0, (None, "$FEMSYN_DATA"))
    for root, why in entries:
        if root is None:
            lines.append(f"  - {why}: not set")
            continue
        if root in seen:
            continue
        seen.add(root)
        details = []
        for sub in (*_SUBDIRS[name], ""):
            d = root / sub if sub else root
            _files, missing = _files_in(name, d)
            if d.is_dir():
                details.append(f"{d}: missing {', '.join(missing)}")
        if not details:
            details = [f"{root}: no such directory"]
        lines.append(f"  - {why}: " + details[0])
        lines.extend(f"      {x}" for x in details[1:])
    for d in _SYSTEM_DIRS[name]:
        lines.append(f"  - system: {d}: not present")
    lines.append(f"Download: {download_note}")
    if name == "cifar10":
        need = (
            "data_batch_1.bin ... data_batch_5.bin and test_batch.bin (CIFAR-10 binary version, "
            f"from {_MIRRORS['cifar10'][0]}{_CIFAR_ARCHIVE}, folder {_CIFAR_ARCHIVE_DIR}/)"
        )
        sub = "cifar-10"
    else:
        need = ", ".join(b + ".gz" for b in _IDX_FILES.values())
        need += f" (from {_MIRRORS[name][0]})"
        sub = _SUBDIRS[name][0]
    lines.append("To fix, do one of:")
    lines.append(f"  * put the files {need}")
    lines.append(
        f"    into DIR/{sub}/ (or DIR/ itself) and pass --data-dir DIR (data_dir=DIR) "
        "or set the environment variable FEMSYN_DATA=DIR;"
    )
    lines.append(f"  * or copy them into {cache_dir() / sub}/;")
    lines.append("  * or run once with network access (download=True) to fetch them into the cache.")
    if name == "fashion-mnist":
        lines.append("  * on Debian/Ubuntu: apt-get install dataset-fashion-mnist")
    return "\n".join(lines)
