"""HTML: one self-contained file a person opens — the diagnosis, checks by layer, screenshots, timings.

No external resource of any kind (a support ticket is opened offline, and a remote font or script
would leak that it was opened): CSS is inline, screenshots are ``data:`` URIs, and a
Content-Security-Policy forbids every fetch. The font stack names CJK system fonts so Chinese
renders on Windows, macOS and Linux. Every piece of text is HTML-escaped; the page has no script.
"""

from __future__ import annotations

import base64
import json
from html import escape
from typing import Any

from kmdiag.i18n import colon
from kmdiag.models import Report, Status
from kmdiag.redact import Redactor
from kmdiag.render import _common as c

CSS = """
:root { --ok:#22863a; --warn:#b08800; --fail:#cb2431; --skip:#6a737d; --err:#6f42c1; }
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
  "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Noto Sans", sans-serif;
  margin: 0 auto; max-width: 980px; padding: 16px 24px 48px; color: #24292e; line-height: 1.5; }
h1 { font-size: 1.5em; margin-bottom: 4px; } h2 { border-bottom: 1px solid #e1e4e8; padding-bottom: 4px; }
.contents { background: #f6f8fa; border-left: 4px solid #0366d6; padding: 8px 12px; }
.meta { color: #586069; } code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.status-problem { color: var(--fail); } .status-ok { color: var(--ok); } .status-inconclusive { color: var(--warn); }
.cause { border: 1px solid #e1e4e8; border-radius: 6px; padding: 8px 16px; margin: 12px 0; }
.cause.first { border-color: var(--fail); border-width: 2px; }
.cause .id, .check .id { color: #586069; font-size: .9em; }
.steps li b { display: inline-block; min-width: 5em; }
.check { margin: 4px 0; } .check summary { cursor: pointer; }
.s-pass { color: var(--ok); } .s-warn { color: var(--warn); } .s-fail { color: var(--fail); }
.s-skip { color: var(--skip); } .s-error { color: var(--err); }
pre { background: #f6f8fa; padding: 8px; overflow: auto; font-size: .85em; white-space: pre-wrap; }
figure { margin: 12px 0; } figure img { max-width: 100%; border: 1px solid #d1d5da; }
.wf { width: 100%; border-collapse: collapse; font-size: .9em; } .wf td { padding: 2px 6px; vertical-align: middle; }
.wf .label { white-space: nowrap; max-width: 280px; overflow: hidden; text-overflow: ellipsis; }
.bar { position: relative; height: 16px; background: #f6f8fa; min-width: 300px; }
.seg { position: absolute; top: 0; height: 16px; }
.legend span { display: inline-block; margin-right: 12px; } .legend i { display: inline-block; width: 10px;
  height: 10px; margin-right: 4px; }
"""
SYM = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "–", Status.ERROR: "☠"}
COLORS = ["#0366d6", "#28a745", "#6f42c1", "#e36209", "#d73a49", "#005cc5", "#b08800", "#586069"]
_MIME = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp", b"GIF8": "image/gif"}


def render(report: Report, *, lang: str, redactor: Redactor, **_: Any) -> str:
    t = c.t(lang)
    e = escape
    title = f"{t['title']}{colon(lang)}{report.command} · {report.profile}"
    out = ["<!DOCTYPE html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head>', '<meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
           'style-src \'unsafe-inline\'">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', '<meta name="referrer" content="no-referrer">',
           f"<title>{e(title)}</title>", f"<style>{CSS}</style>", "</head><body>",
           f'<p class="contents">{e(c.contents_line(report, lang))}</p>', f"<h1>{e(title)}</h1>",
           f'<p class="meta"><b class="status-{e(report.status)}" id="status">{e(t["status." + report.status])}</b>'
           f" · {e(t['target'])}{colon(lang)}<code>{e(report.target)}</code> · {e(t['started'])}{colon(lang)}{e(report.started_at)}"
           f" · {e(t['took'])}{colon(lang)}{report.duration_ms / 1000:.1f} s</p>",
           f"<p>{e(c.counts_line(report, lang))}</p>"]
    if report.unfinished:
        out.append(f"<p class=\"s-warn\">{e(t['unfinished'])}{colon(lang)}{e(', '.join(report.unfinished))}</p>")
    out += _diagnosis(report, lang)
    out += _screenshots(report, lang)
    out += _checks(report, lang, redactor)
    out += _waterfall(report, lang)
    if report.artifacts:
        out.append(f"<h2>{e(t['artifacts'])}</h2><ul>")
        for a in report.artifacts:
            kind = c.KIND_LABEL.get(a.kind, (a.kind, a.kind))[0 if lang == "zh" else 1]
            out.append(f"<li>{e(kind)}{colon(lang)}<code>{e(a.path)}</code>{' — ' + e(a.description) if a.description else ''}</li>")
        out.append("</ul>")
    if report.notes:
        out.append(f"<h2>{e(t['notes'])}</h2><ul>" + "".join(f"<li>{e(n.get(lang))}</li>" for n in report.notes)
                   + "</ul>")
    out.append("</body></html>\n")
    return redactor.text("\n".join(out))


