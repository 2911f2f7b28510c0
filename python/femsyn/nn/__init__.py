"""Networks whose weights live in synapse arrays: layers, the built-in nets, the optimizer.

* :mod:`femsyn.nn.layers`: ``Linear``, ``Conv2d`` (im2col + BLAS), pooling, ``ReLU``,
  ``Flatten``, and ``Sequential``, a network as a list of layers;
* :mod:`femsyn.nn.nets`: the registered nets (``lenet``, ``mlp``, ``vgg``) and ``build_net``;
* :mod:`femsyn.nn.optim`: SGD with momentum and weight decay, learning-rate schedules.

Every weighted layer holds a :class:`femsyn.SynapseArray`; what the device does with an update is
the device's business, so any sequential network trains on any synapse design.
"""

from __future__ import annotations

from femsyn.nn.layers import Sequential
from femsyn.nn.nets import build_net, net_names
from femsyn.nn.optim import SGD, lr_at

__all__ = ["SGD", "Sequential", "build_net", "lr_at", "net_names"]
