"""The one time zone of Chinese shops and their providers: UTC+8 (Asia/Shanghai, no DST).

Why one constant: 彩虹易支付 writes its times in the server's local time, acg-faka's runtime.log and
dujiaoka's Laravel logs are in UTC+8 whatever the server zone, and an admin reads times in UTC+8. The
probes parsing those times, the checks printing them and the sweep's report must agree on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

SHOP_TZ = timezone(timedelta(hours=8))


def shop_time(epoch: float) -> str:
    """``2026-11-25 21:50:00``: an epoch as the shop's admin and buyer see it."""
    return datetime.fromtimestamp(epoch, SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S")
