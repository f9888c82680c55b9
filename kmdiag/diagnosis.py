"""Findings → ranked causes with next steps. Pure: no I/O, no clock.

Every cause in the catalogue has a rule (a function of the findings) and a priority: lower is
further upstream in the tree (network < platform < account < front-end < client). Causes are
ranked by priority, then by confidence, so an upstream failure comes first and explains the
downstream symptoms it produces: a hijacked resolver explains the dead button. Downstream causes
that an upstream one explains stay in the list, marked ``explained_by`` and with lower confidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmdiag import registry
from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.models import CauseMatch, Finding, NextStep, Status

# Layers whose causes can produce symptoms in later layers.
_UPSTREAM_OF = {
    "network": {"platform", "frontend", "client", "account", "browser"},
    "platform": {"frontend", "client", "browser"},
    "account": {"frontend", "client", "browser"},
    "frontend": {"client"},
}


def diagnose(findings: list[Finding], *, command: str, options: Mapping[str, Any] | None = None) -> list[CauseMatch]:
    """The ranked causes (a crashing rule is left out here; :func:`diagnose_all` also reports it)."""
    return diagnose_all(findings, command=command, options=options)[0]


def diagnose_all(findings: list[Finding], *, command: str,
                 options: Mapping[str, Any] | None = None) -> tuple[list[CauseMatch], list[Finding]]:
    """The ranked causes, and one ``error`` finding per cause rule that raised.

    Why a finding and not silence: a rule bug must not hide the other causes, but dropping it quietly
    would let a run say "no problem" when a cause could not be judged. The finding names the rule, so
    the report (and the exit code: an error finding makes a clean run inconclusive) shows it.
    """
    import kmdiag.causes  # noqa: F401  (registers the cause rules; checks and probes are not needed here)

    idx = FindingIndex(findings, options)
    matches: list[tuple[registry.CauseSpec, registry.Match]] = []
    errors: list[Finding] = []
    for spec in registry.CAUSES.values():
        if command not in spec.commands:
            continue
        try:
            m = spec.rule(idx)
        except Exception as exc:  # a rule bug must not hide the other causes
            if idx.options.get("debug"):
                raise
            errors.append(rule_error(spec, exc))
            m = None
        if m is not None and m.confidence > 0:
            matches.append((spec, m))
    if any(not spec.fallback for spec, _ in matches):  # a fallback only speaks when nothing else did
        matches = [(spec, m) for spec, m in matches if not spec.fallback]
    matches.sort(key=lambda sm: (sm[0].priority, -sm[1].confidence))
    out: list[CauseMatch] = []
    for spec, m in matches:
        params = {k: _fmt(v) for k, v in m.params.items()}
        explained_by = None
        conf = m.confidence
        for upstream in out:
            if upstream.explained_by is None and spec.layer in _UPSTREAM_OF.get(upstream.layer, set()):
                explained_by = upstream.id
                conf = round(min(conf, upstream.confidence) * 0.5, 2)
                break
        out.append(CauseMatch(
            id=spec.id,
            confidence=round(conf, 2),
            title=spec.title.format(**params),
            explanation=spec.explanation.format(**params),
            checks=list(m.checks),
            next_steps=[NextStep(s.audience, s.text.format(**params)) for s in spec.steps],
            layer=spec.layer,
            explained_by=explained_by,
        ))
    # Independent causes first by rank; explained ones after every unexplained one.
    out.sort(key=lambda c: c.explained_by is not None)
    return out, errors


def rule_error(spec: registry.CauseSpec, exc: Exception) -> Finding:
    """The visible trace of a cause rule that raised: which rule, and what it raised."""
    name = getattr(spec.rule, "__qualname__", "") or getattr(spec.rule, "__name__", "rule")
    return Finding(
        "diagnosis.rule-" + spec.id.replace(".", "-"), "diagnosis", Status.ERROR,
        T(zh=f"原因规则 {spec.id}（{name}）", en=f"cause rule {spec.id} ({name})"),
        T(zh=f"原因规则自身出错，无法判断此原因：{type(exc).__name__}: {exc}",
          en=f"the cause rule itself failed, so this cause could not be judged: {type(exc).__name__}: {exc}"),
        {"rule": spec.id, "function": name, "error": repr(exc)[:500]},
    )


def _fmt(v: Any) -> Any:
    if isinstance(v, list | tuple | set):  # a list reads "a、b" in Chinese, "a, b" in English
        items = [x.zh if isinstance(x, T) else str(x) for x in v], [x.en if isinstance(x, T) else str(x) for x in v]
        return T(zh="、".join(items[0]), en=", ".join(items[1]))
    return v


def report_status(findings: list[Finding], causes: list[CauseMatch], options: Mapping[str, Any]) -> str:
    """ok / problem / inconclusive, as the contract maps them to exit codes 0 / 1 / 3.

    A run that found nothing wrong but could not run some check (error: timeout, budget, no
    browser) is inconclusive, not ok: "no problem found" must mean every decisive check ran.
    """
    fail_on = options.get("fail_on", "fail")
    bad = {Status.FAIL} if fail_on == "fail" else {Status.FAIL, Status.WARN}
    if causes or any(f.status in bad for f in findings):
        return "problem"
    if not findings or any(f.status == Status.ERROR for f in findings):
        return "inconclusive"
    if not any(f.status in (Status.PASS, Status.WARN) for f in findings):
        return "inconclusive"
    return "ok"

