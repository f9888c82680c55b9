"""Read access to a run's findings, for cause rules.

Why its own module: cause rules (kmdiag/causes/) read findings and diagnosis.py runs the rules. With
the index inside diagnosis.py, causes imported diagnosis and diagnosis imported causes to register
them — a circle. Both now import this module, which imports only the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kmdiag.models import Finding, Status


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
