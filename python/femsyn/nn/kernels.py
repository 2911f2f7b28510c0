"""The layer kernels of femsyn's Rust core, and the BLAS they run on.

Convolutions and fully connected layers are GEMMs that the Rust core calls itself, in fixed
blocks on femsyn's threads (``femsyn.set_num_threads``), so the numpy loop of
:mod:`femsyn.nn.layers` makes one call per layer and direction. The GEMM is numpy's own BLAS,
loaded once from the library numpy uses (found with threadpoolctl): the same kernel, and so the
same rounding, as ``numpy.matmul``. Without it (another BLAS vendor, or ``FEMSYN_GEMM=builtin``)
a pure-Rust GEMM (matrixmultiply) is used.

Results are bit-identical for any femsyn thread count provided that BLAS itself runs on one
thread while the kernels call it: :func:`single_threaded_blas` makes sure of that, and
``Sequential.forward``/``backward`` use it. The BLAS kernel does change rounding: OpenBLAS picks
it by CPU (``openblas_get_corename``) unless ``OPENBLAS_CORETYPE`` forces one, so
:func:`numerics` (part of a run's summary and checkpoint) records it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from femsyn import _core

__all__ = [
    "gemm_backend",
    "numerics",
    "single_threaded_blas",
    "conv2d_forward",
    "conv2d_backward",
    "linear_forward",
    "linear_backward",
    "maxpool2_forward",
    "maxpool2_backward",
    "sgd_step",
]

_lock = threading.Lock()
_ready = False
_blas: dict[str, Any] = {}
_blas_ctl: Any = None  # threadpoolctl controller of the BLAS the kernels call


def _numpy_blas() -> dict[str, Any] | None:
    """threadpoolctl's record of the BLAS numpy links (the one inside numpy's own folders when
    several are loaded, e.g. torch's beside it)."""
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    home = os.path.dirname(os.path.dirname(np.__file__))
    mine = [p for p in pools if os.path.basename(os.path.dirname(p["filepath"])).startswith("numpy")]
    mine = mine or [p for p in pools if p["filepath"].startswith(home)] or pools[:1]
    return mine[0] if mine else None


def _self_check() -> None:
    """One small GEMM through the kernels against numpy (catches a mis-loaded library early)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 7)).astype(np.float32)
    w = rng.standard_normal((3, 7)).astype(np.float32)
    got = _core.nn_linear_forward(x, w)
    if not np.allclose(got, x @ w.T, rtol=1e-5, atol=1e-5):
        raise RuntimeError("BLAS self-check failed")


def _setup() -> None:
    global _ready, _blas_ctl
    if _ready:
        return
    with _lock:
        if _ready:
            return
        info = _numpy_blas()
        if info is not None:
            _blas.update({k: info.get(k) for k in ("internal_api", "version", "architecture", "filepath")})
            try:
                import threadpoolctl

                ctl = threadpoolctl.ThreadpoolController().select(user_api="blas")
                _blas_ctl = next((c for c in ctl.lib_controllers if c.filepath == info["filepath"]), None)
            except Exception:  # pragma: no cover - thread control is best effort
                _blas_ctl = None
        want = os.environ.get("FEMSYN_GEMM", "").strip().lower() or "blas"
        if want not in ("blas", "builtin"):
            raise ValueError(f"FEMSYN_GEMM: invalid value {want!r}; expected 'blas' or 'builtin'")
        if want == "blas" and info is not None:
            try:
                _core.nn_use_blas(info["filepath"])
                _self_check()
            except (ValueError, RuntimeError) as e:
                _core.nn_use_builtin_gemm()
                _blas["fallback_reason"] = str(e)
        _ready = True


def gemm_backend() -> str:
    """The GEMM the layer kernels call (a cblas symbol of numpy's BLAS, or the built-in one)."""
    _setup()
    return _core.nn_gemm_backend()


def numerics() -> dict[str, Any]:
    """What decides the rounding of a training step besides the code: GEMM backend, BLAS
    version and kernel (core type), and a forced ``OPENBLAS_CORETYPE``. Two runs with equal
    ``numerics()`` (and seed, config, femsyn version) give bit-identical results at any thread count."""
    _setup()
    return {
        "gemm": _core.nn_gemm_backend(),
        "blas": _blas.get("internal_api"),
        "blas_version": _blas.get("version"),
        "blas_kernel": _blas.get("architecture"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE") or None,
    }


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread inside the block (restored after); cheap when it already does."""
    _setup()
    ctl = _blas_ctl
    n = ctl.num_threads if ctl is not None else 1
    if n == 1:
        yield
        return
    ctl.set_num_threads(1)
    try:
        yield
    finally:
        ctl.set_num_threads(n)


def conv2d_forward(x: np.ndarray, wp: np.ndarray, k: int, stride: int, padding: int, bias: Any, relu: bool) -> Any:
    _setup()
    return _core.nn_conv2d_forward(x, wp, k, stride, padding, bias=bias, relu=relu)


def conv2d_backward(x: Any, wp: Any, y: Any, grad: Any, k: int, stride: int, padding: int, bias: bool, dx: bool) -> Any:
    _setup()
    return _core.nn_conv2d_backward(x, wp, y, grad, k, stride, padding, need_bias=bias, need_dx=dx)


def linear_forward(x: np.ndarray, w: np.ndarray, bias: Any, relu: bool) -> Any:
    _setup()
    return _core.nn_linear_forward(x, w, bias=bias, relu=relu)


def linear_backward(x: Any, w: Any, y: Any, grad: Any, bias: bool, dx: bool) -> Any:
    _setup()
    return _core.nn_linear_backward(x, w, y, grad, need_bias=bias, need_dx=dx)


maxpool2_forward = _core.nn_maxpool2_forward
maxpool2_backward = _core.nn_maxpool2_backward


def sgd_step(
    v: np.ndarray, grad: np.ndarray, w: np.ndarray, dw: np.ndarray, momentum: float, wd: float, lr: float
) -> None:
    """In place: ``v = momentum * v + grad + wd * w``, ``dw = -lr * v`` (float32, one pass; the
    same bits as those steps in numpy)."""
    _core.nn_sgd_step(v, grad, w, dw, momentum, wd, lr)
