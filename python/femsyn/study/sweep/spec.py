"""A sweep SPEC: the TOML file (or dict) that holds a sweep's base configuration and its axes.

::

    seeds = 2                       # seeds 0..K-1, or a list: seeds = [0, 3, 7]
    title = "femfet-6b: leak x noise"   # optional: the report's title
    target_acc = 0.98               # optional: the default of --target-acc

    [base]                          # TrainConfig keys shared by every point
    net = "lenet"
    synapse = "femfet-6b"
    epochs = 8

    [device]                        # DeviceParams overrides for every point (on top of `synapse`)
    tau_leak_d2d_rel = 0.3

    [grid]                          # cartesian product of these axes
    "device.tau_leak_s" = [0.1, 1.0, 10.0]
    "device.step_c2c_rel" = [0.0, 0.05]

    [zip]                           # axes varied together (equal lengths)
    lr = [0.01, 0.02]
    batch_size = [32, 64]

    [random]                        # n samples of these axes, drawn from `seed`
    n = 8
    seed = 0
    weight_decay = { low = 1e-5, high = 1e-3, scale = "log" }
    width = { choices = [0.5, 1.0] }

An axis is any TrainConfig key (``synapse`` and ``net`` included) or ``device.FIELD`` for a
DeviceParams field (``device.tau_leak_s = [...]`` in a table works too). The points are the
product of the grid, the zip rows, the random samples and the seeds. :func:`load_spec` checks the
structure; :mod:`~femsyn.study.sweep.points` builds and validates every point.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from femsyn.device import DeviceParams
from femsyn.run import TrainConfig
from femsyn.study.sweep.where import SpecError, Where

__all__ = ["AXIS_GROUPS", "Axis", "SweepSpec", "fmt_value", "load_spec", "parse_spec", "target_fraction"]

AXIS_GROUPS = ("grid", "zip", "random")
_TOP_KEYS = ("seeds", "title", "target_acc", "base", "device", *AXIS_GROUPS)
#: TrainConfig keys a SPEC may not set, and why
SWEEP_OWNED = {
    "out": "the sweep sets it (DIR/runs/<name>)",
    "resume": "the sweep resumes unfinished runs by itself",
    "progress": "the sweep shows one progress bar over its points",
    "stop_after_epochs": "a sweep runs every point to its last epoch",
    "threads": "each point runs on one thread of one Dask worker",
    "seed": "give the seeds as `seeds = K` (or a list) at the top of the SPEC",
    "device": "put DeviceParams overrides in [device] or use device.FIELD axes",
}
#: the most points a SPEC may make (more is almost surely a mistake in the SPEC)
MAX_POINTS = 100_000


@dataclass(frozen=True)
class Axis:
    """One axis of a sweep: its key (``lr``, ``device.tau_leak_s``), group and values."""

    key: str
    group: str
    values: tuple[Any, ...]
    where: str

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)


@dataclass(frozen=True)
class SweepSpec:
    """A checked SPEC: base config, device overrides, axes and seeds, and where each key was."""

    base: dict[str, Any]
    device: dict[str, Any]
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...]
    where: Where
    title: str | None = None
    target_acc: float | None = None
    text: str | None = None  # the TOML, when the SPEC came from a file

    @property
    def source(self) -> str:
        return self.where.path

    def combos(self) -> list[dict[str, Any]]:
        """The axis values of every point but the seed: grid product x zip rows x random rows."""
        combos: list[dict[str, Any]] = [{}]
        for group in AXIS_GROUPS:
            axes = [a for a in self.axes if a.group == group]
            if not axes:
                continue
            if group == "grid":
                for a in axes:
                    combos = [{**c, a.key: v} for c in combos for v in a.values]
            else:  # zip and random: row i takes value i of every axis
                rows = [{a.key: a.values[i] for a in axes} for i in range(len(axes[0].values))]
                combos = [{**c, **r} for c in combos for r in rows]
        return combos


def train_keys() -> list[str]:
    """TrainConfig keys a SPEC may set (in [base] or as axes)."""
    return [k for k in TrainConfig.field_names() if k not in SWEEP_OWNED]


#: a [device] key that is no DeviceParams field: a measured response table's CSV file, read into
#: the lsb_table_* fields (as ``femsyn train --config`` does; relative to the SPEC's folder)
TABLE_FILE_KEY = "lsb_table"


def device_keys() -> list[str]:
    return [f.name for f in dataclasses.fields(DeviceParams)] + [TABLE_FILE_KEY]


def load_spec(spec: str | os.PathLike | Mapping[str, Any]) -> SweepSpec:
    """Read a SPEC from a TOML file or take it as a dict (the same structure); SpecError
    (a ValueError naming the file, line and key) when it is malformed."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, Mapping):
        return parse_spec(dict(spec), Where(None, None))
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SpecError(f"{path}: cannot read the SPEC: {e.strerror or e}") from None
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: invalid TOML: {e}") from None
    return parse_spec(doc, Where(str(path), text), text=text)


