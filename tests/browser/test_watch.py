"""The feedback window (kmdiag/probes/_browser_watch.py) waits on the page's own DOM changes: the
visible text is read after a change, never in a tight loop, and the window ends at its deadline.

A stand-in page answers the two evaluations the watch sends, so what is counted is exactly what
would cross the DevTools pipe; real pages are covered by the browser end-to-end tests."""

from __future__ import annotations

import asyncio
from typing import Any

from kmdiag.probes import _browser_js as js
from kmdiag.probes._browser_watch import NEXT_CHANGE, watch_feedback


class _Page:
    def __init__(self, mutations: str, texts: list[list[str]] | None = None) -> None:
        self.mutations = mutations  # "none" | "always" | "untracked" | "once"
        self.count = 0
        self.reads = 0
        self.texts = texts

    async def evaluate(self, script: str, arg: Any = None) -> Any:
        if script == NEXT_CHANGE:
            seen, ms = arg
            if self.mutations == "untracked":
                await asyncio.sleep(ms / 1000)
                return -1
            if self.mutations == "always" or (self.mutations == "once" and self.count == 0 and seen is not None):
                self.count += 1
                return self.count
            if seen != self.count:
                return self.count
            await asyncio.sleep(ms / 1000)
            return self.count
        assert script == js.VISIBLE_TEXT
        self.reads += 1
        if self.texts and self.count:
            return self.texts[min(self.count, len(self.texts)) - 1]
        return ["买", "下单"]

    def locator(self, _sel: str) -> Any:
        raise RuntimeError("no success selector in these tests")


class _Session:
    def __init__(self, page: _Page) -> None:
        self.page = page
        self.dialogs: list[dict[str, Any]] = []
        self.navigations: list[str] = []
        self.orders: list[dict[str, Any]] = []

    def _order_done(self) -> bool:
        return False


def _watch(page: _Page, ms: int = 400) -> dict[str, Any]:
    return asyncio.run(watch_feedback(_Session(page), ["买", "下单"], ms, 10.0, None))


def test_a_page_that_never_changes_is_read_once() -> None:
    page = _Page("none")
    out = _watch(page)
    assert page.reads == 1  # the first look after the click; then only the page's own wait
    assert out["new_text"] == [] and out["waited_ms"] >= 400  # the whole window: nothing answered


def test_a_page_that_changes_all_the_time_is_read_at_most_every_50_ms() -> None:
    page = _Page("always")
    out = _watch(page)
    assert 2 <= page.reads <= 400 // 50 + 2
    assert out["new_text"] == []


def test_without_the_mutation_count_the_text_is_read_every_slice() -> None:
    page = _Page("untracked")
    _watch(page)
    assert 2 <= page.reads <= 400 // 100 + 2


def test_new_text_after_a_change_is_seen_and_without_an_order_ends_the_wait() -> None:
    page = _Page("once", texts=[["买", "下单", "请先登录"]])
    out = _watch(page, ms=20_000)
    assert out["new_text"] == ["请先登录"]
    assert out["waited_ms"] < 20_000  # a visible answer and no order request: not waited out
