"""Where a SPEC key is (file and line), so that every SPEC error names the line to fix.

``tomllib`` gives values, not positions; :class:`Where` scans the TOML text once for table headers
and ``key =`` lines, which is enough for the tables and keys a SPEC has.
"""

from __future__ import annotations

import re
from typing import NoReturn

__all__ = ["SpecError", "Where"]


class SpecError(ValueError):
    """A SPEC is malformed or one of its points is invalid; the message names the file, line and key."""


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_PART = r"(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)"
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _norm(dotted: str) -> str:
    """``grid . "device.tau_leak_s"`` -> ``grid.device.tau_leak_s``."""
    return re.sub(r"\s*\.\s*", ".", dotted.strip()).replace('"', "").replace("'", "")


class Where:
    """Locations of the keys of one SPEC (``path`` None: a dict from Python, no lines)."""

    def __init__(self, path: str | None, text: str | None) -> None:
        self.path = path or "SPEC"
        self.lines: dict[tuple[str, str], int] = {}
        if text:
            self._scan(text)

    def _scan(self, text: str) -> None:
        table = ""
        for number, line in enumerate(text.splitlines(), 1):
            header = _HEADER.match(line)
            if header:
                table = _norm(header.group(1))
                self.lines.setdefault((table.partition(".")[0], ""), number)
                continue
            key = _KEY.match(line)
            if key:
                full = f"{table}.{_norm(key.group(1))}" if table else _norm(key.group(1))
                group, _, rest = full.partition(".") if "." in full else ("", "", full)
                self.lines.setdefault((group, rest), number)

    def line(self, group: str, key: str) -> int | None:
        """The line of ``key`` in table ``group`` ("" = the top level), else of the table header."""
        return self.lines.get((group, key)) or self.lines.get((group, ""))

    def at(self, group: str, key: str) -> str:
        """``spec.toml:12: [grid] lr`` (no line for a dict SPEC)."""
        line = self.line(group, key)
        place = f"{self.path}:{line}" if line else self.path
        return f"{place}: [{group}] {key}" if group else f"{place}: {key}"

    def fail(self, group: str, key: str, message: str) -> NoReturn:
        raise SpecError(f"{self.at(group, key)}: {message}")
