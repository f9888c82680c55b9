"""The typer application. ``run(argv)`` owns every exception → exit-code mapping (httpie's shell).

Heavy modules (runner, probes, playwright) are imported inside commands, so ``kmdiag --help``
costs little more than importing typer and rich.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # newer typer vendors click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover
    from click import exceptions as _cx

from kmdiag.errors import KmdiagError
from kmdiag.exit_codes import ExitCode

app = typer.Typer(
    name="kmdiag",
    help="A doctor for virtual-goods shops (卡盟 / 发卡): why the order button does nothing (order), "
    "why a paid order is still pending (payment).",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
profiles_app = typer.Typer(help="The profile catalogue: list, show, validate, schema.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")

ProfileOpt = Annotated[str | None, typer.Option("--profile", "-p", help="Built-in profile NAME or a YAML PATH.")]
DemoOpt = Annotated[bool, typer.Option("--demo", help="Diagnose the embedded demo shop (started in-process on loopback).")]
PlatformOpt = Annotated[str | None, typer.Option("--platform", help="With --demo: a demo platform (acg-faka) instead of the default demo shop.")]
FaultOpt = Annotated[list[str] | None, typer.Option("--fault", help="Demo fault to inject (repeatable); see `kmdiag demo --list`.")]
FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help="text | json | markdown | junit | html")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")]
EvidenceOpt = Annotated[Path | None, typer.Option("--evidence", help="Save an evidence bundle (DIR, or a .zip).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="zh | en (default: from the locale).")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="One budget in seconds for the whole run.")]
FailOnOpt = Annotated[str, typer.Option("--fail-on", help="fail | warn: which finding status makes the exit code 1.")]
OnlyOpt = Annotated[str | None, typer.Option("--only", help="Layers to run: network,platform,browser,account,payment.")]
SkipOpt = Annotated[str | None, typer.Option("--skip", help="Layers to leave out.")]
SmokeOpt = Annotated[bool, typer.Option("--smoke", help="CI mode: report only what was observed; healthy exits 0.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Text format: every check with its timings, and the network phases.")]


LANGS = ("zh", "en")


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise KmdiagError(f"{name}: '{value}' is not one of {', '.join(choices)}")


@app.command()
def order(
    cli_ctx: typer.Context,
    url: Annotated[str | None, typer.Argument(help="The product page URL (optional with --profile or --demo).")] = None,
    profile: ProfileOpt = None,
    demo: DemoOpt = False,
    platform: PlatformOpt = None,
    fault: FaultOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    evidence: EvidenceOpt = None,
    lang: LangOpt = None,
    timeout: TimeoutOpt = 20.0,
    fail_on: FailOnOpt = "fail",
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    submit: Annotated[bool, typer.Option("--submit", help="Let the diagnostic click really send the order.")] = False,
    smoke: SmokeOpt = False,
    browser: Annotated[str | None, typer.Option("--browser", help="chrome | msedge | chromium (an installed browser by name) or the PATH of one (or KMDIAG_BROWSER).")] = None,
    trace: Annotated[bool, typer.Option("--trace", help="Save a Playwright trace with the evidence.")] = False,
    token_env: Annotated[str | None, typer.Option("--token-env", help="Environment variable holding your session token.")] = None,
    verbose: VerboseOpt = False,
    my_browser: Annotated[str | None, typer.Option(
        "--my-browser", metavar="[chrome|msedge|chromium]",
        help="Also run the check in a private copy of your own browser profile and name what differs (asks first).")] = None,
    my_browser_profile: Annotated[str | None, typer.Option(
        "--my-browser-profile", help="With --my-browser: the browser's user-data dir (or one profile dir).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --my-browser: do not ask first.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Why does the order button do nothing? Network & DNS → platform → page → account."""
    from kmdiag.cli.run import RunOptions, run_diagnosis
    from kmdiag.render import FORMATS

    _check_choice("--format", format, FORMATS)
    _check_choice("--fail-on", fail_on, ("fail", "warn"))
    if browser:
        import os

        from kmdiag.browser.launcher import choose

        browser = choose(browser, os.environ)
    extra: dict[str, object] = {}
    if my_browser is not None or my_browser_profile:
        from kmdiag.cli.my_browser import consent
        from kmdiag.i18n import default_lang

        site = url or ("the demo shop" if demo else (profile or "?"))
        extra["my_browser"] = consent(None if my_browser in (None, "auto") else my_browser, my_browser_profile, site,
                                      yes=yes, lang=lang or default_lang())
        source = cli_ctx.get_parameter_source("timeout") if hasattr(cli_ctx, "get_parameter_source") else None
        if source is not None and source.name == "DEFAULT":
            timeout = 60.0  # a copy, a visit in it and up to two reruns: more than the clean check's 20 s
    code = run_diagnosis(RunOptions(
        command="order", url=url, profile=profile, demo=demo, faults=list(fault or []), fmt=format, output=output,
        evidence=evidence, lang=lang, timeout=timeout, fail_on=fail_on, only=only, skip=skip, submit=submit,
        smoke=smoke, debug=debug, verbose=verbose, extra={"browser_path": browser, "trace": trace, "token_env": token_env,
                                                          "platform": platform, **extra},
    ))
    raise typer.Exit(code)


