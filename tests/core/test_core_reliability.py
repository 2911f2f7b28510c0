"""The native API under bad input: sizes checked before allocating, the project's own argument
conversions (bools are no counts, overflow is a ValueError naming the argument)."""

from __future__ import annotations

import dataclasses

import femsyn
import numpy as np
import pytest
from femsyn import SynapseArray, preset
from femsyn._core import validate_device


def test_an_array_too_large_for_memory_is_a_value_error_not_an_abort() -> None:
    with pytest.raises(ValueError, match=r"^rows, cols: rows=100000, cols=100000: a 'hybrid' array needs 3\d+ bytes"):
        SynapseArray(100000, 100000, preset("femfet-6b"))
    with pytest.raises(ValueError, match=r"rows and cols must be >= 1 and rows \* cols at most 2\*\*34"):
        SynapseArray(2**40, 2**40, preset("float"))


def test_from_state_checks_lengths_before_allocating() -> None:
    st = SynapseArray(3, 4, preset("femfet-6b")).state_dict()
    st["rows"] = st["cols"] = 100000
    with pytest.raises(
        ValueError, match=r"state\['msb'\]: expected 10000000000 values \(shape \(100000, 100000\)\), got 12"
    ):
        SynapseArray.from_state(st)


@pytest.mark.parametrize(
    ("call", "exc", "msg"),
    [
        (lambda: SynapseArray(True, 4, preset("float")), TypeError, r"^rows: expected an integer .* got bool \(True\)"),
        (lambda: SynapseArray(3, 2**70, preset("float")), ValueError, r"^cols: invalid value 1180591620717411303424"),
        (lambda: SynapseArray(3, 4, preset("float"), seed=True), TypeError, r"^seed: expected int, got bool"),
        (lambda: SynapseArray(3, 4, preset("float"), w_max="0.5"), TypeError, r"^w_max: expected a real number"),
        (
            lambda: SynapseArray(3, 4, preset("float")).weights(inference=1),
            TypeError,
            r"^inference: expected True or False",
        ),
        (lambda: SynapseArray(3, 4, preset("float")).advance(None), TypeError, r"^seconds: expected a real number"),
        (lambda: femsyn.set_num_threads(True), TypeError, r"^n: expected an integer in \[1, 1024\], got bool"),
        (
            lambda: SynapseArray(3, 4, preset("float")).step(np.zeros((3, 4), np.float32), images=2**64),
            ValueError,
            r"^images: invalid value 18446744073709551616",
        ),
    ],
)
def test_arguments_are_converted_with_errors_naming_them(call, exc, msg) -> None:
    with pytest.raises(exc, match=msg):
        call()


@pytest.mark.parametrize(
    ("field", "value", "exc", "msg"),
    [
        ("msb_bits", 3.0, TypeError, r"^msb_bits: expected int, got float \(3\.0\)"),
        ("msb_bits", True, TypeError, r"^msb_bits: expected int, got bool"),
        ("msb_bits", 2**70, ValueError, r"^msb_bits: invalid value 1180591620717411303424"),
        ("tau_leak_s", 10**400, ValueError, r"^tau_leak_s: invalid value 1000.*\.\.\.; too large for a float"),
    ],
)
def test_device_fields_are_converted_with_errors_naming_them(field, value, exc, msg) -> None:
    d = {**dataclasses.asdict(preset("femfet-6b")), field: value}
    with pytest.raises(exc, match=msg):
        validate_device(d)
