"""Start a browser quietly through Playwright, with the demo's resolver and certificate rules.

A diagnostic run must not add noise of its own (update checks, sync, first-run pages), and in
demo and test runs Chromium may resolve nothing but the demo's hosts: everything else maps to
NOTFOUND, so no packet leaves loopback. The demo's certificate is trusted by its exact key
(``--ignore-certificate-errors-spki-list``), never by a blanket "ignore certificate errors", so a
different certificate (an interceptor the network layer simulates) still fails as it would for
the user.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kmdiag.browser.finder import (
    SYSTEM_CHROMIUMS,
    Candidate,
    _channel_paths,
    _usable_chromium,
    candidates,
    explicit_missing,
    install_hint,
    no_browser_message,
)
from kmdiag.i18n import T

# ``--browser NAME``: an installed browser by the name Playwright's channels use (edge = msedge).
NAMES = ("chrome", "msedge", "chromium")
ALIASES = {"edge": "msedge", "google-chrome": "chrome", "microsoft-edge": "msedge", "chromium-browser": "chromium"}
CHANNEL_PREFIX = "channel:"


def installed(environ: Mapping[str, str], *, system: str | None = None) -> dict[str, str]:
    """Browsers ``--browser NAME`` can choose on this computer: name → where it is."""
    import platform
    import shutil

    system = system or platform.system()
    out: dict[str, str] = {}
    for channel, paths in _channel_paths(system, environ).items():
        found = next((p for p in paths if os.path.isfile(p)), None)
        if found:
            out[channel] = found
    if system not in ("Windows", "Darwin"):
        for path in (*SYSTEM_CHROMIUMS, shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
            if path and _usable_chromium(path):
                out["chromium"] = path
                break
    return out


def choose(value: str, environ: Mapping[str, str], *, system: str | None = None) -> str:
    """Turn ``--browser`` into what :func:`launch` takes: ``channel:chrome`` / ``channel:msedge``, a
    Chromium's path, or the PATH the user gave (a missing PATH is reported by the browser check).

    A NAME that is not installed raises :class:`~kmdiag.errors.UsageError` (exit 2) naming what is.
    """
    from kmdiag.errors import UsageError

    name = ALIASES.get(value.strip().lower(), value.strip().lower())
    looks_like_path = any(ch in value for ch in "/\\") or os.path.exists(value)
    if looks_like_path or name not in NAMES:
        if not looks_like_path and name.isidentifier():
            raise UsageError(f"--browser: unknown browser name '{value}'",
                             hint="use chrome, msedge or chromium, or the path of a browser executable")
        return value
    have = installed(environ, system=system)
    if name not in have:
        listing = ", ".join(f"{n} ({p})" for n, p in have.items()) or "none"
        raise UsageError(f"--browser {value}: {name} is not installed on this computer; installed: {listing}",
                         hint=install_hint(system).en)
    return CHANNEL_PREFIX + name if name in ("chrome", "msedge") else have[name]

QUIET_FLAGS = (
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-pings",  # <a ping> hyperlink auditing: a POST the page never asked to make (read-only session)
    "--disable-features=Translate,OptimizationHints,MediaRouter",
)


def resolver_rules(host_map: Mapping[str, str] | None, *, lockdown: bool) -> str | None:
    """``--host-resolver-rules``: map each test host to its address; with lockdown, nothing else resolves."""
    rules = [f"MAP {host} {addr}" for host, addr in sorted((host_map or {}).items())]
    if lockdown:
        rules += ["MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1", "EXCLUDE localhost"]
    return ", ".join(rules) if rules else None


def launch_args(
    *, host_map: Mapping[str, str] | None = None, lockdown: bool = False, trusted_spki: list[str] | None = None,
    is_root: bool | None = None,
) -> list[str]:
    args = list(QUIET_FLAGS)
    rules = resolver_rules(host_map, lockdown=lockdown)
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    if trusted_spki:
        args.append("--ignore-certificate-errors-spki-list=" + ",".join(trusted_spki))
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root:
        args.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox on
    return args


@dataclass
class Launched:
    browser: Any | None
    candidate: Candidate | None
    tried: list[dict[str, str]] = field(default_factory=list)
    message: T | None = None  # set when nothing could be started

    @property
    def ok(self) -> bool:
        return self.browser is not None


def _short(exc: BaseException) -> str:
    """First meaningful line of a launch error, without Playwright's install banner."""
    text = str(exc)
    for line in text.splitlines():
        line = line.strip().strip("╔═║╚╗╝ ")
        if line and "playwright install" not in line.lower() and not line.startswith("Looks like"):
            return line[:200]
    return type(exc).__name__


async def launch(
    pw: Any, *, explicit: str | None, environ: Mapping[str, str], args: list[str], timeout_s: float,
) -> Launched:
    """Try the candidates in order; return the first browser that starts, or one clear message."""
    if explicit and explicit.startswith(CHANNEL_PREFIX):  # --browser chrome|msedge, checked at start-up
        cands = [Candidate("channel", channel=explicit[len(CHANNEL_PREFIX):])]
    else:
        cands = candidates(explicit, environ)
    tried: list[dict[str, str]] = []
    if cands[0].kind == "explicit" and explicit_missing(cands[0].path or ""):
        return Launched(None, None, [{"browser": cands[0].describe(), "error": "not found"}],
                        no_browser_message(cands[0].path))
    for cand in cands:
        kw: dict[str, Any] = {"headless": True, "args": args, "timeout": timeout_s * 1000}
        if cand.kind == "playwright":
            try:
                exe = pw.chromium.executable_path
            except Exception:
                exe = ""
            if not exe or not os.path.exists(exe):
                tried.append({"browser": cand.describe(), "error": "not downloaded"})
                continue
        elif cand.channel:
            kw["channel"] = cand.channel
        else:
            kw["executable_path"] = cand.path
        try:
            browser = await pw.chromium.launch(**kw)
        except Exception as exc:  # a broken install: try the next one, keep the reason
            tried.append({"browser": cand.describe(), "error": _short(exc)})
            continue
        return Launched(browser, cand, tried)
    if cands[0].kind == "explicit":
        hint = install_hint()
        err = tried[-1]["error"] if tried else "?"
        return Launched(None, None, tried, T(zh=f"无法启动指定的浏览器 {cands[0].path}（{err}）；{hint.zh}",
                                             en=f"could not start the browser {cands[0].path} ({err}); {hint.en}"))
    return Launched(None, None, tried, no_browser_message())
