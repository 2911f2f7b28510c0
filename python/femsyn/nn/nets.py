"""Network definitions: a network is a ``Sequential`` list of layers.

Built-in nets (``build_net`` registry): ``lenet``, ``mlp``, ``vgg``. Users can build their own
``Sequential`` from ``femsyn.nn.layers`` and train it the same way::

    from femsyn import TrainConfig, train
    from femsyn.nn.layers import Flatten, Linear, ReLU, Sequential

    net = Sequential([Flatten(), Linear(784, 100), ReLU(), Linear(100, 10)], input_shape=(1, 28, 28), name="mlp100")
    summary = train(TrainConfig(synapse="femfet-6b", epochs=3), net=net)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from femsyn.nn.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential

__all__ = ["lenet", "mlp", "vgg", "MLP_HIDDEN", "NETS", "net_names", "build_net", "check_hidden"]


def lenet(
    input_shape: Sequence[int] = (1, 28, 28), num_classes: int = 10, width: float = 1.0, bias: bool = False
) -> Sequential:
    """LeNet-5 variant: conv5x5x6 (pad 2) - relu - maxpool - conv5x5x16 - relu - maxpool -
    fc120 - relu - fc84 - relu - fc(num_classes). ``width`` scales all hidden sizes; ``bias=True``
    adds float biases in the digital periphery."""
    h, w, c = _hwc(input_shape, "lenet")
    c1, c2, f1, f2 = (_scale(v, width) for v in (6, 16, 120, 84))
    feats = [
        Conv2d(c, c1, 5, padding=2, bias=bias),
        ReLU(),
        MaxPool2d(),
        Conv2d(c1, c2, 5, bias=bias),
        ReLU(),
        MaxPool2d(),
        Flatten(),
    ]
    n_flat = Sequential(feats, (c, h, w)).output_shape[0]
    return Sequential(
        feats
        + [
            Linear(n_flat, f1, bias=bias),
            ReLU(),
            Linear(f1, f2, bias=bias),
            ReLU(),
            Linear(f2, num_classes, bias=bias),
        ],
        (c, h, w),
        name="lenet",
    )


#: hidden layer sizes of ``mlp`` when none are given (784-256-128-10)
MLP_HIDDEN = (256, 128)


def mlp(
    input_shape: Sequence[int] = (1, 28, 28),
    num_classes: int = 10,
    width: float = 1.0,
    bias: bool = False,
    hidden: Sequence[int] | None = None,
) -> Sequential:
    """Multilayer perceptron: flatten, then one ReLU-activated fully connected layer per entry of
    ``hidden`` (default 256, 128: 784-256-128-10), then fc(num_classes). ``hidden=(100,)`` is
    MLP+NeuroSim's one-hidden-layer network (784-100-10 on full-size MNIST). ``width`` scales
    every hidden size."""
    n_in = 1
    for v in input_shape:
        n_in *= int(v)
    sizes = check_hidden(MLP_HIDDEN if hidden is None else hidden)
    layers: list = [Flatten()]
    prev = n_in
    for h in (_scale(v, width) for v in sizes):
        layers += [Linear(prev, h, bias=bias), ReLU()]
        prev = h
    layers.append(Linear(prev, num_classes, bias=bias))
    return Sequential(layers, tuple(input_shape), name="mlp")


def check_hidden(hidden: Any) -> tuple[int, ...]:
    """``hidden`` as a tuple of layer sizes, or ValueError naming it (a list of integers >= 1;
    an empty list gives a single-layer perceptron)."""
    ok = isinstance(hidden, (list, tuple)) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in hidden
    )
    if not ok:
        raise ValueError(f"hidden = {hidden!r} is invalid; allowed: a list of integers >= 1, e.g. [100] or [256, 128]")
    return tuple(int(v) for v in hidden)


def vgg(
    input_shape: Sequence[int] = (3, 32, 32), num_classes: int = 10, width: float = 1.0, bias: bool = False
) -> Sequential:
    """VGG-8-like net for CIFAR-10 (the NeuroSim-style "VGG-like" of the paper):
    conv128-conv128-pool-conv256-conv256-pool-conv512-conv512-pool-fc1024-fc(num_classes),
    3x3 convolutions with padding 1 and ReLU. ``width`` scales every channel count and fc1024."""
    h, w, c = _hwc(input_shape, "vgg")
    layers: list = []
    prev = c
    for block in (128, 256, 512):
        ch = _scale(block, width)
        layers += [
            Conv2d(prev, ch, 3, padding=1, bias=bias),
            ReLU(),
            Conv2d(ch, ch, 3, padding=1, bias=bias),
            ReLU(),
            MaxPool2d(),
        ]
        prev = ch
    layers.append(Flatten())
    n_flat = Sequential(layers, (c, h, w)).output_shape[0]
    fc = _scale(1024, width)
    layers += [Linear(n_flat, fc, bias=bias), ReLU(), Linear(fc, num_classes, bias=bias)]
    return Sequential(layers, (c, h, w), name="vgg")


NETS: dict[str, Callable[..., Sequential]] = {"lenet": lenet, "mlp": mlp, "vgg": vgg}


def net_names() -> list[str]:
    return sorted(NETS)


def build_net(
    name: str,
    device: Any = None,
    seed: int = 0,
    width: float = 1.0,
    *,
    weight_range: float = 1.0,
    input_shape: Sequence[int] = (1, 28, 28),
    num_classes: int = 10,
    bias: bool = False,
    hidden: Sequence[int] | None = None,
) -> Sequential:
    """Build a registered net; with ``device`` (DeviceParams or preset name) also create its arrays.

    ``input_shape`` is per-sample (C, H, W). Layers are bias-free by default, as in DNN+NeuroSim's
    on-chip-training networks: every parameter then lives in a synapse array, and a uniform MSB
    retention decay only rescales a ReLU net's logits. ``bias=True`` adds float biases in the
    digital periphery (they do not decay, so MSB-only accuracy after retention collapses).
    ``hidden``: the hidden layer sizes of ``mlp`` (None: its default); other nets take none.
    Unknown names raise ValueError listing valid names.
    """
    if name not in NETS:
        raise ValueError(f"unknown net {name!r}; valid nets: {', '.join(net_names())}")
    if not (width > 0):
        raise ValueError(f"width must be > 0, got {width!r}")
    kwargs: dict[str, Any] = {}
    if hidden is not None:
        if name != "mlp":
            raise ValueError(f"hidden = {list(hidden)!r} is only for the mlp net, not {name!r}")
        kwargs["hidden"] = hidden
    net = NETS[name](input_shape=tuple(input_shape), num_classes=num_classes, width=width, bias=bias, **kwargs)
    if device is not None:
        if isinstance(device, str):
            from femsyn.device import preset

            device = preset(device)
        net.build(device, seed=seed, weight_range=weight_range)
    return net


def _scale(n: int, width: float) -> int:
    return max(1, int(round(n * width)))


def _hwc(input_shape: Sequence[int], name: str) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise ValueError(f"{name} needs a per-sample input shape (C, H, W), got {tuple(input_shape)}")
    c, h, w = (int(v) for v in input_shape)
    return h, w, c
