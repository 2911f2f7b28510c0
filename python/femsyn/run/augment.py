"""Data augmentation of training batches: random crop of the zero-padded image + horizontal flip."""

from __future__ import annotations

import numpy as np

__all__ = ["augment_batch"]


def augment_batch(x: np.ndarray, rng: np.random.Generator, pad: int = 4, flip: bool = True) -> np.ndarray:
    """Random crop of the ``pad``-pixel zero-padded image + random horizontal flip, per image.

    ``x`` is a (N, C, H, W) batch of normalized images (zero padding = the dataset mean colour,
    since the inputs are mean-subtracted); returns the augmented batch in the internal
    channels-last layout (N, H, W, C), float32, contiguous: one fancy-index gather, no loop.
    Draws, in this order, N row offsets, N column offsets (``integers(0, 2*pad+1)``) and, if
    ``flip``, N flip bits (``random() < 0.5``) from ``rng``.
    """
    if x.ndim != 4:
        raise ValueError(f"augment_batch needs (N, C, H, W) images, got shape {x.shape}")
    n, c, h, w = x.shape
    dy = rng.integers(0, 2 * pad + 1, size=n)
    dx = rng.integers(0, 2 * pad + 1, size=n)
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=np.float32)
    xp[:, :, pad : pad + h, pad : pad + w] = x
    rows = dy[:, None] + np.arange(h)  # (N, H)
    ar = np.arange(w)
    if flip:
        f = rng.random(n) < 0.5
        cols = dx[:, None] + np.where(f[:, None], w - 1 - ar, ar)  # (N, W)
    else:
        cols = dx[:, None] + ar
    return xp[
        np.arange(n)[:, None, None, None],
        np.arange(c)[None, None, None, :],
        rows[:, :, None, None],
        cols[:, None, :, None],
    ]
