"""`femsyn sweep`: a bad SPEC is exit 2 before any work, --dry-run lists points and a time, a run
writes results.csv and the report, failed points make exit 1; never a traceback."""

from __future__ import annotations

import csv
import warnings

import pytest
from click.testing import CliRunner
from femsyn.cli import main

SPEC = """\
seeds = 2
title = "tiny"
[base]
net = "mlp"
width = 0.1
epochs = 1
train_limit = 200
[grid]
lr = [0.02, 0.05]
"device.lsb_c2c_rel" = [0.0, 0.02]
"""


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _spec(tmp_path, text: str = SPEC):
    p = tmp_path / "spec.toml"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(
    "text,words",
    [
        ("[grid]\nlrr = [1, 2]\n", ["spec.toml:2: [grid] lrr", "unknown axis", "device.FIELD"]),
        ("[base]\nnet = 'mlp'\n[grid]\nepochs = [1, 0]\n", ["spec.toml:4: [grid] epochs", "integer >= 1"]),
        ("[grid]\n'device.msb_bits' = [2, 2.5]\n", ["spec.toml:2: [grid] device.msb_bits", "expected int"]),
    ],
)
def test_bad_spec_is_a_usage_error_before_any_work(tmp_path, text, words) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["sweep", _spec(tmp_path, text), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    for w in words:
        assert w in r.output, (w, r.output)
    assert not out.exists()


def test_bad_options_are_usage_errors(tmp_path) -> None:
    spec, out = _spec(tmp_path), str(tmp_path / "out")
    r = CliRunner().invoke(main, ["sweep", spec, "--out", out, "--workers", "2", "--scheduler", "tcp://h:8786"])
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(main, ["sweep", spec, "--out", out, "--target-acc", "150"])
    assert r.exit_code == 2 and "percentage" in r.output
    r = CliRunner().invoke(main, ["sweep", str(tmp_path / "missing.toml"), "--out", out])
    assert r.exit_code == 2 and "missing.toml" in r.output


def test_dry_run_lists_points_and_an_estimate_and_trains_nothing(bundled_mnist, tmp_path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["sweep", _spec(tmp_path), "--out", str(out), "--dry-run", "--workers", "2"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["#", "lr", "device.lsb_c2c_rel", "seed", "run", "state", "time"]
    assert sum(" new " in line for line in lines) == 8
    assert "8 points, 8 runs (8 to run); estimated time:" in r.output and "on 2 worker(s)" in r.output
    assert "calibrated by 20 training steps" in r.output and "training images/s" in r.output
    assert not out.exists()


def test_run_writes_results_and_report_and_reruns_for_free(bundled_mnist, tmp_path) -> None:
    out = tmp_path / "out"
    args = ["sweep", _spec(tmp_path), "--out", str(out), "--workers", "0", "--target-acc", "10"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().endswith("report.html")
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8 and {row["status"] for row in rows} == {"trained"}
    md = (out / "report.md").read_text()
    assert md.startswith("# tiny") and "reaches 10 %" in md and "--workers 0 --target-acc 0.1`" in md
    assert "[grid]" in md  # the SPEC itself is in the report
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0 and "8 finished" in r.output


def test_failed_points_exit_1_with_one_line(bundled_mnist, tmp_path) -> None:
    text = "[base]\nnet = 'mlp'\nwidth = 0.1\nepochs = 1\ntrain_limit = 100\nsynapse = 'float'\n"
    text += "[grid]\nlr = [0.02, 1e30]\n"
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["sweep", _spec(tmp_path, text), "--out", str(out), "--workers", "0"])
    assert r.exit_code == 1, r.output
    assert "1 of 2 points failed" in r.output and "diverged" in r.output and "Traceback" not in r.output
    assert (out / "report.md").is_file()
