"""The run directory under faults: one process at a time, leftovers of a kill, the umask, a
full or read-only disk."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
from click.testing import CliRunner
from femsyn.cli import main
from femsyn.run import CHECKPOINT, TrainConfig, train
from femsyn.run.checkpoint import load_checkpoint, state_differences
from femsyn.run.rundir import RunDirInUseError, RunDirLock
from tiny_run import TINY, quiet  # noqa: F401 (quiet: an autouse fixture)

FLAGS = ["--net", "mlp", "--hidden", "16", "--train-limit", "256", "--val-size", "100", "--no-progress"]


def _run(out, **kw):
    return train(TrainConfig(**{**TINY, "epochs": 2, "out": str(out), **kw}))


def test_a_second_process_on_the_same_out_is_told_who_holds_it(tmp_path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    holder = RunDirLock(out)  # stands in for another femsyn train (flock is per open file)
    try:
        with pytest.raises(RunDirInUseError, match=f"in use by PID {os.getpid()}"):
            _run(out)
        r = CliRunner().invoke(main, ["train", *FLAGS, "--epochs", "1", "--out", str(out)])
        assert r.exit_code == 1 and f"in use by PID {os.getpid()}" in r.output and "Traceback" not in r.output
    finally:
        holder.release()
    assert not (out / CHECKPOINT).exists()
    _run(out)  # free again once the holder is gone
    assert (out / CHECKPOINT).is_file()


def test_a_kill_during_the_first_checkpoint_write_neither_blocks_a_restart_nor_a_resume(tmp_path) -> None:
    straight = _run(tmp_path / "straight")
    for resume in (False, True):
        out = tmp_path / f"killed-{resume}"
        out.mkdir()
        (out / "config.json").write_text("{}")
        stale = out / f"{CHECKPOINT}.x1y2z3.tmp"
        stale.write_bytes(b"PK\x03\x04 half a checkpoint")
        s = _run(out, resume=resume)
        assert not stale.exists() and not list(out.glob("*.tmp"))
        assert s["accuracy"] == straight["accuracy"] and s["counters"] == straight["counters"]


def test_run_files_respect_the_umask(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "run"
        _run(out, epochs=1)
    finally:
        os.umask(old)
    for name in (CHECKPOINT, "config.json", "summary.json", "metrics.csv"):
        assert (out / name).stat().st_mode & 0o777 == 0o644, name


@pytest.mark.parametrize(
    ("err", "text"),
    [(errno.ENOSPC, "no space left on the device"), (errno.EROFS, "Read-only file system")],
)
def test_disk_full_or_read_only_is_one_line_and_keeps_the_last_checkpoint(tmp_path, monkeypatch, err, text) -> None:
    out = tmp_path / "run"
    first = CliRunner().invoke(main, ["train", *FLAGS, "--epochs", "2", "--stop-after-epochs", "1", "--out", str(out)])
    assert first.exit_code == 0, first.output
    import femsyn.run.checkpoint as ck

    def failing_savez(f, **arrays):
        f.write(b"PK partial")
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(ck.np, "savez", failing_savez)
    r = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--no-progress"])
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert lines[-1] == f"Error: cannot write {out / CHECKPOINT}: {text} (the last checkpoint, if any, is intact)"
    assert "Traceback" not in r.output
    monkeypatch.undo()
    assert load_checkpoint(out / CHECKPOINT)["epoch"] == 1 and not list(out.glob("*.tmp"))


def test_threads_do_not_change_a_bit_nor_does_resuming_at_another_count(tmp_path) -> None:
    one = _run(tmp_path / "one", threads=1)
    two = _run(tmp_path / "two", threads=2)
    split = tmp_path / "split"
    _run(split, threads=1, stop_after_epochs=1)
    resumed = _run(split, threads=2, resume=True)
    a, b, c = (load_checkpoint(tmp_path / d / CHECKPOINT) for d in ("one", "two", "split"))
    for other in (b, c):
        for x, y in zip(a["model"]["arrays"], other["model"]["arrays"]):
            for k, v in x.items():
                if isinstance(v, np.ndarray):
                    assert np.array_equal(v, y[k]), k
        for k, v in a["optimizer"].items():
            assert np.array_equal(v, other["optimizer"][k]), k  # momentum buffers: every bit
    assert one["accuracy"] == two["accuracy"] == resumed["accuracy"]
    assert one["counters"] == two["counters"] == resumed["counters"]


def test_resume_before_the_first_checkpoint_starts_the_run_it_was_given(tmp_path, monkeypatch) -> None:
    import femsyn.run.loop as loop

    straight = tmp_path / "straight"
    assert CliRunner().invoke(main, ["train", *FLAGS, "--epochs", "2", "--out", str(straight)]).exit_code == 0

    def dies(self, idx, epoch, s):
        raise KeyboardInterrupt  # a kill after config.json, before any checkpoint

    out = tmp_path / "killed"
    monkeypatch.setattr(loop._TrainingRun, "step", dies)
    r = CliRunner().invoke(main, ["train", *FLAGS, "--epochs", "2", "--out", str(out)])
    assert r.exit_code == 130 and (out / "config.json").is_file() and not (out / CHECKPOINT).exists()
    monkeypatch.undo()
    r = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--no-progress"])
    assert r.exit_code == 0, r.output
    a, b = (load_checkpoint(d / CHECKPOINT) for d in (straight, out))
    assert state_differences(a, b) == []  # the mlp of 2 epochs it was started as, not the defaults
