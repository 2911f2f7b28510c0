"""Measured LSB response tables from CSV files (the ``table`` response model).

The file has the header ``pulse,g_ltp,g_ltd`` and one row per pulse: ``g_ltp`` is the
conductance after that many potentiation pulses from G_min, ``g_ltd`` after that many
depression pulses from G_max, in siemens or normalized (each curve is normalized by its own end
points: only the shape counts, see ``DeviceParams.lsb_table_ltp``). Blank lines and lines
starting with ``#`` are skipped::

    # my device, 25 C
    pulse,g_ltp,g_ltd
    0,1.0e-9,38.5e-9
    1,4.2e-9,31.0e-9
    ...

>>> from femsyn.device import load_lsb_table, preset              # doctest: +SKIP
>>> dev = preset("femfet-6b").replace(**load_lsb_table("device.csv"))

From a run TOML: ``[device] lsb_table = "device.csv"`` (a path relative to the TOML file).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

__all__ = ["TABLE_HEADER", "load_lsb_table"]

#: the required header, in this order
TABLE_HEADER = ("pulse", "g_ltp", "g_ltd")

# column -> +1 strictly increasing, -1 strictly decreasing
_ORDER = {"pulse": 1, "g_ltp": 1, "g_ltd": -1}


def load_lsb_table(path: str | os.PathLike) -> dict[str, Any]:
    """The ``DeviceParams`` fields of a measured table: ``lsb_response="table"``, the
    ``lsb_table_pulse`` / ``lsb_table_ltp`` / ``lsb_table_ltd`` tuples, and the ``exp`` model's
    fields at their defaults, so the result replaces the response of any preset
    (``preset("femfet-6b").replace(**load_lsb_table(path))``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: wrong header, a row that is not three finite numbers, fewer than 2 rows, or
            a column that is not strictly monotone (pulse and g_ltp increasing, g_ltd
            decreasing); the message names the file, the row and its line.
    """
    p = Path(path)
    rows = _rows(p)
    if len(rows) < 2:
        raise ValueError(f"{p}: {len(rows)} data row(s); a table needs at least 2 (pulse 0 and the end)")
    cols = {name: tuple(r[i] for _, r in rows) for i, name in enumerate(TABLE_HEADER)}
    for name, sign in _ORDER.items():
        v = cols[name]
        for k in range(1, len(v)):
            if not sign * (v[k] - v[k - 1]) > 0:
                how = "above" if sign > 0 else "below"
                line = rows[k][0]
                raise ValueError(
                    f"{p}, row {k + 1} (line {line}): {name} = {v[k]!r} is not strictly {how} the row "
                    f"before ({v[k - 1]!r}); {name} must be strictly {'increasing' if sign > 0 else 'decreasing'}"
                )
    return {
        "lsb_response": "table",
        "lsb_exp_a_up": 0.0,
        "lsb_exp_a_down": 0.0,
        "lsb_exp_a_d2d_rel": 0.0,
        "lsb_table_pulse": cols["pulse"],
        "lsb_table_ltp": cols["g_ltp"],
        "lsb_table_ltd": cols["g_ltd"],
    }


def _rows(p: Path) -> list[tuple[int, tuple[float, float, float]]]:
    """(line number, values) of every data row, after checking the header."""
    header_seen = False
    rows: list[tuple[int, tuple[float, float, float]]] = []
    with open(p, encoding="utf-8") as f:
        for line_no, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = [x.strip() for x in line.split(",")]
            if not header_seen:
                if tuple(x.lower() for x in fields) != TABLE_HEADER:
                    raise ValueError(
                        f"{p}, line {line_no}: expected the header {','.join(TABLE_HEADER)!r}, got {line!r}"
                    )
                header_seen = True
                continue
            rows.append((line_no, _values(p, len(rows) + 1, line_no, fields)))
    if not header_seen:
        raise ValueError(f"{p}: empty; expected the header {','.join(TABLE_HEADER)!r} and at least 2 rows")
    return rows


def _values(p: Path, row: int, line_no: int, fields: list[str]) -> tuple[float, float, float]:
    where = f"{p}, row {row} (line {line_no})"
    if len(fields) != len(TABLE_HEADER):
        raise ValueError(f"{where}: {len(fields)} values; expected {len(TABLE_HEADER)} ({','.join(TABLE_HEADER)})")
    out = []
    for name, text in zip(TABLE_HEADER, fields):
        try:
            v = float(text)
        except ValueError:
            raise ValueError(f"{where}: {name} = {text!r} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"{where}: {name} = {text!r} is not finite")
        out.append(v)
    return out[0], out[1], out[2]
