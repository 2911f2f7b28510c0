"""The training loop: ``train(config) -> summary``.

Every preset (float, ideal-Nb, hybrid devices) goes through the same loop: per batch the
network takes each layer's training weights (filled by the previous step's array pass, read
out only when stale), backpropagates in float32, and the optimizer sends one
``arr.step(dw, images=batch, out=buffer)`` per layer. Only the arrays differ.

A run, in the order :class:`_TrainingRun` does it: prepare the run directory (or load the
checkpoint to resume from), load the data, build (or restore) the net, then per epoch: one
pass of steps over a shuffled order, evaluation with training and MSB-only weights,
diagnostics, the metrics files and a checkpoint; at the end the summary, ``writes.npz`` and
``trace.npz``.

Determinism: data shuffling uses ``numpy.random.Generator(PCG64(seed))``; array seeds and
initial weights derive from ``seed`` per layer (``Sequential.build``). The checkpoint written
after every epoch holds the complete state (arrays incl. hidden LSB charge, RNG positions and
counters; biases; momentum; the shuffling RNG; history; trace), so ``resume=True`` continues
bit-identically to an uninterrupted run.

Run directory (``out``): config.json, metrics.jsonl, metrics.csv, summary.json,
checkpoint.npz, trace.npz, writes.npz (see the interface contract).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from femsyn.nn.kernels import numerics
from femsyn.nn.layers import Sequential, softmax_cross_entropy, to_internal
from femsyn.nn.optim import SGD, lr_at
from femsyn.run.augment import augment_batch
from femsyn.run.checkpoint import CheckpointError, atomic_savez, save_checkpoint
from femsyn.run.config import TrainConfig, parse_checkpoint_every
from femsyn.run.diagnostics import Diagnostics, TrainingDivergedError, chance_level, diagnose_epoch
from femsyn.run.evaluation import Evaluator
from femsyn.run.inputs import build_config_net, load_training_data
from femsyn.run.metrics import counters, write_json, write_metrics
from femsyn.run.resume import CHECKPOINT, CHECKPOINT_FORMAT, model_state, prepare_run_dir, restore_net
from femsyn.run.summary import device_dict, final_summary
from femsyn.run.threads import blas_threads, set_threads
from femsyn.run.trace import CellTrace
from femsyn.run.validate import check_checkpoint

__all__ = ["train"]


def train(config: TrainConfig, *, net: Sequential | None = None) -> dict[str, Any]:
    """Train ``config.net`` (or a user ``net``) and return the summary dict (summary.json).

    Raises TrainingDivergedError on a NaN/inf loss, ValueError / FileNotFoundError on bad
    inputs (unknown names, missing data, a run directory that already holds a different run).
    ``config.threads`` sets femsyn's threads (default: all cores); results are bit-identical for
    any thread count. BLAS runs on one thread during the call (the layers parallelize themselves).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"train() needs a TrainConfig, got {type(config).__name__}")
    set_threads(config.threads)
    with blas_threads():
        run = _TrainingRun(config, net)
        try:
            return run.run()
        finally:
            run.release()


