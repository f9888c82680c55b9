"""Helpers for the exporter tests: free loopback ports, the exporter as a real process, /proc walks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "docs" / "monitoring"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url: str, timeout: float = 30.0, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_http(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            http(url, timeout=1.0)
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


class Exporter:
    """``kmdiag serve`` as a subprocess on a free loopback port."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.port = free_port()
        self.log = log
        self._fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "kmdiag", "serve", "--config", str(config),
                                      "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=self._fh, stderr=subprocess.STDOUT, env=dict(os.environ))
        wait_http(self.url("/-/healthy"), self.proc, timeout=60)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout_header: float | None = None, timeout: float = 60.0) -> tuple[int, str]:
        hdrs = {"X-Prometheus-Scrape-Timeout-Seconds": str(timeout_header)} if timeout_header else {}
        return http(self.url(path), timeout=timeout, headers=hdrs)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._fh.close()


def metric_lines(text: str) -> dict[str, float]:
    """``name{labels}`` → value, for every sample line of a text exposition."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def chromium_browsers(pid: int) -> int:
    """Chromium *browsers* driven by Playwright under ``pid``: the main process of each. Not its
    renderers, zygotes or GPU process (they carry ``--type=``), not the instant forks a browser
    makes before they exec (a child of a browser with the browser's own command line), and not
    ``chromium --version`` (the installed-browsers probe's version query, which opens no page)."""
    mains: dict[int, int] = {}  # browser pid -> parent pid
    for p in descendants(pid):
        try:
            raw = Path(f"/proc/{p}/cmdline").read_bytes()
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            exe = os.path.basename(os.readlink(f"/proc/{p}/exe"))
        except OSError:
            continue
        # Chromium's helpers rewrite their command line into one string: look at the whole of it.
        if stat[0] == "Z" or b"--type=" in raw:
            continue
        driven = b"--remote-debugging-pipe" in raw or b"--remote-debugging-port" in raw
        if exe in ("chromium", "chrome", "chromium-browser", "headless_shell") and driven:
            mains[p] = int(stat[1])
    return sum(1 for ppid in mains.values() if ppid not in mains)
