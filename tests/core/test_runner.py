"""The runner: concurrency, per-probe timeouts, one budget, skip/error propagation."""

from __future__ import annotations

import asyncio
import time

from kmdiag import registry
from kmdiag.i18n import T
from kmdiag.models import Measurement, Status
from kmdiag.probes import ProbeContext, Skip
from kmdiag.profile.loader import parse_profile
from kmdiag.runner import run_checks, run_probes

PROFILE = parse_profile("name: t\nbase_url: https://shop.test/\n")


def _spec(id: str, fn, needs=(), timeout=5.0) -> registry.ProbeSpec:
    return registry.ProbeSpec(id, "network", fn, ("order",), tuple(needs), timeout)


def _ctx(budget: float) -> ProbeContext:
    return ProbeContext(profile=PROFILE, options={}, deadline=time.monotonic() + budget)


def test_probes_run_concurrently_and_in_dependency_order() -> None:
    order: list[str] = []

    async def slow(ctx):
        await asyncio.sleep(0.3)
        order.append("slow")
        return {"v": 1}

    async def other(ctx):
        await asyncio.sleep(0.3)
        order.append("other")
        return {}

    async def dependent(ctx):
        order.append("dependent")
        return {"seen": ctx.data("a")["v"]}

    ctx = _ctx(5)
    t0 = time.monotonic()
    ms = asyncio.run(run_probes([_spec("a", slow), _spec("b", other), _spec("c", dependent, needs=("a",))], ctx))
    assert time.monotonic() - t0 < 0.55  # a and b overlapped
    assert order.index("dependent") > order.index("slow")
    assert ms["c"].data == {"seen": 1}


def test_timeout_crash_and_skip_become_data() -> None:
    async def hang(ctx):
        await asyncio.sleep(10)

    async def crash(ctx):
        raise ValueError("boom")

    async def skip(ctx):
        raise Skip("no token")

    ms = asyncio.run(run_probes([_spec("h", hang, timeout=0.2), _spec("c", crash), _spec("s", skip)], _ctx(5)))
    assert ms["h"].error_kind == "timeout"
    assert ms["c"].error_kind == "crash" and "boom" in (ms["c"].error or "")
    assert ms["s"].error_kind == "skipped"


def test_budget_bounds_the_whole_run() -> None:
    async def hang(ctx):
        await asyncio.sleep(30)

    t0 = time.monotonic()
    ms = asyncio.run(run_probes([_spec("h", hang, timeout=30), _spec("h2", hang, timeout=30)], _ctx(0.6)))
    assert time.monotonic() - t0 < 1.0
    assert ms["h"].error_kind == "budget"


def _check(id: str, fn, needs=(), after=()) -> registry.CheckSpec:
    return registry.CheckSpec(id, "network", fn, T("标题", "title"), ("order",), tuple(needs), tuple(after))


def test_checks_skip_after_failed_dependency_and_error_on_failed_probe() -> None:
    ms = {"p": Measurement("p", data={}), "bad": Measurement("bad", error="x", error_kind="timeout")}

    def failing(c):
        return registry.CheckResult(Status.FAIL, T("坏", "bad"))

    def fine(c):
        return registry.CheckResult(Status.PASS, T("好", "ok"))

    def crashing(c):
        raise KeyError("k")

    fs = {f.id: f for f in run_checks([
        _check("a", failing, needs=("p",)),
        _check("b", fine, needs=("p",), after=("a",)),
        _check("c", fine, needs=("bad",)),
        _check("d", crashing, needs=("p",)),
        _check("e", fine, needs=("missing",)),
    ], ms, PROFILE, {})}
    assert fs["a"].status == Status.FAIL
    assert fs["b"].status == Status.SKIP
    assert fs["c"].status == Status.ERROR
    assert fs["d"].status == Status.ERROR
    assert fs["e"].status == Status.SKIP
