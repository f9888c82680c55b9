"""Network phases drawn the way httpstat draws them: one bracketed row of phase times, then the
cumulative milestones (namelookup, connect, pretransfer, starttransfer, total) under their edges.

Only ASCII and box-free text, so that it survives pipes, CI logs and 80 columns; widths are counted
in terminal cells, so the Chinese labels line up too.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len

from kmdiag.models import Report

PHASES = (("dns_ms", "DNS 解析", "DNS lookup", "解析完成", "namelookup"),
          ("connect_ms", "TCP 连接", "TCP connect", "已连接", "connect"),
          ("tls_ms", "TLS 握手", "TLS handshake", "握手完成", "pretransfer"),
          ("ttfb_ms", "服务器处理", "Server (TTFB)", "首字节", "starttransfer"),
          ("transfer_ms", "内容传输", "Transfer", "总计", "total"))
COL = 14


def _pad(s: str, width: int, align: str = "center") -> str:
    gap = max(0, width - cell_len(s))
    if align == "left":
        return s + " " * gap
    if align == "right":
        return " " * gap + s
    left = gap // 2
    return " " * left + s + " " * (gap - left)


def _requests(report: Report) -> list[dict[str, Any]]:
    """Answered timed requests from the network checks' evidence (network.http first)."""
    out: list[dict[str, Any]] = []
    for f in sorted(report.findings, key=lambda f: f.id != "network.http"):
        reqs = f.evidence.get("requests") if isinstance(f.evidence, dict) else None
        if not isinstance(reqs, list):
            continue
        for r in reqs:
            if isinstance(r, dict) and r.get("status") is not None and r.get("ttfb_ms") is not None:
                out.append({**r, "url": r.get("url") or f.evidence.get("url")})
    return out


def waterfall(r: dict[str, Any], lang: str) -> list[str]:
    """Lines of one request's waterfall (a title line first)."""
    zh = lang == "zh"
    phases = [p for p in PHASES if p[0] != "tls_ms" or r.get("tls_ms") is not None]
    vals = [float(r.get(p[0]) or 0) for p in phases]
    title = ("网络各阶段耗时" if zh else "Network phases") + f" · {r.get('url') or ''}"
    if r.get("address"):
        title += f" · {r['address']}"
    title += f" · HTTP {r.get('status')}"
    lines = [title]
    lines.append(" " + "".join(_pad(p[1] if zh else p[2], COL + 1) for p in phases))
    lines.append("[" + "|".join(_pad(f"{v:.0f} ms", COL) for v in vals) + "]")
    edges = [(i + 1) * (COL + 1) for i in range(len(phases))]
    lines.append(" " * edges[0] + "".join("|" + " " * COL for _ in phases[1:]) + "|")
    total = 0.0
    for i, (p, v) in enumerate(zip(phases, vals, strict=True)):
        total += v
        # The milestone ends at its edge; the edges to its right keep their bars (httpstat's staircase).
        line = _pad(f"{p[3]}：{total:.0f}ms" if zh else f"{p[4]}:{total:.0f}ms", edges[i] + 1, "right")
        pos = cell_len(line)
        for e in edges[i + 1:]:
            if e >= pos:
                line += " " * (e - pos) + "|"
                pos = e + 1
        lines.append(line)
    return [line.rstrip() for line in lines]


def waterfalls(report: Report, lang: str, limit: int = 3) -> list[list[str]]:
    return [waterfall(r, lang) for r in _requests(report)[:limit]]
