"""femsyn: training and inference of neural networks on hybrid FeMFET-CMOS analog synapses.

Each weight lives in a synapse with volatile LSBs (charge on a node, 250 ps pulses, leaking in
physical time, used only in training) and non-volatile MSBs (FeMFET polarization levels, used in
training and inference). The performance-critical array kernels are in Rust (``femsyn._core``);
the training loop, data, cost model and reports are in Python.

>>> import femsyn
>>> dev = femsyn.preset("femfet-6b")
>>> arr = femsyn.SynapseArray(4, 3, dev, seed=0, w_max=0.5)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._core import SynapseArray, set_num_threads
from .devices import DeviceParams, preset, presets

try:
    __version__ = version("femsyn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "DeviceParams",
    "SynapseArray",
    "__version__",
    "preset",
    "presets",
    "set_num_threads",
]
