"""Datasets for femsyn: MNIST, Fashion-MNIST (IDX) and CIFAR-10 (binary version).

``load_dataset(name, data_dir=None, ...)`` returns a :class:`Dataset` with float32 NCHW
arrays (normalized) and int64 labels, plus strings that say exactly which split the
training and evaluation images come from (every reported accuracy must name its split).

Look-up order for the data files:

1. ``data_dir`` (the CLI's ``--data-dir``),
2. ``$FEMSYN_DATA``,
3. the user cache directory (``$XDG_CACHE_HOME/femsyn`` or ``~/.cache/femsyn``),
4. system locations (Debian's ``/usr/share/datasets/<name>``, Fashion-MNIST only),

and in each root both ``<root>/<dataset>/<files>`` and ``<root>/<files>`` are accepted.
When nothing is found and ``download`` is true, the files are downloaded into the cache
from the canonical URLs and verified. When MNIST cannot be found or fetched and
``allow_sample`` is true, a small real MNIST sample bundled with the package is used
and a loud warning is emitted.

Integrity: MNIST ``.gz`` files are checked against their published SHA-256;
Fashion-MNIST files against the published MD5 of the decompressed IDX bytes (or the
published ``.gz`` MD5); CIFAR-10 ``.bin`` files by size, record count and label range.
Decoded (verified) arrays are cached as ``.npy`` under ``<cache>/decoded`` keyed by the
source files' path, size and mtime, so later loads skip hashing and decompression.

Command line: ``python -m femsyn.data {where,verify,make-sample} ...``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "BundledSampleWarning",
    "Dataset",
    "DatasetChecksumError",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "cache_dir",
    "dataset_names",
    "fetch_url",
    "find_dataset",
    "load_dataset",
    "make_sample",
    "sample_path",
]

DATASETS = ("mnist", "fashion-mnist", "cifar10")

_ALIASES = {
    "mnist": "mnist",
    "fashion-mnist": "fashion-mnist",
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "fmnist": "fashion-mnist",
    "cifar10": "cifar10",
    "cifar-10": "cifar10",
    "cifar_10": "cifar10",
}

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

_IDX_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
_IDX_COUNTS = {"train": 60000, "test": 10000}

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

_MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    "cifar10": ("https://www.cs.toronto.edu/~kriz/",),
}
_CIFAR_ARCHIVE = "cifar-10-binary.tar.gz"
_CIFAR_ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
_CIFAR_ARCHIVE_DIR = "cifar-10-batches-bin"

_CIFAR_RECORD = 1 + 3 * 32 * 32
_CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
_CIFAR_TEST_FULL = "test_batch.bin"
_CIFAR_TEST_PARTIAL_RE = re.compile(r"^test_batch\.first(\d+)\.bin$")
_CIFAR_RECORDS_PER_BATCH = 10000
_CIFAR_TEST_TOTAL = 10000

_CLASSES = {
    "mnist": tuple(str(i) for i in range(10)),
    "fashion-mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    "cifar10": (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
}

# Normalization constants (of the [0, 1]-scaled training pixels).
_MEAN = {"mnist": (0.1307,), "fashion-mnist": (0.2860,), "cifar10": (0.4914, 0.4822, 0.4465)}
_STD = {"mnist": (0.3081,), "fashion-mnist": (0.3530,), "cifar10": (0.2470, 0.2435, 0.2616)}

_PRETTY = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}

_SAMPLE_FILE = "mnist_sample.npz"
_SAMPLE_TRAIN_PER_CLASS = 500
_SAMPLE_TEST_PER_CLASS = 100
_SAMPLE_SEED = 20240601
_SAMPLE_TAG = "BUNDLED SAMPLE, not full MNIST"

_CACHE_FORMAT = 1
_CHUNK = 1 << 20


# --------------------------------------------------------------------------- errors


class DatasetNotFoundError(FileNotFoundError):
    """The dataset files are not in any searched location and could not be downloaded."""


class DatasetChecksumError(ValueError):
    """A dataset file does not match its published checksum."""


class DatasetFormatError(ValueError):
    """A dataset file is truncated or malformed (bad gzip, bad IDX magic, wrong counts)."""


class BundledSampleWarning(UserWarning):
    """Full MNIST was not found; the small sample bundled with femsyn is used instead."""


# --------------------------------------------------------------------------- dataset


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset. Images are float32 NCHW (normalized), labels int64."""

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    eval_x: np.ndarray
    eval_y: np.ndarray
    train_split: str
    eval_split: str
    classes: tuple[str, ...]
    is_sample: bool = False
    source: str = ""
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one image, (C, H, W)."""
        return tuple(self.train_x.shape[1:])

    @property
    def splits(self) -> dict[str, str]:
        """``{"train": train_split, "eval": eval_split}`` (the summary.json ``split`` entry)."""
        return {"train": self.train_split, "eval": self.eval_split}

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, train={self.train_x.shape} [{self.train_split}], "
            f"eval={self.eval_x.shape} [{self.eval_split}], is_sample={self.is_sample}, "
            f"source={self.source!r})"
        )


# --------------------------------------------------------------------------- locations


def dataset_names() -> tuple[str, ...]:
    return DATASETS


def _canonical(name: str) -> str:
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    return _ALIASES[key]


def cache_dir() -> Path:
    """The user cache directory: ``$XDG_CACHE_HOME/femsyn`` or ``~/.cache/femsyn``."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "femsyn"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "femsyn" / "Cache"
    return Path.home() / ".cache" / "femsyn"


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


