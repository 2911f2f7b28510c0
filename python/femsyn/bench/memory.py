"""Peak memory of a LeNet training, measured in a fresh Python process."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from typing import Any

from femsyn.bench.training import Stepper

__all__ = ["peak_memory"]


def _child_peak_memory(args: dict[str, Any]) -> dict[str, Any]:
    """Run in a fresh interpreter: a LeNet training; report the process's peak RSS.

    With the MNIST files available this is :func:`femsyn.run.train` itself (one epoch over
    the full training set when `steps` is None, else its first `steps` batches), evaluation
    included; otherwise `steps` (default 100) Stepper steps on random data.
    """
    steps = args.get("steps")
    preset = args.get("preset", "femfet-6b")
    how = "random data, Stepper"
    data_dir = args.get("data_dir") or os.environ.get("FEMSYN_DATA")
    done = False
    if data_dir and os.path.isdir(data_dir):
        try:
            from femsyn.run import TrainConfig, train

            cfg = TrainConfig(
                net="lenet",
                synapse=preset,
                dataset="mnist",
                epochs=1,
                batch_size=64,
                train_limit=None if steps is None else int(steps) * 64,
                data_dir=data_dir,
                progress=False,
            )
            train(cfg)
            n_img = "60000" if steps is None else str(int(steps) * 64)
            how = f"femsyn.run.train, 1 epoch on MNIST ({n_img} images) + evaluation"
            done = True
        except Exception as e:  # fall back to the stepper, say why
            how = f"random data, Stepper (train() failed: {type(e).__name__}: {e})"
    if not done:
        steps = 100 if steps is None else int(steps)
        s = Stepper("lenet", preset)
        s.run(steps)
    peak, source = _peak_rss_bytes()
    return {"preset": preset, "steps": steps, "how": how, "peak_rss_mib": peak / 2**20, "source": source}


def _peak_rss_bytes() -> tuple[int, str]:
    """Peak resident set of this process: VmHWM (Linux), else ru_maxrss.

    Not ru_maxrss on Linux: it keeps the high-water mark of the forked parent's address space
    across exec, so a child of a big process would report the parent's size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024, "VmHWM"
    except OSError:
        pass
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return ru * (1 if sys.platform == "darwin" else 1024), "ru_maxrss"


def peak_memory(
    steps: int | None = None,
    preset: str = "femfet-6b",
    data_dir: str | None = None,
    timeout: float = 600,
) -> dict[str, Any]:
    """Peak resident memory (ru_maxrss) of a LeNet training, measured in a fresh Python process.

    A subprocess, because this process's own peak includes the kernel benches' large arrays.
    `steps` None: one full epoch of ``femsyn.run.train`` (when $FEMSYN_DATA or `data_dir`
    holds MNIST); otherwise only that many batches.
    """
    args = json.dumps({"steps": steps, "preset": preset, "data_dir": data_dir})
    code = (
        "import json, sys\n"
        "from femsyn.bench.memory import _child_peak_memory\n"
        f"print('@@' + json.dumps(_child_peak_memory(json.loads({args!r}))))\n"
    )
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s", "preset": preset}
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            out = json.loads(line[2:])
            out["limit_mib"] = 1024
            return out
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"error": f"exit {proc.returncode}: {tail[0]}", "preset": preset}
