"""`femsyn train` / `femsyn eval`: exit codes, run directory, TOML precedence."""

from __future__ import annotations

import json
import warnings

import pytest
from click.testing import CliRunner
from femsyn.cli import main
from femsyn.cli.train import build_config

FAST = [
    "--net",
    "mlp",
    "--synapse",
    "femfet-6b",
    "--epochs",
    "1",
    "--train-limit",
    "500",
    "--val-size",
    "200",
    "--no-progress",
    "--threads",
    "1",
]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_bad_net_lists_valid_ones_and_fails(tmp_path) -> None:
    r = CliRunner().invoke(main, ["train", "--net", "resnet", "--out", str(tmp_path / "x")])
    assert r.exit_code != 0
    assert "lenet" in r.output and "mlp" in r.output and "vgg" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "x").exists()


def test_bad_synapse_fails_one_line(tmp_path) -> None:
    r = CliRunner().invoke(main, ["train", "--synapse", "nope", "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and "femfet-6b" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_train_success_writes_run_dir_and_eval(tmp_path) -> None:
    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["train", *FAST, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "MSB-only" in r.output and "images/s" in r.output and "MSB writes" in r.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["synapse"] == "femfet-6b" and summary["net"] == "mlp"
    assert summary["split"]["eval"] in r.output
    # everything written lives under --out
    assert {p.name for p in out.iterdir()} >= {"summary.json", "checkpoint.npz", "config.json"}
    r2 = CliRunner().invoke(main, ["eval", str(out), "--retention-s", "0"])
    assert r2.exit_code == 0, r2.output
    assert "MSB-only" in r2.output and f"{100 * summary['accuracy']['train_weights']:6.2f}" in r2.output
    r3 = CliRunner().invoke(main, ["eval", str(out), "--json"])
    assert json.loads(r3.stdout)["msb_only"] == summary["accuracy"]["msb_only"]
    # re-running into the same directory without --resume is a user error
    r4 = CliRunner().invoke(main, ["train", *FAST, "--out", str(out)])
    assert r4.exit_code != 0 and "--resume" in r4.output


def test_eval_missing_checkpoint_fails(tmp_path) -> None:
    r = CliRunner().invoke(main, ["eval", str(tmp_path)])
    assert r.exit_code != 0 and "checkpoint" in r.output


def test_toml_defaults_explicit_flags_win(tmp_path) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text('net = "mlp"\nepochs = 3\nlr = 0.01\nseed = 7\n\n[device]\ntau_leak_s = "inf"\n')
    params = {"lr": 0.2, "out": str(tmp_path / "o")}
    cfg = build_config(params, str(toml))
    assert cfg.net == "mlp" and cfg.epochs == 3 and cfg.seed == 7
    assert cfg.lr == 0.2  # the flag wins over the file
    assert cfg.device.tau_leak_s == float("inf") and cfg.device.name == "femfet-6b+custom"
    cfg2 = build_config({"out": str(tmp_path / "o")}, None)
    assert cfg2.net == "lenet"


def test_toml_unknown_key_is_an_error(tmp_path) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text("epochz = 3\n")
    r = CliRunner().invoke(main, ["train", "--config", str(toml), "--out", str(tmp_path / "o")])
    assert r.exit_code != 0 and "epochz" in r.output and "valid keys" in r.output
    toml.write_text("[device]\ntau_leek_s = 3\n")
    r = CliRunner().invoke(main, ["train", "--config", str(toml), "--out", str(tmp_path / "o")])
    assert r.exit_code != 0 and "tau_leek_s" in r.output


def test_resume_needs_out() -> None:
    r = CliRunner().invoke(main, ["train", "--resume"])
    assert r.exit_code != 0 and "--out" in r.output


def test_default_out_dir_under_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = build_config({"seed": 4}, None)
    assert cfg.out.startswith("runs/lenet-femfet-6b-seed4-")


def test_resume_needs_only_out_and_matches_an_uninterrupted_run(tmp_path) -> None:
    two_epochs = FAST.copy()
    two_epochs[FAST.index("--epochs") + 1] = "2"
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert CliRunner().invoke(main, ["train", *two_epochs, "--out", str(straight)]).exit_code == 0
    first = CliRunner().invoke(main, ["train", *two_epochs, "--stop-after-epochs", "1", "--out", str(split)])
    assert first.exit_code == 0, first.output
    resumed = CliRunner().invoke(main, ["train", "--out", str(split), "--resume", "--no-progress"])
    assert resumed.exit_code == 0, resumed.output
    a, b = (json.loads((d / "summary.json").read_text()) for d in (straight, split))
    assert a["accuracy"] == b["accuracy"] and a["counters"] == b["counters"]
    # a flag that contradicts the saved run is refused, naming the field
    clash = CliRunner().invoke(main, ["train", "--out", str(split), "--resume", "--epochs", "5"])
    assert clash.exit_code != 0 and "epochs" in clash.output


def test_hidden_flag_builds_the_neurosim_mlp_and_rejects_bad_values(tmp_path) -> None:
    out = tmp_path / "run"
    r = CliRunner().invoke(main, ["train", *FAST, "--hidden", "100", "--out", str(out)])
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert [(layer["rows"], layer["cols"]) for layer in summary["layers"]] == [(100, 784), (10, 100)]
    assert summary["config"]["hidden"] == [100]
    r = CliRunner().invoke(main, ["train", *FAST, "--hidden", "100,x", "--out", str(tmp_path / "bad")])
    assert r.exit_code == 2 and "--hidden" in r.output and "Traceback" not in r.output
