"""femsyn: training and inference of neural networks on hybrid FeMFET-CMOS analog synapses.

Each weight lives in a synapse with volatile LSBs (charge on a node, 250 ps pulses, leaking in
physical time, used only in training) and non-volatile MSBs (FeMFET polarization levels, used in
training and inference). The performance-critical array kernels are in Rust (``femsyn._core``);
the training loop, data, cost model and reports are in Python.

>>> import femsyn
>>> dev = femsyn.preset("femfet-6b")
>>> arr = femsyn.SynapseArray(4, 3, dev, seed=0, w_max=0.5)

Training and comparisons live in their modules (``femsyn.train.train``,
``femsyn.compare.compare``), whose names the package keeps for the modules themselves.
"""

from __future__ import annotations

from . import _moved
from ._core import SynapseArray, get_num_threads, set_num_threads
from ._version import __version__
from .data import load_dataset
from .device import DeviceParams, preset, presets
from .nn.nets import build_net
from .run import TrainConfig, evaluate_checkpoint, train

_moved.install()  # the old module paths (femsyn.train, femsyn.devices, ...) still import, with a warning

__all__ = [
    "DeviceParams",
    "SynapseArray",
    "TrainConfig",
    "__version__",
    "build_net",
    "evaluate_checkpoint",
    "get_num_threads",
    "load_dataset",
    "preset",
    "presets",
    "set_num_threads",
    "train",
]
