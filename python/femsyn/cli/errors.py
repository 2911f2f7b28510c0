"""Which errors are the user's (bad input, missing data, diverged training), and how the CLI says
them: one line, exit status 1, no traceback."""

from __future__ import annotations

from femsyn.run import TrainingDivergedError

__all__ = ["USER_ERRORS", "one_line"]

# Errors that are the user's (bad input, missing data, diverged training): one line, exit 1.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    FileNotFoundError,
    FileExistsError,
    NotADirectoryError,
    PermissionError,
    TrainingDivergedError,
)


def one_line(e: BaseException) -> str:
    """The error's message on one line (a missing file's name included)."""
    msg = str(e).strip() or type(e).__name__
    if isinstance(e, FileNotFoundError) and e.filename and str(e.filename) not in msg:
        msg = f"{msg}: {e.filename}"
    return " ".join(msg.split())
