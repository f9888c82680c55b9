"""Shared probe helpers."""

from __future__ import annotations


class Skip(Exception):
    """Raised by a probe that should not run here (no token, no browser, layer not applicable).

    The runner records it as a measurement with ``error_kind="skipped"``; checks that need it are
    reported as ``skip`` with this reason.
    """

    def __init__(self, why: object) -> None:
        # ``why`` may be a bilingual :class:`~kmdiag.i18n.T`: the English is the message, the Chinese
        # goes to the Chinese report (``Measurement.error_zh``).
        en = getattr(why, "en", None)
        super().__init__(en if isinstance(en, str) else str(why))
        zh = getattr(why, "zh", None)
        self.zh: str | None = zh if isinstance(zh, str) else None