def parse_spec(doc: dict[str, Any], where: Where, text: str | None = None) -> SweepSpec:
    """Check a SPEC's structure (tables, keys, value shapes) and draw its random axes."""
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        k = unknown[0]
        where.fail("", k, f"unknown SPEC key {k!r}; allowed at the top: {', '.join(_TOP_KEYS)}")
    base = _table(doc, "base", where)
    device = _table(doc, "device", where)
    _check_base(base, where)
    _check_device_table(device, where)
    axes = _grid_and_zip(doc, where) + _random(doc, where)
    _check_no_overlap(axes, base, device, where)
    spec = SweepSpec(
        base=base,
        device=device,
        axes=tuple(axes),
        seeds=_seeds(doc.get("seeds", 1), where),
        where=where,
        title=_title(doc, where),
        target_acc=_target(doc, where),
        text=text,
    )
    n = len(spec.combos()) * len(spec.seeds)
    if n > MAX_POINTS:
        where.fail("", "seeds", f"the SPEC makes {n:,} points; at most {MAX_POINTS:,} are allowed")
    return spec


def _table(doc: dict[str, Any], name: str, where: Where) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        where.fail("", name, f"[{name}] must be a table, got {value!r}")
    return dict(value)


def _check_base(base: dict[str, Any], where: Where) -> None:
    for k in base:
        if k in SWEEP_OWNED:
            where.fail("base", k, f"{k!r} cannot be set in a SPEC: {SWEEP_OWNED[k]}")
        if k not in TrainConfig.field_names():
            where.fail("base", k, f"unknown TrainConfig key {k!r}; allowed: {', '.join(train_keys())}")


def _check_device_table(device: dict[str, Any], where: Where) -> None:
    for k in device:
        if k not in device_keys():
            where.fail("device", k, f"unknown DeviceParams field {k!r}; allowed: {', '.join(device_keys())}")


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    """``{"device": {"tau_leak_s": [...]}}`` (a dotted TOML key) -> ``{"device.tau_leak_s": [...]}``."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        if k == "device" and isinstance(v, dict):
            out.update({f"device.{f}": x for f, x in v.items()})
        else:
            out[k] = v
    return out


def check_axis_key(key: str, group: str, where: Where) -> None:
    """An axis is a TrainConfig key or ``device.FIELD``; anything else fails naming the allowed keys."""
    if key.startswith("device."):
        field = key.removeprefix("device.")
        if field not in device_keys():
            where.fail(
                group,
                key,
                f"unknown DeviceParams field {field!r}; allowed: device.FIELD for {', '.join(device_keys())}",
            )
        return
    if key in SWEEP_OWNED:
        where.fail(group, key, f"{key!r} cannot be an axis: {SWEEP_OWNED[key]}")
    if key not in TrainConfig.field_names():
        where.fail(
            group, key, f"unknown axis {key!r}; allowed: a TrainConfig key ({', '.join(train_keys())}) or device.FIELD"
        )


def _grid_and_zip(doc: dict[str, Any], where: Where) -> list[Axis]:
    axes: list[Axis] = []
    for group in ("grid", "zip"):
        table = _flatten(_table(doc, group, where))
        for key, values in table.items():
            check_axis_key(key, group, where)
            axes.append(Axis(key, group, _values(values, group, key, where), where.at(group, key)))
        zipped = [a for a in axes if a.group == "zip"]
        if group == "zip" and len({len(a.values) for a in zipped}) > 1:
            lengths = ", ".join(f"{a.key}: {len(a.values)}" for a in zipped)
            bad = next(a for a in zipped if len(a.values) != len(zipped[0].values))
            where.fail("zip", bad.key, f"[zip] axes must have equal lengths ({lengths})")
    return axes


def _values(values: Any, group: str, key: str, where: Where) -> tuple[Any, ...]:
    if not isinstance(values, list):
        where.fail(group, key, f"{values!r} is not a list of values; write [{values!r}] or put it in [base]")
    if not values:
        where.fail(group, key, "the list of values is empty")
    for v in values:
        if not isinstance(v, (str, int, float, bool)):
            where.fail(group, key, f"value {v!r} is not a string, number or boolean")
    if group == "grid":
        dup = [v for i, v in enumerate(values) if any(_same(v, w) for w in values[:i])]
        if dup:
            where.fail(group, key, f"value {dup[0]!r} is listed twice")
    return tuple(values)


def _same(a: Any, b: Any) -> bool:
    """Equal values (1 and 1.0 are the same point; True and 1 are not)."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _random(doc: dict[str, Any], where: Where) -> list[Axis]:
    """The [random] axes, each with its n values drawn in the SPEC's order from ``seed``."""
    table = _flatten(_table(doc, "random", where))
    if not table:
        return []
    n = table.pop("n", None)
    seed = table.pop("seed", 0)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        where.fail("random", "n", f"[random] needs n = the number of samples (an integer >= 1), got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        where.fail("random", "seed", f"seed must be an integer >= 0, got {seed!r}")
    if not table:
        where.fail("random", "n", "[random] has n but no axis to sample")
    rng = np.random.Generator(np.random.PCG64(seed))
    axes = []
    for key, rule in table.items():
        check_axis_key(key, "random", where)
        axes.append(Axis(key, "random", _sample(rule, n, rng, key, where), where.at("random", key)))
    return axes


def _sample(rule: Any, n: int, rng: np.random.Generator, key: str, where: Where) -> tuple[Any, ...]:
    """n draws of one random axis: ``{low, high, scale, integer}`` or ``{choices}``."""
    allowed = {"low", "high", "scale", "integer", "choices"}
    if not isinstance(rule, dict) or not rule or set(rule) - allowed:
        where.fail(
            "random",
            key,
            f'{rule!r} is not a range; write {{ low = A, high = B, scale = "linear" | "log", integer = false }} '
            "or {{ choices = [...] }}",
        )
    if "choices" in rule:
        choices = _values(rule["choices"], "random", key, where)
        return tuple(choices[int(i)] for i in rng.integers(0, len(choices), size=n))
    low, high, scale = rule.get("low"), rule.get("high"), rule.get("scale", "linear")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)):
        where.fail("random", key, f"low and high must be finite numbers, got low={low!r}, high={high!r}")
    if not low < high:
        where.fail("random", key, f"low must be below high, got low={low!r}, high={high!r}")
    if scale not in ("linear", "log"):
        where.fail("random", key, f'scale = {scale!r}; allowed: "linear", "log"')
    if scale == "log" and low <= 0:
        where.fail("random", key, f"a log scale needs low > 0, got low={low!r}")
    if scale == "log":
        draws = np.exp(rng.uniform(math.log(low), math.log(high), size=n))
    else:
        draws = rng.uniform(low, high, size=n)
    if rule.get("integer", False):
        return tuple(int(round(float(x))) for x in draws)
    return tuple(float(f"{float(x):.6g}") for x in draws)  # 6 digits: readable tables, exact hashes


