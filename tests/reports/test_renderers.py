"""Every format on a literal Report: structure, escaping, redaction, language. No network, no browser."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from kmdiag.models import Report, Status
from kmdiag.redact import Redactor
from kmdiag.render import FORMATS, render
from tests.reports.conftest import PHONE, TOKEN, make_report

CJK = re.compile(r"[\u4e00-\u9fff]")


def _all(report: Report, redactor: Redactor, lang: str) -> dict[str, str]:
    return {fmt: render(report, fmt, lang=lang, redactor=redactor) for fmt in FORMATS}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_secret_and_no_full_phone_in_any_format(report: Report, redactor: Redactor, lang: str) -> None:
    for fmt, out in _all(report, redactor, lang).items():
        assert TOKEN not in out, fmt
        assert PHONE not in out, fmt
        assert "139****5678" in out or fmt in ("text",), fmt  # evidence is shown, masked


def test_lang_switches_every_format(report: Report, redactor: Redactor) -> None:
    zh, en = _all(report, redactor, "zh"), _all(report, redactor, "en")
    for fmt in FORMATS:
        assert "DNS 被劫持" in zh[fmt] and "DNS is hijacked" not in zh[fmt], fmt
        assert "DNS is hijacked" in en[fmt] and "DNS 被劫持" not in en[fmt], fmt
        assert CJK.search(zh[fmt]), fmt


def test_markdown_ticket_body(report: Report, redactor: Redactor) -> None:
    md = render(report, "markdown", lang="en", redactor=redactor)
    lines = md.splitlines()
    assert lines[0].startswith("> This report contains")
    heads = [x for x in lines if x.startswith("## ")]
    assert heads[:4] == ["## Summary", "## Likely causes", "## Failing checks", "## Checks"]
    assert "## Timings" in heads and "## Evidence files" in heads
    for who in ("**You**", "**Support**", "**Operator**"):
        assert who in md
    assert "### ❌ `network.dns-consistent`" in md and "### 💥 `account.session`" in md
    assert "platform.health` — " not in md  # passing checks are not in the failing list
    assert "```json" in md and '"user": [' in md
    prose = re.sub(r"```json\n.*?\n```", "", md, flags=re.S)  # inside a code block it is shown, not run
    assert "<script>" not in prose and '"note": "<script>' in md  # target text cannot inject markup
    assert re.search(r"\| network\.http-timing · https://shop\.kmdiag\.test/buy/1 \| 12 \| 30\.5 \| 44 \| 900 \| 15 \|", md)
    assert "`network.dns-hijack`" in md and "caused by network.dns-hijack" in md


class _Doc(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped(report: Report, redactor: Redactor) -> None:
    html = render(report, "html", lang="zh", redactor=redactor)
    doc = _Doc()
    doc.feed(html)
    tags = [t for t, _ in doc.tags]
    assert html.startswith("<!DOCTYPE html>") and ("meta", {"charset": "utf-8"}) in doc.tags
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    csp = [a for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    for _, attrs in doc.tags:  # nothing is fetched from anywhere
        for k in ("src", "href", "action", "data", "poster"):
            v = attrs.get(k)
            assert v is None or v.startswith(("data:", "#")), (k, v)
    imgs = [a for t, a in doc.tags if t == "img"]
    assert len(imgs) == 1 and (imgs[0]["src"] or "").startswith("data:image/png;base64,iVBOR")
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = "".join(doc.text)
    assert "DNS 被劫持" in text and "换用可信 DNS" in text and "网络与 DNS" in text
    layers = [a["data-layer"] for t, a in doc.tags if t == "h3" and "data-layer" in a]
    assert layers == ["network", "platform", "browser", "account"]
    checks = {a["data-check"]: a["data-status"] for t, a in doc.tags if t == "details"}
    assert checks["network.dns-consistent"] == "fail" and checks["browser.button-clickable"] == "skip"
    segs = [a for t, a in doc.tags if t == "div" and a.get("class") == "seg"]
    assert [s["title"].split()[0] for s in segs[:5]] == ["dns", "connect", "tls", "ttfb", "transfer"]


def test_html_without_screenshot_file_says_so(redactor: Redactor, tmp_path) -> None:
    html = render(make_report(tmp_path / "gone.png"), "html", lang="en", redactor=redactor)
    assert "<img" not in html and "screenshot file not available" in html


def _junit(report: Report, redactor: Redactor, lang: str = "en") -> ET.Element:
    xml = render(report, "junit", lang=lang, redactor=redactor)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(xml.encode("utf-8"))


def _assert_junit_shape(root: ET.Element) -> None:
    """What Jenkins / GitLab / GitHub reporters read, checked attribute by attribute."""
    assert root.tag == "testsuites"
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests", "failures", "errors", "skipped", "time", "timestamp"} <= set(suite.attrib)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", ""))
        cases = suite.findall("testcase")
        assert all(c.tag in ("testcase", "properties", "system-out", "system-err") for c in suite)
        n = {"tests": len(cases), "failures": sum(1 for c in cases if c.find("failure") is not None),
             "errors": sum(1 for c in cases if c.find("error") is not None),
             "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
        for k, v in n.items():
            assert int(suite.get(k, "-1")) == v, (suite.get("name"), k)
            total[k] += v
        # A suite's time is its layer's wall time: no case (a check's own cost) is longer than it.
        assert all(float(c.get("time", "0")) <= float(suite.get("time", "0")) + 0.001 for c in cases)
        for c in cases:
            assert c.get("name") and c.get("classname") == suite.get("name")
            float(c.get("time", "x"))
            assert sum(1 for x in c if x.tag in ("failure", "error", "skipped")) <= 1
            for x in c:
                assert x.tag in ("failure", "error", "skipped", "system-out", "system-err")
    for k, v in total.items():
        if k != "skipped":  # junit-10.xsd has no "skipped" on <testsuites>
            assert int(root.get(k, "-1")) == v, k
    assert "skipped" not in root.attrib
    float(root.get("time", "x"))


def test_junit_shape_and_content(report: Report, redactor: Redactor) -> None:
    root = _junit(report, redactor)
    _assert_junit_shape(root)
    names = [s.get("name") for s in root]
    assert names == ["kmdiag.network", "kmdiag.platform", "kmdiag.browser", "kmdiag.account", "kmdiag.diagnosis"]
    case = {c.get("name"): c for c in root.iter("testcase")}
    fail = case["network.dns-consistent"].find("failure")
    assert fail is not None and fail.get("type") == "network.dns-hijack"
    assert "DNS is hijacked" in (fail.get("message") or "")
    assert "→ You: use a trusted DNS" in (fail.text or "") and "→ Operator: check the zone" in (fail.text or "")
    err = case["account.session"].find("error")
    assert err is not None and err.get("type") == "timeout"
    assert case["browser.button-clickable"].find("skipped") is not None
    assert case["network.http-timing"].find("failure") is None  # warn passes with --fail-on fail
    verdict = case["order.diagnosis"].find("failure")
    assert verdict is not None and verdict.get("type") == "network.dns-hijack"
    assert root.get("tests") == "6" and root.get("failures") == "2"


def test_junit_fail_on_warn_and_ok_and_inconclusive(report: Report, redactor: Redactor) -> None:
    report.meta["fail_on"] = "warn"
    root = _junit(report, redactor)
    _assert_junit_shape(root)
    warn = next(c for c in root.iter("testcase") if c.get("name") == "network.http-timing")
    assert warn.find("failure") is not None and warn.find("failure").get("type") == "check-warn"
    ok = Report("order", "demo", "ok", "2026-11-25T13:00:00+00:00", 10,
                [f for f in report.findings if f.status == Status.PASS], [])
    root = _junit(ok, redactor)
    _assert_junit_shape(root)
    assert root.get("failures") == "0" and root.get("errors") == "0"
    empty = Report("payment", "demo", "inconclusive", "2026-11-25T13:00:00+00:00", 10, [], [],
                   unfinished=["payment.order"])
    root = _junit(empty, redactor, "zh")
    _assert_junit_shape(root)
    assert root.get("errors") == "1" and root.find("testsuite/testcase/error").get("type") == "inconclusive"


def test_junit_survives_control_characters(report: Report, redactor: Redactor) -> None:
    report.findings[0].evidence["title"] = "bad\x00\x1bbyte"
    _assert_junit_shape(_junit(report, redactor))


def test_text_has_no_colour_codes_unless_asked(report: Report, redactor: Redactor) -> None:
    plain = render(report, "text", lang="en", redactor=redactor, color=False)
    assert "\x1b[" not in plain and "DNS is hijacked" in plain
    coloured = render(report, "text", lang="en", redactor=redactor, color=True)
    assert "\x1b[" in coloured


def test_json_keeps_private_meta_out(report: Report, redactor: Redactor) -> None:
    report.meta.update({"_artifact_root": "/tmp/x", "evidence": "out"})
    d = json.loads(render(report, "json", lang="en", redactor=redactor))
    assert d["meta"] == {"interrupted": False, "evidence": "out"}
    assert d["checks"][4]["evidence"]["authorization"] == "[REDACTED]"


def test_a_secret_wrapped_by_the_terminal_layout_is_still_redacted(report: Report, redactor: Redactor) -> None:
    long_secret = "WRAPME" + "x7" * 60
    redactor.add(long_secret)
    report.causes[0].explanation = type(report.causes[0].explanation)(zh=f"令牌 {long_secret}", en=f"token {long_secret}")
    for fmt in FORMATS:
        out = render(report, fmt, lang="en", redactor=redactor, width=60)
        assert "WRAPME" not in out and "x7x7x7x7x7x7x7x7" not in out, fmt
    assert long_secret in report.causes[0].explanation.en  # the report itself is not changed