def _diagnosis(report: Report, lang: str) -> list[str]:
    t, e = c.t(lang), escape
    out = [f'<h2 id="diagnosis">{e(t["diagnosis"])}</h2>']
    main = [x for x in report.causes if not x.explained_by]
    if not main:
        return out + [f'<p class="s-pass">{e(t["none"])}</p>']
    for i, cause in enumerate(main):
        out.append(f'<section class="cause{" first" if i == 0 else ""}" data-cause="{e(cause.id)}">'
                   f"<h3>{i + 1}. {e(cause.title.get(lang))}</h3>"
                   f'<p class="id"><code>{e(cause.id)}</code> · {e(t["confidence"])} {cause.confidence:.0%} · '
                   + ", ".join(f"<code>{e(x)}</code>" for x in cause.checks) + "</p>"
                   f"<p>{e(cause.explanation.get(lang))}</p>")
        if cause.next_steps:
            out.append(f'<p><b>{e(t["next"])}</b></p><ul class="steps">' + "".join(
                f"<li><b>{e(t.get(s.audience, s.audience))}</b> {e(s.text.get(lang))}</li>" for s in cause.next_steps)
                + "</ul>")
        out.append("</section>")
    rest = [x for x in report.causes if x.explained_by]
    if rest:
        out.append(f"<p class=\"meta\">{e(t['also'])}:</p><ul class=\"meta\">" + "".join(
            f"<li>{e(x.title.get(lang))} <code>{e(x.id)}</code> — {e(t['explained'].format(c=x.explained_by))}</li>"
            for x in rest) + "</ul>")
    return out


def _screenshots(report: Report, lang: str) -> list[str]:
    t, e = c.t(lang), escape
    shots = [a for a in report.artifacts if a.kind == "screenshot"]
    if not shots:
        return []
    out = [f"<h2>{e(t['screenshots'])}</h2>"]
    for a in shots:
        data = c.screenshot_bytes(report, a)
        caption = e(a.description or a.path)
        if data is None:
            out.append(f'<p class="meta">{caption}{colon(lang)}{e(t["no_screenshot"])}</p>')
            continue
        mime = next((m for sig, m in _MIME.items() if data.startswith(sig)), "image/png")
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        out.append(f'<figure><img src="{uri}" alt="{caption}"><figcaption>{caption}</figcaption></figure>')
    return out


def _checks(report: Report, lang: str, redactor: Redactor) -> list[str]:
    t, e = c.t(lang), escape
    out = [f"<h2>{e(t['checks'])}</h2>"]
    for layer, fs in c.by_layer(report):
        out.append(f'<h3 data-layer="{e(layer)}">{e(c.layer_name(layer, lang))}</h3>')
        for f in fs:
            s = f.status
            head = (f'<span class="s-{s.value}">{SYM[s]} {e(c.status_word(s, lang))}</span> {e(f.title.get(lang))} '
                    f'<span class="id"><code>{e(f.id)}</code> · {f.duration_ms} ms</span>')
            body = f"<p>{e(f.summary.get(lang))}</p>"
            causes = c.causes_for(report, f.id)
            if causes:
                body += f"<p>{e(t['cause'])}{colon(lang)}" + ", ".join(f"<code>{e(x.id)}</code>" for x in causes) + "</p>"
            if f.evidence:
                ev = json.dumps(redactor.data(f.evidence), ensure_ascii=False, indent=2, default=str)
                body += f"<pre>{e(ev)}</pre>"
            opened = " open" if s in (Status.FAIL, Status.ERROR) else ""
            out.append(f'<details class="check" data-check="{e(f.id)}" data-status="{s.value}"{opened}>'
                       f"<summary>{head}</summary>{body}</details>")
    return out


def _waterfall(report: Report, lang: str) -> list[str]:
    """Each request's phases laid end to end on one scale, like curl -w / httpstat, in pure CSS."""
    t, e = c.t(lang), escape
    rows = c.timing_rows(report)
    if not rows:
        return []
    scale = max(sum(ms for _, ms in ph) for _, ph in rows) or 1.0
    names = list(dict.fromkeys(p for _, ph in rows for p, _ in ph))
    color = {n: COLORS[i % len(COLORS)] for i, n in enumerate(names)}
    out = [f"<h2>{e(t['timings'])}</h2><p><b>{e(t['waterfall'])}</b> ({e(t['ms'])})</p>",
           '<p class="legend">' + "".join(f'<span><i style="background:{color[n]}"></i>{e(n)}</span>' for n in names)
           + "</p>", '<table class="wf" id="waterfall">']
    for label, ph in rows:
        left, segs = 0.0, []
        for name, ms in ph:
            width = ms / scale * 100
            segs.append(f'<div class="seg" title="{e(name)} {ms:g} ms" style="left:{left:.2f}%;width:{max(width, 0.3):.2f}%;'
                        f'background:{color[name]}"></div>')
            left += width
        total = sum(ms for _, ms in ph)
        detail = " · ".join(f"{e(n)} {ms:g}" for n, ms in ph)
        out.append(f'<tr><td class="label" title="{e(label)}">{e(label)}</td><td><div class="bar">{"".join(segs)}</div>'
                   f'<small>{detail} = {total:g} ms</small></td></tr>')
    out.append("</table>")
    return out