def sample_path() -> Path:
    """Path of the bundled MNIST sample (.npz)."""
    return Path(__file__).resolve().parent / "sample" / _SAMPLE_FILE


# --------------------------------------------------------------------------- hashing / IO


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


# --------------------------------------------------------------------------- decoded cache


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


# --------------------------------------------------------------------------- download


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
    target = cache_dir() / _SUBDIRS[name][0]
    if name == "cifar10":
        target = cache_dir() / "cifar-10"
        archive = cache_dir() / _CIFAR_ARCHIVE

        def check_tar(p: Path) -> None:
            got = _file_digest(p, "md5")
            if got != _CIFAR_ARCHIVE_MD5:
                raise DatasetChecksumError(
                    f"{p}: checksum mismatch for {_CIFAR_ARCHIVE}: expected md5 {_CIFAR_ARCHIVE_MD5}, got {got}"
                )

        _fetch_verified(name, _CIFAR_ARCHIVE, archive, check_tar)
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
    for base in _IDX_FILES.values():
        dest = target / (base + ".gz")
        if dest.is_file():
            continue

        def check_idx(p: Path, base=base) -> None:
            raw = p.read_bytes()
            _verify_idx(name, p, base, raw, _read_gz_path_bytes(p, raw))

        _fetch_verified(name, base + ".gz", dest, check_idx)
    return target


