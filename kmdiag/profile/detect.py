"""Which built-in platform runs at a URL: ``kmdiag payment ORDER_ID --url https://shop…`` without --profile.

Why: an agent whose shop runs a known platform (dujiaoka, acg-faka) should not write YAML. The
generic profile knows nothing about orders or callbacks, so for ``payment`` the shop's front page
is fetched once (kmdiag's own client: no redirects, capped, with a timeout) and compared with each
built-in profile's ``detect`` hints — cookie names and page text, facts that live in the profiles.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kmdiag.errors import UsageError
from kmdiag.profile.loader import builtin_profiles, load_profile, profile_from_url

MAX_BODY = 512 * 1024


def profile_for_url(url: str, name: str | None, *, command: str, timeout: float = 4.0) -> Any:
    """The profile for ``url``: ``name`` when given; for ``payment`` the detected built-in platform."""
    if name or command != "payment":
        return profile_from_url(url, base=name or "generic")
    found, seen = detect(url, timeout)
    if found is None:
        known = [n for n in builtin_profiles() if n not in ("demo", "generic")]
        raise UsageError(
            f"could not tell which platform runs at {url} ({seen})",
            hint="name it: kmdiag payment ORDER_ID --url URL --profile " + " | ".join(known),
        )
    return profile_from_url(url, base=found)


def score(hints: Any, cookies: list[str], body: str) -> int:
    """How many of a profile's hints the answer shows (0: not this platform)."""
    names = {c.split("=", 1)[0].strip().lower() for c in cookies}
    n = sum(1 for c in hints.cookies if c.lower() in names)
    return n + sum(1 for b in hints.body if b in body)


def detect(url: str, timeout: float) -> tuple[str | None, str]:
    """(built-in profile name or None, what was seen) after one GET of the shop's front page."""
    base = profile_from_url(url, base="generic")
    try:
        status, cookies, body = asyncio.run(_fetch(base, timeout))
    except Exception as exc:  # a shop that does not answer: say so, the user names the profile
        return None, f"the front page did not answer: {type(exc).__name__}"
    best: tuple[int, str | None] = (0, None)
    for name in builtin_profiles():
        if name in ("demo", "generic"):
            continue
        hints = load_profile(name).detect
        if hints is None:
            continue
        s = score(hints, cookies, body)
        if s > best[0]:
            best = (s, name)
    return best[1], f"HTTP {status}, no built-in profile's detect hints matched"


async def _fetch(profile: Any, timeout: float) -> tuple[int, list[str], str]:
    from kmdiag.payment.net import async_client

    async with async_client(profile, timeout=timeout, max_body=MAX_BODY) as c:
        r = await asyncio.wait_for(c.get(profile.base_url), timeout=timeout + 0.5)
    return r.status_code, r.headers.get_list("set-cookie"), r.text[:MAX_BODY]
