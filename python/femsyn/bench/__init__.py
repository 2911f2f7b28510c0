"""Speed of femsyn on this machine: synapse kernels, training steps, and the machine's limits.

`femsyn bench` (and :func:`run`) measures, in one run:

* the machine (:mod:`~femsyn.bench.machine`): memory bandwidth (large numpy copy, read+write
  bytes) and float32 GEMM rate, which BLAS numpy uses and how many threads femsyn and BLAS run;
* each O(cells) kernel of :class:`femsyn.SynapseArray` (:mod:`~femsyn.bench.kernels`: update with
  stochastic rounding and cycle-to-cycle noise, leak, transfer, readout) at several array sizes,
  as cells/s and GB/s beside the bandwidth (bytes per cell: :mod:`~femsyn.bench.traffic`), with a
  linear fit ``time = intercept + slope * cells`` (:mod:`~femsyn.bench.timing`);
* training steps of LeNet / MLP / VGG for several synapse presets (:mod:`~femsyn.bench.training`),
  interleaved in rounds so the ratios (femfet-6b / float) are measured side by side, and the peak
  memory of a LeNet training (:mod:`~femsyn.bench.memory`).

:mod:`~femsyn.bench.suite` runs them all, :mod:`~femsyn.bench.targets` checks the speed targets
and :mod:`~femsyn.bench.format` writes the text report.
"""

from __future__ import annotations

from femsyn.bench.format import format_report, format_training
from femsyn.bench.kernels import DEFAULT_SIZES, KERNELS, QUICK_SIZES, bench_kernel, bench_kernels, kernel_device
from femsyn.bench.suite import environment, run
from femsyn.bench.targets import TARGETS, check_targets
from femsyn.bench.timing import fit_linear, time_calls
from femsyn.bench.traffic import FIELD_BYTES, KERNEL_TRAFFIC, KERNEL_TRAFFIC_SIMPLE, bytes_per_cell

__all__ = [
    "DEFAULT_SIZES",
    "FIELD_BYTES",
    "KERNELS",
    "KERNEL_TRAFFIC",
    "KERNEL_TRAFFIC_SIMPLE",
    "QUICK_SIZES",
    "TARGETS",
    "bench_kernel",
    "bench_kernels",
    "bytes_per_cell",
    "check_targets",
    "environment",
    "fit_linear",
    "format_report",
    "format_training",
    "kernel_device",
    "run",
    "time_calls",
]
