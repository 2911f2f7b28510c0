"""How every ``femsyn`` command says what went wrong: the one place that maps exceptions to
what the user reads.

A user mistake (a flag value that is not allowed) exits with status 2, a failure (a missing or
damaged file, a full or read-only disk, a run directory in use, diverged training) with 1; both
are one or a few plain lines on stderr that name the flag or file, the value and what is
allowed, never a traceback. ``--debug`` or ``FEMSYN_DEBUG=1`` shows the traceback instead.
Warnings print as ``warning: <text>`` lines, without Python's file and source-line plumbing.
An exception this module does not know is a bug in femsyn: its traceback is shown.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from femsyn.data.errors import DatasetNotFoundError
from femsyn.run import TrainingDivergedError
from femsyn.run.config import ConfigError
from femsyn.run.rundir import RunDirInUseError

__all__ = ["FAILURE", "USAGE", "USER_ERRORS", "cli_errors", "debug_enabled", "flag_of", "message_of", "one_line"]

USAGE, FAILURE = 2, 1

# Errors that are the user's or their files' (bad input, missing data, diverged training).
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    OSError,
    EOFError,
    TrainingDivergedError,
    RunDirInUseError,
)
# OS errors that say the output cannot be written (the run's last checkpoint survives them).
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}
# TrainConfig fields whose flag is not --<field with dashes>, or that have none.
_FLAGS = {"out": "--out", "device": "[device] (--config)", "progress": "--no-progress", "config_file": "--config"}
_NO_FLAG = {"eval_batch_size"}


def debug_enabled() -> bool:
    """``--debug`` (which sets it) or ``FEMSYN_DEBUG=1``: tracebacks instead of plain lines."""
    return os.environ.get("FEMSYN_DEBUG", "").strip().lower() not in ("", "0", "false", "no", "off")


def flag_of(field: str) -> str:
    """The CLI flag of a TrainConfig field (``lr_schedule`` -> ``--lr-schedule``)."""
    if field in _NO_FLAG:
        return field
    return _FLAGS.get(field, "--" + field.replace("_", "-"))


def one_line(e: BaseException) -> str:
    """The error's message on one line (a missing file's name included)."""
    msg = str(e).strip() or type(e).__name__
    if isinstance(e, OSError) and e.filename and str(e.filename) not in msg:
        msg = f"{msg}: {e.filename}"
    return " ".join(msg.split())


def message_of(e: BaseException) -> tuple[list[str], int] | None:
    """The lines and exit status the CLI gives for ``e``; None for an error that is a bug."""
    if isinstance(e, ConfigError):
        return [f"{flag_of(e.field)} {e.value!r} is invalid; allowed: {e.allowed}"], USAGE
    if isinstance(e, DatasetNotFoundError):
        # the look-up report and the ways to fix it, line by line as written
        return [ln for ln in str(e).splitlines() if ln.strip()], FAILURE
    if isinstance(e, OSError) and e.errno in _WRITE_ERRNOS and e.filename:
        what = "no space left on the device" if e.errno in (errno.ENOSPC, errno.EDQUOT) else e.strerror
        return [f"cannot write {e.filename}: {what} (the last checkpoint, if any, is intact)"], FAILURE
    if isinstance(e, EOFError):
        return [f"unexpected end of a file (truncated?): {one_line(e)}"], FAILURE
    if isinstance(e, USER_ERRORS):
        return [one_line(e)], FAILURE
    return None


def _fail(lines: list[str], status: int) -> NoReturn:
    click.echo(f"Error: {lines[0]}", err=True)
    for ln in lines[1:]:
        click.echo(f"  {ln}" if not ln.startswith(" ") else ln, err=True)
    sys.exit(status)


def show_warning(message: Any, category: Any, filename: Any, lineno: Any, file: Any = None, line: Any = None) -> None:
    """``warnings.showwarning`` of the CLI: the text only (no file, line or source)."""
    text = str(message).strip("\n")
    click.echo(f"warning: {text}", err=True)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Run a command: its known errors become plain lines and an exit status, its warnings plain
    lines. Click's own errors (bad options, ``--help``) pass through to click."""
    with warnings.catch_warnings():
        warnings.showwarning = show_warning
        try:
            yield
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            if debug_enabled():
                raise
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as e:
            known = message_of(e)
            if known is None or debug_enabled():
                raise
            _fail(*known)
