"""Layers of a femsyn network: the weights of every weighted layer live in a SynapseArray.

Image activations inside a network are channels-last (N, H, W, C). A convolution is one call
of a Rust kernel (:mod:`femsyn.nn.kernels`): patch rows gathered per output pixel (runs of
``k * C`` contiguous values), a GEMM whose long dimension is the pixel count and whose result is
already the (N, Ho, Wo, O) output, bias and ReLU applied while the block is in cache; backward
recomputes the patches instead of keeping them. There are no Python loops over images or
pixels and no transposes between layers (``Flatten`` reorders features once, to PyTorch's
(C, H, W) order). A ``ReLU`` right after a ``Conv2d``/``Linear`` is fused into it by
``Sequential``. ``Sequential.predict``/``accuracy`` take the usual (N, C, H, W).

Weights and the device:

* ``Linear(in, out)`` stores ``W[out, in]`` in a ``SynapseArray(out, in)``.
* ``Conv2d(in, out, k)`` stores its kernel flattened as ``W[out, in * kh * kw]`` (ordering
  ``(out, in, kh, kw)`` as in PyTorch) in a ``SynapseArray(out, in*k*k)``.
* Biases stay float32 in the digital periphery (they are not synapses): they are updated
  exactly by the optimizer and never quantized.

Per training step the network takes each layer's training weights (``training_weights``),
keeps them for the forward and backward pass, computes the gradients in float32 (float64
inputs and weights run in float64, for gradient checks), and the optimizer sends one
``arr.step(dw, images=batch, out=buffer)`` per layer (``SynapticLayer.apply_step``): the array
writes the weights after the update into the layer's private buffer in the update's own pass,
so no separate readout pass runs per step (``arr.weights()`` only when the buffer is stale:
first step, a new or touched array). Every result is bit-identical for any thread count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from femsyn.nn import kernels as K

__all__ = [
    "Layer",
    "SynapticLayer",
    "Linear",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "Flatten",
    "Sequential",
    "softmax_cross_entropy",
    "to_internal",
]


class Layer:
    """Base class: ``forward(x, train)`` and ``backward(grad, need_input_grad)``."""

    name: str = ""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        raise NotImplementedError

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Per-sample output shape for a per-sample input shape ((C, H, W) or (features,))."""
        raise NotImplementedError

    def clear_cache(self) -> None:
        """Drop the activations kept for backward (frees memory after a step)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SynapticLayer(Layer):
    """A layer whose weight matrix ``W[rows, cols]`` is stored in a SynapseArray.

    ``rows`` = output features, ``cols`` = fan-in. The array is created by ``build``;
    ``w`` holds the weights read for the current step (float32), ``b`` the float bias.
    """

    rows: int
    cols: int

    def __init__(self, bias: bool = True) -> None:
        # The bias lives in the digital periphery (float32, exact updates, no retention loss);
        # bias=False gives a bias-free layer (then a uniform MSB retention decay of all weights
        # only rescales a ReLU network's logits and leaves its predictions unchanged).
        self.use_bias = bool(bias)
        self.array: Any = None
        self.w: np.ndarray | None = None
        self.b = np.zeros(self.rows, dtype=np.float32)
        self.grad_w: np.ndarray | None = None
        self.grad_b: np.ndarray | None = None  # None for a bias-free layer: it has no bias
        self.relu = False  # a following ReLU fused into this layer (set by Sequential)
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None  # output, kept for the fused ReLU's mask
        # the fused step's output buffer (private: an array handed out by load_weights must not
        # change under its holder) and what it is valid for: (array, its counters after the step)
        self._w_train: np.ndarray | None = None
        self._w_train_of: tuple[Any, dict[str, Any]] | None = None

    def _bias_for(self, x: np.ndarray) -> np.ndarray | None:
        return self.b.astype(x.dtype, copy=False) if self.use_bias else None

    def _keep(self, train: bool, x: np.ndarray, y: np.ndarray) -> None:
        if train:
            self._x, self._y = x, (y if self.relu else None)

    def clear_cache(self) -> None:
        self._x = self._y = None

    @property
    def fan_in(self) -> int:
        return self.cols

    @property
    def init_limit(self) -> float:
        """He-uniform limit sqrt(6 / fan_in); weights start in U(-limit, limit)."""
        return math.sqrt(6.0 / self.fan_in)

    def build(self, device: Any, *, seed: int, weight_range: float, rng: np.random.Generator) -> None:
        """Create the SynapseArray (w_max = weight_range * init_limit) and program W0."""
        from femsyn._core import SynapseArray

        if not (weight_range > 0 and math.isfinite(weight_range)):
            raise ValueError(f"weight_range must be a positive finite number, got {weight_range!r}")
        limit = self.init_limit
        self.array = SynapseArray(self.rows, self.cols, device, seed=int(seed), w_max=float(weight_range * limit))
        w0 = rng.uniform(-limit, limit, size=(self.rows, self.cols)).astype(np.float32)
        self.array.program(w0)
        self.b = np.zeros(self.rows, dtype=np.float32)
        self.w = None
        self._w_train_of = None

    def _require_array(self) -> None:
        if self.array is None:
            raise RuntimeError(f"layer {self.name or type(self).__name__} has no SynapseArray; call build() first")

    def load_weights(self, inference: bool = False, retention_s: float = 0.0) -> np.ndarray:
        """Read the weights from the array once and cache them for forward/backward.

        Returns a new array that later steps do not change (the training loop uses
        :meth:`training_weights`, which skips the readout after a fused step)."""
        self._require_array()
        if inference or retention_s:
            self.w = self.array.weights(inference=inference, retention_s=float(retention_s))
        else:
            self.w = self.array.weights()
        return self.w

    def training_weights(self) -> None:
        """Make ``w`` the array's training weights for the next forward/backward: the buffer the
        last :meth:`apply_step` filled, if the array has not changed since, else a readout."""
        self._require_array()
        of = self._w_train_of
        if of is not None and of[0] is self.array and of[1] == self.array.counters():
            self.w = self._w_train
        else:
            self._w_train_of = None
            self.w = self.array.weights()

    def apply_step(self, dw: np.ndarray, images: int) -> int:
        """``arr.step(dw, images)`` that also fills the layer's weight buffer with the training
        weights after the step (one pass over the cells); returns the MSB writes of the step.
        ``w`` may be that buffer: it is not used between the optimizer step and the next
        forward, so one buffer suffices."""
        self._require_array()
        buf = self._w_train
        if buf is None or buf.shape != (self.rows, self.cols):
            buf = self._w_train = np.empty((self.rows, self.cols), dtype=np.float32)
        writes = int(self.array.step(dw, images=int(images), out=buf))
        self._w_train_of = (self.array, self.array.counters())
        return writes


class Linear(SynapticLayer):
    """Fully connected layer ``y = x W^T + b``; x is (N, in)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear needs positive sizes, got in={in_features}, out={out_features}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.rows, self.cols = self.out_features, self.in_features
        super().__init__(bias)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{self.name or 'Linear'}: expected input (N, {self.in_features}), got {x.shape}")
        y = K.linear_forward(x, np.asarray(self.w, dtype=x.dtype), self._bias_for(x), self.relu)
        self._keep(train, x, y)
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        x = self._x
        self.grad_w, self.grad_b, dx = K.linear_backward(
            x, np.asarray(self.w, dtype=x.dtype), self._y, grad, self.use_bias, need_input_grad
        )
        return dx

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.out_features,)

    def __repr__(self) -> str:
        extra = "" if self.use_bias else ", bias=False"
        return f"Linear({self.in_features}, {self.out_features}{extra})"


