"""How long a sweep will take (``--dry-run``): a short calibration on this machine and a model.

Calibration: for each kind of run (net, width, dataset, batch size, bias, augmentation, device
kind) the first such run trains :data:`CALIBRATION_STEPS` real steps here, on one thread like a
worker, and its training images/s is measured. Model of one run::

    load + (epochs_left * n_train + (2 * epochs_left + FINAL_EVALS) * n_eval * EVAL_COST) / images_per_s

(every epoch evaluates training and MSB-only weights; the final summary adds the retention
curve; an evaluation image costs :data:`EVAL_COST` of a training image: a forward pass without
backward or device update). The sweep's time is the longest worker's when the runs are dealt
longest first to ``workers`` workers. That is the time with the cores to the sweep alone;
:attr:`Estimate.loaded_s` scales it by the machine's load now (the load average plus the
workers, over the cores).
"""

from __future__ import annotations

import dataclasses
import heapq
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from femsyn._core import get_num_threads, set_num_threads
from femsyn.run import TrainConfig, train
from femsyn.study.sweep.execute import cores
from femsyn.study.sweep.plan import Plan, Run

__all__ = ["CALIBRATION_STEPS", "EVAL_COST", "Estimate", "estimate", "fmt_duration"]

CALIBRATION_STEPS = 20
#: an evaluation image costs this fraction of a training image (forward only: an assumption)
EVAL_COST = 1 / 3
#: evaluation passes of the final summary (training weights, MSB-only, the retention curve)
FINAL_EVALS = 6
#: starting a LocalCluster (measured: 3-6 s on 2 shared cores)
STARTUP_S = 5.0


@dataclass(frozen=True)
class Speed:
    """The measured training speed of one kind of run."""

    kind: str
    images_per_s: float


@dataclass(frozen=True)
class Estimate:
    """Seconds per pending run, their sum, and the sweep's time on ``workers`` workers."""

    run_s: dict[str, float]
    total_s: float
    sweep_s: float
    workers: int
    speeds: tuple[Speed, ...]
    load: float = 0.0  # the 1-minute load average before the calibration
    cores: int = 1

    @property
    def loaded_s(self) -> float:
        """The sweep's time if the machine stays as busy as it is (its load plus the workers)."""
        return self.sweep_s * max(1.0, (self.load + self.workers) / max(self.cores, 1))

    def how(self) -> str:
        speeds = "; ".join(f"{s.kind}: {s.images_per_s:,.0f} training images/s" for s in self.speeds)
        return (
            f"calibrated by {CALIBRATION_STEPS} training steps of each kind of run here, on one thread ({speeds}); "
            f"an evaluation image counted as {EVAL_COST:.2g} of a training image; runs dealt longest first to "
            f"{self.workers} worker(s); 'at this machine's load' scales that by (load average + workers) / cores"
        )


def _kind(config: TrainConfig) -> tuple:
    """What sets a run's speed (device values such as noise or leak change it little)."""
    dev = config.resolved_device()
    return (config.net, config.width, config.dataset, config.batch_size, config.bias, config.augment, dev.kind)


def _label(config: TrainConfig) -> str:
    width = f" width {config.width:g}" if config.width != 1 else ""
    return f"{config.net}{width} {config.synapse_label} batch {config.batch_size}"


def calibrate(run: Run, steps: int = CALIBRATION_STEPS) -> Speed:
    """Train ``steps`` steps of the run's configuration (no files, a tiny evaluation split)."""
    c = run.config
    cfg = dataclasses.replace(
        c,
        out=None,
        epochs=1,
        warmup_epochs=0.0,
        train_limit=steps * c.batch_size,
        val_size=c.batch_size,  # the evaluation is not what is timed: keep it small
        progress=False,
        threads=1,
        trace_cells=0,
    )
    before = get_num_threads()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = train(cfg)
    finally:
        set_num_threads(before)
    return Speed(_label(c), float(summary["images_per_s"]))


def run_seconds(run: Run, images_per_s: float) -> float:
    """The model of one run's time (module docstring)."""
    s = run.split
    if run.state == "finished":  # only re-evaluation left: one load, a few passes
        return s.load_s + 3 * s.n_eval * EVAL_COST / images_per_s if run.needs_eval else 0.0
    left = max(run.config.epochs - run.epochs_done, 0)
    work = left * s.n_train + (2 * left + FINAL_EVALS) * s.n_eval * EVAL_COST
    return s.load_s + work / images_per_s


def estimate(plan: Plan, workers: int) -> Estimate:
    """Calibrate each kind of pending run, then model the sweep on ``workers`` workers."""
    pending = plan.pending
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    speeds: dict[tuple, Speed] = {}
    for run in pending:
        k = _kind(run.config)
        if k not in speeds:
            speeds[k] = calibrate(run)
    run_s = {r.name: run_seconds(r, speeds[_kind(r.config)].images_per_s) for r in pending}
    n = max(1, min(workers, len(pending)))
    sweep_s = _makespan(list(run_s.values()), n) + (STARTUP_S if pending else 0.0)
    return Estimate(run_s, sum(run_s.values()), sweep_s, n, tuple(speeds.values()), load, cores())


def _makespan(times: Sequence[float], workers: int) -> float:
    """Longest-first dealing to the least busy worker; the busiest worker's total."""
    loads = [0.0] * workers
    for t in sorted(times, reverse=True):
        heapq.heapreplace(loads, loads[0] + t)
    return max(loads)


def fmt_duration(seconds: float) -> str:
    """``2 h 05 min``, ``7 min 30 s``, ``12 s``."""
    s = int(round(seconds))
    if s == 0:
        return "<1 s" if seconds > 0 else "0 s"
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"
