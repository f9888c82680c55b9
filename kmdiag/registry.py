"""The registry of probes, checks and causes.

Built-in families register themselves when their module is imported (``kmdiag.probes``,
``kmdiag.checks``, ``kmdiag.causes`` import their members; :func:`kmdiag.plugins.load_builtins`
imports all three), so the catalogue commands, the runner and the tests all see the same set. This
module imports none of them: it is the bottom of the plug-in layers. Ids are public API: duplicates are a bug and raise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kmdiag.i18n import T
from kmdiag.models import Measurement, Status

if TYPE_CHECKING:
    from kmdiag.probes import ProbeContext
    from kmdiag.profile.schema import Profile

ProbeFn = Callable[["ProbeContext"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class ProbeSpec:
    id: str
    layer: str
    fn: ProbeFn
    commands: tuple[str, ...]
    needs: tuple[str, ...] = ()
    timeout: float = 5.0
    description: str = ""


@dataclass
class CheckResult:
    """What a check function returns; the runner turns it into a Finding."""

    status: Status
    summary: T
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckContext:
    """What a check may read: measurements by probe id, earlier findings, the profile, options."""

    measurements: Mapping[str, Measurement]
    profile: Profile
    options: Mapping[str, Any]
    findings: Mapping[str, Any] = field(default_factory=dict)

    def data(self, probe_id: str) -> dict[str, Any]:
        m = self.measurements.get(probe_id)
        return m.data if m is not None else {}


CheckFn = Callable[[CheckContext], CheckResult]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    layer: str
    fn: CheckFn
    title: T
    commands: tuple[str, ...]
    needs: tuple[str, ...] = ()  # probe ids whose measurements it reads
    after: tuple[str, ...] = ()  # check ids; if one of them fails or is skipped, this one is skipped
    description: T | None = None


@dataclass(frozen=True)
class Step:
    audience: str
    text: T


@dataclass
class Match:
    """A cause rule's answer: how sure, which checks support it, values for the texts."""

    confidence: float
    checks: list[str]
    params: dict[str, Any] = field(default_factory=dict)


if TYPE_CHECKING:
    from kmdiag.findings import FindingIndex

CauseRule = Callable[["FindingIndex"], "Match | None"]


@dataclass(frozen=True)
class CauseSpec:
    id: str
    layer: str
    priority: int  # lower = further upstream; an upstream cause explains downstream symptoms
    title: T
    explanation: T
    steps: tuple[Step, ...]
    rule: CauseRule
    commands: tuple[str, ...] = ("order",)
    fallback: bool = False  # named only when no other cause of the command matched


PROBES: dict[str, ProbeSpec] = {}
CHECKS: dict[str, CheckSpec] = {}
CAUSES: dict[str, CauseSpec] = {}


def probe(
    id: str,
    *,
    layer: str,
    commands: tuple[str, ...] = ("order",),
    needs: tuple[str, ...] = (),
    timeout: float = 5.0,
    description: str = "",
) -> Callable[[ProbeFn], ProbeFn]:
    def deco(fn: ProbeFn) -> ProbeFn:
        if id in PROBES:
            raise ValueError(f"probe id registered twice: {id}")
        PROBES[id] = ProbeSpec(id, layer, fn, commands, needs, timeout, description or (fn.__doc__ or "").strip())
        return fn

    return deco


def check(
    id: str,
    *,
    layer: str,
    title: T,
    commands: tuple[str, ...] = ("order",),
    needs: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    description: T | None = None,
) -> Callable[[CheckFn], CheckFn]:
    def deco(fn: CheckFn) -> CheckFn:
        if id in CHECKS:
            raise ValueError(f"check id registered twice: {id}")
        CHECKS[id] = CheckSpec(id, layer, fn, title, commands, needs, after, description)
        return fn

    return deco


def cause(
    id: str,
    *,
    layer: str,
    priority: int,
    title: T,
    explanation: T,
    steps: tuple[Step, ...],
    commands: tuple[str, ...] = ("order",),
    fallback: bool = False,
) -> Callable[[CauseRule], CauseRule]:
    def deco(fn: CauseRule) -> CauseRule:
        if id in CAUSES:
            raise ValueError(f"cause id registered twice: {id}")
        CAUSES[id] = CauseSpec(id, layer, priority, title, explanation, steps, fn, commands, fallback)
        return fn

    return deco

