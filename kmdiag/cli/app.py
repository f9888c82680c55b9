"""The typer application. ``run(argv)`` owns every exception → exit-code mapping (httpie's shell).

Heavy modules (runner, probes, playwright) are imported inside commands, so ``kmdiag --help``
costs little more than importing typer and rich.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

try:  # newer typer vendors click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover
    from click import exceptions as _cx

from kmdiag import __version__
from kmdiag.errors import KmdiagError
from kmdiag.exit_codes import ExitCode

app = typer.Typer(
    name="kmdiag",
    help="A doctor for virtual-goods shops (卡盟 / 发卡): why the order button does nothing (order), "
    "why a paid order is still pending (payment).",
    no_args_is_help=True,
    add_completion=False,
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


LANGS = ("zh", "en")


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise KmdiagError(f"{name}: '{value}' is not one of {', '.join(choices)}")


@app.command()
def order(
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
    browser: Annotated[str | None, typer.Option("--browser", help="Path of the browser to drive (or KMDIAG_BROWSER).")] = None,
    trace: Annotated[bool, typer.Option("--trace", help="Save a Playwright trace with the evidence.")] = False,
    token_env: Annotated[str | None, typer.Option("--token-env", help="Environment variable holding your session token.")] = None,
    debug: DebugOpt = False,
) -> None:
    """Why does the order button do nothing? Network & DNS → platform → page → account."""
    from kmdiag.cli.run import RunOptions, run_diagnosis
    from kmdiag.render import FORMATS

    _check_choice("--format", format, FORMATS)
    _check_choice("--fail-on", fail_on, ("fail", "warn"))
    code = run_diagnosis(RunOptions(
        command="order", url=url, profile=profile, demo=demo, faults=list(fault or []), fmt=format, output=output,
        evidence=evidence, lang=lang, timeout=timeout, fail_on=fail_on, only=only, skip=skip, submit=submit,
        smoke=smoke, debug=debug, extra={"browser_path": browser, "trace": trace, "token_env": token_env,
                                         "platform": platform},
    ))
    raise typer.Exit(code)


@app.command()
def payment(
    order_id: Annotated[str | None, typer.Argument(help="The platform's order number (optional with --demo or --sweep).")] = None,
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
    format: FormatOpt = None,
    output: OutputOpt = None,
    evidence: EvidenceOpt = None,
    lang: LangOpt = None,
    timeout: TimeoutOpt = 20.0,
    fail_on: FailOnOpt = "fail",
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    smoke: SmokeOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Paid, but the order did not move: order state, provider record, callbacks, signature, notify URL."""
    from kmdiag.cli.run import RunOptions
    from kmdiag.render import FORMATS

    _check_choice("--format", format, FORMATS)
    _check_choice("--fail-on", fail_on, ("fail", "warn"))
    opts = RunOptions(
        command="payment", profile=profile, demo=demo, faults=list(fault or []), fmt=format, output=output,
        evidence=evidence, lang=lang, timeout=timeout, fail_on=fail_on, only=only, skip=skip, smoke=smoke, debug=debug,
        extra={"order_id": order_id, "since": since, "orders_file": str(orders_file) if orders_file else None,
               "concurrency": concurrency, "rate": rate, "yes": yes, "dry_run": dry_run, "platform": platform},
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


def _version_callback(value: bool) -> None:
    if value:
        print(f"kmdiag {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """kmdiag — 卡盟下单/支付诊断工具."""


def run(argv: list[str]) -> int:
    """Run the CLI; map every exception to a contract exit code. ``--debug`` re-raises internal errors."""
    debug = "--debug" in argv
    try:
        # Without standalone mode, click returns a command's exit code instead of raising.
        rv = app(args=argv, prog_name="kmdiag", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        print("\nkmdiag: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except _cx.ClickException as e:
        e.show(file=sys.stderr)
        return int(ExitCode.USAGE)
    except KmdiagError as e:
        print(f"kmdiag: error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"  hint: {e.hint}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("\nkmdiag: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return 0
    except Exception as e:  # an internal bug: one clear line, never a traceback (unless --debug)
        if debug:
            raise
        print(f"kmdiag: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        print("  hint: run again with --debug and report the traceback", file=sys.stderr)
        return int(ExitCode.INCONCLUSIVE)
