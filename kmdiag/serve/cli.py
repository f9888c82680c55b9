"""``kmdiag serve --config FILE``: check the configuration, start the demo shops it names, serve.

Exit codes: 0 stopped cleanly (SIGTERM), 130 Ctrl-C, or ``--check-config`` passed, 2 a bad
configuration (one ``file:line`` line on stderr).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path


def main(config: Path, *, check_only: bool = False, listen: str | None = None) -> int:
    from kmdiag.serve.config import load_config

    cfg = load_config(config)  # ConfigError → exit 2 with file:line, through the CLI's one error path
    if listen is not None:
        from kmdiag.serve.config import Config

        try:
            cfg.listen = Config._listen(listen)
        except ValueError as exc:
            from kmdiag.errors import UsageError

            raise UsageError(f"--listen: {exc}") from None
    if check_only:
        print(f"{config}: OK ({len(cfg.modules)} modules, {len(cfg.profiles)} profiles, {cfg.browsers} browsers)")
        return 0
    from kmdiag.serve.server import Exporter

    exp = Exporter(str(config), cfg, listen=cfg.listen if listen is not None else None)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=exp.reload, daemon=True).start())
        signal.signal(signal.SIGTERM, lambda *_: exp.shutdown())
    try:
        exp.serve_forever()
    except KeyboardInterrupt:
        print("\nkmdiag serve: interrupted, stopped", file=sys.stderr)
        return 130
    return 0
