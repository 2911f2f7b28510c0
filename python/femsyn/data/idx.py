"""Reader of the IDX files of MNIST and Fashion-MNIST (gzip-compressed or raw)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from femsyn.data.catalog import _PRETTY
from femsyn.data.checksums import _verify_idx
from femsyn.data.errors import DatasetFormatError

__all__: list[str] = []

_IDX_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
_IDX_COUNTS = {"train": 60000, "test": 10000}


def _idx_file(d: Path, base: str) -> Path | None:
    for cand in (
        base + ".gz",
        base,
        base.replace("-idx", ".idx") + ".gz",
        base.replace("-idx", ".idx"),
    ):
        p = d / cand
        if p.is_file():
            return p
    return None


def _parse_idx(path: Path, data: bytes, images: bool) -> np.ndarray:
    want_magic = 2051 if images else 2049
    ndim = 3 if images else 1
    hdr = 4 + 4 * ndim
    if len(data) < hdr:
        raise DatasetFormatError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    magic = int.from_bytes(data[0:4], "big")
    if magic != want_magic:
        raise DatasetFormatError(
            f"{path}: bad IDX magic number {magic} (expected {want_magic} for an IDX "
            f"{'image' if images else 'label'} file)"
        )
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    n = int(np.prod(dims))
    if len(data) - hdr != n:
        raise DatasetFormatError(
            f"{path}: IDX header says {'x'.join(map(str, dims))} = {n} bytes of data but the "
            f"file holds {len(data) - hdr} (truncated or corrupt)"
        )
    arr = np.frombuffer(data, dtype=np.uint8, offset=hdr).reshape(dims)
    if images:
        arr = arr.reshape(dims[0], 1, dims[1], dims[2])
    return arr


def _read_idx_set(name: str, files: dict[str, Path], verify: bool) -> dict[str, np.ndarray]:
    out = {}
    for role, base in _IDX_FILES.items():
        path = files[role]
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            try:
                data = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as exc:
                raise DatasetFormatError(
                    f"{path}: corrupt or truncated gzip file ({exc}); delete it and fetch it again"
                ) from exc
            gz = raw
        else:
            data, gz = raw, None
        if verify:
            _verify_idx(name, path, base, gz, data)
        out[role] = _parse_idx(path, data, images=role.endswith("_x"))
    for split in ("train", "test"):
        nx, ny = len(out[f"{split}_x"]), len(out[f"{split}_y"])
        if nx != ny:
            raise DatasetFormatError(f"{files[split + '_x']}: {nx} images but {files[split + '_y']} has {ny} labels")
        if verify and nx != _IDX_COUNTS[split]:
            raise DatasetFormatError(
                f"{files[split + '_x']}: {nx} images, expected {_IDX_COUNTS[split]} for the "
                f"{_PRETTY[name]} {split} split"
            )
        y = out[f"{split}_y"]
        if y.size and int(y.max()) > 9:
            raise DatasetFormatError(f"{files[split + '_y']}: label {int(y.max())} out of range 0..9")
    return out


def _read_gz_path_bytes(path: Path, raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetFormatError(f"{path}: corrupt or truncated gzip file ({exc})") from exc
