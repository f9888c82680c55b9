"""Platform check: a page that answers HTTP 200 with a refusal in JSON (the profile's ``api`` convention).

Why: acg-faka answers an unknown product id at ``/item/{id}`` with HTTP 200 ``{"code":0,"msg":"商品不存在"}``
(reference §7): the status says fine, the shop says no. The shop's own message goes into the finding,
so the report tells "this product URL is refused by the shop" apart from "the theme lost its button".
"""

from __future__ import annotations

from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check


@check("platform.page-refusal", layer="platform", needs=("platform.http",),
       title=T(zh="商品页不是店铺的拒绝应答", en="The product page is not a refusal from the shop"))
def page_refusal(c: CheckContext) -> CheckResult:
    d = c.data("platform.http")
    refused = [(ep, r) for ep in d.get("endpoints", []) if ep.get("method") == "GET"
               for r in ep.get("results", []) if r.get("refused")]
    if not refused:
        return CheckResult(Status.PASS, T(zh="页面没有以 JSON 拒绝应答", en="no page answered with a JSON refusal"), {})
    ep, r = refused[0]
    msg = r.get("message") or "?"
    ev = {"url": ep.get("url"), "roles": ep.get("roles"), "status": r.get("status"), "api_code": r.get("api_code"),
          "message": msg}
    return CheckResult(Status.WARN, T(
        zh=f"{ep.get('url')} 返回 HTTP {r.get('status')}，内容却是店铺的拒绝：「{msg}」（错误码 {r.get('api_code')}）",
        en=f"{ep.get('url')} answers HTTP {r.get('status')}, but the body is the shop's refusal: 「{msg}」 (code {r.get('api_code')})"), ev)
