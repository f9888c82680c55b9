"""JUnit XML: what Jenkins, GitLab (``artifacts:reports:junit``) and GitHub test-report actions read.

Shape (the common Ant/Jenkins junit schema): ``<testsuites>`` → one ``<testsuite>`` per layer →
one ``<testcase classname="kmdiag.<layer>" name="<check id>">`` per check. The check id is the
name because CI tools track a test's history by name, and titles change with ``--lang``.
fail → ``<failure message=… type=<cause id>>`` whose body holds the cause, its explanation and
next steps; error → ``<error>``; skip → ``<skipped>``; warn is a pass unless ``--fail-on warn``.
A last suite, ``kmdiag.diagnosis``, holds one test case with the verdict, so a run whose causes
cite no check (or that could not decide) still turns the CI job red or yellow.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from kmdiag.i18n import colon, paren
from kmdiag.models import Finding, Report, Status
from kmdiag.redact import Redactor
from kmdiag.render import _common as c

# Characters XML 1.0 forbids; a stray control byte from a target's page must not make the file unreadable.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def x(s: Any) -> str:
    return _BAD_XML.sub("\ufffd", str(s))


def _timestamp(started_at: str) -> str:
    """ISO 8601 without zone, as the schema's pattern wants (kmdiag stamps are UTC)."""
    return started_at[:19] if len(started_at) >= 19 else started_at


def _secs(ms: int | float) -> str:
    return f"{ms / 1000:.3f}"


