"""``kmdiag payment``: one order's diagnosis, ``--sweep`` for lost callbacks, ``--renotify``."""

from __future__ import annotations

from kmdiag.cli.run import RunOptions, run_diagnosis
from kmdiag.errors import UsageError


def main(opts: RunOptions, *, sweep: bool, renotify: bool) -> int:
    oid = opts.extra.get("order_id")
    if oid is not None:
        from kmdiag.ids import InvalidOrderId, check_order_id

        try:
            check_order_id(oid)
        except InvalidOrderId as exc:
            raise UsageError(f"ORDER_ID: {exc}", hint="copy the order number exactly as the shop shows it") from None
    if sweep and renotify:
        raise UsageError("--sweep and --renotify do not go together")
    if sweep:
        from kmdiag.cli.sweep import main as sweep_main

        return sweep_main(opts)
    if renotify:
        from kmdiag.cli.renotify import main as renotify_main

        return renotify_main(opts)
    if not opts.extra.get("order_id") and not opts.demo:
        raise UsageError("which order? give ORDER_ID", hint="kmdiag payment KM20261125000001 --profile dujiaoka")
    return run_diagnosis(opts)
