"""``femsyn train``: train one network on one synapse design and write a run directory."""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from femsyn.cli.errors import USER_ERRORS  # noqa: F401 - a name of the old femsyn.commands.train
from femsyn.cli.output import format_summary
from femsyn.run import CHECKPOINT, TrainConfig, train
from femsyn.run.config_file import load_toml, resolve_device, saved_run_values

# CLI option name -> TrainConfig field (only options whose value is given override the
# TOML file, which overrides the TrainConfig defaults).
_VALUE_OPTIONS = {
    "net": "net",
    "synapse": "synapse",
    "dataset": "dataset",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "lr",
    "lr_schedule": "lr_schedule",
    "warmup_epochs": "warmup_epochs",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "seed": "seed",
    "width": "width",
    "hidden": "hidden",
    "weight_range": "weight_range",
    "train_limit": "train_limit",
    "val_size": "val_size",
    "retention_s": "retention_s",
    "trace_cells": "trace_cells",
    "data_dir": "data_dir",
    "out": "out",
    "threads": "threads",
    "stop_after_epochs": "stop_after_epochs",
    "bias": "bias",
    "augment": "augment",
    "eval_limit": "eval_limit",
    "checkpoint_every": "checkpoint_every",
}


def parse_hidden(value: str | None) -> list[int] | None:
    """``--hidden 256,128`` -> [256, 128] (click reports a bad value as a usage error)."""
    if value is None:
        return None
    try:
        sizes = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise click.BadParameter(f"{value!r}: expected comma-separated integers >= 1, e.g. 100 or 256,128")
    return sizes


def build_config(params: dict[str, Any], config_file: str | None) -> TrainConfig:
    """The run's TrainConfig: explicit flags > the --config TOML > (with --resume) the run's saved
    configuration > the built-in defaults; without --out, a new folder under runs/."""
    values: dict[str, Any] = {}
    if params.get("resume") and params.get("out"):
        values.update(saved_run_values(params["out"]))
    device_overrides = None
    if config_file:
        doc = _toml_values(config_file)
        device_overrides = doc.pop("device", None)
        values.update(doc)
    values.update(_flag_values(params))
    if device_overrides is not None:
        values["device"] = resolve_device(values.get("synapse", TrainConfig.synapse), device_overrides)
    if values.get("out") is None:
        if values.get("resume"):
            raise click.UsageError("--resume needs --out DIR (the run directory to continue)")
        values["out"] = _default_out(values)
    return TrainConfig(**values)


def _toml_values(config_file: str) -> dict[str, Any]:
    """TrainConfig keys (and the [device] table) of a run TOML; unknown keys raise ValueError."""
    doc = load_toml(config_file)
    unknown = sorted(set(doc) - set(TrainConfig.field_names()))
    if unknown:
        raise ValueError(
            f"{config_file}: unknown key(s) {', '.join(unknown)}; valid keys: "
            f"{', '.join(k for k in TrainConfig.field_names() if k != 'device')}, [device]"
        )
    return doc


def _flag_values(params: dict[str, Any]) -> dict[str, Any]:
    """The TrainConfig fields the user gave as flags."""
    values = {field: params[opt] for opt, field in _VALUE_OPTIONS.items() if params.get(opt) is not None}
    if params.get("resume"):
        values["resume"] = True
    if params.get("no_progress"):
        values["progress"] = False
    return values


def _continue_advice(config: TrainConfig) -> str:
    """How to go on after Ctrl-C: resume from the checkpoint, or (none written yet) start again."""
    if config.out is not None and (Path(config.out) / CHECKPOINT).is_file():
        return f"continue with: femsyn train --out {config.out} --resume"
    return "no checkpoint was written yet; run the same command again to start over"


