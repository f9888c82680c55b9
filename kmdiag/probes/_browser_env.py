"""Where the browser's names resolve and which session it carries, from the run's context.

Coordination with the network layer happens only through measurements: when ``network.dns`` has
already recorded what the user's resolver answered, Chromium is pointed at exactly those
addresses (so a hijacked answer shows in the browser as it would for the user); otherwise the
demo's own table is used. Real runs get no resolver rules at all.
"""

from __future__ import annotations

from typing import Any

from kmdiag.probes._context import ProbeContext


def host_map_for(ctx: ProbeContext, demo: Any) -> tuple[dict[str, str] | None, str | None]:
    """Where test hosts should resolve: the network layer's choice if it published one, else the demo's.

    A network probe may publish ``{"browser_host_map": {host: address}}`` in its measurement (the
    address the user's resolver gave); we only read measurements, never call the network layer.
    """
    for pid, m in sorted(ctx.measurements.items()):
        hm = m.data.get("browser_host_map") if pid.startswith("network.") and m.ok else None
        if isinstance(hm, dict) and hm:
            return {str(k): str(v) for k, v in hm.items()}, pid
    if demo is None:
        return None, None
    out = dict(demo.host_map())
    source = "demo"
    dns = ctx.measurements.get("network.dns")
    if dns is not None and dns.ok:  # the answers the user's resolver really gave, as the network layer saw them
        for h in dns.data.get("hosts") or []:
            if not isinstance(h, dict) or h.get("literal") or not h.get("host"):
                continue
            answers = ((h.get("system") or {}).get("A") or {}).get("answers") or []
            out[str(h["host"])] = str(answers[0]) if answers else "~NOTFOUND"
            source = "network.dns"
    return out, source
