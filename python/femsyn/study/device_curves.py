"""The pictures a device researcher checks first, from the simulator's own physics: the FE
layer's switched fraction against pulse width at several amplitudes, the MSB level distributions
after programming (and after retention), the retention of each level, and the LSB response.

``device_curves(synapse, out)`` (CLI: ``femsyn device-curves``) writes ``switching.png`` (stores
with ``msb_model="domains"`` only), ``levels.png``, ``retention.png``, ``lsb_response.png`` and
``curves.json`` with every number plotted. Everything comes from the Rust core: the switching
curve from ``femsyn._core.fe_switched_fraction`` (the writes' NLS law on sampled devices, and its
expectation), the rest from a :class:`~femsyn.SynapseArray` of the device programmed, read and
pulsed as in training.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from femsyn import _core
from femsyn.device.params import DeviceParams
from femsyn.device.presets import preset
from femsyn.run.evaluation import RETENTION_CURVE_S

__all__ = ["PULSE_WIDTHS_S", "device_curves"]

#: pulse widths of the switching curve (s): 1 ns to 10 us, log-spaced
PULSE_WIDTHS_S = tuple(float(x) for x in np.logspace(-9, -5, 25))
#: amplitudes of the switching curve, as fractions of the device's write voltage
AMPLITUDE_FRACTIONS = (0.5, 0.55, 0.6, 0.7, 0.8, 1.0)
_SHAPE = (100, 100)  # cells of the programmed array (levels, retention)


def device_curves(
    synapse: str | DeviceParams, out: str | os.PathLike, *, seed: int = 0, cells: int = 256
) -> dict[str, Any]:
    """Write the device pictures of ``synapse`` (a preset name or a DeviceParams) into ``out``;
    return what ``curves.json`` holds (the numbers and the files written)."""
    dev = preset(synapse) if isinstance(synapse, str) else synapse
    if dev.kind != "hybrid":
        raise ValueError(f"synapse {dev.name!r} is kind {dev.kind!r}; device curves need a hybrid cell")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"synapse": dev.name, "seed": seed, "files": []}
    if dev.msb_model == "domains":
        data["switching"] = _switching(dev, cells, seed)
        _plot_switching(data["switching"], dev, out / "switching.png")
        data["files"].append("switching.png")
    data["levels"] = _levels(dev, seed)
    _plot_levels(data["levels"], dev, out / "levels.png")
    _plot_retention(data["levels"], dev, out / "retention.png")
    data["lsb_response"] = _lsb_response(dev, seed)
    _plot_lsb(data["lsb_response"], dev, out / "lsb_response.png")
    data["files"] += ["levels.png", "retention.png", "lsb_response.png", "curves.json"]
    (out / "curves.json").write_text(json.dumps(data, indent=1) + "\n")
    return data


def _switching(dev: DeviceParams, cells: int, seed: int) -> dict[str, Any]:
    volts = [round(f * dev.msb_write_voltage_v, 4) for f in AMPLITUDE_FRACTIONS]
    sampled, nominal = _core.fe_switched_fraction(dev, volts, PULSE_WIDTHS_S, cells=cells, seed=seed)
    return {
        "voltages_v": volts,
        "widths_s": list(PULSE_WIDTHS_S),
        "sampled": sampled.tolist(),
        "nominal": nominal.tolist(),
        "cells": cells,
    }


def _levels(dev: DeviceParams, seed: int) -> dict[str, Any]:
    """Program every level on its share of an array; MSB-only weights per level and time."""
    arr = _core.SynapseArray(*_SHAPE, dev, seed=seed, w_max=1.0)
    levels = np.asarray(arr.levels)
    index = np.resize(np.arange(len(levels)), _SHAPE[0] * _SHAPE[1]).reshape(_SHAPE)
    arr.program(levels.astype(np.float32)[index])
    per_time = []
    for t in RETENTION_CURVE_S:
        w = arr.weights(inference=True, retention_s=t)
        per_time.append({"t_s": t, "weights": [w[index == i].tolist() for i in range(len(levels))]})
    return {"levels": levels.tolist(), "w_max": 1.0, "per_time": per_time}


def _lsb_response(dev: DeviceParams, seed: int, cells: int = 8) -> dict[str, Any]:
    """LSB state of a few cells under single pulses: down to the rail, then up and down across
    it (no leak, no transfer: the response alone)."""
    quiet = dataclasses.replace(dev, transfer_protocol="none", tau_leak_s=math.inf)
    arr = _core.SynapseArray(1, cells, quiet, seed=seed, w_max=1.0)
    one = np.full((1, cells), arr.lsb_step, dtype=np.float32)
    span = int(math.ceil(2 * dev.lsb_headroom_msb_steps * dev.n_lsb_steps)) + 8
    for _ in range(span):
        arr.update(-one)
    trace = []
    for sign in (1.0, -1.0):
        for _ in range(span):
            arr.update(sign * one)
            trace.append(arr.lsb()[0].tolist())
    return {"pulses_per_branch": span, "lsb": trace, "cells": cells}


def _plot_switching(s: dict[str, Any], dev: DeviceParams, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    widths = np.asarray(s["widths_s"])
    for v, samp, nom in zip(s["voltages_v"], s["sampled"], s["nominal"]):
        (line,) = ax.semilogx(widths, nom, label=f"{v:g} V")
        ax.semilogx(widths, samp, "o", ms=3, color=line.get_color())
    ax.axvline(dev.msb_write_time_s, color="0.6", ls=":", lw=1)
    ax.set_xlabel("pulse width (s)")
    ax.set_ylabel("switched fraction of the domains")
    ax.set_title(f"{dev.name}: NLS switching from the erased state\n(lines: expectation, dots: {s['cells']} devices)")
    ax.legend(fontsize=8, title="amplitude")
    _save(fig, path)


def _plot_levels(lv: dict[str, Any], dev: DeviceParams, path: Path) -> None:
    plt = _pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(6.4, 5.2), sharex=True)
    shown = {0.0: axes[0], 1e4: axes[1]}
    for entry in lv["per_time"]:
        ax = shown.get(entry["t_s"])
        if ax is None:
            continue
        for level, w in zip(lv["levels"], entry["weights"]):
            ax.hist(w, bins=60, range=(-1.0, 1.0), alpha=0.7, label=f"level {level:+.3f}")
        ax.set_ylabel("cells")
        ax.set_title(f"MSB-only weight after programming, {entry['t_s']:g} s later", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("weight (units of w_max)")
    fig.suptitle(f"{dev.name}: level distributions ({dev.msb_model}, {dev.msb_write_scheme})", fontsize=10)
    _save(fig, path)


def _plot_retention(lv: dict[str, Any], dev: DeviceParams, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    times = [e["t_s"] for e in lv["per_time"]]
    x = [max(t, 0.1) for t in times]  # t = 0 drawn at 0.1 s on the log axis
    for i, level in enumerate(lv["levels"]):
        mean = [float(np.mean(e["weights"][i])) for e in lv["per_time"]]
        ax.semilogx(x, mean, "o-", ms=3, label=f"level {level:+.3f}")
    ax.set_xlabel("retention time (s; 0 drawn at 0.1 s)")
    ax.set_ylabel("mean MSB-only weight (w_max)")
    ax.set_title(f"{dev.name}: retention per level (retention_model '{dev.retention_model}')", fontsize=10)
    ax.legend(fontsize=7)
    _save(fig, path)


def _plot_lsb(r: dict[str, Any], dev: DeviceParams, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    trace = np.asarray(r["lsb"])
    ax.plot(np.arange(1, len(trace) + 1), trace, lw=0.8)
    ax.axvline(r["pulses_per_branch"] + 0.5, color="0.6", ls=":", lw=1)
    ax.set_xlabel("pulse (potentiation, then depression)")
    ax.set_ylabel("LSB state (pulse units)")
    ax.set_title(f"{dev.name}: LSB response '{dev.lsb_response}', {r['cells']} cells", fontsize=10)
    _save(fig, path)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
