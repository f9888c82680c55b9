"""``--evidence DIR`` is written atomically: a bundle that fails half-way leaves no directory and no stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmdiag import evidence
from kmdiag.models import Report
from kmdiag.redact import Redactor
from tests.reports.test_evidence import _ctx


def test_failed_bundle_leaves_nothing(tmp_path: Path, report: Report, redactor: Redactor,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kmdiag import render as render_mod

    real = render_mod.render

    def render(rep, fmt, **kw):  # the disk fills while the html report is written
        if fmt == "html":
            raise OSError(28, "No space left on device")
        return real(rep, fmt, **kw)

    monkeypatch.setattr(render_mod, "render", render)
    dest = tmp_path / "out" / "bundle"
    evidence.write_bundle(report, _ctx(tmp_path), dest, redactor=redactor, lang="en")
    assert not dest.exists() and report.meta["output_error"].startswith("evidence bundle")
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no half bundle, no staging directory


def test_bundle_into_an_existing_directory(tmp_path: Path, report: Report, redactor: Redactor) -> None:
    dest = tmp_path / "bundle"
    dest.mkdir()
    (dest / "notes.txt").write_text("the agent's own file", encoding="utf-8")
    evidence.write_bundle(report, _ctx(tmp_path), dest, redactor=redactor, lang="en")
    names = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert "notes.txt" in names and "report.md" in names and "page.har" in names
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".kmdiag-tmp")] == []
