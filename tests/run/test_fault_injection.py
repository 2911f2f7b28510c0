"""The fault-injection script runs end to end: kill -9 (once at a random moment, once inside a
checkpoint write), resume as the CLI advises, every trial bit-identical to the reference. The
figures of docs/reliability.md come from the same script with more trials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benches" / "fault_injection.py"


def test_killed_runs_resume_bit_identically(tmp_path) -> None:
    out = tmp_path / "faults"
    trials = os.environ.get("FEMSYN_FAULT_TRIALS", "2")
    p = subprocess.run(
        [sys.executable, str(SCRIPT), "--trials", trials, "--seed", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    summary = json.loads((out / "results.json").read_text())["summary"]
    assert summary["trials"] == summary["bit_identical"] == int(trials)
