"""The demo shop counts its own order rows, log lines and every write it receives before and after many
``order`` and ``payment`` diagnoses (no --submit, no --renotify, no --probe-notify), on an idle and on a
loaded machine: zero new. The shop is the witness, not kmdiag's report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kmdiag.demo.http import Request
from kmdiag.demo.runtime import DemoShop
from tests.browser.counting import cpu_load

pytestmark = pytest.mark.browser


def _diagnose(demo: DemoShop, command: str) -> Any:
    from kmdiag import runner

    options: dict[str, Any] = {"lang": "en", "submit": False, "environ": {**os.environ, **demo.environ, **demo.secrets},
                               "demo": True, "evidence_dir": None, "browser_lockdown": True}
    if "order_id" in demo.vars:
        options["order_id"] = demo.vars["order_id"]

    def prepare(ctx: Any) -> None:
        ctx.state["demo"] = demo

    report, _ = runner.execute(command, demo.profile(), options, budget=25.0, prepare=prepare,
                               secrets=dict(demo.secrets))
    return report


def _witness(demo: DemoShop) -> list[tuple[str, str]]:
    writes: list[tuple[str, str]] = []

    def count(req: Request) -> None:
        # OPTIONS is the platform probe's latency sample of the order API (the demo's router answers 405);
        # everything else that is not a read is a write.
        if req.method not in ("GET", "HEAD", "OPTIONS"):
            writes.append((req.method, req.path))

    demo.shop_app.before.insert(0, count)  # type: ignore[arg-type]
    return writes


def _log_lines(demo: DemoShop) -> int:
    shop = demo.__dict__.get("pay_shop")
    path = Path(shop.access_log) if shop else None
    return len(path.read_text(encoding="utf-8").splitlines()) if path and path.exists() else 0


def _notifies(demo: DemoShop) -> int:
    return sum(len(getattr(o, "notifies", []) or []) for o in demo.state.orders.values())


def test_order_diagnoses_create_no_order_and_send_no_write() -> None:
    demo = DemoShop([], command="order").start()
    try:
        writes = _witness(demo)
        before = len(demo.state.orders)
        clicked = 0
        for loaded in (False, False, True, True):
            if loaded:
                with cpu_load(2, 60):
                    report = _diagnose(demo, "order")
            else:
                report = _diagnose(demo, "order")
            checks = {c.id: c for c in report.findings}
            # On a machine this busy a visit may run out of its time; the runs that clicked are the proof.
            clicked += checks["browser.click-sends-order"].status == "pass"
        assert clicked >= 1, clicked
        assert len(demo.state.orders) == before
        assert writes == [], writes
    finally:
        demo.stop()


def test_payment_diagnoses_never_reach_the_notify_handler() -> None:
    demo = DemoShop([], command="payment").start()
    try:
        writes = _witness(demo)
        orders, lines, notifies = len(demo.state.orders), _log_lines(demo), _notifies(demo)
        assert lines > 0 and notifies > 0  # the story's own gateway notify is there: the counters count
        for loaded in (False, False, False, True, True):
            if loaded:
                with cpu_load(2, 60):
                    report = _diagnose(demo, "payment")
            else:
                report = _diagnose(demo, "payment")
            assert report.causes == []
            ep = {c.id: c for c in report.findings}["payment.notify-endpoint"]
            assert ep.status == "pass" and ep.evidence["handler_probed"] is False
        assert (len(demo.state.orders), _log_lines(demo), _notifies(demo)) == (orders, lines, notifies)
        assert writes == []
    finally:
        demo.stop()
