"""Which browsers are installed on the user's computer, and their versions.

The shop's page may need a newer browser than the one the shopper uses (浏览器版本过低), so we
read versions where each OS keeps them: the registry on Windows (what Chrome/Edge write when they
update), the app bundles' Info.plist on macOS, and ``--version`` of the binaries on Linux.
Nothing here launches a page; it runs in a worker thread beside the browser probe.
"""

from __future__ import annotations

import platform
import plistlib
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# family -> binaries to ask on Linux
LINUX_BINARIES = {
    "chrome": ("google-chrome", "google-chrome-stable"),
    "chromium": ("chromium", "chromium-browser"),
    "edge": ("microsoft-edge", "microsoft-edge-stable"),
    "firefox": ("firefox", "firefox-esr"),
}
MAC_BUNDLES = {
    "chrome": "Google Chrome.app", "chromium": "Chromium.app", "edge": "Microsoft Edge.app",
    "firefox": "Firefox.app", "safari": "Safari.app",
}
# (family, hive, key, value); hive "HKCU" | "HKLM"
WINDOWS_KEYS = (
    ("chrome", "HKCU", r"Software\Google\Chrome\BLBeacon", "version"),
    ("chrome", "HKLM", r"SOFTWARE\WOW6432Node\Google\Update\Clients\{8A69D345-D564-463c-AFF1-A69D9E530F96}", "pv"),
    ("edge", "HKCU", r"Software\Microsoft\Edge\BLBeacon", "version"),
    ("edge", "HKLM", r"SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}", "pv"),
    ("firefox", "HKLM", r"SOFTWARE\Mozilla\Mozilla Firefox", "CurrentVersion"),
)

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(text: str) -> str | None:
    m = _VERSION.search(text or "")
    return m.group(0) if m else None


def major(version: str | None) -> int | None:
    m = _VERSION.search(version or "")
    return int(m.group(1)) if m else None


def profile_key(family: str) -> str:
    """The ``supported_browsers`` key a family is judged by (Chromium is judged as Chrome)."""
    return {"chromium": "chrome", "msedge": "edge"}.get(family, family)


def _run_version(path: str, timeout: float) -> str | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(out.stdout + " " + out.stderr)


def _linux(timeout: float) -> list[dict[str, Any]]:
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for family, names in LINUX_BINARIES.items():
        for name in names:
            path = shutil.which(name)
            if path and Path(path).resolve().as_posix() not in seen:
                seen.add(Path(path).resolve().as_posix())
                found.append((family, path))
                break
    with ThreadPoolExecutor(max_workers=max(1, len(found))) as pool:
        versions = list(pool.map(lambda fp: _run_version(fp[1], timeout), found))
    return [{"family": f, "path": p, "version": v, "source": "--version"} for (f, p), v in zip(found, versions, strict=True)
            if v]


def _mac() -> list[dict[str, Any]]:
    out = []
    for family, bundle in MAC_BUNDLES.items():
        for root in (Path("/Applications"), Path.home() / "Applications"):
            plist = root / bundle / "Contents" / "Info.plist"
            try:
                with plist.open("rb") as fh:
                    v = plistlib.load(fh).get("CFBundleShortVersionString")
            except (OSError, plistlib.InvalidFileException, ValueError):
                continue
            if v:
                out.append({"family": family, "path": str(root / bundle), "version": str(v), "source": "Info.plist"})
                break
    return out


def _windows() -> list[dict[str, Any]]:
    try:
        import winreg  # type: ignore[import-not-found]
    except ImportError:
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for family, hive, key, value in WINDOWS_KEYS:
        if family in seen:
            continue
        root = winreg.HKEY_CURRENT_USER if hive == "HKCU" else winreg.HKEY_LOCAL_MACHINE
        try:
            with winreg.OpenKey(root, key) as k:
                v, _ = winreg.QueryValueEx(k, value)
        except OSError:
            continue
        version = parse_version(str(v))
        if version:
            seen.add(family)
            out.append({"family": family, "path": f"{hive}\\{key}", "version": version, "source": "registry"})
    return out


def installed_browsers(timeout: float = 2.0, system: str | None = None) -> list[dict[str, Any]]:
    """[{family, path, version, source}] for every browser found on this computer."""
    system = system or platform.system()
    if system == "Windows":
        return _windows()
    if system == "Darwin":
        return _mac()
    return _linux(timeout)
