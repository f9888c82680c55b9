"""The handed notify URL check: what the shop really gave the provider, against its origin and notify_url."""

from __future__ import annotations

import pytest

from kmdiag.checks.payment_handed import handed
from kmdiag.models import Measurement, Status
from kmdiag.profile.loader import profile_from_url
from kmdiag.registry import CheckContext

PROFILE = profile_from_url("http://faka.shop.test:8080/item/1", base="acg-faka")
OID = "261201163016853105"


def _check(url: str | None) -> tuple[Status, dict]:
    m = Measurement("payment.handed-notify-url", data={"order_id": OID, "notify_url": url, "source": "page",
                                                       "error": None if url else "HTTP 200: the page holds no form"})
    r = handed(CheckContext(measurements={"payment.handed-notify-url": m},
                            profile=PROFILE, options={}, findings={}))
    return r.status, r.evidence


@pytest.mark.parametrize(("url", "status", "problem"), [
    (f"http://faka.shop.test:8080/user/api/order/callback.{OID}", Status.PASS, None),
    (f"http://faka.shop.test/user/api/order/callback.{OID}", Status.FAIL, "port"),  # the HTTP_HOST trap
    ("http://faka.shop.test:8080/user/api/order/callback.Epay", Status.FAIL, "path"),  # 3.5.8-style, rejected since 3.5.9
    (f"https://other.test/user/api/order/callback.{OID}", Status.FAIL, "scheme,host,port"),
    (None, Status.SKIP, None),
])
def test_handed_url(url: str | None, status: Status, problem: str | None) -> None:
    got, ev = _check(url)
    assert got == status
    assert ev.get("problem") == problem
