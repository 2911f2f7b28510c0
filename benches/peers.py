#!/usr/bin/env python
"""femsyn against the tools a user would otherwise pick, side by side in one run.

For each net (LeNet-5, the MLP 784-256-128-10, VGG-8 at widths 0.25 and 0.5; batch 64, random
data shaped like MNIST / CIFAR-10, SGD momentum 0.9) and each thread count, one subprocess
trains every importable peer in interleaved rounds (the order rotated every round) and reports
images/s (wall), images per CPU-second (process CPU time: what the machine paid), the
achieved GEMM rate of the step (its multiply-adds over the step time) beside the GEMM roofline
measured in the same process, and per-round paired ratios femsyn / peer (median over rounds).

Peers (all bias-free, like femsyn's nets):

* ``femsyn-float``, ``femsyn-ideal``, ``femsyn-femfet``: femsyn's training step
  (``Stepper``: weights read from the SynapseArrays, the Rust layer kernels, SGD, ``arr.step``
  per layer), as ``femsyn train`` runs it; ideal/femfet are the 6-bit presets for LeNet/MLP and
  the 8-bit ones for VGG (the paper's CIFAR-10 designs);
* ``femsyn-nodevice``: the same layers with plain float32 weight matrices (no synapse model):
  what the device model costs is the gap to ``femsyn-float``;
* ``torch-float``: PyTorch CPU, the same architecture built from femsyn's layer list (NCHW);
* ``aihwkit-*`` (LeNet only by default: minutes per VGG step): IBM aihwkit analog layers with
  AnalogSGD, default IO settings (``-fp`` FloatingPointRPUConfig, ``-ideal`` IdealDevice,
  ``-mixedprecision`` MixedPrecisionCompound on SoftBounds, ``-transfer`` TransferCompound).

Each child sets OMP/OpenBLAS/MKL/FEMSYN thread variables before anything is imported, plus
``torch.set_num_threads``. The BLAS numpy uses and its kernel (core type) are reported, with a
warning when ``OPENBLAS_CORETYPE`` forces a kernel other than the one OpenBLAS would pick.
Missing peers are listed, not fatal.

Set-up (a throw-away environment; none of this is a femsyn dependency)::

    python -m venv /work/venvs/peers
    /work/venvs/peers/bin/pip install "torch==2.10.*" "aihwkit==1.1.*" threadpoolctl click tqdm matplotlib
    /work/venvs/peers/bin/python benches/peers.py          # uses python/ + the built _core
    /work/venvs/peers/bin/python benches/peers.py --quick --nets lenet --threads 1

(PyPI's torch wheel for Linux pulls the CUDA runtime wheels, ~7 GB; only the CPU is timed.)
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
BATCH = 64
#: name -> (femsyn net, width, device bits of the ideal/femfet presets)
NETS: dict[str, tuple[str, float, int]] = {
    "lenet": ("lenet", 1.0, 6),
    "mlp": ("mlp", 1.0, 6),
    "vgg0.25": ("vgg", 0.25, 8),
    "vgg0.5": ("vgg", 0.5, 8),
}
FEMSYN_PEERS = ("femsyn-float", "femsyn-ideal", "femsyn-femfet", "femsyn-nodevice")
AIHWKIT_PEERS = ("aihwkit-fp", "aihwkit-ideal", "aihwkit-mixedprecision", "aihwkit-transfer")
ALL_PEERS = (*FEMSYN_PEERS, "torch-float", *AIHWKIT_PEERS)
DEFAULT_PEERS = {"lenet": ALL_PEERS}  # other nets: femsyn + torch
MINE = ("femsyn-femfet", "femsyn-float")


def _import_femsyn() -> Any:
    try:
        import femsyn
    except ImportError:
        sys.path.insert(0, str(REPO / "python"))  # source tree with a built _core
        import femsyn
    return femsyn


def _stepper_class() -> Any:
    _import_femsyn()
    from femsyn.bench.training import Stepper

    return Stepper


def _femsyn_net(net: str) -> Any:
    _import_femsyn()
    from femsyn.nn.nets import build_net

    name, width, _ = NETS[net]
    shape = (3, 32, 32) if name == "vgg" else (1, 28, 28)
    return build_net(name, width=width, input_shape=shape), shape


# --- peers: each factory returns a step() callable or raises ----------------------------------
def _femsyn_peer(net: str, kind: str) -> Callable[[], None]:
    name, width, bits = NETS[net]
    preset = {"float": "float", "nodevice": "float"}.get(kind, f"{kind}-{bits}b")
    s = _stepper_class()(name, preset, batch_size=BATCH, width=width)
    if kind == "nodevice":
        import numpy as np

        for layer in s.net.synaptic_layers:
            layer.array = _PlainWeights(np.array(layer.array.weights(), dtype=np.float32))
    return s.step


class _PlainWeights:
    """Stands in for a SynapseArray: a plain float32 matrix, w += dw."""

    def __init__(self, w: Any) -> None:
        self.w = w

    def weights(self, inference: bool = False, retention_s: float = 0.0) -> Any:
        return self.w

    def step(self, dw: Any, images: int = 0) -> int:
        self.w += dw
        return 0


def _torch_model(net: str, analog: Any = None) -> tuple[Any, tuple[int, ...]]:
    """femsyn's layer list rebuilt in torch (bias-free); analog: an aihwkit rpu_config."""
    import torch.nn as nn

    fnet, shape = _femsyn_net(net)
    mods: list[Any] = []
    for layer in fnet.layers:
        kind = type(layer).__name__
        if kind == "Conv2d":
            args = (layer.in_channels, layer.out_channels, layer.k)
            kw = dict(stride=layer.stride, padding=layer.padding, bias=False)
            if analog is None:
                mods.append(nn.Conv2d(*args, **kw))
            else:
                from aihwkit.nn import AnalogConv2d

                mods.append(AnalogConv2d(*args, **kw, rpu_config=analog))
        elif kind == "Linear":
            if analog is None:
                mods.append(nn.Linear(layer.in_features, layer.out_features, bias=False))
            else:
                from aihwkit.nn import AnalogLinear

                mods.append(AnalogLinear(layer.in_features, layer.out_features, bias=False, rpu_config=analog))
        else:
            mods.append({"ReLU": nn.ReLU, "MaxPool2d": lambda: nn.MaxPool2d(2), "AvgPool2d": lambda: nn.AvgPool2d(2)}
                        .get(kind, nn.Flatten)())  # fmt: skip
    if analog is None:
        return nn.Sequential(*mods), shape
    from aihwkit.nn import AnalogSequential

    return AnalogSequential(*mods), shape


