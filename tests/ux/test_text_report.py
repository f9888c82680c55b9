"""The text report reads like a doctor's: verdict and causes with next steps first, one condensed line
per layer with every failing check under it; -v lists every check with timings and the network
phases httpstat-style. Plain (no colour codes) off a terminal, and at most 80 columns."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from kmdiag.render import render
from tests.ux.conftest import all_faults

pytestmark = pytest.mark.timeout(900)


@pytest.mark.parametrize("key", all_faults(), ids=lambda k: f"{k[0]}-{k[1] or 'healthy'}")
def test_summary_first_and_80_columns(demo_runs, key) -> None:
    code, report, redactor = demo_runs[key]
    for lang in ("zh", "en"):
        out = render(report, "text", lang=lang, redactor=redactor)
        verbose = render(report, "text", lang=lang, redactor=redactor, verbose=True)
        for text in (out, verbose):
            assert "\x1b[" not in text
            wide = [line for line in text.splitlines() if cell_len(line) > 80]
            assert not wide, wide[:3]
        lines = out.splitlines()
        verdict = lines[2]
        assert verdict.startswith({"ok": "✓", "problem": "✗", "inconclusive": "?"}[report.status])
        checks_at = next(i for i, line in enumerate(lines) if line.startswith(("检查（", "Checks (")))
        main = [c for c in report.causes if not c.explained_by]
        if main:
            assert main[0].title.get(lang)[:10] in verdict.replace("\n", "")
            first_step = next(i for i, line in enumerate(lines) if line.lstrip().startswith("→ "))
            assert first_step < checks_at  # the next steps come before the checks
            labels = {"zh": ("用户：", "客服：", "运营："), "en": ("You: ", "Support: ", "Operator: ")}[lang]
            assert any(label in out for label in labels)
        for f in report.findings:  # every ✗ ! ☠ is shown with its summary; passing ones only with -v
            shown = f.title.get(lang) in out
            assert shown == (f.status.value in ("fail", "warn", "error")) or f.title.get(lang) in (
                other.title.get(lang) for other in report.findings if other is not f and other.status.value != "pass"), f.id
            assert f"[{f.id}]" in verbose
        assert len(out.splitlines()) < len(verbose.splitlines())


def test_verbose_draws_the_network_phases(demo_runs) -> None:
    code, report, redactor = demo_runs[("order", None)]
    out = render(report, "text", lang="en", redactor=redactor, verbose=True)
    assert "DNS lookup" in out and "TCP connect" in out and "TLS handshake" in out and "Server (TTFB)" in out
    assert "starttransfer:" in out and "total:" in out
    zh = render(report, "text", lang="zh", redactor=redactor, verbose=True)
    assert "服务器处理" in zh and "首字节：" in zh and "总计：" in zh


def test_colour_only_when_asked(demo_runs) -> None:
    code, report, redactor = demo_runs[("order", "script-error")]
    assert "\x1b[" in render(report, "text", lang="en", redactor=redactor, color=True)
    assert "\x1b[" not in render(report, "text", lang="en", redactor=redactor, color=False)
