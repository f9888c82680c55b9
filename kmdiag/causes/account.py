"""Account causes: the platform blocks *this shopper*, not the page.

Priorities 40–49 put them after network and platform causes and before every front-end cause, so a
button that is disabled or silent because the account is held (the seed article's 风控 / 异地登录 /
未完成实名认证) is reported as the account problem it is; the diagnosis marks the front-end symptom
``explained_by`` it. A not-logged-in session comes first: nothing else about the account is known
then. Remote login and missing verification come before a risk hold because they are what the
shopper can fix and are often what put the hold there.
"""

from __future__ import annotations

from typing import Any

from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.registry import Match, Step, cause

REJECTION = "account.order-rejection"


def _detail(idx: FindingIndex, check_id: str, cause_id: str) -> dict[str, Any]:
    """The code and message the platform gave, for the texts: a shopper quotes them to support.

    The order API's refusal names the reason best; then an error-code match on the account answer;
    then an error status of the account answer. A success answer (code 0) is not "the code shown".
    """
    rej, own = idx.evidence(REJECTION), idx.evidence(check_id)
    code: Any = None
    msg: Any = None
    for hit in ((rej if rej.get("cause") == cause_id else None), own.get("error_code_match")):
        if hit:
            code = hit.get("code") if hit.get("code") is not None else f"HTTP {hit.get('http_status')}"
            msg = hit.get("message")
            break
    else:
        status = own.get("http_status")
        if isinstance(status, int) and status >= 400:
            code, msg = own.get("code", f"HTTP {status}"), own.get("message")
    said = f" [{code}: {msg}]" if code is not None and msg else (f" [{code}]" if code is not None else "")
    return {"code": code if code is not None else "—", "message": msg or "—", "said": said}


def _rule(idx: FindingIndex, check_id: str, cause_id: str, base: float = 0.9) -> Match | None:
    own = idx.failed(check_id)
    rejected = idx.failed(REJECTION) and idx.evidence(REJECTION).get("cause") == cause_id
    if not (own or rejected):
        return None
    checks = [c for c, ok in ((check_id, own), (REJECTION, rejected)) if ok]
    conf = 0.95 if own and rejected else (base if own else 0.85)
    return Match(conf, checks, _detail(idx, check_id, cause_id))


@cause(
    "account.not-logged-in", layer="account", priority=40,
    title=T(zh="未登录或登录已过期", en="Not signed in, or the session expired"),
    explanation=T(
        zh="平台的账户接口不认这次会话{said}。很多商城在未登录时静默禁用下单按钮，或让下单请求直接被拒绝。{also_zh}",
        en="The platform's account API does not accept this session{said}. Many shops silently "
           "disable the order button, or reject the order request, when the shopper is not signed in.{also_en}"),
    steps=(
        Step("user", T(zh="退出后重新登录商城，刷新商品页再下单；若一直掉线，允许该网站使用 Cookie，并关闭无痕模式。{tell_zh}",
                       en="Sign out and sign in to the shop again, reload the product page and order again; if it keeps "
                          "signing you out, allow cookies for the site and leave private browsing.{tell_en}")),
        Step("agent", T(zh="请用户重新登录后再试；反复失效时询问是否多设备同时登录、是否清理了 Cookie，并记录错误码 {code}。",
                        en="Ask the user to sign in again; if sessions keep expiring, ask about logins on several devices and "
                           "cleared cookies, and note code {code}.")),
        Step("operator", T(zh="检查会话有效期、Cookie 的 `Domain`/`Secure`/`SameSite` 属性、多节点之间的会话共享（Redis/数据库），以及未登录时页面是否给出提示。",
                           en="Check session lifetime, the cookie's Domain/Secure/SameSite attributes, session sharing between "
                              "nodes (Redis/DB), and that the page tells a signed-out shopper to sign in.")),
    ),
)
def not_logged_in(idx: FindingIndex) -> Match | None:
    m = _rule(idx, "account.logged-in", "account.not-logged-in", 0.95)
    if m is not None:
        m.params.update(_indistinct(idx))
    return m


_ALSO = {"account.risk-blocked": T(zh="账户被封禁", en="a banned account"),
         "account.remote-login": T(zh="异地登录", en="a login from another region")}


def _indistinct(idx: FindingIndex) -> dict[str, str]:
    """Texts for a message the platform also sends for other causes: say so rather than guess."""
    ind = idx.evidence("account.logged-in").get("indistinct") or {}
    if not ind:
        return {"also_zh": "", "also_en": "", "tell_zh": "", "tell_en": ""}
    names = [_ALSO.get(x, T(zh=x, en=x)) for x in ind.get("also") or []]
    zh = "、".join(n.zh for n in names) or "其他原因"
    en = ", ".join(n.en for n in names) or "other causes"
    tell = ind.get("tell_by")
    return {
        "also_zh": f"注意：这个平台对{zh}给出完全相同的回答（“{ind.get('message')}”），kmdiag 无法分辨是会话过期还是{zh}。",
        "also_en": f" Note: this platform gives {en} exactly the same answer (\"{ind.get('message')}\"), so kmdiag cannot tell "
                   f"an expired session from {en}.",
        "tell_zh": f"若登录页提示“{tell}”，说明账户被封禁，请联系店铺客服。" if tell else "",
        "tell_en": f" If the sign-in form then says \"{tell}\", the account is banned: contact the shop." if tell else "",
    }


