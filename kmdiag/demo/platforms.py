"""Which demo to start: the default demo shop, or a demo platform (``--demo --platform acg-faka``).

One place for ``kmdiag order|payment|demo``, the sweep and ``--renotify``, so every command gets the
same shop for the same options; the default (no ``--platform``) is the embedded demo shop, unchanged.
"""

from __future__ import annotations

from typing import Any

from kmdiag.errors import UsageError

PLATFORMS = ("acg-faka",)


def check_platform(platform: str | None, demo: bool) -> None:
    if platform is None:
        return
    if not demo:
        raise UsageError("--platform only works with --demo", hint=f"kmdiag order --demo --platform {platform}")
    if platform not in PLATFORMS:
        raise UsageError(f"--platform: '{platform}' is not one of {', '.join(PLATFORMS)}")


def make_demo(faults: list[str], command: str, platform: str | None = None) -> Any:
    """The demo for these options, not started yet (``.start()`` it)."""
    check_platform(platform, True)
    if platform == "acg-faka":
        from kmdiag.demo.acgfaka.mode import AcgFakaDemo

        return AcgFakaDemo(faults, command=command)
    from kmdiag.demo.runtime import DemoShop

    return DemoShop(faults, command=command)
