"""Chinese that is Chinese: every demo fault's zh text output (default and -v) holds no untranslated
English words and uses full-width punctuation; the summaries carry no raw HTML."""

from __future__ import annotations

import re

import pytest

from kmdiag.render import render
from tests.ux.conftest import all_faults
from tests.ux.zhscan import half_width_punctuation, leftover_words

pytestmark = pytest.mark.timeout(900)


@pytest.mark.parametrize("key", all_faults(), ids=lambda k: f"{k[0]}-{k[1] or 'healthy'}")
def test_zh_text_is_chinese(demo_runs, key) -> None:
    code, report, redactor = demo_runs[key]
    problems: list[str] = []
    for verbose in (False, True):
        # Wide enough that no item wraps: a quoted 「…」 is judged whole.
        out = render(report, "text", lang="zh", redactor=redactor, verbose=verbose, width=2000)
        problems += leftover_words(out)
        problems += [f"half-width punctuation in: {x}" for x in half_width_punctuation(out)]
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("key", all_faults(), ids=lambda k: f"{k[0]}-{k[1] or 'healthy'}")
def test_no_raw_html_in_summaries(demo_runs, key) -> None:
    code, report, redactor = demo_runs[key]
    for f in report.findings:
        for text in (f.summary.zh, f.summary.en):
            assert not re.search(r"<\s*/?\s*(html|head|body|title|h1|center|hr|div|p)\b", text, re.I), (f.id, text)
    for c in report.causes:
        for text in (c.explanation.zh, c.explanation.en):
            assert not re.search(r"<\s*/?\s*(html|head|body|title|h1|center|hr)\b", text, re.I), (c.id, text)


def test_zh_sweep_text_is_chinese(cli) -> None:
    code, out, err = cli("payment", "--demo", "--sweep", "--lang", "zh")
    assert code == 1 and "掉单" in out, err
    problems = leftover_words(out) + half_width_punctuation(out)
    assert not problems, "\n".join(problems)


def test_the_scanner_catches_english() -> None:
    """The scanner itself: it flags status words and half-width colons, and lets ids, URLs and quotes be."""
    assert leftover_words("渠道已收款，但店铺订单仍是 unpaid")
    assert leftover_words("延迟正常：static: p50 2.8 ms, jitter 1.0 ms")
    assert half_width_punctuation("→ 用户: 刷新页面")
    ok = ("→ 运营：检查 https://shop.example.com/api?x=1 与 [frontend.script-error]，页面提示「Please enter a valid phone」，"
          "运行 `env | grep -i proxy` 或 kmdiag payment KM1 --renotify，耗时 12 ms，Chromium 与 DNS、TLS、HTTP 正常")
    assert not leftover_words(ok) and not half_width_punctuation(ok)
