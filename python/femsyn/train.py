"""Training loop: ``TrainConfig`` + ``train(config) -> summary`` + ``evaluate_checkpoint``.

Every preset (float, ideal-Nb, hybrid devices) goes through the same loop: per batch the
network reads each layer's weights once from its SynapseArray, backpropagates in float32,
and the optimizer sends one ``arr.step(dw, images=batch)`` per layer. Only the arrays differ.

Determinism: data shuffling uses ``numpy.random.Generator(PCG64(seed))``; array seeds and
initial weights derive from ``seed`` per layer (``Sequential.build``). The checkpoint written
after every epoch holds the complete state (arrays incl. hidden LSB charge, RNG positions and
counters; biases; momentum; the shuffling RNG; history; trace), so ``resume=True`` continues
bit-identically to an uninterrupted run.

Run directory (``out``): config.json, metrics.jsonl, metrics.csv, summary.json,
checkpoint.npz, trace.npz, writes.npz (see the interface contract).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from femsyn._version import __version__
from femsyn.checkpoint import atomic_savez, atomic_write_bytes, load_checkpoint, save_checkpoint
from femsyn.layers import Sequential, softmax_cross_entropy, to_internal
from femsyn.nets import build_net, net_names
from femsyn.nn_kernels import numerics
from femsyn.optim import LR_SCHEDULES, SGD, lr_at

__all__ = [
    "TrainConfig",
    "TrainingDivergedError",
    "TrainingWarning",
    "RETENTION_CURVE_S",
    "augment_batch",
    "default_hparams",
    "train",
    "evaluate_checkpoint",
    "load_run_config",
]

CHECKPOINT = "checkpoint.npz"
RETENTION_CURVE_S = (0.0, 1e2, 1e3, 1e4, 1e5)
_CHECKPOINT_FORMAT = "femsyn-checkpoint-v1"

# Summed over layers; the others are shared by all layers (max).
_SUM_COUNTERS = (
    "pulses",
    "clipped_pulses",
    "msb_writes",
    "lost_carries",
    "worn_cells",
    "transfers",
    "updates",
    "latency_pulses",
)
_MAX_COUNTERS = ("images", "time_s", "max_cell_writes")

# Fields that may differ between the original run and a resume (they do not change results).
# A directory holding only these (a run that stopped before its first checkpoint) may be reused.
_RESTARTABLE = {"config.json", "metrics.jsonl", "metrics.csv"}
RESUME_FREE_FIELDS = {
    "resume",
    "progress",
    "stop_after_epochs",
    "out",
    "data_dir",
    "threads",
    "eval_batch_size",
}

# Diagnostics thresholds.
_LSB_CLIP_WARN = 0.05  # fraction of LSB pulses clipped at the rails in an epoch
_PINNED_WARN = 0.05  # fraction of cells pinned at an MSB rail with the LSB pushing outward
_CHANCE_FACTOR = 1.5  # train accuracy <= factor / num_classes counts as "at chance"


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


class TrainingWarning(UserWarning):
    """A training diagnostic (stall, saturation, clipping, ...); also recorded in summary['warnings']."""


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ValueError(f"TrainConfig.{name} = {value!r} is invalid; allowed: {allowed}")


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


# Per net/dataset defaults of the hyperparameters a TrainConfig leaves at None.
# LeNet/MLP on MNIST: measured (full MNIST, 8 epochs, test split: float 99.11 %, ideal-6b 98.99 %,
# femfet-6b 98.98 %). VGG on CIFAR-10 (width 0.125, 5000-image subset, 3 epochs, augmented):
# lr 0.02 beat 0.05 (femfet-8b 40.2 % vs 30.1 %, ideal-8b at 0.05: 28.9 %); weight_range 1.0 left
# ~4-7 % of the weights at the rails with no gain, so 1.5 is kept (< 2 % at the rails, < 0.2 %
# of pulses clipped). Full runs, width 0.125, 4 epochs, val split train[40000:50000]: ideal-8b
# 65.41 %, femfet-8b 67.07 % (MSB-only 54.49 %), ~20 min each at ~160 images/s (two runs
# side by side on a loaded 2-core machine); the 10-epoch default is for a run alone.
_BASE_DEFAULTS: dict[str, Any] = {
    "epochs": 8,
    "lr": 0.02,
    "lr_schedule": "cosine",
    "warmup_epochs": 0.0,
    "weight_range": 1.5,
}
_VGG_DEFAULTS: dict[str, Any] = {
    "epochs": 10,
    "lr": 0.02,
    "lr_schedule": "cosine",
    "warmup_epochs": 0.25,
    "weight_range": 1.5,
}
_AUGMENT_DATASETS = ("cifar10",)


def default_hparams(net: str, dataset: str) -> dict[str, Any]:
    """Hyperparameters used when a TrainConfig gives none: epochs, lr, lr_schedule,
    warmup_epochs, weight_range, augment (random crop + flip: on for CIFAR-10 only)."""
    d = dict(_VGG_DEFAULTS if net == "vgg" else _BASE_DEFAULTS)
    d["augment"] = dataset in _AUGMENT_DATASETS
    return d


def augment_batch(x: np.ndarray, rng: np.random.Generator, pad: int = 4, flip: bool = True) -> np.ndarray:
    """Random crop of the ``pad``-pixel zero-padded image + random horizontal flip, per image.

    ``x`` is a (N, C, H, W) batch of normalized images (zero padding = the dataset mean colour,
    since the inputs are mean-subtracted); returns the augmented batch in the internal
    channels-last layout (N, H, W, C), float32, contiguous: one fancy-index gather, no loop.
    Draws, in this order, N row offsets, N column offsets (``integers(0, 2*pad+1)``) and, if
    ``flip``, N flip bits (``random() < 0.5``) from ``rng``.
    """
    if x.ndim != 4:
        raise ValueError(f"augment_batch needs (N, C, H, W) images, got shape {x.shape}")
    n, c, h, w = x.shape
    dy = rng.integers(0, 2 * pad + 1, size=n)
    dx = rng.integers(0, 2 * pad + 1, size=n)
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=np.float32)
    xp[:, :, pad : pad + h, pad : pad + w] = x
    rows = dy[:, None] + np.arange(h)  # (N, H)
    ar = np.arange(w)
    if flip:
        f = rng.random(n) < 0.5
        cols = dx[:, None] + np.where(f[:, None], w - 1 - ar, ar)  # (N, W)
    else:
        cols = dx[:, None] + ar
    return xp[
        np.arange(n)[:, None, None, None],
        np.arange(c)[None, None, None, :],
        rows[:, :, None, None],
        cols[:, None, :, None],
    ]


@dataclass
class TrainConfig:
    """Everything that defines a training run (also the CLI flags / TOML keys).

    Defaults reach paper-level accuracy for LeNet on MNIST in a few minutes on 2 cores
    (measured, full MNIST, 8 epochs, seed 0, test split: float 99.11 %, ideal-6b 98.99 %,
    femfet-6b 98.98 % with training weights / 97.49 % MSB-only; about 2.5 min per run at
    ~4k images/s with ``threads=1`` on a shared 2-core machine). For VGG on CIFAR-10 use a
    reduced ``width`` (0.125 on 2 cores: ~170-330 images/s on a loaded machine). Fields left at
    None take the net/dataset defaults of ``default_hparams`` (VGG: 10 epochs, lr 0.02, 0.25
    warmup epochs, cosine, weight_range 1.5; CIFAR-10: ``augment`` on).
    """

    net: str = "lenet"  # registered net: lenet | mlp | vgg
    synapse: str = "femfet-6b"  # device preset name (femsyn.presets())
    device: Any = None  # optional DeviceParams (or dict) overriding `synapse`
    dataset: str = "mnist"  # mnist | fashion-mnist | cifar10
    # None = the net/dataset default (default_hparams; resolved in __post_init__)
    epochs: int = None  # type: ignore[assignment]
    batch_size: int = 64
    lr: float = None  # type: ignore[assignment]
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_schedule: str = None  # type: ignore[assignment]  # cosine | step | constant
    warmup_epochs: float = None  # type: ignore[assignment]  # linear lr warmup length (epochs, may be fractional)
    augment: bool = None  # type: ignore[assignment]  # random 4-px-padded crop + horizontal flip (cifar10 default)
    seed: int = 0
    out: str | None = None  # run directory (None: nothing written)
    data_dir: str | None = None
    train_limit: int | None = None  # keep only the first N training images
    val_size: int = 0  # >0: evaluate on the last N training images instead of the test split
    width: float = 1.0  # channel / hidden-size multiplier
    weight_range: float = None  # type: ignore[assignment]  # per-layer w_max = weight_range * sqrt(6 / fan_in)
    bias: bool = False  # True: float biases in the digital periphery (they do not decay with the MSBs)
    retention_s: float = 1e4  # MSB-only accuracy after this retention time
    trace_cells: int = 8  # LSB trajectories recorded for this many cells (0 = off)
    progress: bool = True
    resume: bool = False  # continue the run in `out` from its checkpoint
    stop_after_epochs: int | None = None  # stop after this many epochs in this call (resumable)
    threads: int | None = (
        None  # femsyn's threads (femsyn.set_num_threads; None: all cores); results do not depend on it
    )
    eval_batch_size: int = 500

    def __post_init__(self) -> None:
        if self.net not in net_names():
            _fail("net", self.net, ", ".join(net_names()))
        defaults = default_hparams(self.net, self.dataset)
        if self.epochs is None:
            self.epochs = defaults["epochs"]
        for name, v in defaults.items():
            if getattr(self, name) is None:
                if name == "warmup_epochs" and _is_int(self.epochs):
                    v = min(v, self.epochs)
                setattr(self, name, v)
        if self.device is None:
            from femsyn.devices import presets

            if self.synapse not in presets():
                _fail("synapse", self.synapse, ", ".join(presets()))
        else:
            from femsyn.devices import DeviceParams

            if isinstance(self.device, dict):
                try:
                    self.device = DeviceParams(**self.device)
                except TypeError as e:
                    raise ValueError(f"TrainConfig.device: {e}") from None
            if not isinstance(self.device, DeviceParams):
                _fail("device", self.device, "None, a femsyn.DeviceParams or a dict of its fields")
        from femsyn.data import dataset_names

        if self.dataset not in dataset_names():
            _fail("dataset", self.dataset, ", ".join(dataset_names()))
        for name in ("epochs", "batch_size", "eval_batch_size"):
            v = getattr(self, name)
            if not _is_int(v) or v < 1:
                _fail(name, v, "an integer >= 1")
        for name in ("lr", "width", "weight_range"):
            v = getattr(self, name)
            if not _is_num(v) or v <= 0:
                _fail(name, v, "a finite number > 0")
        if not _is_num(self.momentum) or not 0 <= self.momentum < 1:
            _fail("momentum", self.momentum, "a number in [0, 1)")
        for name in ("weight_decay", "warmup_epochs", "retention_s"):
            v = getattr(self, name)
            if not _is_num(v) or v < 0:
                _fail(name, v, "a finite number >= 0")
        if self.warmup_epochs > self.epochs:
            _fail("warmup_epochs", self.warmup_epochs, f"at most epochs ({self.epochs})")
        if self.lr_schedule not in LR_SCHEDULES:
            _fail("lr_schedule", self.lr_schedule, ", ".join(LR_SCHEDULES))
        if not _is_int(self.seed) or not 0 <= self.seed < 2**63:
            _fail("seed", self.seed, "an integer in [0, 2**63)")
        for name in ("out", "data_dir"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, (str, os.PathLike)):
                _fail(name, v, "None or a path")
            if v is not None:
                setattr(self, name, os.fspath(v))
        for name in ("train_limit", "stop_after_epochs", "threads"):
            v = getattr(self, name)
            if v is not None and (not _is_int(v) or v < 1):
                _fail(name, v, "None or an integer >= 1")
        if not _is_int(self.val_size) or self.val_size < 0:
            _fail("val_size", self.val_size, "an integer >= 0 (0 = evaluate on the test split)")
        if not _is_int(self.trace_cells) or self.trace_cells < 0:
            _fail("trace_cells", self.trace_cells, "an integer >= 0")
        for name in ("progress", "resume", "bias", "augment"):
            if not isinstance(getattr(self, name), bool):
                _fail(name, getattr(self, name), "true or false")
        if self.resume and self.out is None:
            _fail("resume", self.resume, "false unless `out` names the run directory to resume")

    # -- helpers ------------------------------------------------------------------------
    def resolved_device(self) -> Any:
        from femsyn.devices import preset

        return self.device if self.device is not None else preset(self.synapse)

    @property
    def synapse_label(self) -> str:
        return self.device.name if self.device is not None else self.synapse

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["device"] = None if self.device is None else dataclasses.asdict(self.device)
        return d

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict (config.json, a TOML table); unknown keys raise ValueError."""
        unknown = sorted(set(d) - set(cls.field_names()))
        if unknown:
            raise ValueError(
                f"unknown TrainConfig key(s) {', '.join(unknown)}; valid keys: {', '.join(cls.field_names())}"
            )
        return cls(**d)


