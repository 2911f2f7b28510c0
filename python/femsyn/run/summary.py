"""A run's ``summary.json``: final accuracies (training weights, MSB-only, after retention, a
retention curve), counters per layer and summed, the configuration, and the warnings."""

from __future__ import annotations

import dataclasses
from typing import Any

from femsyn._version import __version__
from femsyn.nn.kernels import numerics
from femsyn.nn.layers import Sequential
from femsyn.run.config import TrainConfig
from femsyn.run.evaluation import Evaluator, retention_curve
from femsyn.run.inputs import TrainingData
from femsyn.run.metrics import counters, sum_counters

__all__ = ["final_summary"]


def device_dict(device: Any) -> dict[str, Any]:
    """A device (DeviceParams or mapping) as a plain dict."""
    return dataclasses.asdict(device) if dataclasses.is_dataclass(device) else dict(device)


def final_summary(
    config: TrainConfig,
    device: Any,
    net: Sequential,
    data: TrainingData,
    evaluator: Evaluator,
    history: list[dict[str, Any]],
    warn_list: list[str],
    *,
    complete: bool,
    images_per_s: float,
    wall_s: float,
) -> dict[str, Any]:
    """summary.json: final accuracies (training weights, MSB-only, after retention, a retention
    curve), the history, counters summed and per layer, the configuration and the warnings."""
    evaluator.reset()
    acc_train = evaluator(inference=False)
    acc_msb = evaluator(inference=True)
    acc_ret = evaluator(inference=True, retention_s=config.retention_s)
    curve = retention_curve(evaluator, config.retention_s)
    per_layer = counters(net)
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
        "device": device_dict(device),
        "config": {**config.to_dict(), "device": device_dict(device)},
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
        "counters": sum_counters(per_layer),
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
