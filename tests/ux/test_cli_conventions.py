"""Conventions a command-line doctor is expected to follow: --version (-v adds the browser and
Playwright), shell completion, --browser by name, defaults from config.toml, Chinese --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kmdiag.errors import UsageError

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "KMDIAG_", "LANG"))}


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kmdiag", *args], capture_output=True, text=True, timeout=60,
                          env={**ENV, **env})


# -- --version -----------------------------------------------------------------------------------

def test_version_and_verbose_version(cli) -> None:
    from kmdiag import __version__

    code, out, _ = cli("--version")
    assert code == 0 and out.strip() == f"kmdiag {__version__}"
    for args in (("-v", "--version"), ("--version", "-v")):
        code, out, _ = cli(*args)
        assert code == 0 and out.startswith(f"kmdiag {__version__}\n"), args
        assert "playwright " in out and "python " in out and "chromium" in out and "config: " in out


# -- shell completion -------------------------------------------------------------------------------

def test_shell_completion_script_and_completions() -> None:
    r = _run("--show-completion", "bash", _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert r.returncode == 0 and "_KMDIAG_COMPLETE=complete_bash" in r.stdout, r.stderr
    r = subprocess.run([sys.executable, "-c", "import sys; from kmdiag.__main__ import main; sys.exit(main())"],
                       capture_output=True, text=True, timeout=60,
                       env={**ENV, "_KMDIAG_COMPLETE": "complete_bash", "COMP_WORDS": "kmdiag ord", "COMP_CWORD": "1"})
    assert "order" in r.stdout.split(), (r.stdout, r.stderr)
    r = subprocess.run([sys.executable, "-c", "import sys; from kmdiag.__main__ import main; sys.exit(main())"],
                       capture_output=True, text=True, timeout=60,
                       env={**ENV, "_KMDIAG_COMPLETE": "complete_bash", "COMP_WORDS": "kmdiag order --for",
                            "COMP_CWORD": "2"})
    assert "--format" in r.stdout.split(), (r.stdout, r.stderr)


def test_help_lists_completion_options(cli) -> None:
    code, out, _ = cli("--help")
    assert code == 0 and "--install-completion" in out and "--show-completion" in out


# -- --browser NAME ------------------------------------------------------------------------------------

def test_browser_names_choose_installed_channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmdiag.browser import launcher

    local = tmp_path / "Local"
    chrome = local / "Google/Chrome/Application/chrome.exe"
    chrome.parent.mkdir(parents=True)
    chrome.write_bytes(b"MZ")
    env = {"LOCALAPPDATA": str(local), "PROGRAMFILES": str(tmp_path / "pf"), "PROGRAMFILES(X86)": str(tmp_path / "pf86")}
    assert launcher.installed(env, system="Windows") == {"chrome": str(chrome)}
    assert launcher.choose("chrome", env, system="Windows") == "channel:chrome"
    assert launcher.choose("Chrome", env, system="Windows") == "channel:chrome"
    with pytest.raises(UsageError) as e:
        launcher.choose("edge", env, system="Windows")
    assert "msedge is not installed" in e.value.message and "chrome (" in e.value.message
    with pytest.raises(UsageError):
        launcher.choose("netscape", env, system="Windows")
    # A PATH is passed on as it is (a missing one is reported by the browser check, not here).
    assert launcher.choose(str(tmp_path / "my-browser"), env, system="Windows") == str(tmp_path / "my-browser")


def test_browser_name_not_installed_exits_2_listing_what_is(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from kmdiag.browser import finder, launcher

    monkeypatch.setattr(launcher, "_channel_paths", lambda system, environ: {
        "chrome": [str(tmp_path / "no-chrome")], "msedge": [str(tmp_path / "no-edge")]})
    code, out, err = cli("order", "--demo", "--browser", "msedge", "--only", "browser")
    assert code == 2 and "Traceback" not in err
    assert "msedge is not installed" in err and "installed:" in err
    chromium = next((p for p in finder.SYSTEM_CHROMIUMS if os.path.isfile(p)), None)
    if chromium:
        assert "chromium (" in err
        assert launcher.choose("chromium", os.environ) == chromium


@pytest.mark.browser
def test_browser_chromium_by_name_drives_it(cli) -> None:
    from kmdiag.browser import finder

    if not any(os.path.isfile(p) for p in finder.SYSTEM_CHROMIUMS):
        pytest.skip("no system Chromium")
    code, out, err = cli("order", "--demo", "--browser", "chromium", "--only", "browser", "--format", "json", "--smoke")
    rep = json.loads(out)
    launch = next(c for c in rep["checks"] if c["id"] == "browser.launch")
    assert launch["status"] == "pass" and "chromium" in launch["summary"].lower()


# -- config.toml -----------------------------------------------------------------------------------

def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, *, explicit: bool = False) -> Path:
    monkeypatch.delenv("KMDIAG_CONFIG", raising=False)
    if explicit:
        path = tmp_path / "elsewhere.toml"
        monkeypatch.setenv("KMDIAG_CONFIG", str(path))
    else:
        path = tmp_path / "xdg" / "kmdiag" / "config.toml"
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_path_rules(tmp_path: Path) -> None:
    from kmdiag.config import config_path

    assert config_path({"HOME": "/home/u"}) == Path("/home/u/.config/kmdiag/config.toml")
    assert config_path({"HOME": "/home/u", "XDG_CONFIG_HOME": "/x"}) == Path("/x/kmdiag/config.toml")
    assert config_path({"XDG_CONFIG_HOME": "/x", "KMDIAG_CONFIG": "/etc/k.toml"}) == Path("/etc/k.toml")


def test_config_sets_defaults_and_the_command_line_wins(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _config(monkeypatch, tmp_path, 'lang = "zh"\nformat = "json"\ntimeout = 25\n[payment]\nlang = "en"\n')
    code, out, err = cli("order", "--demo", "--only", "network")
    rep = json.loads(out)  # format from the file
    assert rep["lang"] == "zh" and code in (0, 1), err
    code, out, _ = cli("order", "--demo", "--only", "network", "--format", "text", "--lang", "en")
    assert out.startswith("kmdiag order") and "Checks" in out  # the command line wins
    code, out, _ = cli("payment", "--demo", "--only", "payment")
    assert json.loads(out)["lang"] == "en"  # [payment] overrides the top level


def test_kmdiag_config_env_names_the_file(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _config(monkeypatch, tmp_path, 'format = "junit"\n', explicit=True)
    code, out, _ = cli("order", "--demo", "--only", "network")
    assert out.startswith('<?xml version="1.0"')
    monkeypatch.setenv("KMDIAG_CONFIG", str(tmp_path / "missing.toml"))
    code, _, err = cli("order", "--demo", "--only", "network")
    assert code == 2 and "missing.toml" in err


@pytest.mark.parametrize(("text", "line", "what"), [
    ('lang = "zh"\ntimeout = \n', 2, "Invalid value"),
    ('lang = "zh"\n\nlanguage = "zh"\n', 3, "unknown key 'language'"),
    ('[order]\nformat = "pdf"\n', 2, "format = 'pdf' is not valid"),
    ('timeout = -1\n', 1, "timeout = -1 is not valid"),
    ('lang = "zh"\n[shop]\nx = 1\n', 2, "unknown table [shop]"),
    ('\n\ntoken = "abc"\n', 3, "unknown key 'token'"),
    ('[payment]\nbrowser = "chrome"\n', 2, "order only"),
])
def test_bad_config_is_one_file_line_error(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, line: int,
                                           what: str) -> None:
    path = _config(monkeypatch, tmp_path, text)
    code, out, err = cli("order", "--demo")
    assert code == 2 and out == "" and "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith(f"kmdiag: error: {path}:{line}: ") and what in first, err
    assert "abc" not in err  # a secret someone put there is not echoed


def test_config_is_not_read_for_help_or_other_commands(cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _config(monkeypatch, tmp_path, "this is not toml")
    assert cli("--help")[0] == 0
    assert cli("causes")[0] == 0


# -- Chinese --help ----------------------------------------------------------------------------------

def test_help_is_chinese_under_a_zh_locale() -> None:
    r = _run("--help", LANG="zh_CN.UTF-8")
    assert r.returncode == 0
    assert r.stdout.startswith("用法：kmdiag") and "选项：" in r.stdout and "命令：" in r.stdout
    assert "显示本帮助后退出" in r.stdout and "Show this message" not in r.stdout
    r = _run("order", "--help", LANG="en_US.UTF-8")
    assert r.stdout.startswith("Usage: kmdiag order") and "Write the report to FILE" in r.stdout


def test_lang_zh_help_and_back_to_english_in_one_process(cli) -> None:
    code, out, _ = cli("order", "--lang", "zh", "--help")
    assert code == 0 and "把报告写入文件" in out and "Usage" not in out
    code, out, _ = cli("payment", "--help", "--lang", "zh")
    assert "扫掉单" in out
    code, out, _ = cli("order", "--lang", "en", "--help")
    assert "Write the report to FILE" in out and "用法" not in out


def test_every_help_text_has_its_chinese() -> None:
    """A new option or command needs its Chinese help in kmdiag/cli/help_zh.py."""
    import typer

    from kmdiag.cli import help_zh
    from kmdiag.cli.app import app

    missing = help_zh.translate(typer.main.get_command(app))
    assert not missing, "no Chinese help for:\n" + "\n".join(missing)
