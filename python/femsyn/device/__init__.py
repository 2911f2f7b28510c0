"""The synapse device: its parameters, the named designs, and what a cell costs.

* :mod:`femsyn.device.params`: :class:`DeviceParams`, one synapse design (SI units in the field
  names, validated by the Rust core when created);
* :mod:`femsyn.device.presets`: the designs of the paper's comparison, with their sources;
* :mod:`femsyn.device.nonlinearity`: NeuroSim's nonlinearity labels -> the ``exp`` model's ``a``;
* :mod:`femsyn.device.table_file`: measured response tables (CSV ``pulse,g_ltp,g_ltd``);
* :mod:`femsyn.device.costs`: the cell cost model (area, leakage, energy, latency, endurance).

This is the only package that knows what a cell is; everything above it sees a ``DeviceParams``.
"""

from __future__ import annotations

from femsyn.device.nonlinearity import neurosim_a
from femsyn.device.params import DeviceParams
from femsyn.device.presets import preset, presets
from femsyn.device.table_file import load_lsb_table

__all__ = ["DeviceParams", "load_lsb_table", "neurosim_a", "preset", "presets"]
