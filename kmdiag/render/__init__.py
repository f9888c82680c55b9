"""Renderers take a Report (and a language) and return text. They never see probes or the network.

Every format goes through :func:`render`, which hands the renderer a copy of the report whose every
string has already passed the run's one :class:`~kmdiag.redact.Redactor` (so a secret cannot slip
through by being wrapped across lines or escaped by a renderer), and redacts the finished output
again, so no renderer can forget to redact.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

from kmdiag.i18n import T
from kmdiag.models import Report
from kmdiag.redact import Redactor

FORMATS = ("text", "json", "markdown", "junit", "html")

Renderer = Callable[..., str]

_MODULES = {"text": "kmdiag.render.text", "json": "kmdiag.render.json_", "markdown": "kmdiag.render.markdown",
            "junit": "kmdiag.render.junit", "html": "kmdiag.render.html"}


def renderer(fmt: str) -> Renderer:
    mod = importlib.import_module(_MODULES[fmt])
    return mod.render  # type: ignore[no-any-return]


def redacted(report: Report, redactor: Redactor) -> Report:
    """A copy of ``report`` with every text, evidence value and path redacted (the original is untouched)."""

    def t(x: T) -> T:
        return T(zh=redactor.text(x.zh), en=redactor.text(x.en))

    return dataclasses.replace(
        report,
        target=redactor.text(report.target),
        findings=[dataclasses.replace(f, title=t(f.title), summary=t(f.summary), evidence=redactor.data(f.evidence))
                  for f in report.findings],
        causes=[dataclasses.replace(c, title=t(c.title), explanation=t(c.explanation),
                                    next_steps=[dataclasses.replace(s, text=t(s.text)) for s in c.next_steps])
                for c in report.causes],
        artifacts=[dataclasses.replace(a, path=redactor.text(a.path), description=redactor.text(a.description))
                   for a in report.artifacts],
        notes=[t(n) for n in report.notes],
        meta={k: v if k.startswith("_") else redactor.data(v) for k, v in report.meta.items()},
    )


def render(report: Report, fmt: str, *, lang: str, redactor: Redactor, color: bool = False, width: int | None = None,
           verbose: bool = False) -> str:
    fn = renderer(fmt)
    out = fn(redacted(report, redactor), lang=lang, redactor=redactor, color=color, width=width, verbose=verbose)
    return redactor.text(out)
