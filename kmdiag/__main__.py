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


def entry() -> None:
    """The ``kmdiag`` command: :func:`main`, then out without the interpreter's own teardown.

    By the time ``main`` returns, everything kmdiag started is stopped (browser, driver, demo, temp
    files) and the report is written; what is left is Python finalizing a few thousand objects of
    pydantic, Playwright and rich, which measured 150–190 ms of a 3 s ``kmdiag order`` that the user
    waits for at the prompt. So the streams are flushed and the process ends with the same exit code.
    """
    code = main()
    import atexit
    import os

    atexit._run_exitfuncs()  # kmdiag's safety nets (temp dirs, the profile copy) and logging's flush
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (kmdiag ... | head): nothing more to say there
            if stream is sys.stdout and code == 0:
                code = 120  # what Python itself exits with when it cannot flush stdout
    os._exit(code)


if __name__ == "__main__":
    entry()