def _torch_step(model: Any, opt: Any, shape: tuple[int, ...]) -> Callable[[], None]:
    import torch

    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(BATCH, *shape, generator=g) for _ in range(4)]
    ys = [torch.randint(0, 10, (BATCH,), generator=g) for _ in range(4)]
    loss_fn = torch.nn.CrossEntropyLoss()
    i = [0]

    def step() -> None:
        x, y = xs[i[0] % 4], ys[i[0] % 4]
        i[0] += 1
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def _make_torch(net: str) -> Callable[[], None]:
    import torch

    torch.manual_seed(0)
    model, shape = _torch_model(net)
    return _torch_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), shape)


def _make_aihwkit(net: str, kind: str) -> Callable[[], None]:
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

    cfg = {
        "fp": lambda: FloatingPointRPUConfig(device=FloatingPointDevice()),
        "ideal": lambda: SingleRPUConfig(device=IdealDevice()),
        "mixedprecision": lambda: DigitalRankUpdateRPUConfig(device=MixedPrecisionCompound(device=SoftBoundsDevice())),
        "transfer": lambda: UnitCellRPUConfig(
            device=TransferCompound(unit_cell_devices=[SoftBoundsDevice(), SoftBoundsDevice()])
        ),
    }[kind]()
    torch.manual_seed(0)
    model, shape = _torch_model(net, analog=cfg)
    opt = AnalogSGD(model.parameters(), lr=0.01, momentum=0.9)
    opt.regroup_param_groups(model)
    return _torch_step(model, opt, shape)


def make_peer(peer: str, net: str) -> Callable[[], None]:
    if peer.startswith("femsyn-"):
        return _femsyn_peer(net, peer.removeprefix("femsyn-"))
    if peer == "torch-float":
        return _make_torch(net)
    return _make_aihwkit(net, peer.removeprefix("aihwkit-"))


# --- what the machine can do -------------------------------------------------------------------
def step_flops(net: str) -> float:
    """Floating-point operations of the GEMMs of one training step (2 per multiply-add: forward,
    weight gradient, input gradient except for the first weighted layer)."""
    fnet, shape = _femsyn_net(net)
    total, first, dims = 0.0, True, shape
    for layer in fnet.layers:
        out = layer.output_shape(dims)
        kind = type(layer).__name__
        if kind in ("Conv2d", "Linear"):
            pixels = out[1] * out[2] if kind == "Conv2d" else 1
            macs = BATCH * pixels * layer.rows * layer.cols
            total += 2 * macs * (2 if first else 3)
            first = False
        dims = out
    return total


