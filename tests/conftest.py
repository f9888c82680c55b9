"""Test-wide fixtures, and the guard that keeps every packet on loopback.

Nothing in the suite may reach an address outside 127.0.0.0/8 or ::1: not by TCP, not by UDP
(DNS!), not through a name lookup. pytest-socket alone misses UDP sendto, connect_ex and
getaddrinfo, so the guard wraps those socket entry points itself and is installed before any test
module is imported. Chromium is a separate process: the browser probe starts it with
``--host-resolver-rules`` that resolve nothing but the test hosts.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_real = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "sendto": socket.socket.sendto,
    "sendmsg": socket.socket.sendmsg,
    "getaddrinfo": socket.getaddrinfo,
    "gethostbyname": socket.gethostbyname,
    "gethostbyname_ex": socket.gethostbyname_ex,
    "gethostbyaddr": socket.gethostbyaddr,
    "getnameinfo": socket.getnameinfo,
    "getfqdn": socket.getfqdn,
}


class OffLoopback(RuntimeError):
    """A test tried to send something off loopback."""


def _loopback_host(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in ("localhost", "", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check_addr(sock: socket.socket, address: object) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    if isinstance(address, tuple) and address:
        if not _loopback_host(address[0]):
            raise OffLoopback(f"blocked: a test tried to reach {address!r} (only loopback is allowed)")
        return
    raise OffLoopback(f"blocked: unexpected address {address!r}")


def _connect(self: socket.socket, address: object) -> None:
    _check_addr(self, address)
    return _real["connect"](self, address)


def _connect_ex(self: socket.socket, address: object) -> int:
    _check_addr(self, address)
    return _real["connect_ex"](self, address)


def _sendto(self: socket.socket, data: bytes, *args: object) -> int:
    address = args[-1]
    _check_addr(self, address)
    return _real["sendto"](self, data, *args)


def _sendmsg(self: socket.socket, buffers: object, ancdata: object = (), flags: int = 0, address: object = None) -> int:
    if address is not None:
        _check_addr(self, address)
    return _real["sendmsg"](self, buffers, ancdata, flags, *([address] if address is not None else []))


def _getaddrinfo(host: object, *args: object, **kw: object) -> object:
    if not _loopback_host(host):
        raise OffLoopback(f"blocked: a test tried to look up {host!r} (only loopback names are allowed)")
    return _real["getaddrinfo"](host, *args, **kw)


def _gethostbyname(host: str) -> str:
    if not _loopback_host(host):
        raise OffLoopback(f"blocked: a test tried to look up {host!r}")
    return _real["gethostbyname"](host)


def _gethostbyname_ex(host: str) -> object:
    if not _loopback_host(host):
        raise OffLoopback(f"blocked: a test tried to look up {host!r}")
    return _real["gethostbyname_ex"](host)


def _gethostbyaddr(ip: str) -> object:
    # Any reverse lookup, even of 127.0.0.1, may become a PTR query to the system resolver (when the
    # address is not in /etc/hosts): a packet off loopback. Nothing in kmdiag needs one.
    raise OffLoopback(f"blocked: a test did a reverse lookup of {ip!r} (gethostbyaddr)")


def _getnameinfo(sockaddr: object, flags: int) -> object:
    if flags & socket.NI_NUMERICHOST:  # numeric: formats the address, asks no resolver
        return _real["getnameinfo"](sockaddr, flags | socket.NI_NUMERICSERV)
    raise OffLoopback(f"blocked: a test did a reverse lookup of {sockaddr!r} (getnameinfo without NI_NUMERICHOST)")


def _getfqdn(name: str = "") -> str:
    raise OffLoopback(f"blocked: a test called socket.getfqdn({name!r}), a reverse lookup")


def install_guard() -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]
    socket.socket.sendmsg = _sendmsg  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = _gethostbyname
    socket.gethostbyname_ex = _gethostbyname_ex  # type: ignore[assignment]
    socket.gethostbyaddr = _gethostbyaddr  # type: ignore[assignment]
    socket.getnameinfo = _getnameinfo  # type: ignore[assignment]
    socket.getfqdn = _getfqdn


install_guard()
# Proxies in the developer's environment must not route test traffic anywhere.
for _v in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_v, None)
os.environ["NO_PROXY"] = "*"
# Chromium (a separate process) resolves nothing but loopback and the demo's hosts in tests.
os.environ["KMDIAG_BROWSER_LOCKDOWN"] = "1"
os.environ.setdefault("KMDIAG_LANG", "en")
# kmdiag's own-request journal (kmdiag/payment/journal.py) goes to a throw-away dir, never the user's cache.
if "KMDIAG_CACHE_DIR" not in os.environ:
    import atexit
    import tempfile

    os.environ["KMDIAG_CACHE_DIR"] = tempfile.mkdtemp(prefix="kmdiag-test-cache-")
    atexit.register(shutil.rmtree, os.environ["KMDIAG_CACHE_DIR"], True)


# -- fixtures ------------------------------------------------------------------------------

@pytest.fixture
def demo_shop() -> Iterator[object]:
    """A running demo shop with no faults."""
    from kmdiag.demo.runtime import DemoShop

    d = DemoShop().start()
    try:
        yield d
    finally:
        d.stop()


def _free_udp_port() -> int:
    """A port free for UDP *and* TCP on 127.0.0.1 (dnsmasq binds both)."""
    for _ in range(20):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
    return port


@pytest.fixture
def dnsmasq(tmp_path: Path) -> Iterator[object]:
    """A real dnsmasq on a free loopback port. ``start(records)`` with {name: ip} maps; .test is local."""
    exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    if not Path(exe).exists():
        pytest.skip("dnsmasq is not installed (make setup installs dnsmasq-base)")

    procs: list[subprocess.Popen[bytes]] = []

    class Dnsmasq:
        def start(self, records: dict[str, str], nxdomain_zone: str = "test") -> str:
            for attempt in range(3):  # a port can be taken between the probe and dnsmasq's bind
                try:
                    return self._start(records, nxdomain_zone)
                except RuntimeError as exc:
                    if "in use" not in str(exc) or attempt == 2:
                        raise
            raise RuntimeError("unreachable")

        def _start(self, records: dict[str, str], nxdomain_zone: str) -> str:
            port = _free_udp_port()
            args = [exe, "--no-daemon", "--listen-address=127.0.0.1", f"--port={port}", "--bind-interfaces",
                    "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=", f"--local=/{nxdomain_zone}/"]
            args += [f"--address=/{name}/{ip}" for name, ip in records.items()]
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            procs.append(p)
            deadline = time.monotonic() + 5
            import dns.message
            import dns.query

            while time.monotonic() < deadline:
                try:
                    dns.query.udp(dns.message.make_query("probe.test", "A"), "127.0.0.1", port=port, timeout=0.2)
                    return f"127.0.0.1:{port}"
                except Exception:
                    if p.poll() is not None:
                        raise RuntimeError(p.stderr.read().decode() if p.stderr else "dnsmasq exited") from None
                    time.sleep(0.05)
            raise RuntimeError("dnsmasq did not answer")

    yield Dnsmasq()
    for p in procs:
        p.terminate()
        try:
            p.wait(3)
        except subprocess.TimeoutExpired:
            p.kill()


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run kmdiag in-process; returns (exit code, stdout, stderr)."""
    import contextlib
    import io

    from kmdiag.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli():
    return run_cli


