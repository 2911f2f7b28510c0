"""SynapseArray kernels at 1e4 .. 1e7 cells (femfet-6b, c2c noise on, stochastic rounding).

``benchmark.extra_info`` carries cells, bytes per cell (femsyn.bench.KERNEL_TRAFFIC) so cells/s
and GB/s can be computed from the JSON output (``--benchmark-json``).
"""

from __future__ import annotations

import numpy as np
import pytest
from femsyn import SynapseArray
from femsyn.bench.kernels import KERNELS, _lsb_step, _shape, kernel_device
from femsyn.bench.traffic import bytes_per_cell

SIZES = [
    pytest.param(10_000, id="1e4"),
    pytest.param(100_000, id="1e5"),
    pytest.param(1_000_000, id="1e6"),
    pytest.param(10_000_000, id="1e7", marks=pytest.mark.slow),
]
PRESETS = ["femfet-6b", "ideal-6b", "float"]


def _array(cells: int, preset: str = "femfet-6b"):
    dev = kernel_device(preset)
    rows, cols = _shape(cells)
    arr = SynapseArray(rows, cols, dev, seed=0, w_max=1.0)
    rng = np.random.default_rng(0)
    arr.program(rng.uniform(-0.8, 0.8, size=(rows, cols)).astype(np.float32))
    dw = (rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(0.5 * _lsb_step(dev, 1.0))).astype(
        np.float32
    )
    return arr, dw, dev


def _info(benchmark, kernel: str, cells: int, kind: str) -> None:
    benchmark.extra_info["cells"] = cells
    try:
        benchmark.extra_info["bytes_per_cell"] = bytes_per_cell(kernel, kind)
    except ValueError:
        pass


@pytest.mark.parametrize("cells", SIZES)
@pytest.mark.parametrize("preset", PRESETS)
def bench_update(benchmark, cells: int, preset: str) -> None:
    arr, dw, dev = _array(cells, preset)
    neg = -dw
    flip = [False]

    def update() -> None:
        flip[0] = not flip[0]
        arr.update(dw if flip[0] else neg)

    _info(benchmark, "update", cells, dev.kind)
    benchmark(update)


@pytest.mark.parametrize("cells", SIZES)
@pytest.mark.parametrize("preset", PRESETS)
def bench_step(benchmark, cells: int, preset: str) -> None:
    arr, dw, dev = _array(cells, preset)
    neg = -dw
    flip = [False]

    def step() -> None:
        flip[0] = not flip[0]
        arr.step(dw if flip[0] else neg, 64)

    _info(benchmark, "step", cells, dev.kind)
    benchmark(step)


@pytest.mark.parametrize("cells", SIZES)
def bench_leak(benchmark, cells: int) -> None:
    arr, dw, dev = _array(cells)
    arr.update(dw)
    zeros = np.zeros_like(dw)

    def leak() -> None:
        arr.advance(64e-6)
        arr.update(zeros)

    _info(benchmark, "leak", cells, dev.kind)
    benchmark(leak)


@pytest.mark.parametrize("cells", SIZES)
def bench_transfer(benchmark, cells: int) -> None:
    arr, dw, dev = _array(cells)
    big = (dw * np.float32(8.0)).astype(np.float32)

    def charge():
        arr.update(big)
        np.negative(big, out=big)
        return (), {}

    _info(benchmark, "transfer", cells, dev.kind)
    benchmark.pedantic(arr.transfer, setup=charge, rounds=10 if cells >= 10_000_000 else 30)


@pytest.mark.parametrize("cells", SIZES)
@pytest.mark.parametrize("preset", PRESETS)
def bench_readout(benchmark, cells: int, preset: str) -> None:
    arr, dw, dev = _array(cells, preset)
    arr.update(dw)
    _info(benchmark, "readout", cells, dev.kind)
    benchmark(arr.weights)


@pytest.mark.parametrize("cells", SIZES)
def bench_readout_inference(benchmark, cells: int) -> None:
    arr, dw, dev = _array(cells)
    arr.update(dw)
    benchmark.extra_info["cells"] = cells
    benchmark(lambda: arr.weights(inference=True))


def test_kernel_list_is_covered() -> None:
    assert set(KERNELS) == {"update", "step", "leak", "transfer", "readout"}
