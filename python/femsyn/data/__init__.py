"""Datasets for femsyn: MNIST, Fashion-MNIST (IDX) and CIFAR-10 (binary version).

``load_dataset(name, data_dir=None, ...)`` returns a :class:`Dataset` with float32 NCHW
arrays (normalized) and int64 labels, plus strings that say exactly which split the
training and evaluation images come from (every reported accuracy must name its split).

Look-up order for the data files:

1. ``data_dir`` (the CLI's ``--data-dir``),
2. ``$FEMSYN_DATA``,
3. the user cache directory (``$XDG_CACHE_HOME/femsyn`` or ``~/.cache/femsyn``),
4. system locations (Debian's ``/usr/share/datasets/<name>``, Fashion-MNIST only),

and in each root both ``<root>/<dataset>/<files>`` and ``<root>/<files>`` are accepted.
When nothing is found and ``download`` is true, the files are downloaded into the cache
from the canonical URLs and verified. When MNIST cannot be found or fetched and
``allow_sample`` is true, a small real MNIST sample bundled with the package is used
and a loud warning is emitted.

Modules: :mod:`~femsyn.data.catalog` (names, classes, normalization, mirrors),
:mod:`~femsyn.data.locate` (where the files are), :mod:`~femsyn.data.download`,
:mod:`~femsyn.data.checksums`, the readers :mod:`~femsyn.data.idx` and
:mod:`~femsyn.data.cifar10`, :mod:`~femsyn.data.cache` (decoded arrays),
:mod:`~femsyn.data.bundled` (the MNIST sample), :mod:`~femsyn.data.loader` (``load_dataset``),
:mod:`~femsyn.data.tool` (the command line).
This package needs nothing else of femsyn.

Integrity: MNIST ``.gz`` files are checked against their published SHA-256;
Fashion-MNIST files against the published MD5 of the decompressed IDX bytes (or the
published ``.gz`` MD5); CIFAR-10 ``.bin`` files by size, record count and label range.
Decoded (verified) arrays are cached as ``.npy`` under ``<cache>/decoded`` keyed by the
source files' path, size and mtime, so later loads skip hashing and decompression.

Command line: ``python -m femsyn.data {where,verify,make-sample} ...``.
"""

from __future__ import annotations

from femsyn.data.bundled import make_sample, sample_path
from femsyn.data.cache import cache_dir
from femsyn.data.catalog import DATASETS, dataset_names
from femsyn.data.dataset import Dataset
from femsyn.data.download import fetch_url
from femsyn.data.errors import BundledSampleWarning, DatasetChecksumError, DatasetFormatError, DatasetNotFoundError
from femsyn.data.loader import load_dataset
from femsyn.data.locate import find_dataset
from femsyn.data.tool import main as main  # python -m femsyn.data (not in __all__, as before)

__all__ = [
    "DATASETS",
    "BundledSampleWarning",
    "Dataset",
    "DatasetChecksumError",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "cache_dir",
    "dataset_names",
    "fetch_url",
    "find_dataset",
    "load_dataset",
    "make_sample",
    "sample_path",
]
