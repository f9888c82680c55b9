"""Personal data the form was filled with (e-mail, QQ, names) and URL userinfo never leave unmasked.

Canaries: real demo order runs with a zipped evidence bundle and a Playwright trace; every byte of
every output (zip members, the HAR, the trace's members) is searched for each value in its raw,
URL-encoded and JSON spellings, and the masked form must be there (the value really was used).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from kmdiag.redact import Redactor, masked_personal, personal_kind
from tests.reports.test_canary import blobs

EMAIL, QQ, NAME, NAME_ZH = "canary.buyer@example.com", "918273645", "Zhang Sanfeng", "张三丰"


@pytest.mark.parametrize("value,kind,masked", [(EMAIL, "email", "c****@example.com"), (QQ, "qq", "91*****45"),
                                               (NAME, "name", "Z************"), (NAME_ZH, "name", "张**"),
                                               ("13800138000", "phone", None), ("x", None, None)])
def test_kinds_and_masks(value: str, kind: str | None, masked: str | None) -> None:
    assert personal_kind(value) == kind
    if masked:
        assert masked_personal(value, kind) == masked  # type: ignore[arg-type]


def test_every_spelling_masked_in_text_and_structures() -> None:
    r = Redactor()
    r.add_personal(EMAIL, QQ, NAME_ZH)
    text = f"contact={quote(EMAIL, safe='')}&qq={QQ}&name={quote_plus(NAME_ZH)} {json.dumps(NAME_ZH)}"
    out = r.text(text)
    for v in (EMAIL, QQ, NAME_ZH):
        assert v not in out and quote(v, safe="") not in out and json.dumps(v)[1:-1] not in out
    har = {"log": {"entries": [{"request": {"postData": {"text": json.dumps({"email": EMAIL, "qq": QQ})}}}]}}
    assert EMAIL not in json.dumps(r.data(har)) and "c****@example.com" in json.dumps(r.data(har), ensure_ascii=False)


def _fill(monkeypatch: pytest.MonkeyPatch, fill: dict[str, str]) -> None:
    from kmdiag.demo.runtime import DemoShop

    real = DemoShop.profile

    def profile(self: Any) -> Any:
        p = real(self)
        return p.model_copy(update={"order": p.order.model_copy(update={"fill": fill})})

    monkeypatch.setattr(DemoShop, "profile", profile)


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("fill,values", [
    ({"#contact": QQ, "#email": EMAIL}, (QQ, EMAIL)),
    ({"#contact": NAME_ZH, "#email": NAME}, (NAME_ZH, NAME)),
], ids=["qq-email", "names"])
def test_canary_order_run_with_har_and_trace(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             fill: dict[str, str], values: tuple[str, ...]) -> None:
    _fill(monkeypatch, fill)
    bundle = tmp_path / "bundle.zip"
    code, out, err = cli("order", "--demo", "--format", "json", "--evidence", str(bundle), "--trace", "--timeout", "60")
    assert code in (0, 1, 3), err
    (tmp_path / "stdout.txt").write_text(out)
    (tmp_path / "stderr.txt").write_text(err)
    files = dict(blobs(tmp_path))
    assert any(n.endswith("page.har") or "page.har" in n for n in files), sorted(files)[:20]
    assert any("trace" in n for n in files), sorted(files)[:20]
    leaks = []
    for v in values:
        spelled = {v, quote(v, safe=""), quote_plus(v), json.dumps(v)[1:-1]}
        for name, data in files.items():
            leaks += [f"{name}: {s!r}" for s in spelled if s.encode() in data]
    assert not leaks, "\n".join(leaks[:20])
    masked = [masked_personal(v, personal_kind(v) or "name") for v in values]
    seen = b"".join(files.values())
    assert any(m.encode() in seen for m in masked), "the masked values should show the form was filled"


def test_url_userinfo_is_a_secret(cli) -> None:
    from tests.security.capture import Capture

    c = Capture().start()
    try:
        url = c.base.replace("http://", "http://agent:Pa55w0rd-canary@") + "/buy/1"
        for fmt in ("json", "markdown", "text"):
            code, out, err = cli("order", url, "--only", "platform", "--format", fmt, "--timeout", "10")
            assert code in (0, 1, 3), err
            assert "Pa55w0rd-canary" not in out + err and "agent:Pa55w0rd" not in out + err
    finally:
        c.close()
