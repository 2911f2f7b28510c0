"""femsyn: training and inference of neural networks on hybrid FeMFET-CMOS analog synapses.

Each weight lives in a synapse with volatile LSBs (charge on a node, 250 ps pulses, leaking in
physical time, used only in training) and non-volatile MSBs (FeMFET polarization levels, used in
training and inference). The performance-critical array kernels are in Rust (``femsyn._core``);
the training loop, data, cost model and reports are in Python.

>>> import femsyn
>>> dev = femsyn.preset("femfet-6b")
>>> arr = femsyn.SynapseArray(4, 3, dev, seed=0, w_max=0.5)
>>> summary = femsyn.train(femsyn.TrainConfig(net="lenet", epochs=2, out="runs/x"))  # doctest: +SKIP

The package, one concept per subpackage:

* ``femsyn.device``: device parameters, presets, the cell cost model (the only place that knows
  what a cell is);
* ``femsyn.nn``: layers, networks, optimizer;
* ``femsyn.data``: dataset readers, cache and checksums, locating and downloading, the bundled
  sample;
* ``femsyn.run``: training configuration, the training loop, checkpoints, diagnostics,
  evaluation;
* ``femsyn.study``: design comparisons (``femsyn.study.compare``), reports and plots;
* ``femsyn.bench``: machine limits, kernel and training benchmarks;
* ``femsyn.cli``: the ``femsyn`` command, thin click commands over the library.

Imports point down this order only (checked by tests/test_house.py, with no import cycles):
``_core``/``_version`` <- device <- nn <- data <- run <- study <- bench <- cli <- this
``__init__``. ``femsyn.data`` needs none of device and nn; it sits below run, its first user.
The flat module paths of femsyn 0.1 (``femsyn.train``, ``femsyn.devices``, ``femsyn.compare``,
...) still import, with a DeprecationWarning naming the new path (``femsyn._moved``).
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
