"""Reader of the CIFAR-10 binary version (``data_batch_*.bin``, ``test_batch.bin``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from femsyn.data.errors import DatasetFormatError

__all__: list[str] = []

_CIFAR_ARCHIVE = "cifar-10-binary.tar.gz"
_CIFAR_ARCHIVE_DIR = "cifar-10-batches-bin"

_CIFAR_RECORD = 1 + 3 * 32 * 32
_CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
_CIFAR_TEST_FULL = "test_batch.bin"
_CIFAR_TEST_PARTIAL_RE = re.compile(r"^test_batch\.first(\d+)\.bin$")
_CIFAR_RECORDS_PER_BATCH = 10000
_CIFAR_TEST_TOTAL = 10000


def _cifar_test_file(d: Path) -> Path | None:
    if (d / _CIFAR_TEST_FULL).is_file():
        return d / _CIFAR_TEST_FULL
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return None
    for n in names:
        if _CIFAR_TEST_PARTIAL_RE.match(n) and (d / n).is_file():
            return d / n
    return None


def _read_cifar_bin(path: Path, expected_records: int | None) -> tuple[np.ndarray, np.ndarray]:
    size = path.stat().st_size
    if size == 0 or size % _CIFAR_RECORD:
        raise DatasetFormatError(
            f"{path}: {size} bytes is not a whole number of {_CIFAR_RECORD}-byte CIFAR-10 "
            "records (truncated or corrupt)"
        )
    n = size // _CIFAR_RECORD
    if expected_records is not None and n != expected_records:
        raise DatasetFormatError(f"{path}: {n} records, expected {expected_records}")
    rec = np.fromfile(path, dtype=np.uint8).reshape(n, _CIFAR_RECORD)
    y = rec[:, 0].copy()
    if int(y.max()) > 9:
        bad = int(np.argmax(y > 9))
        raise DatasetFormatError(f"{path}: record {bad} has label byte {int(y[bad])}, outside 0..9 (corrupt file?)")
    x = np.ascontiguousarray(rec[:, 1:]).reshape(n, 3, 32, 32)
    return x, y


def _read_cifar_set(files: dict[str, Path], verify: bool) -> dict[str, np.ndarray]:
    xs, ys = [], []
    for i in range(5):
        x, y = _read_cifar_bin(files[f"train{i}"], _CIFAR_RECORDS_PER_BATCH if verify else None)
        xs.append(x)
        ys.append(y)
    out = {"train_x": np.concatenate(xs), "train_y": np.concatenate(ys)}
    if "test" in files:
        t = files["test"]
        m = _CIFAR_TEST_PARTIAL_RE.match(t.name)
        expected = int(m.group(1)) if m else _CIFAR_TEST_TOTAL
        out["test_x"], out["test_y"] = _read_cifar_bin(t, expected if verify else None)
    return out
