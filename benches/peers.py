#!/usr/bin/env python
"""femsyn against the tools a user would otherwise pick, interleaved in one run.

Trains LeNet-5 (batch 64, random MNIST-shaped data, SGD momentum 0.9) with every peer that is
importable, in rounds, at 1 and 2 threads, and prints images/s and the ratios femsyn / peer:

* ``femsyn-float``, ``femsyn-ideal-6b``, ``femsyn-femfet-6b``: femsyn's training step
  (``femsyn.bench.training.Stepper``: weights read from the SynapseArrays, im2col + BLAS, SGD,
  ``arr.step`` per layer) run as ``femsyn train`` runs it by default: BLAS on one thread, the
  Rust kernels on all; ``femsyn-float-blasN`` / ``femsyn-femfet-6b-blasN``: BLAS on all threads;
* ``numpy-im2col``: the same layers with plain numpy weight matrices (no device model): the
  "thin numpy loop" a user would write;
* ``torch-float``: PyTorch CPU, the same architecture (NCHW);
* ``aihwkit-ideal`` (FloatingPointRPUConfig / FloatingPointDevice: aihwkit's floating-point
  tile), ``aihwkit-idealdevice`` (SingleRPUConfig / IdealDevice: analog tile with default
  forward/backward IO noise and bounds), ``aihwkit-mixedprecision`` (MixedPrecisionCompound
  on SoftBounds), ``aihwkit-transfer`` (TransferCompound of two SoftBounds devices): IBM aihwkit
  analog layers with AnalogSGD, default IO settings.

Each thread count runs in its own subprocess with OMP/OpenBLAS/MKL/FEMSYN thread variables set
before anything is imported (and ``torch.set_num_threads``). Missing peers are listed, not fatal.

Set-up used for the issue (a throw-away environment; none of this is a femsyn dependency)::

    python -m venv /tmp/peers-venv
    /tmp/peers-venv/bin/pip install "torch==2.10.*" "aihwkit==1.1.*" threadpoolctl click
    # femsyn: either install it, or let this script use the source tree (python/ + built _core)
    /tmp/peers-venv/bin/python benches/peers.py   # --json for machines, --quick: a smoke run

The PyPI torch wheel for Linux pulls the CUDA runtime wheels (about 7 GB in the venv); the
CPU is what is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "FEMSYN_NUM_THREADS")
ALL_PEERS = (
    "femsyn-float",
    "femsyn-ideal-6b",
    "femsyn-femfet-6b",
    "femsyn-float-blasN",
    "femsyn-femfet-6b-blasN",
    "numpy-im2col",
    "torch-float",
    "aihwkit-ideal",
    "aihwkit-idealdevice",
    "aihwkit-mixedprecision",
    "aihwkit-transfer",
)
BATCH = 64


# --- peers: each factory returns a step() callable or raises ImportError -----------------------
def _import_femsyn() -> Any:
    try:
        import femsyn
    except ImportError:
        sys.path.insert(0, str(REPO / "python"))  # source tree with a built _core
        import femsyn
    return femsyn


def _femsyn_peer(preset: str, blas_threads: int | None = 1) -> Callable[[], Callable[[], None]]:
    """femsyn's training step; BLAS on `blas_threads` threads (None: the run's thread count).

    1 is what ``femsyn.run.train`` does by default (BLAS on one thread, the Rust kernels on all).
    """

    def make() -> Callable[[], None]:
        _import_femsyn()
        from femsyn.bench.training import Stepper

        s = Stepper("lenet", preset, batch_size=BATCH)

        def step() -> None:
            s.step()

        step.blas_threads = blas_threads  # type: ignore[attr-defined]
        return step

    return make


class _NumpyWeights:
    """Stands in for a SynapseArray: a plain float32 matrix, w += dw."""

    def __init__(self, w: Any) -> None:
        self.w = w

    def weights(self, inference: bool = False, retention_s: float = 0.0) -> Any:
        return self.w

    def step(self, dw: Any, images: int = 0) -> int:
        self.w += dw
        return 0


def _make_numpy() -> Callable[[], None]:
    _import_femsyn()
    import numpy as np
    from femsyn.bench.training import Stepper

    s = Stepper("lenet", "float", batch_size=BATCH)
    for layer in s.net.synaptic_layers:
        layer.array = _NumpyWeights(np.array(layer.array.weights(), dtype=np.float32))
    return s.step


def _torch_lenet() -> Any:
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def _aihwkit_lenet(rpu_config: Any) -> Any:
    import torch.nn as nn
    from aihwkit.nn import AnalogConv2d, AnalogLinear, AnalogSequential

    return AnalogSequential(
        AnalogConv2d(1, 6, 5, padding=2, rpu_config=rpu_config), nn.ReLU(), nn.MaxPool2d(2),
        AnalogConv2d(6, 16, 5, rpu_config=rpu_config), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        AnalogLinear(400, 120, rpu_config=rpu_config), nn.ReLU(),
        AnalogLinear(120, 84, rpu_config=rpu_config), nn.ReLU(),
        AnalogLinear(84, 10, rpu_config=rpu_config),
    )  # fmt: skip


def _torch_step(model: Any, opt: Any) -> Callable[[], None]:
    import torch

    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(BATCH, 1, 28, 28, generator=g) for _ in range(4)]
    ys = [torch.randint(0, 10, (BATCH,), generator=g) for _ in range(4)]
    loss_fn = torch.nn.CrossEntropyLoss()
    i = [0]

    def step() -> None:
        x, y = xs[i[0] % 4], ys[i[0] % 4]
        i[0] += 1
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def _make_torch() -> Callable[[], None]:
    import torch

    torch.manual_seed(0)
    model = _torch_lenet()
    return _torch_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))


def _aihwkit_peer(kind: str) -> Callable[[], Callable[[], None]]:
    def make() -> Callable[[], None]:
        import torch
        from aihwkit.optim import AnalogSGD
        from aihwkit.simulator.configs import (
            DigitalRankUpdateRPUConfig,
            FloatingPointRPUConfig,
            SingleRPUConfig,
            UnitCellRPUConfig,
        )
        from aihwkit.simulator.configs.devices import (
            FloatingPointDevice,
            IdealDevice,
            MixedPrecisionCompound,
            SoftBoundsDevice,
            TransferCompound,
        )

        if kind == "ideal":
            cfg = FloatingPointRPUConfig(device=FloatingPointDevice())
        elif kind == "idealdevice":
            cfg = SingleRPUConfig(device=IdealDevice())
        elif kind == "mixedprecision":
            cfg = DigitalRankUpdateRPUConfig(device=MixedPrecisionCompound(device=SoftBoundsDevice()))
        else:
            cfg = UnitCellRPUConfig(device=TransferCompound(unit_cell_devices=[SoftBoundsDevice(), SoftBoundsDevice()]))
        torch.manual_seed(0)
        model = _aihwkit_lenet(cfg)
        opt = AnalogSGD(model.parameters(), lr=0.01, momentum=0.9)
        opt.regroup_param_groups(model)
        return _torch_step(model, opt)

    return make


FACTORIES: dict[str, Callable[[], Callable[[], None]]] = {
    "femsyn-float": _femsyn_peer("float"),
    "femsyn-ideal-6b": _femsyn_peer("ideal-6b"),
    "femsyn-femfet-6b": _femsyn_peer("femfet-6b"),
    "femsyn-float-blasN": _femsyn_peer("float", None),
    "femsyn-femfet-6b-blasN": _femsyn_peer("femfet-6b", None),
    "numpy-im2col": _make_numpy,
    "torch-float": _make_torch,
    "aihwkit-ideal": _aihwkit_peer("ideal"),
    "aihwkit-idealdevice": _aihwkit_peer("idealdevice"),
    "aihwkit-mixedprecision": _aihwkit_peer("mixedprecision"),
    "aihwkit-transfer": _aihwkit_peer("transfer"),
}


def _blas_setter() -> Callable[[int], None]:
    """A cheap function setting numpy's BLAS thread count (threadpoolctl; a no-op without it)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return lambda n: None
    libs = [c for c in ThreadpoolController().select(user_api="blas").lib_controllers]

    def set_n(n: int) -> None:
        for lib in libs:
            if lib.num_threads != n:
                lib.set_num_threads(n)

    return set_n


