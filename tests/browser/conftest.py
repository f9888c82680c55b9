"""Browser tests need a Chromium; without one they are skipped (the no-browser path is tested
separately and needs none)."""

from __future__ import annotations

import os

import pytest


def _have_chromium() -> bool:
    from kmdiag.browser.finder import candidates

    return any(c.path and os.path.exists(c.path) for c in candidates(None, os.environ)) or any(
        c.kind == "channel" for c in candidates(None, os.environ))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _have_chromium():
        return
    skip = pytest.mark.skip(reason="no Chromium / Chrome installed (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)
