"""kmdiag/netbase.py: one TLS context per CA file as it is on disk, shared by every probe of a run."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest

from kmdiag import netbase
from kmdiag.demo.certs import make_ca


def test_one_context_per_trust_and_a_changed_ca_file_is_loaded_again(tmp_path: Path) -> None:
    a = netbase.ssl_context(None)
    assert netbase.ssl_context(None) is a  # the OS store is loaded once, not once per probe
    loose = netbase.ssl_context(None, verify=False)
    assert loose is not a and loose.verify_mode == ssl.CERT_NONE and not loose.check_hostname
    assert a.verify_mode == ssl.CERT_REQUIRED and a.check_hostname

    ca = tmp_path / "ca.pem"
    ca.write_bytes(make_ca("one", tmp_path, "one")[0].cert_pem)
    first = netbase.ssl_context(str(ca))
    assert netbase.ssl_context(str(ca)) is first and first is not a
    ca.write_bytes(make_ca("two", tmp_path, "two")[0].cert_pem)  # replaced: another CA, loaded again
    st = ca.stat()
    os.utime(ca, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert netbase.ssl_context(str(ca)) is not first

    ca.write_text("not a certificate")
    os.utime(ca, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000))
    with pytest.raises((ssl.SSLError, OSError)):
        netbase.ssl_context(str(ca))
    assert netbase.ssl_context_or_error(str(ca))[0] is a  # unusable: the OS store alone, and why


def test_httpcore_finds_sniffio_so_no_request_searches_sys_path() -> None:
    """httpcore imports sniffio on every async request; when it is missing (newer anyio no longer
    installs it) each of those imports fails after a walk along sys.path: measured, four per order,
    about a fifth of the sweep's time one order at a time. kmdiag depends on it for that reason (pyproject.toml)."""
    import asyncio
    import importlib.util
    import sys

    import httpcore._synchronization as sync

    assert importlib.util.find_spec("sniffio") is not None

    async def which() -> str:
        return sync.current_async_library()

    assert asyncio.run(which()) == "asyncio"
    assert "sniffio" in sys.modules  # imported once, found in sys.modules by every later request
