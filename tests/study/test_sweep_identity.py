"""Run identity: which fields name a run directory, and that the names are stable."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import femsyn
from femsyn.device import DeviceParams
from femsyn.run import TrainConfig
from femsyn.study.sweep.identity import (
    DEVICE_HASHED_WHEN_SET,
    HASHED_WHEN_SET,
    IDENTITY_FORMAT,
    NOT_HASHED,
    config_dict,
    identity,
    identity_hash,
    run_name,
)

SPLIT = {"train": "mnist train[0:60000]", "eval": "mnist test (10000 images)"}

#: The TrainConfig fields in a run's identity. A new TrainConfig field fails this test on purpose:
#: decide whether it changes what training computes (add it here) or not (add it to NOT_HASHED),
#: knowing that adding it here gives every run a new name.
HASHED = {
    "net",
    "synapse",
    "dataset",
    "epochs",
    "batch_size",
    "lr",
    "momentum",
    "weight_decay",
    "lr_schedule",
    "warmup_epochs",
    "augment",
    "seed",
    "train_limit",
    "val_size",
    "width",
    "hidden",
    "weight_range",
    "bias",
    "trace_cells",
}


def _ident(**kw):
    return identity(config_dict(TrainConfig(net="mlp", progress=False, **kw)), SPLIT)


def test_the_hashed_fields() -> None:
    ident = _ident()
    assert set(ident) == HASHED | {"device", "split", "format"}
    assert set(TrainConfig.field_names()) == HASHED | set(NOT_HASHED) | set(HASHED_WHEN_SET) | {"device"}
    # eval_limit names a new run only when it is set (runs named before it existed keep their names)
    assert identity_hash(_ident(eval_limit=100)) != identity_hash(ident) == identity_hash(_ident(eval_limit=None))
    assert ident["format"] == IDENTITY_FORMAT and ident["split"] == SPLIT


def test_hash_is_sha256_of_the_canonical_json() -> None:
    # the rule itself, pinned: sorted keys, no spaces, floats as Python writes them
    assert identity_hash({"b": 1.0, "a": [1, "x"]}) == hashlib.sha256(b'{"a":[1,"x"],"b":1.0}').hexdigest()
    assert identity_hash({"a": float("inf")}) == hashlib.sha256(b'{"a":Infinity}').hexdigest()


def test_what_changes_the_name_and_what_does_not(tmp_path) -> None:
    base = identity_hash(_ident())
    # where files go, threads, progress, the evaluation batch and retention_s: the same run
    for kw in (
        {"out": str(tmp_path)},
        {"threads": 2},
        {"data_dir": "/x"},
        {"eval_batch_size": 7},
        {"retention_s": 1e5},
    ):
        assert identity_hash(_ident(**kw)) == base, kw
    assert identity_hash(_ident(lr=1)) == identity_hash(_ident(lr=1.0))  # 1 and 1.0: one run
    for kw in ({"seed": 1}, {"lr": 0.03}, {"epochs": 3}, {"width": 0.5}, {"synapse": "ideal-6b"}):
        assert identity_hash(_ident(**kw)) != base, kw
    # every device field counts (a preset whose values change gives new runs); so does the data
    cfg = TrainConfig(net="mlp", progress=False)
    dev = dataclasses.replace(cfg.resolved_device(), lsb_c2c_rel=0.01)
    assert identity_hash(identity(config_dict(dataclasses.replace(cfg, device=dev)), SPLIT)) != base
    sample = {"train": "mnist train[0:5000] of the BUNDLED SAMPLE", "eval": SPLIT["eval"]}
    assert identity_hash(identity(config_dict(cfg), sample)) != base


def test_device_fields_added_later_count_only_when_set() -> None:
    cfg = TrainConfig(net="mlp", synapse="femfet-6b-linear", progress=False)  # the first release's stores
    ident = identity(config_dict(cfg), SPLIT)
    defaults = DeviceParams.field_defaults()
    for name in DEVICE_HASHED_WHEN_SET:
        assert name in defaults, name  # each names a DeviceParams field
        assert name not in ident["device"], name  # at its default: not in the identity
    # a run named before the fields existed (its config.json lacks them) keeps its name
    old = config_dict(cfg)
    old["device"] = {k: v for k, v in old["device"].items() if k not in DEVICE_HASHED_WHEN_SET}
    assert identity_hash(identity(old, SPLIT)) == identity_hash(ident)
    # set to another value, the field makes another run
    pcm = dataclasses.replace(cfg, device=femsyn.preset("3t1c2pcm-6b"))
    assert identity(config_dict(pcm), SPLIT)["device"]["msb_model"] == "pcm"
    domains = identity(config_dict(dataclasses.replace(cfg, device=femsyn.preset("femfet-6b"))), SPLIT)
    assert domains["device"]["msb_model"] == "domains" and domains["device"]["fe_domains"] > 0


def test_run_name() -> None:
    ident = _ident(seed=3)
    name = run_name(ident)
    assert re.fullmatch(r"mlp-femfet-6b-s3-[0-9a-f]{16}", name), name
    assert name.endswith(identity_hash(ident)[:16]) and run_name(_ident(seed=3)) == name
