"""Training speed: images/s of one femsyn training step per network and synapse preset.

Every (net, preset) pair gets its own network; the pairs are timed in rounds, each round running
`steps` steps of every pair (preset order rotated each round), so slow phases of a shared machine
hit all presets alike. Reported: the median images/s over rounds, and the median over rounds of
the per-round ratio preset / float (a paired ratio: both measured within seconds of each other).
"""

from __future__ import annotations

import contextlib
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

DEFAULT_NETS: tuple[str, ...] = ("lenet", "mlp", "vgg")
QUICK_NETS: tuple[str, ...] = ("lenet", "mlp")
DEFAULT_PRESETS: tuple[str, ...] = ("float", "ideal-6b", "femfet-6b")


#: The dataset each built-in net is trained on (for its per-net TrainConfig defaults).
NET_DATASET: dict[str, str] = {"lenet": "mnist", "mlp": "mnist", "vgg": "cifar10"}


def default_input_shape(net: str) -> tuple[int, ...]:
    """The per-sample input shape a built-in net is defined for (its function's default:
    MNIST for lenet/mlp, CIFAR-10 for vgg), in whatever layout femsyn.nn.nets uses."""
    import inspect

    from femsyn.nn.nets import NETS

    return tuple(inspect.signature(NETS[net]).parameters["input_shape"].default)


#: Relative number of steps per round (a VGG step takes ~200x a LeNet step, seconds on 2 cores).
STEP_SCALE: dict[str, float] = {"lenet": 1.0, "mlp": 2.0, "vgg": 0.05}
#: At most this many rounds for a net (keeps the full bench within minutes).
ROUND_CAP: dict[str, int] = {"vgg": 3}


class Stepper:
    """One network on one synapse preset, fed random batches, doing full training steps.

    A step is the body of the batch loop of :func:`femsyn.run.train`: gather a batch,
    ``net.load_weights()`` (one readout per array), forward, softmax cross-entropy, backward,
    SGD with momentum and weight decay, one ``arr.step(dw, images)`` per weighted layer (leak,
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
        self.net = build_net(
            net, preset, seed=seed, width=width, weight_range=weight_range, input_shape=default_input_shape(net)
        )
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
        net.load_weights()
        logits = net.forward(x, train=True)
        _, grad, _ = softmax_cross_entropy(logits, y)
        net.backward(grad)
        self.opt.step(self.lr, len(idx))

    def run(self, steps: int) -> float:
        """Seconds for `steps` steps."""
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - t0


def bench_training(
    nets: Sequence[str] = DEFAULT_NETS,
    presets: Sequence[str] = DEFAULT_PRESETS,
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

    BLAS runs with `blas_threads` threads (default 1) during the steps, as in
    :func:`femsyn.run.train` (``TrainConfig.threads``; needs threadpoolctl, else unchanged).
    """
    with _blas_limit(blas_threads or 1) as used:
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
        steppers: dict[str, Stepper] = {}
        for p in presets:
            if progress:
                progress(f"training {net} / {p}: build + warm-up")
            s = Stepper(net, p, batch_size=batch_size)
            for _ in range(min(warmup, 1) if net == "vgg" else warmup):
                s.step()
            steppers[p] = s
        n_steps = max(1, int(round(steps * STEP_SCALE.get(net, 1.0))))
        per_round: dict[str, list[float]] = {p: [] for p in presets}
        order = list(presets)
        n_rounds = min(rounds, ROUND_CAP.get(net, rounds))
        for r in range(n_rounds):
            if progress:
                progress(f"training {net}: round {r + 1}/{n_rounds}")
            for p in order:
                sec = steppers[p].run(n_steps)
                per_round[p].append(n_steps * batch_size / sec)
            order = order[1:] + order[:1]  # rotate: nobody is always first or last
        for p in presets:
            ips = per_round[p]
            row: dict[str, Any] = {
                "net": net,
                "preset": p,
                "batch_size": batch_size,
                "steps_per_round": n_steps,
                "rounds": n_rounds,
                "cells": steppers[p].cells,
                "images_per_s": statistics.median(ips),
                "images_per_s_best": max(ips),
                "images_per_s_rounds": ips,
                "step_ms": 1e3 * batch_size / statistics.median(ips),
            }
            if reference in per_round and p != reference:
                ratios = [a / b for a, b in zip(ips, per_round[reference], strict=False)]
                row[f"ratio_to_{reference}"] = statistics.median(ratios)
                row[f"ratio_to_{reference}_rounds"] = ratios
                # step-time overhead of the device model over the float step of the same loop
                row[f"step_time_vs_{reference}"] = statistics.median(1.0 / q for q in ratios)
            results.append(row)
        del steppers
    return {"reference": reference, "results": results}
