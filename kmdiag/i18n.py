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
        """Fill both halves; a parameter that is itself a :class:`T` gives each half its own words
        (``status=T(zh="未支付", en="unpaid")``), so measured values can be translated too."""
        zh = {k: v.zh if isinstance(v, T) else v for k, v in params.items()}
        en = {k: v.en if isinstance(v, T) else v for k, v in params.items()}
        return T(zh=_safe_format(self.zh, zh), en=_safe_format(self.en, en))

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


# -- small helpers so that Chinese output uses Chinese punctuation and words -------------------------

AUDIENCE = {"user": ("用户", "You"), "agent": ("客服", "Support"), "operator": ("运营", "Operator")}


def colon(lang: str) -> str:
    """The colon after a label: full-width in Chinese (``用户：``), ``: `` in English."""
    return "：" if lang == "zh" else ": "


def paren(text: str, lang: str) -> str:
    """A parenthesised remark: ``（…）`` in Chinese, `` (…)`` in English."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def listing(items: list[str], lang: str) -> str:
    """A list of names: ``a、b、c`` in Chinese, ``a, b, c`` in English."""
    return ("、" if lang == "zh" else ", ").join(items)


def quote(text: str, lang: str) -> str:
    """Verbatim text from the target (a page's message, an error string): 「…」 in Chinese, "…" in English.

    The zh-output test does not expect words inside 「」 to be Chinese: they are the shop's own words.
    """
    return f"「{text}」" if lang == "zh" else f'"{text}"'


def seconds(ms: float, lang: str) -> str:
    return f"{ms / 1000:.1f} 秒" if lang == "zh" else f"{ms / 1000:.1f} s"


def audience(name: str, lang: str) -> str:
    pair = AUDIENCE.get(name)
    return (pair[0] if lang == "zh" else pair[1]) if pair else name
