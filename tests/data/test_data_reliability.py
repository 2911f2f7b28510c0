"""Data that is not what it claims: a changed decoded cache, a CIFAR-10 batch that is not the
original, a bad class-name file, an explicit --data-dir that does not hold the dataset."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from femsyn import data
from femsyn.cli import main
from femsyn.data.cache import cache_dir


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FEMSYN_DATA_CACHE", raising=False)
    monkeypatch.setenv("FEMSYN_OFFLINE", "1")
    return tmp_path / "xdg"


def test_a_changed_cache_entry_is_dropped_and_decoded_again(data_root, private_cache) -> None:
    first = data.load_dataset("mnist", data_root, download=False, allow_sample=False)
    (entry,) = (cache_dir() / "decoded").glob("mnist-*")
    labels = entry / "train_y.npy"
    np.save(labels, np.zeros_like(np.load(labels)))  # every cached label set to 0
    again = data.load_dataset("mnist", data_root, download=False, allow_sample=False)
    assert np.array_equal(again.train_y, first.train_y) and len(set(again.train_y.tolist())) == 10
    assert np.array_equal(np.load(labels).astype(np.int64), first.train_y)  # the entry was written again


def _cifar_copy(data_root, tmp_path, changed: str | None = None):
    """A CIFAR-10 folder of links to the shared files, with ``changed`` a modified copy."""
    src, d = data_root / "cifar-10", tmp_path / "cifar-10"
    d.mkdir()
    for p in src.iterdir():
        if p.name == changed:
            b = bytearray(p.read_bytes())
            b[5000] ^= 0x01  # one pixel bit
            (d / p.name).write_bytes(bytes(b))
        else:
            os.symlink(p, d / p.name)
    return d


def test_a_cifar_batch_that_is_not_the_original_fails_its_md5(data_root, tmp_path, private_cache) -> None:
    d = _cifar_copy(data_root, tmp_path, changed="data_batch_3.bin")
    with pytest.raises(data.DatasetChecksumError, match=r"data_batch_3\.bin: checksum mismatch.*md5"):
        data.load_dataset("cifar10", d, download=False)


def test_a_bad_batches_meta_is_a_clear_error(data_root, tmp_path, private_cache) -> None:
    d = _cifar_copy(data_root, tmp_path)
    (d / "batches.meta.txt").unlink()
    (d / "batches.meta.txt").write_bytes(b"airplane\n\xff\xfe\x00bad\n")
    with pytest.raises(data.DatasetFormatError, match=r"batches\.meta\.txt: not a text file .*UTF-8 at byte 9"):
        data.load_dataset("cifar10", d, download=False, verify=False)
    (d / "batches.meta.txt").write_text("cat\ndog\n")
    with pytest.raises(data.DatasetFormatError, match=r"batches\.meta\.txt: 2 class names, expected 10"):
        data.load_dataset("cifar10", d, download=False, verify=False)


@pytest.mark.parametrize("how", ["missing", "empty", "incomplete"])
def test_an_explicit_data_dir_without_the_dataset_is_an_error(data_root, tmp_path, private_cache, how) -> None:
    d = tmp_path / "data"
    if how != "missing":
        (d / "mnist").mkdir(parents=True)
    if how == "incomplete":
        for f in (data_root / "mnist").glob("train-*"):
            shutil.copy(f, d / "mnist" / f.name)
    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["train", "--net", "mlp", "--epochs", "1", "--data-dir", str(d), "--out", str(out)])
    assert r.exit_code == 1, r.output
    assert f"--data-dir (data_dir) {d}" in r.output and "Traceback" not in r.output
    if how == "incomplete":
        assert f"{d / 'mnist'}: missing t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz" in r.output
    assert not (out / "config.json").exists()  # nothing recorded as if it had run there
