"""Start Playwright's driver and Chromium while the rest of the run starts (pre-launch).

Before the first probe runs, ``kmdiag order`` spends most of a second importing its own code,
starting the demo and resolving the profile; Playwright's driver (a Node.js process) needs about
as long to boot, and Chromium half that again. They are separate processes, so they can boot on the
other core meanwhile: :class:`Prelaunch` owns the run's event loop (an :class:`asyncio.Runner`),
spawns the driver first thing, asks it to launch Chromium as soon as the launch arguments are known
(the demo's resolver table and certificate key), and then hands the browser to ``browser.page``
on that same loop.

The probe takes the browser only when its own launch plan (arguments, executable, environment),
computed when it starts, is exactly the one the browser was started with; otherwise it launches
its own as before and the pre-launched one is closed at the end. So a pre-launch never changes
what the browser sees, only when it was started. ``KMDIAG_PRELAUNCH=0`` turns it off (the
benchmarks' A/B switch).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

_SPAWN_CAP_S = 0.5  # the loop runs at most this long at a time during start-up (only to spawn / send)


def _children() -> int | None:
    """How many child processes this process has (Linux /proc), else None."""
    try:
        import os

        return sum(len(open(f"/proc/self/task/{t}/children").read().split()) for t in os.listdir("/proc/self/task"))
    except OSError:
        return None


class Prelaunch:
    """The run's event loop, with Playwright (and later Chromium) starting in it."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.loop = self.runner.get_loop()
        self._cm: Any = None
        self._pw: asyncio.Task[Any] | None = None
        self._launch: asyncio.Task[Any] | None = None
        self.plan: tuple[Any, ...] | None = None
        self.taken = False
        self.user_agent: str | None = None
        self.marks: dict[str, int] = {}
        self._closing: list[asyncio.Future[Any]] = []
        self._t0 = time.monotonic()

    def _mark(self, name: str) -> None:
        self.marks[name] = int((time.monotonic() - self._t0) * 1000)

    def _pump(self, done: Callable[[], bool], cap_s: float = _SPAWN_CAP_S, turns: int = 400) -> None:
        """Run the loop until ``done()`` (a process spawned), at most ``turns`` loop turns / ``cap_s``.

        The turns are ``sleep(0)``: callbacks only, no waiting for the other process."""

        async def until() -> None:
            end = time.monotonic() + cap_s
            for _ in range(turns):
                if done() or time.monotonic() >= end:
                    return
                await asyncio.sleep(0)

        self.runner.run(until())

    def start_driver(self) -> None:
        """Spawn Playwright's driver; it boots in its own process while Python goes on."""
        from playwright.async_api import async_playwright

        self._cm = async_playwright()
        before = _children()

        async def start() -> Any:
            pw = await self._cm.start()
            self._mark("driver")
            return pw

        self._pw = self.loop.create_task(start())
        # The driver process is spawned a few loop turns in (Popen inside the transport's connect).
        self._pump(lambda: self._pw is None or self._pw.done() or (before is not None and (_children() or 0) > before))

    def poll(self) -> None:
        """Let the driver's handshake go on if its process has booted meanwhile (never waits for it)."""
        if self._pw is not None and not self._pw.done():
            self._pump(lambda: self._pw is None or self._pw.done(), cap_s=0.05)

    def launch(self, plan: tuple[Any, ...], timeout_s: float, wait_s: float = 0.0) -> None:
        """Ask for Chromium with this plan (args, explicit executable, environment) as soon as the driver is up.

        ``wait_s``: wait up to this long for a driver still booting, so the launch request is sent now.
        Measured (2 cores): when the request waits for the probes' loop instead, the driver's handshake
        and the launch compete there with every other probe's Python work and the demo's servers, and
        Chromium was ready about 0.55 s later than with the request sent before the probes start;
        while this waits, the loop sleeps in ``select`` and Node has the CPU."""
        from kmdiag.browser import launcher

        if self._pw is None or self._launch is not None:
            return
        self.plan = plan
        args, explicit, environ = plan
        pw_task = self._pw

        async def go() -> Any:
            pw = await pw_task
            launched = await launcher.launch(pw, explicit=explicit, environ=environ, args=list(args), timeout_s=timeout_s)
            self._mark("launched")
            if launched.ok:  # Chromium's own User-Agent, asked while nothing waits for it
                self.user_agent = await chromium_ua(launched.browser, 1.5)
            return launched

        self._launch = self.loop.create_task(go())

        async def sent() -> None:
            if wait_s > 0 and not pw_task.done():
                await asyncio.wait([pw_task], timeout=wait_s)
            if pw_task.done():  # a few loop turns: the launch message reaches the driver's pipe
                for _ in range(50):
                    await asyncio.sleep(0)

        # A driver not up within wait_s gets the launch when the probes' loop runs.
        self.runner.run(sent())

    async def take(self, plan: tuple[Any, ...], within_s: float) -> Any:
        """The pre-launched :class:`~kmdiag.browser.launcher.Launched` when ``plan`` is the one it was
        started with (each browser is taken once); ``None`` = launch your own."""
        if self.taken or self._launch is None or plan != self.plan:
            return None
        self.taken = True
        try:
            return await asyncio.wait_for(asyncio.shield(self._launch), max(0.1, within_s))
        except TimeoutError:
            from kmdiag.browser.finder import no_browser_message
            from kmdiag.browser.launcher import Launched

            return Launched(None, None, [{"browser": "chromium", "error": f"did not start within {within_s:.1f}s"}],
                            no_browser_message())
        except Exception:  # the driver itself did not start: the probe tries on its own and says why
            self.taken = False
            self.plan = None
            return None

    async def close_later(self, browser: Any) -> None:
        """Start closing a browser the probe is done with; :meth:`close` waits for it to finish.

        Chromium's exit took 0.13–0.15 s of every run; it now overlaps the checks, the report and the
        demo's stop. Nothing happens in the browser any more: the visit has parked every page on a
        blank page with every request stopped (``_browser_guard.quiesce``) before handing it back."""
        self._closing.append(asyncio.ensure_future(browser.close()))
        for _ in range(20):  # a few loop turns: the close message reaches the driver's pipe
            await asyncio.sleep(0)

    async def _shutdown(self) -> None:
        if self._closing:
            await asyncio.wait(self._closing, timeout=2.0)
            for t in self._closing:
                if t.done() and not t.cancelled():
                    t.exception()  # retrieved: a browser that was already gone is not an error here
        if self._launch is not None:
            if not self._launch.done():
                self._launch.cancel()
            try:
                launched = await asyncio.wait_for(asyncio.shield(self._launch), 2.0)
                if launched.ok and not self.taken:  # started for a probe that never came (another plan, --only)
                    await asyncio.wait_for(launched.browser.close(), 2.0)
            except BaseException:
                pass
        if self._pw is not None:
            try:
                pw = await asyncio.wait_for(asyncio.shield(self._pw), 3.0)
                await asyncio.wait_for(pw.stop(), 3.0)
            except BaseException:
                pass

    def close(self) -> None:
        """Close what was started and was not handed over, stop the driver, close the loop. Idempotent."""
        if self.loop.is_closed():
            return
        try:
            self.runner.run(self._shutdown())
        except BaseException:
            pass
        finally:
            self.runner.close()


