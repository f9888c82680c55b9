"""Exit codes, as written in the contract (cli-and-report.md)."""

from __future__ import annotations

from enum import IntEnum, unique


@unique
class ExitCode(IntEnum):
    OK = 0
    PROBLEM = 1
    USAGE = 2
    INCONCLUSIVE = 3
    INTERRUPTED = 130


STATUS_TO_EXIT = {"ok": ExitCode.OK, "problem": ExitCode.PROBLEM, "inconclusive": ExitCode.INCONCLUSIVE}
