"""Formats, --output, --lang, --fail-on, colour and exit codes through the real CLI (demo shop, loopback)."""

from __future__ import annotations

import html
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from kmdiag import plugins, registry
from kmdiag.i18n import T
from kmdiag.models import Status
from tests.reports.test_renderers import _assert_junit_shape

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def fake_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Status]]:
    """One extra check in the payment command's 'platform' layer whose status the test picks."""
    plugins.load_builtins()
    want = {"status": Status.WARN}

    def fn(c: registry.CheckContext) -> registry.CheckResult:
        if want["status"] == Status.ERROR:
            raise RuntimeError("cannot judge")
        return registry.CheckResult(want["status"], T(zh="测试用检查结果", en="a test check result"), {"n": 1})

    spec = registry.CheckSpec("platform.reports-test", "platform", fn, T(zh="报告测试检查", en="reports test check"),
                              ("payment",))
    monkeypatch.setitem(registry.CHECKS, spec.id, spec)
    yield want


def _run(cli, *args: str) -> tuple[int, str, str]:
    return cli("payment", "--demo", "--only", "platform", *args)


def test_fail_on_warn_and_exit_codes(cli, fake_check, tmp_path: Path) -> None:
    code, out, _ = _run(cli, "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "ok"
    code, out, _ = _run(cli, "--format", "json", "--fail-on", "warn")
    assert code == 1 and json.loads(out)["status"] == "problem"
    report = tmp_path / "ci" / "report.xml"
    code, out, _ = _run(cli, "--smoke", "--fail-on", "warn", "--format", "junit", "--output", str(report))
    assert code == 1 and out == ""
    root = ET.parse(report).getroot()
    _assert_junit_shape(root)
    case = root.find(".//testcase[@name='platform.reports-test']")
    assert case is not None and case.get("classname") == "kmdiag.platform"
    assert case.find("failure").get("type") == "check-warn"
    fake_check["status"] = Status.ERROR
    code, out, _ = _run(cli, "--format", "junit")
    assert code == 3
    assert ET.fromstring(out).find(".//testcase[@name='platform.reports-test']/error") is not None


def test_usage_errors_exit_2(cli) -> None:
    assert cli("order", "--demo", "--format", "pdf")[0] == 2
    assert cli("order", "--demo", "--lang", "fr")[0] == 2
    assert cli("order", "--demo", "--fail-on", "sometimes")[0] == 2


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "junit", "html"])
def test_lang_switches_every_format_through_the_cli(cli, fmt: str) -> None:
    outs = {}
    for lang in ("zh", "en"):
        verbose = ["-v"] if fmt == "text" else []  # text lists passing checks only with -v
        code, out, err = cli("payment", "--demo", "--format", fmt, "--lang", lang, *verbose)
        assert code in (0, 1, 3), err
        outs[lang] = html.unescape(re.sub(r"\\(.)", r"\1", out)) if fmt in ("markdown", "html") else out
    assert CJK.search(outs["zh"]), fmt
    plugins.load_builtins()
    titles = [c.title for c in registry.CHECKS.values() if "payment" in c.commands and c.title.zh in outs["zh"]]
    assert titles, fmt
    for t in titles:
        assert t.en in outs["en"] and t.zh not in outs["en"], (fmt, t)
    if fmt == "json":
        assert json.loads(outs["zh"])["lang"] == "zh" and json.loads(outs["en"])["lang"] == "en"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _text_on_tty(monkeypatch: pytest.MonkeyPatch, no_color: str | None) -> str:
    """The CLI handed a terminal (kmdiag.cli.env.Terminal): no monkeypatched streams or environment."""
    from kmdiag.cli.app import run
    from kmdiag.cli.env import Terminal

    environ = {"TERM": "xterm-256color", **({"NO_COLOR": no_color} if no_color is not None else {})}
    out = _Tty()
    run(["payment", "--demo", "--only", "platform", "--format", "text"],
        term=Terminal(stdout=out, stderr=io.StringIO(), environ=environ))
    return out.getvalue()


def test_colour_only_on_a_terminal_and_no_color_honoured(cli, fake_check, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, piped, _ = _run(cli, "--format", "text")
    assert "\x1b[" not in piped and "reports test check" in piped
    assert "\x1b[" in _text_on_tty(monkeypatch, None)
    assert "\x1b[" not in _text_on_tty(monkeypatch, "1")
