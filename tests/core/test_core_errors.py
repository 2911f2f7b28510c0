"""Every input-error path of SynapseArray raises a clear TypeError / ValueError."""

from __future__ import annotations

import math

import femsyn
import numpy as np
import pytest
from femsyn import SynapseArray, preset


@pytest.fixture
def arr():
    return SynapseArray(3, 4, preset("femfet-6b"))


@pytest.mark.parametrize("method", ["update", "program", "step"])
def test_wrong_dtype_is_typeerror(arr, method):
    with pytest.raises(TypeError, match=r"float32.*float64"):
        getattr(arr, method)(np.zeros((3, 4)))


@pytest.mark.parametrize("bad", [[[0.0] * 4] * 3, 1.0, None, "x"])
def test_non_array_is_typeerror(arr, bad):
    with pytest.raises(TypeError, match="dw"):
        arr.update(bad)


@pytest.mark.parametrize("shape", [(4, 3), (12,), (3, 4, 1), (1, 4)])
def test_wrong_shape_is_valueerror(arr, shape):
    with pytest.raises(ValueError, match=r"dw: expected shape \(3, 4\)"):
        arr.update(np.zeros(shape, np.float32))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_is_valueerror_and_state_untouched(arr, bad):
    before = arr.state_dict()
    dw = np.zeros((3, 4), np.float32)
    dw[1, 2] = bad
    with pytest.raises(ValueError, match=r"dw: contains a non-finite value .* at flat index 6"):
        arr.update(dw)
    with pytest.raises(ValueError, match="w: contains"):
        arr.program(dw)
    after = arr.state_dict()
    np.testing.assert_array_equal(before["lsb"], after["lsb"])
    assert before["counters"] == after["counters"]


def test_non_contiguous_input_is_copied(arr):
    big = np.arange(24, dtype=np.float32).reshape(3, 8) * 1e-4
    view = big[:, ::2]
    assert not view.flags.c_contiguous
    b = SynapseArray(3, 4, preset("femfet-6b"))
    arr.update(view)
    b.update(np.ascontiguousarray(view))
    np.testing.assert_array_equal(arr.weights(), b.weights())
    t = SynapseArray(4, 3, preset("float"))
    t.program(np.ones((3, 4), np.float32).T)
    assert (t.weights() == 1).all()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(rows=-1), ValueError, "rows"),
        (dict(rows=0), ValueError, "shape"),
        (dict(w_max=0.0), ValueError, "w_max"),
        (dict(w_max=math.nan), ValueError, "w_max"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed="a"), TypeError, "seed"),
        (dict(device={"msb_bits": 0}), ValueError, "msb_bits"),
        (dict(device={"tau_leak_s": -1.0}), ValueError, "tau_leak_s"),
        (dict(device={"kind": "quantum"}), ValueError, "kind"),
        (dict(device={"rounding": "floor"}), ValueError, "rounding"),
        (dict(device={"residual": "x"}), ValueError, "residual"),
        (dict(device={"signed_mapping": "x"}), ValueError, "signed_mapping"),
        (dict(device={"bogus": 1}), ValueError, "valid names"),
        (dict(device={1: 1}), TypeError, "names must be str"),
        (dict(device=None), TypeError, "device"),
        (dict(device=3), TypeError, "device"),
    ],
)
def test_constructor_errors(kwargs, exc, match):
    args = dict(rows=2, cols=2, device=preset("femfet-6b"))
    args.update(kwargs)
    rows, cols, device = args.pop("rows"), args.pop("cols"), args.pop("device")
    with pytest.raises(exc, match=match):
        SynapseArray(rows, cols, device, **args)


def test_other_argument_errors(arr):
    with pytest.raises(ValueError, match="seconds"):
        arr.advance(-1.0)
    with pytest.raises(ValueError, match="seconds"):
        arr.advance(math.nan)
    with pytest.raises(ValueError, match="images"):
        arr.step(np.zeros((3, 4), np.float32), images=-1)
    with pytest.raises(ValueError, match="retention_s"):
        arr.weights(inference=True, retention_s=-1.0)
    with pytest.raises(ValueError, match=r"^n: invalid value 0; expected an integer in \[1, 1024\]"):
        femsyn.set_num_threads(0)


def test_large_seed_accepted():
    a = SynapseArray(1, 1, preset("femfet-6b"), seed=2**64 - 1)
    assert a.seed == 2**64 - 1
    assert "SynapseArray(rows=1" in repr(a)
