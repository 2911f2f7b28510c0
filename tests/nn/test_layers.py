"""Layers: gradients against finite differences (float64), shapes, naming, net registry."""

from __future__ import annotations

import numpy as np
import pytest
from femsyn.nn.layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    softmax_cross_entropy,
    to_internal,
)
from femsyn.nn.nets import build_net, net_names


def _fill(net: Sequential, rng: np.random.Generator) -> None:
    for layer in net.synaptic_layers:
        layer.w = rng.standard_normal((layer.rows, layer.cols)) * 0.4
        layer.b = rng.standard_normal(layer.rows) * 0.1


def _loss(net: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    return softmax_cross_entropy(net.forward(x, train=True), y)[0]


def _check_grads(net: Sequential, x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n: int = 12) -> None:
    """Analytic dL/dW, dL/db (and dL/dx when the first layer is not weighted) vs central differences."""
    loss, g, _ = softmax_cross_entropy(net.forward(x, train=True), y)
    # input gradient: run backward through all layers by hand
    grad = g
    for layer in reversed(net.layers):
        grad = layer.backward(grad, need_input_grad=True)
    eps = 1e-6
    params = []
    for layer in net.synaptic_layers:
        params += [
            (layer.name + ".w", layer.w, layer.grad_w.copy()),
            (layer.name + ".b", layer.b, layer.grad_b.copy()),
        ]
    params.append(("x", x, grad))
    for name, p, gp in params:
        assert gp.shape == p.shape, name
        for _ in range(n):
            i = tuple(int(rng.integers(0, s)) for s in p.shape)
            old = p[i]
            p[i] = old + eps
            lp = _loss(net, x, y)
            p[i] = old - eps
            lm = _loss(net, x, y)
            p[i] = old
            num = (lp - lm) / (2 * eps)
            assert abs(num - gp[i]) <= 1e-7 + 1e-5 * abs(num), (name, i, num, gp[i])


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1), (1, 2)])
def test_conv_pool_net_gradients(stride: int, padding: int) -> None:
    rng = np.random.default_rng(stride * 10 + padding)
    net = Sequential([Conv2d(2, 3, 3, stride=stride, padding=padding), ReLU(), MaxPool2d(), Flatten()], (2, 9, 9))
    n_flat = net.output_shape[0]
    net = Sequential(
        [
            Conv2d(2, 3, 3, stride=stride, padding=padding),
            ReLU(),
            MaxPool2d(),
            Flatten(),
            Linear(n_flat, 4),
        ],
        (2, 9, 9),
    )
    _fill(net, rng)
    x = rng.standard_normal((3, 9, 9, 2))  # (N, H, W, C)
    y = rng.integers(0, 4, 3)
    _check_grads(net, x, y, rng)


def test_avgpool_two_convs_gradients() -> None:
    rng = np.random.default_rng(7)
    net = Sequential(
        [
            Conv2d(1, 4, 5, padding=2),
            ReLU(),
            AvgPool2d(),
            Conv2d(4, 3, 3),
            ReLU(),
            MaxPool2d(),
            Flatten(),
            Linear(3, 5),
            ReLU(),
            Linear(5, 3),
        ],
        (1, 11, 11),
    )
    _fill(net, rng)
    x = rng.standard_normal((4, 11, 11, 1))
    y = rng.integers(0, 3, 4)
    _check_grads(net, x, y, rng)


def test_mlp_gradients() -> None:
    rng = np.random.default_rng(3)
    net = Sequential([Flatten(), Linear(12, 7), ReLU(), Linear(7, 3)], (12,))
    _fill(net, rng)
    x = rng.standard_normal((5, 12))
    y = rng.integers(0, 3, 5)
    _check_grads(net, x, y, rng)


def test_softmax_cross_entropy_values() -> None:
    logits = np.array([[0.0, 0.0], [10.0, -10.0]], dtype=np.float32)
    loss, g, correct = softmax_cross_entropy(logits, np.array([0, 1]))
    assert loss == pytest.approx((np.log(2) + 20.0) / 2, rel=1e-5)
    assert correct == 0 or correct == 1
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.sum(axis=1), 0, atol=1e-6)


