"""Layers of a femsyn network: the weights of every weighted layer live in a SynapseArray.

Image activations inside a network use the channel-major layout (C, N, H, W): a convolution
is then one im2col gather (numpy stride tricks, contiguous rows) and one float32 GEMM whose
result already has that layout; there are no Python loops over images or pixels, and no
transposes between layers. ``Sequential.predict``/``accuracy`` take the usual (N, C, H, W).

Weights and the device:

* ``Linear(in, out)`` stores ``W[out, in]`` in a ``SynapseArray(out, in)``.
* ``Conv2d(in, out, k)`` stores its kernel flattened as ``W[out, in * kh * kw]`` (ordering
  ``(out, in, kh, kw)`` as in PyTorch) in a ``SynapseArray(out, in*k*k)``.
* Biases stay float32 in the digital periphery (they are not synapses): they are updated
  exactly by the optimizer and never quantized.

Per training step the network reads ``arr.weights()`` once per layer (``load_weights``),
caches them for the forward and backward pass, computes the gradients in float32 with BLAS,
and the optimizer sends one ``arr.step(dw, images=batch)`` per layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

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

    def load_weights(self, inference: bool = False, retention_s: float = 0.0) -> np.ndarray:
        """Read the weights from the array once and cache them for forward/backward."""
        if self.array is None:
            raise RuntimeError(f"layer {self.name or type(self).__name__} has no SynapseArray; call build() first")
        if inference or retention_s:
            self.w = self.array.weights(inference=inference, retention_s=float(retention_s))
        else:
            self.w = self.array.weights()
        return self.w


class Linear(SynapticLayer):
    """Fully connected layer ``y = x W^T + b``; x is (N, in)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear needs positive sizes, got in={in_features}, out={out_features}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.rows, self.cols = self.out_features, self.in_features
        super().__init__(bias)
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{self.name or 'Linear'}: expected input (N, {self.in_features}), got {x.shape}")
        y = x @ self.w.T
        if self.use_bias:
            y += self.b
        if train:
            self._x = x
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        self.grad_w = grad.T @ self._x
        self.grad_b = grad.sum(axis=0) if self.use_bias else None
        if not need_input_grad:
            return None
        return grad @ self.w

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (self.out_features,)

    def clear_cache(self) -> None:
        self._x = None

    def __repr__(self) -> str:
        extra = "" if self.use_bias else ", bias=False"
        return f"Linear({self.in_features}, {self.out_features}{extra})"


