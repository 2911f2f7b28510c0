"""The sweep SPEC: axes groups, seeds, random sampling, and errors that name the line to fix."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from femsyn.study.sweep import SpecError, load_spec, make_plan
from femsyn.study.sweep.points import resolve_points

SPEC = """\
seeds = 2
title = "leak x noise"

[base]
net = "mlp"
width = 0.1
epochs = 2

[device]
tau_leak_d2d_rel = 0.1

[grid]
"device.tau_leak_s" = [0.1, 1.0, 10.0]
synapse = ["ideal-6b", "femfet-6b"]

[zip]
lr = [0.01, 0.02]
batch_size = [32, 64]

[random]
n = 3
seed = 7
weight_decay = { low = 1e-5, high = 1e-3, scale = "log" }
"""


def _write(tmp_path, text: str):
    p = tmp_path / "spec.toml"
    p.write_text(text)
    return p


def test_points_are_grid_x_zip_x_random_x_seeds(tmp_path) -> None:
    spec = load_spec(_write(tmp_path, SPEC))
    assert spec.title == "leak x noise" and spec.seeds == (0, 1)
    assert [a.key for a in spec.axes] == ["device.tau_leak_s", "synapse", "lr", "batch_size", "weight_decay"]
    points = resolve_points(spec)
    assert len(points) == 3 * 2 * 2 * 3 * 2
    # zip axes move together; the random draws are in [low, high] and the same on every read
    assert {(p.axes["lr"], p.axes["batch_size"]) for p in points} == {(0.01, 32), (0.02, 64)}
    wd = sorted({p.axes["weight_decay"] for p in points})
    assert len(wd) == 3 and all(1e-5 <= w <= 1e-3 for w in wd)
    assert wd == sorted({p.axes["weight_decay"] for p in resolve_points(load_spec(_write(tmp_path, SPEC)))})
    # the device of a point: the preset + [device] + its device axes, validated
    p = points[0]
    assert p.config.device.tau_leak_s == 0.1 and p.config.device.tau_leak_d2d_rel == 0.1
    assert p.config.device.name == "ideal-6b+custom" and p.config.seed == 0 and points[1].config.seed == 1


def test_dotted_and_nested_device_axes_are_the_same(tmp_path) -> None:
    a = load_spec({"grid": {"device.step_c2c_rel": [0.0, 0.1]}})
    b = load_spec(_write(tmp_path, "[grid]\ndevice.step_c2c_rel = [0.0, 0.1]\n"))
    c = load_spec(_write(tmp_path, "[grid.device]\nstep_c2c_rel = [0.0, 0.1]\n"))
    assert [x.key for x in a.axes] == [x.key for x in b.axes] == [x.key for x in c.axes] == ["device.step_c2c_rel"]
    assert load_spec({}).seeds == (0,) and load_spec({"seeds": [3, 5]}).seeds == (3, 5)


@pytest.mark.parametrize(
    "text,line,words",
    [
        ("seeds = 1\n[grid]\nlrr = [1, 2]\n", 3, ["[grid] lrr", "unknown axis", "weight_decay", "device.FIELD"]),
        ("[base]\nnet = 'mlp'\n[grid]\nlr = [0.1, -1.0]\n", 4, ["[grid] lr", "-1.0", "> 0"]),
        ("[grid]\n'device.tau_leak_s' = [1.0, -2.0]\n", 2, ["device.tau_leak_s", "-2", "> 0"]),
        ("[grid]\ndevice.nope = [1]\n", 2, ["nope", "tau_leak_s"]),
        ("[device]\nresidual = 'x'\n", 2, ["[device] residual", "'keep'"]),
        (
            "[base]\nepochs = 2\n[zip]\nwarmup_epochs = [1, 3]\nlr = [0.1, 0.2]\n",
            4,
            ["warmup_epochs", "at most epochs"],
        ),
        ("[zip]\nlr = [0.1, 0.2]\nepochs = [1]\n", 3, ["equal lengths"]),
        ("[grid]\nlr = 0.1\n", 2, ["not a list", "[base]"]),
        ("[grid]\nlr = [0.1, 0.1]\n", 2, ["listed twice"]),
        ("[grid]\nseed = [1, 2]\n", 2, ["seeds = K"]),
        ("[base]\nout = 'x'\n", 2, ["[base] out", "cannot be set"]),
        ("[base]\nlr = 0.1\n[grid]\nlr = [0.1, 0.2]\n", 4, ["both an axis and set in [base]"]),
        ("[random]\nn = 3\nlr = { low = 0, high = 1, scale = 'log' }\n", 3, ["log scale needs low > 0"]),
        ("[random]\nlr = { low = 0.1, high = 1 }\n", 1, ["needs n"]),
        ("seeds = 0\n", 1, ["seeds = 0"]),
        ("epochs = 3\n", 1, ["unknown SPEC key 'epochs'", "base"]),
        ("[grid]\nsynapse = ['femfet-6b', 'rram']\n", 2, ["synapse", "rram", "femfet-6b"]),
    ],
)
def test_bad_spec_names_file_line_and_what_is_allowed(tmp_path, text, line, words) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as e:
        make_plan(path, tmp_path / "out")
    msg = str(e.value)
    assert msg.startswith(f"{path}:{line}: "), msg
    for w in words:
        assert w in msg, (w, msg)
    assert not (tmp_path / "out").exists()  # nothing is written before the plan is valid


def test_invalid_toml_and_dict_specs(tmp_path) -> None:
    with pytest.raises(SpecError, match="invalid TOML.*line 1"):
        load_spec(_write(tmp_path, "[base\n"))
    with pytest.raises(SpecError, match=r"^SPEC: \[grid\] lr: TrainConfig.lr"):
        resolve_points(load_spec({"grid": {"lr": [-1.0]}}))


def test_random_integer_and_choices() -> None:
    spec = load_spec(
        {"random": {"n": 50, "epochs": {"low": 1, "high": 4, "integer": True}, "net": {"choices": ["mlp", "lenet"]}}}
    )
    epochs = {v for a in spec.axes if a.key == "epochs" for v in a.values}
    nets = {v for a in spec.axes if a.key == "net" for v in a.values}
    assert epochs <= {1, 2, 3, 4} and all(isinstance(e, int) for e in epochs) and nets == {"mlp", "lenet"}


def test_point_toml_round_trips_through_train_config_file(tmp_path) -> None:
    from femsyn.cli.train import build_config

    spec = load_spec({"base": {"net": "mlp", "epochs": 1}, "grid": {"device.tau_leak_s": [math.inf]}})
    p = resolve_points(spec)[0]
    (tmp_path / "p.toml").write_text(p.train_toml("a header"))
    cfg = build_config({"out": str(tmp_path / "r")}, str(tmp_path / "p.toml"))
    assert cfg.device == p.config.device and cfg.net == "mlp" and cfg.seed == 0


def test_measured_tables_as_an_axis(tmp_path) -> None:
    from femsyn.cli.train import build_config

    sys.path.insert(0, str(Path(__file__).parents[1] / "device"))
    from test_table_file import write_exp_csv

    (tmp_path / "tables").mkdir()
    write_exp_csv(tmp_path / "tables" / "a.csv", rows=11)
    write_exp_csv(tmp_path / "tables" / "b.csv", rows=21)
    text = "[base]\nnet = 'mlp'\n[device]\nlsb_c2c_rel = 0.005\n"
    text += "[grid]\n'device.lsb_table' = ['tables/a.csv', 'tables/b.csv']\n"
    points = resolve_points(load_spec(_write(tmp_path, text)))  # paths relative to the SPEC's folder
    assert [p.axes["device.lsb_table"] for p in points] == ["tables/a.csv", "tables/b.csv"]
    assert [len(p.config.device.lsb_table_pulse) for p in points] == [11, 21]
    assert {p.config.device.lsb_response for p in points} == {"table"}
    (tmp_path / "elsewhere").mkdir()
    toml = tmp_path / "elsewhere" / "p.toml"
    toml.write_text(points[1].train_toml())  # names the CSV by its absolute path
    assert build_config({"out": str(tmp_path / "r")}, str(toml)).device == points[1].config.device
    with pytest.raises(SpecError, match=r"spec.toml:6: \[grid\] device.lsb_table: .*missing.csv"):
        resolve_points(load_spec(_write(tmp_path, text.replace("b.csv", "missing.csv"))))
