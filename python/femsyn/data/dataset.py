"""A loaded dataset: normalized float32 NCHW images, int64 labels, and the names of its splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset. Images are float32 NCHW (normalized), labels int64."""

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    eval_x: np.ndarray
    eval_y: np.ndarray
    train_split: str
    eval_split: str
    classes: tuple[str, ...]
    is_sample: bool = False
    source: str = ""
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one image, (C, H, W)."""
        return tuple(self.train_x.shape[1:])

    @property
    def splits(self) -> dict[str, str]:
        """``{"train": train_split, "eval": eval_split}`` (the summary.json ``split`` entry)."""
        return {"train": self.train_split, "eval": self.eval_split}

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, train={self.train_x.shape} [{self.train_split}], "
            f"eval={self.eval_x.shape} [{self.eval_split}], is_sample={self.is_sample}, "
            f"source={self.source!r})"
        )
