"""Which shop a command talks to: the embedded demo, a shop's URL, or a profile — resolved in one place.

Why one function: ``kmdiag order``, ``kmdiag payment``, ``payment --sweep`` and ``--renotify`` must
reach the same shop with the same profile, the same checks of its URLs, the same secrets from the
environment and the same demo for the same options; three copies of this had drifted (one checked a
pasted URL, two did not). The demo, when asked for, is started here and lives until :meth:`Target.close`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from kmdiag.errors import UsageError


@dataclass
class Target:
    """A resolved shop: its profile, the environment its secrets come from, and the demo (if one was started)."""

    profile: Any
    environ: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)
    demo: Any = None

    def close(self) -> None:
        """Stop the demo shop (idempotent); a real shop has nothing to stop."""
        demo, self.demo = self.demo, None
        if demo is not None:
            demo.stop()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def resolve(opts: Any, *, command: str, missing: UsageError, label: str | None = None,
            url_timeout: float | None = None, environ: dict[str, str] | None = None) -> Target:
    """The shop ``opts`` names (``--demo`` [``--platform``] | ``--url``/URL | ``--profile``), with its secrets.

    ``command`` is the pipeline the profile is for (``order`` | ``payment``); ``label`` names the
    command in "this profile is not rooted" errors; ``missing`` is raised when no shop is named.
    Raises :class:`~kmdiag.errors.KmdiagError` (exit 2) for bad URLs and profiles, before any request.
    A demo started here is stopped again if anything after its start fails.
    """
    from kmdiag.demo.platforms import check_platform, make_demo

    platform = opts.extra.get("platform")
    check_platform(platform, opts.demo)
    env = dict(os.environ if environ is None else environ)
    demo = None
    try:
        if opts.demo:
            demo = make_demo(opts.faults, command, platform).start()
            profile = demo.profile()
            env.update(demo.environ)
            env.update(demo.secrets)
        elif opts.url:
            from kmdiag.profile.detect import profile_for_url

            check_url(opts.url)
            kw = {"timeout": url_timeout} if url_timeout is not None else {}
            profile = profile_for_url(opts.url, opts.profile, command=command, **kw)
        elif opts.profile:
            from kmdiag.profile.loader import load_profile, require_rooted

            profile = require_rooted(load_profile(opts.profile), opts.profile, label or command)
        else:
            raise missing
        check_profile(profile)
        return Target(profile, env, secrets_from_profile(profile, env), demo)
    except BaseException:  # a usage error or Ctrl-C after the demo's start: nothing it started outlives it
        if demo is not None:
            demo.stop()
        raise


def secrets_from_profile(profile: Any, environ: dict[str, str]) -> dict[str, str]:
    """Env-var name → value for every ``*_env`` field the profile names and the environment has."""
    out: dict[str, str] = {}

    def walk(obj: Any) -> None:
        if hasattr(type(obj), "model_fields"):
            for name in type(obj).model_fields:
                v = getattr(obj, name)
                if name.endswith("_env") and isinstance(v, str) and environ.get(v):
                    out[v] = environ[v]
                else:
                    walk(v)

    walk(profile)
    return out


def check_url(url: str) -> None:
    from kmdiag.ids import InvalidURL, check_url

    try:
        check_url(url)
    except InvalidURL as exc:
        raise UsageError(str(exc), hint="e.g. kmdiag order https://shop.example.com/buy/1") from None


def check_profile(profile: Any) -> None:
    """Bad URLs in a profile are profile errors (exit 2), found before any request."""
    from kmdiag.errors import KmdiagError
    from kmdiag.ids import InvalidURL, check_profile_urls

    try:
        check_profile_urls(profile)
    except InvalidURL as exc:
        raise KmdiagError(f"profile {getattr(profile, 'name', '')}: {exc}") from None
