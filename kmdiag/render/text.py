"""Terminal output, the way flutter doctor / brew doctor talk: the verdict first, then what to do.

Order: the verdict line; the causes with their next steps for each audience (用户/客服/运营); then one
condensed line per layer (``[✓] 网络与 DNS  8 项通过``) with every check that did not pass (✗ ! ☠)
and its summary under it. ``-v/--verbose`` lists every check with its timing and draws the network
phases as httpstat does (DNS, TCP connect, TLS, server/TTFB, transfer).

Colour only on a terminal; ``NO_COLOR`` and pipes get plain text (CI logs stay clean). Without a
terminal the layout is 80 columns wide and every wrapped line keeps its indent.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kmdiag.i18n import audience, colon, paren, seconds
from kmdiag.models import LAYERS, Finding, Report, Status
from kmdiag.redact import Redactor
from kmdiag.render._common import case_ms, layer_wall_ms
from kmdiag.render._waterfall import waterfalls
from kmdiag.render.labels import TEXT as L

SYMBOL = {Status.PASS: ("✓", "green"), Status.WARN: ("!", "yellow"), Status.FAIL: ("✗", "red"),
          Status.SKIP: ("–", "dim"), Status.ERROR: ("☠", "magenta")}
VERDICT = {"ok": ("✓", "bold green"), "problem": ("✗", "bold red"), "inconclusive": ("?", "bold yellow")}

_TRAIL = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$")
KIND = {"screenshot": ("截图", "screenshot"), "har": ("HAR 网络记录", "HAR"), "console": ("控制台日志", "console log"),
        "trace": ("Playwright 追踪", "Playwright trace"), "report": ("报告", "report"), "log": ("日志", "log")}


def render(report: Report, *, lang: str, redactor: Redactor, color: bool = False, width: int | None = None,
           verbose: bool = False, **_: Any) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width or 80, highlight=False,
                      emoji=False, legacy_windows=False, _environ={}, markup=False)
    t = L[lang]
    head = Text()
    head.append("kmdiag ", style="bold")
    head.append(" · ".join(x for x in (report.command, report.profile, report.target) if x))
    console.print(head)
    console.print()
    _verdict(console, report, lang)
    _causes(console, report, lang)
    if report.unfinished:
        console.print(Text(t["unfinished"] + colon(lang) + ", ".join(report.unfinished), style="yellow"))
        console.print()
    _layers(console, report, lang, verbose)
    if verbose:
        for block in waterfalls(report, lang, limit=3):
            console.print()
            for i, line in enumerate(block):
                console.print(Text(line, style="bold" if i == 0 else ""), overflow="ignore", crop=False)
    if report.artifacts:
        bundle = report.meta.get("evidence")
        console.print()
        console.print(Text(t["artifacts"] + (paren(str(bundle), lang) if bundle else "") + colon(lang).rstrip(),
                           style="bold"))
        for a in report.artifacts:
            kind = KIND.get(a.kind, (a.kind, a.kind))[0 if lang == "zh" else 1]
            _hang(console, 2, Text(f"{kind}{colon(lang)}"), Text(a.path))
    if report.notes:
        console.print()
    for n in report.notes:
        console.print(Text(n.get(lang), style="dim"))
    console.print()
    foot = Text(f"{t['status'][report.status]} · {t['took']} {seconds(report.duration_ms, lang)}", style="bold")
    if not verbose:
        foot.append(f"  {paren(t['more'].format(cmd='kmdiag ' + report.command), lang).strip()}", style="dim")
    console.print(foot)
    # The grid pads every cell to its width: drop trailing blanks (before any closing colour code).
    lines = [_TRAIL.sub(r"\1", line) for line in buf.getvalue().split("\n")]
    return redactor.text("\n".join(lines))


def _main_causes(report: Report) -> list[Any]:
    return [c for c in report.causes if not c.explained_by]


def _verdict(console: Console, report: Report, lang: str) -> None:
    t = L[lang]
    sym, style = VERDICT.get(report.status, ("?", "bold"))
    line = Text()
    line.append(f"{sym} {t['status'][report.status]}", style=style)
    main = _main_causes(report) or report.causes
    if report.status == "problem" and main:
        line.append(colon(lang) + main[0].title.get(lang), style="bold")
    elif report.status == "ok":
        line.append(colon(lang) + t["ok_line"].format(n=len(report.findings)))
    elif report.status == "inconclusive":
        line.append(colon(lang) + t["inconclusive_why"])
    _hang(console, 0, line[:2], line[2:])


def _causes(console: Console, report: Report, lang: str) -> None:
    t = L[lang]
    main, rest = _main_causes(report), [c for c in report.causes if c.explained_by]
    if not main and not rest:
        console.print()
        return
    console.print()
    for i, c in enumerate(main):
        title = Text(f"{i + 1}. {c.title.get(lang)}", style="bold red" if i == 0 else "bold")
        title.append(f"  [{c.id}] {t['confidence']} {c.confidence:.0%}", style="dim")
        _hang(console, 0, Text(f"{i + 1}. ", style=title.style), title[len(f"{i + 1}. "):])
        _hang(console, 3, Text(""), Text(c.explanation.get(lang)))
        for s in c.next_steps:
            # Wrapped lines stay under their arrow's text, so each step reads as one item.
            step = Text(f"{audience(s.audience, lang)}{colon(lang)}", style="bold")
            step.append(s.text.get(lang))
            _hang(console, 3, Text("→ "), step)
        console.print()
    if rest:
        console.print(Text(t["also"] + colon(lang).rstrip(), style="dim"))
        for c in rest:
            explained = t["explained"].format(c=c.explained_by)
            _hang(console, 3, Text("· ", style="dim"), Text(f"{c.title.get(lang)} [{c.id}] — {explained}", style="dim"))
        console.print()


def _worst(fs: list[Finding]) -> Status:
    for s in (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS):
        if any(f.status == s for f in fs):
            return s
    return Status.SKIP


def _tally(fs: list[Finding], lang: str) -> str:
    t = L[lang]
    n = {s: sum(1 for f in fs if f.status == s) for s in Status}
    if n[Status.PASS] == len(fs):
        return t["all_pass"].format(n=len(fs))
    parts = [f"{t[s.value]} {n[s]}" if lang == "zh" else f"{n[s]} {t[s.value]}"
             for s in (Status.PASS, Status.FAIL, Status.ERROR, Status.WARN, Status.SKIP) if n[s]]
    return " · ".join(parts)


def _layers(console: Console, report: Report, lang: str, verbose: bool) -> None:
    t = L[lang]
    layers = [x for x in LAYERS] + sorted({f.layer for f in report.findings} - set(LAYERS))
    groups = [(layer, [f for f in report.findings if f.layer == layer]) for layer in layers]
    groups = [(layer, fs) for layer, fs in groups if fs]
    if not groups:
        return
    console.print(Text(f"{t['checks']}{paren(t['n_checks'].format(n=len(report.findings)), lang)}", style="bold"))
    name_w = max(_cells(t.get(layer, layer)) for layer, _ in groups)
    for layer, fs in groups:
        sym, style = SYMBOL[_worst(fs)]
        line = Text()
        line.append(f"[{sym}] ", style=style)
        name = t.get(layer, layer)
        line.append(name + " " * (name_w - _cells(name)), style="bold")
        line.append(f"  {_tally(fs, lang)}")
        if verbose:
            line.append(f"  {_layer_ms(report, fs)} ms", style="dim")
        console.print(line)
        own = case_ms(report, fs)
        for f in fs:
            if verbose or f.status in (Status.FAIL, Status.WARN, Status.ERROR):
                _check_line(console, f, lang, verbose, own.get(f.id))


def _check_line(console: Console, f: Finding, lang: str, verbose: bool, own_ms: float | None) -> None:
    sym, style = SYMBOL[f.status]
    line = Text(f.title.get(lang))
    if verbose:
        line.append(f"  {own_ms if own_ms is not None else f.duration_ms:.0f} ms  [{f.id}]", style="dim")
    _hang(console, 4, Text(f"{sym} ", style=style), line)
    if f.status != Status.PASS or verbose:
        _hang(console, 6, Text(""), Text(f.summary.get(lang), style="dim" if f.status in (Status.SKIP, Status.PASS) else ""))


def _hang(console: Console, indent: int, prefix: Text, body: Text) -> None:
    """``prefix`` then ``body``, with every wrapped line of the body under its first character
    (a grid folds long Chinese runs, which have no spaces to break at, inside the column)."""
    grid = Table.grid(padding=0)
    grid.add_column(no_wrap=True, width=indent + prefix.cell_len if indent + prefix.cell_len else None)
    grid.add_column(overflow="fold")
    grid.add_row(Text(" " * indent) + prefix, body)
    console.print(grid)


def _layer_ms(report: Report, fs: list[Finding]) -> int:
    """The layer's wall time from the run's timeline (the probes its checks read), else its slowest check."""
    return int(layer_wall_ms(report, fs))


def _cells(s: str) -> int:
    from rich.cells import cell_len

    return cell_len(s)
