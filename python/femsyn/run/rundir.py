"""One process per run directory: the lock, and the leftovers of a process that was killed.

The lock is ``fcntl.flock`` on ``<out>/.lock`` (released by the kernel when the process dies,
so a kill -9 never leaves a stale lock); the file holds the PID of its holder, so a second
``femsyn train`` on the same ``--out`` says who has it. While the lock is held no other femsyn
process writes there, so any ``*.tmp`` file is the remains of an interrupted atomic write.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["LOCK_FILE", "RunDirInUseError", "RunDirLock", "remove_stale_temp_files", "stale_temp_files"]

LOCK_FILE = ".lock"


class RunDirInUseError(RuntimeError):
    """Another process holds the run directory's lock."""


class RunDirLock:
    """An exclusive lock of a run directory, held until :meth:`release` (or the process ends)."""

    def __init__(self, out: Path) -> None:
        import fcntl

        self.path = out / LOCK_FILE
        self.fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            self.fd = None
            raise RunDirInUseError(
                f"run directory {out} is in use by PID {holder} (another femsyn train); wait for it "
                f"to finish or choose another --out"
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None


def stale_temp_files(out: Path) -> list[Path]:
    """The ``*.tmp`` files an interrupted atomic write left in ``out``."""
    return sorted(p for p in out.glob("*.tmp") if p.is_file())


def remove_stale_temp_files(out: Path) -> int:
    """Delete them (call only with the lock held); returns how many there were."""
    files = stale_temp_files(out)
    for p in files:
        p.unlink(missing_ok=True)
    return len(files)
