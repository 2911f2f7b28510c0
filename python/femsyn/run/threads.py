"""Threads of a run: femsyn's pool (all cores by default; results never depend on it) and BLAS (one)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from femsyn._core import set_num_threads

__all__ = ["blas_threads", "set_threads"]


def set_threads(n: int | None) -> None:
    """Thread count of the Rust kernels (``femsyn.set_num_threads``); None leaves it as is."""
    if n is None:
        return
    set_num_threads(int(n))


@contextlib.contextmanager
def blas_threads(n: int | None = None) -> Iterator[None]:
    """BLAS on one thread while training/evaluating (``n`` is ignored: kept for callers).

    The layers call BLAS from femsyn's own threads, one fixed block of a layer per call, so a
    step uses every core without BLAS threads; a threaded BLAS would sum in another order (results
    would depend on its thread count) and its spinning threads collide with femsyn's and with
    other processes (on a busy 2-core machine 2 BLAS threads measured 4x slower than 1).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
