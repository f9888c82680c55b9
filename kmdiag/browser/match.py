"""Does a request the page sent look like the order request the profile names?

``order_request`` is ``"METHOD /path"`` with ``*`` wildcards (``"POST /user/api/order/*"``);
``"/path"`` alone matches any method. Without a rule, any state-changing request (POST, PUT,
PATCH) to the page's own site counts, which is what an order click sends on every platform we
know. Pure, so checks and tests can use it too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit


def compile_rule(rule: str | None) -> tuple[str | None, re.Pattern[str]] | None:
    if not rule or not rule.strip():
        return None
    parts = rule.strip().split(None, 1)
    if len(parts) == 2:
        method, path = parts[0].upper(), parts[1]
    else:
        method, path = None, parts[0]
    path = urlsplit(path).path if "://" in path else path.split("?", 1)[0]
    rx = re.compile("^" + ".*".join(re.escape(p) for p in path.split("*")) + "/?$")
    return method, rx


def is_order_request(method: str, url: str, rule: str | None, page_url: str | None = None) -> bool:
    parts = urlsplit(url)
    compiled = compile_rule(rule)
    if compiled is None:
        if method.upper() not in ("POST", "PUT", "PATCH"):
            return False
        return page_url is None or urlsplit(page_url).netloc == parts.netloc
    want_method, rx = compiled
    if want_method and want_method != method.upper():
        return False
    return bool(rx.match(parts.path or "/"))
