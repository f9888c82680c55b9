"""Run probes concurrently under one budget, then checks, then the diagnosis.

Each probe runs as an asyncio task once the probes it needs have finished; each has its own
timeout, clipped to what is left of the run's budget, so the run always ends inside ``--timeout``.
A probe that crashes or times out becomes a measurement with ``error`` set; checks that need it
report ``error``; checks whose ``after`` checks failed report ``skip``. Nothing here raises for a
broken target.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from kmdiag import plugins, registry
from kmdiag.i18n import T
from kmdiag.models import Artifact, Finding, Measurement, Report, Status
from kmdiag.probes import PROBE_DEADLINE, ProbeContext, Skip
from kmdiag.profile.schema import Profile
from kmdiag.safejson import clip

log = logging.getLogger("kmdiag.runner")

ProgressFn = Callable[[set[str]], None]

# Keep a little of the budget for checks, diagnosis and rendering.
_RESERVE_S = 0.15


def select(command: str, layers: Iterable[str] | None) -> tuple[list[registry.ProbeSpec], list[registry.CheckSpec]]:
    plugins.load_builtins()
    wanted = set(layers) if layers is not None else None
    probes = [p for p in registry.PROBES.values() if command in p.commands and (wanted is None or p.layer in wanted)]
    checks = [c for c in registry.CHECKS.values() if command in c.commands and (wanted is None or c.layer in wanted)]
    return probes, checks


async def run_probes(
    probes: list[registry.ProbeSpec], ctx: ProbeContext, progress: ProgressFn | None = None
) -> dict[str, Measurement]:
    """Run every probe as soon as its needs are done; return all measurements."""
    by_id = {p.id: p for p in probes}
    done: dict[str, asyncio.Future[Measurement]] = {}
    loop = asyncio.get_running_loop()
    for p in probes:
        done[p.id] = loop.create_future()
    running: set[str] = set()

    async def one(spec: registry.ProbeSpec) -> None:
        for need in spec.needs:
            if need in done:
                await done[need]
        running.add(spec.id)
        if progress:
            progress(set(running))
        started = time.monotonic()
        budget = ctx.remaining() - _RESERVE_S
        if budget <= 0.05:
            m = Measurement(spec.id, error="the run's time budget was spent before this probe could start",
                            error_kind="budget")
        else:
            PROBE_DEADLINE.set(started + min(spec.timeout, budget))  # this task's own end (ctx.remaining)
            try:
                data = await asyncio.wait_for(spec.fn(ctx), timeout=min(spec.timeout, budget))
                m = Measurement(spec.id, data=clip(data or {}))  # a hostile answer's depth never reaches the report
            except TimeoutError:
                kind = "budget" if spec.timeout > budget else "timeout"
                m = Measurement(spec.id, error=f"no result within {min(spec.timeout, budget):.1f}s", error_kind=kind)
            except asyncio.CancelledError:
                raise
            except Skip as exc:
                m = Measurement(spec.id, error=str(exc), error_kind="skipped", error_zh=getattr(exc, "zh", None))
            except Exception as exc:  # a probe bug: data for this probe only, never the whole run
                log.debug("probe %s crashed:\n%s", spec.id, traceback.format_exc())
                if ctx.opt("debug"):
                    raise
                m = Measurement(spec.id, error=f"{type(exc).__name__}: {exc}", error_kind="crash")
        m.duration_ms = int((time.monotonic() - started) * 1000)
        m.started = started
        ctx.measurements[spec.id] = m
        running.discard(spec.id)
        if progress:
            progress(set(running))
        done[spec.id].set_result(m)

    tasks = [asyncio.create_task(one(p), name=p.id) for p in by_id.values()]
    caught = _catch_sigint(loop, tasks, ctx)
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        if not ctx.state.get("interrupted"):
            raise
        # Ctrl-C: every probe was cancelled once; let each run its clean-up (close the browser, stop
        # the Playwright driver) inside the loop, so nothing is left running or half-closed.
        await asyncio.wait(tasks)
    finally:
        if caught:
            _restore_sigint(loop)
        for t in tasks:
            if not t.done():
                t.cancel()
    return ctx.measurements


def _catch_sigint(loop: asyncio.AbstractEventLoop, tasks: list[asyncio.Task[None]], ctx: ProbeContext) -> bool:
    """The first Ctrl-C cancels the probes (and marks the run interrupted) instead of the whole loop.

    asyncio.run's own handling cancels the main task and then every task a second time, which cuts
    short the probes' clean-up (a browser's close, the Playwright driver's exit). A second Ctrl-C gets
    Python's default: KeyboardInterrupt, which :func:`execute` also turns into a partial report.
    """

    def on_signal(signum: int) -> None:  # SIGTERM/SIGHUP too: the same partial report (kmdiag.signals)
        from kmdiag.signals import note

        note(signum)
        ctx.state["interrupted"] = True
        ctx.state.setdefault("report_meta", {})["signal"] = signum
        _restore_sigint(loop)
        for t in tasks:
            t.cancel()

    from kmdiag.signals import HANDLED

    previous_int = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, on_signal, int(signal.SIGINT))
    except (ValueError, RuntimeError, NotImplementedError, AttributeError):  # not the main thread; Windows
        return False
    _PREVIOUS_INT[0] = previous_int
    for s in HANDLED:
        _PREVIOUS[s] = signal.getsignal(s)
        try:
            loop.add_signal_handler(s, on_signal, int(s))
        except (ValueError, RuntimeError, NotImplementedError, AttributeError):
            _PREVIOUS.pop(s, None)
    return True


_PREVIOUS: dict[int, object] = {}
_PREVIOUS_INT: list[object] = [None]


def _restore_sigint(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.remove_signal_handler(signal.SIGINT)
        if callable(_PREVIOUS_INT[0]):  # kmdiag.signals' handler, or Python's default_int_handler
            signal.signal(signal.SIGINT, _PREVIOUS_INT[0])  # type: ignore[arg-type]
    except (ValueError, RuntimeError, NotImplementedError, AttributeError, TypeError, OSError):
        pass
    for s, handler in list(_PREVIOUS.items()):  # asyncio would leave SIG_DFL: put kmdiag's handler back
        try:
            loop.remove_signal_handler(s)
            signal.signal(s, handler)  # type: ignore[arg-type]
        except (ValueError, RuntimeError, NotImplementedError, AttributeError, TypeError, OSError):
            pass
        _PREVIOUS.pop(s, None)


def run_checks(
    checks: list[registry.CheckSpec], measurements: dict[str, Measurement], profile: Profile, options: dict[str, Any],
    timings: dict[str, dict[str, Any]] | None = None,
) -> list[Finding]:
    """Run checks in dependency order; pure apart from timing.

    ``timings`` (when given) receives, per check, the probes it read and its own time, so that a
    report can say what each check cost without counting a shared probe once per check (JUnit).
    """
    findings: dict[str, Finding] = {}
    order = _topo(checks)
    cctx = registry.CheckContext(measurements=measurements, profile=profile, options=options, findings=findings)
    for spec in order:
        started = time.monotonic()
        f = _one_check(spec, cctx, findings)
        # A check's time is the time of the slowest probe it read plus its own: what it cost to know.
        probe_ms = max((measurements[n].duration_ms for n in spec.needs if n in measurements), default=0)
        own_ms = (time.monotonic() - started) * 1000
        f.duration_ms = probe_ms + int(own_ms)
        if timings is not None:
            timings[spec.id] = {"needs": [n for n in spec.needs if n in measurements], "own_ms": round(own_ms, 3)}
        findings[spec.id] = f
    return list(findings.values())


def _one_check(spec: registry.CheckSpec, cctx: registry.CheckContext, findings: dict[str, Finding]) -> Finding:
    for dep in spec.after:
        dep_f = findings.get(dep)
        if dep_f is not None and dep_f.status in (Status.FAIL, Status.SKIP, Status.ERROR):
            return Finding(spec.id, spec.layer, Status.SKIP, spec.title,
                           T(zh=f"跳过：它依赖的检查 {dep} 未通过", en=f"skipped: it depends on {dep}, which did not pass"),
                           {"skipped_because": dep})
    for need in spec.needs:
        m = cctx.measurements.get(need)
        if m is None:
            return Finding(spec.id, spec.layer, Status.SKIP, spec.title,
                           T(zh=f"跳过：未运行探测 {need}", en=f"skipped: probe {need} was not run"), {"missing": need})
        if m.error_kind == "skipped":
            return Finding(spec.id, spec.layer, Status.SKIP, spec.title,
                           T(zh=f"跳过：{m.error_zh or _error_zh(m)}", en=f"skipped: {m.error}"), {"probe": need, "reason": m.error})
        if not m.ok:
            return Finding(spec.id, spec.layer, Status.ERROR, spec.title,
                           T(zh=f"无法判断：探测 {need} 未完成（{_error_zh(m)}）", en=f"could not judge: probe {need} did not finish ({m.error})"),
                           {"probe": need, "error": m.error, "error_kind": m.error_kind})
    try:
        r = spec.fn(cctx)
    except Exception as exc:
        log.debug("check %s crashed:\n%s", spec.id, traceback.format_exc())
        if cctx.options.get("debug"):
            raise
        return Finding(spec.id, spec.layer, Status.ERROR, spec.title,
                       T(zh=f"检查自身出错：{exc}", en=f"the check itself failed: {exc}"), {"error": repr(exc)})
    return Finding(spec.id, spec.layer, r.status, spec.title, r.summary, r.evidence)


def _error_zh(m: Measurement) -> str:
    """A probe's own failure in Chinese (its English text names a limit or an exception)."""
    import re

    err = m.error or ""
    secs = re.search(r"within ([\d.]+)s", err)
    if m.error_kind in ("timeout", "budget") and secs:
        return f"{secs.group(1)} 秒内没有结果" + ("（时间预算已用完）" if m.error_kind == "budget" else "")
    if m.error_kind == "budget":
        return "时间预算已用完，未能开始" if "before" in err else "时间预算已用完"
    if err == "interrupted":
        return "已中断"
    return f"探测自身出错：「{err}」" if m.error_kind == "crash" else f"「{err}」"


