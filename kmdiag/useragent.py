"""The one User-Agent every kmdiag request carries, so a shop's logs can tell kmdiag's requests apart.

A shop operator reading an access log (or kmdiag itself, reading that log as evidence) must be able
to say "this line was kmdiag, not a buyer and not the payment gateway". Every HTTP client kmdiag
builds (probes, sweep, re-notify, the callback-log API) sends :data:`USER_AGENT`; the browser keeps
Chromium's own User-Agent (pages sniff it) and appends :data:`BROWSER_SUFFIX`.
"""

from __future__ import annotations

from kmdiag import __version__

PRODUCT = "kmdiag"
USER_AGENT = f"{PRODUCT}/{__version__} (shop diagnostic; read-only unless asked)"
BROWSER_SUFFIX = f"{PRODUCT}/{__version__}"


def user_agent(purpose: str | None = None) -> str:
    """``kmdiag/<version> (...)``, optionally naming what the request is for (``account check``)."""
    if not purpose:
        return USER_AGENT
    return f"{PRODUCT}/{__version__} (shop diagnostic; {purpose})"


def browser_user_agent(chromium_ua: str) -> str:
    """Chromium's own User-Agent with kmdiag appended (once), so the page still sees a real browser."""
    ua = (chromium_ua or "").strip()
    if BROWSER_SUFFIX in ua:
        return ua
    return f"{ua} {BROWSER_SUFFIX}".strip()


def is_kmdiag(ua: str | None) -> bool:
    """Whether a logged User-Agent is one of kmdiag's own (any version)."""
    return bool(ua) and f"{PRODUCT}/" in str(ua).lower()
