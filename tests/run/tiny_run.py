"""What the fault tests of the run directory share: a run of a few seconds, and quiet warnings.

(Imported by those test modules; pytest puts this folder on ``sys.path`` for them.)"""

from __future__ import annotations

import warnings

import pytest

#: mlp 784-16-10 on 256 training images: 4 steps of 64 per epoch, 100 validation images
TINY = dict(net="mlp", hidden=[16], train_limit=256, val_size=100, batch_size=64, progress=False, threads=1)


@pytest.fixture(autouse=True)
def quiet():
    """Training warnings (no MSB writes in so short a run, ...) are not what these tests check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
