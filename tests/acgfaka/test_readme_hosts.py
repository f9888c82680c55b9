"""Every command the README shows, pointed at loopback shops: no placeholder host is contacted or printed.

Issue: with a built-in profile, ``notify_url`` and other hosts stayed on ``shop.example.com`` after the
user gave their URL, so a healthy page was diagnosed as ``network.dns-failure``. Here each README
command runs through the real CLI with its ``https://shop.example.com`` replaced by a loopback shop
(the default demo for ``/buy/…``, the acg-faka demo for ``/item/…``); every name looked up (the OS
resolver and DNS queries on the wire) and everything printed is checked for the placeholders.
"""

from __future__ import annotations

import re
import shlex
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\b(?:shop|pay)\.example\.(?:com|org|net)\b", re.I)


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```(?:sh|bash|shell)?\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip().replace("<your session cookie>", "dummy-session")
            if re.match(r"^(?:[A-Z_]+=\S+\s+)*kmdiag\s", line):
                out.append(line)
    return out


COMMANDS = readme_commands()


@pytest.fixture(scope="module")
def shops() -> Iterator[dict[str, Any]]:
    from kmdiag.demo.acgfaka.mode import AcgFakaDemo
    from kmdiag.demo.runtime import DemoShop

    plain = DemoShop().start()
    acg = AcgFakaDemo().start()
    try:
        yield {"buy": f"https://127.0.0.1:{plain.shop.port}/", "item": f"http://127.0.0.1:{acg.proxy.port}/"}
    finally:
        acg.stop()
        plain.stop()


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name this process tries to resolve: getaddrinfo and DNS questions sent over UDP."""
    import dns.message

    seen: list[str] = []
    real_gai, real_sendto = socket.getaddrinfo, socket.socket.sendto

    def gai(host: Any, *a: Any, **kw: Any) -> Any:
        seen.append(str(host))
        return real_gai(host, *a, **kw)

    def sendto(self: socket.socket, data: bytes, *args: Any) -> Any:
        try:
            seen.extend(str(q.name) for q in dns.message.from_wire(data).question)
        except Exception:
            pass
        return real_sendto(self, data, *args)

    monkeypatch.setattr(socket, "getaddrinfo", gai)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    return seen


def test_the_readme_shows_commands() -> None:
    assert any("--profile acg-faka" in c for c in COMMANDS) and any("payment" in c for c in COMMANDS)


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command_never_uses_a_placeholder_host(line: str, shops: dict[str, Any], lookups: list[str],
                                                      capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kmdiag.cli.app import run

    words = shlex.split(line)
    while "=" in words[0]:
        k, _, v = words.pop(0).partition("=")
        monkeypatch.setenv(k, v)
    args = words[1:]
    if args[0] == "demo" and "--list" not in args:
        pytest.skip("`kmdiag demo` serves the demo in the foreground until Ctrl-C (its --list is tested instead)")
    args = [re.sub(r"https://shop\.example\.com/item/", shops["item"] + "item/", a) for a in args]
    args = [re.sub(r"https://shop\.example\.com/", shops["buy"], a) for a in args]
    if args[0] in ("order", "payment") and "--timeout" not in args:
        args += ["--timeout", "12"]
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = run(args)
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "Traceback" not in printed
    assert code in (0, 1, 2, 3), printed
    assert not PLACEHOLDER.search(printed), PLACEHOLDER.search(printed)
    assert not [h for h in lookups if PLACEHOLDER.search(h)], lookups
    for f in tmp_path.rglob("*"):  # --output / --evidence files
        if f.is_file() and f.suffix in (".xml", ".json", ".html", ".md", ".txt"):
            assert not PLACEHOLDER.search(f.read_text(encoding="utf-8", errors="replace")), f


def test_demo_list_never_prints_a_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    from kmdiag.cli.app import run

    for extra in ([], ["--platform", "acg-faka"]):
        assert run(["demo", "--list", *extra]) == 0
        assert not PLACEHOLDER.search(capsys.readouterr().out)
