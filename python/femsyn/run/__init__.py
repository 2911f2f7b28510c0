"""A training run: its configuration, the loop, checkpoints, diagnostics and evaluation.

>>> from femsyn.run import TrainConfig, train                       # doctest: +SKIP
>>> summary = train(TrainConfig(net="lenet", synapse="femfet-6b", epochs=2, out="runs/x"))

Modules, in the order a run uses them: :mod:`~femsyn.run.config` (``TrainConfig``),
:mod:`~femsyn.run.config_file` (TOML files, a run directory's saved configuration),
:mod:`~femsyn.run.inputs` (the data and the net a config names), :mod:`~femsyn.run.loop` (``train``:
epochs and steps), :mod:`~femsyn.run.augment`, :mod:`~femsyn.run.diagnostics` (stalls, NaN),
:mod:`~femsyn.run.evaluation` (accuracies, ``evaluate_checkpoint``), :mod:`~femsyn.run.trace`
(sampled LSB trajectories), :mod:`~femsyn.run.metrics` (counters, metrics files),
:mod:`~femsyn.run.summary` (summary.json), :mod:`~femsyn.run.resume` (what a checkpoint holds)
over :mod:`~femsyn.run.checkpoint` (the file format), :mod:`~femsyn.run.threads`.
"""

from __future__ import annotations

from femsyn.run.augment import augment_batch
from femsyn.run.config import TrainConfig, default_hparams
from femsyn.run.diagnostics import TrainingDivergedError, TrainingWarning
from femsyn.run.evaluation import RETENTION_CURVE_S, evaluate_checkpoint
from femsyn.run.loop import train
from femsyn.run.resume import CHECKPOINT, RESUME_FREE_FIELDS, load_run_config

__all__ = [
    "CHECKPOINT",
    "RESUME_FREE_FIELDS",
    "RETENTION_CURVE_S",
    "TrainConfig",
    "TrainingDivergedError",
    "TrainingWarning",
    "augment_batch",
    "default_hparams",
    "evaluate_checkpoint",
    "load_run_config",
    "train",
]
