"""The points of a sweep: every combination of axis values and seed, resolved into a validated
``TrainConfig`` before anything runs.

A point's values are the SPEC's [base] keys, its TrainConfig axes and its seed; its device is the
``synapse`` preset with the [device] table and its ``device.FIELD`` axes applied (the same
``resolve_device`` that ``femsyn train --config`` uses for a TOML ``[device]`` table, so a point
and ``femsyn train --config DIR/points/<name>.toml`` build the same run). A value that
``TrainConfig`` or ``DeviceParams`` refuses is a :class:`~femsyn.study.sweep.where.SpecError`
naming the SPEC line that set it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from femsyn.device import load_lsb_table
from femsyn.run import TrainConfig
from femsyn.run.config_file import resolve_device
from femsyn.study.sweep.spec import TABLE_FILE_KEY, SweepSpec, fmt_value
from femsyn.study.sweep.where import SpecError

__all__ = ["Point", "resolve_points"]


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its axis values, seed and validated configuration."""

    index: int
    axes: dict[str, Any]
    seed: int
    values: dict[str, Any]  # TrainConfig keyword arguments, the device aside
    device_overrides: dict[str, Any]
    config: TrainConfig = field(repr=False)

    @property
    def retention_s(self) -> float:
        return float(self.config.retention_s)

    def label(self, with_seed: bool = True) -> str:
        """``device.tau_leak_s=0.1, lr=0.02, seed 1``."""
        parts = [f"{k}={fmt_value(v)}" for k, v in self.axes.items()]
        return ", ".join(parts + ([f"seed {self.seed}"] if with_seed else [])) or (
            f"seed {self.seed}" if with_seed else "-"
        )

    def train_toml(self, header: str = "") -> str:
        """This point as a ``femsyn train --config`` file: its values, then a [device] table."""
        lines = [f"# {line}" for line in header.splitlines()]
        lines += [f"{k} = {_toml_value(v)}" for k, v in self.values.items() if k != "progress"]
        if self.device_overrides:
            lines += ["", "[device]"] + [f"{k} = {_toml_value(v)}" for k, v in self.device_overrides.items()]
        return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return '"inf"' if math.isinf(v) and v > 0 else repr(v)  # resolve_device reads "inf"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v))  # a TOML basic string


def resolve_points(spec: SweepSpec) -> list[Point]:
    """Every point of ``spec`` (axis combinations x seeds, seeds innermost), each validated."""
    points = []
    for combo in spec.combos():
        for seed in spec.seeds:
            points.append(_point(spec, combo, seed, len(points)))
    return points


def _point(spec: SweepSpec, combo: dict[str, Any], seed: int, index: int) -> Point:
    values = dict(spec.base)
    overrides = dict(spec.device)
    for key, v in combo.items():
        if key.startswith("device."):
            overrides[key.removeprefix("device.")] = v
        else:
            values[key] = v
    values["seed"] = seed
    values["progress"] = False
    device = _with_table(spec, combo, overrides)
    try:
        kwargs = dict(values)
        if overrides:
            kwargs["device"] = resolve_device(values.get("synapse", TrainConfig.synapse), device)
        config = TrainConfig(**kwargs)
    except (ValueError, TypeError) as e:
        raise SpecError(_explain(spec, combo, seed, str(e))) from None
    return Point(index, dict(combo), seed, values, overrides, config)


def _with_table(spec: SweepSpec, combo: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides with ``lsb_table = "file.csv"`` read into the table's DeviceParams fields; the
    file's path is made absolute in ``overrides`` (so a point's TOML names it from anywhere)."""
    if TABLE_FILE_KEY not in overrides:
        return overrides
    key = f"device.{TABLE_FILE_KEY}"
    axis = next((a for a in spec.axes if a.key == key), None)
    place = axis.where if axis is not None else spec.where.at("device", TABLE_FILE_KEY)
    ref = overrides[TABLE_FILE_KEY]
    if not isinstance(ref, str):
        raise SpecError(f"{place}: {ref!r} is not the path of a CSV file")
    folder = Path(spec.source).resolve().parent if spec.text is not None else Path.cwd()
    path = Path(ref) if Path(ref).is_absolute() else folder / ref
    overrides[TABLE_FILE_KEY] = str(path)
    clash = sorted(k for k in ("lsb_table_pulse", "lsb_table_ltp", "lsb_table_ltd") if k in overrides)
    if clash:
        raise SpecError(f"{place}: the SPEC gives lsb_table and {', '.join(clash)}; give one of them")
    try:
        table = load_lsb_table(path)
    except (OSError, ValueError) as e:
        raise SpecError(f"{place}: {e}") from None
    rest = {k: v for k, v in overrides.items() if k != TABLE_FILE_KEY}
    return {**table, **rest}  # keys the SPEC gives win over the table's defaults, as in a run TOML


_TRAIN_FIELD = re.compile(r"TrainConfig\.(\w+) = ")
_DEVICE_FIELD = re.compile(r"^(?:invalid device parameter (\w+) = |(\w+): expected )")


def _explain(spec: SweepSpec, combo: dict[str, Any], seed: int, message: str) -> str:
    """The refused value's SPEC line (the axis or table that set the field the message names)."""
    where = spec.where
    place = None
    train = _TRAIN_FIELD.search(message)
    device = _DEVICE_FIELD.search(message)
    if "unknown preset" in message:
        train_field: str | None = "synapse"
    else:
        train_field = train.group(1) if train else None
    if train_field is not None:
        axis = next((a for a in spec.axes if a.key == train_field), None)
        if axis is not None:
            place = axis.where
        elif train_field in spec.base:
            place = where.at("base", train_field)
    elif device:
        name = device.group(1) or device.group(2)
        axis = next((a for a in spec.axes if a.key == f"device.{name}"), None)
        if axis is not None:
            place = axis.where
        elif name in spec.device:
            place = where.at("device", name)
    point = ", ".join([f"{k}={fmt_value(v)}" for k, v in combo.items()] + [f"seed {seed}"])
    return f"{place or where.path}: {message} (in the point {point})"
