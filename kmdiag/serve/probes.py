"""The three probers behind ``/probe``: order, payment (one order), payment-sweep.

Each reuses kmdiag's own engines — ``runner.execute`` for diagnoses (as ``kmdiag order`` and
``kmdiag payment`` run them) and ``sweep_run.sweep_shop`` for sweeps (as ``kmdiag payment --sweep``)
— under the probe's deadline, and answers a fresh registry. Nothing raises for a broken shop: the
verdict is in the metrics; only a bad scrape (unknown profile, refused target) raises ProbeUsage.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry

from kmdiag.errors import KmdiagError
from kmdiag.serve import metrics as M
from kmdiag.serve.config import Module
from kmdiag.serve.pool import BrowserPool
from kmdiag.serve.runtime import Runtime

_WRAPUP_S = 0.2  # kept for building the answer after the engine returns


class ProbeUsage(ValueError):
    """The scrape itself is wrong (HTTP 400): unknown module or profile, missing or refused parameter."""


@dataclass
class Outcome:
    registry: CollectorRegistry
    success: bool
    reason: str | None
    compensation: Counter[str] | None = None


@dataclass
class ProbeRequest:
    module_name: str
    module: Module
    profile: str | None
    target: str | None
    order: str | None
    since: str | None
    started: float
    deadline: float


def run(req: ProbeRequest, rt: Runtime, pool: BrowserPool) -> Outcome:
    kind = req.module.prober
    if kind == "order":
        return order(req, rt, pool)
    if kind == "payment":
        return payment(req, rt)
    return sweep(req, rt)


def _finish(req: ProbeRequest, reg: CollectorRegistry, success: bool, reason: str | None,
            compensation: Counter[str] | None = None) -> Outcome:
    M.probe_basics(reg, success=success, duration_s=time.monotonic() - req.started, reason=reason,
                   timeout_s=req.deadline - req.started)
    return Outcome(reg, success, reason, compensation)


def _verdict(report: Any) -> tuple[bool, str | None]:
    if report.status == "ok":
        return True, None
    return False, "problem" if report.status == "problem" else "inconclusive"


def _diagnose(command: str, res: Any, module: Module, deadline: float, extra: dict[str, Any]) -> tuple[Any, Any]:
    """One report through kmdiag's runner, exactly as the CLI builds its run (minus rendering)."""
    from kmdiag import runner
    from kmdiag.cli.run import secrets_from_profile
    from kmdiag.redact import Redactor, phones_in
    from kmdiag.session import collect_token

    profile = res.profile
    secrets = secrets_from_profile(profile, res.environ)
    secrets.update(collect_token(profile, res.environ, {}, fmt="json", layers=module.layers, demo=res.demo is not None,
                                 lang=module.lang, command=command, ask=lambda _prompt: ""))
    redactor = Redactor(secrets.values())
    if res.demo is not None:
        redactor.add(*res.demo.secrets.values())
    redactor.add_phone(*phones_in(profile.order.fill.values()))
    options: dict[str, Any] = {"lang": module.lang, "submit": profile.order.submit, "smoke": module.smoke,
                               "debug": False, "fail_on": "fail", "environ": res.environ,
                               "demo": res.demo is not None, "evidence_dir": None, **extra}

    def prepare(ctx: Any) -> None:
        ctx.state["redactor"] = redactor
        if res.demo is not None:
            ctx.state["demo"] = res.demo

    budget = max(0.3, deadline - time.monotonic() - _WRAPUP_S)
    return runner.execute(command, profile, options, layers=module.layers, budget=budget, prepare=prepare,
                          secrets=secrets)


def _resolve(rt: Runtime, req: ProbeRequest, name: str | None, target: str | None) -> Any:
    try:
        return rt.resolve(name, target)
    except KmdiagError as exc:
        raise ProbeUsage(f"profile: {exc.message}") from None


