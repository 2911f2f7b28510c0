"""Threads of a run: the Rust kernels' pool and BLAS (one thread by default, see why below)."""

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
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit BLAS to ``n`` threads (default 1) while training/evaluating, if threadpoolctl is installed.

    The GEMMs of a batch-64 LeNet step are too small for a multi-threaded BLAS to pay off, and
    its spinning threads collide with the Rust kernels' threads and with other processes: on a
    busy 2-core machine 2 BLAS threads measured 4x slower than 1 (987 vs 3914 images/s).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional dependency
        yield
        return
    with threadpool_limits(limits=int(n or 1), user_api="blas"):
        yield
