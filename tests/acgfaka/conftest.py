"""Shared helpers of the acg-faka end-to-end tests: run the real CLI in-process, read its JSON report.

Every test goes through ``kmdiag.cli.app.run`` with ``--demo --platform acg-faka`` (the built-in
acg-faka profile re-rooted onto the demo). kmdiag's own-request journal goes to a per-session
directory so runs never read the developer's cache.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True, scope="session")
def _own_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    old = os.environ.get("KMDIAG_CACHE_DIR")
    os.environ["KMDIAG_CACHE_DIR"] = str(tmp_path_factory.mktemp("kmdiag-cache"))
    yield
    if old is None:
        os.environ.pop("KMDIAG_CACHE_DIR", None)
    else:
        os.environ["KMDIAG_CACHE_DIR"] = old


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any] | None, str]:
    """(exit code, the JSON report when ``--format json`` was asked, stderr)."""
    from kmdiag.cli.app import run

    capsys.readouterr()
    code = run(list(args))
    out = capsys.readouterr()
    report = None
    if "json" in args:
        try:
            report = json.loads(out.out)
        except ValueError:
            report = None
    return code, report, out.err


def cause_ids(report: dict[str, Any] | None) -> list[str]:
    return [c["id"] for c in (report or {}).get("causes") or []]


class SharedDemo:
    """One running acg-faka demo handed to several CLI runs (``make_demo`` patched to return it)."""

    def __init__(self, demo: Any) -> None:
        self.demo = demo

    def __getattr__(self, name: str) -> Any:
        return getattr(self.demo, name)

    def start(self) -> SharedDemo:
        return self

    def stop(self) -> None:  # the module fixture stops it
        return None


def share(monkeypatch: pytest.MonkeyPatch, demo: Any) -> None:
    """Make every ``--demo`` run of this test use ``demo`` instead of starting its own."""
    import kmdiag.demo.platforms as platforms

    monkeypatch.setattr(platforms, "make_demo", lambda faults, command, platform=None: SharedDemo(demo))