def _check_no_overlap(axes: list[Axis], base: dict[str, Any], device: dict[str, Any], where: Where) -> None:
    seen: dict[str, str] = {}
    for a in axes:
        if a.key in seen:
            where.fail(a.group, a.key, f"{a.key!r} is an axis in both [{seen[a.key]}] and [{a.group}]; keep one")
        seen[a.key] = a.group
        field = a.key.removeprefix("device.")
        if (a.key in base) or (a.key.startswith("device.") and field in device):
            table = "base" if a.key in base else "device"
            where.fail(a.group, a.key, f"{a.key!r} is both an axis and set in [{table}]; keep one")


def _seeds(value: Any, where: Where) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            where.fail("", "seeds", f"seeds = {value!r}; allowed: a count >= 1 or a list of seeds")
        return tuple(range(value))
    if isinstance(value, list) and value:
        for s in value:
            if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < 2**63:
                where.fail("", "seeds", f"seed {s!r} is not an integer in [0, 2**63)")
        if len(set(value)) != len(value):
            where.fail("", "seeds", "a seed is listed twice")
        return tuple(value)
    where.fail("", "seeds", f"seeds = {value!r}; allowed: a count >= 1 or a non-empty list of seeds")
    raise AssertionError  # unreachable: fail raises


def _title(doc: dict[str, Any], where: Where) -> str | None:
    title = doc.get("title")
    if title is not None and not isinstance(title, str):
        where.fail("", "title", f"title must be a string, got {title!r}")
    return title


def _target(doc: dict[str, Any], where: Where) -> float | None:
    if "target_acc" not in doc:
        return None
    try:
        return target_fraction(doc["target_acc"])
    except ValueError as e:
        where.fail("", "target_acc", str(e))
        raise  # unreachable


def fmt_value(v: Any) -> str:
    """An axis value as tables and labels write it (``0.1``, ``1e-05``, ``femfet-6b``)."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def target_fraction(value: Any) -> float:
    """A target accuracy as a fraction: 0.98 stays 0.98, a percentage like 98 becomes 0.98."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 100:
        raise ValueError(
            f"target accuracy {value!r} is invalid; allowed: a fraction in (0, 1] or a percentage in (1, 100]"
        )
    return float(value) / 100.0 if value > 1 else float(value)
