"""Compression bombs against kmdiag's capped decoding: time and peak memory (docs/reliability.md).

Two measurements per bomb (each ~5 kB on the wire, 3 GiB decoded; tests/hardening/bombs):
the decoder alone (CPU time, peak Python allocation), and a whole ``kmdiag payment`` run whose every
endpoint answers the bomb (wall time, the process's peak RSS), at ``--timeout 6``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kmdiag.bodycap import BodyTooLarge, CappedDecoder  # noqa: E402
from tests.hardening.hostile import Hostile, profile_yaml  # noqa: E402

BOMBS = {"gzbomb": ("gzip-gzip.bin", ["gzip", "gzip"]), "brbomb": ("br.bin", ["br"]),
         "deflbomb": ("deflate-deflate.bin", ["deflate", "deflate"])}


def decoder(name: str, encodings: list[str]) -> tuple[int, float, float]:
    data = (ROOT / "tests/hardening/bombs" / name).read_bytes()
    tracemalloc.start()
    t = time.process_time()
    d = CappedDecoder(encodings, 1_000_000)
    try:
        for i in range(0, len(data), 16384):
            for _ in d.feed(data[i:i + 16384]):
                pass
    except BodyTooLarge:
        pass
    cpu = time.process_time() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return len(data), cpu * 1000, peak / 1024


def main() -> None:
    h = Hostile().start()
    try:
        for route, (name, enc) in BOMBS.items():
            size, cpu_ms, peak_kb = decoder(name, enc)
            with tempfile.TemporaryDirectory() as tmp:
                prof = Path(tmp) / "p.yaml"
                prof.write_text(profile_yaml(f"http://127.0.0.1:{h.port}", route, trusted="127.0.0.1:9"))
                env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "KMDIAG_HOSTILE_KEY": "k" * 12,
                       "KMDIAG_HOSTILE_TOKEN": "t" * 12, "NO_PROXY": "*"}
                orders = Path(tmp) / "orders.txt"
                orders.write_text("".join(f"KM{i:04d}\n" for i in range(64)))
                print(f"{route:9} {size:5d} B on the wire | decoder: {cpu_ms:6.1f} ms CPU, {peak_kb:6.0f} KiB peak")
                for label, args in (("payment", ["KM1"]),
                                    ("sweep -c 8", ["--sweep", "--orders-file", str(orders), "--concurrency", "8"])):
                    t = time.monotonic()
                    p = subprocess.run([sys.executable, str(ROOT / "tests/hardening/_peak.py"), "payment", *args,
                                        "--profile", str(prof), "--timeout", "6", "--format", "json"],
                                       capture_output=True, text=True, env=env, timeout=60)
                    wall = time.monotonic() - t
                    rss = next((int(x.split("=")[1]) // 1024 for x in p.stderr.splitlines()
                                if x.startswith("KMDIAG_PEAK")), None)
                    print(f"          kmdiag {label} --timeout 6: {wall:4.1f} s, peak RSS {rss} MiB, exit {p.returncode}, "
                          f"traceback: {'Traceback' in p.stderr}")
    finally:
        h.close()


if __name__ == "__main__":
    main()
