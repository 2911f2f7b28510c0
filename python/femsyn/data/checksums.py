"""Published checksums of the dataset files, and the checks against them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from femsyn.data.catalog import _PRETTY
from femsyn.data.cifar10 import _CIFAR_ARCHIVE
from femsyn.data.errors import DatasetChecksumError

__all__: list[str] = []

# Published checksums. MNIST: SHA-256 of the .gz files (TFDS / Keras) and MD5 of the
# decompressed IDX files. Fashion-MNIST: MD5 of the .gz files (zalandoresearch repo /
# torchvision) and MD5 of the decompressed IDX files.
_GZ_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
        "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
        "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",  # noqa: E501
        "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",  # noqa: E501
    },
    "fashion-mnist": {},
}
_GZ_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}
_RAW_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
}
_CIFAR_ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"

_CHUNK = 1 << 20


def _hash_bytes(data: bytes, algo: str) -> str:
    return hashlib.new(algo, data).hexdigest()


def _verify_idx(name: str, path: Path, base: str, raw_gz: bytes | None, data: bytes) -> None:
    """Raise DatasetChecksumError unless a published checksum of this file matches."""
    tried = []
    if raw_gz is not None:
        sha = _GZ_SHA256.get(name, {}).get(base)
        if sha is not None:
            got = _hash_bytes(raw_gz, "sha256")
            if got == sha:
                return
            tried.append(f"sha256 of the .gz file: expected {sha}, got {got}")
        md5 = _GZ_MD5.get(name, {}).get(base)
        if md5 is not None and sha is None:
            got = _hash_bytes(raw_gz, "md5")
            if got == md5:
                return
            tried.append(f"md5 of the .gz file: expected {md5}, got {got}")
    md5 = _RAW_MD5.get(name, {}).get(base)
    if md5 is None:
        return
    got = _hash_bytes(data, "md5")
    if got == md5:
        return
    tried.append(f"md5 of the decompressed IDX data: expected {md5}, got {got}")
    raise DatasetChecksumError(
        f"{path}: checksum mismatch for {_PRETTY[name]} file {base} ("
        + "; ".join(tried)
        + "). The file is corrupt or not the original; delete it and fetch it again."
    )


def _verify_cifar_archive(path: Path) -> None:
    """Raise DatasetChecksumError unless ``path`` is the published CIFAR-10 binary archive."""
    got = _file_digest(path, "md5")
    if got != _CIFAR_ARCHIVE_MD5:
        raise DatasetChecksumError(
            f"{path}: checksum mismatch for {_CIFAR_ARCHIVE}: expected md5 {_CIFAR_ARCHIVE_MD5}, got {got}"
        )


def _file_digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()
