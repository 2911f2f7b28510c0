"""``femsyn train``: train one network on one synapse design and write a run directory."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import sys
from pathlib import Path
from typing import Any

import click

from femsyn.train import TrainingDivergedError

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
}

# Errors that are the user's (bad input, missing data, diverged training): one line, exit 1.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    FileNotFoundError,
    FileExistsError,
    NotADirectoryError,
    PermissionError,
    TrainingDivergedError,
)


def load_toml(path: str) -> dict[str, Any]:
    """Read a run TOML: TrainConfig keys at the top level (or in a [train] table) and an
    optional [device] table of DeviceParams overrides applied on top of ``synapse``."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: invalid TOML: {e}") from None
    if "train" in doc:
        if not isinstance(doc["train"], dict):
            raise ValueError(f"{path}: [train] must be a table")
        extra = {k: v for k, v in doc.items() if k not in ("train", "device")}
        if extra:
            raise ValueError(f"{path}: keys outside [train]/[device]: {', '.join(sorted(extra))}")
        doc = {**doc["train"], **({"device": doc["device"]} if "device" in doc else {})}
    return doc


def resolve_device(synapse: str, overrides: dict[str, Any]) -> Any:
    """The ``synapse`` preset with the [device] overrides applied (validated by DeviceParams)."""
    from femsyn.devices import DeviceParams, preset

    if not isinstance(overrides, dict):
        raise ValueError("[device] must be a table of DeviceParams fields")
    valid = [f.name for f in dataclasses.fields(DeviceParams)]
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise ValueError(f"unknown [device] key(s) {', '.join(unknown)}; valid keys: {', '.join(valid)}")
    base = preset(synapse)
    ov = dict(overrides)
    ov.setdefault("name", f"{synapse}+custom")
    for k, v in ov.items():  # TOML has no inf literal for every user: accept "inf"
        if isinstance(v, str) and v.lower() in ("inf", "infinity") and k != "name":
            ov[k] = math.inf
    return dataclasses.replace(base, **ov)


def saved_run_values(out: str) -> dict[str, Any]:
    """The configuration a run in ``out`` was started with, as the base of its resume, so
    ``femsyn train --out DIR --resume`` needs no other flag (given flags must still match)."""
    from femsyn.train import RESUME_FREE_FIELDS, load_run_config

    try:
        saved = load_run_config(out)
    except FileNotFoundError:
        return {}  # train() says that there is no checkpoint to resume from
    return {f.name: getattr(saved, f.name) for f in dataclasses.fields(saved) if f.name not in RESUME_FREE_FIELDS}


def build_config(params: dict[str, Any], config_file: str | None) -> Any:
    from femsyn.train import TrainConfig

    values: dict[str, Any] = {}
    if params.get("resume") and params.get("out"):
        values.update(saved_run_values(params["out"]))
    device_overrides = None
    if config_file:
        doc = load_toml(config_file)
        device_overrides = doc.pop("device", None)
        unknown = sorted(set(doc) - set(TrainConfig.field_names()))
        if unknown:
            raise ValueError(
                f"{config_file}: unknown key(s) {', '.join(unknown)}; valid keys: "
                f"{', '.join(k for k in TrainConfig.field_names() if k != 'device')}, [device]"
            )
        values.update(doc)
    for opt, fieldname in _VALUE_OPTIONS.items():
        v = params.get(opt)
        if v is not None:
            values[fieldname] = v
    if params.get("resume"):
        values["resume"] = True
    if params.get("no_progress"):
        values["progress"] = False
    if device_overrides is not None:
        values["device"] = resolve_device(values.get("synapse", TrainConfig.synapse), device_overrides)
    if values.get("out") is None:
        if values.get("resume"):
            raise ValueError("--resume needs --out DIR (the run directory to continue)")
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        net = values.get("net", TrainConfig.net)
        syn = values.get("synapse", TrainConfig.synapse)
        values["out"] = str(Path("runs") / f"{net}-{syn}-seed{values.get('seed', TrainConfig.seed)}-{stamp}")
    return TrainConfig(**values)


def _fmt_int(v: Any) -> str:
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return str(v)


def accuracy_lines(acc: dict[str, Any], indent: str = "  ") -> list[str]:
    """The three accuracies, aligned."""
    rows = [
        ("training weights (MSB+LSB)", acc["train_weights"]),
        ("inference, MSB-only", acc["msb_only"]),
        (f"MSB-only after {acc['retention_s']:g} s retention", acc["msb_retention"]),
    ]
    width = max(len(label) for label, _ in rows) + 2
    return [f"{indent}{label:<{width}}{100 * v:6.2f} %" for label, v in rows]


def format_summary(s: dict[str, Any], out: str | None) -> str:
    acc = s["accuracy"]
    ev = s["split"]["eval"]
    c = s["counters"]
    status = "complete" if s.get("complete") else f"stopped after epoch {s.get('epochs_done')} (resumable)"
    lines = [
        f"femsyn train: {s['net']} on {s['dataset']} with {s['synapse']} (seed {s['seed']}), "
        f"{s.get('epochs_done', s['epochs'])}/{s['epochs']} epochs, {status}",
        f"  train split: {s['split']['train']}",
        f"  accuracy on {ev}:",
        *accuracy_lines(acc, "    "),
        f"  MSB writes {_fmt_int(c.get('msb_writes'))} (max per cell {_fmt_int(c.get('max_cell_writes'))}), "
        f"LSB pulses {_fmt_int(c.get('pulses'))} (clipped {_fmt_int(c.get('clipped_pulses'))}), "
        f"lost carries {_fmt_int(c.get('lost_carries'))}",
        f"  simulated time {float(c.get('time_s', 0.0)):.4g} s, {s['cells']:,} synapses",
        f"  speed {s['images_per_s']:,.0f} images/s (training), wall {s['wall_s']:.1f} s",
    ]
    for w in s.get("warnings", []):
        # first meaningful line only (the full text is in summary.json)
        text = next((x.strip() for x in str(w).splitlines() if x.strip() and set(x.strip()) != {"!"}), str(w))
        lines.append(f"  warning: {text}")
    if out:
        lines.append(f"  run directory: {out}")
    return "\n".join(lines)


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
    try:
        config = build_config(params, config_file)
        from femsyn.train import train

        summary = train(config)
    except KeyboardInterrupt:
        out = params.get("out")
        click.echo(
            f"interrupted; continue with: femsyn train --out {out} --resume" if out else "interrupted",
            err=True,
        )
        sys.exit(130)
    except USER_ERRORS as e:
        raise click.ClickException(_one_line(e)) from None
    if as_json:
        import json

        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(format_summary(summary, config.out))


def _one_line(e: BaseException) -> str:
    msg = str(e).strip() or type(e).__name__
    if isinstance(e, FileNotFoundError) and e.filename and str(e.filename) not in msg:
        msg = f"{msg}: {e.filename}"
    return " ".join(msg.split())