def gemm_roofline(threads: int) -> float:
    """Best GFLOP/s of a 1024^3 float32 numpy matmul with BLAS on `threads` threads."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    c = np.empty_like(a)
    ctx = threadpool_limits(threads, user_api="blas") if threadpool_limits else None
    try:
        np.matmul(a, a, out=c)
        best = min(_timed(lambda: np.matmul(a, a, out=c)) for _ in range(7))
    finally:
        if ctx is not None:
            ctx.restore_original_limits()
    return 2 * 1024**3 / best / 1e9


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def blas_report() -> dict[str, Any]:
    """numpy's BLAS, its kernel, and whether OPENBLAS_CORETYPE forces another than OpenBLAS would pick."""
    info: dict[str, Any] = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE") or None}
    try:
        import threadpoolctl

        pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
        info["libraries"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "filepath")} for p in pools
        ]
    except ImportError:
        info["libraries"] = []
    if info["OPENBLAS_CORETYPE"]:
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        code = "import numpy, threadpoolctl, json; print(json.dumps([p.get('architecture') for p in threadpoolctl.threadpool_info() if p.get('user_api') == 'blas']))"  # noqa: E501
        try:
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
            info["auto_kernels"] = json.loads(out.stdout.strip().splitlines()[-1])
        except Exception as e:  # noqa: BLE001 - a report, not a failure
            info["auto_kernels"] = f"unknown ({type(e).__name__})"
    return info


def blas_warning(info: dict[str, Any]) -> str | None:
    forced, auto = info.get("OPENBLAS_CORETYPE"), info.get("auto_kernels")
    used = [lib.get("architecture") for lib in info.get("libraries", [])]
    if forced and isinstance(auto, list) and auto and used and auto[0] != used[0]:
        return (
            f"WARNING: OPENBLAS_CORETYPE={forced} forces the {used[0]} BLAS kernel; OpenBLAS would pick "
            f"{auto[0]} on this CPU (faster GEMMs, other rounding): unset it for speed comparisons"
        )
    return None


# --- child: one net, one thread count --------------------------------------------------------------
def child(net: str, threads: int, peers: list[str], rounds: int, target_s: float, warmup: int) -> dict[str, Any]:
    info: dict[str, Any] = {"net": net, "threads": threads, "missing": {}, "versions": {}}
    try:
        import torch

        torch.set_num_threads(threads)
        info["versions"]["torch"] = torch.__version__
    except ImportError:
        pass
    femsyn = _import_femsyn()
    femsyn.set_num_threads(threads)
    info["versions"]["femsyn"] = femsyn.__version__
    try:
        import aihwkit

        info["versions"]["aihwkit"] = aihwkit.__version__
    except Exception:  # noqa: BLE001
        pass
    import numpy as np

    info["versions"]["numpy"] = np.__version__
    from femsyn.nn.kernels import gemm_backend

    info["femsyn_gemm"] = gemm_backend()
    info["blas"] = blas_report()
    steps: dict[str, Callable[[], None]] = {}
    n_steps: dict[str, int] = {}
    for name in peers:
        try:
            fn = make_peer(name, net)
            for _ in range(warmup):
                fn()
            one = _timed(fn)
        except Exception as e:  # noqa: BLE001 - not installed, or broken: say so, go on
            info["missing"][name] = f"{type(e).__name__}: {e}"[:300]
            continue
        steps[name], n_steps[name] = fn, max(1, int(round(target_s / max(one, 1e-6))))
    wall: dict[str, list[float]] = {n: [] for n in steps}
    cpu: dict[str, list[float]] = {n: [] for n in steps}
    roof: list[float] = []
    order = list(steps)
    for _ in range(rounds):
        roof.append(gemm_roofline(threads))
        for name in order:
            fn, k = steps[name], n_steps[name]
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(k):
                fn()
            wall[name].append(k * BATCH / (time.perf_counter() - t0))
            cpu[name].append(k * BATCH / max(time.process_time() - c0, 1e-9))
        order = order[1:] + order[:1]
    flops = step_flops(net)
    info.update(steps_per_round=n_steps, images_per_s_rounds=wall, images_per_cpu_s_rounds=cpu)
    info["images_per_s"] = {n: statistics.median(v) for n, v in wall.items()}
    info["images_per_cpu_s"] = {n: statistics.median(v) for n, v in cpu.items()}
    info["step_gflop"] = flops / 1e9
    info["roofline_gflops"] = statistics.median(roof)
    info["roofline_gflops_rounds"] = roof
    info["roofline_fraction"] = {  # paired per round: step rate / roofline of that round
        n: statistics.median(ips / BATCH * flops / 1e9 / r for ips, r in zip(v, roof)) for n, v in wall.items()
    }
    info["ratios"] = {
        mine: {o: statistics.median(a / b for a, b in zip(wall[mine], wall[o])) for o in wall if o != mine}
        for mine in MINE
        if mine in wall
    }
    info["load_avg"] = list(os.getloadavg())
    return info