def launch_plan(options: Mapping[str, Any], demo: Any, host_map: Mapping[str, str] | None) -> tuple[Any, ...]:
    """What ``browser.page`` launches Chromium with: (args, explicit executable, environment).

    One function for the probe and the pre-launch, so the two can only agree or launch apart."""
    import os

    from kmdiag.browser.launcher import launch_args

    spki: list[str] = []
    if demo is not None:
        from kmdiag.demo.certs import spki_sha256_b64

        spki = [spki_sha256_b64(demo.leaf.cert_pem)]
    environ = options.get("environ") or os.environ
    # Demo and test runs: Chromium resolves only the test hosts (KMDIAG_BROWSER_LOCKDOWN=1 is set
    # by the test suite, so even URL runs against loopback pages send nothing anywhere else).
    lockdown = demo is not None or bool(options.get("browser_lockdown")) or environ.get("KMDIAG_BROWSER_LOCKDOWN") == "1"
    args = tuple(launch_args(host_map=host_map, lockdown=lockdown, trusted_spki=spki))
    return args, options.get("browser_path"), dict(environ)


async def chromium_ua(browser: Any, within_s: float) -> str:
    """Chromium's own User-Agent (from the browser, not guessed), to which kmdiag's name is appended.

    Bounded by what the probe has left: on a starved machine a plain UA (still naming kmdiag) is
    better than a visit cut off by the budget."""
    async def ask() -> str:
        cdp = await browser.new_browser_cdp_session()
        ver = await cdp.send("Browser.getVersion")
        try:
            await cdp.detach()
        except Exception:
            pass
        return str(ver.get("userAgent") or "")

    try:
        return await asyncio.wait_for(ask(), max(0.1, within_s))
    except Exception:  # not Chromium, no CDP, or no time: a plain UA still names kmdiag
        version = getattr(browser, "version", None) or "0"
        return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{version} Safari/537.36"