def _default_out(values: dict[str, Any]) -> str:
    """runs/<net>-<synapse>-seed<S>-<time>."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    net = values.get("net", TrainConfig.net)
    syn = values.get("synapse", TrainConfig.synapse)
    return str(Path("runs") / f"{net}-{syn}-seed{values.get('seed', TrainConfig.seed)}-{stamp}")


@click.command("train")
@click.option("--net", type=str, default=None, help="Network: lenet | mlp | vgg.  [default: lenet]")
@click.option(
    "--synapse",
    type=str,
    default=None,
    help="Synapse preset (femsyn.presets()).  [default: femfet-6b]",
)
@click.option("--dataset", type=str, default=None, help="mnist | fashion-mnist | cifar10.  [default: mnist]")
@click.option("--epochs", type=int, default=None, help="Training epochs.  [default: 8 (lenet/mlp), 10 (vgg)]")
@click.option("--batch-size", type=int, default=None, help="Mini-batch size.  [default: 64]")
@click.option("--lr", type=float, default=None, help="Base learning rate.  [default: 0.02 (lenet/mlp), 0.02 (vgg)]")
@click.option("--lr-schedule", type=str, default=None, help="cosine | step | constant.  [default: cosine]")
@click.option(
    "--warmup-epochs", type=float, default=None, help="Linear lr warmup (epochs).  [default: 0 (lenet/mlp), 0.25 (vgg)]"
)
@click.option("--momentum", type=float, default=None, help="SGD momentum.  [default: 0.9]")
@click.option("--weight-decay", type=float, default=None, help="L2 weight decay.  [default: 5e-4]")
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Run seed (data order, init, device noise).  [default: 0]",
)
@click.option("--width", type=float, default=None, help="Channel/hidden-size multiplier.  [default: 1]")
@click.option(
    "--hidden",
    type=str,
    default=None,
    callback=lambda ctx, param, value: parse_hidden(value),
    help="mlp only: hidden layer sizes, comma-separated (100 = NeuroSim's 784-100-10).  [default: 256,128]",
)
@click.option(
    "--weight-range",
    type=float,
    default=None,
    help="Per-layer w_max as a multiple of the He-uniform init limit sqrt(6/fan_in).  [default: 1.5]",
)
@click.option("--train-limit", type=int, default=None, help="Use only the first N training images.")
@click.option(
    "--val-size",
    type=int,
    default=None,
    help="Evaluate on the last N training images instead of the test split.  [default: 0]",
)
@click.option(
    "--retention-s",
    type=float,
    default=None,
    help="Retention time for the MSB-only accuracy.  [default: 1e4]",
)
@click.option(
    "--trace-cells",
    type=int,
    default=None,
    help="Cells whose LSB trajectory is recorded.  [default: 8]",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Dataset folder (else $FEMSYN_DATA, cache).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Run directory (must be new or empty unless --resume).  [default: runs/<net>-<synapse>-seed<S>-<time>]",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TOML file of TrainConfig keys (+ optional [device] overrides); explicit flags win.",
)
@click.option(
    "--bias/--no-bias",
    default=None,
    help="Float biases in the digital periphery; they do not decay with the MSBs.  [default: --no-bias]",
)
@click.option(
    "--augment/--no-augment",
    default=None,
    help="Random crop (4-px zero padding) + horizontal flip of training images.  [default: on for cifar10]",
)
@click.option("--resume", is_flag=True, default=False, help="Continue the run in --out from its checkpoint.")
@click.option(
    "--stop-after-epochs",
    type=int,
    default=None,
    help="Stop (resumably) after N epochs in this call.",
)
@click.option(
    "--threads",
    type=int,
    default=None,
    help="Threads of femsyn's kernels (results do not depend on it; BLAS runs on 1).  [default: all cores]",
)
@click.option(
    "--eval-limit",
    type=int,
    default=None,
    help="Evaluate on the first N images of the evaluation split only (the split name says so).",
)
@click.option(
    "--checkpoint-every",
    type=str,
    default=None,
    help="Checkpoints inside an epoch: every N steps (500), N minutes (5min) or 'epoch'.  [default: 5min]",
)
@click.option("--no-progress", is_flag=True, default=False, help="No progress bar.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    default=False,
    help="Print summary.json instead of the text summary.",
)
def command(config_file: str | None, as_json: bool, **params: Any) -> None:
    """Train a network on a synapse design; write the run directory; print the accuracies.

    Precedence: explicit flags > --config TOML > built-in defaults.
    """
    config = build_config(params, config_file)
    try:
        summary = train(config)
    except KeyboardInterrupt:
        click.echo(f"interrupted; {_continue_advice(config)}", err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(format_summary(summary, config.out))
