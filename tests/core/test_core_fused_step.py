"""``SynapseArray.step(dw, images, out=buf)``: the training weights after the step, written in
the update's pass, are bit-identical to ``step`` followed by ``weights()``; bad ``out``
arguments are clear errors that leave the array untouched."""

from __future__ import annotations

import numpy as np
import pytest
from femsyn import SynapseArray, preset, presets

SHAPE = (23, 1500)  # 34,500 cells: more than two of the kernels' 16,384-cell chunks


def _pair(name: str) -> tuple[SynapseArray, SynapseArray, np.random.Generator]:
    rng = np.random.default_rng(7)
    w0 = rng.uniform(-0.4, 0.4, SHAPE).astype(np.float32)
    a, b = (SynapseArray(*SHAPE, preset(name), seed=11, w_max=0.5) for _ in range(2))
    a.program(w0)
    b.program(w0)
    return a, b, rng


@pytest.mark.parametrize("name", presets())
def test_fused_step_matches_step_then_weights(name):
    a, b, rng = _pair(name)
    out = np.full(SHAPE, np.nan, dtype=np.float32)
    # 130 steps of 64 images cross one periodic transfer (every 8000 images) of the v2 presets
    for s in range(130):
        scale = (0.0, 0.004, 0.03)[s % 3]  # no request, sub-pulse requests, multi-pulse ones
        dw = (rng.standard_normal(SHAPE) * scale).astype(np.float32)
        assert a.step(dw, images=64, out=out) == b.step(dw, images=64)
        np.testing.assert_array_equal(out.view(np.uint32), b.weights().view(np.uint32))
    assert a.counters() == b.counters()
    sa, sb = a.state_dict(), b.state_dict()
    for key in ("msb", "lsb", "msb_error", "msb_writes", "w"):
        if key in sa:
            np.testing.assert_array_equal(sa[key], sb[key])


def test_fused_step_after_advance_applies_the_leak():
    a, b, rng = _pair("femfet-6b")
    out = np.empty(SHAPE, dtype=np.float32)
    dw = (rng.standard_normal(SHAPE) * 0.01).astype(np.float32)
    a.advance(0.05)
    b.advance(0.05)
    a.step(dw, 64, out=out)
    b.step(dw, 64)
    np.testing.assert_array_equal(out, b.weights())


@pytest.mark.parametrize(
    "bad,err,match",
    [
        (np.zeros(SHAPE, dtype=np.float64), TypeError, r"out.*float32"),
        (np.zeros(SHAPE[::-1], dtype=np.float32), ValueError, r"out.*shape"),
        (np.zeros((SHAPE[0], 2 * SHAPE[1]), dtype=np.float32)[:, ::2], ValueError, r"out.*C-contiguous"),
        ([[0.0] * SHAPE[1]] * SHAPE[0], TypeError, r"out"),
    ],
)
def test_bad_out_is_an_error_and_changes_nothing(bad, err, match):
    a, b, _ = _pair("femfet-6b")
    dw = np.full(SHAPE, 0.01, dtype=np.float32)
    with pytest.raises(err, match=match):
        a.step(dw, 64, out=bad)
    assert a.counters() == b.counters()
    np.testing.assert_array_equal(a.weights(), b.weights())


def test_out_read_only_or_dw_itself_is_valueerror():
    a, _, _ = _pair("femfet-6b")
    ro = np.zeros(SHAPE, dtype=np.float32)
    ro.flags.writeable = False
    dw = np.zeros(SHAPE, dtype=np.float32)
    with pytest.raises(ValueError, match="out"):
        a.step(dw, 64, out=ro)
    with pytest.raises(ValueError, match="out"):
        a.step(dw, 64, out=dw)
    assert a.counters()["updates"] == 0
