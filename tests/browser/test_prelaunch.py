"""The pre-launch (kmdiag/browser/prelaunch.py): a browser started early is handed over only for the
exact launch plan it was started with, once, and nothing it started outlives ``close()``."""

from __future__ import annotations

import asyncio
import os

import pytest

from kmdiag.browser.early import enabled
from kmdiag.browser.launcher import launch_args
from kmdiag.browser.prelaunch import Prelaunch, launch_plan

pytestmark = pytest.mark.browser


def test_plan_is_the_probes_plan_and_the_switch() -> None:
    env = {"KMDIAG_BROWSER_LOCKDOWN": "1"}
    args, explicit, environ = launch_plan({"environ": env, "browser_path": "/x/chromium"}, None, {"a.test": "127.0.0.1"})
    assert list(args) == launch_args(host_map={"a.test": "127.0.0.1"}, lockdown=True)
    assert explicit == "/x/chromium" and environ == env
    assert enabled({}) and not enabled({"KMDIAG_PRELAUNCH": "0"})


def _processes(marker: bytes, grandchildren: bool) -> set[int]:
    """Processes whose command line holds ``marker``, children of this test process (or of its children)."""
    me = os.getpid()
    out = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if marker in cmd and (ppid == me or (grandchildren and _parent_is(ppid, me))):
            out.add(int(pid))
    return out


def _chromiums() -> set[int]:
    """Chromium processes that are children of this test process's Playwright drivers."""
    return _processes(b"chrom", grandchildren=True)


def _parent_is(pid: int, ancestor: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1]) == ancestor
    except OSError:
        return False


def test_handed_over_only_for_its_own_plan_once_and_closed_after() -> None:
    env = dict(os.environ, KMDIAG_BROWSER_LOCKDOWN="1")
    plan = launch_plan({"environ": env}, None, None)
    other = launch_plan({"environ": env}, None, {"shop.kmdiag.test": "127.0.0.2"})
    pre = Prelaunch()
    try:
        pre.start_driver()
        pre.launch(plan, 20.0)

        async def takes() -> tuple[object, object, object]:
            mismatch = await pre.take(other, 20.0)  # another resolver table: the probe launches its own
            got = await pre.take(plan, 20.0)
            again = await pre.take(plan, 20.0)  # each browser is handed over once
            if got is not None and got.ok:
                assert got.browser.is_connected()
                assert pre.user_agent and "Chrome/" in pre.user_agent
                await got.browser.close()
            return mismatch, got, again

        mismatch, got, again = pre.runner.run(takes())
        assert mismatch is None and again is None
        assert got is not None and got.ok, getattr(got, "tried", None)  # type: ignore[union-attr]
        assert set(pre.marks) == {"driver", "launched"}
    finally:
        pre.close()
    assert pre.loop.is_closed()


def test_a_browser_nobody_took_is_closed() -> None:
    env = dict(os.environ, KMDIAG_BROWSER_LOCKDOWN="1")
    pre = Prelaunch()
    pre.start_driver()
    pre.launch(launch_plan({"environ": env}, None, None), 20.0)

    async def wait_launched() -> None:
        assert pre._launch is not None
        await asyncio.wait_for(asyncio.shield(pre._launch), 20.0)

    pre.runner.run(wait_launched())
    assert _chromiums(), "the pre-launched Chromium runs"
    pre.close()
    assert not _chromiums(), "close() ends the browser nobody took (and its driver)"


def _drivers() -> set[int]:
    """Playwright driver processes (``node ... run-driver``) that are children of this test process."""
    return _processes(b"run-driver", grandchildren=False)


@pytest.mark.parametrize("argv,guess", [
    (["order", "--demo", "--smoke"], True),
    (["order", "https://shop.example/buy/1"], True),
    (["order", "-p", "dujiaoka", "--timeout", "30"], True),
    (["order", "--demo", "--only", "browser,network"], True),
    (["order", "--demo", "--only", "network"], False),  # no browser layer: no browser
    (["order", "--demo", "--skip=browser"], False),
    (["order", "--demo", "--timeout", "2"], False),  # no time for a page: the probes get the CPU
    (["order", "--demo", "--timeout=abc"], False),  # typer says what is wrong; nothing started for it
    (["order", "--demo", "--help"], False),
    (["order"], False),  # no target: a usage error
    (["payment", "--demo", "KM1"], False),
    (["--version"], False),
])
def test_early_start_is_guessed_from_the_command_line(argv: list[str], guess: bool) -> None:
    from kmdiag.browser.early import _looks_like_order_visit

    assert _looks_like_order_visit(argv) is guess


def test_an_early_driver_the_command_line_did_not_need_is_stopped() -> None:
    """Spawned on a guess, before parsing; the command line then fails: the driver does not outlive it."""
    from kmdiag.browser import early
    from kmdiag.cli.app import run

    before = _drivers()
    assert run(["order", "--demo", "--no-such-option"]) == 2
    assert not early._EARLY
    assert _drivers() == before


def test_a_browser_closed_later_is_closed_by_close() -> None:
    """The probe hands its browser back (``close_later``) and returns; ``close()`` waits for the close."""
    env = dict(os.environ, KMDIAG_BROWSER_LOCKDOWN="1")
    plan = launch_plan({"environ": env}, None, None)
    pre = Prelaunch()
    pre.start_driver()
    pre.launch(plan, 20.0, wait_s=10.0)

    async def take_and_hand_back() -> None:
        got = await pre.take(plan, 20.0)
        assert got is not None and got.ok, getattr(got, "tried", None)
        await pre.close_later(got.browser)

    pre.runner.run(take_and_hand_back())
    pre.close()
    assert not _chromiums() and not _drivers()
