"""A run's configuration from files: a run TOML (TrainConfig keys + a ``[device]`` table of
DeviceParams overrides), and the configuration a run directory was started with."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from femsyn.device import DeviceParams, load_lsb_table, preset, presets
from femsyn.run.config import TrainConfig
from femsyn.run.resume import RESUME_FREE_FIELDS, load_run_config
from femsyn.run.validate import as_json

__all__ = ["load_toml", "resolve_device", "saved_run_values"]


def load_toml(path: str) -> dict[str, Any]:
    """Read a run TOML: TrainConfig keys at the top level (or in a [train] table) and an
    optional [device] table of DeviceParams overrides applied on top of ``synapse``.
    ``[device] lsb_table = "file.csv"`` (relative to the TOML file) loads a measured response
    table (:func:`femsyn.device.load_lsb_table`) into the device's table fields."""
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
    if isinstance(doc.get("device"), dict) and "lsb_table" in doc["device"]:
        doc["device"] = _with_table(path, doc["device"])
    return doc


def _with_table(toml_path: str, device: dict[str, Any]) -> dict[str, Any]:
    """[device] with ``lsb_table = "file.csv"`` replaced by the table's fields."""
    dev = dict(device)
    ref = dev.pop("lsb_table")
    if not isinstance(ref, str):
        raise ValueError(f"{toml_path}: [device] lsb_table must be the path of a CSV file, got {ref!r}")
    clash = sorted(k for k in ("lsb_table_pulse", "lsb_table_ltp", "lsb_table_ltd") if k in dev)
    if clash:
        raise ValueError(f"{toml_path}: [device] gives lsb_table and {', '.join(clash)}; give one of them")
    csv = Path(ref) if Path(ref).is_absolute() else Path(toml_path).resolve().parent / ref
    # keys the user gives win over the table's defaults (the core checks the combination)
    return {**load_lsb_table(csv), **dev}


def resolve_device(synapse: str, overrides: dict[str, Any]) -> Any:
    """The ``synapse`` preset with the [device] overrides applied (validated by DeviceParams)."""
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
    try:
        saved = load_run_config(out)
    except FileNotFoundError:
        # killed before its first checkpoint: config.json says what was started (train() says
        # so when there is not even that)
        return _config_json_values(Path(out) / "config.json")
    return {f.name: getattr(saved, f.name) for f in dataclasses.fields(saved) if f.name not in RESUME_FREE_FIELDS}


def _config_json_values(path: Path) -> dict[str, Any]:
    """The TrainConfig values of a run's config.json (its device back to None when it is just
    the preset ``synapse`` names, as the run was given it); {} if there is none."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict):
        return {}
    values = {k: v for k, v in doc.items() if k in TrainConfig.field_names() and k not in RESUME_FREE_FIELDS}
    device, synapse = values.get("device"), values.get("synapse")
    if isinstance(device, dict) and isinstance(synapse, str) and synapse in presets():
        if as_json(dataclasses.asdict(preset(synapse))) == as_json(device):
            values["device"] = None
    return values