# --- child: one thread count ----------------------------------------------------------------------
def child(threads: int, peers: list[str], rounds: int, target_s: float, warmup: int) -> dict[str, Any]:
    info: dict[str, Any] = {"threads": threads, "missing": {}, "versions": {}}
    try:
        import torch

        torch.set_num_threads(threads)
        info["versions"]["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    try:
        femsyn = _import_femsyn()
        femsyn.set_num_threads(threads)
        info["versions"]["femsyn"] = femsyn.__version__
    except Exception as e:
        info["femsyn_error"] = f"{type(e).__name__}: {e}"
    try:
        import aihwkit

        info["versions"]["aihwkit"] = aihwkit.__version__
    except Exception:
        pass
    try:
        import numpy as np

        info["versions"]["numpy"] = np.__version__
        try:
            import threadpoolctl

            threadpoolctl.threadpool_limits(threads)
            info["blas"] = [
                {k: p.get(k) for k in ("internal_api", "version", "num_threads", "filepath")}
                for p in threadpoolctl.threadpool_info()
            ]
        except ImportError:
            pass
    except ImportError:
        pass

    set_blas = _blas_setter()

    def blas_for(fn: Callable[[], None]) -> None:
        # femsyn peers may ask for fewer BLAS threads (as femsyn.run.train does); the rest get `threads`
        set_blas(getattr(fn, "blas_threads", None) or threads)

    steps_fn: dict[str, Callable[[], None]] = {}
    n_steps: dict[str, int] = {}
    for name in peers:
        try:
            fn = FACTORIES[name]()
            blas_for(fn)
            for _ in range(warmup):
                fn()
            t0 = time.perf_counter()
            fn()
            one = time.perf_counter() - t0
        except Exception as e:  # not installed, or broken with this torch: say so, go on
            info["missing"][name] = f"{type(e).__name__}: {e}"[:300]
            continue
        steps_fn[name] = fn
        n_steps[name] = max(2, int(round(target_s / max(one, 1e-6))))
    ips: dict[str, list[float]] = {n: [] for n in steps_fn}
    order = list(steps_fn)
    for _ in range(rounds):
        for name in order:
            fn, k = steps_fn[name], n_steps[name]
            blas_for(fn)
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            ips[name].append(k * BATCH / (time.perf_counter() - t0))
        order = order[1:] + order[:1]
    info["steps_per_round"] = n_steps
    info["images_per_s_rounds"] = ips
    info["images_per_s"] = {n: statistics.median(v) for n, v in ips.items()}
    ratios: dict[str, dict[str, float]] = {}
    for mine in ("femsyn-femfet-6b", "femsyn-float"):
        if mine not in ips:
            continue
        ratios[mine] = {
            other: statistics.median(a / b for a, b in zip(ips[mine], ips[other], strict=False))
            for other in ips
            if other != mine
        }
    info["ratios"] = ratios  # paired per round, then median
    return info


def run_threads(threads: int, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    for v in THREAD_VARS:
        env[v] = str(threads)
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--child", str(threads),
        "--rounds", str(args.rounds), "--target-s", str(args.target_s),
        "--warmup", str(args.warmup), "--peers", ",".join(args.peers),
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    raise RuntimeError(f"child for {threads} threads failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def report(results: list[dict[str, Any]]) -> str:
    lines = []
    names = [n for n in ALL_PEERS if any(n in r["images_per_s"] for r in results)]
    head = ["peer"] + [f"{r['threads']} thr img/s" for r in results]
    for mine in ("femsyn-femfet-6b", "femsyn-float"):
        head += [f"{mine.removeprefix('femsyn-')}/peer {r['threads']}t" for r in results]
    rows = []
    for n in names:
        row = [n] + [f"{r['images_per_s'].get(n, float('nan')):,.0f}" for r in results]
        for mine in ("femsyn-femfet-6b", "femsyn-float"):
            for r in results:
                q = r.get("ratios", {}).get(mine, {}).get(n)
                row.append(f"{q:.2f}" if q is not None else "-")
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines.append("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(head, widths, strict=False))))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append(
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False)))
        )
    v = results[0].get("versions", {}) if results else {}
    lines.append("")
    lines.append("versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    for r in results:
        if r.get("missing"):
            for n, why in r["missing"].items():
                lines.append(f"missing at {r['threads']} threads: {n} ({why.splitlines()[0]})")
        if r.get("femsyn_error"):
            lines.append(f"femsyn unavailable: {r['femsyn_error']}")
    lines.append(
        "LeNet-5, batch 64, random data; images/s = median over interleaved rounds; "
        "ratios = median of per-round ratios (femsyn / peer)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--target-s", type=float, default=0.5, help="seconds per peer per round")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--peers", default=",".join(ALL_PEERS), help="peers to run, comma-separated")
    ap.add_argument("--quick", action="store_true", help="2 rounds of ~0.15 s: a smoke run")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--out", help="also write the JSON results to this file")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.peers = [p for p in args.peers.split(",") if p]
    unknown = [p for p in args.peers if p not in FACTORIES]
    if unknown:
        ap.error(f"unknown peers {unknown}; valid: {', '.join(ALL_PEERS)}")
    if args.quick:
        args.rounds, args.target_s, args.warmup = 2, 0.15, 1
    if args.child is not None:
        out = child(args.child, args.peers, args.rounds, args.target_s, args.warmup)
        print("@@" + json.dumps(out))
        return 0
    results = []
    for t in (int(v) for v in args.threads.split(",")):
        print(f"  .. {t} thread(s)", file=sys.stderr, flush=True)
        results.append(run_threads(t, args))
    doc = {"batch_size": BATCH, "net": "lenet", "load_avg": list(os.getloadavg()), "results": results}
    if args.out:
        Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