class Conv2d(SynapticLayer):
    """2-D convolution on channel-major (C, N, H, W) input: im2col (``as_strided``) + one GEMM.

    The patch matrix is built transposed, ``cols_T[(c, i, j), (n, y, x)]``, so the GEMM
    ``W @ cols_T`` directly yields the (out, N, Ho, Wo) output with no transpose.
    Weights are ``W[out, in*k*k]`` (ordering out, in, kh, kw, as in PyTorch).
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
        self._cols_t: np.ndarray | None = None
        self._in_shape: tuple[int, ...] | None = None
        self._pad_buf: np.ndarray | None = None

    def _out_hw(self, h: int, w: int) -> tuple[int, int]:
        ho = (h + 2 * self.padding - self.k) // self.stride + 1
        wo = (w + 2 * self.padding - self.k) // self.stride + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"{self.name or 'Conv2d'}: input {h}x{w} too small for kernel {self.k}")
        return ho, wo

    def _padded(self, x: np.ndarray) -> np.ndarray:
        p = self.padding
        if p == 0:
            return x
        c, n, h, w = x.shape
        shape = (c, n, h + 2 * p, w + 2 * p)
        buf = self._pad_buf
        if buf is None or buf.shape != shape or buf.dtype != x.dtype:
            # The zero border is written once and never touched again: reuse the buffer.
            buf = np.zeros(shape, dtype=x.dtype)
            self._pad_buf = buf
        buf[:, :, p : p + h, p : p + w] = x
        return buf

    def im2col_t(self, x: np.ndarray) -> np.ndarray:
        """(C, N, H, W) -> transposed patch matrix (C*k*k, N*Ho*Wo), one gather copy."""
        c, n, h, w = x.shape
        ho, wo = self._out_hw(h, w)
        xp = self._padded(x)
        sc, sn, sh, sw = xp.strides
        s = self.stride
        view = as_strided(
            xp,
            shape=(c, self.k, self.k, n, ho, wo),
            strides=(sc, sh, sw, sn, sh * s, sw * s),
            writeable=False,
        )
        return view.reshape(c * self.k * self.k, n * ho * wo)

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        if x.ndim != 4 or x.shape[0] != self.in_channels:
            raise ValueError(
                f"{self.name or 'Conv2d'}: expected (C, N, H, W) input with C={self.in_channels}, got {x.shape}"
            )
        _, n, h, w = x.shape
        ho, wo = self._out_hw(h, w)
        cols_t = self.im2col_t(x)
        y = self.w @ cols_t
        if self.use_bias:
            y += self.b[:, None]
        if train:
            self._cols_t = cols_t
            self._in_shape = x.shape
        return y.reshape(self.out_channels, n, ho, wo)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        c, n, h, w = self._in_shape
        ho, wo = self._out_hw(h, w)
        g2 = grad.reshape(self.out_channels, n * ho * wo)
        self.grad_w = g2 @ self._cols_t.T
        self.grad_b = g2.sum(axis=1) if self.use_bias else None
        if not need_input_grad:
            return None
        p, s, k = self.padding, self.stride, self.k
        if c * k * k == 1:
            # A single patch row makes the GEMM a GEMV, whose rounding can depend on the column
            # position: keep the (N, H, W) column order there.
            d1 = (self.w.T @ g2).reshape(c, n, ho, wo)
            dx1 = np.zeros((c, n, h + 2 * p, w + 2 * p), dtype=d1.dtype)
            dx1[:, :, 0 : s * ho : s, 0 : s * wo : s] += d1
            return dx1[:, :, p : p + h, p : p + w]
        # col2im runs in an image-minor (C, H, W, N) layout: the k*k strided adds then work on
        # contiguous runs of wo*N values instead of rows of wo. The GEMM computes the same dot
        # products (its columns are only permuted to (y, x, n) order) and every input pixel
        # receives its k*k contributions in the same order, so the result is bit-identical.
        g_t = np.ascontiguousarray(grad.reshape(self.out_channels, n, ho, wo).transpose(0, 2, 3, 1))
        dcols = (self.w.T @ g_t.reshape(self.out_channels, ho * wo * n)).reshape(c, k, k, ho, wo, n)
        dxp = np.zeros((c, h + 2 * p, w + 2 * p, n), dtype=dcols.dtype)
        # col2im: one vectorized add per kernel offset (k*k of them), not per pixel.
        for i in range(k):
            for j in range(k):
                dxp[:, i : i + s * ho : s, j : j + s * wo : s] += dcols[:, i, j]
        return np.ascontiguousarray(dxp[:, p : p + h, p : p + w].transpose(0, 3, 1, 2))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        _, h, w = input_shape
        ho, wo = self._out_hw(h, w)
        return (self.out_channels, ho, wo)

    def clear_cache(self) -> None:
        self._cols_t = None

    def __repr__(self) -> str:
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, k={self.k}, stride={self.stride}, padding={self.padding}"
            + ("" if self.use_bias else ", bias=False")
            + ")"
        )


class _Pool2x2(Layer):
    """2x2 / stride-2 pooling by reshape (odd trailing rows/cols are dropped, as in PyTorch)."""

    def __init__(self) -> None:
        self._in_shape: tuple[int, ...] | None = None

    def _rows(self, x: np.ndarray) -> np.ndarray:
        """(C, N, H, W) -> (C*N*Ho, 2, Wo, 2) view (a copy only for odd H or W)."""
        c, n, h, w = x.shape
        if h % 2 or w % 2:
            x = x[:, :, : h - h % 2, : w - w % 2]
        return x.reshape(c * n * (h // 2), 2, w // 2, 2)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        c, h, w = input_shape
        if h < 2 or w < 2:
            raise ValueError(f"{type(self).__name__}: input {h}x{w} too small for 2x2 pooling")
        return (c, h // 2, w // 2)

    def _out4(self, y: np.ndarray) -> np.ndarray:
        c, n, h, w = self._in_shape
        return y.reshape(c, n, h // 2, w // 2)

    def _uncrop(self, d4: np.ndarray) -> np.ndarray:
        c, n, h, w = self._in_shape
        g = d4.reshape(c, n, h - h % 2, w - w % 2)
        if h % 2 or w % 2:
            full = np.zeros((c, n, h, w), dtype=g.dtype)
            full[:, :, : h - h % 2, : w - w % 2] = g
            return full
        return g


class MaxPool2d(_Pool2x2):
    """2x2 max pooling, stride 2. Exact ties (equal maxima in a window) share the gradient."""

    def __init__(self) -> None:
        super().__init__()
        self._r: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self._in_shape = x.shape
        r = self._rows(x)
        a = np.maximum(r[:, 0], r[:, 1])
        y = np.maximum(a[:, :, 0], a[:, :, 1])
        if train:
            self._r, self._y = r, y
        return self._out4(y)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        r, y = self._r, self._y
        g = grad.reshape(y.shape)
        d = np.empty(r.shape, dtype=grad.dtype)
        for a in (0, 1):
            for b in (0, 1):
                np.multiply(g, r[:, a, :, b] == y, out=d[:, a, :, b])
        return self._uncrop(d)

    def clear_cache(self) -> None:
        self._r = self._y = None

    def __repr__(self) -> str:
        return "MaxPool2d(2)"


class AvgPool2d(_Pool2x2):
    """2x2 average pooling, stride 2."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self._in_shape = x.shape
        r = self._rows(x)
        a = r[:, 0] + r[:, 1]
        y = a[:, :, 0] + a[:, :, 1]
        y *= y.dtype.type(0.25)
        return self._out4(y)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        c, n, h, w = self._in_shape
        g = (grad * grad.dtype.type(0.25)).reshape(c * n * (h // 2), 1, w // 2, 1)
        d = np.broadcast_to(g, (g.shape[0], 2, w // 2, 2))
        return self._uncrop(np.ascontiguousarray(d))

    def __repr__(self) -> str:
        return "AvgPool2d(2)"


class ReLU(Layer):
    def __init__(self) -> None:
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        y = np.maximum(x, 0, dtype=x.dtype)
        if train:
            self._y = y
        return y

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        return grad * (self._y > 0)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return input_shape

    def clear_cache(self) -> None:
        self._y = None

    def __repr__(self) -> str:
        return "ReLU()"


class Flatten(Layer):
    """(C, N, H, W) -> (N, C*H*W) (features ordered c, y, x as in PyTorch); 2-D input passes through."""

    def __init__(self) -> None:
        self._in_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self._in_shape = x.shape
        if x.ndim == 2:
            return x
        if x.ndim != 4:
            raise ValueError(f"{self.name or 'Flatten'}: expected (C, N, H, W) or (N, F) input, got {x.shape}")
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(x.shape[1], -1)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        if not need_input_grad:
            return None
        if len(self._in_shape) == 2:
            return grad
        c, n, h, w = self._in_shape
        return np.ascontiguousarray(grad.reshape(n, c, h, w).transpose(1, 0, 2, 3))

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

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Forward pass on internal-layout input ((C, N, H, W) images or (N, F) features)."""
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Backpropagate; the input gradient of the first weighted layer is not computed."""
        first_weighted = next((i for i, layer in enumerate(self.layers) if isinstance(layer, SynapticLayer)), 0)
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
    """(N, C, H, W) -> contiguous float32 (C, N, H, W); (N, F) passes through (as float32)."""
    if x.ndim == 4:
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3), dtype=np.float32)
    return np.asarray(x, dtype=np.float32)
