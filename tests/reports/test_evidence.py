"""Evidence bundles (directory and zip) from a literal report and fake browser files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from kmdiag.evidence import write_bundle
from kmdiag.models import Report
from kmdiag.redact import Redactor
from kmdiag.render import render
from tests.reports.conftest import PHONE, TOKEN
from tests.reports.test_redact import _har, _trace_zip

LEARNT = "cookie-learnt-during-run-42"


def _ctx(tmp_path: Path) -> SimpleNamespace:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "order.har").write_text(json.dumps(_har()).replace("hunter2", LEARNT), encoding="utf-8")
    (raw / "console.log").write_text(json.dumps({"type": "error", "text": f"boom {TOKEN} {PHONE}"}), encoding="utf-8")
    (raw / "trace.zip").write_bytes(_trace_zip())
    files = {"har": str(raw / "order.har"), "console": str(raw / "console.log"), "trace": str(raw / "trace.zip")}
    return SimpleNamespace(state={"browser_files": files}, secrets={"KMDIAG_COOKIE": LEARNT})


def _members(path: Path) -> dict[str, bytes]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist()}
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


EXPECTED = ["report.md", "report.html", "report.json", "screenshots/01-order-page.png", "page.har", "console.log",
            "trace.zip"]


@pytest.mark.parametrize("name", ["bundle", "bundle.zip"])
def test_bundle_contents(tmp_path: Path, report: Report, redactor: Redactor, name: str) -> None:
    dest = tmp_path / "out" / name
    write_bundle(report, _ctx(tmp_path), dest, redactor=redactor, lang="en")
    files = _members(dest)
    assert sorted(files) == sorted(EXPECTED)
    assert [a.path for a in report.artifacts] == EXPECTED  # the report lists exactly what was written
    assert not any(Path(a.path).is_absolute() for a in report.artifacts)
    md = files["report.md"].decode()
    first = md.splitlines()[0]
    assert first.startswith("> This evidence bundle contains:") and "page.har" in first and "trace.zip" in first
    listed = json.loads(files["report.json"])["artifacts"]
    assert [a["path"] for a in listed] == EXPECTED
    assert b"data:image/png;base64,iVBOR" in files["report.html"]
    assert files["screenshots/01-order-page.png"].startswith(b"\x89PNG")
    json.loads(files["page.har"])  # still a HAR
    with zipfile.ZipFile(io.BytesIO(files["trace.zip"])) as z:
        assert "trace.trace" in z.namelist()
    for member, data in files.items():
        for leaked in (TOKEN, PHONE, LEARNT, "hunter2"):
            assert leaked.encode() not in data, (member, leaked)
    # the report rendered after the bundle (stdout / --output) still shows the screenshot
    after = render(report, "html", lang="en", redactor=redactor)
    assert "data:image/png;base64,iVBOR" in after
    assert report.meta["evidence"] == str(dest)


def test_bundle_that_cannot_be_written_costs_only_the_bundle(tmp_path: Path, report: Report,
                                                             redactor: Redactor) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    write_bundle(report, None, blocker / "sub", redactor=redactor, lang="zh")
    assert any("证据包未能写入" in n.zh for n in report.notes)
    assert "could not be written" in render(report, "text", lang="en", redactor=redactor)


def test_bundle_without_browser_files(tmp_path: Path, report: Report, redactor: Redactor) -> None:
    report.artifacts = []
    write_bundle(report, SimpleNamespace(state={}, secrets={}), tmp_path / "b", redactor=redactor, lang="zh")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["report.html", "report.json", "report.md"]
    assert (tmp_path / "b" / "report.md").read_text(encoding="utf-8").startswith("> 本证据包包含：report.md")
