"""Resuming a run whose configuration holds a device (not just a preset name)."""

from __future__ import annotations

import warnings

import numpy as np
from femsyn import TrainConfig, preset, train


def test_resume_with_a_device_of_its_own(tmp_path) -> None:
    # the checkpoint's JSON gives the device's tuple fields (lsb_table_*) back as lists: a resume
    # must not take that for a different configuration
    dev = preset("femfet-6b").replace(tau_leak_s=0.5)
    base = dict(net="mlp", width=0.1, device=dev, epochs=2, train_limit=200, val_size=100, progress=False, threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = train(TrainConfig(out=str(tmp_path / "a"), **base))
        train(TrainConfig(out=str(tmp_path / "b"), stop_after_epochs=1, **base))
        resumed = train(TrainConfig(out=str(tmp_path / "b"), resume=True, **base))
    assert resumed["complete"] and resumed["accuracy"] == whole["accuracy"]
    # femfet-6b's MSB is the 'domains' store: the checkpoint keeps its domain masks exactly
    assert resumed["counters"] == whole["counters"]
    za, zb = np.load(tmp_path / "a" / "checkpoint.npz"), np.load(tmp_path / "b" / "checkpoint.npz")
    masks = [k for k in za.files if k.endswith("domain_mask")]
    assert masks and all(np.array_equal(za[k], zb[k]) for k in masks)
