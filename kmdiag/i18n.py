"""Bilingual text: every title, explanation and next step exists in Chinese and English.

Text is kept as a pair until rendering, so one report can be rendered in either language and a
test can enumerate every string and prove that neither half is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

LANGS = ("zh", "en")


@dataclass(frozen=True)
class T:
    """A pair of texts. ``format`` fills ``{name}`` placeholders in both halves."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, **params: Any) -> T:
        return T(zh=_safe_format(self.zh, params), en=_safe_format(self.en, params))

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _safe_format(text: str, params: dict[str, Any]) -> str:
    """Fill placeholders; an unknown placeholder stays visible instead of raising."""
    try:
        return text.format_map(_Missing(params))
    except (ValueError, IndexError, AttributeError):
        return text


def same(text: str) -> T:
    """A text that reads the same in both languages (a URL, a number, a code)."""
    return T(zh=text, en=text)


def default_lang(environ: dict[str, str] | None = None) -> str:
    """Chinese for zh_* locales, English otherwise (LC_ALL > LC_MESSAGES > LANG, as POSIX orders them)."""
    env = os.environ if environ is None else environ
    for var in ("KMDIAG_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
