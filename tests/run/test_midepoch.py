"""Checkpoints inside an epoch (``checkpoint_every``): a kill loses minutes, not the epoch, and
the resume from the middle of an epoch is bit-identical to an uninterrupted run."""

from __future__ import annotations

import pytest
from femsyn.run import CHECKPOINT, TrainConfig, train
from femsyn.run.checkpoint import load_checkpoint, state_differences
from femsyn.run.config import ConfigError, parse_checkpoint_every
from tiny_run import TINY, quiet  # noqa: F401 (quiet: an autouse fixture)


def test_checkpoint_every_takes_steps_minutes_or_epoch() -> None:
    assert parse_checkpoint_every("5min") == ("minutes", 5.0)
    assert parse_checkpoint_every("0.5min") == ("minutes", 0.5)
    assert parse_checkpoint_every(500) == parse_checkpoint_every("500") == ("steps", 500.0)
    assert parse_checkpoint_every("epoch") == ("epoch", 0.0)
    assert TrainConfig().checkpoint_every == "5min"
    for bad in ("0", "-3min", "soon", 0, True, 2.5, "nanmin"):
        with pytest.raises(ConfigError, match="checkpoint_every"):
            TrainConfig(checkpoint_every=bad)


@pytest.mark.parametrize("threads_after", [1, 2])
def test_a_resume_from_inside_an_epoch_is_bit_identical(tmp_path, monkeypatch, threads_after) -> None:
    import femsyn.run.loop as loop

    straight = train(TrainConfig(**TINY, epochs=2, out=str(tmp_path / "straight")))
    out = tmp_path / "killed"
    step = loop._TrainingRun.step

    def dies_at_step_7(self, idx, epoch, s):
        if self.step_count == 7:
            raise KeyboardInterrupt  # stands in for a kill: the last checkpoint is after step 6
        return step(self, idx, epoch, s)

    monkeypatch.setattr(loop._TrainingRun, "step", dies_at_step_7)
    with pytest.raises(KeyboardInterrupt):
        train(TrainConfig(**TINY, epochs=2, out=str(out), checkpoint_every=3))
    monkeypatch.undo()
    inside = load_checkpoint(out / CHECKPOINT)
    assert (inside["epoch"], inside["step_in_epoch"], inside["step"]) == (1, 2, 6)
    resumed = train(TrainConfig(**{**TINY, "threads": threads_after}, epochs=2, out=str(out), resume=True))
    a, b = load_checkpoint(tmp_path / "straight" / CHECKPOINT), load_checkpoint(out / CHECKPOINT)
    assert state_differences(a, b) == []
    assert resumed["accuracy"] == straight["accuracy"] and resumed["counters"] == straight["counters"]
    assert [h["train_loss"] for h in resumed["history"]] == [h["train_loss"] for h in straight["history"]]


def test_a_minutes_schedule_writes_checkpoints_inside_the_epoch(tmp_path, monkeypatch) -> None:
    import femsyn.run.loop as loop

    clock = iter(range(0, 10**6, 120))  # every monotonic() call: two more minutes
    monkeypatch.setattr(loop.time, "monotonic", lambda: next(clock))
    saved = []
    checkpoint = loop._TrainingRun.checkpoint

    def spy(self, epochs_done, rng_state, inside=None):
        saved.append((epochs_done, (inside or {}).get("step_in_epoch", 0)))
        checkpoint(self, epochs_done, rng_state, inside)

    monkeypatch.setattr(loop._TrainingRun, "checkpoint", spy)
    train(TrainConfig(**TINY, epochs=1, out=str(tmp_path / "r"), checkpoint_every="1min"))
    assert saved == [(0, 1), (0, 2), (0, 3), (1, 0)]