def _topo(checks: list[registry.CheckSpec]) -> list[registry.CheckSpec]:
    by_id = {c.id: c for c in checks}
    seen: set[str] = set()
    out: list[registry.CheckSpec] = []

    def visit(c: registry.CheckSpec, stack: tuple[str, ...] = ()) -> None:
        if c.id in seen or c.id in stack:
            return
        for dep in c.after:
            if dep in by_id:
                visit(by_id[dep], stack + (c.id,))
        seen.add(c.id)
        out.append(c)

    for c in checks:
        visit(c)
    return out


def execute(
    command: str,
    profile: Profile,
    options: dict[str, Any],
    *,
    budget: float,
    layers: Iterable[str] | None = None,
    progress: ProgressFn | None = None,
    prepare: Callable[[ProbeContext], Any] | None = None,
    secrets: dict[str, str] | None = None,
    aio: asyncio.Runner | None = None,
) -> tuple[Report, ProbeContext]:
    """Run one command end to end and build its report (without rendering it).

    ``aio``: run the probes on this event loop (the pre-launch's, where Chromium is already starting;
    its owner closes it) instead of a fresh one."""
    from kmdiag.diagnosis import diagnose_all, report_status

    started_at = datetime.now(UTC)
    t0 = time.monotonic()
    ctx = ProbeContext(profile=profile, options=options, deadline=t0 + budget, secrets=dict(secrets or {}))
    probes, checks = select(command, layers)
    if not options.get("my_browser"):  # the shopper's own profile is only ever looked at when asked (--my-browser)
        probes = [p for p in probes if p.id != "browser.my-browser"]
        checks = [c for c in checks if "browser.my-browser" not in c.needs]
    if prepare is not None:
        prepare(ctx)
    interrupted = False
    try:
        (aio.run if aio is not None else asyncio.run)(run_probes(probes, ctx, progress))
    except KeyboardInterrupt as exc:  # incl. kmdiag.signals.Terminated (SIGTERM/SIGHUP outside the loop's handlers)
        interrupted = True
        if getattr(exc, "signum", None):
            ctx.state.setdefault("report_meta", {})["signal"] = exc.signum
    interrupted = interrupted or bool(ctx.state.get("interrupted"))
    for p in probes:  # whatever did not report (interrupt) is marked, never silently absent
        ctx.measurements.setdefault(p.id, Measurement(p.id, error="interrupted", error_kind="budget"))
    check_times: dict[str, dict[str, Any]] = {}
    findings = run_checks(checks, ctx.measurements, profile, options, timings=check_times)
    t_diag = time.monotonic()
    causes, rule_errors = diagnose_all(findings, command=command, options=options)
    findings += rule_errors  # a cause rule that raised is an error finding, never silently dropped
    timeline = {  # for renderers only ("_" keys never reach the JSON report)
        "probes": {m.probe: {"start_ms": round((m.started - t0) * 1000, 1) if m.started else None,
                             "ms": m.duration_ms} for m in ctx.measurements.values()},
        "checks": check_times, "diagnosis_ms": round((time.monotonic() - t_diag) * 1000, 3),
    }
    unfinished = sorted(m.probe for m in ctx.measurements.values() if m.error_kind in ("budget", "timeout"))
    status = report_status(findings, causes, options)
    report = Report(
        command=command,
        profile=profile.name,
        status=status,
        started_at=started_at.isoformat(timespec="seconds"),
        duration_ms=int((time.monotonic() - t0) * 1000),
        findings=findings,
        causes=causes,
        artifacts=list(ctx.artifacts),
        unfinished=unfinished,
        target=str(profile.base_url),
        meta={"interrupted": interrupted, **ctx.state.get("report_meta", {}), "_timeline": timeline},
    )
    return report, ctx


__all__ = ["Artifact", "execute", "run_checks", "run_probes", "select"]
