"""CLI surface: usage errors exit 2 with one clear message and no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "args",
    [
        ["order", "--bogus"],
        ["order"],
        ["order", "--demo", "--fault", "no-such-fault"],
        ["order", "--fault", "down"],
        ["order", "--demo", "--format", "yaml"],
        ["order", "--demo", "--only", "nettwork"],
        ["order", "--demo", "--timeout", "-1"],
        ["order", "--demo", "--lang", "fr"],
        ["order", "not a url"],
        ["payment"],
        ["profiles", "show", "nope"],
    ],
)
def test_usage_errors_exit_2_without_traceback(cli, args: list[str]) -> None:
    code, out, err = cli(*args)
    assert code == 2, (args, out, err)
    assert "Traceback" not in out + err
    assert err.strip()


def test_help_is_fast_and_light() -> None:
    """--help must not import the heavy parts (playwright, httpx, the runner)."""
    code = (
        "import sys; from kmdiag.__main__ import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('playwright', 'httpx', 'dns.resolver', 'kmdiag.runner', 'pydantic') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "HEAVY:", r.stdout


def test_catalogue_commands(cli) -> None:
    code, out, _ = cli("causes", "--lang", "en")
    assert code == 0
    code, out, _ = cli("checks", "--lang", "zh")
    assert code == 0
    code, out, _ = cli("version")
    assert code == 0 and "kmdiag" in out
