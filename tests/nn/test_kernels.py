"""Layer kernels of the Rust core against plain numpy references.

Exact where the operation order cannot matter: integer-valued data (every sum exact in float32)
for the GEMM kernels, and max pooling (no arithmetic). Float data: close to the reference, and
bit-identical at any thread count.
"""

from __future__ import annotations

import numpy as np
import pytest
from femsyn import _core, set_num_threads
from femsyn.nn import kernels as K
from numpy.lib.stride_tricks import sliding_window_view


def _ints(rng: np.random.Generator, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    return rng.integers(-3, 4, size=shape).astype(dtype)


def _patches(x: np.ndarray, k: int, s: int, p: int) -> np.ndarray:
    """(N, H, W, C) -> (N*Ho*Wo, k*k*C) with columns in (i, j, c) order."""
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    win = sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::s, ::s]  # (N, Ho, Wo, C, k, k)
    n, ho, wo = win.shape[:3]
    return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(n * ho * wo, -1), (n, ho, wo)


def _ref_conv(x, w, k, s, p, bias, relu, y, g):
    cols, (n, ho, wo) = _patches(x, k, s, p)
    out = cols @ w.T + (0 if bias is None else bias)
    if relu:
        out = np.maximum(out, 0)
    gm = g.reshape(-1, w.shape[0]) * ((y.reshape(-1, w.shape[0]) > 0) if relu else 1)
    gw = gm.T @ cols
    dcols = gm @ w
    # col2im by the adjoint of the patch gather
    xp = np.zeros((x.shape[0], x.shape[1] + 2 * p, x.shape[2] + 2 * p, x.shape[3]), x.dtype)
    dc = dcols.reshape(n, ho, wo, k, k, x.shape[3])
    for i in range(k):
        for j in range(k):
            xp[:, i : i + s * ho : s, j : j + s * wo : s] += dc[:, :, :, i, j]
    dx = xp[:, p : p + x.shape[1], p : p + x.shape[2]]
    return out.reshape(n, ho, wo, -1), gw, gm.sum(axis=0), dx


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 9, 9, 2, 3, 1, 1, 4), (2, 12, 10, 1, 5, 1, 2, 6), (5, 9, 9, 3, 3, 2, 1, 7)])
def test_conv_exact_on_integers(dtype, shape) -> None:
    n, h, w_, c, k, s, p, o = shape
    rng = np.random.default_rng(sum(shape))
    x, w, b = _ints(rng, (n, h, w_, c), dtype), _ints(rng, (o, k * k * c), dtype), _ints(rng, (o,), dtype)
    for relu, bias in ((False, None), (True, b)):
        y = K.conv2d_forward(x, w, k, s, p, bias, relu)
        g = _ints(rng, y.shape, dtype)
        ref_y, ref_gw, ref_gb, ref_dx = _ref_conv(x, w, k, s, p, bias, relu, y, g)
        np.testing.assert_array_equal(y, ref_y)
        gw, gb, dx = K.conv2d_backward(x, w, y if relu else None, g, k, s, p, bias is not None, True)
        np.testing.assert_array_equal(gw, ref_gw)
        np.testing.assert_array_equal(dx, ref_dx)
        if bias is not None:
            np.testing.assert_array_equal(gb, ref_gb)
        assert y.dtype == gw.dtype == dx.dtype == dtype


def test_linear_exact_on_integers() -> None:
    rng = np.random.default_rng(1)
    x, w, b = _ints(rng, (37, 300)), _ints(rng, (130, 300)), _ints(rng, (130,))
    y = K.linear_forward(x, w, b, True)
    np.testing.assert_array_equal(y, np.maximum(x @ w.T + b, 0))
    g = _ints(rng, y.shape)
    gw, gb, dx = K.linear_backward(x, w, y, g, True, True)
    gm = g * (y > 0)
    np.testing.assert_array_equal(gw, gm.T @ x)
    np.testing.assert_array_equal(gb, gm.sum(axis=0))
    np.testing.assert_array_equal(dx, gm @ w)


