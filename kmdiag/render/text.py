"""Terminal output: checks grouped by layer (✓ ! ✗ – ☠), then the diagnosis with next steps.

Colour only on a terminal; ``NO_COLOR`` and pipes get plain text (CI logs stay clean).
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from kmdiag.models import LAYERS, Report, Status
from kmdiag.redact import Redactor

SYMBOL = {Status.PASS: ("✓", "green"), Status.WARN: ("!", "yellow"), Status.FAIL: ("✗", "red"),
          Status.SKIP: ("–", "dim"), Status.ERROR: ("☠", "magenta")}

L = {
    "zh": {"network": "网络与 DNS", "platform": "平台", "browser": "页面（浏览器）", "account": "账户与风控",
           "payment": "支付", "diagnosis": "诊断", "none": "未发现问题。", "user": "用户", "agent": "客服",
           "operator": "平台运营", "confidence": "可信度", "artifacts": "证据文件", "unfinished": "未完成（超出时间预算）",
           "also": "同时观察到", "explained": "由 {c} 引起", "status": {"ok": "正常", "problem": "发现问题",
                                                               "inconclusive": "无法得出结论"}, "took": "耗时"},
    "en": {"network": "Network & DNS", "platform": "Platform", "browser": "Page (browser)", "account": "Account & risk",
           "payment": "Payment", "diagnosis": "Diagnosis", "none": "No problem found.", "user": "You", "agent": "Support",
           "operator": "Operator", "confidence": "confidence", "artifacts": "Evidence", "unfinished": "Unfinished (time budget)",
           "also": "Also seen", "explained": "caused by {c}", "status": {"ok": "OK", "problem": "Problem found",
                                                                "inconclusive": "Inconclusive"}, "took": "took"},
}


def render(report: Report, *, lang: str, redactor: Redactor, color: bool = False, width: int | None = None, **_: Any) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width or 100, highlight=False,
                      emoji=False, legacy_windows=False, _environ={})
    t = L[lang]
    head = Text()
    head.append("kmdiag ", style="bold")
    head.append(f"{report.command} · {report.profile} · {report.target}")
    console.print(head)
    for layer in LAYERS:
        fs = [f for f in report.findings if f.layer == layer]
        if not fs:
            continue
        console.print(Text(f"\n{t[layer]}", style="bold"))
        for f in fs:
            sym, style = SYMBOL[f.status]
            line = Text("  ")
            line.append(sym, style=style)
            line.append(f" {f.title.get(lang)}")
            line.append(f"  {f.duration_ms} ms", style="dim")
            console.print(line)
            if f.status != Status.PASS:
                console.print(Padding(Text(f.summary.get(lang), style="dim" if f.status == Status.SKIP else ""),
                                      (0, 0, 0, 6), expand=False))
    if report.unfinished:
        console.print(Text(f"\n{t['unfinished']}: {', '.join(report.unfinished)}", style="yellow"))
    console.print()
    console.print(_diagnosis(report, lang))
    if report.artifacts:
        bundle = report.meta.get("evidence")
        console.print(Text(t["artifacts"] + (f" ({bundle})" if bundle else "") + ":", style="bold"))
        for a in report.artifacts:
            console.print(Text(f"  {a.kind}: {a.path}"))
    for n in report.notes:
        console.print(Text(n.get(lang), style="dim"))
    status = t["status"][report.status]
    console.print(Text(f"{status} · {t['took']} {report.duration_ms / 1000:.1f} s", style="bold"))
    return redactor.text(buf.getvalue())


def _diagnosis(report: Report, lang: str) -> Panel:
    t = L[lang]
    if not report.causes:
        return Panel(Text(t["none"], style="green"), title=t["diagnosis"], border_style="green")
    parts: list[Any] = []
    main = [c for c in report.causes if not c.explained_by]
    rest = [c for c in report.causes if c.explained_by]
    for i, c in enumerate(main):
        title = Text(f"{i + 1}. {c.title.get(lang)}", style="bold red" if i == 0 else "bold")
        title.append(f"  [{c.id}] {t['confidence']} {c.confidence:.0%}", style="dim")
        parts.append(title)
        parts.append(Padding(Text(c.explanation.get(lang)), (0, 0, 0, 3), expand=False))
        for s in c.next_steps:
            # Wrapped lines stay under their arrow, so each step reads as one item.
            parts.append(Padding(Text(f"→ {t.get(s.audience, s.audience)}: {s.text.get(lang)}"), (0, 0, 0, 3), expand=False))
        parts.append(Text(""))
    if rest:
        parts.append(Text(t["also"] + ":", style="dim"))
        for c in rest:
            parts.append(Text(f"   · {c.title.get(lang)} [{c.id}] — {t['explained'].format(c=c.explained_by)}", style="dim"))
    return Panel(Group(*parts), title=t["diagnosis"], border_style="red")
