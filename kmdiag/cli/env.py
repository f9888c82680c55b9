"""The command's surroundings — streams, whether they are terminals, colour, width, environment — in one place.

Why: the CLI decides several things from its surroundings (colour on a terminal unless ``NO_COLOR``
or ``TERM=dumb``, a spinner or a progress bar only when stderr is a terminal, asking before
``--renotify`` sends only when stdin is one). Read in one object, built once per command, a test
hands the CLI a :class:`Terminal` of its own (``kmdiag.cli.app.run(argv, term=...)``) instead of
monkeypatching ``sys.stdout.isatty`` and the environment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any


def is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or a fake stream
        return False


@dataclass
class Terminal:
    """Streams and environment of one command. ``None`` streams mean "the process's own, at use time"."""

    stdout: IO[str] | None = None
    stderr: IO[str] | None = None
    stdin: IO[str] | None = None
    environ: Mapping[str, str] | None = None
    width: int | None = None  # columns; None: ask the terminal

    @property
    def out(self) -> IO[str]:
        return self.stdout if self.stdout is not None else sys.stdout

    @property
    def err(self) -> IO[str]:
        return self.stderr if self.stderr is not None else sys.stderr

    @property
    def inp(self) -> IO[str]:
        return self.stdin if self.stdin is not None else sys.stdin

    @property
    def env(self) -> Mapping[str, str]:
        return self.environ if self.environ is not None else os.environ

    @property
    def live(self) -> bool:
        """stderr is a terminal: a spinner or progress bar may be drawn there."""
        return is_tty(self.err)

    @property
    def interactive(self) -> bool:
        """stdin is a terminal: a person can be asked."""
        return is_tty(self.inp)

    def color(self, fmt: str, to_file: bool = False) -> bool:
        """Colour for text on a terminal, unless ``NO_COLOR`` is set or ``TERM=dumb`` (no-color.org)."""
        return (fmt == "text" and not to_file and is_tty(self.out) and not self.env.get("NO_COLOR")
                and self.env.get("TERM") != "dumb")

    def columns(self) -> int:
        return self.width or shutil.get_terminal_size((80, 24)).columns


_CURRENT: list[Terminal] = []


def current() -> Terminal:
    """The terminal of the command now running (the process's own when none was handed in)."""
    return _CURRENT[-1] if _CURRENT else Terminal()


@contextlib.contextmanager
def using(term: Terminal | None) -> Iterator[Terminal]:
    """Run a command with ``term`` as its surroundings (``None``: the process's own).

    Streams handed in replace ``sys.stdout`` / ``sys.stderr`` for the command, so every line it
    prints — its own, a library's — goes where the caller asked.
    """
    t = term or Terminal()
    _CURRENT.append(t)
    try:
        with contextlib.ExitStack() as stack:
            if t.stdout is not None:
                stack.enter_context(contextlib.redirect_stdout(t.stdout))
            if t.stderr is not None:
                stack.enter_context(contextlib.redirect_stderr(t.stderr))
            yield t
    finally:
        _CURRENT.pop()
