"""A literal Report for renderer tests: every status, two layers with network phases, a cause with
steps for every audience, a screenshot on disk, and hostile text (markup, a phone number, a token)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from kmdiag.i18n import T
from kmdiag.models import Artifact, CauseMatch, Finding, NextStep, Report, Status
from kmdiag.redact import Redactor

TOKEN = "tok-CANARY-5f1e2d3c4b"
PHONE = "13912345678"


def png(width: int = 40, height: int = 20, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG built by hand, so the tests need no imaging library."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def make_report(shot: Path | None = None) -> Report:
    f = [
        Finding("network.dns-consistent", "network", Status.FAIL,
                T(zh="DNS 解析一致", en="DNS answers agree"),
                T(zh="本机解析器返回 10.0.0.1，可信解析器返回 127.0.0.1", en="your resolver says 10.0.0.1, trusted says 127.0.0.1"),
                {"user": ["10.0.0.1"], "trusted": ["127.0.0.1"], "note": "<script>alert(1)</script>"}, 120),
        Finding("network.http-timing", "network", Status.WARN, T(zh="HTTP 各阶段耗时", en="HTTP phase timings"),
                T(zh="首字节较慢", en="slow first byte"),
                {"url": "https://shop.kmdiag.test/buy/1", "dns_ms": 12, "connect_ms": 30.5, "tls_ms": 44,
                 "ttfb_ms": 900, "transfer_ms": 15, "total_ms": 1001.5,
                 "samples": [{"host": "127.0.0.2", "dns_ms": 1, "connect_ms": 2, "ttfb_ms": 3}]}, 1001),
        Finding("platform.health", "platform", Status.PASS, T(zh="平台健康检查", en="platform health"),
                T(zh="200 OK", en="200 OK"), {"status": 200}, 40),
        Finding("browser.button-clickable", "browser", Status.SKIP, T(zh="按钮可点击", en="button clickable"),
                T(zh="跳过：依赖的检查未通过", en="skipped: a check it depends on did not pass"), {}, 0),
        Finding("account.session", "account", Status.ERROR, T(zh="登录状态", en="session valid"),
                T(zh="无法判断：探测超时", en="could not judge: probe timed out"),
                {"error_kind": "timeout", "authorization": f"Bearer {TOKEN}", "contact": PHONE}, 5000),
    ]
    causes = [
        CauseMatch("network.dns-hijack", 0.9, T(zh="DNS 被劫持", en="DNS is hijacked"),
                   T(zh="你的解析器返回了错误的地址 {x}", en="your resolver returns a wrong address {x}"),
                   ["network.dns-consistent"],
                   [NextStep("user", T(zh="换用可信 DNS", en="use a trusted DNS")),
                    NextStep("agent", T(zh="请用户截图网络设置", en="ask for a screenshot of network settings")),
                    NextStep("operator", T(zh="检查域名解析", en="check the zone"))], layer="network"),
        CauseMatch("frontend.button-disabled", 0.45, T(zh="按钮被禁用", en="button disabled"),
                   T(zh="页面禁用了按钮", en="the page disabled the button"), ["browser.button-clickable"],
                   [NextStep("user", T(zh="刷新页面", en="reload"))], layer="frontend",
                   explained_by="network.dns-hijack"),
    ]
    arts = [Artifact("screenshot", str(shot), "order page (annotated)")] if shot else []
    return Report("order", "demo", "problem", "2026-11-25T13:00:00+00:00", 6200, f, causes, arts,
                  notes=[T(zh="这是备注", en="a note")], unfinished=["account.session"],
                  target="https://shop.kmdiag.test:8443/", meta={"interrupted": False})


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    p = tmp_path / "order-page.png"
    p.write_bytes(png())
    return p


@pytest.fixture
def report(shot: Path) -> Report:
    return make_report(shot)


@pytest.fixture
def redactor() -> Redactor:
    r = Redactor([TOKEN])
    r.add_phone(PHONE)
    return r
