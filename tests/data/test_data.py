"""Tests of femsyn.data: look-up order, verification, corrupt files, splits, sample, download."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tarfile
import time
import urllib.error
import warnings
from pathlib import Path

import numpy as np
import pytest
from femsyn import data
from femsyn.data import catalog, checksums, download, idx

REAL_ROOT = os.environ.get("FEMSYN_DATA")
MNIST_BASES = list(idx._IDX_FILES.values())
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
CIFAR_TEST1000_COUNTS = [103, 89, 100, 103, 90, 86, 112, 102, 106, 109]


def _real(name: str) -> Path:
    if not REAL_ROOT:
        pytest.skip("FEMSYN_DATA not set")
    d = data.find_dataset(name, REAL_ROOT)
    if d is None or not str(d).startswith(str(Path(REAL_ROOT).expanduser())):
        pytest.skip(f"{name} not present under FEMSYN_DATA={REAL_ROOT}")
    return d


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    """Private cache dir, no FEMSYN_DATA, and no network."""
    cache = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("FEMSYN_DATA", raising=False)
    monkeypatch.delenv("FEMSYN_OFFLINE", raising=False)
    monkeypatch.delenv("FEMSYN_DATA_CACHE", raising=False)

    def no_network(url, dest, timeout=60.0):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(download, "fetch_url", no_network)
    return cache / "femsyn"


# --------------------------------------------------------------------------- fake files


def _idx_bytes(arr: np.ndarray) -> bytes:
    magic = 2051 if arr.ndim == 3 else 2049
    hdr = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return hdr + arr.astype(np.uint8).tobytes()


def _gz(raw: bytes, mtime: int = 0) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=mtime) as fh:
        fh.write(raw)
    return buf.getvalue()


def make_fake_mnist(d: Path, n_train: int = 20, n_test: int = 10, seed: int = 0) -> dict:
    """Structurally valid MNIST-like IDX .gz files; returns {base: (gz_bytes, raw_bytes)}."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(n_test) % 10,
    }
    out = {}
    for base, arr in arrays.items():
        raw = _idx_bytes(arr)
        gz = _gz(raw)
        (d / (base + ".gz")).write_bytes(gz)
        out[base] = (gz, raw)
    return out


def trust_fake_mnist(monkeypatch, files: dict, n_train: int, n_test: int, name="mnist"):
    """Make the published-checksum tables accept the fake files."""
    for base, (gz, raw) in files.items():
        if name == "mnist":
            monkeypatch.setitem(checksums._GZ_SHA256[name], base, hashlib.sha256(gz).hexdigest())
        monkeypatch.setitem(checksums._GZ_MD5[name], base, hashlib.md5(gz).hexdigest())
        monkeypatch.setitem(checksums._RAW_MD5[name], base, hashlib.md5(raw).hexdigest())
    monkeypatch.setitem(idx._IDX_COUNTS, "train", n_train)
    monkeypatch.setitem(idx._IDX_COUNTS, "test", n_test)


def _cifar_records(n: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
    rec[:, 0] = np.arange(n) % 10
    return rec.tobytes()


def make_fake_cifar(d: Path, per_batch: int = 4, test_name="test_batch.first1000.bin", n_test=3):
    d.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        (d / f"data_batch_{i}.bin").write_bytes(_cifar_records(per_batch, seed=i))
    if test_name:
        (d / test_name).write_bytes(_cifar_records(n_test, seed=99))
    (d / "batches.meta.txt").write_text("\n".join(catalog._CLASSES["cifar10"]) + "\n")


# --------------------------------------------------------------------------- real data


def test_real_mnist_shapes_counts_and_cache(isolated):
    _real("mnist")
    ds = data.load_dataset("mnist", REAL_ROOT, download=False)
    assert not ds.is_sample
    assert ds.train_x.shape == (60000, 1, 28, 28) and ds.train_x.dtype == np.float32
    assert ds.eval_x.shape == (10000, 1, 28, 28) and ds.eval_x.dtype == np.float32
    assert ds.train_y.dtype == np.int64 and ds.eval_y.dtype == np.int64
    assert np.bincount(ds.train_y, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(ds.eval_y, minlength=10).tolist() == TEST_COUNTS
    assert ds.train_split == "mnist train[0:60000]"
    assert ds.eval_split == "mnist test (10000 images)"
    assert ds.splits == {"train": ds.train_split, "eval": ds.eval_split}
    assert abs(float(ds.train_x.mean())) < 0.01 and abs(float(ds.train_x.std()) - 1) < 0.01
    # second load comes from the verified decoded-array cache
    assert any((isolated / "decoded").glob("mnist-*"))
    t0 = time.perf_counter()
    ds2 = data.load_dataset("mnist", REAL_ROOT, download=False)
    assert time.perf_counter() - t0 < 3.0  # typically ~0.4 s; generous for loaded CI
    np.testing.assert_array_equal(ds.train_x[:100], ds2.train_x[:100])
    np.testing.assert_array_equal(ds.eval_y, ds2.eval_y)


def test_real_cifar_partial_test_split(monkeypatch):
    monkeypatch.setenv("FEMSYN_DATA_CACHE", "0")  # do not write 150 MB per test run
    _real("cifar10")
    ds = data.load_dataset("cifar10", REAL_ROOT, download=False)
    assert ds.train_x.shape == (50000, 3, 32, 32) and ds.eval_x.shape == (1000, 3, 32, 32)
    assert ds.train_split == "cifar10 train[0:50000]"
    assert ds.eval_split == "cifar10 test first 1000 of 10000"
    assert np.bincount(ds.train_y).tolist() == [5000] * 10
    assert np.bincount(ds.eval_y).tolist() == CIFAR_TEST1000_COUNTS
    assert ds.train_y[:20].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3, 4, 7, 7, 2, 9, 9, 9, 3, 2, 6]
    assert ds.eval_y[:20].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6]
    assert ds.classes[0] == "airplane" and len(ds.classes) == 10
    np.testing.assert_allclose(ds.train_x.mean(axis=(0, 2, 3)), 0, atol=0.01)
    np.testing.assert_allclose(ds.train_x.std(axis=(0, 2, 3)), 1, atol=0.01)


