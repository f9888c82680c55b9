"""Which browser to drive, in the order a user expects, and what to say when there is none.

Order: ``--browser PATH`` / ``KMDIAG_BROWSER`` → an installed Chrome or Edge (Playwright
channels) → the distribution's Chromium → Playwright's own download. We look for files ourselves
instead of trying launches one after another: a failed launch costs time and yields Playwright's
raw "Executable doesn't exist" text, which a shopper cannot act on.
"""

from __future__ import annotations

import os
import platform
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kmdiag.i18n import T


@dataclass(frozen=True)
class Candidate:
    """One way to start a browser: an executable path, a Playwright channel, or Playwright's own."""

    kind: str  # "explicit" | "channel" | "system" | "playwright"
    path: str | None = None
    channel: str | None = None

    def describe(self) -> str:
        return self.path or (f"channel {self.channel}" if self.channel else "Playwright's Chromium")


def _channel_paths(system: str, environ: Mapping[str, str]) -> dict[str, list[str]]:
    """Where Playwright's chrome / msedge channels look on each OS (same places, checked cheaply)."""
    if system == "Windows":
        roots = [environ.get("LOCALAPPDATA", ""), environ.get("PROGRAMFILES", r"C:\Program Files"),
                 environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")]
        return {
            "chrome": [str(Path(r) / "Google/Chrome/Application/chrome.exe") for r in roots if r],
            "msedge": [str(Path(r) / "Microsoft/Edge/Application/msedge.exe") for r in roots if r],
        }
    if system == "Darwin":
        return {
            "chrome": ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
            "msedge": ["/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"],
        }
    return {"chrome": ["/opt/google/chrome/chrome"], "msedge": ["/opt/microsoft/msedge/msedge"]}


SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium")


def _usable_chromium(path: str) -> bool:
    """Ubuntu's /usr/bin/chromium-browser may be a stub that only asks to install the snap."""
    p = Path(path)
    if not p.is_file() or not os.access(p, os.X_OK):
        return False
    if p.name == "chromium-browser" and p.stat().st_size < 4096:
        try:
            return "snap install" not in p.read_text(errors="replace")
        except OSError:
            return False
    return True


def candidates(explicit: str | None, environ: Mapping[str, str], *, system: str | None = None) -> list[Candidate]:
    """Every browser we could start, best first. An explicit path is the only candidate."""
    explicit = explicit or environ.get("KMDIAG_BROWSER") or None
    if explicit:
        return [Candidate("explicit", path=explicit)]
    system = system or platform.system()
    out: list[Candidate] = []
    for channel, paths in _channel_paths(system, environ).items():
        if any(Path(p).is_file() for p in paths):
            out.append(Candidate("channel", channel=channel))
    if system not in ("Windows", "Darwin"):
        seen: set[str] = set()
        for path in (*SYSTEM_CHROMIUMS, shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
            if path and path not in seen and _usable_chromium(path):
                seen.add(path)
                out.append(Candidate("system", path=path))
    out.append(Candidate("playwright"))
    return out


def explicit_missing(path: str) -> bool:
    return not Path(path).exists()


def _linux_id() -> str:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return ""
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return (fields.get("ID", "") + " " + fields.get("ID_LIKE", "")).strip('"').lower()


def install_hint(system: str | None = None, distro: str | None = None) -> T:
    """One line: what to install on this OS so that ``kmdiag order`` can open the shop's page."""
    system = system or platform.system()
    if system == "Windows":
        return T(zh="请安装 Google Chrome 或 Microsoft Edge（例如 winget install Google.Chrome），或用 --browser 指定浏览器路径",
                 en="install Google Chrome or Microsoft Edge (e.g. winget install Google.Chrome), or give its path with --browser")
    if system == "Darwin":
        return T(zh="请安装 Google Chrome（https://www.google.com/chrome/ 或 brew install --cask google-chrome），或用 --browser 指定浏览器路径",
                 en="install Google Chrome (https://www.google.com/chrome/ or brew install --cask google-chrome), or give its path with --browser")
    distro = _linux_id() if distro is None else distro
    if "ubuntu" in distro:
        return T(zh="请安装 Chromium：sudo snap install chromium（中文字体：sudo apt-get install fonts-wqy-microhei），或用 --browser 指定浏览器路径",
                 en="install Chromium: sudo snap install chromium (CJK fonts: sudo apt-get install fonts-wqy-microhei), or give its path with --browser")
    if "debian" in distro:
        return T(zh="请安装 Chromium：sudo apt-get install chromium fonts-wqy-microhei，或用 --browser 指定浏览器路径",
                 en="install Chromium: sudo apt-get install chromium fonts-wqy-microhei, or give its path with --browser")
    return T(zh="请安装 Chromium 或 Google Chrome（或运行 python -m playwright install chromium），或用 --browser 指定浏览器路径",
             en="install Chromium or Google Chrome (or run python -m playwright install chromium), or give its path with --browser")


def no_browser_message(explicit: str | None = None, system: str | None = None) -> T:
    """The one clear message for "no browser to drive"; never Playwright's raw launch error."""
    hint = install_hint(system)
    if explicit:
        return T(zh=f"找不到指定的浏览器 {explicit}；{hint.zh}", en=f"the browser {explicit} does not exist; {hint.en}")
    return T(zh=f"本机没有可用的浏览器，无法检查下单按钮；{hint.zh}",
             en=f"no browser found, so the order button cannot be checked; {hint.en}")
