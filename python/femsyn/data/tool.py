"""Datasets for femsyn: MNIST, Fashion-MNIST (IDX) and CIFAR-10 (binary version).

The data tool, ``python -m femsyn.data {where,verify,make-sample} ...`` (``femsyn/data/__main__.py``
runs :func:`main`): where each dataset would be loaded from, load and verify one, regenerate the
bundled MNIST sample.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from femsyn.data.bundled import make_sample, sample_path
from femsyn.data.cache import cache_dir
from femsyn.data.catalog import DATASETS
from femsyn.data.loader import load_dataset
from femsyn.data.locate import find_dataset

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``python -m femsyn.data``; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.cmd == "where":
        return _where(args)
    if args.cmd == "verify":
        return _verify(args)
    path = make_sample(args.mnist_dir, args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m femsyn.data", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("where", help="show where each dataset would be loaded from")
    p.add_argument("--data-dir", default=None)
    p = sub.add_parser("verify", help="load and verify a dataset, print its splits")
    p.add_argument("name", choices=DATASETS)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--val-size", type=int, default=0)
    p.add_argument("--no-download", action="store_true")
    p = sub.add_parser("make-sample", help="regenerate the bundled MNIST sample")
    p.add_argument("--mnist-dir", default=None, help="directory with the 4 MNIST .gz files")
    p.add_argument("--out", default=None, help=f"output .npz (default: {sample_path()})")
    return ap


def _where(args: argparse.Namespace) -> int:
    for n in DATASETS:
        d = find_dataset(n, args.data_dir)
        print(f"{n:14s} {d if d is not None else 'NOT FOUND'}")
    print(f"{'cache':14s} {cache_dir()}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    ds = load_dataset(args.name, args.data_dir, val_size=args.val_size, download=not args.no_download)
    info = {
        "name": ds.name,
        "source": ds.source,
        "train_split": ds.train_split,
        "eval_split": ds.eval_split,
        "train_x": list(ds.train_x.shape),
        "eval_x": list(ds.eval_x.shape),
        "train_label_counts": np.bincount(ds.train_y, minlength=10).tolist(),
        "eval_label_counts": np.bincount(ds.eval_y, minlength=10).tolist(),
        "is_sample": ds.is_sample,
    }
    print(json.dumps(info, indent=2))
    return 0
