"""Renderers take a Report (and a language) and return text. They never see probes or the network.

Every format goes through :func:`render`, which applies the run's one :class:`~kmdiag.redact.Redactor`
to the finished output, so no renderer can forget to redact.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from kmdiag.models import Report
from kmdiag.redact import Redactor

FORMATS = ("text", "json", "markdown", "junit", "html")

Renderer = Callable[..., str]

_MODULES = {"text": "kmdiag.render.text", "json": "kmdiag.render.json_", "markdown": "kmdiag.render.markdown",
            "junit": "kmdiag.render.junit", "html": "kmdiag.render.html"}


def renderer(fmt: str) -> Renderer:
    mod = importlib.import_module(_MODULES[fmt])
    return mod.render  # type: ignore[no-any-return]


def render(report: Report, fmt: str, *, lang: str, redactor: Redactor, color: bool = False, width: int | None = None) -> str:
    fn = renderer(fmt)
    out = fn(report, lang=lang, redactor=redactor, color=color, width=width)
    return redactor.text(out)
