"""Entry point. Imports the CLI lazily so that start-up costs only typer and rich."""

from __future__ import annotations

import time

_T0 = time.monotonic()  # --timeout counts from here (kmdiag.clock)

import sys  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate or an odd locale never kills the output
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    try:  # Ctrl-C while the CLI is still importing: the contract's 130, not a traceback
        from kmdiag.cli.app import run
    except KeyboardInterrupt:
        print("\nkmdiag: interrupted", file=sys.stderr)
        return 130
    return run(argv if argv is not None else sys.argv[1:], started=_T0)


if __name__ == "__main__":
    sys.exit(main())
