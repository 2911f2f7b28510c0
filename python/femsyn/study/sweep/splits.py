"""Which data a point trains and is evaluated on: the split names and sizes its dataset options
give here, found by loading the dataset once per (dataset, data_dir, val_size, train_limit).

The split names are part of a run's identity (:mod:`~femsyn.study.sweep.identity`), so a sweep
knows before anything runs whether it would use the full dataset or the bundled sample, and a
worker that finds different data than the machine that planned the sweep refuses the point
instead of training on the wrong data.
"""

from __future__ import annotations

import functools
import os
import time
import warnings
from dataclasses import dataclass

from femsyn.data import load_dataset

__all__ = ["Splits", "data_key", "probe_splits"]


@dataclass(frozen=True)
class Splits:
    """The split names (as summary.json records them), their sizes, and how long loading took."""

    train: str
    eval: str
    n_train: int
    n_eval: int
    load_s: float

    @property
    def names(self) -> dict[str, str]:
        return {"train": self.train, "eval": self.eval}


def data_key(config: object) -> tuple:
    """What decides a run's data: dataset, data_dir, val_size, train_limit."""
    return (
        config.dataset,
        config.data_dir,
        config.val_size,
        config.train_limit,
    )


#: environment variables that change where femsyn finds data (part of the cache key)
_DATA_ENV = ("FEMSYN_DATA", "FEMSYN_OFFLINE", "XDG_CACHE_HOME", "HOME")


def probe_splits(dataset: str, data_dir: str | None, val_size: int, train_limit: int | None) -> Splits:
    """Load the dataset as a run would (warnings, e.g. the bundled-sample one, are not repeated:
    the split names say it) and keep only its split names and sizes; cached per process."""
    env = tuple(os.environ.get(k) for k in _DATA_ENV)
    return _probe(dataset, data_dir, val_size, train_limit, env)


@functools.lru_cache(maxsize=16)
def _probe(dataset: str, data_dir: str | None, val_size: int, train_limit: int | None, env: tuple) -> Splits:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_dataset(dataset, data_dir, val_size=val_size, train_limit=train_limit)
    return Splits(ds.train_split, ds.eval_split, len(ds.train_y), len(ds.eval_y), time.perf_counter() - t0)
