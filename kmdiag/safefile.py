"""Files kmdiag reads that the user names (callback logs, order lists): regular files only, read
under the run's deadline.

Why: a "log file" can be a FIFO (``open`` blocks until someone writes), ``/dev/zero`` (endless),
or an 8 GB file with no newline; the log search runs in a thread, and a thread nobody can stop
holds the process's exit. So: files are opened non-blocking and refused unless regular
(:class:`NotRegularFile`, a clear reason), and every read checks the deadline carried by
:data:`DEADLINE` (a context variable, so ``asyncio.to_thread`` hands it to the worker) and raises
:class:`TimeoutError` once it has passed — cancelled work ends by itself, within one read.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import IO, Any

DEADLINE: ContextVar[float | None] = ContextVar("kmdiag_read_deadline", default=None)
READ_CHUNK = 1 << 20  # bytes per read: the deadline is looked at at least this often


class NotRegularFile(OSError):
    """A FIFO, a device, a socket or a directory where a file was expected."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def check_regular(path: str) -> None:
    """:class:`NotRegularFile` unless ``path`` is a regular file (symlinks followed); never blocks."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(f"{path} is {_kind(st.st_mode)}, not a regular file; kmdiag reads only regular files")


class DeadlineReader(io.RawIOBase):
    """A raw binary file whose reads stop with :class:`TimeoutError` once ``deadline`` has passed."""

    def __init__(self, fd: int, name: str, deadline: float | None) -> None:
        super().__init__()
        self._f = os.fdopen(fd, "rb", buffering=0)
        self.name, self.deadline = name, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeoutError("time budget spent while reading")
        view = memoryview(b)[:READ_CHUNK]
        return self._f.readinto(view) or 0

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._f.close()
        super().close()


def open_binary(path: str, deadline: float | None = None) -> IO[bytes]:
    """``open(path, "rb")`` for regular files only, every read under ``deadline`` (or :data:`DEADLINE`)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", path)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{path} is {_kind(st.st_mode)}, not a regular file; kmdiag reads only regular files")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    raw = DeadlineReader(fd, path, deadline if deadline is not None else DEADLINE.get())
    return io.BufferedReader(raw, buffer_size=64 * 1024)  # type: ignore[return-value]


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Reads in this context (and threads started from it with ``asyncio.to_thread``) end by ``at``."""
    token = DEADLINE.set(at)
    try:
        yield
    finally:
        DEADLINE.reset(token)
