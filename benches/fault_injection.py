"""Fault injection: kill -9 ``femsyn train`` at random moments, resume it, compare bit for bit.

    python benches/fault_injection.py --trials 24 --out /tmp/faults

One uninterrupted reference run, then per trial the same command in a fresh directory, killed
with SIGKILL either at a random moment of its run (odd trials) or while a checkpoint is being
written (even trials: in its k-th checkpoint write, k random, as soon as the k-th
``checkpoint.npz.*.tmp`` file appears plus a random delay of 0-3 ms). Each killed run is then
continued the way the CLI advises, with no manual step:
``femsyn train --out DIR --resume`` (at a random ``--threads``), or, when the kill came before
the run had written anything, the original command again. The final checkpoint and summary of
every trial must equal the reference's bit for bit (apart from timings). Checkpoints are taken
every 2 steps, so most kills land inside an epoch. Prints one line per trial and a JSON
summary; exit status 1 when a trial differs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from femsyn.run import CHECKPOINT
from femsyn.run.checkpoint import load_checkpoint, state_differences

FLAGS = ["--net", "mlp", "--hidden", "32", "--epochs", "3", "--train-limit", "640", "--val-size", "200",
         "--batch-size", "64", "--checkpoint-every", "2", "--no-progress", "--threads", "1"]  # fmt: skip


def femsyn(*args: str) -> list[str]:
    return [sys.executable, "-c", "from femsyn.cli import main; main()", *args]


def kill_when(proc: subprocess.Popen, out: Path, mode: str, at_s: float, rng: random.Random) -> str:
    """SIGKILL ``proc`` ``at_s`` seconds into its training (``time``; at_s < 0: during its start,
    before it has written anything) or inside its k-th checkpoint write (``write``, k from 1 to
    8: the run writes 15)."""
    t0 = time.monotonic()
    k, seen, started = rng.randint(1, 8), set(), None
    while proc.poll() is None:
        now = time.monotonic() - t0
        if started is None and (out / "config.json").is_file():
            started = now  # training begins: the time of a "time" kill counts from here
        if mode == "write" and out.is_dir():
            seen |= {p.name for p in out.glob(f"{CHECKPOINT}.*.tmp")}
        if mode == "write" and len(seen) >= k:
            time.sleep(rng.uniform(0, 0.003))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"in checkpoint write {k} at {now:.2f} s"
        early = at_s < 0 and (now >= -at_s or started is not None)  # during the start
        if mode == "time" and (early or (started is not None and now - started >= at_s >= 0)):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"at {now:.2f} s"
        time.sleep(0.0005)
    return "never (the run finished first)"


def progress_at_kill(out: Path) -> tuple[str, bool]:
    """The last checkpoint the killed run left, and whether it was taken inside an epoch."""
    try:
        st = load_checkpoint(out / CHECKPOINT)
    except Exception:  # noqa: BLE001 - no checkpoint yet, or (never seen) a damaged one
        return "none", False
    return f"epoch {st['epoch']} step {st.get('step_in_epoch', 0)}", bool(st.get("step_in_epoch", 0))


def continue_run(out: Path, rng: random.Random) -> tuple[str, subprocess.CompletedProcess]:
    """What the CLI advises after a kill: resume; with nothing written yet, the first command."""
    threads = str(rng.choice([1, 2]))
    p = subprocess.run(femsyn("train", "--out", str(out), "--resume", "--no-progress", "--threads", threads),
                       capture_output=True, text=True)  # fmt: skip
    if p.returncode != 0 and "no run was started there" in p.stderr:
        return "started again", subprocess.run(
            femsyn("train", *FLAGS, "--out", str(out)), capture_output=True, text=True
        )
    return f"resumed (--threads {threads})", p


def compare(ref: Path, out: Path) -> list[str]:
    diff = state_differences(load_checkpoint(ref / CHECKPOINT), load_checkpoint(out / CHECKPOINT))
    a, b = (json.loads((d / "summary.json").read_text()) for d in (ref, out))
    for k in ("accuracy", "counters", "retention_curve"):
        if a.get(k) != b.get(k):
            diff.append(f"summary.json/{k}")
    return diff


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("fault-injection"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    ref = args.out / "reference"
    t0 = time.monotonic()
    subprocess.run(femsyn("train", *FLAGS, "--out", str(ref)), check=True, capture_output=True)
    ref_s = time.monotonic() - t0
    train_s = json.loads((ref / "summary.json").read_text())["wall_s"]  # its training, without the start
    rows = []
    for i in range(args.trials):
        out = args.out / f"trial{i:03d}"
        mode = "write" if i % 2 == 0 else "time"
        proc = subprocess.Popen(femsyn("train", *FLAGS, "--out", str(out)), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        when = kill_when(proc, out, mode, rng.uniform(-0.15, 0.95) * train_s, rng)
        where, inside = progress_at_kill(out)
        how, p = continue_run(out, rng)
        diff = compare(ref, out) if p.returncode == 0 else [f"continue failed: {p.stderr.strip()[-300:]}"]
        rows.append({"trial": i, "killed": when, "checkpoint then": where, "inside an epoch": inside,
                     "continued": how, "identical": not diff, "differences": diff[:5]})  # fmt: skip
        print(f"trial {i:3d}: killed {when:34s} checkpoint: {where:16s} {how:22s} "
              f"{'bit-identical' if not diff else 'DIFFERS: ' + ', '.join(diff[:3])}", flush=True)  # fmt: skip
    same = sum(r["identical"] for r in rows)
    in_write = sum("checkpoint write" in r["killed"] for r in rows)
    killed = sum(not r["killed"].startswith("never") for r in rows)
    summary = {"trials": len(rows), "killed": killed, "bit_identical": same, "killed_in_checkpoint_writes": in_write,
               "resumed_from_inside_an_epoch": sum(r["inside an epoch"] for r in rows),
               "reference_s": round(ref_s, 2), "reference_training_s": round(train_s, 2)}  # fmt: skip
    print(json.dumps(summary))
    (args.out / "results.json").write_text(json.dumps({"summary": summary, "trials": rows}, indent=2))
    return 0 if same == len(rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("FEMSYN_OFFLINE", "1")
    raise SystemExit(main())
