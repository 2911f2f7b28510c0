"""The training loop's fused device step: ``SynapticLayer.apply_step`` fills the layer's weight
buffer in the array's update pass and ``training_weights`` uses it instead of a readout; the
result is bit-identical to the unfused loop (``load_weights`` + ``arr.step`` every step)."""

from __future__ import annotations

import numpy as np
import pytest
from femsyn.nn.kernels import sgd_step
from femsyn.nn.layers import softmax_cross_entropy
from femsyn.nn.nets import build_net
from femsyn.nn.optim import SGD


def _batches(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield rng.standard_normal((16, 784), dtype=np.float32), rng.integers(0, 10, 16)


def _unfused_run(net, steps: int) -> list[np.ndarray]:
    """The loop as it was before the fused step: a readout per layer and step, arr.step(dw)."""
    layers = net.synaptic_layers
    v = [np.zeros((la.rows, la.cols), np.float32) for la in layers]
    dws = [np.empty((la.rows, la.cols), np.float32) for la in layers]
    for x, y in _batches(steps):
        net.load_weights()
        _, grad, _ = softmax_cross_entropy(net.forward(x), y)
        net.backward(grad)
        for la, vw, dw in zip(layers, v, dws):
            sgd_step(vw, la.grad_w, la.w, dw, 0.9, 1e-4, 0.05)
            la.array.step(dw, images=16)
    return [la.array.weights() for la in layers]


def _fused_run(net, steps: int) -> list[np.ndarray]:
    opt = SGD(net.synaptic_layers, momentum=0.9, weight_decay=1e-4)
    for x, y in _batches(steps):
        net.training_weights()
        _, grad, _ = softmax_cross_entropy(net.forward(x), y)
        net.backward(grad)
        opt.step(0.05, 16)
    return [la.array.weights() for la in net.synaptic_layers]


@pytest.mark.parametrize("device", ["float", "ideal-6b", "femfet-6b", "femfet-6b-linear"])
def test_fused_training_is_bit_identical_to_unfused(device):
    # 40 steps of 16 images: LSB pulses and overflow carries (no periodic transfer yet)
    a = _unfused_run(build_net("mlp", device, seed=3, hidden=[32]), 40)
    b = _fused_run(build_net("mlp", device, seed=3, hidden=[32]), 40)
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa.view(np.uint32), wb.view(np.uint32))


def test_training_weights_skip_the_readout_only_while_the_buffer_is_current():
    net = build_net("mlp", "femfet-6b", seed=1, hidden=[32])
    _fused_run(net, 3)
    layer = net.synaptic_layers[0]
    net.training_weights()
    assert layer.w is layer._w_train  # fresh after the fused step: no readout
    np.testing.assert_array_equal(layer.w, layer.array.weights())
    held = net.load_weights()[0]  # handed out: a new array, not the buffer
    assert held is not layer._w_train
    layer.array.advance(0.2)  # the array changed outside apply_step: the buffer is stale
    net.training_weights()
    assert layer.w is not layer._w_train
    np.testing.assert_array_equal(layer.w, layer.array.weights())
    before = held.copy()
    _fused_run(net, 2)
    np.testing.assert_array_equal(held, before)  # later steps never change a handed-out array