def _read_gz_path_bytes(path: Path, raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetFormatError(f"{path}: corrupt or truncated gzip file ({exc})") from exc


def _file_digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _download_allowed(download: bool) -> bool:
    if not download:
        return False
    return os.environ.get("FEMSYN_OFFLINE", "").strip().lower() in ("", "0", "false", "no")


# --------------------------------------------------------------------------- messages


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


# --------------------------------------------------------------------------- public loader


def _normalize(x: np.ndarray, mean, std) -> np.ndarray:
    c = x.shape[1]
    m = np.asarray(mean, dtype=np.float32).reshape(1, c, 1, 1)
    s = np.asarray(std, dtype=np.float32).reshape(1, c, 1, 1)
    out = x.astype(np.float32)
    out *= (1.0 / (255.0 * s)).astype(np.float32)
    out -= (m / s).astype(np.float32)
    return out


def _load_sample() -> dict[str, np.ndarray]:
    p = sample_path()
    if not p.is_file():
        raise DatasetNotFoundError(f"bundled MNIST sample missing from the package: {p}")
    with np.load(p) as z:
        return {k: z[k] for k in ("train_x", "train_y", "test_x", "test_y")}


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
    val_size = int(val_size)
    if val_size < 0:
        raise ValueError(f"val_size must be >= 0, got {val_size}")
    if train_limit is not None:
        train_limit = int(train_limit)
        if train_limit <= 0:
            raise ValueError(f"train_limit must be a positive integer or None, got {train_limit}")

    need_test = val_size == 0
    files = None
    source_dir = None
    for d, _why in _candidate_dirs(name, data_dir):
        f, _ = _files_in(name, d, need_test=need_test)
        if f is not None:
            files, source_dir = f, d
            break

    is_sample = False
    download_note = "disabled (download=False or FEMSYN_OFFLINE set)"
    if files is None and _download_allowed(download):
        try:
            d = _download(name)
            files, _ = _files_in(name, d, need_test=need_test)
            source_dir = d
            download_note = "succeeded"
        except Exception as exc:  # reported in the error / warning
            if isinstance(exc, DatasetChecksumError):
                raise
            download_note = f"failed ({exc})"
    if files is None:
        if name == "mnist" and allow_sample:
            raw = _load_sample()
            is_sample = True
            msg = _not_found_message(name, data_dir, download_note)
            warnings.warn(
                "\n" + "!" * 78 + "\n"
                f"femsyn: USING THE {_SAMPLE_TAG} ({len(raw['train_y'])} train / "
                f"{len(raw['test_y'])} test images bundled with the package).\n"
                "Accuracies will NOT be comparable to full-MNIST results.\n" + msg + "\n" + "!" * 78,
                BundledSampleWarning,
                stacklevel=2,
            )
        else:
            raise DatasetNotFoundError(_not_found_message(name, data_dir, download_note))
    else:
        raw = _load_raw(name, files, verify)

    n_full = len(raw["train_y"])
    if val_size >= n_full:
        raise ValueError(f"val_size={val_size} must be smaller than the {n_full} training images of {name}")
    n_train = n_full - val_size
    if train_limit is not None:
        n_train = min(n_train, train_limit)

    if is_sample:
        base = f"of the {_SAMPLE_TAG}"
        train_split = f"mnist train[0:{n_train}] {base} ({n_full} of 60000 train images, stratified)"
        if val_size:
            eval_split = (
                f"mnist validation train[{n_full - val_size}:{n_full}] {base} "
                f"({n_full} of 60000 train images, stratified)"
            )
        else:
            nt = len(raw["test_y"])
            eval_split = f"mnist test ({nt} images) {base} ({nt} of 10000 test images, stratified)"
        source = f"bundled sample {sample_path()}"
    else:
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
        source = str(source_dir)

    train_x = raw["train_x"][:n_train]
    train_y = raw["train_y"][:n_train]
    if val_size:
        eval_x = raw["train_x"][n_full - val_size :]
        eval_y = raw["train_y"][n_full - val_size :]
    else:
        eval_x, eval_y = raw["test_x"], raw["test_y"]

    classes = _CLASSES[name]
    if name == "cifar10" and files is not None and "meta" in files:
        names = [ln.strip() for ln in files["meta"].read_text().splitlines() if ln.strip()]
        if len(names) == 10:
            classes = tuple(names)

    mean, std = _MEAN[name], _STD[name]
    return Dataset(
        name=name,
        train_x=_normalize(train_x, mean, std),
        train_y=train_y.astype(np.int64),
        eval_x=_normalize(eval_x, mean, std),
        eval_y=eval_y.astype(np.int64),
        train_split=train_split,
        eval_split=eval_split,
        classes=classes,
        is_sample=is_sample,
        source=source,
        mean=mean,
        std=std,
    )


# --------------------------------------------------------------------------- bundled sample


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


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m femsyn.data", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("where", help="show where each dataset would be loaded from")
    p.add_argument("--data-dir", default=None)
    p = sub.add_parser("verify", help="load and verify a dataset, print its splits")
    p.add_argument("name", choices=DATASETS)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--val-size", type=int, default=0)
    p.add_argument("--no-download", action="store_true")
    p = sub.add_parser("make-sample", help="regenerate the bundled MNIST sample")
    p.add_argument("--mnist-dir", default=None, help="directory with the 4 MNIST .gz files")
    p.add_argument("--out", default=None, help=f"output .npz (default: {sample_path()})")
    args = ap.parse_args(argv)
    if args.cmd == "where":
        for n in DATASETS:
            d = find_dataset(n, args.data_dir)
            print(f"{n:14s} {d if d is not None else 'NOT FOUND'}")
        print(f"{'cache':14s} {cache_dir()}")
        return 0
    if args.cmd == "verify":
        ds = load_dataset(args.name, args.data_dir, val_size=args.val_size, download=not args.no_download)
        info = {
            "name": ds.name,
            "source": ds.source,
            "train_split": ds.train_split,
            "eval_split": ds.eval_split,
            "train_x": list(ds.train_x.shape),
            "eval_x": list(ds.eval_x.shape),
            "train_label_counts": np.bincount(ds.train_y, minlength=10).tolist(),
            "eval_label_counts": np.bincount(ds.eval_y, minlength=10).tolist(),
            "is_sample": ds.is_sample,
        }
        print(json.dumps(info, indent=2))
        return 0
    path = make_sample(args.mnist_dir, args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
