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

from kmdiag.browser.finder import Candidate, candidates, explicit_missing, install_hint, no_browser_message
from kmdiag.i18n import T

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
