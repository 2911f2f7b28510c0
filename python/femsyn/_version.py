"""The installed femsyn version (one place; imported by the package and by what it writes)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("femsyn")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