def render(report: Report, *, lang: str, redactor: Redactor, **_: Any) -> str:
    fail_on_warn = report.meta.get("fail_on") == "warn"
    root = ET.Element("testsuites", name=x(f"kmdiag {report.command} ({report.profile})"))
    totals: dict[str, Any] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "ms": 0}
    suites = [(f"kmdiag.{layer}", fs) for layer, fs in c.by_layer(report) if layer != "diagnosis"]
    # A cause rule that raised (layer "diagnosis") is a case of the diagnosis suite, not a second one.
    rule_errors = [f for f in report.findings if f.layer == "diagnosis"]
    for i, (name, fs) in enumerate(suites + [("kmdiag.diagnosis", rule_errors)]):
        suite = ET.SubElement(root, "testsuite", name=name, id=str(i), package="kmdiag", hostname="localhost",
                              timestamp=_timestamp(report.started_at))
        if i == 0:
            props = ET.SubElement(suite, "properties")
            for k, v in (("command", report.command), ("profile", report.profile), ("target", report.target),
                         ("status", report.status), ("lang", lang)):
                ET.SubElement(props, "property", name=k, value=x(v))
        n: dict[str, Any] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "ms": 0}
        if name == "kmdiag.diagnosis":
            _verdict(suite, report, lang, n)
        own = c.case_ms(report, fs)
        for f in fs:
            _case(suite, report, f, lang, redactor, n, fail_on_warn, own.get(f.id, f.duration_ms))
        if fs and name != "kmdiag.diagnosis":  # a layer's wall time, not the sum of checks that shared probes
            n["ms"] = c.layer_wall_ms(report, fs)
        suite.set("tests", str(n["tests"]))
        suite.set("failures", str(n["failures"]))
        suite.set("errors", str(n["errors"]))
        suite.set("skipped", str(n["skipped"]))
        suite.set("time", _secs(n["ms"]))
        for k in totals:
            totals[k] += n[k]
    for k in ("tests", "failures", "errors"):  # junit-10.xsd allows no "skipped" on <testsuites>
        root.set(k, str(totals[k]))
    root.set("time", _secs(report.duration_ms))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return redactor.text('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n")


def _case(suite: ET.Element, report: Report, f: Finding, lang: str, redactor: Redactor, n: dict[str, Any],
          fail_on_warn: bool, ms: float) -> None:
    t = c.t(lang)
    case = ET.SubElement(suite, "testcase", name=f.id, classname=f"kmdiag.{f.layer}", time=_secs(ms))
    n["tests"] += 1
    title, summary = f.title.get(lang), f.summary.get(lang)
    evidence = json.dumps(redactor.data(f.evidence), ensure_ascii=False, indent=2, default=str) if f.evidence else ""
    causes = c.causes_for(report, f.id)
    if f.status == Status.FAIL or (f.status == Status.WARN and fail_on_warn):
        n["failures"] += 1
        kind = causes[0].id if causes else f"check-{f.status.value}"
        message = f"{title}{colon(lang)}{causes[0].title.get(lang) if causes else summary}"
        lines = [f"{title} [{f.id}] — {c.status_word(f.status, lang)}", summary, ""]
        for cause in causes:
            lines += [f"{t['cause']}{colon(lang)}{cause.title.get(lang)} [{cause.id}]{paren(t['confidence'] + f' {cause.confidence:.0%}', lang)}",
                      cause.explanation.get(lang)]
            if cause.explained_by:
                lines.append(t["explained"].format(c=cause.explained_by))
            lines += [f"  → {t.get(s.audience, s.audience)}{colon(lang)}{s.text.get(lang)}" for s in cause.next_steps]
            lines.append("")
        if evidence:
            lines += [t["evidence"] + colon(lang).rstrip(), evidence]
        el = ET.SubElement(case, "failure", message=x(message), type=x(kind))
        el.text = x("\n".join(lines).strip())
    elif f.status == Status.ERROR:
        n["errors"] += 1
        kind = str(f.evidence.get("error_kind") or "error")
        el = ET.SubElement(case, "error", message=x(f"{title}{colon(lang)}{summary}"), type=x(kind))
        el.text = x(f"{summary}\n{evidence}".strip())
    elif f.status == Status.SKIP:
        n["skipped"] += 1
        ET.SubElement(case, "skipped", message=x(summary))
    if f.status in (Status.PASS, Status.WARN) and not (f.status == Status.WARN and fail_on_warn):
        out = ET.SubElement(case, "system-out")
        out.text = x(f"{title}{colon(lang)}{c.status_word(f.status, lang)} — {summary}" + (f"\n{evidence}" if evidence else ""))


def _verdict(suite: ET.Element, report: Report, lang: str, n: dict[str, Any]) -> None:
    """One test case for the whole diagnosis: failed with the top cause, error when inconclusive.

    Its time is the diagnosis's own (ranking the causes), not the run's: the run is the root's time.
    """
    t = c.t(lang)
    tl = report.meta.get("_timeline") if isinstance(report.meta.get("_timeline"), dict) else {}
    ms = float((tl or {}).get("diagnosis_ms") or 0)
    case = ET.SubElement(suite, "testcase", name=f"{report.command}.diagnosis", classname="kmdiag.diagnosis",
                         time=_secs(ms))
    n["tests"] += 1
    n["ms"] += ms
    main = [x for x in report.causes if not x.explained_by] or report.causes
    if report.status == "problem":
        n["failures"] += 1
        top = main[0] if main else None
        message = top.title.get(lang) if top else t["status.problem"]
        lines: list[str] = []
        for cause in report.causes:
            lines += [f"{cause.title.get(lang)} [{cause.id}]{paren(t['confidence'] + f' {cause.confidence:.0%}', lang)}",
                      cause.explanation.get(lang)]
            lines += [f"  → {t.get(s.audience, s.audience)}{colon(lang)}{s.text.get(lang)}" for s in cause.next_steps]
            lines.append("")
        if not lines:
            lines = [c.counts_line(report, lang)]
        el = ET.SubElement(case, "failure", message=x(message), type=x(top.id if top else "finding"))
        el.text = x("\n".join(lines).strip())
    elif report.status == "inconclusive":
        n["errors"] += 1
        detail = c.counts_line(report, lang)
        if report.unfinished:
            detail += f"\n{t['unfinished']}{colon(lang)}{', '.join(report.unfinished)}"
        el = ET.SubElement(case, "error", message=x(t["status.inconclusive"]), type="inconclusive")
        el.text = x(detail)
    else:
        out = ET.SubElement(case, "system-out")
        out.text = x(f"{t['status.ok']} — {c.counts_line(report, lang)}")
