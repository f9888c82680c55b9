"""Automatic 补单 after a sweep: re-notify a lost order once, only when everything agrees.

Why so many refusals: a callback is an instruction to deliver goods, sent by a process nobody
watches. So an order is re-notified only when (1) this sweep found it paid at the provider and
unrecorded by the shop, (2) the provider confirms the payment again right before sending
(``renotify.plan`` asks it), (3) the provider's amount equals the shop's own order amount to the
cent, (4) it was never sent before (a persistent record, written *before* sending, so a crash can
never cause a second send), (5) the per-probe and per-hour limits allow it, and (6) the gateway's
own retries had ``min_age_s`` to work. Every decision is one JSON line in the audit log and one
count in ``kmdiag_compensation_actions{outcome}``. ``dry_run`` decides and logs, and sends nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kmdiag.payment.money import to_decimal
from kmdiag.redact import Redactor
from kmdiag.serve.config import Compensation

OUTCOMES = ("sent-accepted", "sent-rejected", "send-failed", "dry-run", "already-sent", "rate-limited",
            "amount-mismatch", "amount-unknown", "refused", "manual-only", "too-recent", "order-expired", "deferred")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


class Compensator:
    def __init__(self, cfg: Compensation, profile_name: str) -> None:
        self.cfg = cfg
        self.profile_name = profile_name

    async def run(self, profile: Any, secrets: dict[str, str], lost: list[Any], deadline: float) -> Counter[str]:
        """Decide (and unless dry-run, send) for each lost order; returns outcome counts."""
        counts: Counter[str] = Counter()
        if not lost:
            return counts
        redactor = Redactor(secrets.values())
        record = Path(self.cfg.record_file)
        record.parent.mkdir(parents=True, exist_ok=True)
        # One sweep at a time per record file: threads of this exporter, and other processes (flock).
        with _lock_for(str(record)), open(record, "a+", encoding="utf-8") as rec_fh:
            fcntl.flock(rec_fh, fcntl.LOCK_EX)
            try:
                sent, recent = _read_record(record)
                this_probe = 0
                for r in lost:
                    if time.monotonic() > deadline - 1.0:
                        outcome, detail = "deferred", {"why": "no time left in this scrape"}
                    else:
                        outcome, detail = await self._one(profile, secrets, r, sent, recent, this_probe, rec_fh,
                                                          redactor, deadline)
                    if outcome in ("sent-accepted", "sent-rejected", "send-failed"):
                        this_probe += 1
                        recent += 1
                        sent.add(r.order_id)
                    counts[outcome] += 1
                    self._audit(r.order_id, outcome, detail, redactor)
            finally:
                fcntl.flock(rec_fh, fcntl.LOCK_UN)
        return counts

    async def _one(self, profile: Any, secrets: dict[str, str], r: Any, sent: set[str], recent: int,
                   this_probe: int, rec_fh: Any, redactor: Redactor, deadline: float) -> tuple[str, dict[str, Any]]:
        from kmdiag.payment import renotify as rn

        if r.cause == "payment.order-expired":
            return "order-expired", {"why": "the shop expired the order: refund or complete it by hand"}
        if isinstance(r.paid_at, (int, float)) and r.paid_at > 0 and time.time() - r.paid_at < self.cfg.min_age_s:
            return "too-recent", {"paid_at": r.paid_at, "min_age_s": self.cfg.min_age_s}
        if r.order_id in sent:
            return "already-sent", {}
        if this_probe >= self.cfg.max_per_probe or recent >= self.cfg.max_per_hour:
            return "rate-limited", {"max_per_probe": self.cfg.max_per_probe, "max_per_hour": self.cfg.max_per_hour}
        plan = await rn.plan(profile, secrets, r.order_id)  # the provider is asked again, right now
        shown = plan.shown(redactor)
        if plan.kind == "refuse":
            return "refused", {"why": plan.reason.en}
        if plan.kind == "console":
            return "manual-only", {"why": plan.reason.en}
        shop = to_decimal(await shop_amount(profile, secrets, r.order_id))
        prov = to_decimal(plan.provider.get("amount"))
        if shop is None or prov is None:
            return "amount-unknown", {"shop_amount": str(shop) if shop is not None else None,
                                      "provider_amount": str(prov) if prov is not None else None}
        if shop != prov:
            return "amount-mismatch", {"shop_amount": str(shop), "provider_amount": str(prov)}
        if self.cfg.dry_run:
            print(f"kmdiag serve: compensation dry-run: would send {plan.method} {shown['url']} "
                  f"for an order of {self.profile_name} (amount {prov})", file=sys.stderr)
            return "dry-run", {"plan": shown, "amount": str(prov)}
        # Recorded before sending: if this process dies mid-send, the order is never sent twice.
        rec_fh.write(json.dumps({"order_id": r.order_id, "profile": self.profile_name, "ts": time.time(),
                                 "kind": plan.kind}) + "\n")
        rec_fh.flush()
        os.fsync(rec_fh.fileno())
        res = await rn.execute(profile, secrets, plan)
        detail = {"plan": shown, "amount": str(prov), "status": res.status, "accepted": res.accepted,
                  "error": res.error, "order_status_after": res.order_status_after}
        if res.error:
            return "send-failed", detail
        return ("sent-accepted" if res.accepted else "sent-rejected"), detail

    def _audit(self, order_id: str, outcome: str, detail: dict[str, Any], redactor: Redactor) -> None:
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "profile": self.profile_name,
                "order_id": order_id, "outcome": outcome, "dry_run": self.cfg.dry_run, **detail}
        path = Path(self.cfg.audit_log)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(redactor.data(line), ensure_ascii=False, default=str) + "\n")


def _read_record(path: Path) -> tuple[set[str], int]:
    """Order ids ever sent, and how many were sent in the last hour."""
    sent: set[str] = set()
    recent = 0
    hour_ago = time.time() - 3600
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return sent, 0
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a torn last line from a crash: the ids before it still count
        if isinstance(row, dict) and isinstance(row.get("order_id"), str):
            sent.add(row["order_id"])
            if isinstance(row.get("ts"), (int, float)) and row["ts"] >= hour_ago:
                recent += 1
    return sent, recent


async def shop_amount(profile: Any, secrets: dict[str, str], order_id: str) -> Any:
    """The order's amount as the shop itself records it (the profile's order endpoint), or None."""
    from kmdiag.payment.net import async_client
    from kmdiag.payment.renotify import MAX_BODY
    from kmdiag.payment.shop_order import read_order

    if not profile.payment.order_endpoint:
        return None
    async with async_client(profile, timeout=5.0, max_body=MAX_BODY) as c:
        o = await read_order(c, profile, secrets, order_id)  # the diagnosis's own reader of the shop's order
    return o.get("amount")