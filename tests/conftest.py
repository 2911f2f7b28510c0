"""Shared pytest fixtures: where the real datasets are, and a tmp run directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_root() -> Path:
    """Root of the real datasets ($FEMSYN_DATA); tests that need full data skip without it."""
    root = os.environ.get("FEMSYN_DATA")
    if not root or not Path(root).is_dir():
        pytest.skip("FEMSYN_DATA is not set to the datasets folder")
    return Path(root)