# ---------------------------------------------------------------------------------- data


@dataclass
class _Data:
    train_x: np.ndarray  # (N, C, H, W) float32, normalized
    train_y: np.ndarray
    eval_x: np.ndarray
    eval_y: np.ndarray
    split: dict[str, str]
    input_shape: tuple[int, ...]
    num_classes: int
    notes: list[str] = field(default_factory=list)


def _load_data(config: TrainConfig, need_train: bool = True) -> _Data:
    from femsyn import data as femdata

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = femdata.load_dataset(
            config.dataset,
            config.data_dir,
            val_size=config.val_size,
            train_limit=config.train_limit,
        )
    for w in caught:
        notes.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    tx = np.ascontiguousarray(ds.train_x if need_train else ds.train_x[:0], dtype=np.float32)
    ex = np.ascontiguousarray(ds.eval_x, dtype=np.float32)
    return _Data(
        tx,
        np.asarray(ds.train_y, dtype=np.int64),
        ex,
        np.asarray(ds.eval_y, dtype=np.int64),
        dict(ds.splits),
        tuple(ex.shape[1:]),
        int(ds.num_classes),
        notes,
    )


# --------------------------------------------------------------------------- evaluation


class _Evaluator:
    """Accuracy of the net on one split for a weight readout; identical readouts are not re-run."""

    def __init__(self, net: Sequential, x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
        self.net, self.x, self.y, self.batch_size = net, x, y, batch_size
        self._seen: list[tuple[list[np.ndarray], float]] = []

    def __call__(self, inference: bool = False, retention_s: float = 0.0) -> float:
        ws = self.net.load_weights(inference=inference, retention_s=retention_s)
        for prev, acc in self._seen:
            if all(np.array_equal(a, b) for a, b in zip(prev, ws)):
                return acc
        acc = self.net.accuracy(self.x, self.y, self.batch_size)
        self._seen.append((ws, acc))
        return acc

    def reset(self) -> None:
        self._seen.clear()


# ------------------------------------------------------------------------------ helpers


def _counters(net: Sequential) -> list[dict[str, Any]]:
    return [dict(layer.array.counters()) for layer in net.synaptic_layers]


def _sum_counters(per_layer: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in _SUM_COUNTERS:
        out[k] = sum(c.get(k, 0) for c in per_layer)
    for k in _MAX_COUNTERS:
        out[k] = max((c.get(k, 0) for c in per_layer), default=0)
    for c in per_layer:  # any extra counter the core reports: summed
        for k, v in c.items():
            if k not in out and isinstance(v, (int, float)):
                out[k] = out.get(k, 0) + v
    return out


def _set_threads(n: int | None) -> None:
    """Thread count of the Rust kernels (``femsyn.set_num_threads``); None leaves it as is."""
    if n is None:
        return
    from femsyn._core import set_num_threads

    set_num_threads(int(n))


@contextlib.contextmanager
def _blas_threads(n: int | None = None) -> Iterator[None]:
    """BLAS on one thread while training/evaluating (``n`` is ignored: kept for callers).

    The layers call BLAS from femsyn's own threads, one fixed block of a layer per call, so a
    step uses every core without BLAS threads; a threaded BLAS would sum in another order (results
    would depend on its thread count) and its spinning threads collide with femsyn's and with
    other processes (on a busy 2-core machine 2 BLAS threads measured 4x slower than 1).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _device_dict(device: Any) -> dict[str, Any]:
    return dataclasses.asdict(device) if dataclasses.is_dataclass(device) else dict(device)


def _build_config_net(config: TrainConfig, data: _Data) -> Sequential:
    """The (unbuilt) net that config names, shaped for data's inputs and classes."""
    return build_net(
        config.net,
        None,
        config.seed,
        config.width,
        input_shape=data.input_shape,
        num_classes=data.num_classes,
        bias=config.bias,
    )


def _restore_net(net: Sequential, model_state: dict[str, Any]) -> None:
    from femsyn._core import SynapseArray

    layers = net.synaptic_layers
    if len(model_state["arrays"]) != len(layers):
        raise ValueError(f"checkpoint has {len(model_state['arrays'])} weighted layers, the net has {len(layers)}")
    for layer, st, b in zip(layers, model_state["arrays"], model_state["biases"]):
        arr = SynapseArray.from_state(st)
        if tuple(arr.shape) != (layer.rows, layer.cols):
            raise ValueError(f"checkpoint layer {layer.name}: shape {tuple(arr.shape)} != {(layer.rows, layer.cols)}")
        layer.array = arr
        layer.b = np.array(b, dtype=np.float32)
        layer.w = None


def _model_state(net: Sequential) -> dict[str, Any]:
    return {
        "arrays": [layer.array.state_dict() for layer in net.synaptic_layers],
        "biases": [layer.b.copy() for layer in net.synaptic_layers],
        "names": [layer.name for layer in net.synaptic_layers],
    }


def _write_metrics(out: Path, history: list[dict[str, Any]]) -> None:
    atomic_write_bytes(out / "metrics.jsonl", "".join(json.dumps(h) + "\n" for h in history).encode())
    buf = io.StringIO()
    if history:
        w = csv.DictWriter(buf, fieldnames=list(history[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(history)
    atomic_write_bytes(out / "metrics.csv", buf.getvalue().encode())


def _write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, allow_nan=True) + "\n").encode())


def load_run_config(path: str | os.PathLike) -> TrainConfig:
    """The TrainConfig stored in a run directory's checkpoint (or a checkpoint file)."""
    ckpt = _checkpoint_path(path)
    return TrainConfig.from_dict(load_checkpoint(ckpt)["config"])


def _checkpoint_path(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / CHECKPOINT
    if not p.is_file():
        raise FileNotFoundError(f"no femsyn checkpoint at {p}")
    return p


# --------------------------------------------------------------------------------- train


class _Trace:
    """LSB trajectories of a few sampled cells of one layer, one row per training step."""

    def __init__(self, layer: Any, n_cells: int, seed: int) -> None:
        self.layer = layer
        size = layer.rows * layer.cols
        n = min(n_cells, size)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x7ACE])))
        self.cells = np.sort(rng.choice(size, size=n, replace=False)).astype(np.int64)
        self.steps: list[int] = []
        self.lsb: list[np.ndarray] = []
        self.transfer_steps: list[int] = []
        self.transfer_writes: list[int] = []

    @property
    def active(self) -> bool:
        return self.cells.size > 0

    def record(self, step: int, writes: int) -> None:
        self.steps.append(step)
        self.lsb.append(self.layer.array.lsb().ravel()[self.cells])
        if writes:
            self.transfer_steps.append(step)
            self.transfer_writes.append(writes)

    def state(self) -> dict[str, Any]:
        k = self.cells.size
        return {
            "layer": self.layer.name,
            "rows": self.layer.rows,
            "cols": self.layer.cols,
            "cells": self.cells,
            "cell_rows": self.cells // self.layer.cols,
            "cell_cols": self.cells % self.layer.cols,
            "step": np.asarray(self.steps, dtype=np.int64),
            "lsb": np.asarray(self.lsb, dtype=np.float32).reshape(len(self.steps), k),
            "transfer_steps": np.asarray(self.transfer_steps, dtype=np.int64),
            "transfer_writes": np.asarray(self.transfer_writes, dtype=np.int64),
        }

    def load(self, st: dict[str, Any]) -> None:
        self.cells = np.asarray(st["cells"], dtype=np.int64)
        self.steps = [int(v) for v in st["step"]]
        self.lsb = list(np.asarray(st["lsb"], dtype=np.float32))
        self.transfer_steps = [int(v) for v in st["transfer_steps"]]
        self.transfer_writes = [int(v) for v in st["transfer_writes"]]


