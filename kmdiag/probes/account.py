"""Account probes: ask the platform, with the shopper's own session, what it thinks of this account.

Silent order buttons are often the platform's verdict on the *account* (expired session, login from
another region, no real-name verification, a risk hold), and only the platform's API called with the
user's session can say so. These probes only measure: the raw answer of the account endpoint and,
when the run may send an order (``--submit`` or ``order.submit``), the order API's own answer for this
account. The checks in ``kmdiag/checks/account.py`` judge.

The token comes from ``ctx.secrets`` (see ``kmdiag/session.py``); it is sent and never recorded.
"""

from __future__ import annotations

import re
from typing import Any

from kmdiag.probes import ProbeContext, Skip
from kmdiag.probes._account_http import exchange
from kmdiag.registry import probe
from kmdiag.session import auth_parts, token_env_name


def _say(ctx: ProbeContext, zh: str, en: str) -> str:
    """Skip reasons are one string; give it in the run's language."""
    return zh if ctx.opt("lang") == "zh" else en


def _token(ctx: ProbeContext, what_zh: str, what_en: str) -> tuple[dict[str, str], dict[str, str]]:
    name = token_env_name(ctx.profile, ctx.options)
    token = ctx.secrets.get(name)
    if not token:
        raise Skip(_say(
            ctx,
            f"没有会话令牌（设置环境变量 {name}，或用 --token-env 指定变量名），因此未能{what_zh}",
            f"no session token (set the environment variable {name}, or name another with --token-env), "
            f"so kmdiag could not {what_en}",
        ))
    return auth_parts(ctx.profile.account.send_as, token)


@probe("account.me", layer="account", timeout=8.0)
async def account_me(ctx: ProbeContext) -> dict[str, Any]:
    """GET the profile's account endpoint with the user's session; the raw answer."""
    endpoint = ctx.profile.account.endpoint
    if not endpoint:
        raise Skip(_say(
            ctx,
            "配置文件没有账户接口（account.endpoint），无法检查登录状态、实名认证、风控和登录地区",
            "the profile names no account endpoint (account.endpoint), so login state, real-name "
            "verification, risk control and login region could not be checked",
        ))
    headers, cookies = _token(
        ctx,
        f"向 {endpoint} 查询：是否已登录、是否实名认证、是否被风控、是否异地登录",
        f"ask {endpoint} whether you are logged in, real-name verified, held by risk control, "
        "or flagged for a login from another region",
    )
    data = await exchange(ctx, ctx.profile.account.method, endpoint, headers=headers, cookies=cookies, wanted_s=5.0)
    data["sent_as"] = "cookie" if cookies else "header"
    return data


def _field_name(selector: str) -> str | None:
    """``#contact`` → contact, ``input[name=captcha]`` → captcha; other selectors name no field."""
    m = re.search(r"\[name=['\"]?([\w\[\]-]+)['\"]?\]", selector)
    if m:
        return m.group(1)
    m = re.fullmatch(r"(?:\w+)?#([\w-]+)", selector.strip())
    return m.group(1) if m else None


def _browser_answered(ctx: ProbeContext) -> bool:
    """Did the browser's own click already get the order API's answer? Then one order is enough."""
    records = ctx.data("browser.page").get("order_requests") or []
    return any(isinstance(r, dict) and r.get("phase") == "click" and isinstance(r.get("status"), int) for r in records)


# Runs after the browser probe when that one runs too (``needs`` waits only for probes in the run), so
# a run with --submit never places two orders in the shopper's name.
@probe("account.order-attempt", layer="account", timeout=8.0, needs=("browser.page",))
async def order_attempt(ctx: ProbeContext) -> dict[str, Any]:
    """With the user's session, send the order request once and record the platform's own answer.

    Many platforms refuse an order with HTTP 200 and a code/message in the body (``{"code": 1003,
    "msg": "账户存在风险"}``): that answer names the account problem even when the page stays silent.
    Only done when the run may really order (``--submit`` / ``order.submit``), because it creates an
    order; only for an API the profile spells out (``order.order_request``), with the ``order.fill``
    values sent as JSON under the inputs' names; never behind a captcha; and not at all when the
    browser's click already got the answer.
    """
    spec = ctx.profile.order.order_request
    if not ctx.opt("submit"):
        raise Skip(_say(
            ctx,
            "未允许真实下单（--submit），未向下单接口发送请求以读取它对此账户的拒绝原因",
            "sending an order is not allowed in this run (--submit), so the order API's own answer "
            "for this account was not read",
        ))
    method, _, path = (spec or "").strip().partition(" ")
    if not spec or not path or "*" in path or method.upper() == "GET":
        raise Skip(_say(
            ctx,
            "配置文件没有可直接调用的下单接口（order.order_request，如 \"POST /api/orders\"）",
            "the profile names no order API kmdiag can call directly (order.order_request, e.g. \"POST /api/orders\")",
        ))
    if ctx.profile.order.captcha:
        raise Skip(_say(
            ctx,
            "下单需要图片验证码，自动请求无法通过，未向下单接口发送请求",
            "ordering needs an image captcha that an automated request cannot pass, so no order was sent",
        ))
    if _browser_answered(ctx):
        raise Skip(_say(
            ctx,
            "浏览器的点击已经拿到了下单接口的回答，不再重复下单",
            "the browser's click already got the order API's answer; no second order is sent",
        ))
    headers, cookies = _token(
        ctx, f"以你的账户调用 {spec}，读取平台的拒绝原因", f"call {spec} as you and read the platform's refusal"
    )
    body = {name: value for sel, value in ctx.profile.order.fill.items() if (name := _field_name(sel))}
    data = await exchange(ctx, method.upper(), path, headers=headers,
                          cookies=cookies, json_body=body, wanted_s=5.0)
    data["source"] = "account.order-attempt"
    data["fields_sent"] = sorted(body)
    return data
