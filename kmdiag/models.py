"""The data that flows through a run: measurements → findings → causes → report.

Probes produce :class:`Measurement` (raw facts, never verdicts); checks turn measurements into
:class:`Finding`; the diagnosis turns findings into :class:`CauseMatch`; everything ends in a
:class:`Report`, the only thing renderers see. Models import nothing else from kmdiag but i18n.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kmdiag.i18n import T

LAYERS = ("network", "platform", "browser", "account", "payment")


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


@dataclass
class Measurement:
    """What one probe saw. ``error`` is set when the probe itself could not run to the end
    (timeout, crash, budget spent): a broken *target* is data inside ``data``, not an error."""

    probe: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_kind: str | None = None  # "timeout" | "crash" | "budget" | "skipped" | "unavailable"
    duration_ms: int = 0
    started: float = 0.0  # time.monotonic() when the probe started (the report's timeline; never output)
    error_zh: str | None = None  # the Chinese of ``error`` when the probe gave one (a Skip reason)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Finding:
    """A check's verdict on measurements. ``summary`` is bilingual; ``evidence`` is plain data."""

    id: str
    layer: str
    status: Status
    title: T
    summary: T
    evidence: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0


@dataclass
class NextStep:
    audience: str  # "user" | "agent" | "operator"
    text: T


@dataclass
class CauseMatch:
    """A diagnosed cause with the findings that support it."""

    id: str
    confidence: float
    title: T
    explanation: T
    checks: list[str]
    next_steps: list[NextStep]
    layer: str = ""
    explained_by: str | None = None


@dataclass
class Artifact:
    kind: str  # "screenshot" | "har" | "console" | "trace" | "report"
    path: str
    description: str = ""


@dataclass
class Report:
    command: str
    profile: str
    status: str  # "ok" | "problem" | "inconclusive"
    started_at: str
    duration_ms: int
    findings: list[Finding]
    causes: list[CauseMatch]
    artifacts: list[Artifact] = field(default_factory=list)
    notes: list[T] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    target: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
