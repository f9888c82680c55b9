"""What a probe gets: the profile, the run's options, the budget, and earlier measurements.

The runner owns time (as blackbox_exporter's handler does): it wraps every probe in its own
timeout, bounded by what is left of the run's budget. Probes read ``ctx.remaining()`` to size
their own inner timeouts so that nothing they start outlives the run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kmdiag.models import Artifact, Measurement

if TYPE_CHECKING:
    from kmdiag.profile.schema import Profile

# The end of the probe running in this task (its own registered timeout), set by the runner. A
# probe whose timeout is shorter than what is left of the run must size its inner timeouts to
# *that*, or the runner cuts it off before it can report what it saw.
PROBE_DEADLINE: ContextVar[float | None] = ContextVar("kmdiag_probe_deadline", default=None)


@dataclass
class ProbeContext:
    profile: Profile
    options: Mapping[str, Any]
    deadline: float  # time.monotonic() value at which the whole run must end
    measurements: dict[str, Measurement] = field(default_factory=dict)
    artifacts: list[Artifact] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)  # name -> value; never rendered
    state: dict[str, Any] = field(default_factory=dict)  # shared objects (demo handles, clients)

    def remaining(self) -> float:
        """Seconds left for the calling probe: the run's budget, or the probe's own end if sooner."""
        own = PROBE_DEADLINE.get()
        end = self.deadline if own is None else min(self.deadline, own)
        return max(0.0, end - time.monotonic())

    def timeout(self, wanted: float) -> float:
        """``wanted`` seconds, or less if the run's budget is nearly spent (never below 50 ms)."""
        return max(0.05, min(wanted, self.remaining() - 0.05))

    def data(self, probe_id: str) -> dict[str, Any]:
        m = self.measurements.get(probe_id)
        return m.data if m is not None else {}

    def opt(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)
