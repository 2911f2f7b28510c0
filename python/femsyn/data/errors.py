"""What can go wrong when loading a dataset (and the warning when the bundled sample stands in)."""

from __future__ import annotations

__all__ = ["BundledSampleWarning", "DatasetChecksumError", "DatasetFormatError", "DatasetNotFoundError"]


class DatasetNotFoundError(FileNotFoundError):
    """The dataset files are not in any searched location and could not be downloaded."""


class DatasetChecksumError(ValueError):
    """A dataset file does not match its published checksum."""


class DatasetFormatError(ValueError):
    """A dataset file is truncated or malformed (bad gzip, bad IDX magic, wrong counts)."""


class BundledSampleWarning(UserWarning):
    """Full MNIST was not found; the small sample bundled with femsyn is used instead."""
