"""The JSON report, exactly as the contract (cli-and-report.md) describes it."""

from __future__ import annotations

import json
from typing import Any

from kmdiag import __version__
from kmdiag.models import Report
from kmdiag.redact import Redactor

SCHEMA_VERSION = 1


def report_dict(report: Report, lang: str, redactor: Redactor) -> dict[str, Any]:
    d: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "kmdiag", "version": __version__},
        "command": report.command,
        "profile": report.profile,
        "target": report.target,
        "lang": lang,
        "status": report.status,
        "started_at": report.started_at,
        "duration_ms": report.duration_ms,
        "checks": [
            {
                "id": f.id, "layer": f.layer, "status": f.status.value, "title": f.title.get(lang),
                "summary": f.summary.get(lang), "duration_ms": f.duration_ms, "evidence": f.evidence,
            }
            for f in report.findings
        ],
        "causes": [
            {
                "id": c.id, "confidence": c.confidence, "title": c.title.get(lang),
                "explanation": c.explanation.get(lang), "checks": c.checks,
                "next_steps": [{"audience": s.audience, "text": s.text.get(lang)} for s in c.next_steps],
                **({"explained_by": c.explained_by} if c.explained_by else {}),
            }
            for c in report.causes
        ],
        "artifacts": [{"kind": a.kind, "path": a.path, **({"description": a.description} if a.description else {})}
                      for a in report.artifacts],
        "notes": [n.get(lang) for n in report.notes],
        "unfinished": report.unfinished,
    }
    meta = {k: v for k, v in report.meta.items() if not k.startswith("_")}  # "_" keys are for renderers only
    if meta:
        d["meta"] = meta
    return redactor.data(d)


def render(report: Report, *, lang: str, redactor: Redactor, **_: Any) -> str:
    return json.dumps(report_dict(report, lang, redactor), ensure_ascii=False, indent=2, default=str) + "\n"
