"""The canary: real demo runs, every format and a zipped evidence bundle, and not one secret byte out.

Secrets are collected *generically* from the running demo and its environment, so a secret slot
another layer adds tomorrow is checked without touching this file:

* every value in ``DemoShop.secrets`` (session token, merchant key, admin token, ...);
* every environment variable a ``*_env`` field of the demo profile names;
* values the demo keeps under secret-looking names in ``DemoShop.vars`` (the session cookie);
* the phone numbers the profile fills into the order form;
* a distinctive token of our own, handed over through ``--token-env`` like a real user's.

Every file written (zip members and zips inside zips included), stdout and stderr are searched
for each value and its URL-encoded spellings, and for any unmasked mainland mobile number.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from kmdiag.cli.run import secrets_from_profile
from kmdiag.redact import phones_in, secret_key
from kmdiag.render import FORMATS

CANARY_ENV = "KMDIAG_CANARY_TOKEN"
CANARY_TOKEN = "kmCanary+T0k/9f8e7d=c5b4"
_PHONE = re.compile(rb"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
_DATA_URI = re.compile(rb"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+")

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]


@pytest.fixture
def demos(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every DemoShop the CLI starts, kept for its secrets after the run."""
    from kmdiag.demo.runtime import DemoShop

    started: list[Any] = []
    real_start = DemoShop.start

    def start(self: Any) -> Any:
        started.append(self)
        return real_start(self)

    monkeypatch.setattr(DemoShop, "start", start)
    monkeypatch.setenv(CANARY_ENV, CANARY_TOKEN)
    return started


def _vars_secrets(obj: Any, key: str = "") -> Iterator[str]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str) and secret_key(k) and isinstance(v, str):
                yield v
            elif isinstance(k, str) and k == "value" and isinstance(v, str) and secret_key(key):
                yield v
            else:
                yield from _vars_secrets(v, k if isinstance(k, str) else key)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _vars_secrets(v, key)


def collect_secrets(demo: Any) -> set[str]:
    import os

    profile = demo.profile()
    environ = {**os.environ, **demo.environ, **demo.secrets}
    values = set(demo.secrets.values()) | set(secrets_from_profile(profile, environ).values())
    values |= set(_vars_secrets(demo.vars))
    values |= set(phones_in(profile.order.fill.values()))
    values.add(CANARY_TOKEN)
    return {v for v in values if isinstance(v, str) and len(v) >= 6}


def needles(secrets: set[str]) -> dict[bytes, str]:
    out: dict[bytes, str] = {}
    for s in secrets:
        for spelled in {s, quote(s, safe=""), quote_plus(s), quote(s, safe="").lower()}:
            out[spelled.encode()] = s
    return out


def blobs(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``path``, and every member of every zip (recursively)."""
    for p in sorted(path.rglob("*")):
        if p.is_file():
            yield from _expand(str(p.relative_to(path)), p.read_bytes())


def _expand(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    yield name, data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                yield from _expand(f"{name}!{member}", z.read(member))


def leaks(name: str, data: bytes, found: dict[bytes, str]) -> list[str]:
    out = [f"{name}: secret {found[n]!r} as {n!r}" for n in found if n in data]
    if not data.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        for m in _PHONE.finditer(_DATA_URI.sub(b"", data)):
            out.append(f"{name}: unmasked phone number {m.group(0)!r}")
    return out


SCENARIOS = [
    pytest.param("order", [], id="order"),
    pytest.param("order", ["--token-env", CANARY_ENV, "--fault", "button-disabled"], id="order-user-token"),
    pytest.param("payment", [], id="payment"),
    pytest.param("payment", ["--fault", "signature-invalid"], id="payment-signature"),
]


@pytest.mark.parametrize("command,extra", SCENARIOS)
def test_no_secret_in_any_byte_of_any_output(cli, demos: list[Any], tmp_path: Path, command: str,
                                             extra: list[str]) -> None:
    problems: list[str] = []
    slots: set[str] = set()
    for fmt in FORMATS:
        out_dir = tmp_path / fmt
        out_dir.mkdir()
        args = [command, "--demo", *extra, "--format", fmt, "--lang", "zh" if fmt in ("html", "text") else "en"]
        if fmt == "json":  # one run also writes the zipped bundle (and, for orders, the trace)
            args += ["--evidence", str(out_dir / "bundle.zip")] + (["--trace"] if command == "order" else [])
        if fmt != "text":
            args += ["--output", str(out_dir / f"report.{fmt}")]
        n = len(demos)
        code, stdout, stderr = cli(*args)
        assert code in (0, 1, 3), stderr
        assert len(demos) == n + 1, "the CLI did not start a demo shop"
        secrets = collect_secrets(demos[-1])
        slots |= set(demos[-1].secrets)
        found = needles(secrets)
        (out_dir / "stdout.txt").write_text(stdout, encoding="utf-8")
        (out_dir / "stderr.txt").write_text(stderr, encoding="utf-8")
        for name, data in blobs(out_dir):
            problems += leaks(f"{fmt}/{name}", data, found)
        if fmt == "json":
            with zipfile.ZipFile(out_dir / "bundle.zip") as z:
                names = z.namelist()
                assert {"report.md", "report.html", "report.json"} <= set(names)
                assert z.read("report.md").decode().startswith("> This evidence bundle contains:")
                if command == "order" and "--fault" not in extra:
                    assert any(x.startswith("screenshots/") for x in names), names
    print(f"canary {command} {extra}: secret slots seen: {sorted(slots)}")
    assert slots, "the demo handed over no secret at all"
    assert not problems, "\n".join(problems[:40])
