"""The provider plug-in contract: every provider is one module, and nothing outside names one.

Why mechanical: "a new provider = its module + its demo cashier + its tests" only holds while no
probe, check, re-notify or schema line grows an ``if kind == ...`` again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kmdiag.i18n import T
from kmdiag.payment.providers import base
from kmdiag.payment.providers.base import PROVIDERS, ProviderPlugin, plugin, plugins
from kmdiag.profile.schema import Profile, Provider

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "kmdiag"
# The code that must ask the plug-in instead of naming a provider (docstrings and comments included:
# a provider named there is a sign that its knowledge leaked out).
NEUTRAL = ["probes/payment_*.py", "probes/_payment.py", "checks/_payment*.py", "checks/payment*.py",
           "payment/renotify.py", "profile/*.py"]
# Field descriptions of the records schema explain where real shops' records come from.
DESCRIBES_RECORDS = {"profile/records_schema.py"}


@pytest.mark.parametrize("kind", list(PROVIDERS))
def test_every_provider_module_implements_the_plugin_protocol(kind: str) -> None:
    pl = plugin(kind)
    assert isinstance(pl, ProviderPlugin)
    assert pl.KIND == kind
    assert pl.NOTIFY_METHOD in ("GET", "POST")
    assert isinstance(pl.KEY_NAME, T) and pl.KEY_NAME.zh and pl.KEY_NAME.en
    assert isinstance(pl.CONSOLE_STEPS, T) and pl.CONSOLE_STEPS.zh and pl.CONSOLE_STEPS.en
    for name in pl.CONFIG_FIELDS:
        assert name in Provider.model_fields, name  # the schema's fields come from the plug-ins
    for old in (pl.DEPRECATED_KEY_ENV, pl.DEPRECATED_PUBLIC_KEY_ENV):
        assert old is None or old in pl.CONFIG_FIELDS
    for what, t in pl.VERDICT_TEXT.items():
        assert t.zh.format(n=2) and t.en.format(n=2), what


def test_the_registry_is_the_package() -> None:
    """The map lists every module of providers/ but base: adding a file is registering it."""
    files = {p.stem for p in (PKG / "payment" / "providers").glob("*.py") if not p.stem.startswith("_")} - {"base"}
    assert set(PROVIDERS) == files
    assert base.DEFAULT_KIND in PROVIDERS
    assert [p.KIND for p in plugins()] == list(PROVIDERS)


def test_schema_kinds_and_key_fields_come_from_the_map() -> None:
    schema = Provider.model_json_schema()
    assert set(schema["properties"]["kind"]["enum"]) == set(PROVIDERS)
    for pl in plugins():
        p = Provider(kind=pl.KIND, **dict.fromkeys(pl.CONFIG_FIELDS, "X"))
        assert all(getattr(p, f) == "X" for f in pl.CONFIG_FIELDS)
    with pytest.raises(ValueError, match="belongs to kind"):  # another kind's key is still a mistake
        other = next(f for q in plugins() for f in q.CONFIG_FIELDS if f not in plugin(base.DEFAULT_KIND).CONFIG_FIELDS)
        Provider(kind=base.DEFAULT_KIND, **{other: "X"})
    assert Profile(name="x", base_url="http://127.0.0.1/").payment.provider.kind == base.DEFAULT_KIND


def test_callback_amounts_are_read_to_the_cent_by_each_plugin() -> None:
    for pl in plugins():
        assert pl.callback_amount({}) is None
    amounts = {plugin(k).callback_amount(p) for k, p in (
        ("epay", {"money": "1"}), ("alipay", {"total_amount": "1.00"}), ("wechatpay", {"amount": {"total": 100}}))}
    assert amounts == {Decimal("1.00")}


def test_nothing_outside_providers_names_a_provider() -> None:
    names = re.compile("|".join(sorted(PROVIDERS) + ["wechat", "易支付", "支付宝", "微信"]), re.I)
    leaks = []
    for pattern in NEUTRAL:
        for path in sorted(PKG.glob(pattern)):
            rel = str(path.relative_to(PKG))
            for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if rel in DESCRIBES_RECORDS and "description=" in line:
                    continue
                if names.search(line):
                    leaks.append(f"{rel}:{no}: {line.strip()[:100]}")
    assert not leaks, "\n".join(leaks)


def test_a_new_kind_reaches_the_checks_through_the_map_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plug-in registered in the map is what the checks use: none of them needs an edit for it."""
    import sys
    import types

    from kmdiag.checks import _payment, _payment_verify

    fake = types.ModuleType("kmdiag.payment.providers.fakepay")
    fake.__dict__.update(
        KIND="fakepay", KEY_NAME=T(zh="假密钥", en="fake key"), PUBLIC_KEY_NAME=None, CONFIG_FIELDS={},
        DEPRECATED_KEY_ENV=None, DEPRECATED_PUBLIC_KEY_ENV=None, NOTIFY_METHOD="POST", SUCCESS_REPLY="OK",
        CANDIDATE_MARKER=None, CONSOLE_STEPS=T(zh="控制台", en="console"),
        VERDICT_TEXT={"headers-missing": T(zh="{n} 次没有头", en="{n} without the Fake-Sig header")},
        from_config=lambda cfg, secrets: None, verifier=lambda cfg, secrets: None,
        reply_ok=lambda status, body, success_reply=None: status == 200 and body == "OK",
        callback_amount=lambda params: Decimal(str(params["fee"])) if "fee" in params else None,
        resign=lambda cfg, secrets, record, order_id: None)
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setitem(PROVIDERS, "fakepay", fake.__name__)
    assert isinstance(plugin("fakepay"), ProviderPlugin)
    assert _payment.callback_money({"params": {"fee": "2.5"}}, "fakepay") == Decimal("2.50")
    assert _payment.reply_ok({"status": 200, "reply": "OK"}, "fakepay")
    assert not _payment.reply_ok({"status": 200, "reply": "success"}, "fakepay")
    stripped = {"signature_valid": None, "verification": {"code": "headers-missing"}}
    status, said, ev = _payment_verify.judge([stripped], "fakepay", {})
    assert status.value == "warn" and said.en == "1 without the Fake-Sig header" and ev["key"] == "fake key"
