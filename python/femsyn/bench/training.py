"""Training speed: images/s of one femsyn training step per network and synapse preset.

Every (net, preset) pair gets its own network; the pairs are timed in rounds, each round running
`steps` steps of every pair (preset order rotated each round), so slow phases of a shared machine
hit all presets alike. Reported: the median images/s over rounds (wall time, and per second of
process CPU time: what the machine paid, which a loaded machine does not inflate), the median over
rounds of the per-round ratio preset / float (a paired ratio: both measured within seconds of each
other), and the device model's share of the step: 1 - t(nodevice) / t(preset), where ``nodevice``
is the same loop with plain float32 weight matrices instead of SynapseArrays.

Nets are ``lenet``, ``mlp``, ``vgg`` (width 1) or a VGG width such as ``vgg0.25``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_NETS",
    "DEFAULT_PRESETS",
    "Stepper",
    "bench_training",
]

DEFAULT_NETS: tuple[str, ...] = ("lenet", "mlp", "vgg0.25", "vgg0.5")
QUICK_NETS: tuple[str, ...] = ("lenet", "mlp")
DEFAULT_PRESETS: tuple[str, ...] = ("float", "ideal-6b", "femfet-6b")
#: The presets a net is timed with when none are given: the paper's designs for its dataset
#: (6 bits for MNIST, 8 bits for CIFAR-10), and ``nodevice`` for the device model's share.
NET_PRESETS: dict[str, tuple[str, ...]] = {
    "lenet": ("nodevice", "float", "ideal-6b", "femfet-6b", "femfet-6b:levels"),
    "mlp": ("nodevice", "float", "ideal-6b", "femfet-6b"),
    "vgg": ("nodevice", "float", "ideal-8b", "femfet-8b"),
}
#: Pseudo-preset: the same layers and optimizer on plain float32 weights, no synapse model.
NODEVICE = "nodevice"
#: Suffix of a pseudo-preset: the cell with its MSB in the ``levels`` store instead of its own
#: (``femfet-6b:levels``), to time what the domain model costs (target ``domains_overhead``).
LEVELS_TWIN = ":levels"


def bench_device(name: str) -> Any:
    """The device of a bench preset name: a preset, ``nodevice`` (float weights) or
    ``<preset>:levels``: the preset with the first release's MSB store (ideal levels, 0.5 %
    programming error, exp retention) and everything else unchanged."""
    from femsyn.device.presets import preset

    if name == NODEVICE:
        return "float"
    if not name.endswith(LEVELS_TWIN):
        return name
    dev = preset(name[: -len(LEVELS_TWIN)])
    own_store = {f: 0 for f in dev.to_dict() if f.startswith("fe_") or f.startswith("msb_pcm_")}
    return dataclasses.replace(
        dev,
        name=name,
        msb_model="levels",
        msb_prog_sigma_rel=0.005,
        msb_c2c_rel=0.0,
        retention_model="exp",
        retention_sigma_ln=0.0,
        pcm_drift_nu=0.0,
        **own_store,
    )


def net_spec(name: str) -> tuple[str, float]:
    """``"vgg0.5"`` -> ("vgg", 0.5); a registered net name -> (name, 1.0). ValueError otherwise."""
    from femsyn.nn.nets import net_names

    if name in net_names():
        return name, 1.0
    base = name.rstrip("0123456789.")
    try:
        width = float(name[len(base) :])
    except ValueError:
        width = 0.0
    if base not in net_names() or not width > 0:
        raise ValueError(f"unknown net {name!r}; valid: {', '.join(net_names())}, or a width such as vgg0.5")
    return base, width


def default_presets(net: str) -> tuple[str, ...]:
    return NET_PRESETS.get(net_spec(net)[0], ("nodevice", *DEFAULT_PRESETS))


#: The dataset each built-in net is trained on (for its per-net TrainConfig defaults).
NET_DATASET: dict[str, str] = {"lenet": "mnist", "mlp": "mnist", "vgg": "cifar10"}


def default_input_shape(net: str) -> tuple[int, ...]:
    """The per-sample input shape a built-in net is defined for (its function's default:
    MNIST for lenet/mlp, CIFAR-10 for vgg), in whatever layout femsyn.nn.nets uses."""
    import inspect

    from femsyn.nn.nets import NETS

    return tuple(inspect.signature(NETS[net]).parameters["input_shape"].default)


#: Relative number of steps per round (a width-1 VGG step takes ~200x a LeNet step).
STEP_SCALE: dict[str, float] = {"lenet": 1.0, "mlp": 2.0, "vgg": 0.05, "vgg0.5": 0.1, "vgg0.25": 0.25}
#: At most this many rounds for a net (keeps the full bench within minutes).
ROUND_CAP: dict[str, int] = {"vgg": 3, "vgg0.5": 3, "vgg0.25": 3}


class PlainWeights:
    """Stands in for a SynapseArray: a plain float32 matrix, ``w += dw`` (the ``nodevice`` preset)."""

    def __init__(self, w: np.ndarray) -> None:
        self.w = np.array(w, dtype=np.float32)

    def weights(self, inference: bool = False, retention_s: float = 0.0) -> np.ndarray:
        return self.w

    def step(self, dw: np.ndarray, images: int = 0, out: np.ndarray | None = None) -> int:
        # with `out` (the layer's weight buffer), the sum goes there and the buffer becomes the
        # matrix: w += dw in place from the second step on, no copy (the plain-weights baseline)
        if out is None:
            self.w += dw
        else:
            np.add(self.w, dw, out=out)
            self.w = out
        return 0

    def counters(self) -> dict[str, int]:
        return {}


class Stepper:
    """One network on one synapse preset, fed random batches, doing full training steps.

    A step is the body of the batch loop of :func:`femsyn.run.train`: gather a batch,
    ``net.training_weights()`` (a readout only when a layer's buffer is stale), forward, softmax
    cross-entropy, backward, SGD with momentum and weight decay, one ``arr.step(dw, images,
    out=buffer)`` per weighted layer (leak,
    LSB pulses, overflow and periodic transfers happen inside). Hyper-parameters default to
    :class:`femsyn.run.TrainConfig`'s.
    """

    def __init__(
        self,
        net: str,
        preset: str,
        *,
        batch_size: int = 64,
        seed: int = 0,
        width: float = 1.0,
        pool_batches: int = 8,
    ) -> None:
        from femsyn.nn.nets import build_net
        from femsyn.nn.optim import SGD

        try:
            from femsyn.run import TrainConfig

            cfg = TrainConfig(net=net, dataset=NET_DATASET.get(net, "mnist"), progress=False)
            lr, momentum, wd = cfg.lr, cfg.momentum, cfg.weight_decay
            weight_range = float(getattr(cfg, "weight_range", None) or 1.0)
        except Exception:  # training module unavailable: the contract's defaults
            lr, momentum, wd, weight_range = 0.05, 0.9, 1e-4, 1.0
        lr = 0.05 if lr is None else float(lr)
        self.name = net
        self.preset = preset
        self.batch_size = batch_size
        self.lr = lr
        device = bench_device(preset)
        self.net = build_net(
            net, device, seed=seed, width=width, weight_range=weight_range, input_shape=default_input_shape(net)
        )
        if preset == NODEVICE:
            for layer in self.net.synaptic_layers:
                layer.array = PlainWeights(layer.array.weights())
        shape = tuple(self.net.input_shape)  # the per-sample layout its forward() expects
        self.opt = SGD(self.net.synaptic_layers, momentum=momentum, weight_decay=wd)
        rng = np.random.default_rng(seed)
        n_classes = int(self.net.output_shape[0])
        # A pool of random images, standardized like real ones (the cost of a step depends on
        # the shapes, not on pixel values), gathered by a random permutation as train() does.
        n_pool = batch_size * pool_batches
        self.pool_x = rng.standard_normal((n_pool, *shape), dtype=np.float32)
        self.pool_y = rng.integers(0, n_classes, size=n_pool)
        self._perm = rng.permutation(n_pool)
        self.cells = int(self.net.cells)
        try:
            from femsyn.nn.layers import to_internal as _ti
        except ImportError:  # layers that take the data layout as is
            _ti = None
        self._to_internal = _ti
        self._i = 0

    def step(self) -> None:
        from femsyn.nn.layers import softmax_cross_entropy

        k = self._i % (len(self._perm) // self.batch_size)
        self._i += 1
        idx = self._perm[k * self.batch_size : (k + 1) * self.batch_size]
        x, y = self.pool_x[idx], self.pool_y[idx]
        if self._to_internal is not None:
            x = self._to_internal(x)  # (N, C, H, W) -> the layers' internal layout, as train() does
        net = self.net
        net.training_weights()
        logits = net.forward(x, train=True)
        _, grad, _ = softmax_cross_entropy(logits, y)
        net.backward(grad)
        self.opt.step(self.lr, len(idx))

    def run(self, steps: int) -> float:
        """Seconds for `steps` steps."""
        return self.run_timed(steps)[0]

    def run_timed(self, steps: int) -> tuple[float, float]:
        """(wall seconds, process CPU seconds) for `steps` steps."""
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - t0, time.process_time() - c0


def bench_training(
    nets: Sequence[str] = DEFAULT_NETS,
    presets: Sequence[str] | None = None,
    *,
    rounds: int = 5,
    steps: int = 20,
    warmup: int = 3,
    batch_size: int = 64,
    reference: str = "float",
    blas_threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """images/s per (net, preset), interleaved in rounds; ratios to `reference` per round.

    ``presets`` None: :func:`default_presets` of each net. BLAS runs on one thread, as in
    :func:`femsyn.run.train` (``blas_threads`` is accepted for old callers and ignored: the
    layers call BLAS from femsyn's own threads).
    """
    with _blas_limit(1) as used:
        out = _bench_training(nets, presets, rounds, steps, warmup, batch_size, reference, progress)
    out["blas_threads"] = used
    return out


@contextlib.contextmanager
def _blas_limit(n: int) -> Iterator[int | None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield None
        return
    with threadpool_limits(limits=int(n), user_api="blas"):
        yield int(n)


def _bench_training(
    nets: Sequence[str],
    presets: Sequence[str],
    rounds: int,
    steps: int,
    warmup: int,
    batch_size: int,
    reference: str,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for net in nets:
        base, width = net_spec(net)
        net_presets = list(presets) if presets else list(default_presets(net))
        steppers: dict[str, Stepper] = {}
        for p in net_presets:
            if progress:
                progress(f"training {net} / {p}: build + warm-up")
            s = Stepper(base, p, batch_size=batch_size, width=width)
            for _ in range(min(warmup, 1) if base == "vgg" else warmup):
                s.step()
            steppers[p] = s
        n_steps = max(1, int(round(steps * STEP_SCALE.get(net, STEP_SCALE.get(base, 1.0)))))
        per_round: dict[str, list[float]] = {p: [] for p in net_presets}
        per_cpu: dict[str, list[float]] = {p: [] for p in net_presets}
        order = list(net_presets)
        n_rounds = min(rounds, ROUND_CAP.get(net, ROUND_CAP.get(base, rounds)))
        for r in range(n_rounds):
            if progress:
                progress(f"training {net}: round {r + 1}/{n_rounds}")
            for p in order:
                sec, cpu = steppers[p].run_timed(n_steps)
                per_round[p].append(n_steps * batch_size / sec)
                per_cpu[p].append(n_steps * batch_size / max(cpu, 1e-9))
            order = order[1:] + order[:1]  # rotate: nobody is always first or last
        for p in net_presets:
            results.append(_row(net, p, steppers[p], per_round, per_cpu, reference, n_steps, n_rounds, batch_size))
        del steppers
    return {"reference": reference, "results": results}


def _row(
    net: str,
    p: str,
    stepper: Stepper,
    per_round: dict[str, list[float]],
    per_cpu: dict[str, list[float]],
    reference: str,
    n_steps: int,
    n_rounds: int,
    batch_size: int,
) -> dict[str, Any]:
    ips = per_round[p]
    row: dict[str, Any] = {
        "net": net,
        "preset": p,
        "batch_size": batch_size,
        "steps_per_round": n_steps,
        "rounds": n_rounds,
        "cells": stepper.cells,
        "images_per_s": statistics.median(ips),
        "images_per_s_best": max(ips),
        "images_per_s_rounds": ips,
        "images_per_cpu_s": statistics.median(per_cpu[p]),
        "step_ms": 1e3 * batch_size / statistics.median(ips),
    }
    if reference in per_round and p != reference:
        ratios = [a / b for a, b in zip(ips, per_round[reference], strict=False)]
        row[f"ratio_to_{reference}"] = statistics.median(ratios)
        row[f"ratio_to_{reference}_rounds"] = ratios
        # step-time overhead of the device model over the float step of the same loop
        row[f"step_time_vs_{reference}"] = statistics.median(1.0 / q for q in ratios)
    twin = per_round.get(p + LEVELS_TWIN)
    if twin:
        # what the cell's own MSB store costs over the levels store, per round
        row["step_time_vs_levels"] = statistics.median(b / a for a, b in zip(ips, twin, strict=False))
    if NODEVICE in per_round and p != NODEVICE:
        # the device model's share of the step: 1 - t(plain weights) / t(this preset), per round
        row["device_share"] = statistics.median(1.0 - a / b for a, b in zip(ips, per_round[NODEVICE], strict=False))
    return row