class Conv2d(SynapticLayer):
    """2-D convolution on channels-last (N, H, W, C) input: im2col + GEMM in one Rust kernel.

    Weights are ``W[out, in*k*k]`` (ordering out, in, kh, kw, as in PyTorch); the kernel wants
    the patch columns in (kh, kw, in) order, so W is permuted once per forward (a copy of the
    small weight matrix, not of the activations) and the weight gradient permuted back.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
    ) -> None:
        for n, v, lo in (
            ("in_channels", in_channels, 1),
            ("out_channels", out_channels, 1),
            ("kernel_size", kernel_size, 1),
            ("stride", stride, 1),
            ("padding", padding, 0),
        ):
            if int(v) != v or v < lo:
                raise ValueError(f"Conv2d {n} must be an integer >= {lo}, got {v!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.k = int(kernel_size)
        self.stride = int(stride)
        self.padding = int(padding)
        self.rows, self.cols = self.out_channels, self.in_channels * self.k * self.k
        super().__init__(bias)
        self._wp: np.ndarray | None = None

    def _out_hw(self, h: int, w: int) -> tuple[int, int]:
        ho = (h + 2 * self.padding - self.k) // self.stride + 1
        wo = (w + 2 * self.padding - self.k) // self.stride + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"{self.name or 'Conv2d'}: input {h}x{w} too small for kernel {self.k}")
        return ho, wo

    def _permuted(self, dtype: np.dtype) -> np.ndarray:
        """W[out, (in, kh, kw)] -> W[out, (kh, kw, in)], contiguous, in the input's dtype."""
        o, c, k = self.out_channels, self.in_channels, self.k
        w = np.asarray(self.w, dtype=dtype).reshape(o, c, k, k)
        return np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(o, k * k * c)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if x.ndim != 4 or x.shape[3] != self.in_channels:
            raise ValueError(
                f"{self.name or 'Conv2d'}: expected (N, H, W, C) input with C={self.in_channels}, got {x.shape}"
            )
        self._out_hw(x.shape[1], x.shape[2])
        wp = self._permuted(x.dtype)
        y = K.conv2d_forward(x, wp, self.k, self.stride, self.padding, self._bias_for(x), self.relu)
        self._keep(train, x, y)
        if train:
            self._wp = wp
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        o, c, k = self.out_channels, self.in_channels, self.k
        gw, self.grad_b, dx = K.conv2d_backward(
            self._x, self._wp, self._y, grad, k, self.stride, self.padding, self.use_bias, need_input_grad
        )
        self.grad_w = np.ascontiguousarray(gw.reshape(o, k, k, c).transpose(0, 3, 1, 2)).reshape(o, c * k * k)
        return dx

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        _, h, w = input_shape
        ho, wo = self._out_hw(h, w)
        return (self.out_channels, ho, wo)

    def clear_cache(self) -> None:
        super().clear_cache()
        self._wp = None

    def __repr__(self) -> str:
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, k={self.k}, stride={self.stride}, padding={self.padding}"
            + ("" if self.use_bias else ", bias=False")
            + ")"
        )


