"""Entry point. Imports the CLI lazily so that start-up costs only typer and rich."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate or an odd locale never kills the output
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    from kmdiag import signals

    try:  # Ctrl-C (or SIGTERM) while the CLI is still importing: 130/143 and one line, not a traceback
        signals.install()
        from kmdiag.cli.app import run
    except KeyboardInterrupt as e:
        print(f"\nkmdiag: interrupted ({signals.name(getattr(e, 'signum', None))})", file=sys.stderr)
        return signals.exit_code(e)
    return run(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