def test_maxpool_matches_numpy_exactly() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 7, 6, 5)).astype(np.float32)
    x[0, 0, 0, 0] = x[0, 0, 1, 0]  # a tie: the first in row-major order wins
    y, arg = K.maxpool2_forward(x)
    r = x[:, :6, :6].reshape(3, 3, 2, 3, 2, 5).transpose(0, 1, 3, 5, 2, 4).reshape(3, 3, 3, 5, 4)
    np.testing.assert_array_equal(y, r.max(axis=-1))
    np.testing.assert_array_equal(arg, r.argmax(axis=-1))
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = K.maxpool2_backward(g, arg, 7, 6)
    want = np.zeros_like(x)
    onehot = (np.arange(4) == arg[..., None]) * g[..., None]  # (N, Ho, Wo, C, 4)
    want[:, :6, :6] = onehot.reshape(3, 3, 3, 5, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(3, 6, 6, 5)
    np.testing.assert_array_equal(dx, want)


def test_float_results_close_to_numpy_and_identical_at_any_thread_count() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((19, 16, 16, 8)).astype(np.float32)
    w = rng.standard_normal((24, 72)).astype(np.float32)
    g = rng.standard_normal((19, 16, 16, 24)).astype(np.float32)
    runs = []
    try:
        for t in (1, 2, 3):
            set_num_threads(t)
            y = K.conv2d_forward(x, w, 3, 1, 1, None, True)
            runs.append((y, *K.conv2d_backward(x, w, y, g, 3, 1, 1, False, True)))
    finally:
        set_num_threads(1)
    for other in runs[1:]:
        for a, b in zip(runs[0], other):
            if a is not None:
                np.testing.assert_array_equal(a, b)
    ref_y = _ref_conv(x, w, 3, 1, 1, None, True, runs[0][0], np.zeros_like(runs[0][0]))[0]
    np.testing.assert_allclose(runs[0][0], ref_y, rtol=1e-4, atol=1e-4)


def test_builtin_gemm_gives_the_same_answers() -> None:
    rng = np.random.default_rng(4)
    x, w = _ints(rng, (4, 10, 10, 3)), _ints(rng, (5, 27))
    want = K.conv2d_forward(x, w, 3, 1, 1, None, False)
    before = K.gemm_backend()
    try:
        _core.nn_use_builtin_gemm()
        assert "matrixmultiply" in _core.nn_gemm_backend()
        np.testing.assert_array_equal(K.conv2d_forward(x, w, 3, 1, 1, None, False), want)
    finally:
        if K._blas.get("filepath") and "matrixmultiply" not in before:
            _core.nn_use_blas(K._blas["filepath"])
    assert K.gemm_backend() == before


def test_bad_arguments_name_the_argument() -> None:
    x = np.zeros((2, 5, 5, 3), np.float32)
    with pytest.raises(TypeError, match="x"):
        _core.nn_conv2d_forward(x.astype(np.int32), np.zeros((4, 27), np.float32), 3, 1, 1)
    with pytest.raises(TypeError, match="w"):
        _core.nn_conv2d_forward(x, np.zeros((4, 27), np.float64), 3, 1, 1)
    with pytest.raises(ValueError, match="w"):
        _core.nn_conv2d_forward(x, np.zeros((4, 26), np.float32), 3, 1, 1)
    with pytest.raises(ValueError, match="k"):
        _core.nn_conv2d_forward(x, np.zeros((4, 7 * 7 * 3), np.float32), 7, 1, 0)
    with pytest.raises(ValueError, match="stride"):
        _core.nn_conv2d_forward(x, np.zeros((4, 27), np.float32), 3, -1, 1)
    with pytest.raises(ValueError, match="grad"):
        _core.nn_linear_backward(
            np.zeros((3, 4), np.float32), np.zeros((2, 4), np.float32), None, np.zeros((3, 3), np.float32)
        )
    with pytest.raises(ValueError, match="path"):
        _core.nn_use_blas("/nonexistent/libnothing.so")
    assert K.gemm_backend()  # a failed load leaves the backend as it was


def test_sgd_step_is_bit_identical_to_numpy() -> None:
    rng = np.random.default_rng(5)
    v, g, w = (rng.standard_normal((70, 300)).astype(np.float32) * 0.01 for _ in range(3))
    mu, wd, lr = 0.9, 5e-4, 0.05
    want = v.copy()
    want *= np.float32(mu)
    want += g
    want += w * np.float32(wd)
    dw = np.empty_like(v)
    K.sgd_step(v, g, w, dw, mu, wd, lr)
    np.testing.assert_array_equal(v, want)
    np.testing.assert_array_equal(dw, want * np.float32(-lr))
    with pytest.raises(ValueError, match="dw"):
        K.sgd_step(v, g, w, np.empty((3, 3), np.float32), mu, wd, lr)


def test_forced_openblas_coretype_is_detected_and_reported() -> None:
    import json
    import os
    import subprocess
    import sys

    if "openblas" not in str(K.numerics().get("blas")):
        pytest.skip("numpy does not use OpenBLAS here")
    code = (
        "import json, femsyn.nn.kernels as k, femsyn.bench.machine as m\n"
        "print(json.dumps({'numerics': k.numerics(), 'bench': m.blas_kernel()}))"
    )
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["numerics"]["OPENBLAS_CORETYPE"] == "Haswell"
    assert out["numerics"]["blas_kernel"] == "Haswell"  # the kernel actually in use, part of a run's identity
    auto = out["bench"]["auto_kernel"]
    assert auto  # what OpenBLAS picks without the variable
    if auto != "Haswell":  # e.g. SkylakeX on an AVX-512 machine: a forced, slower kernel is warned about
        assert "OPENBLAS_CORETYPE=Haswell" in out["bench"]["warning"]
