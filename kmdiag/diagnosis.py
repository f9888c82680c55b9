"""Findings → ranked causes with next steps. Pure: no I/O, no clock.

Every cause in the catalogue has a rule (a function of the findings) and a priority: lower is
further upstream in the tree (network < platform < account < front-end < client). Causes are
ranked by priority, then by confidence, so an upstream failure comes first and explains the
downstream symptoms it produces: a hijacked resolver explains the dead button. Downstream causes
that an upstream one explains stay in the list, marked ``explained_by`` and with lower confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kmdiag import registry
from kmdiag.i18n import T
from kmdiag.models import CauseMatch, Finding, NextStep, Status

# Layers whose causes can produce symptoms in later layers.
_UPSTREAM_OF = {
    "network": {"platform", "frontend", "client", "account", "browser"},
    "platform": {"frontend", "client", "browser"},
    "account": {"frontend", "client", "browser"},
    "frontend": {"client"},
}


class FindingIndex:
    """Read access to findings by id, for cause rules."""

    def __init__(self, findings: Iterable[Finding], options: Mapping[str, Any] | None = None) -> None:
        self.by_id = {f.id: f for f in findings}
        self.options = dict(options or {})

    def status(self, check_id: str) -> Status | None:
        f = self.by_id.get(check_id)
        return f.status if f else None

    def failed(self, *check_ids: str) -> bool:
        """True when every named check failed."""
        return all(self.status(c) == Status.FAIL for c in check_ids)

    def any_failed(self, *check_ids: str) -> list[str]:
        return [c for c in check_ids if self.status(c) == Status.FAIL]

    def warned(self, *check_ids: str) -> bool:
        return all(self.status(c) == Status.WARN for c in check_ids)

    def passed(self, *check_ids: str) -> bool:
        return all(self.status(c) == Status.PASS for c in check_ids)

    def evidence(self, check_id: str) -> dict[str, Any]:
        f = self.by_id.get(check_id)
        return f.evidence if f else {}

    def layer_failed(self, layer: str) -> list[str]:
        return [f.id for f in self.by_id.values() if f.layer == layer and f.status == Status.FAIL]


def diagnose(findings: list[Finding], *, command: str, options: Mapping[str, Any] | None = None) -> list[CauseMatch]:
    registry.load_builtins()
    idx = FindingIndex(findings, options)
    matches: list[tuple[registry.CauseSpec, registry.Match]] = []
    for spec in registry.CAUSES.values():
        if command not in spec.commands:
            continue
        try:
            m = spec.rule(idx)
        except Exception:  # a rule bug must not hide the other causes
            if idx.options.get("debug"):
                raise
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
    return out


def _fmt(v: Any) -> Any:
    if isinstance(v, list | tuple | set):
        return ", ".join(str(x) for x in v)
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


def healthy_note() -> T:
    return T(zh="所有检查均通过。", en="Every check passed.")
