"""``kmdiag payment --sweep``: resolve the profile and the orders, run the engine, print, exit code.

Why separate from the engine: the engine is pure asyncio over a ``query`` callable (benchmarked and
tested without a shop); this module is the glue that needs a profile, secrets, the demo shop and a
terminal. Exit codes: 1 lost orders found, 0 none, 3 the provider could not be asked for some
orders (and none is lost), 2 usage errors, 130 interrupted (the partial summary is still printed).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

from kmdiag.errors import UsageError
from kmdiag.i18n import default_lang
from kmdiag.payment.sweep import SweepSummary
from kmdiag.payment.sweep_inputs import InputStats, parse_since
from kmdiag.payment.sweep_report import Progress, SweepPrinter
from kmdiag.payment.sweep_run import MAX_REFINE, PROVIDER_MAX_BODY, SHOP_MAX_BODY, fetch_pending  # noqa: F401 - re-exported
from kmdiag.redact import Redactor

DEMO_ORDERS, DEMO_LOST = 200, 5


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
    from kmdiag.cli.run import secrets_from_profile

    lang, fmt, since, concurrency, rate = _validate(opts)
    orders_file = opts.extra.get("orders_file")
    if orders_file and orders_file != "-" and not os.path.isfile(orders_file):
        raise UsageError(f"--orders-file: '{orders_file}' is not a readable file")
    demo = None
    environ = dict(os.environ)
    try:
        if opts.demo and opts.extra.get("platform"):
            from kmdiag.demo.platforms import make_demo

            # A demo platform has no pending-orders API: its story's orders come as an orders file.
            demo = make_demo(opts.faults, "payment", opts.extra.get("platform")).start()
            orders_file = orders_file or demo.vars.get("orders_file")
            profile = demo.profile()
            environ.update(demo.environ)
            environ.update(demo.secrets)
            extra = {"demo": {"platform": opts.extra.get("platform")}}
        elif opts.demo:
            from kmdiag.demo import gateway
            from kmdiag.demo.runtime import DemoShop

            demo = DemoShop(opts.faults, command="payment").start()
            seeded_lost = gateway.seed_orders(demo, DEMO_ORDERS, DEMO_LOST, seed=0)
            profile = demo.profile()
            environ.update(demo.environ)
            environ.update(demo.secrets)
            extra = {"demo": {"seeded": DEMO_ORDERS, "seeded_lost": seeded_lost}}
        elif opts.url:
            from kmdiag.profile.detect import profile_for_url

            profile, extra = profile_for_url(opts.url, opts.profile, command="payment"), {}
        elif opts.profile:
            from kmdiag.profile.loader import load_profile, require_rooted

            profile, extra = require_rooted(load_profile(opts.profile), opts.profile, "payment --sweep"), {}
        else:
            raise UsageError("which shop? the sweep needs a profile (provider, keys, pending-orders endpoint)",
                             hint="kmdiag payment --sweep --profile PROFILE --orders-file orders.txt   or   --demo")
        secrets = secrets_from_profile(profile, environ)
        from kmdiag.payment.providers.base import ProviderConfigError, make_provider

        try:
            provider = make_provider(profile.payment.provider, secrets)
        except ProviderConfigError as e:
            raise UsageError(f"payment provider: {e}") from None
        if not orders_file and not profile.payment.pending_orders_endpoint:
            raise UsageError("no orders to sweep: the profile has no payment.pending_orders_endpoint",
                             hint="give the order numbers with --orders-file FILE (one a line)")
        redactor = Redactor(secrets.values())
        out = None
        if opts.output:  # streamed there as it is found, like stdout
            opts.output.parent.mkdir(parents=True, exist_ok=True)
            out = open(opts.output, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        printer = SweepPrinter(fmt, lang, redactor, out=out)
        try:
            return _run(opts, profile, provider, secrets, printer, orders_file, since, concurrency, rate, lang, extra)
        finally:
            if out is not None:
                out.close()
    finally:
        if demo is not None:
            demo.stop()


def _run(opts: Any, profile: Any, provider: Any, secrets: dict[str, str], printer: SweepPrinter,
         orders_file: str | None, since: float, concurrency: int, rate: float, lang: str, extra: dict) -> int:
    from kmdiag.payment.sweep_run import PendingListError, sweep_shop

    stats = InputStats()
    summary = SweepSummary()
    source = orders_file or "pending_orders_endpoint"
    tty = sys.stderr.isatty() and not opts.debug

    def on_orders(orders: Any) -> None:
        if not tty:
            return
        if orders_file:
            total = _count_lines(orders_file) if orders_file != "-" else None
        else:
            total = len(orders)
        printer.progress = Progress(total, lang)

    async def go() -> int:
        deadline = time.monotonic() + opts.timeout  # one budget: pending list, queries, log search
        try:
            return await sweep_shop(profile, provider, secrets, deadline=deadline, since=since,
                                    concurrency=concurrency, rate=rate, summary=summary, stats=stats,
                                    orders_file=orders_file, on_result=printer.order, on_orders=on_orders)
        except PendingListError as e:
            msg = str(e)
            print(f"kmdiag: {printer.redactor.text(msg)}", file=sys.stderr)
            extra["error"] = msg
            return 3

    try:
        code = asyncio.run(go())
    except KeyboardInterrupt:
        printer.finish(summary, stats, 130, source=source, extra=extra, interrupted=True)
        return 130
    if "error" not in extra or printer.fmt == "json":  # JSON consumers always get their summary line
        printer.finish(summary, stats, code, source=source, extra=extra)
    return code


def _count_lines(path: str) -> int | None:
    """A cheap upper bound for the progress bar (lines, not unique orders); None if unreadable."""
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) or None
    except OSError:
        return None
