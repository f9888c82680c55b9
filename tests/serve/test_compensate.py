"""Automatic 补单 against the demo shop: dry-run sends nothing, a real run sends each order once,
never when the amounts disagree, and never more than the limits allow.

In-process on purpose: the test inspects the demo shop's own state (orders, the notifies it
received), which a separate exporter process would hide.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kmdiag.serve import probes
from kmdiag.serve.config import parse_config
from kmdiag.serve.metrics import FAILURE_REASONS
from kmdiag.serve.pool import BrowserPool
from kmdiag.serve.runtime import Runtime
from tests.serve.helpers import metric_lines

CONFIG = """
profiles:
  pay: {demo: {command: payment, seed_orders: 30, seed_lost: 3}}
modules:
  sweep-dry:
    prober: payment-sweep
    profile: pay
    compensate: {enabled: true, dry_run: true, min_age_s: 0, record_file: "%(dir)s/sent.jsonl", audit_log: "%(dir)s/audit.jsonl"}
  sweep-send:
    prober: payment-sweep
    profile: pay
    compensate: {enabled: true, dry_run: false, min_age_s: 0, max_per_probe: %(per_probe)s, record_file: "%(dir)s/sent.jsonl", audit_log: "%(dir)s/audit.jsonl"}
  sweep-plain: {prober: payment-sweep, profile: pay}
"""


def _runtime(tmp: Path, per_probe: int = 5) -> Runtime:
    cfg = parse_config(CONFIG % {"dir": tmp, "per_probe": per_probe}, "test.yml")
    return Runtime.start(cfg)


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    r = _runtime(tmp_path)
    yield r
    r.stop()


def _sweep(rt: Runtime, module: str) -> tuple[probes.Outcome, dict[str, float]]:
    now = time.monotonic()
    req = probes.ProbeRequest(module, rt.config.modules[module], None, None, None, None, now, now + 20)
    out = probes.run(req, rt, BrowserPool(1))
    from prometheus_client import generate_latest

    return out, metric_lines(generate_latest(out.registry).decode())


def _audit(tmp: Path) -> list[dict[str, Any]]:
    p = tmp / "audit.jsonl"
    return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


def _notifies(rt: Runtime, oid: str) -> int:
    return len(rt.demos["pay"].state.orders[oid].notifies)


def test_dry_run_decides_and_sends_nothing(rt: Runtime, tmp_path: Path) -> None:
    lost = rt.seeded_lost["pay"]
    out, m = _sweep(rt, "sweep-dry")
    assert m["kmdiag_paid_unsynced_orders"] == 3
    assert m['kmdiag_compensation_actions{outcome="dry-run"}'] == 3
    assert out.reason in FAILURE_REASONS and out.success is False
    audit = _audit(tmp_path)
    assert sorted(a["order_id"] for a in audit) == sorted(lost)
    for a in audit:
        assert a["outcome"] == "dry-run" and a["plan"]["kind"] == "callback"
        assert a["plan"]["params"]["sign"] != "" and "sign" in a["plan"]["params"]
        key = rt.demos["pay"].secrets["KMDIAG_DEMO_EPAY_KEY"]
        assert key not in json.dumps(a)  # the merchant key never reaches the audit log
    assert not (tmp_path / "sent.jsonl").read_text().strip()
    assert all(_notifies(rt, oid) == 0 for oid in lost)
    assert all(rt.demos["pay"].state.orders[oid].status == "unpaid" for oid in lost)


def test_sends_once_and_the_orders_complete(rt: Runtime, tmp_path: Path) -> None:
    lost = rt.seeded_lost["pay"]
    _out, m = _sweep(rt, "sweep-send")
    assert m['kmdiag_compensation_actions{outcome="sent-accepted"}'] == 3
    assert all(_notifies(rt, oid) == 1 for oid in lost)
    assert all(rt.demos["pay"].state.orders[oid].status == "completed" for oid in lost)
    sent = [json.loads(x)["order_id"] for x in (tmp_path / "sent.jsonl").read_text().splitlines()]
    assert sorted(sent) == sorted(lost)
    # The next sweep finds nothing lost; and the compensator itself refuses a second send.
    _out, m = _sweep(rt, "sweep-plain")
    assert m["kmdiag_paid_unsynced_orders"] == 0
    import asyncio

    from kmdiag.payment.sweep import OrderResult
    from kmdiag.serve.compensate import Compensator

    res = rt.resolve("pay", None)
    from kmdiag.cli.run import secrets_from_profile

    again = asyncio.run(Compensator(rt.config.modules["sweep-send"].compensate, "pay").run(
        res.profile, secrets_from_profile(res.profile, res.environ),
        [OrderResult(oid, "lost", cause="payment.callback-missing") for oid in lost], time.monotonic() + 10))
    assert again == {"already-sent": 3}
    assert all(_notifies(rt, oid) == 1 for oid in lost)


def test_amount_disagreement_is_never_sent(rt: Runtime, tmp_path: Path) -> None:
    lost = rt.seeded_lost["pay"]
    shop = rt.demos["pay"].state
    with shop.lock:
        shop.orders[lost[0]].amount = Decimal("60.00")  # the shop's order says 60, the provider was paid 6
    _out, m = _sweep(rt, "sweep-send")
    assert m['kmdiag_compensation_actions{outcome="amount-mismatch"}'] == 1
    assert m['kmdiag_compensation_actions{outcome="sent-accepted"}'] == 2
    assert _notifies(rt, lost[0]) == 0 and shop.orders[lost[0]].status == "unpaid"
    row = next(a for a in _audit(tmp_path) if a["order_id"] == lost[0])
    assert row["shop_amount"] == "60.00" and row["provider_amount"] == "6.00"


def test_rate_limited_per_probe(tmp_path: Path) -> None:
    rt = _runtime(tmp_path, per_probe=1)
    try:
        _out, m = _sweep(rt, "sweep-send")
        assert m['kmdiag_compensation_actions{outcome="sent-accepted"}'] == 1
        assert m['kmdiag_compensation_actions{outcome="rate-limited"}'] == 2
        assert sum(_notifies(rt, oid) for oid in rt.seeded_lost["pay"]) == 1
    finally:
        rt.stop()
