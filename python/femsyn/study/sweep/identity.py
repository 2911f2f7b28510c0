"""What makes two runs the same run: the hashed identity of a resolved configuration, and the run
directory name derived from it.

The identity of a run is its resolved ``TrainConfig`` (defaults filled in) without the fields that
do not change what training computes (:data:`NOT_HASHED`), with

* ``device``: every field of the resolved ``DeviceParams`` (the preset with the [device]
  overrides applied), so a preset whose values change gives new runs;
* ``split``: the names of the training and evaluation splits the data gives (``mnist
  train[0:60000]`` or ``... of the BUNDLED SAMPLE``), so runs on the bundled sample are never
  taken for runs on the full dataset;
* ``format``: :data:`IDENTITY_FORMAT`, bumped if this rule ever changes.

Numbers of float fields are hashed as floats (``lr = 1`` and ``lr = 1.0`` are one run). The
canonical JSON (sorted keys, no spaces) is hashed with SHA-256; the run directory is
``<net>-<synapse>-s<seed>-<first 16 hex digits>``. The femsyn version is not part of the
identity: after an upgrade that changes the physics, sweep into a new DIR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from femsyn.device import DeviceParams
from femsyn.run import CHECKPOINT, TrainConfig
from femsyn.run.checkpoint import load_checkpoint

__all__ = [
    "DEVICE_HASHED_WHEN_SET",
    "IDENTITY_FORMAT",
    "NOT_HASHED",
    "EVAL_ONLY",
    "identity",
    "identity_hash",
    "run_identity",
    "run_name",
]

IDENTITY_FORMAT = "femsyn-run-identity-v1"
#: fields that only change how a finished run is evaluated: re-evaluated, never retrained
EVAL_ONLY = ("retention_s",)
#: TrainConfig fields outside the identity: where files are, how a call shows progress, how many
#: threads it uses (results do not depend on it), the evaluation batch, and the EVAL_ONLY fields
NOT_HASHED = (
    "out",
    "data_dir",
    "progress",
    "resume",
    "stop_after_epochs",
    "threads",
    "eval_batch_size",
    "checkpoint_every",
    *EVAL_ONLY,
)
#: hashed only when set: a field added after runs were named, whose default leaves them unchanged
HASHED_WHEN_SET = ("eval_limit",)
#: DeviceParams fields added after runs were named (the PCM and ferroelectric-domain stores, the
#: MSB write scheme, the retention models v2):
#: hashed only when they differ from their default, which computes what those runs computed, so
#: runs named before the fields existed keep their names and are reused
DEVICE_HASHED_WHEN_SET = (
    "msb_model",
    "msb_write_scheme",
    "msb_pcm_max_pulses",
    "msb_pcm_a_up",
    "msb_pcm_a_down",
    "msb_c2c_rel",
    "msb_verify_tol_rel",
    "msb_verify_max_iterations",
    "fe_domains",
    "fe_thickness_m",
    "fe_voltage_fraction",
    "fe_ea_v_per_m",
    "fe_ea_sigma_ln",
    "fe_tau0_s",
    "fe_alpha",
    "fe_beta",
    "fe_verify_step_v",
    "retention_model",
    "retention_sigma_ln",
    "retention_t0_s",
    "pcm_drift_nu",
)
HASH_DIGITS = 16


def _float_fields(cls: type) -> set[str]:
    """Fields annotated as floats (``float``, ``float | None``), whose numbers hash as floats."""
    out = set()
    for f in dataclasses.fields(cls):
        t = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        if "float" in t and "int" not in t:
            out.add(f.name)
    return out


_TRAIN_FLOATS = _float_fields(TrainConfig)
_DEVICE_FLOATS = _float_fields(DeviceParams)
_DEVICE_DEFAULTS = DeviceParams.field_defaults()


def _canonical(d: Mapping[str, Any], floats: set[str]) -> dict[str, Any]:
    return {k: float(v) if k in floats and isinstance(v, int) and not isinstance(v, bool) else v for k, v in d.items()}


def identity(config: Mapping[str, Any], split: Mapping[str, str]) -> dict[str, Any]:
    """The hashed identity of a run from its config dict (``TrainConfig.to_dict()`` with the
    resolved device, as a run's ``config.json`` holds it) and its data split names."""
    device = config.get("device")
    if not isinstance(device, Mapping):
        raise ValueError("identity() needs the resolved device (a dict of DeviceParams fields)")
    kept = {
        k: v
        for k, v in config.items()
        if k not in NOT_HASHED and k != "device" and not (k in HASHED_WHEN_SET and v is None)
    }
    ident = _canonical(kept, _TRAIN_FLOATS)
    set_fields = {k: v for k, v in device.items() if not (k in DEVICE_HASHED_WHEN_SET and v == _DEVICE_DEFAULTS.get(k))}
    ident["device"] = _canonical(set_fields, _DEVICE_FLOATS)
    ident["split"] = {"train": split["train"], "eval": split["eval"]}
    ident["format"] = IDENTITY_FORMAT
    return ident


def config_dict(config: TrainConfig) -> dict[str, Any]:
    """A TrainConfig as its run's config.json holds it: every field, the device resolved."""
    return {**config.to_dict(), "device": dataclasses.asdict(config.resolved_device())}


def identity_hash(ident: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an identity."""
    text = json.dumps(ident, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_name(ident: Mapping[str, Any], digest: str | None = None) -> str:
    """``lenet-femfet-6b-s0-1a2b3c4d5e6f7a8b``: readable fields, then the hash (the part that counts)."""
    digest = digest or identity_hash(ident)
    label = str(ident["device"].get("name") or ident.get("synapse"))
    readable = f"{ident.get('net')}-{label}-s{ident.get('seed')}"
    return re.sub(r"[^A-Za-z0-9._+-]", "_", readable) + "-" + digest[:HASH_DIGITS]


def run_identity(run_dir: str | Path) -> dict[str, Any] | None:
    """The identity of the run in ``run_dir`` from its config.json and the split in its
    summary.json or checkpoint (None without them: such a run has nothing to reuse)."""
    p = Path(run_dir)
    try:
        config = json.loads((p / "config.json").read_text())
    except (OSError, ValueError):
        return None
    split = None
    try:
        split = json.loads((p / "summary.json").read_text())["split"]
    except (OSError, ValueError, KeyError, TypeError):
        if (p / CHECKPOINT).is_file():
            try:
                split = load_checkpoint(p / CHECKPOINT).get("split")
            except (OSError, ValueError):
                split = None
    if not isinstance(split, dict) or not isinstance(config, dict):
        return None
    try:
        return identity(config, split)
    except (ValueError, KeyError):
        return None
