"""Defaults from a config file: ``~/.config/kmdiag/config.toml``.

Where: ``$KMDIAG_CONFIG`` if set, else ``$XDG_CONFIG_HOME/kmdiag/config.toml``, else
``~/.config/kmdiag/config.toml``. A missing file is no config. Keys at the top apply to ``order``
and ``payment``; a ``[order]`` or ``[payment]`` table overrides them for that command::

    lang = "zh"
    timeout = 30
    [order]
    profile = "dujiaoka"
    browser = "chrome"

The command line always wins (the file only sets click's defaults). Secrets never come from here
(they come from environment variables the profile names), so a ``token``-like key is refused. A bad
file is one ``FILE:LINE: what`` error and exit 2, never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kmdiag.errors import UsageError

COMMANDS = ("order", "payment")
FORMATS = ("text", "json", "markdown", "junit", "html")
# key → (check, what it must be); the option's parameter name is the key with "-" → "_"
KEYS: dict[str, tuple[Any, str]] = {
    "lang": (lambda v: v in ("zh", "en"), '"zh" or "en"'),
    "profile": (lambda v: isinstance(v, str) and v.strip() != "", "a profile NAME or PATH (a string)"),
    "format": (lambda v: v in FORMATS, " | ".join(f'"{f}"' for f in FORMATS)),
    "timeout": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 3600,
                "a number of seconds (0 < timeout ≤ 3600)"),
    "fail-on": (lambda v: v in ("fail", "warn"), '"fail" or "warn"'),
    "browser": (lambda v: isinstance(v, str) and v.strip() != "", 'chrome, msedge, chromium or a PATH (a string)'),
    "verbose": (lambda v: isinstance(v, bool), "true or false"),
}
ONLY_ORDER = {"browser"}


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("KMDIAG_CONFIG"):
        return Path(env["KMDIAG_CONFIG"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base).expanduser() / "kmdiag" / "config.toml"


def _line_of(text: str, key: str, table: str | None) -> int:
    """The line a key is written on (inside its table when it has one), for the error message."""
    current: str | None = None
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if m:
            current = m.group(1).strip().strip('"')
            continue
        if current == table and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return n
    return 1


def load(environ: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """{command: {param: value}} for click's ``default_map``; {} without a file."""
    import tomllib

    path = config_path(environ)
    explicit = bool((os.environ if environ is None else environ).get("KMDIAG_CONFIG"))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise UsageError(f"{path}: config file not found (named by KMDIAG_CONFIG)") from None
        return {}
    except OSError as e:
        raise UsageError(f"{path}: cannot read the config file ({e.strerror or e})") from None
    if len(raw) > 256 * 1024:
        raise UsageError(f"{path}:1: config file is larger than 256 KB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        where = f"{m.group(1)}" if m else "1"
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e)) or "invalid TOML"
        raise UsageError(f"{path}:{where}: {msg}", hint="the file is TOML, e.g. lang = \"zh\"") from None
    return _defaults(path, text, data)


def _check(path: Path, text: str, table: str | None, key: str, value: Any, command: str | None) -> tuple[str, Any]:
    line = _line_of(text, key, table)
    if key not in KEYS:
        secret = re.search(r"token|secret|key|password|cookie", key, re.I)
        why = ("secrets never go in the config file: name an environment variable in the profile"
               if secret else "known keys: " + ", ".join(sorted(KEYS)))
        raise UsageError(f"{path}:{line}: unknown key '{key}'" + (f" in [{table}]" if table else ""), hint=why)
    if command == "payment" and key in ONLY_ORDER:
        raise UsageError(f"{path}:{line}: '{key}' is an option of order only (put it under [order])")
    ok, what = KEYS[key]
    if not ok(value):
        raise UsageError(f"{path}:{line}: {key} = {value!r} is not valid; it must be {what}")
    return key.replace("-", "_"), value


def _defaults(path: Path, text: str, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    common: dict[str, Any] = {}
    per: dict[str, dict[str, Any]] = {c: {} for c in COMMANDS}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in COMMANDS:
                raise UsageError(f"{path}:{_table_line(text, key)}: unknown table [{key}]",
                                 hint="tables: [order], [payment]")
            for k, v in value.items():
                name, val = _check(path, text, key, k, v, key)
                per[key][name] = val
            continue
        name, val = _check(path, text, None, key, value, None)
        common[name] = val
    out: dict[str, dict[str, Any]] = {}
    for c in COMMANDS:
        merged = {k: v for k, v in common.items() if not (c == "payment" and k in ONLY_ORDER)}
        merged.update(per[c])
        if merged:
            out[c] = merged
    return out


def _table_line(text: str, table: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*\[\s*\"?{re.escape(table)}\"?\s*\]", line):
            return n
    return 1
