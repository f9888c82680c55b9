"""``kmdiag payment --sweep``: resolve the shop and the orders, run the engine, print, exit code.

Why separate from the engine: the engine (``kmdiag.payment.sweep`` / ``sweep_run``) is pure asyncio
over a ``query`` callable (benchmarked and tested without a shop) and answers with an outcome word;
this module is the glue that needs a profile, secrets, the demo shop and a terminal, and the only
place the sweep's outcome becomes an exit code: 1 lost orders found, 0 none (or nothing to sweep),
3 the provider could not be asked for some orders (and none is lost), 2 usage errors, 130
interrupted (the partial summary is still printed).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from kmdiag.cli.env import current
from kmdiag.cli.sweep_output import Progress, SweepPrinter
from kmdiag.errors import UsageError
from kmdiag.exit_codes import STATUS_TO_EXIT
from kmdiag.i18n import default_lang
from kmdiag.payment.sweep import SweepSummary
from kmdiag.payment.sweep_inputs import InputStats, parse_since
from kmdiag.redact import Redactor

DEMO_ORDERS, DEMO_LOST = 200, 5
GRACE_S = 0.3  # of --timeout kept for shutdown: closing clients, the summary line


def exit_for(status: str) -> int:
    """The sweep's outcome word → the contract's exit code (cli-and-report.md)."""
    return int(STATUS_TO_EXIT[status])


def _validate(opts: Any) -> tuple[str, str, float, int, float]:
    lang = opts.lang or default_lang()
    if lang not in ("zh", "en"):
        raise UsageError(f"unknown language '{lang}'", hint="use --lang zh or --lang en")
    fmt = opts.fmt or "text"
    if fmt not in ("text", "json"):
        raise UsageError(f"--sweep writes text or json (JSON Lines), not {fmt}", hint="kmdiag payment --sweep --format json")
    if opts.faults and not opts.demo:
        raise UsageError("--fault only works with --demo")
    if opts.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if opts.evidence:
        raise UsageError("--evidence bundles one order's diagnosis; the sweep writes its results with --output",
                         hint="kmdiag payment --sweep --format json --output sweep.jsonl")
    ex = opts.extra
    try:
        since = parse_since(str(ex.get("since") or "2h"))
    except ValueError as e:
        raise UsageError(f"--since: {e}") from None
    concurrency = int(ex["concurrency"] if ex.get("concurrency") is not None else 32)
    rate = float(ex.get("rate") or 0.0)
    if not 1 <= concurrency <= 1000:
        raise UsageError("--concurrency must be between 1 and 1000")
    if rate < 0:
        raise UsageError("--rate must be 0 (no limit) or a positive number of queries a second")
    if ex.get("order_id"):
        raise UsageError("--sweep checks many orders: give them with --orders-file, not as ORDER_ID",
                         hint="kmdiag payment --sweep --orders-file orders.txt")
    return lang, fmt, since, concurrency, rate


def main(opts: Any) -> int:
    """Run a sweep as the CLI asked; see the module docstring for exit codes."""
    from kmdiag import clock
    from kmdiag.cli.target import resolve

    started = clock.started()  # --timeout covers the whole command: demo, profile, reading, stop
    lang, fmt, since, concurrency, rate = _validate(opts)
    orders_file = opts.extra.get("orders_file")
    if orders_file:
        from kmdiag.payment.orders_input import check_readable

        check_readable(orders_file)  # a directory, a device, no permission: exit 2 before anything starts
    if opts.output:
        from kmdiag.outputs import check_file_target

        check_file_target(opts.output, "--output")
    target = resolve(opts, command="payment", label="payment --sweep", missing=UsageError(
        "which shop? the sweep needs a profile (provider, keys, pending-orders endpoint)",
        hint="kmdiag payment --sweep --profile PROFILE --orders-file orders.txt   or   --demo"))
    with target:
        profile, secrets, demo = target.profile, target.secrets, target.demo
        extra: dict[str, Any] = {}
        if demo is not None and opts.extra.get("platform"):
            # A demo platform has no pending-orders API: its story's orders come as an orders file.
            orders_file = orders_file or demo.vars.get("orders_file")
            extra = {"demo": {"platform": opts.extra.get("platform")}}
        elif demo is not None:
            from kmdiag.demo.pay import seed as gateway

            seeded_lost = gateway.seed_orders(demo, DEMO_ORDERS, DEMO_LOST, seed=0)
            extra = {"demo": {"seeded": DEMO_ORDERS, "seeded_lost": seeded_lost}}
        from kmdiag.payment.providers.base import ProviderConfigError, make_provider

        try:
            provider = make_provider(profile.payment.provider, secrets)
        except ProviderConfigError as e:
            raise UsageError(f"payment provider: {e}") from None
        if not orders_file and not profile.payment.pending_orders_endpoint:
            raise UsageError("no orders to sweep: the profile has no payment.pending_orders_endpoint",
                             hint="give the order numbers with --orders-file FILE (one a line)")
        redactor = Redactor(secrets.values())
        run = _Run(opts, profile, provider, secrets, orders_file, since, concurrency, rate, lang, extra, started)
        if not opts.output:
            return run(SweepPrinter(fmt, lang, redactor, out=current().out))
        from kmdiag.outputs import atomic_path

        # Streamed as found into a temporary file beside the target, renamed into place at the end:
        # a full disk or a crash leaves the old file (or none), never half a sweep.
        with atomic_path(opts.output) as tmp, open(tmp, "w", encoding="utf-8") as out:
            return run(SweepPrinter(fmt, lang, redactor, out=out))


class _Run:
    """One sweep's run against a printer: the engine under the command's budget, Ctrl-C, the exit code."""

    def __init__(self, opts: Any, profile: Any, provider: Any, secrets: dict[str, str], orders_file: str | None,
                 since: float, concurrency: int, rate: float, lang: str, extra: dict[str, Any], started: float) -> None:
        self.opts, self.profile, self.provider, self.secrets = opts, profile, provider, secrets
        self.orders_file, self.since, self.concurrency, self.rate = orders_file, since, concurrency, rate
        self.lang, self.extra, self.started = lang, extra, started

    def __call__(self, printer: SweepPrinter) -> int:
        from kmdiag.payment.sweep_run import PendingListError, sweep_shop

        term = current()
        stats = InputStats()
        summary = SweepSummary()
        orders_file = self.orders_file
        source = orders_file or "pending_orders_endpoint"
        live = term.live and not self.opts.debug
        extra = self.extra

        def on_orders(orders: Any) -> None:
            if not live:
                return
            if orders_file:
                total = _count_lines(orders_file) if orders_file != "-" else None
            else:
                total = len(orders)
            printer.progress = Progress(total, self.lang)

        async def go() -> str:
            # One budget from the command's start: pending list, queries, log search; GRACE_S is left for
            # closing connections and the final summary (documented in docs/reliability.md).
            deadline = self.started + max(0.2, self.opts.timeout - GRACE_S)
            try:
                return await sweep_shop(self.profile, self.provider, self.secrets, deadline=deadline, since=self.since,
                                        concurrency=self.concurrency, rate=self.rate, summary=summary, stats=stats,
                                        orders_file=orders_file, on_result=printer.order, on_orders=on_orders)
            except PendingListError as e:
                msg = str(e)
                print(f"kmdiag: {printer.redactor.text(msg)}", file=term.err)
                extra["error"] = msg
                return "inconclusive"

        try:
            status = asyncio.run(go())
        except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM/SIGHUP (kmdiag.signals): the partial summary still prints
            from kmdiag import signals

            code = signals.exit_code(e)
            signals.state["reported"] = True
            printer.finish(summary, stats, "interrupted", source=source, extra=extra, interrupted=True, exit_code=code)
            return code
        if "error" not in extra or printer.fmt == "json":  # JSON consumers always get their summary line
            printer.finish(summary, stats, status, source=source, extra=extra)
        return exit_for(status)


def _count_lines(path: str) -> int | None:
    """A cheap upper bound for the progress bar (lines, not unique orders); None if unreadable."""
    try:
        if not os.path.isfile(path):  # a FIFO's open would block, and it can be read only once
            return None
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) or None
    except OSError:
        return None