def run_child(net: str, threads: int, peers: list[str], args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS})
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--child", net, "--threads", str(threads),
        "--rounds", str(args.rounds), "--target-s", str(args.target_s), "--warmup", str(args.warmup),
        "--peers", ",".join(peers),
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    raise RuntimeError(f"child {net}/{threads} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


# --- report -------------------------------------------------------------------------------------
def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return [line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def report(results: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for net in dict.fromkeys(r["net"] for r in results):
        rs = [r for r in results if r["net"] == net]
        names = [n for n in ALL_PEERS if any(n in r["images_per_s"] for r in rs)]
        head = ["peer"]
        for r in rs:
            t = r["threads"]
            head += [f"img/s {t}t", f"img/cpu-s {t}t", f"roofline {t}t", f"femfet/peer {t}t"]
        rows = []
        for n in names:
            row = [n]
            for r in rs:
                q = r.get("ratios", {}).get("femsyn-femfet", {}).get(n)
                frac = r["roofline_fraction"].get(n)
                row += [
                    f"{r['images_per_s'].get(n, float('nan')):,.0f}",
                    f"{r['images_per_cpu_s'].get(n, float('nan')):,.0f}",
                    f"{100 * frac:.0f}%" if frac is not None else "-",
                    f"{q:.2f}" if q is not None else "-",
                ]
            rows.append(row)
        r0 = rs[0]
        roofs = ", ".join(f"{r['threads']}t {r['roofline_gflops']:.0f}" for r in rs)
        out.append(f"== {net}: {r0['step_gflop']:.3f} GFLOP per step (batch {BATCH}); GEMM roofline GFLOP/s: {roofs}")
        out += _table(head, rows)
        for r in rs:
            for n, why in r.get("missing", {}).items():
                out.append(f"missing at {r['threads']} threads: {n} ({why.splitlines()[0]})")
            out.append(f"load average at the end ({r['threads']}t): " + " ".join(f"{x:.2f}" for x in r["load_avg"]))
        out.append("")
    r0 = results[0]
    out.append("versions: " + ", ".join(f"{k} {v}" for k, v in r0.get("versions", {}).items()))
    out.append(f"femsyn GEMM: {r0.get('femsyn_gemm')}")
    for lib in r0["blas"].get("libraries", []):
        what = f"{lib.get('internal_api')} {lib.get('version')} kernel {lib.get('architecture')}"
        out.append(f"BLAS: {what} ({lib.get('filepath')})")
    out.append(f"OPENBLAS_CORETYPE: {r0['blas'].get('OPENBLAS_CORETYPE') or 'unset'}")
    warn = blas_warning(r0["blas"])
    if warn:
        out.append(warn)
    out.append(
        "images/s = median over interleaved rounds; img/cpu-s = images per second of process CPU time; "
        "roofline = the step's GEMM rate / a 1024^3 numpy matmul at the same thread count, same round; "
        "femfet/peer = median of per-round ratios."
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nets", default=",".join(NETS), help=f"nets, comma-separated (default {','.join(NETS)})")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--target-s", type=float, default=1.0, help="seconds per peer per round")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument(
        "--peers", default="", help="peers to run, comma-separated (default: all for lenet, femsyn+torch else)"
    )
    ap.add_argument("--quick", action="store_true", help="2 rounds of ~0.2 s: a smoke run")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the tables")
    ap.add_argument("--out", help="also write the JSON results to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.target_s, args.warmup = 2, 0.2, 1
    nets = [n for n in args.nets.split(",") if n]
    bad = [n for n in nets if n not in NETS] + [p for p in args.peers.split(",") if p and p not in ALL_PEERS]
    if bad:
        ap.error(f"unknown nets/peers {bad}; nets: {', '.join(NETS)}; peers: {', '.join(ALL_PEERS)}")
    if args.child is not None:
        peers = [p for p in args.peers.split(",") if p]
        print("@@" + json.dumps(child(args.child, int(args.threads), peers, args.rounds, args.target_s, args.warmup)))
        return 0
    results = []
    for net in nets:
        peers = [p for p in args.peers.split(",") if p] or list(DEFAULT_PEERS.get(net, (*FEMSYN_PEERS, "torch-float")))
        for t in (int(v) for v in args.threads.split(",")):
            print(f"  .. {net} at {t} thread(s)", file=sys.stderr, flush=True)
            results.append(run_child(net, t, peers, args))
    doc = {"batch_size": BATCH, "load_avg": list(os.getloadavg()), "results": results}
    if args.out:
        Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
