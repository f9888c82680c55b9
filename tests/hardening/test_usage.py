"""Unknown options and bad values, for every command: exit 2, one clear message, no traceback.

Extends ``tests/core/test_cli.py`` to payment, demo, profiles, checks and causes, and to profile
files that are not profiles at all: binary garbage, an empty file, a directory, a YAML "billion
laughs" bomb (which must be refused quickly, not expanded).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

LAUGHS = "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9 if i else ['"lol"'] * 9) + "]\n"
    for i in range(9)
)


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, str]:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(b"\x00\xff\xfe\xdb\x9c" + os.urandom(2048))
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(LAUGHS + "name: x\nbase_url: http://127.0.0.1/\n", encoding="utf-8")
    bomb_in_field = tmp_path / "bomb-in-field.yaml"
    bomb_in_field.write_text(LAUGHS + "name: x\nbase_url: http://127.0.0.1/\nnetwork:\n  hosts: *i\n"
                             "platform:\n  pages: *i\n", encoding="utf-8")
    directory = tmp_path / "a-directory"
    directory.mkdir()
    return {"garbage": str(garbage), "empty": str(empty), "bomb": str(bomb), "bomb_in_field": str(bomb_in_field),
            "dir": str(directory)}


CASES = [
    ["payment", "--sweep", "--renotify"],
    ["payment", "--since", "bogus", "--sweep", "--demo"],
    ["payment", "--demo", "--rate", "abc"],
    ["payment", "--demo", "--sweep", "--concurrency", "0"],
    ["payment", "--bogus"],
    ["payment", "--demo", "--format", "yaml"],
    ["payment", "--demo", "--fail-on", "sometimes"],
    ["payment", "--demo", "--timeout", "0"],
    ["payment", "--demo", "--lang", "fr"],
    ["payment", "KM-1", "--fault", "lost-callback"],
    ["demo", "--command", "nope"],
    ["demo", "--bogus"],
    ["demo", "--lang", "fr", "--list"],
    ["demo", "--fault", "no-such-fault", "--list", "--command", "order", "--timeout", "1"],
    ["profiles", "validate", "/nonexistent/profile.yaml"],
    ["profiles", "show", "/nonexistent/profile.yaml"],
    ["profiles", "bogus"],
    ["profiles", "list", "--bogus"],
    ["profiles", "validate"],
    ["checks", "--bogus"],
    ["checks", "--lang", "fr"],
    ["causes", "--format", "yaml"],
    ["causes", "--lang", "fr"],
    ["order", "--demo", "--fault"],
    ["order", "ftp://127.0.0.1/x"],
    ["version", "--bogus"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_bad_usage_exits_2(cli, args: list[str]) -> None:
    code, out, err = cli(*args)
    assert code == 2, (args, code, out[-500:], err[-500:])
    assert "Traceback" not in out + err
    assert err.strip()


@pytest.mark.parametrize("which", ["garbage", "empty", "bomb", "bomb_in_field", "dir"])
@pytest.mark.parametrize("how", [
    ("profiles", "validate", "{}"), ("profiles", "show", "{}"), ("order", "--profile", "{}", "--format", "json"),
    ("payment", "KM-1", "--profile", "{}", "--format", "json"),
])
def test_bad_profile_files_exit_2(cli, bad_files: dict[str, str], which: str, how: tuple[str, ...]) -> None:
    args = [a.replace("{}", bad_files[which]) for a in how]
    started = time.monotonic()
    code, out, err = cli(*args)
    assert code == 2, (args, code, out[-500:], err[-500:])
    assert "Traceback" not in out + err
    assert bad_files[which] in err  # the message names the file
    assert time.monotonic() - started < 5  # a bomb is refused, not expanded