def test_real_cifar_validation_split(monkeypatch):
    monkeypatch.setenv("FEMSYN_DATA_CACHE", "0")  # do not write 150 MB per test run
    _real("cifar10")
    ds = data.load_dataset("cifar10", REAL_ROOT, val_size=10000, train_limit=2000, download=False)
    assert ds.eval_split == "cifar10 validation train[40000:50000]"
    assert ds.train_split == "cifar10 train[0:2000]"
    assert ds.train_x.shape == (2000, 3, 32, 32) and ds.eval_x.shape == (10000, 3, 32, 32)
    assert np.bincount(ds.eval_y).tolist() == [
        1014,
        1014,
        952,
        1016,
        997,
        1025,
        980,
        977,
        1003,
        1022,
    ]  # data_batch_5 label counts from the datasets README


def test_make_sample_reproduces_bundled_file(tmp_path):
    d = _real("mnist")
    out = data.make_sample(d, tmp_path / "s.npz")
    assert out.read_bytes() == data.sample_path().read_bytes()


# --------------------------------------------------------------------------- look-up order


def test_lookup_order_data_dir_env_cache(tmp_path, monkeypatch, isolated):
    a, b = tmp_path / "a", tmp_path / "b"
    make_fake_mnist(a / "mnist", n_train=11)  # <root>/mnist/<files>
    make_fake_mnist(b, n_train=12)  # <root>/<files>
    make_fake_mnist(isolated / "mnist", n_train=13)  # user cache
    kw = dict(download=False, allow_sample=False, verify=False)
    monkeypatch.setenv("FEMSYN_DATA", str(b))
    ds = data.load_dataset("mnist", a, **kw)
    assert len(ds.train_y) == 11 and ds.source == str(a / "mnist")
    ds = data.load_dataset("mnist", **kw)
    assert len(ds.train_y) == 12 and ds.source == str(b)
    monkeypatch.delenv("FEMSYN_DATA")
    ds = data.load_dataset("mnist", **kw)
    assert len(ds.train_y) == 13 and ds.source == str(isolated / "mnist")
    # an explicit data_dir without the files is an error naming it, never skipped for another place
    (tmp_path / "empty").mkdir()
    for missing in (tmp_path / "empty", tmp_path / "nowhere"):
        with pytest.raises(data.DatasetNotFoundError, match=f"--data-dir \\(data_dir\\) {missing}"):
            data.load_dataset("mnist", missing, **kw)
    assert data.find_dataset("mnist", a) == a / "mnist"


def test_uncompressed_idx_files_accepted(tmp_path):
    files = make_fake_mnist(tmp_path / "gz", n_train=10)
    d = tmp_path / "raw"
    d.mkdir()
    for base, (_gz_bytes, raw) in files.items():
        (d / base).write_bytes(raw)
    ds = data.load_dataset("mnist", d, download=False, allow_sample=False, verify=False)
    assert ds.train_x.shape == (10, 1, 28, 28)


# --------------------------------------------------------------------------- errors