# -- one diagnosis per default-demo fault, shared by the whole session -------------------------

def all_faults() -> list[tuple[str, str | None]]:
    """(command, fault) for a healthy run of each command and every fault of the default demo."""
    from kmdiag.demo import faults as demo_faults
    from kmdiag.demo.runtime import load_modules

    load_modules()  # importing the layer modules registers every fault
    # The default demo's faults ("order" / "payment"); the acg-faka mode's ("acg-faka/order"...) have their
    # own end-to-end tests in tests/acgfaka.
    found = [(f.command, f.name) for f in demo_faults.FAULTS.values() if f.command in ("order", "payment")]
    return [("order", None), ("payment", None)] + sorted(found)


DemoKey = tuple[str, "str | None"]


class DemoRun:
    """One ``kmdiag COMMAND --demo [--fault F] --lang zh --format json --timeout 30`` run, as the CLI ran it."""

    def __init__(self, code: int, out: str, err: str, report: object, redactor: object) -> None:
        self.code, self.out, self.err, self.report, self.redactor = code, out, err, report, redactor

    def json(self) -> dict:
        import json

        return json.loads(self.out)


# Files whose assertions bound wall-clock time ("ends inside --timeout", "answered before Prometheus
# gives up", two sleeps overlapped) or that load the CPU on purpose: `make test` runs them on their own,
# after the rest has run two files at a time (pytest-xdist), so no other test's Chromium shares their CPU.
SERIAL = ("tests/hardening/", "tests/core/test_runner.py", "tests/browser/test_e2e.py",
          "tests/browser/test_readonly.py", "tests/browser/test_scripted_button.py",
          "tests/browser/test_demo_readonly.py", "tests/network/test_e2e.py", "tests/platform/test_e2e.py",
          "tests/payment_sweep/", "tests/serve/test_exporter.py", "tests/serve/test_prometheus.py",
          "tests/payment_records/test_nginx.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        shared = {"demo_fault_runs", "demo_runs"} & set(getattr(item, "fixturenames", ()))
        if shared:
            # Whichever test first asks for the shared runs pays for all of them (about 40 diagnoses)
            # inside its own set-up, so every test that uses them gets the budget the whole series needs.
            item.add_marker(pytest.mark.timeout(900))
        # Under xdist (--dist loadgroup) a file stays on one worker (its module fixtures start once), and
        # every user of the session's shared demo runs is on the same worker (they run once, not twice).
        item.add_marker(pytest.mark.xdist_group("demo-fault-runs" if shared else path))
        if path.startswith(SERIAL):
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def demo_fault_runs() -> dict[DemoKey, DemoRun]:
    """Every default-demo fault (and a healthy run of each command) diagnosed ONCE for the session.

    Each run goes through the real CLI with the real demo shop, browser and gateway; the Report the
    renderer was handed is kept with the exit code and the JSON printed, so the ux tests can render
    every format from the same run and the end-to-end tests of each area (payment, account ...) can
    assert on the same run instead of diagnosing each fault again.
    """
    from typing import Any

    import kmdiag.render as render_mod

    runs: dict[DemoKey, DemoRun] = {}
    real = render_mod.render
    seen: dict[str, Any] = {}

    def grab(report: Any, fmt: str, **kw: Any) -> str:
        seen["report"], seen["redactor"] = report, kw["redactor"]
        return real(report, fmt, **kw)

    render_mod.render = grab  # type: ignore[assignment]
    try:
        for command, fault in all_faults():
            args = [command, "--demo", "--lang", "zh", "--format", "json", "--timeout", "30"]
            if fault:
                args += ["--fault", fault]
            seen.clear()
            code, out, err = run_cli(*args)
            assert "report" in seen, (command, fault, code, err)
            runs[(command, fault)] = DemoRun(code, out, err, seen["report"], seen["redactor"])
    finally:
        render_mod.render = real  # type: ignore[assignment]
    return runs


@pytest.fixture(scope="session")
def demo_runs(demo_fault_runs: dict[DemoKey, DemoRun]) -> dict[DemoKey, tuple[int, object, object]]:
    """The shared runs as (exit code, Report, Redactor), the shape the ux tests read."""
    return {k: (r.code, r.report, r.redactor) for k, r in demo_fault_runs.items()}
