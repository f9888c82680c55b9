"""Markdown: the body of a support ticket (GitHub/GitLab issue, helpdesk form, chat).

A support agent reads it top-down: what this is and what is attached, the verdict, the causes with
next steps for each audience, then only the checks that did not pass with their evidence, then
timings. Text from the target (page titles, error messages) is escaped so that a hostile page
cannot inject markup into a ticket.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kmdiag.i18n import colon
from kmdiag.models import Report, Status
from kmdiag.redact import Redactor
from kmdiag.render import _common as c

ICON = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌", Status.SKIP: "⏭️", Status.ERROR: "💥"}


def esc(s: str) -> str:
    """Escape text for Markdown prose: HTML metacharacters and the characters that start markup."""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", s)


def _cell(s: str) -> str:
    return esc(s).replace("\n", " ")


def _fence(body: str, lang: str = "") -> str:
    """A code block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def render(report: Report, *, lang: str, redactor: Redactor, **_: Any) -> str:
    t = c.t(lang)
    out: list[str] = [f"> {esc(c.contents_line(report, lang))}", ""]
    out.append(f"# {esc(t['title'])}{colon(lang)}`{report.command}` · {esc(report.profile)}")
    out.append("")
    out.append(f"- **{t['status']}**{colon(lang)}{esc(t['status.' + report.status])}")
    if report.target:
        out.append(f"- **{t['target']}**{colon(lang)}`{report.target}`")
    out.append(f"- **{t['started']}**{colon(lang)}{report.started_at} · **{t['took']}**{colon(lang)}{report.duration_ms / 1000:.1f} s")
    out += ["", f"## {t['summary']}", ""]
    main = [x for x in report.causes if not x.explained_by]
    if main:
        out.append(f"**{t['top']}**{colon(lang)}{esc(main[0].title.get(lang))} (`{main[0].id}`)")
    else:
        out.append(esc(t["none"]))
    out += ["", esc(c.counts_line(report, lang))]
    if report.unfinished:
        out += ["", f"**{t['unfinished']}**{colon(lang)}" + ", ".join(f"`{u}`" for u in report.unfinished)]
    out += _causes(report, lang)
    out += _failing(report, lang, redactor)
    out += _timings(report, lang)
    if report.artifacts:
        out += ["", f"## {t['artifacts']}", ""]
        for a in report.artifacts:
            kind = c.KIND_LABEL.get(a.kind, (a.kind, a.kind))[0 if lang == "zh" else 1]
            desc = f" — {esc(a.description)}" if a.description else ""
            out.append(f"- {esc(kind)}{colon(lang)}`{a.path}`{desc}")
    if report.notes:
        out += ["", f"## {t['notes']}", ""] + [f"- {esc(n.get(lang))}" for n in report.notes]
    out.append("")
    return redactor.text("\n".join(out))


def _causes(report: Report, lang: str) -> list[str]:
    t = c.t(lang)
    if not report.causes:
        return []
    out = ["", f"## {t['causes']}"]
    main = [x for x in report.causes if not x.explained_by]
    rest = [x for x in report.causes if x.explained_by]
    for i, cause in enumerate(main, 1):
        out += ["", f"### {i}. {esc(cause.title.get(lang))}", "",
                f"`{cause.id}` · {t['confidence']} {cause.confidence:.0%} · "
                + ", ".join(f"`{x}`" for x in cause.checks), "", esc(cause.explanation.get(lang))]
        if cause.next_steps:
            out += ["", f"**{t['next']}**", ""]
            out += [f"- **{esc(t.get(s.audience, s.audience))}**{colon(lang)}{esc(s.text.get(lang))}" for s in cause.next_steps]
    if rest:
        out += ["", f"**{t['also']}**", ""]
        out += [f"- {esc(x.title.get(lang))} (`{x.id}`) — {esc(t['explained'].format(c=x.explained_by))}"
                for x in rest]
    return out


def _failing(report: Report, lang: str, redactor: Redactor) -> list[str]:
    t = c.t(lang)
    out = ["", f"## {t['failing']}", ""]
    bad = c.failing(report)
    if not bad:
        out += [esc(t["none_failing"]), ""]
    for f in bad:
        out += [f"### {ICON[f.status]} `{f.id}` — {esc(f.title.get(lang))}", "",
                f"{esc(c.layer_name(f.layer, lang))} · **{c.status_word(f.status, lang)}** · {f.duration_ms} ms", "",
                esc(f.summary.get(lang))]
        causes = c.causes_for(report, f.id)
        if causes:
            out += ["", f"{t['cause']}{colon(lang)}" + ", ".join(f"`{x.id}`" for x in causes)]
        if f.evidence:
            body = json.dumps(redactor.data(f.evidence), ensure_ascii=False, indent=2, default=str)
            out += ["", f"<details><summary>{esc(t['evidence'])}</summary>", "", _fence(body, "json"), "",
                    "</details>"]
        out.append("")
    out += [f"## {t['checks']}", "", f"| {t['layer']} | {t['check']} | {t['result']} | ms |", "|---|---|---|---:|"]
    for layer, fs in c.by_layer(report):
        for f in fs:
            out.append(f"| {_cell(c.layer_name(layer, lang))} | `{f.id}` {_cell(f.title.get(lang))} | "
                       f"{ICON[f.status]} {c.status_word(f.status, lang)} | {f.duration_ms} |")
    return out


def _timings(report: Report, lang: str) -> list[str]:
    t = c.t(lang)
    out = ["", f"## {t['timings']}", "", f"{t['took']}{colon(lang)}{report.duration_ms} ms"]
    rows = c.timing_rows(report)
    if rows:
        names = [p for _, ph in rows for p, _ in ph]
        cols = list(dict.fromkeys(names))
        out += ["", f"**{t['waterfall']}** ({t['ms']})", "",
                "| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
        for label, ph in rows:
            d = dict(ph)
            out.append(f"| {_cell(label)} | " + " | ".join(f"{d[k]:g}" if k in d else "" for k in cols) + " |")
    slow = sorted(report.findings, key=lambda f: f.duration_ms, reverse=True)[:5]
    if slow:
        out += ["", f"**{t['slowest']}**{colon(lang)}" + ", ".join(f"`{f.id}` {f.duration_ms} ms" for f in slow)]
    return out
