"""Probe ``network.dns``: every profile host, asked of the user's resolver and of each trusted one.

The trusted resolvers are the control (OONI's test helper, in miniature): comparing the two
answers is what tells a hijacked or broken local resolver from a shop that is really gone.
Only facts are recorded here (rcode, answers, timing, errors for A and AAAA); judging is the
checks' job.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kmdiag.probes import ProbeContext
from kmdiag.probes._netdns import lookup, user_servers
from kmdiag.probes._netutil import hosts_for, is_ip, short_timeout, split_hostport
from kmdiag.registry import probe


@probe("network.dns", layer="network", timeout=8.0)
async def dns_probe(ctx: ProbeContext) -> dict[str, Any]:
    """Resolve every host with the user's resolver and with each trusted resolver (A and AAAA)."""
    net = ctx.profile.network
    servers, source, config_error = user_servers(net.system_resolver)
    trusted: list[tuple[str, int]] = []
    bad_trusted: list[str] = []
    for t in net.trusted_resolvers:
        try:
            trusted.append(split_hostport(t, 53))
        except ValueError:
            bad_trusted.append(t)
    timeout = short_timeout(ctx, 2.0)
    hosts = hosts_for(ctx.profile)

    async def one(h: dict[str, Any]) -> dict[str, Any]:
        if is_ip(h["host"]):
            return {**h, "literal": True, "system": None, "trusted": []}
        sys_ans, *ctl = await asyncio.gather(
            lookup(servers, h["host"], timeout), *(lookup([t], h["host"], timeout) for t in trusted))
        return {**h, "literal": False, "system": sys_ans, "trusted": list(ctl)}

    results = await asyncio.gather(*(one(h) for h in hosts))
    return {
        "system_resolver": [f"{s[0]}:{s[1]}" for s in servers],
        "system_resolver_source": source,
        "config_error": config_error,
        "trusted_resolvers": [f"{s[0]}:{s[1]}" for s in trusted],
        "bad_trusted_resolvers": bad_trusted,
        "timeout_s": round(timeout, 2),
        "hosts": list(results),
    }
