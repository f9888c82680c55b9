"""Tool errors (bad profile, bad option, missing browser): a message and a hint, never a traceback."""

from __future__ import annotations


class KmdiagError(Exception):
    """An error in how kmdiag was asked to run, as opposed to a problem found in the target."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(KmdiagError):
    """A bad option or argument."""
