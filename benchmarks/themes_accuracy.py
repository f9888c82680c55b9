"""Accuracy of `kmdiag order URL` on the theme-shaped pages of tests/themes/pages/.

Serves the pages on loopback, runs the CLI on each (no profile, and the built-in profile where the
page is shaped like that platform), and counts a page as right when the first cause and the exit
code are the ones tests/themes/server.py EXPECTED names. Chromium resolves nothing but loopback
(KMDIAG_BROWSER_LOCKDOWN=1), so the dead-CDN pages stay dead and nothing leaves the machine.

    .venv/bin/python -m benchmarks.themes_accuracy [--json]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time

os.environ["KMDIAG_BROWSER_LOCKDOWN"] = "1"
os.environ.setdefault("KMDIAG_LANG", "en")


def run_one(base: str, page: str, profile: str | None) -> tuple[int, str | None, float]:
    from kmdiag.cli.app import run

    args = ["order", f"{base}/p/{page}", "--only", "browser", "--format", "json"]
    if profile:
        args += ["--profile", profile]
    out, err = io.StringIO(), io.StringIO()
    t = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args)
    took = time.monotonic() - t
    try:
        causes = json.loads(out.getvalue()).get("causes") or []
    except ValueError:
        causes = []
    return code, (causes[0]["id"] if causes else None), took


def main() -> int:
    from tests.themes.server import EXPECTED, serve

    rows = []
    with serve() as srv:
        for page, profile, want, want_code in EXPECTED:
            before = len(srv.orders)
            code, got, took = run_one(srv.base, page, profile)
            rows.append({"created": len(srv.orders) - before, "page": page, "profile": profile or "-", "want": want, "got": got, "want_code": want_code,
                         "code": code, "ok": got == want and code == want_code, "s": round(took, 1)})
        created = len(srv.orders)
    right = sum(r["ok"] for r in rows)
    if "--json" in sys.argv:
        print(json.dumps({"rows": rows, "right": right, "total": len(rows), "orders_created": created}, indent=1))
    else:
        for r in rows:
            print(f"{'ok ' if r['ok'] else 'BAD'} {r['page']:<22} {r['profile']:<9} want {r['want']} ({r['want_code']})"
                  f"  got {r['got']} ({r['code']})  {r['s']} s" + (f"  ORDERS CREATED: {r['created']}" if r["created"] else ""))
        print(f"accuracy {right}/{len(rows)} = {right / len(rows):.0%}; orders created: {created}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
