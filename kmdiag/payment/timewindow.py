"""The time window in which a log line that names no order is taken as this order's callback.

Why: acg-faka's ``runtime.log`` (and many gateways' logs) carry no order number; the only link to an
order is time. A line counts when it falls between just before the provider's payment time and the
provider's last retry (plus its timeout), and never after the run looked. Lines of other orders paid
in the same minutes can fall inside too — such hits say ``match: "time"`` so the report can tell.
"""

from __future__ import annotations

from collections.abc import Sequence

BEFORE_S = 30.0  # clock skew between the gateway's record and the shop's log
AFTER_S = 120.0  # cron latency after the last scheduled retry
DEFAULT_SPAN_S = 3 * 3600.0  # no retry schedule known: epay retries for ≈2 h


def payment_window(paid_at: float | None, schedule_s: Sequence[float], timeout_s: float,
                   observed: float | None = None) -> tuple[float, float] | None:
    """(start, end) epoch seconds around ``paid_at``; None when the payment time is unknown."""
    if paid_at is None:
        return None
    span = (max(schedule_s) + timeout_s + AFTER_S) if schedule_s else DEFAULT_SPAN_S
    end = paid_at + span
    if observed is not None:
        end = min(end, observed + 1.0)
    return (paid_at - BEFORE_S, max(end, paid_at))
