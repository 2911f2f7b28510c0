"""Data augmentation (random crop of the zero-padded image + horizontal flip) and the
per-net/dataset hyperparameter defaults."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from femsyn.cli.train import build_config
from femsyn.run import TrainConfig, augment_batch, default_hparams, train
from femsyn.run.checkpoint import load_checkpoint


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def _reference(x: np.ndarray, seed: int, pad: int, flip: bool) -> np.ndarray:
    """Per-image loop with the same draws as augment_batch, in (N, C, H, W)."""
    n, c, h, w = x.shape
    rng = _rng(seed)
    dy = rng.integers(0, 2 * pad + 1, size=n)
    dx = rng.integers(0, 2 * pad + 1, size=n)
    f = rng.random(n) < 0.5 if flip else np.zeros(n, bool)
    out = np.empty_like(x)
    for i in range(n):
        p = np.pad(x[i], ((0, 0), (pad, pad), (pad, pad)))
        crop = p[:, dy[i] : dy[i] + h, dx[i] : dx[i] + w]
        out[i] = crop[:, :, ::-1] if f[i] else crop
    return out


def test_shape_dtype_layout() -> None:
    x = _rng(1).normal(size=(5, 3, 8, 6)).astype(np.float32)
    y = augment_batch(x, _rng(2))
    assert y.shape == (5, 8, 6, 3) and y.dtype == np.float32 and y.flags.c_contiguous


@pytest.mark.parametrize("flip", [True, False])
def test_matches_per_image_reference(flip: bool) -> None:
    x = _rng(3).normal(size=(16, 2, 5, 7)).astype(np.float32)
    got = augment_batch(x, _rng(4), pad=2, flip=flip).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(got, _reference(x, 4, 2, flip))


def test_tiny_crop_and_flip_by_hand() -> None:
    x = np.arange(1, 5, dtype=np.float32).reshape(1, 1, 2, 2)  # [[1, 2], [3, 4]]
    seen = set()
    rng = _rng(0)
    for _ in range(400):
        seen.add(tuple(augment_batch(x, rng, pad=1)[0, :, :, 0].ravel().tolist()))
    # every crop of the zero-padded 4x4 image, and its mirror
    expected = set()
    p = np.pad(x[0, 0], 1)
    for dy in range(3):
        for dx in range(3):
            c = p[dy : dy + 2, dx : dx + 2]
            expected.add(tuple(c.ravel().tolist()))
            expected.add(tuple(c[:, ::-1].ravel().tolist()))
    assert seen == expected
    assert (1.0, 2.0, 3.0, 4.0) in seen and (2.0, 1.0, 4.0, 3.0) in seen  # identity and pure flip


def test_pad_zero_no_flip_is_identity() -> None:
    x = _rng(5).normal(size=(4, 3, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(augment_batch(x, _rng(0), pad=0, flip=False), x.transpose(0, 2, 3, 1))


def test_deterministic_from_rng() -> None:
    x = _rng(6).normal(size=(8, 3, 6, 6)).astype(np.float32)
    a, b = augment_batch(x, _rng(7)), augment_batch(x, _rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, augment_batch(x, _rng(8)))


def test_defaults_per_dataset() -> None:
    assert TrainConfig(net="lenet", dataset="mnist").augment is False
    assert TrainConfig(net="vgg", dataset="cifar10").augment is True
    c = TrainConfig(net="lenet")
    assert (c.epochs, c.lr, c.weight_range, c.lr_schedule, c.warmup_epochs) == (8, 0.02, 1.5, "cosine", 0.0)
    v = TrainConfig(net="vgg", dataset="cifar10")
    d = default_hparams("vgg", "cifar10")
    assert (v.epochs, v.lr, v.weight_range, v.warmup_epochs) == (
        d["epochs"],
        d["lr"],
        d["weight_range"],
        d["warmup_epochs"],
    )
    # explicit values win; a default warmup never exceeds the epochs
    e = TrainConfig(net="vgg", dataset="cifar10", lr=0.5, epochs=1, augment=False)
    assert e.lr == 0.5 and e.augment is False and e.warmup_epochs <= 1
    with pytest.raises(ValueError, match="augment"):
        TrainConfig(augment="yes")


def test_cli_augment_flag() -> None:
    params = {"net": "vgg", "dataset": "cifar10", "out": "x"}
    assert build_config(params, None).augment is True
    assert build_config({**params, "augment": False}, None).augment is False
    assert build_config({"net": "mlp", "augment": True, "out": "x"}, None).augment is True


def test_resume_with_augmentation_is_bit_identical(tmp_path) -> None:
    base = dict(
        net="lenet",
        synapse="femfet-6b",
        dataset="mnist",
        augment=True,
        epochs=2,
        seed=5,
        train_limit=600,
        val_size=200,
        progress=False,
        threads=1,
        trace_cells=0,
    )
    a = train(TrainConfig(out=str(tmp_path / "a"), **base))
    train(TrainConfig(out=str(tmp_path / "b"), stop_after_epochs=1, **base))
    b = train(TrainConfig(out=str(tmp_path / "b"), resume=True, **base))
    drop = {"images_per_s", "wall_s"}
    assert [{k: v for k, v in h.items() if k not in drop} for h in a["history"]] == [
        {k: v for k, v in h.items() if k not in drop} for h in b["history"]
    ]
    assert a["accuracy"] == b["accuracy"] and a["counters"] == b["counters"]
    sa, sb = load_checkpoint(tmp_path / "a" / "checkpoint.npz"), load_checkpoint(tmp_path / "b" / "checkpoint.npz")
    assert sa["aug_rng"] == sb["aug_rng"]
    for la, lb in zip(sa["model"]["arrays"], sb["model"]["arrays"], strict=True):
        for k, v in la.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(v, lb[k], err_msg=k)
    # augmentation changes the run (but not the data order)
    c = train(TrainConfig(**{**base, "augment": False, "epochs": 1}))
    assert c["history"][0]["train_loss"] != a["history"][0]["train_loss"]
