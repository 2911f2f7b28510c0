"""Damaged and impossible checkpoints: every case is one line naming the file, from `femsyn eval`
and from `femsyn train --resume`; none is accepted, none is a traceback or an abort."""

from __future__ import annotations

import io
import json
import shutil
import warnings
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from femsyn import SynapseArray, preset
from femsyn.cli import main
from femsyn.run import CHECKPOINT, TrainConfig, train
from femsyn.run.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tiny_run import TINY, quiet  # noqa: F401 (quiet: an autouse fixture)


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("good") / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(TrainConfig(**TINY, epochs=2, stop_after_epochs=1, out=str(out)))
    return out


def _arr(st, layer=0):
    return st["model"]["arrays"][layer]


def _spliced(st):
    other = SynapseArray(_arr(st)["rows"], _arr(st)["cols"], preset("ideal-6b"), seed=1).state_dict()
    st["model"]["arrays"][0] = other


def _set(key, value):
    def f(st):
        st[key] = value

    return f


def _cell(key, value):
    def f(st):
        _arr(st)[key] = _arr(st)[key].copy()
        _arr(st)[key].flat[0] = value

    return f


# state mutations: each is an impossible state, saved with valid checksums
SEMANTIC = {
    "lsb 1e30": _cell("lsb", 1e30),
    "negative leak rate": _cell("leak_rate", -1.0),
    "zero step sizes": lambda st: _arr(st).__setitem__("step_up", np.zeros_like(_arr(st)["step_up"])),
    "lsb stored transposed": lambda st: _arr(st).__setitem__("lsb", np.ascontiguousarray(_arr(st)["lsb"].T)),
    "ideal-6b array spliced in": _spliced,
    "momentum (1, cols)": lambda st: st["optimizer"].__setitem__("v_w0", st["optimizer"]["v_w0"][:1].copy()),
    "epoch -1": _set("epoch", -1),
    "epoch beyond epochs": _set("epoch", 7),
    "history of another length": lambda st: st.__setitem__("history", []),
    "step inconsistent": _set("step", 3),
    "rows=cols=100000": lambda st: _arr(st).update(rows=100000, cols=100000),
    "max_cell_writes inconsistent": lambda st: _arr(st)["counters"].__setitem__("max_cell_writes", 10**6),
    "counter negative": lambda st: _arr(st)["counters"].__setitem__("pulses", -5),
    "bias of another shape": lambda st: st["model"]["biases"].__setitem__(0, np.zeros(3, np.float32)),
    "rng garbage": _set("rng", {"bit_generator": "PCG64", "state": "x"}),
    "format unknown": _set("format", "femsyn-checkpoint-v0"),
    "counter a string": lambda st: _arr(st)["counters"].__setitem__("pulses", "many"),
    "device a list": lambda st: _arr(st).__setitem__("device", [1, 2]),
    "msb out of range": _cell("msb", 999),
    "step_in_epoch beyond the epoch": _set("step_in_epoch", 10**6),
}


def _rewrite_member(path, member, edit):
    """Copy the zip with one member's bytes changed by ``edit``."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                data = edit(data)
            if data is not None:
                dst.writestr(info, data)
    path.write_bytes(buf.getvalue())


def _flip_middle(data):
    i = len(data) // 2 + 1
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


FILE = {
    "empty file": lambda p: p.write_bytes(b""),
    "not a zip": lambda p: p.write_bytes(b"\x80\x04 this is no npz at all" * 10),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "a bit flipped in an array": lambda p: _rewrite_member(p, "model/arrays/0/lsb.npy", _flip_middle),
    "a bit flipped in the JSON": lambda p: _rewrite_member(p, "__json__.npy", _flip_middle),
    "an array member removed": lambda p: _rewrite_member(p, "optimizer/v_w0.npy", lambda d: None),
    "the JSON member removed": lambda p: _rewrite_member(p, "__json__.npy", lambda d: None),
    "a plain .npy file": lambda p: np.save(open(p, "wb"), np.zeros(3)),
}


def _damaged(good_run, tmp_path, name):
    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    ckpt = out / CHECKPOINT
    if name in SEMANTIC:
        st = load_checkpoint(ckpt)
        SEMANTIC[name](st)
        save_checkpoint(ckpt, st)
    else:
        FILE[name](ckpt)
    return out


@pytest.mark.parametrize("name", [*SEMANTIC, *FILE])
def test_every_damaged_checkpoint_is_one_line_naming_the_file(good_run, tmp_path, name) -> None:
    out = _damaged(good_run, tmp_path, name)
    for argv in (["eval", str(out)], ["train", "--out", str(out), "--resume", "--no-progress"]):
        r = CliRunner().invoke(main, argv)
        lines = r.stderr.strip().splitlines()
        assert r.exit_code == 1 and len(lines) == 1, (name, argv[0], r.output)
        assert str(out / CHECKPOINT) in lines[0] and "Traceback" not in r.output, (name, lines)


def test_a_good_checkpoint_still_loads_and_names_its_damage_precisely(good_run, tmp_path) -> None:
    out = _damaged(good_run, tmp_path, "a bit flipped in an array")
    with pytest.raises(CheckpointError, match=r"checksum mismatch in array 'model/arrays/0/lsb'"):
        load_checkpoint(out / CHECKPOINT)
    assert load_checkpoint(good_run / CHECKPOINT)["epoch"] == 1
    doc = json.loads(str(np.load(good_run / CHECKPOINT)["__json__"]))
    assert doc["file_format"] == 2


def test_a_checkpoint_from_before_a_device_field_existed_resumes(tmp_path) -> None:
    """A checkpoint whose device dicts lack fields added later (e.g. the ferroelectric-domain
    ones) resumes: a missing field means its default, which computes what that run computed."""
    run = tmp_path / "run"
    cfg = dict(TINY, synapse="femfet-6b-linear")  # the first release's store: those fields at default
    train(TrainConfig(**cfg, epochs=2, stop_after_epochs=1, out=str(run)))
    st = load_checkpoint(run / CHECKPOINT)
    for arr in st["model"]["arrays"]:
        for name in ("fe_domains", "fe_alpha", "msb_model"):
            del arr["device"][name]
    save_checkpoint(run / CHECKPOINT, st)
    train(TrainConfig(**cfg, epochs=2, out=str(run), resume=True))
    assert json.loads((run / "summary.json").read_text())["complete"]
    # a field whose saved value differs from the run's device is still refused
    st["model"]["arrays"][0]["device"]["tau_leak_s"] = 123.0
    save_checkpoint(run / CHECKPOINT, st)
    with pytest.raises(CheckpointError, match="tau_leak_s"):
        train(TrainConfig(**cfg, epochs=2, out=str(run), resume=True))
