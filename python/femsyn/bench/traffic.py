"""Bytes per cell each synapse kernel must move, from the struct-of-arrays layout of the Rust
core, so ``GB/s = cells/s * bytes_per_cell`` can be put beside the memory bandwidth."""

from __future__ import annotations

__all__ = ["FIELD_BYTES", "KERNEL_TRAFFIC", "KERNEL_TRAFFIC_SIMPLE", "bytes_per_cell"]

# --- bytes per cell, from the struct-of-arrays layout of rust/src/array.rs ---------------------
#: Size in bytes of each per-cell field the kernels touch. `dw` is the caller's f32 update matrix,
#: `out` the f32 matrix a readout returns; the rest is array state, one Vec per field
#: (rust/src/array.rs ``SynapseArray``: w, msb, lsb, msb_error, msb_writes, step_up, step_down,
#: leak_rate, msb_offset, and ``decay``, the cached per-cell leak factor exp(-dt * rate)).
FIELD_BYTES: dict[str, int] = {
    "dw": 4,  # f32 requested weight change (input of update / step)
    "out": 4,  # f32 weights returned by a readout
    "w": 4,  # f32 weight of a float array
    "msb": 2,  # u16 level index (ideal and hybrid)
    "lsb": 4,  # f32 LSB charge, pulse units
    "msb_error": 4,  # f32 programming error of the current MSB level
    "msb_offset": 4,  # f32 static (d2d) MSB level offset
    "msb_writes": 4,  # u32 endurance counter
    "step_up": 4,  # f32 static (d2d, asymmetry) LSB step, up
    "step_down": 4,  # f32 static LSB step, down
    "leak_rate": 4,  # f32 static 1/tau of the LSB leak
    "decay": 4,  # f32 cached leak factor for the pending time step
}

#: Fields each kernel reads and writes for every cell of a hybrid array on its common path
#: (no carry: an MSB write also touches msb, msb_error and msb_writes, but for few cells).
#: The benchmarked call of each kernel is described in :func:`bench_kernel`.
KERNEL_TRAFFIC: dict[str, dict[str, tuple[str, ...]]] = {
    # lsb += sign * step_{up|down} * n * (1 + c2c noise); n from stochastic rounding of dw / D_L;
    # clip; overflow check. Pulses go either way, so both step arrays are streamed.
    "update": {"read": ("dw", "lsb", "step_up", "step_down"), "write": ("lsb",)},
    # the same call on the training-like workload (femsyn.bench.workload: most cells 0 pulses)
    "update-train": {"read": ("dw", "lsb", "step_up", "step_down"), "write": ("lsb",)},
    # the training step: advance(images * t_image) + the update above with the pending leak
    # fused in (lsb *= decay); decay is cached while dt stays the same.
    "step": {"read": ("dw", "lsb", "decay", "step_up", "step_down"), "write": ("lsb",)},
    # leak alone: advance(dt) + update with dw = 0 (no pulses): lsb *= decay for every cell.
    "leak": {"read": ("dw", "lsb", "decay"), "write": ("lsb",)},
    # carry = round(lsb / N_L) for every cell; residual written back.
    "transfer": {"read": ("lsb", "msb"), "write": ("lsb",)},
    # w = level(msb) + msb_offset + msb_error + D_L * lsb.
    "readout": {"read": ("msb", "msb_offset", "msb_error", "lsb"), "write": ("out",)},
}

#: Same accounting for the float and ideal kinds (their arrays hold one weight / level per cell).
KERNEL_TRAFFIC_SIMPLE: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "float": {
        "update": {"read": ("dw", "w"), "write": ("w",)},
        "step": {"read": ("dw", "w"), "write": ("w",)},
        "readout": {"read": ("w",), "write": ("out",)},
    },
    "ideal": {
        "update": {"read": ("dw", "msb"), "write": ("msb",)},
        "step": {"read": ("dw", "msb"), "write": ("msb",)},
        "readout": {"read": ("msb",), "write": ("out",)},
    },
}


def bytes_per_cell(kernel: str, kind: str = "hybrid") -> int:
    """Bytes read + written per cell by `kernel` on an array of device `kind`."""
    table = KERNEL_TRAFFIC if kind == "hybrid" else KERNEL_TRAFFIC_SIMPLE.get(kind, {})
    if kernel not in table:
        raise ValueError(f"no byte accounting for kernel {kernel!r} on kind {kind!r}")
    t = table[kernel]
    return sum(FIELD_BYTES[f] for f in t["read"]) + sum(FIELD_BYTES[f] for f in t["write"])
