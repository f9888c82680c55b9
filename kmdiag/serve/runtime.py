"""What a loaded configuration needs while it serves: its demo shops and how to resolve a profile.

Why a separate object: SIGHUP swaps the whole runtime at once (new config, new demo shops) while
probes already running finish with the one they started with; nothing is mutated under them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from kmdiag.serve.config import Config, ProfileEntry


@dataclass
class Resolved:
    profile: Any
    environ: dict[str, str]
    demo: Any = None
    name: str | None = None


@dataclass
class Runtime:
    config: Config
    demos: dict[str, Any] = field(default_factory=dict)
    seeded_lost: dict[str, list[str]] = field(default_factory=dict)  # demo profile → its seeded 掉单 ids

    @classmethod
    def start(cls, config: Config) -> Runtime:
        rt = cls(config)
        try:
            for name, entry in config.profiles.items():
                if entry.demo is not None:
                    rt.demos[name], rt.seeded_lost[name] = _start_demo(entry)
        except BaseException:
            rt.stop()
            raise
        return rt

    def stop(self) -> None:
        for d in self.demos.values():
            try:
                d.stop()
            except Exception:
                pass
        self.demos.clear()

    def resolve(self, name: str | None, target: str | None) -> Resolved:
        """The profile to run (re-rooted on ``target`` when given) and the environment its secrets come from.

        KmdiagError (a profile error) when the profile cannot be loaded or re-rooted.
        """
        from kmdiag.profile.loader import load_profile, profile_from_url, require_rooted

        environ = dict(os.environ)
        if name is None:
            assert target is not None
            return Resolved(profile_from_url(target, base="generic"), environ)
        entry: ProfileEntry = self.config.profiles[name]
        for want, source in entry.env.items():
            if source in os.environ:
                environ[want] = os.environ[source]
        if entry.demo is not None:
            demo = self.demos[name]
            environ.update(demo.environ)
            environ.update(demo.secrets)
            return Resolved(demo.profile(), environ, demo, name)
        assert entry.profile is not None
        if target:
            prof = profile_from_url(target, base=entry.profile)
        else:  # as the CLI does: a profile still on a documentation host names no shop to probe
            prof = require_rooted(load_profile(entry.profile), entry.profile)
        return Resolved(prof, environ, None, name)


def _start_demo(entry: ProfileEntry) -> tuple[Any, list[str]]:
    from kmdiag.demo.runtime import DemoShop

    assert entry.demo is not None
    demo = DemoShop(entry.demo.faults, command=entry.demo.command).start()
    lost: list[str] = []
    if entry.demo.seed_orders:
        from kmdiag.demo.pay.seed import seed_orders

        lost = seed_orders(demo, entry.demo.seed_orders, entry.demo.seed_lost, seed=0)
    return demo, lost
