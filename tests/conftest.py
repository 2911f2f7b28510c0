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


@pytest.fixture
def bundled_mnist(monkeypatch, tmp_path) -> None:
    """Runs use the MNIST sample bundled with femsyn (offline, 5000/1000 images), whatever
    $FEMSYN_DATA says; Dask worker processes started inside the test inherit this."""
    monkeypatch.delenv("FEMSYN_DATA", raising=False)
    monkeypatch.setenv("FEMSYN_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
