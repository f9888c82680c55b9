"""One diagnosis run, shared by ``order`` and ``payment``: resolve the target, run, render, exit code.

Tool errors raise :class:`~kmdiag.errors.KmdiagError` (exit 2); everything about the target is in
the report. The demo shop, when asked for, lives exactly as long as the run.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmdiag import tempdir
from kmdiag.cli.target import secrets_from_profile  # noqa: F401 - kept for callers (serve, tests)
from kmdiag.errors import UsageError
from kmdiag.exit_codes import STATUS_TO_EXIT, ExitCode
from kmdiag.i18n import default_lang
from kmdiag.models import LAYERS
from kmdiag.redact import Redactor


@dataclass
class RunOptions:
    command: str
    url: str | None = None
    profile: str | None = None
    demo: bool = False
    faults: list[str] = field(default_factory=list)
    fmt: str | None = None
    output: Path | None = None
    evidence: Path | None = None
    lang: str | None = None
    timeout: float = 20.0
    fail_on: str = "fail"
    only: str | None = None
    skip: str | None = None
    submit: bool = False
    smoke: bool = False
    debug: bool = False
    verbose: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def parse_layers(only: str | None, skip: str | None) -> list[str] | None:
    def split(v: str) -> list[str]:
        items = [x.strip() for x in v.split(",") if x.strip()]
        bad = [x for x in items if x not in LAYERS]
        if bad:
            raise UsageError(f"unknown layer '{bad[0]}'", hint="layers: " + ", ".join(LAYERS))
        return items

    if only is None and skip is None:
        return None
    layers = split(only) if only else list(LAYERS)
    if skip:
        skipped = set(split(skip))
        layers = [x for x in layers if x not in skipped]
    return layers


def run_diagnosis(opts: RunOptions) -> int:
    from kmdiag import clock

    started = clock.started()  # --timeout covers start-up, loading, the demo's start and stop, not only the probes
    pre = _prelaunch(opts)  # first: Playwright's driver boots in its own process while the rest loads
    try:
        return _run_diagnosis(opts, started, pre)
    finally:
        if pre is not None:  # whatever was started and not handed over (idempotent)
            pre.close()


def _prelaunch(opts: RunOptions) -> Any:
    """A :class:`~kmdiag.browser.prelaunch.Prelaunch` when this run will open the product page. Below
    ``MIN_TIMEOUT_S`` of --timeout the browser has no time to load a page anyway; the driver booting
    beside start-up would only take CPU from the probes that can still finish (measured: --timeout 2)."""
    from kmdiag.browser import early as _early
    from kmdiag.browser import prelaunch

    early = _early.take_early()  # spawned before the command line was parsed (a guess)
    try:
        layers = parse_layers(opts.only, opts.skip)
    except UsageError:
        layers = []  # reported where it always was
    wanted = (opts.command == "order" and (layers is None or "browser" in layers) and _early.enabled(os.environ)
              and bool(opts.demo or opts.url or opts.profile) and opts.timeout >= _early.MIN_TIMEOUT_S)
    if not wanted:
        if early is not None:
            early.close()
        return None
    if early is not None:
        return early
    pre = prelaunch.Prelaunch()
    try:
        pre.start_driver()
    except Exception:  # no Playwright here: the browser probe says so itself
        pre.close()
        return None
    return pre


def _run_diagnosis(opts: RunOptions, started: float, pre: Any) -> int:
    import time

    from kmdiag import runner
    from kmdiag.cli.target import resolve
    from kmdiag.render import render

    lang = opts.lang or default_lang()
    if lang not in ("zh", "en"):
        raise UsageError(f"unknown language '{lang}'", hint="use --lang zh or --lang en")
    layers = parse_layers(opts.only, opts.skip)
    if opts.faults and not opts.demo:
        raise UsageError("--fault only works with --demo", hint=f"kmdiag {opts.command} --demo --fault {opts.faults[0]}")
    if opts.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    from kmdiag.demo.platforms import check_platform
    from kmdiag.outputs import check_evidence_target, check_file_target

    check_platform(opts.extra.get("platform"), opts.demo)
    if opts.output:  # before anything runs: a 20-second diagnosis must not end in "cannot write"
        check_file_target(opts.output, "--output")
    if opts.evidence:
        check_evidence_target(opts.evidence)
    demo = None
    scratch: str | None = None
    try:
        if pre is not None:
            pre.poll()  # the driver has booted during the imports: its handshake goes on now, not later
        target = resolve(opts, command=opts.command, url_timeout=min(4.0, opts.timeout / 4), missing=UsageError(
            "nothing to diagnose: give a shop URL, --profile NAME or --demo",
            hint=f"try: kmdiag {opts.command} --demo   or   kmdiag order https://shop.example.com/buy/1"))
        profile, environ, secrets, demo = target.profile, target.environ, target.secrets, target.demo
        asked_at = time.monotonic()
        # The shopper's session token from --token-env / the profile's variable, or a hidden prompt when
        # a person is at the terminal; it joins the run's secrets (and so the redactor).
        from kmdiag.session import collect_token

        secrets.update(collect_token(profile, environ, opts.extra, fmt=opts.fmt, layers=layers,
                                     demo=demo is not None, lang=lang, command=opts.command))
        started += time.monotonic() - asked_at  # a person typing at a token prompt is not the run's time
        redactor = Redactor(secrets.values())
        from kmdiag.ids import userinfo

        redactor.add(*userinfo(opts.url or ""))  # https://user:password@shop: a credential the user pasted
        # Every demo secret, and the phone number the order form is filled with, are redacted too.
        if demo is not None:
            redactor.add(*demo.secrets.values())
        redactor.add_personal(*profile.order.fill.values())  # phone, e-mail, QQ, names: masked everywhere
        options: dict[str, Any] = {
            "lang": lang, "submit": opts.submit or profile.order.submit, "smoke": opts.smoke, "debug": opts.debug,
            "fail_on": opts.fail_on, "environ": environ, "demo": demo is not None,
            "evidence_dir": None, "screenshot": opts.fmt == "html", **opts.extra,  # HTML embeds the picture
        }
        # Probes write raw evidence (screenshots, HAR) into a private scratch directory, never into the
        # user's --evidence path: only the bundle writer puts files there, redacted (and it may be a .zip).
        if opts.extra.get("trace") and not opts.evidence:
            # A trace holds cookies and form values: it only ever leaves as part of a redacted bundle.
            opts.evidence = Path(time.strftime("kmdiag-evidence-%Y%m%d-%H%M%S"))
            print(("--trace：证据包写入 " if lang == "zh" else "--trace: evidence bundle goes to ") + str(opts.evidence),
                  file=sys.stderr)
        scratch = tempdir.mkdtemp("evidence-raw-") if opts.evidence else None
        options["evidence_dir"] = scratch
        if demo is not None and "order_id" in demo.vars and not options.get("order_id"):
            options["order_id"] = demo.vars["order_id"]

        def prepare(ctx: Any) -> None:
            ctx.state["redactor"] = redactor
            if demo is not None:
                ctx.state["demo"] = demo
            if pre is not None:
                ctx.state["prelaunch"] = pre

        if pre is not None:
            # Chromium starts as soon as its launch arguments are known (the demo's resolver table and
            # certificate), with exactly the plan browser.page will ask for, and boots while the checks
            # load; the driver has booted meanwhile (kmdiag/browser/prelaunch.py).
            from kmdiag.browser.prelaunch import launch_plan

            pre.launch(launch_plan(options, demo, demo.host_map() if demo is not None else None), 8.0,
                       wait_s=min(1.5, opts.timeout / 10))
    except BaseException:  # a usage error or Ctrl-C before the run starts: nothing it started outlives it
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if demo is not None:
            demo.stop()
        raise

    from kmdiag.cli.env import current

    term = current()
    spinner = _Spinner(enabled=term.live and not opts.debug, lang=lang)
    try:
        with spinner:
            report, ctx = runner.execute(opts.command, profile, options, layers=layers,
                                         budget=max(0.5, opts.timeout - (time.monotonic() - started) - 0.2),
                                         progress=spinner.update, prepare=prepare, secrets=secrets,
                                         aio=pre.runner if pre is not None else None)
        report.meta.setdefault("fail_on", opts.fail_on)
        _screenshot_hint(report, options, opts)
        redactor.add(*ctx.secrets.values())  # secrets a probe learnt during the run
        if opts.evidence:  # before rendering: the bundle rewrites report.artifacts to what it wrote
            from kmdiag.evidence import write_bundle

            write_bundle(report, ctx, opts.evidence, redactor=redactor, lang=lang)
        fmt = opts.fmt or "text"
        color = term.color(fmt, to_file=opts.output is not None)
        width = term.columns() if color else None
        out = render(report, fmt, lang=lang, redactor=redactor, color=color, width=width, verbose=opts.verbose)
        if opts.output:
            from kmdiag.outputs import write_text_atomic

            try:
                write_text_atomic(opts.output, out)
            except OSError as exc:  # the disk filled during the run: the report still reaches the user
                sys.stdout.write(render(report, fmt, lang=lang, redactor=redactor))
                sys.stdout.flush()
                report.meta["output_error"] = f"--output {opts.output}: {exc.strerror or exc}"
                print(f"kmdiag: error: could not write {opts.output}: {exc.strerror or exc}; the report went to "
                      "stdout instead", file=sys.stderr)
        else:
            sys.stdout.write(out)
            sys.stdout.flush()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        _stop_side_by_side(demo, pre)
    if report.meta.get("interrupted"):
        from kmdiag.i18n import T

        where = str(opts.output) if opts.output else ("标准输出" if lang == "zh" else "stdout")
        print(T(zh=f"\nkmdiag：已中断；报告只含中断前完成的检查（已写入 {where}）",
                en=f"\nkmdiag: interrupted; the report (written to {where}) covers only what finished before").get(lang),
              file=sys.stderr)
        from kmdiag import signals

        signals.state["reported"] = True
        return signals.exit_code(signum=report.meta.get("signal"))  # 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
    if report.meta.get("output_error"):  # the diagnosis ran, but what was asked for is not on disk
        return int(ExitCode.USAGE)
    return int(STATUS_TO_EXIT[report.status])


def _stop_side_by_side(demo: Any, pre: Any) -> None:
    """The demo's servers stop while the browser and its driver finish closing (both take 50–100 ms
    and need nothing of each other: the browser's pages are parked, answered by kmdiag's own route)."""
    if demo is None:
        return
    if pre is None:
        demo.stop()
        return
    import threading

    t = threading.Thread(target=demo.stop, name="kmdiag-demo-stop", daemon=True)
    t.start()
    try:
        pre.close()  # idempotent: run_diagnosis's own close is then a no-op
    finally:
        t.join(10.0)


def _screenshot_hint(report: Any, options: dict[str, Any], opts: RunOptions) -> None:
    """The browser saw a problem but took no picture (it would not outlive the run): say how to get one."""
    from kmdiag.i18n import T
    from kmdiag.models import Status

    if opts.evidence or options.get("screenshot") or any(a.kind == "screenshot" for a in report.artifacts):
        return
    if any(f.layer == "browser" and f.status == Status.FAIL for f in report.findings):
        report.notes.append(T(zh="要一张框出下单按钮的页面截图：加 --evidence 目录 再运行一次",
                              en="For a screenshot of the page with the order button outlined, run again with --evidence DIR"))


class _Spinner:
    """A live line on stderr naming the probes still running (only on a terminal)."""

    def __init__(self, enabled: bool, lang: str) -> None:
        self.enabled = enabled
        self.lang = lang
        self.status: Any = None

    def __enter__(self) -> _Spinner:
        if self.enabled:
            from rich.console import Console

            self.status = Console(stderr=True).status("kmdiag …")
            self.status.start()
        return self

    def update(self, running: set[str]) -> None:
        if self.status is not None:
            label = "正在检查" if self.lang == "zh" else "checking"
            self.status.update(f"{label}: {', '.join(sorted(running)) or '…'}")

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()