def test_missing_data_error_text(tmp_path):
    with pytest.raises(data.DatasetNotFoundError) as ei:
        data.load_dataset("mnist", tmp_path / "nowhere", download=False, allow_sample=False)
    assert isinstance(ei.value, FileNotFoundError)
    msg = str(ei.value)
    for needle in (
        "FEMSYN_DATA",
        "--data-dir",
        "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        str(tmp_path / "nowhere"),
        str(data.cache_dir()),
    ):
        assert needle in msg, needle
    with pytest.raises(data.DatasetNotFoundError, match="data_batch_1.bin"):
        data.load_dataset("cifar10", tmp_path, download=False)
    with pytest.raises(data.DatasetNotFoundError, match="Fashion-MNIST"):
        data.load_dataset("fashion-mnist", tmp_path, download=False)


def test_partial_directory_lists_missing_files(tmp_path):
    make_fake_mnist(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DatasetNotFoundError, match="missing t10k-labels-idx1-ubyte.gz"):
        data.load_dataset("mnist", tmp_path, download=False, allow_sample=False)


def test_corrupt_gz_names_file(tmp_path):
    files = make_fake_mnist(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(files["train-images-idx3-ubyte"][0][:-40])  # truncated
    with pytest.raises(data.DatasetFormatError, match="train-images-idx3-ubyte.gz"):
        data.load_dataset("mnist", tmp_path, download=False, verify=False)
    p.write_bytes(b"not a gzip file at all")
    with pytest.raises(data.DatasetFormatError, match="gzip"):
        data.load_dataset("mnist", tmp_path, download=False, verify=False)


def test_bad_magic_and_wrong_counts(tmp_path):
    files = make_fake_mnist(tmp_path, n_train=10)
    raw = bytearray(files["train-labels-idx1-ubyte"][1])
    bad = b"\x00\x00\x08\x03" + bytes(raw[4:])  # image magic on a label file
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(_gz(bad))
    with pytest.raises(data.DatasetFormatError, match=r"train-labels.*magic"):
        data.load_dataset("mnist", tmp_path, download=False, verify=False)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(_gz(bytes(raw[:-1])))  # 1 label short
    with pytest.raises(data.DatasetFormatError, match=r"train-labels.*truncated"):
        data.load_dataset("mnist", tmp_path, download=False, verify=False)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(_gz(_idx_bytes(np.zeros(9))))
    with pytest.raises(data.DatasetFormatError, match="10 images but"):
        data.load_dataset("mnist", tmp_path, download=False, verify=False)


def test_wrong_checksum(tmp_path):
    files = make_fake_mnist(tmp_path)
    with pytest.raises(data.DatasetChecksumError) as ei:
        data.load_dataset("mnist", tmp_path, download=False, allow_sample=False)
    assert isinstance(ei.value, ValueError)
    msg = str(ei.value)
    gz = files["train-images-idx3-ubyte"][0]
    assert "train-images-idx3-ubyte.gz" in msg
    assert checksums._GZ_SHA256["mnist"]["train-images-idx3-ubyte"] in msg  # expected
    assert hashlib.sha256(gz).hexdigest() in msg  # actual


def test_verified_fake_mnist_and_cache(tmp_path, monkeypatch, isolated):
    files = make_fake_mnist(tmp_path, n_train=20, n_test=10)
    trust_fake_mnist(monkeypatch, files, 20, 10)
    ds = data.load_dataset("mnist", tmp_path, download=False, allow_sample=False)
    assert ds.train_split == "mnist train[0:20]" and ds.eval_split == "mnist test (10 images)"
    assert len(list((isolated / "decoded").glob("mnist-*"))) == 1
    # changing a file (size/mtime) invalidates the cached decode; it is re-verified
    old_entry = next((isolated / "decoded").glob("mnist-*"))
    p = tmp_path / "t10k-labels-idx1-ubyte.gz"
    p.write_bytes(_gz(_idx_bytes(np.arange(10) % 10), mtime=5))  # re-gzipped, same IDX bytes
    os.utime(p, ns=(1, 1))
    ds = data.load_dataset("mnist", tmp_path, download=False, allow_sample=False)
    assert [e.name for e in (isolated / "decoded").glob("mnist-*")] != [old_entry.name]
    p.write_bytes(_gz(_idx_bytes(np.arange(1, 11) % 10)))  # different labels
    os.utime(p, ns=(2, 2))
    with pytest.raises(data.DatasetChecksumError, match="t10k-labels"):
        data.load_dataset("mnist", tmp_path, download=False, allow_sample=False)


def test_fashion_mnist_debian_gzip_headers(tmp_path, monkeypatch):
    files = make_fake_mnist(tmp_path / "fashion-mnist", n_train=20, n_test=10)
    trust_fake_mnist(monkeypatch, files, 20, 10, name="fashion-mnist")
    for base, (_gz_bytes, raw) in files.items():  # same IDX bytes, different gzip header
        (tmp_path / "fashion-mnist" / (base + ".gz")).write_bytes(_gz(raw, mtime=1600000000))
    ds = data.load_dataset("fashion-mnist", tmp_path, download=False)
    assert ds.train_split == "fashion-mnist train[0:20]"
    assert ds.classes[9] == "Ankle boot"
    (tmp_path / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(_gz(_idx_bytes(np.arange(1, 11) % 10)))
    with pytest.raises(data.DatasetChecksumError, match="decompressed"):
        data.load_dataset("fashion-mnist", tmp_path, download=False)


# --------------------------------------------------------------------------- CIFAR / splits


def test_cifar_partial_and_full_test_split_strings(tmp_path):
    make_fake_cifar(tmp_path / "cifar-10", per_batch=4, n_test=3)
    kw = dict(download=False, verify=False)
    ds = data.load_dataset("cifar10", tmp_path, **kw)
    assert ds.eval_split == "cifar10 test first 3 of 10000"
    assert ds.train_split == "cifar10 train[0:20]"
    assert ds.train_x.shape == (20, 3, 32, 32) and ds.eval_x.dtype == np.float32
    make_fake_cifar(tmp_path / "full", per_batch=4, test_name="test_batch.bin", n_test=5)
    ds = data.load_dataset("cifar10", tmp_path / "full", **kw)
    assert ds.eval_split == "cifar10 test (5 images)"
    # verify=True checks record counts: the partial file must hold exactly 1000 records
    with pytest.raises(data.DatasetFormatError, match="data_batch_1.bin"):
        data.load_dataset("cifar10", tmp_path, download=False)


def test_cifar_corrupt_files(tmp_path):
    d = tmp_path / "cifar-10"
    make_fake_cifar(d)
    with open(d / "data_batch_3.bin", "ab") as fh:
        fh.write(b"\x00" * 10)
    with pytest.raises(data.DatasetFormatError, match="data_batch_3.bin"):
        data.load_dataset("cifar10", tmp_path, download=False, verify=False)
    make_fake_cifar(d)
    rec = bytearray((d / "data_batch_2.bin").read_bytes())
    rec[3073] = 42
    (d / "data_batch_2.bin").write_bytes(bytes(rec))
    with pytest.raises(data.DatasetFormatError, match=r"data_batch_2.bin.*label byte 42"):
        data.load_dataset("cifar10", tmp_path, download=False, verify=False)


def test_validation_split_and_train_limit(tmp_path):
    make_fake_mnist(tmp_path, n_train=20)
    kw = dict(download=False, verify=False)
    full = data.load_dataset("mnist", tmp_path, **kw)
    ds = data.load_dataset("mnist", tmp_path, val_size=5, train_limit=7, **kw)
    assert ds.eval_split == "mnist validation train[15:20]"
    assert ds.train_split == "mnist train[0:7]"
    np.testing.assert_array_equal(ds.eval_x, full.train_x[15:])
    np.testing.assert_array_equal(ds.train_y, full.train_y[:7])
    ds = data.load_dataset("mnist", tmp_path, train_limit=1000, **kw)
    assert ds.train_split == "mnist train[0:20]"
    with pytest.raises(ValueError, match="val_size"):
        data.load_dataset("mnist", tmp_path, val_size=20, **kw)
    with pytest.raises(ValueError, match="train_limit"):
        data.load_dataset("mnist", tmp_path, train_limit=0, **kw)
    with pytest.raises(ValueError, match="fashion-mnist"):
        data.load_dataset("imagenet", tmp_path, **kw)
    # CIFAR with val_size > 0 does not need a test file
    make_fake_cifar(tmp_path / "c" / "cifar-10", per_batch=4, test_name=None)
    ds = data.load_dataset("cifar10", tmp_path / "c", val_size=4, **kw)
    assert ds.eval_split == "cifar10 validation train[16:20]"


# --------------------------------------------------------------------------- bundled sample


def test_bundled_sample_offline(tmp_path, monkeypatch):
    # nothing anywhere (an explicit empty data_dir would be an error, not a reason for the sample)
    monkeypatch.delenv("FEMSYN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.warns(data.BundledSampleWarning, match="BUNDLED SAMPLE"):
        ds = data.load_dataset("mnist", None, download=False)
    assert ds.is_sample
    assert "BUNDLED SAMPLE, not full MNIST" in ds.train_split
    assert "BUNDLED SAMPLE, not full MNIST" in ds.eval_split
    assert ds.train_x.shape == (5000, 1, 28, 28) and ds.eval_x.shape == (1000, 1, 28, 28)
    assert np.bincount(ds.train_y).tolist() == [500] * 10
    assert np.bincount(ds.eval_y).tolist() == [100] * 10
    assert ds.train_x.dtype == np.float32 and ds.train_y.dtype == np.int64
    with pytest.warns(data.BundledSampleWarning):
        ds = data.load_dataset("mnist", None, download=False, val_size=1000)
    assert ds.eval_split.startswith("mnist validation train[4000:5000]")
    assert "BUNDLED SAMPLE" in ds.eval_split
    with pytest.raises(data.DatasetNotFoundError):
        data.load_dataset("mnist", None, download=False, allow_sample=False)
    assert data.sample_path().stat().st_size < 2_000_000


def test_sample_used_when_download_fails(tmp_path, isolated):
    with pytest.warns(data.BundledSampleWarning, match="network disabled"):
        ds = data.load_dataset("mnist", None, download=True)
    assert ds.is_sample
    with pytest.raises(data.DatasetNotFoundError, match="failed"):
        data.load_dataset("mnist", None, download=True, allow_sample=False)


# --------------------------------------------------------------------------- download


def test_fake_download_mnist(tmp_path, monkeypatch, isolated):
    src = tmp_path / "server"
    files = make_fake_mnist(src, n_train=20, n_test=10)
    trust_fake_mnist(monkeypatch, files, 20, 10)
    urls = []

    def fake_fetch(url, dest, timeout=60.0):
        urls.append(url)
        if "ossci" in url:  # first mirror down: fall back to the next one
            raise urllib.error.URLError("mirror down")
        shutil.copyfile(src / url.rsplit("/", 1)[1], dest)

    monkeypatch.setattr(download, "fetch_url", fake_fetch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = data.load_dataset("mnist", None, allow_sample=True)
    assert not ds.is_sample and ds.source == str(isolated / "mnist")
    assert sorted(p.name for p in (isolated / "mnist").iterdir()) == sorted(b + ".gz" for b in MNIST_BASES)
    assert len(urls) == 8 and all(u.endswith(".gz") for u in urls)
    # now found in the cache without any fetch
    monkeypatch.setattr(download, "fetch_url", None)
    assert data.load_dataset("mnist", download=True).source == str(isolated / "mnist")


def test_fake_download_rejects_bad_checksum(tmp_path, monkeypatch, isolated):
    def fake_fetch(url, dest, timeout=60.0):
        Path(dest).write_bytes(_gz(b"garbage"))

    monkeypatch.setattr(download, "fetch_url", fake_fetch)
    with pytest.raises(data.DatasetNotFoundError, match="checksum mismatch"):
        data.load_dataset("mnist", None, allow_sample=False)
    assert not list((isolated / "mnist").glob("*.gz"))


def test_fake_download_cifar(tmp_path, monkeypatch, isolated):
    staging = tmp_path / "staging" / "cifar-10-batches-bin"
    make_fake_cifar(staging, per_batch=4, test_name="test_batch.bin", n_test=6)
    evil = tmp_path / "staging" / "evil.bin"
    evil.write_bytes(b"x")
    archive = tmp_path / "cifar-10-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging, arcname="cifar-10-batches-bin")
        tar.add(evil, arcname="../data_batch_9.bin")
    monkeypatch.setattr(checksums, "_CIFAR_ARCHIVE_MD5", hashlib.md5(archive.read_bytes()).hexdigest())
    monkeypatch.setattr(download, "fetch_url", lambda url, dest, timeout=60.0: shutil.copy(archive, dest))
    ds = data.load_dataset("cifar10", None, verify=False)
    assert ds.eval_split == "cifar10 test (6 images)"
    assert ds.train_x.shape == (20, 3, 32, 32)
    assert not (isolated / "cifar-10-binary.tar.gz").exists()
    assert not (isolated / "data_batch_9.bin").exists()
    assert not (isolated.parent / "data_batch_9.bin").exists()


def test_offline_env_disables_download(tmp_path, monkeypatch):
    monkeypatch.setenv("FEMSYN_OFFLINE", "1")
    monkeypatch.delenv("FEMSYN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def boom(url, dest, timeout=60.0):
        raise AssertionError("must not fetch")

    monkeypatch.setattr(download, "fetch_url", boom)
    with pytest.raises(data.DatasetNotFoundError, match="disabled"):
        data.load_dataset("cifar10", None)