class _TrainingRun:
    """One call of :func:`train`: the run's data, net, optimizer, random streams and progress."""

    def __init__(self, config: TrainConfig, net: Sequential | None) -> None:
        self.t_start = time.perf_counter()
        self.config = config
        self.out = Path(config.out) if config.out is not None else None
        state, self.lock = prepare_run_dir(config, self.out)
        try:
            self._setup(config, net, state)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Let other processes use the run directory again."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _setup(self, config: TrainConfig, net: Sequential | None, state: dict[str, Any] | None) -> None:
        """Data, net, optimizer and random streams: new, or restored from the checkpoint."""
        self.device = config.resolved_device()
        self.data = load_training_data(config)
        self.diagnostics = Diagnostics(state)
        for note in self.data.notes:
            self.diagnostics.note(note)
        self.net = self._net(net, state)
        self.layers = self.net.synaptic_layers
        self.opt = SGD(self.layers, momentum=config.momentum, weight_decay=config.weight_decay)
        self.rng = np.random.Generator(np.random.PCG64(config.seed))
        # Augmentation draws come from their own stream: the data order is the same with or without it.
        self.aug_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([config.seed, 0xA06])))
        self.trace = CellTrace(self.layers[-1], config.trace_cells, config.seed)
        self.history: list[dict[str, Any]] = []
        self.start_epoch, self.step_count, self.wall_prev, self.train_s, self.train_images = 0, 0, 0.0, 0.0, 0
        # a checkpoint taken inside an epoch: where in it to continue, and its running sums
        self.resume_inner: dict[str, Any] | None = None
        self.every = parse_checkpoint_every(config.checkpoint_every)
        self.last_checkpoint = time.monotonic()
        if state is not None:
            self._restore(state)
        if self.out is not None:
            write_json(self.out / "config.json", {**config.to_dict(), "device": device_dict(self.device)})
        self._schedule()
        self.evaluator = Evaluator(self.net, self.data.eval_x, self.data.eval_y, config.eval_batch_size)

    def _net(self, net: Sequential | None, state: dict[str, Any] | None) -> Sequential:
        """The config's net (or the user's, if its input shape fits the data), built or restored."""
        config = self.config
        if net is None:
            net = build_config_net(config, self.data)
        elif tuple(net.input_shape) != tuple(self.data.input_shape):
            raise ValueError(
                f"net input shape {net.input_shape} does not match the data {self.data.input_shape} (C, H, W)"
            )
        if state is None:
            net.build(self.device, seed=config.seed, weight_range=config.weight_range)
        else:
            assert self.out is not None
            path = self.out / CHECKPOINT
            steps_per_epoch = -(-self.data.train_x.shape[0] // config.batch_size)
            check_checkpoint(path, config, state, net.synaptic_layers, steps_per_epoch)
            restore_net(net, state["model"], path)
        return net

    def _restore(self, state: dict[str, Any]) -> None:
        """Continue where the checkpoint stopped: optimizer, random streams, trace, counters."""
        try:
            self._restore_state(state)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as e:
            # entries check_checkpoint does not inspect (trace, history rows): still one line
            raise CheckpointError(f"{self.out}/{CHECKPOINT}: {type(e).__name__}: {str(e)[:200]}") from None

    def _restore_state(self, state: dict[str, Any]) -> None:
        self.opt.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        if "aug_rng" in state:
            self.aug_rng.bit_generator.state = state["aug_rng"]
        self.trace.load(state["trace"])
        self.history = list(state["history"])
        self.start_epoch, self.step_count = int(state["epoch"]), int(state["step"])
        self.wall_prev, self.train_s = float(state["wall_s"]), float(state["train_s"])
        self.train_images = int(state["train_images"])
        if state.get("step_in_epoch", 0):
            self.resume_inner = {k: state[k] for k in ("step_in_epoch", "epoch_sums", "epoch_before", "epoch_train_s")}
        then, now = state.get("numerics"), numerics()
        if then is not None and then != now:
            changed = ", ".join(f"{k}: {then.get(k)!r} -> {now.get(k)!r}" for k in now if then.get(k) != now.get(k))
            self.diagnostics.warn(
                "numerics",
                f"resuming with other numerics than the run started with ({changed}): the rest of the run "
                f"will not be bit-identical to an uninterrupted one (the BLAS kernel changes rounding)",
            )

    def _schedule(self) -> None:
        """Steps per epoch, the learning-rate schedule's length, and the epochs of this call."""
        config = self.config
        self.n_train = self.data.train_x.shape[0]
        if self.n_train == 0:
            raise ValueError("the training split is empty")
        self.steps_per_epoch = -(-self.n_train // config.batch_size)
        self.total_steps = self.steps_per_epoch * config.epochs
        self.warmup_steps = int(round(config.warmup_epochs * self.steps_per_epoch))
        self.end_epoch = config.epochs
        if config.stop_after_epochs is not None:
            self.end_epoch = min(self.end_epoch, self.start_epoch + config.stop_after_epochs)

    def run(self) -> dict[str, Any]:
        """Every remaining epoch of this call, then the summary and the final files."""
        progress = _Progress(self.config, (self.end_epoch - self.start_epoch) * self.steps_per_epoch)
        try:
            for epoch in range(self.start_epoch, self.end_epoch):
                self.epoch(epoch, progress)
        finally:
            progress.close()
        return self.finish()

    def epoch(self, epoch: int, progress: _Progress) -> None:
        """One pass over the training split in a fresh random order, then evaluate and save
        (from the middle of the pass when the run resumes from a checkpoint taken there)."""
        t_epoch = time.perf_counter()
        rng_at_start = self.rng.bit_generator.state  # what a checkpoint inside this epoch restores
        perm = self.rng.permutation(self.n_train)
        inner, self.resume_inner = self.resume_inner, None
        if inner is None:
            s0, (loss_sum, correct_sum, seen), before, done_s = 0, (0.0, 0, 0), counters(self.net), 0.0
        else:
            s0, before, done_s = int(inner["step_in_epoch"]), inner["epoch_before"], float(inner["epoch_train_s"])
            loss_sum, correct_sum, seen = float(inner["epoch_sums"][0]), *map(int, inner["epoch_sums"][1:])
        t_train = time.perf_counter() - done_s
        progress.start_epoch(epoch)
        bs = self.config.batch_size
        for s in range(s0, self.steps_per_epoch):
            idx = perm[s * bs : (s + 1) * bs]
            loss, correct = self.step(idx, epoch, s)
            n_b = len(idx)
            loss_sum += loss * n_b
            correct_sum += correct
            seen += n_b
            progress.step(s, self.steps_per_epoch, loss_sum, correct_sum, seen, t_train)
            if self.out is not None and s + 1 < self.steps_per_epoch and self._checkpoint_due():
                sums = [loss_sum, correct_sum, seen]
                inside = {"step_in_epoch": s + 1, "epoch_sums": sums, "epoch_before": before}
                inside["epoch_train_s"] = time.perf_counter() - t_train
                self.checkpoint(epoch, rng_at_start, inside)
        self.net.clear_cache()
        dt_train = time.perf_counter() - t_train
        self.train_s += dt_train
        self.train_images += seen
        self.evaluator.reset()
        accuracies = self.evaluator(inference=False), self.evaluator(inference=True)
        after = counters(self.net)
        row = self._epoch_row(epoch, before, after, accuracies, (loss_sum, correct_sum, seen), dt_train, t_epoch)
        self.history.append(row)
        chance = chance_level(self.data.num_classes)
        diagnose_epoch(row, before, after, self.layers, self.device, chance, self.diagnostics.warn)
        if self.out is not None:
            write_metrics(self.out, self.history)
            self.checkpoint(epoch + 1, self.rng.bit_generator.state)

    def _checkpoint_due(self) -> bool:
        """A checkpoint inside the epoch now (``checkpoint_every``: steps, or minutes since the last)?"""
        kind, amount = self.every
        if kind == "steps":
            return self.step_count % int(amount) == 0
        return kind == "minutes" and time.monotonic() - self.last_checkpoint >= 60.0 * amount

    def step(self, idx: np.ndarray, epoch: int, s: int) -> tuple[float, int]:
        """One training step on the images ``idx``: forward, loss, backward, one device update
        per layer. Returns the batch's mean loss and its number of correct predictions."""
        config, data, net = self.config, self.data, self.net
        xb = augment_batch(data.train_x[idx], self.aug_rng) if config.augment else to_internal(data.train_x[idx])
        yb = data.train_y[idx]
        net.training_weights()
        logits = net.forward(xb, train=True)
        loss, grad, correct = softmax_cross_entropy(logits, yb)
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"loss became {loss} at epoch {epoch + 1}, step {s + 1} (lr {config.lr}): training diverged; "
                f"lower --lr or change --weight-range"
            )
        net.backward(grad)
        lr = lr_at(self.step_count, self.total_steps, config.lr, config.lr_schedule, self.warmup_steps)
        writes = self.opt.step(lr, len(idx))
        if self.trace.active:
            self.trace.record(self.step_count, writes[-1])
        self.step_count += 1
        return loss, correct

    def _epoch_row(
        self,
        epoch: int,
        before: list[dict[str, Any]],
        after: list[dict[str, Any]],
        accuracies: tuple[float, float],
        sums: tuple[float, int, int],
        dt_train: float,
        t_epoch: float,
    ) -> dict[str, Any]:
        """The epoch's metrics row: training loss/accuracy, evaluation accuracies (training and
        MSB-only weights), speed, lr and the array events of the epoch (summed over layers)."""
        config = self.config
        loss_sum, correct_sum, seen = sums

        def delta(key: str) -> int:
            return sum(a.get(key, 0) - b.get(key, 0) for a, b in zip(after, before))

        return {
            "epoch": epoch + 1,
            "train_loss": loss_sum / seen,
            "train_acc": correct_sum / seen,
            "eval_acc": accuracies[0],
            "eval_acc_msb": accuracies[1],
            "images_per_s": seen / max(dt_train, 1e-9),
            "wall_s": time.perf_counter() - t_epoch,
            "lr": lr_at(self.step_count - 1, self.total_steps, config.lr, config.lr_schedule, self.warmup_steps),
            "msb_writes": delta("msb_writes"),
            "pulses": delta("pulses"),
            "clipped_pulses": delta("clipped_pulses"),
            "blocked_carries": delta("blocked_carries"),
        }

    def checkpoint(self, epochs_done: int, rng_state: dict[str, Any], inside: dict[str, Any] | None = None) -> None:
        """Everything needed to continue bit-identically, written atomically: after
        ``epochs_done`` epochs, plus ``inside`` (step, running sums) when taken inside the next
        one; ``rng_state`` is the data-order generator at the start of that next epoch."""
        assert self.out is not None
        save_checkpoint(
            self.out / CHECKPOINT,
            {
                "format": CHECKPOINT_FORMAT,
                "config": self.config.to_dict(),
                "epoch": epochs_done,
                "step": self.step_count,
                "step_in_epoch": 0,
                "model": model_state(self.net),
                "optimizer": self.opt.state_dict(),
                "rng": rng_state,
                "aug_rng": self.aug_rng.bit_generator.state,
                "history": self.history,
                "trace": self.trace.state(),
                "warnings": self.diagnostics.warnings,
                "warned": sorted(self.diagnostics.warned),
                "wall_s": self.wall_prev + time.perf_counter() - self.t_start,
                "train_s": self.train_s,
                "train_images": self.train_images,
                "split": dict(self.data.split),
                "numerics": numerics(),
                **(inside or {}),
            },
        )
        self.last_checkpoint = time.monotonic()

    def finish(self) -> dict[str, Any]:
        """The summary (final evaluation included); in a run directory also summary.json, the
        per-cell MSB write counts (writes.npz) and the LSB trace (trace.npz)."""
        summary = final_summary(
            self.config,
            self.device,
            self.net,
            self.data,
            self.evaluator,
            self.history,
            self.diagnostics.warnings,
            complete=len(self.history) >= self.config.epochs,
            images_per_s=self.train_images / max(self.train_s, 1e-9),
            wall_s=self.wall_prev + time.perf_counter() - self.t_start,
        )
        if self.out is not None:
            write_json(self.out / "summary.json", summary)
            atomic_savez(
                self.out / "writes.npz",
                {layer.name: np.asarray(layer.array.msb_write_counts(), dtype=np.uint32) for layer in self.layers},
            )
            tr = self.trace.state()
            tr["layer"] = np.array(tr["layer"])
            atomic_savez(self.out / "trace.npz", tr)
        return summary


class _Progress:
    """The tqdm bar of a run (nothing when ``config.progress`` is off)."""

    def __init__(self, config: TrainConfig, total: int) -> None:
        self.epochs = config.epochs
        self.bar = None
        if config.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="batch", dynamic_ncols=True, leave=False, disable=None)

    def start_epoch(self, epoch: int) -> None:
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}")

    def step(self, s: int, steps: int, loss_sum: float, correct_sum: int, seen: int, t_train: float) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        if s % 25 == 24 or s == steps - 1:
            el = time.perf_counter() - t_train
            self.bar.set_postfix(
                loss=f"{loss_sum / seen:.4f}",
                acc=f"{correct_sum / seen:.4f}",
                img_s=f"{seen / max(el, 1e-9):.0f}",
                refresh=False,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
