"""Where reports and bundles go: checked before the run, written atomically.

Why: a 20-second diagnosis that ends in "cannot write out/report.json: read-only file system"
has lost its result. So ``--output`` and ``--evidence`` are checked first (not a directory where a
file is meant, a writable place, some room) and a bad one is exit 2 before anything runs; files are
written to a temporary name beside the target and renamed into place, so a full disk never leaves
half a report or an ``ev.zip.part``; and a write that still fails (the disk filled during the run)
costs the file, not the report: it goes to stdout and the exit code says why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from kmdiag.errors import UsageError

MIN_FREE = 1 << 20  # bytes: less than this free and even a text report may not fit


class OutputError(OSError):
    """An output could not be written (the reason is the message)."""


def _nearest_existing(p: Path) -> Path:
    cur = p
    while not cur.exists() and cur != cur.parent:
        cur = cur.parent
    return cur


def _probe_dir(d: Path, what: str, target: Path) -> None:
    """``d`` is an existing directory: writable (proved by creating a file) with some room."""
    if not d.is_dir():
        raise UsageError(f"{what}: cannot create {target}: {d} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".kmdiag-write-test-", dir=d)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{what}: {target} is not writable: {exc.strerror or exc}") from None
    try:
        free = shutil.disk_usage(d).free
    except OSError:
        return
    if free < MIN_FREE:
        raise UsageError(f"{what}: no room to write {target} ({free} bytes free on that disk)")


def check_file_target(path: Path, what: str = "--output") -> None:
    """A file will be written at ``path``: UsageError (exit 2) now if it cannot be."""
    if path.is_dir():
        raise UsageError(f"{what}: {path} is a directory; give a file name", hint=f"{what} {path / 'report.txt'}")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{what}: {path} exists and is not writable")
    _probe_dir(_nearest_existing(path.parent if str(path.parent) else Path(".")), what, path)


def check_evidence_target(path: Path) -> None:
    """``--evidence`` DIR or FILE.zip: checked like an output, before the run."""
    if path.suffix.lower() == ".zip":
        check_file_target(path, "--evidence")
        return
    if path.exists() and not path.is_dir():
        raise UsageError(f"--evidence: {path} exists and is not a directory",
                         hint="give a new directory, or a name ending in .zip")
    _probe_dir(_nearest_existing(path), "--evidence", path)


def write_text_atomic(path: Path, text: str) -> None:
    """``text`` at ``path`` in full or not at all (temporary file beside it, fsync, rename)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".kmdiag-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_path(path: Path):  # type: ignore[no-untyped-def]
    """A temporary path beside ``path`` to write into; renamed onto ``path`` on success, removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".kmdiag-tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
