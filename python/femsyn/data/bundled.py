"""The real-MNIST sample bundled with femsyn (``sample/mnist_sample.npz``), and how it is made.

5,000 train and 1,000 test images, stratified, so ``femsyn train --net lenet`` runs offline; every
split name then says BUNDLED SAMPLE, not full MNIST.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from femsyn.data.errors import DatasetNotFoundError
from femsyn.data.idx import _read_idx_set
from femsyn.data.locate import _SUBDIRS, _files_in, _not_found_message, find_dataset

__all__ = ["make_sample", "sample_path"]

_SAMPLE_FILE = "mnist_sample.npz"
_SAMPLE_TRAIN_PER_CLASS = 500
_SAMPLE_TEST_PER_CLASS = 100
_SAMPLE_SEED = 20240601
_SAMPLE_TAG = "BUNDLED SAMPLE, not full MNIST"


def sample_path() -> Path:
    """Path of the bundled MNIST sample (.npz)."""
    return Path(__file__).resolve().parent / "sample" / _SAMPLE_FILE


def _load_sample() -> dict[str, np.ndarray]:
    p = sample_path()
    if not p.is_file():
        raise DatasetNotFoundError(f"bundled MNIST sample missing from the package: {p}")
    with np.load(p) as z:
        return {k: z[k] for k in ("train_x", "train_y", "test_x", "test_y")}


def _stratified(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    idx = []
    for c in range(10):
        pool = np.flatnonzero(y == c)
        idx.append(rng.choice(pool, size=per_class, replace=False))
    return np.sort(np.concatenate(idx))


def make_sample(
    mnist_dir: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
) -> Path:
    """Regenerate the bundled MNIST sample deterministically from full, verified MNIST.

    500 images per class from MNIST train and 100 per class from MNIST test, chosen with
    ``numpy.random.default_rng(%d)``, kept in original order, stored as uint8 with the
    original indices (``np.savez_compressed``).
    """
    d = Path(mnist_dir) if mnist_dir is not None else find_dataset("mnist")
    if d is None:
        raise DatasetNotFoundError(_not_found_message("mnist", None, "not attempted"))
    found = None
    for cand in (d, *(d / s for s in _SUBDIRS["mnist"])):
        f, _ = _files_in("mnist", cand)
        if f is not None:
            found = f
            break
    if found is None:
        raise DatasetNotFoundError(_not_found_message("mnist", d, "not attempted"))
    raw = _read_idx_set("mnist", found, verify=True)
    rng = np.random.default_rng(_SAMPLE_SEED)
    tr = _stratified(raw["train_y"], _SAMPLE_TRAIN_PER_CLASS, rng)
    te = _stratified(raw["test_y"], _SAMPLE_TEST_PER_CLASS, rng)
    out_path = Path(out) if out is not None else sample_path()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        train_x=raw["train_x"][tr],
        train_y=raw["train_y"][tr],
        test_x=raw["test_x"][te],
        test_y=raw["test_y"][te],
        train_index=tr.astype(np.int32),
        test_index=te.astype(np.int32),
        seed=np.int64(_SAMPLE_SEED),
    )
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, out_path)
    return out_path


if make_sample.__doc__:
    make_sample.__doc__ = make_sample.__doc__ % _SAMPLE_SEED
