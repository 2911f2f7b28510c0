"""``load_dataset``: find (or fetch) a dataset, read and verify it, cut and name its splits.

Every split gets a name that says exactly which images it holds (``mnist train[0:60000]``,
``cifar10 validation train[40000:50000]``, ``... of the BUNDLED SAMPLE, not full MNIST``), so
every accuracy femsyn reports can name its split.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from femsyn.data.bundled import _SAMPLE_TAG, _load_sample, sample_path
from femsyn.data.cache import _array_cache_enabled, _cache_key, _cache_load, _cache_store
from femsyn.data.catalog import _CLASSES, _MEAN, _STD, _canonical
from femsyn.data.cifar10 import _CIFAR_TEST_FULL, _CIFAR_TEST_TOTAL, _read_cifar_set, read_class_names
from femsyn.data.dataset import Dataset
from femsyn.data.download import _download, _download_allowed
from femsyn.data.errors import BundledSampleWarning, DatasetChecksumError, DatasetNotFoundError
from femsyn.data.idx import _read_idx_set
from femsyn.data.locate import _candidate_dirs, _files_in, _not_found_message

__all__ = ["load_dataset"]


def load_dataset(
    name: str,
    data_dir: str | os.PathLike | None = None,
    *,
    val_size: int = 0,
    train_limit: int | None = None,
    allow_sample: bool = True,
    download: bool = True,
    verify: bool = True,
) -> Dataset:
    """Load ``name`` ("mnist", "fashion-mnist", "cifar10") as normalized float32 NCHW arrays.

    val_size > 0 holds out the LAST ``val_size`` training images as the evaluation split
    (instead of the test set). train_limit keeps the first ``train_limit`` of the remaining
    training images. verify=False skips published-checksum and exact-count checks (the
    structure is still checked). Raises DatasetNotFoundError, DatasetChecksumError,
    DatasetFormatError, ValueError (bad arguments).
    """
    name = _canonical(name)
    val_size, train_limit = _checked_sizes(val_size, train_limit)
    files, source_dir, download_note = _find_or_download(name, data_dir, need_test=val_size == 0, download=download)
    is_sample = files is None
    if files is None:
        raw = _sample_instead(name, data_dir, download_note, allow_sample)
    else:
        raw = _load_raw(name, files, verify)

    n_full = len(raw["train_y"])
    if val_size >= n_full:
        raise ValueError(f"val_size={val_size} must be smaller than the {n_full} training images of {name}")
    n_train = n_full - val_size
    if train_limit is not None:
        n_train = min(n_train, train_limit)
    if is_sample:
        train_split, eval_split = _sample_split_names(raw, n_train, n_full, val_size)
        source = f"bundled sample {sample_path()}"
    else:
        train_split, eval_split = _split_names(name, raw, files, n_train, n_full, val_size)
        source = str(source_dir)

    train_x = raw["train_x"][:n_train]
    train_y = raw["train_y"][:n_train]
    if val_size:
        eval_x = raw["train_x"][n_full - val_size :]
        eval_y = raw["train_y"][n_full - val_size :]
    else:
        eval_x, eval_y = raw["test_x"], raw["test_y"]

    mean, std = _MEAN[name], _STD[name]
    return Dataset(
        name=name,
        train_x=_normalize(train_x, mean, std),
        train_y=train_y.astype(np.int64),
        eval_x=_normalize(eval_x, mean, std),
        eval_y=eval_y.astype(np.int64),
        train_split=train_split,
        eval_split=eval_split,
        classes=_class_names(name, files),
        is_sample=is_sample,
        source=source,
        mean=mean,
        std=std,
    )


def _checked_sizes(val_size: int, train_limit: int | None) -> tuple[int, int | None]:
    val_size = int(val_size)
    if val_size < 0:
        raise ValueError(f"val_size must be >= 0, got {val_size}")
    if train_limit is not None:
        train_limit = int(train_limit)
        if train_limit <= 0:
            raise ValueError(f"train_limit must be a positive integer or None, got {train_limit}")
    return val_size, train_limit


def _find_or_download(
    name: str, data_dir: str | os.PathLike | None, *, need_test: bool, download: bool
) -> tuple[dict[str, Path] | None, Path | None, str]:
    """The files of ``name`` (the first complete set in the look-up order, else downloaded into
    the cache when allowed), their folder, and what became of the download (for messages).
    An explicit ``data_dir`` must hold them: it is never skipped for another location."""
    if data_dir is not None and str(data_dir) != "":
        return _in_data_dir(name, Path(data_dir).expanduser(), need_test)
    for d, _why in _candidate_dirs(name, data_dir):
        f, _ = _files_in(name, d, need_test=need_test)
        if f is not None:
            return f, d, "not needed"
    files, source_dir = None, None
    download_note = "disabled (download=False or FEMSYN_OFFLINE set)"
    if _download_allowed(download):
        try:
            d = _download(name)
            files, _ = _files_in(name, d, need_test=need_test)
            source_dir = d
            download_note = "succeeded"
        except Exception as exc:  # reported in the error / warning
            if isinstance(exc, DatasetChecksumError):
                raise
            download_note = f"failed ({exc})"
    return files, source_dir, download_note


def _in_data_dir(name: str, root: Path, need_test: bool) -> tuple[dict[str, Path], Path, str]:
    """The files of ``name`` in ``root`` (or its dataset sub-folder); DatasetNotFoundError naming
    the folder, what is missing in it and how to fix it otherwise."""
    for d, _why in _candidate_dirs(name, root):
        if d != root and root not in d.parents:
            continue  # $FEMSYN_DATA, the cache: not what was asked for
        files, _missing = _files_in(name, d, need_test=need_test)
        if files is not None:
            return files, d, "not needed"
    what = "no such directory" if not root.is_dir() else f"does not hold the {name} dataset"
    detail = _not_found_message(name, root, "not tried (an explicit --data-dir is used as given)")
    raise DatasetNotFoundError(f"--data-dir (data_dir) {root}: {what}\n{detail}")


def _sample_instead(
    name: str, data_dir: str | os.PathLike | None, download_note: str, allow_sample: bool
) -> dict[str, np.ndarray]:
    """The bundled MNIST sample, with a loud warning; for anything else DatasetNotFoundError."""
    if not (name == "mnist" and allow_sample):
        raise DatasetNotFoundError(_not_found_message(name, data_dir, download_note))
    raw = _load_sample()
    msg = _not_found_message(name, data_dir, download_note)
    warnings.warn(
        "\n" + "!" * 78 + "\n"
        f"femsyn: USING THE {_SAMPLE_TAG} ({len(raw['train_y'])} train / "
        f"{len(raw['test_y'])} test images bundled with the package).\n"
        "Accuracies will NOT be comparable to full-MNIST results.\n" + msg + "\n" + "!" * 78,
        BundledSampleWarning,
        stacklevel=3,  # the caller of load_dataset
    )
    return raw


def _sample_split_names(raw: dict[str, np.ndarray], n_train: int, n_full: int, val_size: int) -> tuple[str, str]:
    base = f"of the {_SAMPLE_TAG}"
    train_split = f"mnist train[0:{n_train}] {base} ({n_full} of 60000 train images, stratified)"
    if val_size:
        eval_split = (
            f"mnist validation train[{n_full - val_size}:{n_full}] {base} ({n_full} of 60000 train images, stratified)"
        )
    else:
        nt = len(raw["test_y"])
        eval_split = f"mnist test ({nt} images) {base} ({nt} of 10000 test images, stratified)"
    return train_split, eval_split


def _split_names(
    name: str, raw: dict[str, np.ndarray], files: dict[str, Path], n_train: int, n_full: int, val_size: int
) -> tuple[str, str]:
    train_split = f"{name} train[0:{n_train}]"
    if val_size:
        eval_split = f"{name} validation train[{n_full - val_size}:{n_full}]"
    else:
        nt = len(raw["test_y"])
        partial = name == "cifar10" and files["test"].name != _CIFAR_TEST_FULL
        if partial:
            eval_split = f"{name} test first {nt} of {_CIFAR_TEST_TOTAL}"
        else:
            eval_split = f"{name} test ({nt} images)"
    return train_split, eval_split


def _class_names(name: str, files: dict[str, Path] | None) -> tuple[str, ...]:
    """The class names; CIFAR-10's from its ``batches.meta.txt`` when present."""
    if name == "cifar10" and files is not None and "meta" in files:
        return read_class_names(files["meta"])
    return _CLASSES[name]


def _load_raw(name: str, files: dict[str, Path], verify: bool) -> dict[str, np.ndarray]:
    """uint8 arrays train_x/train_y[/test_x/test_y], verified (when verify) and cached."""
    roles = ["train_x", "train_y"] + (["test_x", "test_y"] if name != "cifar10" or "test" in files else [])
    data_files = {k: v for k, v in files.items() if k != "meta"}
    use_cache = verify and _array_cache_enabled()
    key = _cache_key(name, data_files) if use_cache else ""
    if use_cache:
        hit = _cache_load(name, key, roles)
        if hit is not None:
            return hit
    arrays = _read_cifar_set(files, verify) if name == "cifar10" else _read_idx_set(name, files, verify)
    if use_cache:
        _cache_store(name, key, arrays)
    return arrays


def _normalize(x: np.ndarray, mean, std) -> np.ndarray:
    c = x.shape[1]
    m = np.asarray(mean, dtype=np.float32).reshape(1, c, 1, 1)
    s = np.asarray(std, dtype=np.float32).reshape(1, c, 1, 1)
    out = x.astype(np.float32)
    out *= (1.0 / (255.0 * s)).astype(np.float32)
    out -= (m / s).astype(np.float32)
    return out