def order(req: ProbeRequest, rt: Runtime, pool: BrowserPool) -> Outcome:
    reg = M.new_registry()
    name = req.profile or req.module.profile
    if name is None and not req.target:
        raise ProbeUsage("module=order needs target=URL (or profile=NAME of a configured profile)")
    if name is not None and req.target and rt.config.profiles[name].demo is not None:
        raise ProbeUsage(f"profile '{name}' is a demo shop the exporter runs itself: leave out target")
    res = _resolve(rt, req, name, req.target)
    # Queue for a browser, but only while enough of the scrape is left to diagnose anything.
    if not pool.acquire(req.deadline - rt.config.min_probe_s):
        return _finish(req, reg, False, "browser-pool-busy")
    try:
        report, ctx = _diagnose("order", res, req.module, req.deadline, {})
    finally:
        pool.release()
    M.report_metrics(reg, report, ctx.measurements)
    return _finish(req, reg, *_verdict(report))


def payment(req: ProbeRequest, rt: Runtime) -> Outcome:
    reg = M.new_registry()
    name = req.profile or req.module.profile
    if name is None:
        raise ProbeUsage("module=payment needs profile=NAME")
    if not req.order:
        raise ProbeUsage("module=payment needs order=ORDER_ID")
    from kmdiag.ids import InvalidOrderId, check_order_id

    try:
        check_order_id(req.order)  # the one validator every path that takes an id uses
    except InvalidOrderId as exc:
        raise ProbeUsage(f"order: not an order number ({exc})") from None
    res = _resolve(rt, req, name, None)
    report, ctx = _diagnose("payment", res, req.module, req.deadline, {"order_id": req.order})
    M.report_metrics(reg, report, ctx.measurements)
    return _finish(req, reg, *_verdict(report))


def sweep(req: ProbeRequest, rt: Runtime) -> Outcome:
    from kmdiag.cli.run import secrets_from_profile
    from kmdiag.payment.providers.base import ProviderConfigError, make_provider
    from kmdiag.payment.sweep import SweepSummary
    from kmdiag.payment.sweep_inputs import InputStats, parse_since
    from kmdiag.payment.sweep_run import PendingListError, sweep_shop

    reg = M.new_registry()
    name = req.profile or req.module.profile
    if name is None:
        raise ProbeUsage("module=payment-sweep needs profile=NAME")
    try:
        since = parse_since(req.since or req.module.since)
    except ValueError as exc:
        raise ProbeUsage(f"since: {exc}") from None
    res = _resolve(rt, req, name, None)
    profile = res.profile
    secrets = secrets_from_profile(profile, res.environ)
    try:
        provider = make_provider(profile.payment.provider, secrets)
    except ProviderConfigError:
        return _finish(req, reg, False, "provider-config")
    if not profile.payment.pending_orders_endpoint:
        return _finish(req, reg, False, "profile-error")
    comp = req.module.compensate
    left = req.deadline - time.monotonic() - _WRAPUP_S
    reserve = min(10.0, 0.3 * left) if comp.enabled else 0.0
    summary, stats = SweepSummary(), InputStats()
    outcomes: Counter[str] | None = None

    async def go() -> str:
        nonlocal outcomes
        status = await sweep_shop(profile, provider, secrets, deadline=time.monotonic() + left - reserve, since=since,
                                concurrency=req.module.concurrency, rate=req.module.rate, summary=summary, stats=stats)
        if comp.enabled:
            from kmdiag.serve.compensate import Compensator

            outcomes = await Compensator(comp, name).run(profile, secrets, list(summary.lost),
                                                         time.monotonic() + reserve)
        return status

    try:
        status = asyncio.run(go())
    except PendingListError:
        return _finish(req, reg, False, "pending-list-error")
    M.sweep_metrics(reg, summary)
    if comp.enabled:
        M.compensation_metrics(reg, dict(outcomes or {}))
    if status == "ok":
        return _finish(req, reg, True, None, outcomes)
    return _finish(req, reg, False, status, outcomes)  # "problem" | "inconclusive"
