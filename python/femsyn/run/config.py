"""``TrainConfig``: everything that defines a training run (also the CLI flags and TOML keys).

Fields left at None take the per net/dataset defaults of :func:`default_hparams`; every field is
validated when the config is built, so a bad value fails before any data is loaded.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from femsyn.data.catalog import dataset_names
from femsyn.device import DeviceParams, preset, presets
from femsyn.nn.nets import check_hidden, net_names
from femsyn.nn.optim import LR_SCHEDULES

__all__ = ["ConfigError", "TrainConfig", "default_hparams"]


class ConfigError(ValueError):
    """A TrainConfig field with a value it does not allow. ``field``, ``value`` and ``allowed``
    let the CLI say the same in terms of its flags (``--net``, not ``TrainConfig.net``)."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        super().__init__(f"TrainConfig.{field} = {value!r} is invalid; allowed: {allowed}")
        self.field, self.value, self.allowed = field, value, allowed


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ConfigError(name, value, allowed)


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
# A kill loses at most this much training (a VGG epoch on 2 cores takes ~40 minutes).
DEFAULT_CHECKPOINT_EVERY = "5min"
_CHECKPOINT_EVERY_ALLOWED = "N steps (e.g. 500), N minutes (e.g. '5min', '0.5min') or 'epoch' (epoch ends only)"


def parse_checkpoint_every(v: Any) -> tuple[str, float]:
    """``checkpoint_every`` as ("steps", N), ("minutes", M) or ("epoch", 0); ConfigError if bad."""
    if isinstance(v, str):
        t = v.strip().lower()
        if t == "epoch":
            return "epoch", 0.0
        for suffix, kind in (("min", "minutes"), ("steps", "steps"), ("step", "steps"), ("", "steps")):
            if t.endswith(suffix):
                num = t[: len(t) - len(suffix)].strip() if suffix else t
                try:
                    x = float(num) if kind == "minutes" else int(num)
                except ValueError:
                    break
                if math.isfinite(x) and x > 0:
                    return kind, float(x)
                break
    elif _is_int(v) and v >= 1:
        return "steps", float(v)
    raise ConfigError("checkpoint_every", v, _CHECKPOINT_EVERY_ALLOWED)


def default_hparams(net: str, dataset: str) -> dict[str, Any]:
    """Hyperparameters used when a TrainConfig gives none: epochs, lr, lr_schedule,
    warmup_epochs, weight_range, augment (random crop + flip: on for CIFAR-10 only)."""
    d = dict(_VGG_DEFAULTS if net == "vgg" else _BASE_DEFAULTS)
    d["augment"] = dataset in _AUGMENT_DATASETS
    return d


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
    hidden: list[int] | None = None  # mlp only: hidden layer sizes, e.g. [100] (None: 256, 128)
    weight_range: float = None  # type: ignore[assignment]  # per-layer w_max = weight_range * sqrt(6 / fan_in)
    bias: bool = False  # True: float biases in the digital periphery (they do not decay with the MSBs)
    retention_s: float = 1e4  # MSB-only accuracy after this retention time
    trace_cells: int = 8  # LSB trajectories recorded for this many cells (0 = off)
    progress: bool = True
    resume: bool = False  # continue the run in `out` from its checkpoint
    stop_after_epochs: int | None = None  # stop after this many epochs in this call (resumable)
    # femsyn's threads (femsyn.set_num_threads; None: all cores); results do not depend on it
    threads: int | None = None
    eval_batch_size: int = 500
    # evaluate on the first N images of the evaluation split only (None: all of it); for smoke runs
    eval_limit: int | None = None
    # a checkpoint inside an epoch every N steps ("500" or 500), every N minutes of training ("5min"),
    # or only at epoch ends ("epoch"); a resume from one continues bit-identically
    checkpoint_every: Any = DEFAULT_CHECKPOINT_EVERY

    def __post_init__(self) -> None:
        if self.net not in net_names():
            _fail("net", self.net, ", ".join(net_names()))
        self._apply_defaults()
        self._check_device()
        if self.dataset not in dataset_names():
            _fail("dataset", self.dataset, ", ".join(dataset_names()))
        self._check_numbers()
        self._check_paths_and_flags()
        self._check_hidden()

    def _apply_defaults(self) -> None:
        """Fields left at None take the net/dataset defaults (warmup at most the epochs)."""
        defaults = default_hparams(self.net, self.dataset)
        if self.epochs is None:
            self.epochs = defaults["epochs"]
        for name, v in defaults.items():
            if getattr(self, name) is None:
                if name == "warmup_epochs" and _is_int(self.epochs):
                    v = min(v, self.epochs)
                setattr(self, name, v)

    def _check_device(self) -> None:
        """``synapse`` names a preset, or ``device`` is a DeviceParams (a dict is converted)."""
        if self.device is None:
            if self.synapse not in presets():
                _fail("synapse", self.synapse, ", ".join(presets()))
            return
        if isinstance(self.device, dict):
            try:
                self.device = DeviceParams(**self.device)
            except TypeError as e:
                raise ValueError(f"TrainConfig.device: {e}") from None
        if not isinstance(self.device, DeviceParams):
            _fail("device", self.device, "None, a femsyn.DeviceParams or a dict of its fields")

    def _check_numbers(self) -> None:
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

    def _check_paths_and_flags(self) -> None:
        for name in ("out", "data_dir"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, (str, os.PathLike)):
                _fail(name, v, "None or a path")
            if v is not None:
                setattr(self, name, os.fspath(v))
        parse_checkpoint_every(self.checkpoint_every)
        for name in ("train_limit", "stop_after_epochs", "threads", "eval_limit"):
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

    def _check_hidden(self) -> None:
        """``hidden`` (mlp only) becomes a list of ints (a TOML array or tuple is accepted)."""
        if self.hidden is None:
            return
        if self.net != "mlp":
            _fail("hidden", self.hidden, f"None for net {self.net!r} (hidden layer sizes are an mlp option)")
        try:
            self.hidden = list(check_hidden(self.hidden))
        except ValueError:
            _fail("hidden", self.hidden, "a list of integers >= 1, e.g. [100] or [256, 128]")

    # -- helpers ------------------------------------------------------------------------
    def resolved_device(self) -> Any:
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