@cause(
    "account.remote-login", layer="account", priority=42,
    title=T(zh="账户被标记为异地登录", en="The account is flagged for a login from another region"),
    explanation=T(
        zh="平台认为这次登录来自不常用的地区（{where}），在重新验证身份之前限制下单{said}。使用代理/VPN 或出差时常见。",
        en="The platform sees this login as coming from an unusual region ({where}) and holds ordering until the "
           "shopper re-verifies{said}. Common with a proxy/VPN or while travelling."),
    steps=(
        Step("user", T(zh="关闭代理/VPN 后重新登录，按商城提示完成短信或邮箱验证；仍不行时联系客服并提供错误码 {code}。",
                       en="Turn off any proxy/VPN, sign in again and complete the SMS or e-mail verification the shop asks "
                          "for; if it still fails, contact support with code {code}.")),
        Step("agent", T(zh="核实用户身份后在后台解除异地登录限制，并告诉用户代理/VPN 会触发此保护。",
                        en="Verify the user's identity, lift the remote-login hold in the admin panel, and explain that a "
                           "proxy/VPN triggers this protection.")),
        Step("operator", T(zh="检查 IP 归属地库是否过期、是否把 CDN/反向代理的出口 IP 当成了用户 IP（X-Forwarded-For），并让被拦截的页面说明原因。",
                           en="Check that the IP-location database is current, that CDN/reverse-proxy addresses are not taken "
                              "for the user's IP (X-Forwarded-For), and that a held account sees why.")),
    ),
)
def remote_login(idx: FindingIndex) -> Match | None:
    m = _rule(idx, "account.login-region", "account.remote-login")
    if m is not None:
        m.params["where"] = idx.evidence("account.login-region").get("where") or "—"
    return m


@cause(
    "account.identity-unverified", layer="account", priority=44,
    title=T(zh="账户未完成实名认证", en="Real-name verification is missing"),
    explanation=T(
        zh="平台要求实名认证后才能下单，而此账户尚未认证{said}。商城常常只是静默禁用按钮。",
        en="The platform requires real-name verification before ordering and this account has none{said}. "
           "Shops often just disable the button without a word."),
    steps=(
        Step("user", T(zh="到“个人中心 → 实名认证”完成认证，审核通过后刷新商品页再下单。",
                       en="Complete real-name verification under 'Account → Identity verification', then reload the "
                          "product page and order again once it is approved.")),
        Step("agent", T(zh="引导用户完成实名认证；若已提交，查询审核进度并告知预计时间。",
                        en="Guide the user through verification; if it was submitted, check the review and tell them when "
                           "to expect it.")),
        Step("operator", T(zh="未实名账户下单时，页面应明确提示并给出认证入口，而不是静默禁用按钮。",
                           en="When an unverified account tries to order, show a clear message with a link to verification "
                              "instead of silently disabling the button.")),
    ),
)
def identity_unverified(idx: FindingIndex) -> Match | None:
    return _rule(idx, "account.identity-verified", "account.identity-unverified")


@cause(
    "account.risk-blocked", layer="account", priority=46,
    title=T(zh="账户被风控限制下单", en="Risk control blocks this account from ordering"),
    explanation=T(
        zh="平台的风控把此账户挂起（例如疑似刷单），下单被拒绝或按钮被静默禁用{said}。这不是页面故障，用户自己无法解除。",
        en="The platform's risk control holds this account (e.g. suspected order brushing), so orders are refused or "
           "the button is silently disabled{said}. It is not a page bug and the shopper cannot "
           "lift it alone."),
    steps=(
        Step("user", T(zh="联系商城客服申请解除风控，并提供本报告中的错误码 {code}、平台提示“{message}”和这份报告。",
                       en="Contact the shop's support to lift the hold, quoting code {code}, the message '{message}' and "
                          "this report.")),
        Step("agent", T(zh="在风控后台查看该账户的风险等级与触发规则（错误码 {code}），核实后解除，或向用户说明原因与申诉方式。",
                        en="Look the account up in the risk-control console (code {code}): which rule fired and at what "
                           "level; lift it after checking, or tell the user why and how to appeal.")),
        Step("operator", T(zh="被风控的账户按钮被静默禁用时，页面应说明原因和申诉途径；检查风控规则是否误伤正常用户。",
                           en="When a held account's button is disabled, say why and how to appeal on the page; review the "
                              "rules for false positives on ordinary shoppers.")),
    ),
)
def risk_blocked(idx: FindingIndex) -> Match | None:
    m = _rule(idx, "account.risk", "account.risk-blocked")
    if m is not None and idx.evidence("account.risk").get("basis") in ("order-not-allowed", "http-403") and len(m.checks) == 1:
        m.confidence = 0.6  # refused without a stated reason: risk control is the likeliest, not certain
    return m
