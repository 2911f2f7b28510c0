"""Fuzzing the native API and checkpoint loading, each batch in a subprocess (an abort of the
interpreter fails the test). Every error must be a TypeError/ValueError naming an argument of
its call (or the file). Budget: ``FEMSYN_FUZZ_EXAMPLES`` examples per batch (default 60, a
few seconds each); the figures in docs/reliability.md come from a large budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("worker.py")
EXAMPLES = int(os.environ.get("FEMSYN_FUZZ_EXAMPLES", "60"))
TARGETS = ["construct", "methods", "from_state", "device", "checkpoint_file", "checkpoint_state"]


def run_batch(target: str, examples: int, seed: int) -> dict:
    p = subprocess.run(
        [sys.executable, str(WORKER), target, str(examples), str(seed)],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "FEMSYN_NUM_THREADS": "1"},
    )
    assert p.returncode == 0, f"{target}: worker exited {p.returncode} (abort?)\n{p.stderr[-3000:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_batch_gives_only_named_errors(target) -> None:
    r = run_batch(target, EXAMPLES, seed=int(os.environ.get("FEMSYN_FUZZ_SEED", "0")))
    assert r["calls"] >= EXAMPLES // 2  # (a checkpoint_state example that cannot be saved makes no call)
    assert r["n_bad"] == 0, r["bad"]
    assert r["n_unnamed"] == 0, r["unnamed"]