def test_float32_stays_float32() -> None:
    rng = np.random.default_rng(0)
    net = build_net("lenet")
    for layer in net.synaptic_layers:
        layer.w = rng.standard_normal((layer.rows, layer.cols)).astype(np.float32) * 0.1
    x = to_internal(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    out = net.forward(x)
    assert out.dtype == np.float32 and out.shape == (4, 10)
    _, g, _ = softmax_cross_entropy(out, np.zeros(4, dtype=np.int64))
    net.backward(g)
    for layer in net.synaptic_layers:
        assert layer.grad_w.dtype == np.float32 and layer.grad_w.shape == (layer.rows, layer.cols)


def test_pool_odd_sizes_drop_last_row() -> None:
    x = np.arange(2 * 1 * 5 * 5, dtype=np.float64).reshape(1, 5, 5, 2)
    y = MaxPool2d().forward(x)
    assert y.shape == (1, 2, 2, 2)
    assert y[0, 0, 0, 1] == x[0, 1, 1, 1]


def test_nets_shapes_and_names() -> None:
    lenet = build_net("lenet")
    assert [(layer.name, layer.rows, layer.cols) for layer in lenet.synaptic_layers] == [
        ("conv1", 6, 25),
        ("conv2", 16, 150),
        ("fc1", 120, 400),
        ("fc2", 84, 120),
        ("fc3", 10, 84),
    ]
    names = [layer.name for layer in lenet]
    assert len(names) == len(set(names))
    mlp = build_net("mlp")
    assert [(layer.rows, layer.cols) for layer in mlp.synaptic_layers] == [
        (256, 784),
        (128, 256),
        (10, 128),
    ]
    vgg = build_net("vgg", input_shape=(3, 32, 32), width=0.125)
    shapes = [(layer.rows, layer.cols) for layer in vgg.synaptic_layers]
    assert shapes[0] == (16, 27) and shapes[-2] == (128, 64 * 16) and shapes[-1] == (10, 128)
    full = build_net("vgg", input_shape=(3, 32, 32))
    assert [layer.rows for layer in full.synaptic_layers] == [
        128,
        128,
        256,
        256,
        512,
        512,
        1024,
        10,
    ]


def test_build_net_unknown_name_lists_valid() -> None:
    with pytest.raises(ValueError) as e:
        build_net("resnet")
    for name in net_names():
        assert name in str(e.value)


def test_sequential_shape_mismatch_is_reported() -> None:
    with pytest.raises(ValueError, match="fc1"):
        Sequential([Flatten(), Linear(10, 3)], (1, 4, 4))
    with pytest.raises(ValueError, match="in_channels"):
        Sequential([Conv2d(3, 4, 3)], (1, 8, 8))


def test_bias_free_layers_gradients_and_no_bias_added() -> None:
    rng = np.random.default_rng(11)
    net = Sequential(
        [Conv2d(1, 3, 3, padding=1, bias=False), ReLU(), MaxPool2d(), Flatten(), Linear(3 * 4 * 4, 4, bias=False)],
        (1, 8, 8),
    )
    _fill(net, rng)
    for layer in net.synaptic_layers:
        layer.b[:] = 5.0  # ignored by bias-free layers
    x = rng.standard_normal((3, 8, 8, 1))
    y = rng.integers(0, 4, 3)
    out = net.forward(x)
    for layer in net.synaptic_layers:
        layer.b[:] = 0.0
    np.testing.assert_array_equal(out, net.forward(x))
    params = [(layer.w, layer.grad_w) for layer in net.synaptic_layers]
    _, g, _ = softmax_cross_entropy(net.forward(x), y)
    net.backward(g)
    eps = 1e-6
    for layer in net.synaptic_layers:
        i = (0, 1)
        old = layer.w[i]
        layer.w[i] = old + eps
        lp = _loss(net, x, y)
        layer.w[i] = old - eps
        lm = _loss(net, x, y)
        layer.w[i] = old
        assert abs((lp - lm) / (2 * eps) - layer.grad_w[i]) < 1e-6
        assert layer.grad_b is None  # no bias, no bias gradient (and no wasted sum per step)
    assert "bias=False" in repr(net.synaptic_layers[0]) and params


def test_mlp_hidden_sizes_and_errors() -> None:
    from femsyn.nn.nets import build_net

    net = build_net("mlp", hidden=[100])
    assert [(layer.rows, layer.cols) for layer in net.synaptic_layers] == [(100, 784), (10, 100)]
    assert [(layer.rows, layer.cols) for layer in build_net("mlp").synaptic_layers] == [
        (256, 784),
        (128, 256),
        (10, 128),
    ]
    with pytest.raises(ValueError, match="hidden"):
        build_net("mlp", hidden=[0])
    with pytest.raises(ValueError, match="only for the mlp"):
        build_net("lenet", hidden=[100])
