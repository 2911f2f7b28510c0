"""One training step (batch 64, random data) of LeNet, MLP and VGG for float, ideal-6b, femfet-6b.

Compare the presets of one net in the same run (``--benchmark-group-by=param:net``); the
interleaved, ratio-oriented measurement is ``femsyn bench`` (femsyn.bench.training).
"""

from __future__ import annotations

import pytest
from femsyn.bench.training import Stepper

NETS = ["lenet", "mlp", pytest.param("vgg", marks=pytest.mark.slow)]
PRESETS = ["float", "ideal-6b", "femfet-6b"]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("net", NETS)
def bench_train_step(benchmark, net: str, preset: str) -> None:
    s = Stepper(net, preset, batch_size=64)
    for _ in range(2):
        s.step()
    benchmark.extra_info.update(net=net, preset=preset, batch_size=64, cells=s.cells)
    if net == "vgg":
        benchmark.pedantic(s.step, rounds=5, iterations=1, warmup_rounds=0)
    else:
        benchmark(s.step)