class _Pool2x2(Layer):
    """2x2 / stride-2 pooling of (N, H, W, C) input (odd trailing rows/cols are dropped, as in PyTorch)."""

    def __init__(self) -> None:
        self._in_shape: tuple[int, ...] | None = None

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        c, h, w = input_shape
        if h < 2 or w < 2:
            raise ValueError(f"{type(self).__name__}: input {h}x{w} too small for 2x2 pooling")
        return (c, h // 2, w // 2)


class MaxPool2d(_Pool2x2):
    """2x2 max pooling, stride 2 (Rust kernel). The first of equal maxima in a window (row-major
    order) gets the gradient, as in PyTorch; backward is one pass over the input gradient."""

    def __init__(self) -> None:
        super().__init__()
        self._arg: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self._in_shape = x.shape
        y, arg = K.maxpool2_forward(x)
        if train:
            self._arg = arg
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        _, h, w, _ = self._in_shape
        return K.maxpool2_backward(grad, self._arg, h, w)

    def clear_cache(self) -> None:
        self._arg = None

    def __repr__(self) -> str:
        return "MaxPool2d(2)"


class AvgPool2d(_Pool2x2):
    """2x2 average pooling, stride 2."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self._in_shape = x.shape
        n, h, w, c = x.shape
        r = x[:, : h - h % 2, : w - w % 2].reshape(n, h // 2, 2, w // 2, 2, c)
        a = r[:, :, 0] + r[:, :, 1]
        y = a[:, :, :, 0] + a[:, :, :, 1]
        y *= y.dtype.type(0.25)
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        n, h, w, c = self._in_shape
        g = (grad * grad.dtype.type(0.25))[:, :, None, :, None, :]
        d = np.zeros((n, h, w, c), dtype=grad.dtype)
        d[:, : h - h % 2, : w - w % 2] = np.broadcast_to(g, (n, h // 2, 2, w // 2, 2, c)).reshape(
            n, h - h % 2, w - w % 2, c
        )
        return d

    def __repr__(self) -> str:
        return "AvgPool2d(2)"


class ReLU(Layer):
    """max(x, 0). Right after a Conv2d/Linear, ``Sequential`` fuses it into that layer (which
    then applies it and masks the gradient); this layer is then the identity both ways."""

    def __init__(self) -> None:
        self._y: np.ndarray | None = None
        self.fused = False

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if self.fused:
            return x
        y = np.maximum(x, 0, dtype=x.dtype)
        if train:
            self._y = y
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        if self.fused:
            return grad
        return grad * (self._y > 0)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return input_shape

    def clear_cache(self) -> None:
        self._y = None

    def __repr__(self) -> str:
        return "ReLU()"


class Flatten(Layer):
    """(N, H, W, C) -> (N, C*H*W), features ordered (c, y, x) as in PyTorch; 2-D input passes through."""

    def __init__(self) -> None:
        self._in_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self._in_shape = x.shape
        if x.ndim == 2:
            return x
        if x.ndim != 4:
            raise ValueError(f"{self.name or 'Flatten'}: expected (N, H, W, C) or (N, F) input, got {x.shape}")
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2)).reshape(x.shape[0], -1)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        if len(self._in_shape) == 2:
            return grad
        n, h, w, c = self._in_shape
        return np.ascontiguousarray(grad.reshape(n, c, h, w).transpose(0, 2, 3, 1))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(input_shape)),)

    def __repr__(self) -> str:
        return "Flatten()"


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, int]:
    """Mean softmax cross-entropy.

    Returns ``(loss, dloss/dlogits, number of correct argmax predictions)``; the gradient has
    the dtype of ``logits`` and already includes the 1/N of the mean.
    """
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    ez = np.exp(z)
    s = ez.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(s[:, 0]) - z[rows, labels]))
    grad = ez / s
    correct = int(np.count_nonzero(grad.argmax(axis=1) == labels))
    grad[rows, labels] -= 1
    grad *= grad.dtype.type(1.0 / n)
    return loss, grad, correct


class Sequential:
    """A network: an ordered list of layers. Any sequence of the layers above works.

    ``input_shape`` is the per-sample shape (C, H, W) or (features,). Layers without a name
    are named conv1, conv2, ..., fc1, fc2, ..., relu1, ... in order.
    """

    def __init__(self, layers: Iterable[Layer], input_shape: Sequence[int], name: str = "net") -> None:
        self.layers: list[Layer] = list(layers)
        self.input_shape = tuple(int(v) for v in input_shape)
        self.name = name
        if not self.layers:
            raise ValueError("Sequential needs at least one layer")
        used = {layer.name for layer in self.layers if isinstance(layer, Layer) and layer.name}
        counts: dict[str, int] = {}
        shape = self.input_shape
        for layer in self.layers:
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential layers must be femsyn.layers.Layer instances, got {type(layer).__name__}")
            if not layer.name:
                prefix = {
                    Conv2d: "conv",
                    Linear: "fc",
                    MaxPool2d: "maxpool",
                    AvgPool2d: "avgpool",
                    ReLU: "relu",
                    Flatten: "flatten",
                }.get(type(layer), type(layer).__name__.lower())
                while True:
                    counts[prefix] = counts.get(prefix, 0) + 1
                    if f"{prefix}{counts[prefix]}" not in used:
                        break
                layer.name = f"{prefix}{counts[prefix]}"
                used.add(layer.name)
            try:
                if isinstance(layer, Linear) and len(shape) != 1:
                    raise ValueError(f"expects a flat input; add Flatten() before it (input shape {shape})")
                if isinstance(layer, Linear) and shape[0] != layer.in_features:
                    raise ValueError(f"in_features={layer.in_features} but the input has {shape[0]} features")
                if isinstance(layer, Conv2d) and (len(shape) != 3 or shape[0] != layer.in_channels):
                    raise ValueError(f"in_channels={layer.in_channels} but the input shape (C, H, W) is {shape}")
                shape = layer.output_shape(shape)
            except ValueError as e:
                raise ValueError(f"layer {layer.name} ({layer!r}): {e}") from None
        self.output_shape = shape
        self._fuse_relus()

    def _fuse_relus(self) -> None:
        """Fuse each ReLU that directly follows a Conv2d/Linear into it (each used once here)."""
        ids = [id(layer) for layer in self.layers]
        for a, b in zip(self.layers, self.layers[1:]):
            if isinstance(a, SynapticLayer) and isinstance(b, ReLU) and ids.count(id(a)) == ids.count(id(b)) == 1:
                a.relu, b.fused = True, True

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        body = "\n".join(f"  {layer.name}: {layer!r}" for layer in self.layers)
        return f"Sequential({self.name}, input={self.input_shape}\n{body}\n)"

    @property
    def synaptic_layers(self) -> list[SynapticLayer]:
        return [layer for layer in self.layers if isinstance(layer, SynapticLayer)]

    @property
    def cells(self) -> int:
        return sum(layer.rows * layer.cols for layer in self.synaptic_layers)

    def build(self, device: Any, *, seed: int, weight_range: float) -> None:
        """Create every layer's SynapseArray; array seeds and W0 derive from ``seed``."""
        for i, layer in enumerate(self.synaptic_layers):
            ss = np.random.SeedSequence([int(seed), 0x5EED, i])
            arr_seed, init_seed = (int(v) for v in ss.generate_state(2, dtype=np.uint32))
            layer.build(
                device,
                seed=arr_seed,
                weight_range=weight_range,
                rng=np.random.Generator(np.random.PCG64(init_seed)),
            )

    def load_weights(self, inference: bool = False, retention_s: float = 0.0) -> list[np.ndarray]:
        """Read every layer's weights once (training weights or MSB-only at ``retention_s``)."""
        return [layer.load_weights(inference=inference, retention_s=retention_s) for layer in self.synaptic_layers]

    def training_weights(self) -> None:
        """Every layer's training weights for the next step (no readout after a fused step)."""
        for layer in self.synaptic_layers:
            layer.training_weights()

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Forward pass on internal-layout input ((N, H, W, C) images or (N, F) features)."""
        with K.single_threaded_blas():
            for layer in self.layers:
                x = layer.forward(x, train)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Backpropagate; the input gradient of the first weighted layer is not computed."""
        first_weighted = next((i for i, layer in enumerate(self.layers) if isinstance(layer, SynapticLayer)), 0)
        with K.single_threaded_blas():
            for i in range(len(self.layers) - 1, -1, -1):
                need = i > first_weighted
                grad = self.layers[i].backward(grad, need_input_grad=need)
                if not need:
                    break

    def clear_cache(self) -> None:
        for layer in self.layers:
            layer.clear_cache()

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Argmax class per sample with the currently loaded weights; x is (N, C, H, W) or (N, F)."""
        out = np.empty(x.shape[0], dtype=np.int64)
        for s in range(0, x.shape[0], batch_size):
            out[s : s + batch_size] = self.forward(to_internal(x[s : s + batch_size]), train=False).argmax(axis=1)
        return out

    def accuracy(self, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> float:
        """Fraction of correct predictions; x is (N, C, H, W) or (N, F)."""
        if x.shape[0] == 0:
            return float("nan")
        return float(np.mean(self.predict(x, batch_size) == y))


def to_internal(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> contiguous float32 (N, H, W, C); (N, F) passes through (as float32)."""
    if x.ndim == 4:
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1), dtype=np.float32)
    return np.asarray(x, dtype=np.float32)
