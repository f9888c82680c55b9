"""JSON (and YAML-shaped data) from untrusted sources: depth-limited, lone surrogates replaced.

Why: a shop or provider answer is data for the report, never a way to crash kmdiag. Python's JSON
parser accepts ~900 levels of nesting, but everything after it (the redactor, the renderers,
``json.dumps`` of the report) recurses too and dies with RecursionError; a JSON-escaped lone
surrogate (``"\\ud800"``) parses into a string that cannot be written as UTF-8. :func:`loads`
refuses the first (``ValueError``: the probe records "not usable JSON") and repairs the second;
:func:`clip` cuts anything a probe measured to :data:`MAX_DEPTH` before it reaches the report.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # an order, a callback list, a provider record: under 10 levels
CLIPPED = "[nested too deeply: cut by kmdiag]"
_LONE = re.compile(r"\\u(d[89ab][0-9a-f]{2})(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}",
                   re.I)


def depth_exceeds(obj: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether containers in ``obj`` nest deeper than ``limit`` (iterative: no recursion of its own).

    Each container is looked at once, so YAML aliases (a "billion laughs" bomb shares its lists)
    cost their unique size, not their expanded one.
    """
    stack: list[tuple[Any, int]] = [(obj, 1)]
    seen: set[int] = set()
    while stack:
        cur, d = stack.pop()
        if isinstance(cur, dict | list | tuple):
            if d > limit:
                return True
            if id(cur) in seen:
                continue
            seen.add(id(cur))
            stack.extend((v, d + 1) for v in (cur.values() if isinstance(cur, dict) else cur))
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_fix(s: str) -> str:
    # One regex scan, not a Python loop over every character (that loop was 281 steps of every
    # provider answer the sweep read: about 0.1 ms an order).
    if _SURROGATE.search(s):
        return s.encode("utf-8", "replace").decode("utf-8")
    return s


def loads(text: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` for answers kmdiag did not write. ValueError for invalid or too-deep JSON."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    if "\\u" in text and ("\\ud" in text.lower()):
        text = _LONE.sub(r"\\ufffd", text)
    text = _text_fix(text)
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None
    if depth_exceeds(data, limit):
        raise ValueError(f"JSON nested deeper than {limit} levels")
    return data


def response_json(r: Any, limit: int = MAX_DEPTH) -> Any:
    """An httpx response's JSON through :func:`loads`."""
    return loads(r.content, limit)


def clip(obj: Any, limit: int = MAX_DEPTH) -> Any:
    """``obj`` with containers below ``limit`` levels replaced by :data:`CLIPPED`, and lone surrogates
    in strings replaced; the same object when nothing needs changing (the common case: no copy)."""
    if not depth_exceeds(obj, limit) and not _has_surrogates(obj):
        return obj
    return _clip(obj, limit)


def _has_surrogates(obj: Any) -> bool:
    stack = [obj]
    seen: set[int] = set()
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict | list | tuple):
            if id(cur) in seen:
                continue
            seen.add(id(cur))
        if isinstance(cur, str):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in cur):
                return True
        elif isinstance(cur, dict):
            stack.extend(cur.keys())
            stack.extend(cur.values())
        elif isinstance(cur, list | tuple):
            stack.extend(cur)
    return False


def _clip(obj: Any, left: int) -> Any:
    if isinstance(obj, str):
        return _text_fix(obj)
    if isinstance(obj, dict | list | tuple):
        if left <= 0:
            return CLIPPED
        if isinstance(obj, dict):
            return {(_text_fix(k) if isinstance(k, str) else k): _clip(v, left - 1) for k, v in obj.items()}
        return [_clip(v, left - 1) for v in obj]
    return obj
