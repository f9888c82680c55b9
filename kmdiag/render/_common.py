"""What the document formats (markdown, html, junit) share: labels, cause lookup, timing phases.

Kept apart from the renderers so that all three say the same thing in the same words, in both
languages, and so the timing waterfall reads the network evidence one way only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kmdiag.models import LAYERS, Artifact, CauseMatch, Finding, Report, Status
from kmdiag.render.labels import TEXT as TEXT_L

L: dict[str, dict[str, str]] = {
    "zh": {
        "title": "kmdiag 诊断报告", "summary": "概要", "causes": "可能原因", "checks": "检查项", "failing": "未通过的检查",
        "timings": "耗时", "evidence": "证据", "artifacts": "证据文件", "notes": "备注", "status": "结论",
        "target": "目标", "profile": "配置", "started": "开始时间", "took": "总耗时", "confidence": "可信度",
        "next": "下一步", "layer": "层", "check": "检查", "result": "结果", "ms": "毫秒", "waterfall": "网络各阶段耗时",
        "phase": "阶段", "screenshots": "截图", "no_screenshot": "截图文件不可用", "none": "未发现问题。",
        "explained": "由 {c} 引起", "also": "同时观察到（由上游原因引起）", "unfinished": "未完成（超出时间预算）",
        "contains_report": "本报告包含：诊断结论、{n} 项检查的结果及证据、耗时。",
        "contains_bundle": "本证据包包含：{files}。所有文件已脱敏（令牌、Cookie、密钥、密码、手机号）。",
        "top": "最可能的原因", "counts": "{total} 项检查：{p} 通过，{w} 警告，{f} 未通过，{e} 出错，{s} 跳过",
        "slowest": "最慢的检查", "cause": "原因", "steps": "建议", "none_failing": "没有未通过的检查。",
        "pass": "通过", "warn": "警告", "fail": "未通过", "skip": "跳过", "error": "出错", "diagnosis": "诊断",
    },
    "en": {
        "title": "kmdiag report", "summary": "Summary", "causes": "Likely causes", "checks": "Checks",
        "failing": "Failing checks", "timings": "Timings", "evidence": "Evidence", "artifacts": "Evidence files",
        "notes": "Notes", "status": "Status", "target": "Target", "profile": "Profile", "started": "Started",
        "took": "Took", "confidence": "confidence", "next": "Next steps", "layer": "Layer", "check": "Check",
        "result": "Result", "ms": "ms", "waterfall": "Network phases", "phase": "Phase", "screenshots": "Screenshots",
        "no_screenshot": "screenshot file not available", "none": "No problem found.", "explained": "caused by {c}",
        "also": "Also seen (explained by an upstream cause)", "unfinished": "Unfinished (time budget)",
        "contains_report": "This report contains: the diagnosis, the results of {n} checks with their evidence, timings.",
        "contains_bundle": "This evidence bundle contains: {files}. Every file is redacted (tokens, cookies, keys, "
                           "passwords, phone numbers).",
        "top": "Most likely cause", "counts": "{total} checks: {p} passed, {w} warnings, {f} failed, {e} errors, "
                                              "{s} skipped",
        "slowest": "Slowest checks", "cause": "Cause", "steps": "Next steps", "none_failing": "No check failed.",
        "pass": "pass", "warn": "warn", "fail": "fail", "skip": "skipped", "error": "error", "diagnosis": "Diagnosis",
    },
}
for _lang in ("zh", "en"):  # layer names, audiences and statuses as the terminal output words them
    for _k in (*LAYERS, "user", "agent", "operator"):
        L[_lang][_k] = TEXT_L[_lang][_k]  # type: ignore[assignment]
    L[_lang].update({f"status.{k}": v for k, v in TEXT_L[_lang]["status"].items()})  # type: ignore[union-attr]

# Network phases in the order a request goes through them (curl -w / httpstat order).
PHASES = ("blocked_ms", "proxy_ms", "dns_ms", "connect_ms", "tls_ms", "send_ms", "ttfb_ms", "wait_ms",
          "transfer_ms", "receive_ms")
KIND_LABEL = {"screenshot": ("截图", "screenshot"), "har": ("HAR 网络记录", "HAR (network log)"),
              "console": ("控制台日志", "console log"), "trace": ("Playwright 追踪", "Playwright trace"),
              "report": ("报告", "report")}


def t(lang: str) -> dict[str, str]:
    return L[lang]


def status_word(status: Status, lang: str) -> str:
    return L[lang][status.value]


def causes_for(report: Report, finding_id: str) -> list[CauseMatch]:
    """Causes that cite this check, the unexplained (upstream) ones first."""
    return sorted((c for c in report.causes if finding_id in c.checks), key=lambda c: c.explained_by is not None)


def counts(report: Report) -> dict[str, int]:
    c = {s.value: 0 for s in Status}
    for f in report.findings:
        c[f.status.value] += 1
    return c


def counts_line(report: Report, lang: str) -> str:
    c = counts(report)
    return L[lang]["counts"].format(total=len(report.findings), p=c["pass"], w=c["warn"], f=c["fail"],
                                    e=c["error"], s=c["skip"])


def contents_line(report: Report, lang: str) -> str:
    """The first line of a ticket: what this report, or the bundle it sits in, holds."""
    files = [a for a in report.artifacts if not Path(a.path).is_absolute()]
    if report.meta.get("evidence") and files:
        names = ", ".join(a.path for a in files)
        return L[lang]["contains_bundle"].format(files=names)
    return L[lang]["contains_report"].format(n=len(report.findings))


def failing(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.status in (Status.FAIL, Status.WARN, Status.ERROR)]


def by_layer(report: Report) -> Iterator[tuple[str, list[Finding]]]:
    known = [x for x in LAYERS]
    extra = sorted({f.layer for f in report.findings} - set(known))
    for layer in known + extra:
        fs = [f for f in report.findings if f.layer == layer]
        if fs:
            yield layer, fs


def layer_name(layer: str, lang: str) -> str:
    return L[lang].get(layer, layer)


def timing_rows(report: Report, limit: int = 24) -> list[tuple[str, list[tuple[str, float]]]]:
    """(label, [(phase, ms), ...]) for every evidence dict that carries network phase timings."""
    rows: list[tuple[str, list[tuple[str, float]]]] = []

    def visit(obj: Any, label: str) -> None:
        if len(rows) >= limit:
            return
        if isinstance(obj, dict):
            phases = _phases(obj)
            if phases:
                name = next((str(obj[k]) for k in ("url", "host", "name", "address", "ip") if obj.get(k)), label)
                rows.append((name if name == label else f"{label} · {name}", phases))
            for k, v in obj.items():
                if isinstance(v, dict | list) and "budget" not in str(k):
                    visit(v, f"{label}.{k}")
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                visit(v, f"{label}[{i}]")

    for f in report.findings:
        visit(f.evidence, f.id)
    return rows


def _phases(d: dict[str, Any]) -> list[tuple[str, float]]:
    """Known phases only, in request order: other ``*_ms`` keys are milestones or budgets, not phases.

    A single number is not a waterfall (a budget's ``ttfb_ms``, a page's time to first byte).
    """
    out = []
    for k in PHASES:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0:
            out.append((k[:-3], float(v)))
    return out if len(out) >= 2 else []


def screenshot_bytes(report: Report, a: Artifact, max_bytes: int = 8_000_000) -> bytes | None:
    """A listed screenshot's bytes: from its path, or from the evidence bundle (directory or zip) it is in.

    This is the one place a renderer touches the disk, and only for files the report lists.
    """
    p = Path(a.path)
    root = report.meta.get("_artifact_root")
    candidates = [Path(str(root)) / p] if root and not p.is_absolute() else []
    candidates.append(p)
    for c in candidates:
        try:
            if c.is_file() and c.stat().st_size <= max_bytes:
                return c.read_bytes()
        except OSError:
            continue
    if root and str(root).endswith(".zip") and not p.is_absolute():
        import zipfile

        try:
            with zipfile.ZipFile(str(root)) as z:
                info = z.getinfo(p.as_posix())
                if info.file_size <= max_bytes:
                    return z.read(info)
        except (OSError, KeyError, zipfile.BadZipFile):
            return None
    return None


def _timeline(report: Report) -> dict[str, Any]:
    tl = report.meta.get("_timeline")
    return tl if isinstance(tl, dict) else {}


def layer_wall_ms(report: Report, fs: list[Finding]) -> float:
    """Wall time of a group of checks: from the first start to the last end of the probes they read,
    plus the checks' own time. Without a timeline (a report read back), the slowest check."""
    tl = _timeline(report)
    probes, checks = tl.get("probes") or {}, tl.get("checks") or {}
    spans = []
    own = 0.0
    for f in fs:
        ct = checks.get(f.id) or {}
        own += float(ct.get("own_ms") or 0)
        for p in ct.get("needs") or []:
            pt = probes.get(p) or {}
            if pt.get("start_ms") is not None:
                spans.append((float(pt["start_ms"]), float(pt["start_ms"]) + float(pt.get("ms") or 0)))
    if not spans:
        return float(max((f.duration_ms for f in fs), default=0)) if not checks else own
    return max(e for _, e in spans) - min(s for s, _ in spans) + own


def case_ms(report: Report, fs: list[Finding]) -> dict[str, float]:
    """Each check's own cost: its own time, plus a probe's time for the first check (in report order)
    that reads that probe, so a probe shared by ten checks is counted once, not ten times."""
    tl = _timeline(report)
    probes, checks = tl.get("probes") or {}, tl.get("checks") or {}
    if not checks:
        return {f.id: float(f.duration_ms) for f in fs}
    seen: set[str] = set()
    out: dict[str, float] = {}
    for f in fs:
        ct = checks.get(f.id) or {}
        ms = float(ct.get("own_ms") or 0)
        new = [p for p in ct.get("needs") or [] if p not in seen]
        if new:
            ms += max(float((probes.get(p) or {}).get("ms") or 0) for p in new)
            seen.update(new)
        out[f.id] = ms
    return out
