"""The CLI's one error rule: plain lines naming the flag or file, exit 2 for usage, 1 for
failures, no traceback unless --debug; warnings without Python's plumbing; the newcomer items."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from femsyn.bench.targets import check_targets
from femsyn.cli import main
from femsyn.run.config import ConfigError
from femsyn.run.diagnostics import diagnose_epoch

FAST = ["--net", "mlp", "--epochs", "1", "--train-limit", "200", "--no-progress", "--threads", "1"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # --debug / --offline set these for the whole process; keep every test on its own
    # (set, not deleted: monkeypatch then restores them after the CLI changed them)
    monkeypatch.setenv("FEMSYN_DEBUG", "0")
    monkeypatch.setenv("FEMSYN_OFFLINE", "0")


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--net", "resnet"],
        ["compare", "--net", "resnet", "--out", "OUT"],
        ["bench", "--nets", "resnet"],
    ],
)
def test_a_bad_net_is_a_usage_error_everywhere(tmp_path, argv) -> None:
    argv = [str(tmp_path / "o") if a == "OUT" else a for a in argv]
    r = CliRunner().invoke(main, argv)
    assert r.exit_code == 2, r.output
    assert "--net" in r.output and "'resnet'" in r.output and "lenet" in r.output
    assert "TrainConfig" not in r.output and "Traceback" not in r.output


def test_config_errors_name_the_flag_value_and_allowed(tmp_path) -> None:
    r = CliRunner().invoke(main, ["train", "--lr-schedule", "wavy", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        "Error: --lr-schedule 'wavy' is invalid; allowed: cosine, step, constant"
    ] or ("--lr-schedule 'wavy'" in r.output and "allowed" in r.output)
    r = CliRunner().invoke(main, ["train", "--checkpoint-every", "soon", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--checkpoint-every 'soon'" in r.output and "5min" in r.output


def test_debug_shows_the_traceback(tmp_path) -> None:
    r = CliRunner().invoke(main, ["--debug", "train", "--net", "resnet", "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, ConfigError)


def test_warnings_print_without_python_plumbing_and_offline_never_downloads(tmp_path, monkeypatch) -> None:
    import femsyn.data.download as download

    calls = []
    monkeypatch.setattr(download, "fetch_url", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("FEMSYN_DATA", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    r = CliRunner().invoke(main, ["--offline", "train", *FAST, "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert calls == []  # --offline: no download attempt
    assert "warning: " in r.stderr and "BUNDLED SAMPLE" in r.stderr
    assert "Warning:" not in r.stderr and ".py:" not in r.stderr  # no "file.py:37: BundledSampleWarning:"


def test_dataset_not_found_keeps_its_lines(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FEMSYN_DATA", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    r = CliRunner().invoke(main, ["--offline", "train", "--dataset", "cifar10", *FAST, "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("Error: CIFAR-10 dataset not found") and len(lines) > 5
    assert any("To fix" in ln for ln in lines) and "Traceback" not in r.output


def test_ctrl_c_before_the_first_checkpoint_advises_starting_over(tmp_path, monkeypatch) -> None:
    import femsyn.cli.train as cli_train

    def interrupted(config):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_train, "train", interrupted)
    r = CliRunner().invoke(main, ["train", *FAST, "--out", str(tmp_path / "o")])
    assert r.exit_code == 130
    assert "--resume" not in r.output and "run the same command again" in r.output


def test_eval_limit_evaluates_a_named_subset(tmp_path) -> None:
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["train", *FAST, "--eval-limit", "50", "--out", str(out)])
    assert r.exit_code == 0, r.output
    split = json.loads((out / "summary.json").read_text())["split"]["eval"]
    assert split.startswith("first 50 images of ")


def test_data_where_prints_no_runpy_warning() -> None:
    p = subprocess.run([sys.executable, "-m", "femsyn.data", "where"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "mnist" in p.stdout
    assert "RuntimeWarning" not in p.stderr and "runpy" not in p.stderr


def test_clipping_warning_names_the_device_fields_to_raise() -> None:
    msgs = []
    row = {"epoch": 1, "train_acc": 0.9, "msb_writes": 1}
    before = [{"pulses": 0, "clipped_pulses": 0}]
    after = [{"pulses": 100, "clipped_pulses": 10}]

    class Layer:
        name = "fc1"

    class Device:
        kind = "hybrid"

    diagnose_epoch(row, before, after, [Layer()], Device(), 0.1, lambda key, msg: msgs.append(msg))
    assert len(msgs) == 1 and "lsb_headroom_msb_steps" in msgs[0] and "max_pulses_per_update" in msgs[0]


def test_an_in_cache_readout_is_never_called_met() -> None:
    result = {
        "kernels": {
            "results": [
                {"kernel": "readout", "cells": 1_000_000, "bandwidth_fraction": 1.96, "in_cache": True},
            ]
        }
    }
    (check,) = [c for c in check_targets(result) if c["target"] == "readout_bandwidth"]
    assert check["met"] is None and "L3" in check["note"]


def test_compare_prints_its_accuracy_table(tmp_path, monkeypatch) -> None:
    import femsyn.study

    report = tmp_path / "cmp" / "report.html"
    report.parent.mkdir()
    (report.parent / "report.md").write_text(
        "# x\n\n## Accuracy\n\ntext\n\n| design | acc |\n|---|---|\n| femfet-6b | 98.1 % |\n\n## Cell cost\n| a |\n"
    )
    monkeypatch.setattr(femsyn.study, "compare", lambda *a, **k: report)
    r = CliRunner().invoke(main, ["compare", "--designs", "femfet-6b", "--seeds", "1", "--out", str(report.parent)])
    assert r.exit_code == 0, r.output
    assert "| femfet-6b | 98.1 % |" in r.stdout and "| a |" not in r.stdout
