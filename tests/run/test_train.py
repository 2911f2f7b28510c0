"""Training loop: config validation, real learning, run directory, resume, diagnostics."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pytest
from femsyn.nn.optim import lr_at
from femsyn.run import (
    TrainConfig,
    TrainingDivergedError,
    evaluate_checkpoint,
    load_run_config,
    train,
)
from femsyn.run.checkpoint import load_checkpoint, save_checkpoint

# Small real-MNIST runs: the first 3000 training images, evaluated on 1000 held-out ones.
# ($FEMSYN_DATA or the bundled 5000-image sample; both are real MNIST.)
SMALL = dict(dataset="mnist", train_limit=3000, val_size=1000, progress=False, threads=1)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize(
    "field,value",
    [
        ("net", "resnet"),
        ("synapse", "nope"),
        ("dataset", "imagenet"),
        ("epochs", 0),
        ("batch_size", 1.5),
        ("lr", -1.0),
        ("lr", math.nan),
        ("momentum", 1.0),
        ("weight_decay", -1e-4),
        ("lr_schedule", "linear"),
        ("seed", -1),
        ("width", 0),
        ("weight_range", 0.0),
        ("train_limit", 0),
        ("val_size", -5),
        ("retention_s", -1.0),
        ("trace_cells", -1),
        ("progress", "yes"),
        ("threads", 0),
    ],
)
def test_config_validation_names_field_value_allowed(field: str, value: object) -> None:
    with pytest.raises(ValueError) as e:
        TrainConfig(**{field: value})
    msg = str(e.value)
    assert f"TrainConfig.{field}" in msg and repr(value) in msg and "allowed" in msg


def test_config_unknown_names_list_valid_ones() -> None:
    with pytest.raises(ValueError, match="lenet"):
        TrainConfig(net="resnet")
    with pytest.raises(ValueError, match="femfet-6b"):
        TrainConfig(synapse="nope")
    with pytest.raises(ValueError, match="valid keys"):
        TrainConfig.from_dict({"epochz": 3})
    with pytest.raises(ValueError, match="resume"):
        TrainConfig(resume=True)  # no out


def test_lr_schedules() -> None:
    assert lr_at(0, 100, 0.1, "constant") == 0.1
    assert lr_at(0, 100, 0.1, "cosine") == pytest.approx(0.1)
    assert lr_at(50, 100, 0.1, "cosine") == pytest.approx(0.05)
    assert lr_at(99, 100, 0.1, "cosine") < 1e-3
    assert lr_at(80, 100, 0.1, "step") == pytest.approx(0.001)
    assert lr_at(4, 100, 0.1, "cosine", warmup_steps=10) == pytest.approx(0.05)


@pytest.mark.parametrize("synapse", ["float", "femfet-6b"])
def test_lenet_learns_real_mnist(synapse: str) -> None:
    s = train(TrainConfig(net="lenet", synapse=synapse, epochs=3, **SMALL))
    assert s["accuracy"]["train_weights"] > 0.90, s["history"]
    assert s["split"]["eval"] and s["split"]["train"]
    assert s["images_per_s"] > 0 and s["complete"]
    if synapse == "femfet-6b":
        assert s["counters"]["msb_writes"] > 0 and s["counters"]["pulses"] > 0
        assert 0 <= s["accuracy"]["msb_only"] <= 1


def test_mlp_ideal_learns() -> None:
    s = train(TrainConfig(net="mlp", synapse="ideal-6b", epochs=1, **SMALL))
    assert s["accuracy"]["train_weights"] > 0.85


def _weights(out) -> dict:
    return load_checkpoint(out / "checkpoint.npz")


def _deterministic(history: list[dict]) -> list[dict]:
    drop = {"images_per_s", "wall_s"}
    return [{k: v for k, v in h.items() if k not in drop} for h in history]


def test_resume_is_bit_identical(tmp_path) -> None:
    base = dict(
        net="lenet",
        synapse="femfet-6b",
        epochs=2,
        seed=3,
        train_limit=1000,
        val_size=300,
        progress=False,
        threads=1,
        trace_cells=4,
    )
    a = train(TrainConfig(out=str(tmp_path / "a"), **base))
    part = train(TrainConfig(out=str(tmp_path / "b"), stop_after_epochs=1, **base))
    assert not part["complete"] and part["epochs_done"] == 1
    b = train(TrainConfig(out=str(tmp_path / "b"), resume=True, **base))
    assert b["complete"]
    assert _deterministic(a["history"]) == _deterministic(b["history"])
    assert a["accuracy"] == b["accuracy"] and a["counters"] == b["counters"]
    sa, sb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    for la, lb in zip(sa["model"]["arrays"], sb["model"]["arrays"], strict=True):
        for k, v in la.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(v, lb[k], err_msg=k)
            else:
                assert v == lb[k], k
    for ba, bb in zip(sa["model"]["biases"], sb["model"]["biases"], strict=True):
        np.testing.assert_array_equal(ba, bb)
    ta, tb = np.load(tmp_path / "a" / "trace.npz"), np.load(tmp_path / "b" / "trace.npz")
    for k in ta.files:
        np.testing.assert_array_equal(ta[k], tb[k], err_msg=k)
    # metrics files hold one row per epoch, not duplicated by the resume
    lines = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2]


def test_run_directory_contents(tmp_path) -> None:
    out = tmp_path / "run"
    s = train(TrainConfig(net="lenet", synapse="femfet-6b", epochs=1, out=str(out), trace_cells=5, **SMALL))
    for name in (
        "config.json",
        "metrics.jsonl",
        "metrics.csv",
        "summary.json",
        "checkpoint.npz",
        "trace.npz",
        "writes.npz",
    ):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "femsyn_version",
        "net",
        "dataset",
        "synapse",
        "seed",
        "epochs",
        "batch_size",
        "width",
        "device",
        "split",
        "accuracy",
        "retention_curve",
        "history",
        "counters",
        "layers",
        "cells",
        "images_per_s",
        "wall_s",
        "complete",
        "warnings",
    ):
        assert key in summary, key
    assert set(summary["accuracy"]) == {"train_weights", "msb_only", "msb_retention", "retention_s"}
    assert [t for t, _ in summary["retention_curve"]] == [0.0, 1.0, 1e2, 1e4, 1e6, 1e8]
    for key in ("epoch", "train_loss", "train_acc", "eval_acc", "eval_acc_msb", "images_per_s", "wall_s"):
        assert key in summary["history"][0]
    assert summary["counters"]["msb_writes"] == sum(x["counters"]["msb_writes"] for x in summary["layers"])
    writes = np.load(out / "writes.npz")
    assert sorted(writes.files) == sorted(x["name"] for x in summary["layers"])
    assert all(writes[x["name"]].dtype == np.uint32 for x in summary["layers"])
    assert int(sum(writes[k].sum() for k in writes.files)) == summary["counters"]["msb_writes"]
    tr = np.load(out / "trace.npz")
    assert tr["lsb"].shape == (tr["step"].size, 5)
    assert tr["step"].size == math.ceil(3000 / 64)  # one row per training step
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["synapse"] == "femfet-6b" and cfg["device"]["name"] == "femfet-6b"
    assert load_run_config(out).net == "lenet"
    # the three accuracies again, from the checkpoint
    r = evaluate_checkpoint(out)
    assert r["train_weights"] == s["accuracy"]["train_weights"]
    assert r["msb_only"] == s["accuracy"]["msb_only"]
    assert r["msb_retention"] == s["accuracy"]["msb_retention"]
    r0 = evaluate_checkpoint(out / "checkpoint.npz", retention_s=0.0)
    assert r0["msb_retention"] == r0["msb_only"]
    # a finished run directory is not overwritten by accident
    with pytest.raises(FileExistsError):
        train(TrainConfig(net="lenet", synapse="femfet-6b", epochs=1, out=str(out), **SMALL))


def test_resume_rejects_changed_config(tmp_path) -> None:
    out = str(tmp_path / "r")
    cfg = TrainConfig(net="mlp", synapse="float", epochs=1, out=out, train_limit=500, val_size=100, progress=False)
    train(cfg)
    with pytest.raises(ValueError, match="lr"):
        train(dataclasses.replace(cfg, resume=True, lr=0.5))
    with pytest.raises(FileNotFoundError):
        train(dataclasses.replace(cfg, out=str(tmp_path / "none"), resume=True))


def test_nan_loss_stops_with_clear_error() -> None:
    cfg = TrainConfig(
        net="mlp", synapse="float", epochs=1, lr=1e6, momentum=0.0, train_limit=640, val_size=100, progress=False
    )
    with pytest.raises(TrainingDivergedError, match="diverged"):
        train(cfg)


def test_stall_warning_is_recorded() -> None:
    cfg = TrainConfig(net="mlp", synapse="float", epochs=1, lr=1e-9, train_limit=640, val_size=100, progress=False)
    s = train(cfg)
    assert any("chance" in w for w in s["warnings"])


def test_same_seed_same_result_and_custom_device() -> None:
    from femsyn.device import preset

    dev = dataclasses.replace(preset("femfet-6b"), name="femfet-6b-noleak", tau_leak_s=math.inf)
    cfg = TrainConfig(net="mlp", device=dev, epochs=1, train_limit=600, val_size=200, progress=False)
    a, b = train(cfg), train(cfg)
    assert a["synapse"] == "femfet-6b-noleak"
    assert _deterministic(a["history"]) == _deterministic(b["history"])
    assert a["counters"] == b["counters"]


def test_checkpoint_roundtrip(tmp_path) -> None:
    state = {
        "a": np.arange(3, dtype=np.uint32),
        "b": {"c": 2**70, "d": [1.5, "x", None], "e": math.inf},
        "f": [np.zeros((2, 2), np.float32), {"g": True}],
    }
    save_checkpoint(tmp_path / "c.npz", state)
    back = load_checkpoint(tmp_path / "c.npz")
    assert back["b"] == state["b"] and back["f"][1] == {"g": True}
    np.testing.assert_array_equal(back["a"], state["a"])
    assert back["a"].dtype == np.uint32 and back["f"][0].shape == (2, 2)


def test_evaluate_checkpoint_refuses_other_data(tmp_path, monkeypatch) -> None:
    out = tmp_path / "run"
    s = train(
        TrainConfig(net="mlp", synapse="float", epochs=1, out=str(out), train_limit=500, val_size=100, progress=False)
    )
    if "SAMPLE" in s["split"]["eval"]:
        pytest.skip("needs the full MNIST ($FEMSYN_DATA)")
    # the same run evaluated against a different dataset (the bundled sample) must not pass silently
    monkeypatch.delenv("FEMSYN_DATA", raising=False)
    monkeypatch.setenv("FEMSYN_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from femsyn.data import find_dataset

    if find_dataset("mnist") is not None:
        pytest.skip("MNIST is also installed elsewhere")
    with pytest.raises(ValueError, match="data-dir"):
        evaluate_checkpoint(out)


def test_failed_start_directory_can_be_reused(tmp_path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")  # what a run that diverged in epoch 1 leaves behind
    s = train(
        TrainConfig(net="mlp", synapse="float", epochs=1, out=str(out), train_limit=300, val_size=100, progress=False)
    )
    assert s["complete"] and (out / "checkpoint.npz").is_file()


def test_no_transfer_warning_for_hybrid_without_transfers() -> None:
    from femsyn.device import preset

    dev = dataclasses.replace(preset("femfet-6b"), name="no-transfer", transfer_protocol="none")
    s = train(TrainConfig(net="mlp", device=dev, epochs=1, train_limit=300, val_size=100, progress=False))
    assert s["counters"]["msb_writes"] == 0
    assert any("no LSB->MSB transfer" in w for w in s["warnings"])


def test_bias_free_net_is_invariant_under_the_first_release_retention() -> None:
    # The first release's uniform MSB decay toward 0 only rescales a bias-free ReLU net's logits.
    s = train(
        TrainConfig(
            net="mlp", synapse="femfet-6b-linear", bias=False, epochs=1, train_limit=600, val_size=200, progress=False
        )
    )
    assert abs(s["accuracy"]["msb_retention"] - s["accuracy"]["msb_only"]) < 0.05, s["retention_curve"]
    assert s["config"]["bias"] is False


def test_domain_retention_degrades_a_bias_free_net() -> None:
    # Retention v2: partial levels relax faster than saturated ones, so even a bias-free net
    # loses accuracy with time (no longer a pure rescaling). Frequent transfers put the learned
    # weights into the MSBs of a short run.
    from femsyn.device import preset

    dev = dataclasses.replace(preset("femfet-6b"), transfer_every_images=200)
    s = train(TrainConfig(net="mlp", device=dev, bias=False, epochs=1, train_limit=2000, val_size=400, progress=False))
    curve = dict((t, a) for t, a in s["retention_curve"])
    assert curve[0.0] == s["accuracy"]["msb_only"]
    assert curve[1e8] < curve[0.0] - 0.05, curve


_TIMING = {"images_per_s", "wall_s", "train_s", "out", "threads", "resume", "stop_after_epochs"}


def _same_checkpoints(a, b, path: str = "") -> None:
    """Every array bit-identical and every other value equal, timings and run-directory fields aside."""
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=path)
        assert a.dtype == b.dtype, path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            if k not in _TIMING:
                _same_checkpoints(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same_checkpoints(x, y, f"{path}/{i}")
    else:
        assert a == b, path


def test_thread_count_never_changes_a_bit(tmp_path) -> None:
    # conv layers cut the batch in fixed groups and BLAS runs on one thread, so 1, 2 and 3
    # threads (and a resume at another count) give the same checkpoint, momentum buffers included
    base = dict(net="lenet", synapse="femfet-6b", epochs=2, seed=5, train_limit=640, val_size=200, progress=False)
    base["trace_cells"] = 2
    for t in (1, 2, 3):
        train(TrainConfig(out=str(tmp_path / f"t{t}"), threads=t, **base))
    train(TrainConfig(out=str(tmp_path / "r"), threads=2, stop_after_epochs=1, **base))
    train(TrainConfig(out=str(tmp_path / "r"), threads=1, resume=True, **base))
    ref = load_checkpoint(tmp_path / "t1" / "checkpoint.npz")
    for d in ("t2", "t3", "r"):
        _same_checkpoints(ref, load_checkpoint(tmp_path / d / "checkpoint.npz"), d)


def test_femsyn_num_threads_environment_gives_the_same_run(tmp_path) -> None:
    import os
    import subprocess
    import sys

    args = ["train", "--net", "lenet", "--epochs", "1", "--train-limit", "320", "--val-size", "100"]
    args += ["--no-progress", "--seed", "2"]
    env = {k: v for k, v in os.environ.items() if k != "FEMSYN_NUM_THREADS"}
    code = "import sys; from femsyn.cli import main; sys.exit(main())"
    for name, extra, nthreads in (("env2", [], "2"), ("flag1", ["--threads", "1"], None)):
        e = dict(env, **({"FEMSYN_NUM_THREADS": nthreads} if nthreads else {}))
        cmd = [sys.executable, "-c", code, *args, *extra, "--out", str(tmp_path / name)]
        proc = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
    a, b = (load_checkpoint(tmp_path / n / "checkpoint.npz") for n in ("env2", "flag1"))
    _same_checkpoints(a, b)
    summary = json.loads((tmp_path / "env2" / "summary.json").read_text())
    assert summary["numerics"]["gemm"] and "blas_kernel" in summary["numerics"]


def test_layer_counters_sum_every_layer() -> None:
    from femsyn.run.metrics import sum_counters

    layers = [
        {"msb_writes": 2, "carries": 3, "images": 64, "lsb_discarded_pulses": 1.5},
        {"msb_writes": 5, "carries": 7, "images": 64, "lsb_discarded_pulses": 2.0},
    ]
    out = sum_counters(layers)
    assert out["msb_writes"] == 7 and out["carries"] == 10 and out["images"] == 64
    assert out["lsb_discarded_pulses"] == 3.5


def test_hidden_is_an_mlp_option_validated_by_trainconfig() -> None:
    assert TrainConfig(net="mlp", hidden=(100,)).hidden == [100]
    with pytest.raises(ValueError, match="hidden"):
        TrainConfig(net="lenet", hidden=[100])
    with pytest.raises(ValueError, match="hidden"):
        TrainConfig(net="mlp", hidden=[100, "x"])
