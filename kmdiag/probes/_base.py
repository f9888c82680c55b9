"""Shared probe helpers."""

from __future__ import annotations


class Skip(Exception):
    """Raised by a probe that should not run here (no token, no browser, layer not applicable).

    The runner records it as a measurement with ``error_kind="skipped"``; checks that need it are
    reported as ``skip`` with this reason.
    """
