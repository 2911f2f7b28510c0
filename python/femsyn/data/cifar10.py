"""Reader of the CIFAR-10 binary version (``data_batch_*.bin``, ``test_batch.bin``).

With ``verify`` the original batch files are checked against the MD5s of the files in the
published archive (``cifar-10-binary.tar.gz``, MD5 c32a1d4a...; the per-file MD5s are the ones
CIFAR-10 loaders publish, e.g. the ``CIFAR_EXTRACTED_FILE_MD5s`` of PyTorch/Caffe2's data
scripts). A partial test file (``test_batch.first1000.bin``) has no published checksum: it is
checked by record count and label bytes only, as every file is.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from femsyn.data.errors import DatasetChecksumError, DatasetFormatError

__all__: list[str] = []

_CIFAR_ARCHIVE = "cifar-10-binary.tar.gz"
_CIFAR_ARCHIVE_DIR = "cifar-10-batches-bin"

_CIFAR_RECORD = 1 + 3 * 32 * 32
_CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
_CIFAR_TEST_FULL = "test_batch.bin"
_CIFAR_TEST_PARTIAL_RE = re.compile(r"^test_batch\.first(\d+)\.bin$")
_CIFAR_RECORDS_PER_BATCH = 10000
_CIFAR_TEST_TOTAL = 10000
_CIFAR_MD5 = {
    "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
    "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
    "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
    "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
    "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
    "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
}


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


def _check_md5(path: Path, data: bytes) -> None:
    """DatasetChecksumError unless a file with a published MD5 matches it."""
    want = _CIFAR_MD5.get(path.name)
    if want is None:
        return
    got = hashlib.md5(data).hexdigest()
    if got != want:
        raise DatasetChecksumError(
            f"{path}: checksum mismatch for CIFAR-10 file {path.name} (md5: expected {want}, got {got}). "
            "The file is corrupt or not the original; delete it and fetch it again."
        )


def read_class_names(path: Path) -> tuple[str, ...]:
    """The 10 class names of ``batches.meta.txt``; DatasetFormatError naming the file if bad."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise DatasetFormatError(
            f"{path}: not a text file of CIFAR-10 class names (invalid UTF-8 at byte {e.start}); "
            "expected 10 lines such as airplane, automobile, ..."
        ) from None
    names = tuple(ln.strip() for ln in text.splitlines() if ln.strip())
    if len(names) != 10:
        raise DatasetFormatError(f"{path}: {len(names)} class names, expected 10 (one per line)")
    return names


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
    raw = path.read_bytes()
    if expected_records is not None:  # verify
        _check_md5(path, raw)
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(n, _CIFAR_RECORD)
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