@app.command()
def payment(
    order_id: Annotated[str | None, typer.Argument(help="The platform's order number (optional with --demo or --sweep).")] = None,
    second: Annotated[str | None, typer.Argument(help="URL-first form: kmdiag payment https://shop… ORDER_ID.", show_default=False)] = None,
    url: Annotated[str | None, typer.Option("--url", help="The shop's URL; its platform's built-in profile is used (detected, or --profile NAME).")] = None,
    profile: ProfileOpt = None,
    demo: DemoOpt = False,
    platform: PlatformOpt = None,
    fault: FaultOpt = None,
    sweep: Annotated[bool, typer.Option("--sweep", help="Check every recent unpaid/pending order against the provider.")] = False,
    since: Annotated[str, typer.Option("--since", help="With --sweep: how far back (e.g. 30m, 2h, 1d).")] = "2h",
    orders_file: Annotated[Path | None, typer.Option("--orders-file", help="With --sweep: order numbers, one a line.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", help="With --sweep: provider queries in flight.")] = 32,
    rate: Annotated[float, typer.Option("--rate", help="With --sweep: at most this many queries a second (0 = no limit).")] = 0.0,
    renotify: Annotated[bool, typer.Option("--renotify", help="Re-send a signed callback for a provider-confirmed payment.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --renotify: do not ask first.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --renotify: only show what would be sent.")] = False,
    probe_notify: Annotated[bool, typer.Option(
        "--probe-notify", help="Also send one unsigned request to the shop's notify handler (the shop logs it as a "
                               "failed callback); by default kmdiag only connects to its server.")] = False,
    format: FormatOpt = None,
    output: OutputOpt = None,
    evidence: EvidenceOpt = None,
    lang: LangOpt = None,
    timeout: TimeoutOpt = 20.0,
    fail_on: FailOnOpt = "fail",
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    smoke: SmokeOpt = False,
    verbose: VerboseOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Paid, but the order did not move: order state, provider record, callbacks, signature, notify URL."""
    from kmdiag.cli.run import RunOptions
    from kmdiag.render import FORMATS

    _check_choice("--format", format, FORMATS)
    _check_choice("--fail-on", fail_on, ("fail", "warn"))
    if order_id and order_id.startswith(("http://", "https://")):  # URL first: payment https://shop… ORDER_ID
        if url:
            raise KmdiagError("give the shop's URL once: as the first argument or with --url")
        url, order_id, second = order_id, second, None
    if second:
        raise KmdiagError(f"unexpected argument '{second}'", hint="kmdiag payment ORDER_ID [--url https://shop…]")
    opts = RunOptions(
        command="payment", url=url, profile=profile, demo=demo, faults=list(fault or []), fmt=format, output=output,
        evidence=evidence, lang=lang, timeout=timeout, fail_on=fail_on, only=only, skip=skip, smoke=smoke, debug=debug,
        verbose=verbose, extra={"order_id": order_id, "since": since, "orders_file": str(orders_file) if orders_file else None,
               "concurrency": concurrency, "rate": rate, "yes": yes, "dry_run": dry_run, "platform": platform,
               "probe_notify": probe_notify},
    )
    from kmdiag.cli import payment_cmd

    raise typer.Exit(payment_cmd.main(opts, sweep=sweep, renotify=renotify))


@app.command("demo")
def demo_cmd(
    fault: FaultOpt = None,
    platform: Annotated[str | None, typer.Option("--platform", help="A demo platform (acg-faka) instead of the default demo shop.")] = None,
    command: Annotated[str, typer.Option("--command", help="order | payment: which faults to offer.")] = "order",
    list_faults: Annotated[bool, typer.Option("--list", help="List the demo faults and exit.")] = False,
    lang: LangOpt = None,
) -> None:
    """Serve the embedded demo shop and payment gateway, with chosen faults, for a person to click through."""
    from kmdiag.cli.demo_cmd import main

    _check_choice("--lang", lang, LANGS)
    raise typer.Exit(main(list(fault or []), command=command, list_only=list_faults, lang=lang, platform=platform))


@app.command("serve")
def serve_cmd(
    config: Annotated[Path, typer.Option("--config", "-c", help="The exporter's YAML configuration (docs/monitoring.md).")],
    check_config: Annotated[bool, typer.Option("--check-config", help="Validate the configuration and exit (0 or 2).")] = False,
    listen: Annotated[str | None, typer.Option("--listen", help="host:port to listen on (overrides the file's listen).")] = None,
) -> None:
    """Run as a Prometheus exporter: /probe?module=order|payment|payment-sweep, /metrics. SIGHUP reloads."""
    from kmdiag.serve.cli import main

    raise typer.Exit(main(config, check_only=check_config, listen=listen))


@app.command("checks")
def checks_cmd(lang: LangOpt = None) -> None:
    """The catalogue of checks, by layer."""
    from kmdiag.cli.catalogue import list_checks

    _check_choice("--lang", lang, LANGS)
    raise typer.Exit(list_checks(lang))


@app.command("causes")
def causes_cmd(lang: LangOpt = None, format: FormatOpt = None) -> None:
    """The catalogue of cause ids with their titles."""
    from kmdiag.cli.catalogue import list_causes

    _check_choice("--lang", lang, LANGS)
    _check_choice("--format", format, ("text", "json"))
    raise typer.Exit(list_causes(lang, format))


@app.command("version")
def version_cmd(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show the environment.")] = False) -> None:
    """Print the version (and, with --verbose, what kmdiag found on this machine)."""
    from kmdiag.cli.catalogue import version

    raise typer.Exit(version(verbose))


@app.command("schema")
def schema_cmd(
    name: Annotated[str, typer.Argument(help="report (the JSON report) | sweep (one line of payment --sweep JSON).")] = "report",
) -> None:
    """Print the JSON Schema of a machine-readable output (schema_version names it)."""
    from kmdiag import schemas

    _check_choice("schema", name, schemas.NAMES)
    sys.stdout.write(schemas.text(name))
    raise typer.Exit(0)


@profiles_app.command("list")
def profiles_list() -> None:
    """The built-in profiles."""
    from kmdiag.cli.catalogue import profiles_list as fn

    raise typer.Exit(fn())


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile NAME or PATH.")]) -> None:
    """Print a profile with every default filled in."""
    from kmdiag.cli.catalogue import profiles_show as fn

    raise typer.Exit(fn(name))


@profiles_app.command("validate")
def profiles_validate(paths: Annotated[list[str], typer.Argument(help="Profile NAMEs or PATHs.")]) -> None:
    """Validate profiles; errors name file and line."""
    from kmdiag.cli.catalogue import profiles_validate as fn

    raise typer.Exit(fn(paths))


@profiles_app.command("schema")
def profiles_schema() -> None:
    """Print the profile JSON Schema."""
    from kmdiag.cli.catalogue import profiles_schema as fn

    raise typer.Exit(fn())


_ARGV: list[str] = []


def _version_callback(value: bool) -> None:
    if value:
        from kmdiag.cli.catalogue import version

        # ``-v --version`` and ``--version -v`` alike (eager options run in command-line order).
        verbose = any(a in ("-v", "--verbose") for a in _ARGV)
        raise typer.Exit(version(verbose))


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Print the version and exit (with -v: Chromium, Playwright, Python).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="With --version: the browsers and Playwright too.")] = False,
) -> None:
    """kmdiag — 卡盟下单/支付诊断工具."""


def _optional_value(argv: list[str], flag: str, choices: tuple[str, ...], default: str) -> list[str]:
    """Let ``flag`` stand alone (``--my-browser`` = ``--my-browser auto``): click options take one value."""
    out: list[str] = []
    for i, a in enumerate(argv):
        out.append(a)
        if a == "--":
            return out + argv[i + 1:]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        # A value is a word (``firefox`` is then refused by name); an option or a URL after the flag is not its value.
        if a == flag and (nxt is None or (nxt not in choices and (nxt.startswith("-") or any(c in nxt for c in ":/.")))):
            out.append(default)
    return out


def run(argv: list[str], started: float | None = None, term: Any = None) -> int:
    """Run the CLI; map every exception to a contract exit code. ``--debug`` re-raises internal errors.

    ``term`` (a :class:`kmdiag.cli.env.Terminal`) hands the command its streams, terminal-ness and
    environment for colour; by default it gets the process's own.
    """
    from kmdiag import clock, signals, tempdir
    from kmdiag.cli import env

    clock.mark(started)  # the one --timeout budget starts here (or at the process's start)
    signals.reset()
    try:  # one temp dir for everything the command makes; SIGTERM/SIGHUP unwind like Ctrl-C
        with env.using(term), tempdir.scope(), signals.handled():
            return _run(argv)
    except KeyboardInterrupt as e:  # a signal during the clean-up itself
        return _interrupted(e)


def _interrupted(e: BaseException | None) -> int:
    from kmdiag import signals

    cause = e.__cause__ or e.__context__ if isinstance(e, typer.Abort) else e
    signum = getattr(cause, "signum", None) or signals.state["caught"]
    if not signals.state["reported"]:
        print(f"\nkmdiag: interrupted ({signals.name(signum)})", file=sys.stderr)  # type: ignore[arg-type]
        signals.state["reported"] = True
    return signals.exit_code(signum=signum)  # type: ignore[arg-type]


def _run(argv: list[str]) -> int:
    import os

    debug = "--debug" in argv
    _ARGV[:] = argv
    argv = _optional_value(argv, "--my-browser", ("chrome", "msedge", "chromium"), "auto")
    from kmdiag.browser import early

    early.start_early(argv, os.environ)  # Playwright's driver boots while the command line is parsed
    try:
        cmd = typer.main.get_command(app)
        zh = False
        if any(a in ("-h", "--help") for a in argv) or len(argv) == 0 or "--lang" in " ".join(argv):
            from kmdiag.cli import help_zh

            zh = help_zh.wants_zh(argv, os.environ)
            if zh:
                help_zh.translate(cmd)
        extra: dict[str, object] = {}
        if any(a in ("order", "payment") for a in argv):  # defaults from ~/.config/kmdiag/config.toml
            from kmdiag.config import load

            defaults = load(os.environ)
            if defaults:
                extra["default_map"] = defaults
        # Without standalone mode, click returns a command's exit code instead of raising.
        if zh:
            from kmdiag.cli.help_zh import framework

            with framework():
                rv = cmd.main(args=argv, prog_name="kmdiag", standalone_mode=False, **extra)
        else:
            rv = cmd.main(args=argv, prog_name="kmdiag", standalone_mode=False, **extra)
        from kmdiag import signals

        if signals.state["caught"] is not None:  # typer swallowed the KeyboardInterrupt into an exit code
            return _interrupted(None)
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        if isinstance(e.__cause__, KeyboardInterrupt):  # typer turns Ctrl-C into a silent Exit(130)
            return _interrupted(e.__cause__)
        return int(e.exit_code)
    except typer.Abort as e:
        return _interrupted(e)
    except _cx.ClickException as e:
        e.show(file=sys.stderr)
        return int(ExitCode.USAGE)
    except KmdiagError as e:
        print(f"kmdiag: error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"  hint: {e.hint}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt as e:
        return _interrupted(e)
    except BrokenPipeError:
        return 0
    except Exception as e:  # an internal bug: one clear line, never a traceback (unless --debug)
        if debug:
            raise
        print(f"kmdiag: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        print("  hint: run again with --debug and report the traceback", file=sys.stderr)
        return int(ExitCode.INCONCLUSIVE)
    finally:
        early.discard_early()  # a driver started for a command line that turned out not to need it