def train(config: TrainConfig, *, net: Sequential | None = None) -> dict[str, Any]:
    """Train ``config.net`` (or a user ``net``) and return the summary dict (summary.json).

    Raises TrainingDivergedError on a NaN/inf loss, ValueError / FileNotFoundError on bad
    inputs (unknown names, missing data, a run directory that already holds a different run).
    ``config.threads`` sets femsyn's threads (default: all cores); results are bit-identical for
    any thread count. BLAS runs on one thread during the call (the layers parallelize themselves).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"train() needs a TrainConfig, got {type(config).__name__}")
    _set_threads(config.threads)
    with _blas_threads():
        return _train(config, net)


def _train(config: TrainConfig, net: Sequential | None) -> dict[str, Any]:
    t_start = time.perf_counter()
    out = Path(config.out) if config.out is not None else None
    ckpt_state = None
    if out is not None:
        ckpt_file = out / CHECKPOINT
        if config.resume:
            if not ckpt_file.is_file():
                raise FileNotFoundError(f"cannot resume: no checkpoint at {ckpt_file}")
            ckpt_state = load_checkpoint(ckpt_file)
            _check_resume(config, ckpt_state)
        elif out.exists() and any(p.name not in _RESTARTABLE for p in out.iterdir()):
            raise FileExistsError(
                f"run directory {out} is not empty; use resume=True (--resume) to continue "
                f"the run there, or choose a new directory"
            )
        out.mkdir(parents=True, exist_ok=True)

    device = config.resolved_device()
    data = _load_data(config)
    warn_list: list[str] = list(ckpt_state["warnings"]) if ckpt_state else []
    warned: set[str] = set(ckpt_state.get("warned", [])) if ckpt_state else set()

    def warn(key: str, msg: str) -> None:
        """Record and emit a diagnostic once per key (kind of problem, layer)."""
        if key in warned:
            return
        warned.add(key)
        warn_list.append(msg)
        warnings.warn(msg, TrainingWarning, stacklevel=3)

    for note in data.notes:
        if note not in warn_list:
            warn_list.append(note)

    if net is None:
        net = _build_config_net(config, data)
    elif tuple(net.input_shape) != tuple(data.input_shape):
        raise ValueError(f"net input shape {net.input_shape} does not match the data {data.input_shape} (C, H, W)")
    if ckpt_state is None:
        net.build(device, seed=config.seed, weight_range=config.weight_range)
    else:
        _restore_net(net, ckpt_state["model"])
    layers = net.synaptic_layers
    opt = SGD(layers, momentum=config.momentum, weight_decay=config.weight_decay)
    rng = np.random.Generator(np.random.PCG64(config.seed))
    # Augmentation draws come from their own stream: the data order is the same with or without it.
    aug_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([config.seed, 0xA06])))
    trace = _Trace(layers[-1], config.trace_cells, config.seed)
    history: list[dict[str, Any]] = []
    start_epoch, step, wall_prev, train_s, train_images = 0, 0, 0.0, 0.0, 0
    if ckpt_state is not None:
        opt.load_state_dict(ckpt_state["optimizer"])
        rng.bit_generator.state = ckpt_state["rng"]
        if "aug_rng" in ckpt_state:
            aug_rng.bit_generator.state = ckpt_state["aug_rng"]
        trace.load(ckpt_state["trace"])
        history = list(ckpt_state["history"])
        start_epoch, step = int(ckpt_state["epoch"]), int(ckpt_state["step"])
        wall_prev, train_s = float(ckpt_state["wall_s"]), float(ckpt_state["train_s"])
        train_images = int(ckpt_state["train_images"])
        then, now = ckpt_state.get("numerics"), numerics()
        if then is not None and then != now:
            changed = ", ".join(f"{k}: {then.get(k)!r} -> {now.get(k)!r}" for k in now if then.get(k) != now.get(k))
            warn(
                "numerics",
                f"resuming with other numerics than the run started with ({changed}): the rest of the run "
                f"will not be bit-identical to an uninterrupted one (the BLAS kernel changes rounding)",
            )

    if out is not None:
        _write_json(out / "config.json", {**config.to_dict(), "device": _device_dict(device)})

    n_train = data.train_x.shape[0]
    if n_train == 0:
        raise ValueError("the training split is empty")
    bs = config.batch_size
    steps_per_epoch = -(-n_train // bs)
    total_steps = steps_per_epoch * config.epochs
    warmup_steps = int(round(config.warmup_epochs * steps_per_epoch))
    evaluator = _Evaluator(net, data.eval_x, data.eval_y, config.eval_batch_size)
    chance = _CHANCE_FACTOR / data.num_classes
    end_epoch = config.epochs
    if config.stop_after_epochs is not None:
        end_epoch = min(end_epoch, start_epoch + config.stop_after_epochs)

    bar = None
    if config.progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=(end_epoch - start_epoch) * steps_per_epoch,
            unit="batch",
            dynamic_ncols=True,
            leave=False,
            disable=None,
        )

    try:
        for epoch in range(start_epoch, end_epoch):
            t_epoch = time.perf_counter()
            before = _counters(net)
            perm = rng.permutation(n_train)
            loss_sum, correct_sum, seen = 0.0, 0, 0
            t_train = time.perf_counter()
            if bar is not None:
                bar.set_description(f"epoch {epoch + 1}/{config.epochs}")
            for s in range(steps_per_epoch):
                idx = perm[s * bs : (s + 1) * bs]
                xb = augment_batch(data.train_x[idx], aug_rng) if config.augment else to_internal(data.train_x[idx])
                yb = data.train_y[idx]
                net.load_weights()
                logits = net.forward(xb, train=True)
                loss, grad, correct = softmax_cross_entropy(logits, yb)
                if not math.isfinite(loss):
                    raise TrainingDivergedError(
                        f"loss became {loss} at epoch {epoch + 1}, step {s + 1} (lr {config.lr}): training diverged; "
                        f"lower --lr or change --weight-range"
                    )
                net.backward(grad)
                lr = lr_at(step, total_steps, config.lr, config.lr_schedule, warmup_steps)
                writes = opt.step(lr, len(idx))
                if trace.active:
                    trace.record(step, writes[-1])
                step += 1
                n_b = len(idx)
                loss_sum += loss * n_b
                correct_sum += correct
                seen += n_b
                if bar is not None:
                    bar.update(1)
                    if s % 25 == 24 or s == steps_per_epoch - 1:
                        el = time.perf_counter() - t_train
                        bar.set_postfix(
                            loss=f"{loss_sum / seen:.4f}",
                            acc=f"{correct_sum / seen:.4f}",
                            img_s=f"{seen / max(el, 1e-9):.0f}",
                            refresh=False,
                        )
            net.clear_cache()
            dt_train = time.perf_counter() - t_train
            train_s += dt_train
            train_images += seen
            evaluator.reset()
            eval_acc = evaluator(inference=False)
            eval_acc_msb = evaluator(inference=True)
            after = _counters(net)
            row = {
                "epoch": epoch + 1,
                "train_loss": loss_sum / seen,
                "train_acc": correct_sum / seen,
                "eval_acc": eval_acc,
                "eval_acc_msb": eval_acc_msb,
                "images_per_s": seen / max(dt_train, 1e-9),
                "wall_s": time.perf_counter() - t_epoch,
                "lr": lr_at(step - 1, total_steps, config.lr, config.lr_schedule, warmup_steps),
                "msb_writes": sum(a.get("msb_writes", 0) - b.get("msb_writes", 0) for a, b in zip(after, before)),
                "pulses": sum(a.get("pulses", 0) - b.get("pulses", 0) for a, b in zip(after, before)),
                "clipped_pulses": sum(
                    a.get("clipped_pulses", 0) - b.get("clipped_pulses", 0) for a, b in zip(after, before)
                ),
                "lost_carries": sum(a.get("lost_carries", 0) - b.get("lost_carries", 0) for a, b in zip(after, before)),
            }
            history.append(row)
            _diagnose(row, before, after, layers, device, chance, warn)
            if out is not None:
                _write_metrics(out, history)
                save_checkpoint(
                    out / CHECKPOINT,
                    {
                        "format": _CHECKPOINT_FORMAT,
                        "config": config.to_dict(),
                        "epoch": epoch + 1,
                        "step": step,
                        "model": _model_state(net),
                        "optimizer": opt.state_dict(),
                        "rng": rng.bit_generator.state,
                        "aug_rng": aug_rng.bit_generator.state,
                        "history": history,
                        "trace": trace.state(),
                        "warnings": warn_list,
                        "warned": sorted(warned),
                        "wall_s": wall_prev + time.perf_counter() - t_start,
                        "train_s": train_s,
                        "train_images": train_images,
                        "split": dict(data.split),
                        "numerics": numerics(),
                    },
                )
    finally:
        if bar is not None:
            bar.close()

    completed = len(history)
    summary = _final_summary(
        config,
        device,
        net,
        data,
        evaluator,
        history,
        warn_list,
        complete=completed >= config.epochs,
        images_per_s=train_images / max(train_s, 1e-9),
        wall_s=wall_prev + time.perf_counter() - t_start,
    )
    if out is not None:
        _write_json(out / "summary.json", summary)
        atomic_savez(
            out / "writes.npz",
            {layer.name: np.asarray(layer.array.msb_write_counts(), dtype=np.uint32) for layer in layers},
        )
        tr = trace.state()
        tr["layer"] = np.array(tr["layer"])
        atomic_savez(out / "trace.npz", tr)
    return summary


def _check_resume(config: TrainConfig, state: dict[str, Any]) -> None:
    if state.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint format {state.get('format')!r} is not {_CHECKPOINT_FORMAT!r}")
    saved = dict(state["config"])
    saved.setdefault("augment", False)  # checkpoints from before augmentation existed
    now = config.to_dict()
    diff = [k for k in now if k not in RESUME_FREE_FIELDS and saved.get(k) != now[k]]
    if diff:
        detail = ", ".join(f"{k}: run has {saved.get(k)!r}, now {now[k]!r}" for k in diff)
        raise ValueError(f"cannot resume with a different configuration ({detail})")


def _diagnose(
    row: dict[str, Any],
    before: list[dict],
    after: list[dict],
    layers: list,
    device: Any,
    chance: float,
    warn: Any,
) -> None:
    e = row["epoch"]
    kind = getattr(device, "kind", None)
    if row["train_acc"] <= chance:
        warn(
            "chance",
            f"epoch {e}: training accuracy {row['train_acc']:.3f} is at chance level: the network is not "
            f"learning (lr too high/low, weight_range too small, or LSB updates lost)",
        )
    for layer, b, a in zip(layers, before, after):
        d = {k: a.get(k, 0) - b.get(k, 0) for k in ("pulses", "clipped_pulses", "msb_writes", "lost_carries")}
        if d["pulses"] > 0 and d["clipped_pulses"] / d["pulses"] > _LSB_CLIP_WARN:
            why = (
                "LSB saturation at the rails or the per-update pulse limit; lower lr or raise the LSB headroom"
                if kind == "hybrid"
                else "weights held at the +-w_max rails; raise weight_range or lower lr"
            )
            warn(
                f"clip:{layer.name}",
                f"epoch {e}: {layer.name}: {100 * d['clipped_pulses'] / d['pulses']:.1f}% of update pulses were "
                f"clipped ({why}) [reported once per layer]",
            )
        if kind == "hybrid" and d["lost_carries"] > 0:
            pinned = _pinned_fraction(layer.array, device)
            if pinned > _PINNED_WARN:
                warn(
                    f"lost:{layer.name}",
                    f"epoch {e}: {layer.name}: {100 * pinned:.1f}% of cells sit at the top/bottom MSB level with "
                    f"their LSB pushing further (carries lost at the MSB rails: weights clipped at +-w_max); "
                    f"raise weight_range [reported once per layer]",
                )
    if kind == "hybrid" and row["msb_writes"] == 0:
        warn(
            "no-transfer",
            f"epoch {e}: no LSB->MSB transfer wrote any MSB in a hybrid run: the non-volatile weights did "
            f"not change (updates too small vs. one MSB step, LSB leak too fast, or transfers disabled)",
        )


def _pinned_fraction(arr: Any, device: Any) -> float:
    """Fraction of cells at the lowest/highest MSB level whose LSB pushes beyond it (>= half a carry)."""
    levels = np.asarray(arr.msb_levels())
    lsb = np.asarray(arr.lsb())
    n_m = 2 ** int(device.msb_bits)
    half = 0.5 * 2 ** int(device.lsb_bits)
    # msb_levels(): offset mapping 0..N_M-1; differential -(N_M-1)..N_M-1
    lo = -(n_m - 1) if getattr(device, "signed_mapping", "offset") == "differential" else 0
    pinned = ((levels >= n_m - 1) & (lsb >= half)) | ((levels <= lo) & (lsb <= -half))
    return float(np.count_nonzero(pinned)) / max(1, pinned.size)


def _final_summary(
    config: TrainConfig,
    device: Any,
    net: Sequential,
    data: _Data,
    evaluator: _Evaluator,
    history: list[dict[str, Any]],
    warn_list: list[str],
    *,
    complete: bool,
    images_per_s: float,
    wall_s: float,
) -> dict[str, Any]:
    evaluator.reset()
    acc_train = evaluator(inference=False)
    acc_msb = evaluator(inference=True)
    acc_ret = evaluator(inference=True, retention_s=config.retention_s)
    times = sorted(set(RETENTION_CURVE_S) | {float(config.retention_s)})
    curve = [[t, evaluator(inference=True, retention_s=t)] for t in times]
    per_layer = _counters(net)
    return {
        "femsyn_version": __version__,
        "net": net.name,
        "dataset": config.dataset,
        "synapse": config.synapse_label,
        "seed": config.seed,
        "epochs": config.epochs,
        "epochs_done": len(history),
        "batch_size": config.batch_size,
        "width": config.width,
        "device": _device_dict(device),
        "config": {**config.to_dict(), "device": _device_dict(device)},
        "split": dict(data.split),
        "numerics": numerics(),  # BLAS kernel etc.: with the config, what fixes every bit
        "accuracy": {
            "train_weights": acc_train,
            "msb_only": acc_msb,
            "msb_retention": acc_ret,
            "retention_s": float(config.retention_s),
        },
        "retention_curve": curve,
        "history": history,
        "counters": _sum_counters(per_layer),
        "layers": [
            {
                "name": layer.name,
                "rows": layer.rows,
                "cols": layer.cols,
                "w_max": float(layer.array.w_max),
                "counters": c,
            }
            for layer, c in zip(net.synaptic_layers, per_layer)
        ],
        "cells": net.cells,
        "images_per_s": images_per_s,
        "wall_s": wall_s,
        "complete": complete,
        "warnings": list(warn_list),
    }


def evaluate_checkpoint(
    path: str | os.PathLike,
    retention_s: float | None = None,
    data_dir: str | os.PathLike | None = None,
    eval_batch_size: int | None = None,
) -> dict[str, Any]:
    """Accuracies of a saved run (run directory or checkpoint.npz) on its evaluation split.

    Returns ``{"train_weights", "msb_only", "msb_retention", "retention_s", "split", "epoch"}``;
    ``retention_s`` defaults to the run's own. Raises ValueError when the data found now
    gives a different evaluation split than the run used.
    """
    with _blas_threads(None):
        return _evaluate_checkpoint(path, retention_s, data_dir, eval_batch_size)


def _evaluate_checkpoint(
    path: str | os.PathLike,
    retention_s: float | None,
    data_dir: str | os.PathLike | None,
    eval_batch_size: int | None,
) -> dict[str, Any]:
    state = load_checkpoint(_checkpoint_path(path))
    if state.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: checkpoint format {state.get('format')!r} is not {_CHECKPOINT_FORMAT!r}")
    cfg = dict(state["config"])
    if data_dir is not None:
        cfg["data_dir"] = os.fspath(data_dir)
    if eval_batch_size is not None:
        cfg["eval_batch_size"] = int(eval_batch_size)
    cfg["resume"] = False
    config = TrainConfig.from_dict(cfg)
    if retention_s is None:
        retention_s = config.retention_s
    if not _is_num(retention_s) or retention_s < 0:
        raise ValueError(f"retention_s = {retention_s!r} is invalid; allowed: a finite number >= 0")
    data = _load_data(config, need_train=False)
    saved_split = state.get("split", {}).get("eval")
    if saved_split is not None and saved_split != data.split["eval"]:
        raise ValueError(
            f"the run was evaluated on '{saved_split}' but the data found now gives '{data.split['eval']}'; "
            f"point --data-dir (data_dir) or $FEMSYN_DATA at the dataset the run used"
        )
    net = _build_config_net(config, data)
    _restore_net(net, state["model"])
    ev = _Evaluator(net, data.eval_x, data.eval_y, config.eval_batch_size)
    return {
        "train_weights": ev(inference=False),
        "msb_only": ev(inference=True),
        "msb_retention": ev(inference=True, retention_s=float(retention_s)),
        "retention_s": float(retention_s),
        "split": data.split["eval"],
        "epoch": int(state["epoch"]),
    }
