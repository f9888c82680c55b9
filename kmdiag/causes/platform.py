"""Platform causes: the shop itself is down, or it is shedding load.

Ranked after every network cause (30–39): a shop we cannot reach has not been judged at all
(the platform checks skip), and a 5xx is the shop's own answer, so it is never a network cause.
"Down" means the pages and the health endpoint fail; "overloaded" means the shop protects
itself (429, 503 with Retry-After) or its order API is far slower than its static pages.
"""

from __future__ import annotations

from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.registry import Match, Step, cause
from kmdiag.words import endpoint_zh, error_kind_zh

U, A, OP = "user", "agent", "operator"


@cause("platform.down", layer="platform", priority=30,
       title=T(zh="商城服务本身出故障了", en="The shop itself is failing"),
       explanation=T(zh="网络是通的，但商城的页面和健康检查都返回错误或直接断开连接（{what}）。这是平台端的问题，用户这边无法解决。",
                     en="The network is fine, but the shop's pages and health endpoint answer errors or drop the connection ({what}). "
                        "This is on the platform's side; nothing the user does will fix it."),
       steps=(Step(U, T(zh="这不是你的网络或手机的问题：请稍后再试，或联系商城客服。",
                        en="It is not your network or phone: try again later, or contact the shop's support.")),
              Step(A, T(zh="立即通知运维/店主平台故障；安抚用户，暂停引导其重复下单。",
                        en="Tell operations / the shop owner at once; reassure the user and do not ask them to keep retrying.")),
              Step(OP, T(zh="查看 Web 服务器与 PHP-FPM/应用日志、上游健康状况和最近的发布；502/504 多为后端进程挂了或超时。",
                        en="Check the web server and PHP-FPM/application logs, upstream health and recent deploys; 502/504 usually means the backend died or timed out.")))
       )
def down(f: FindingIndex) -> Match | None:
    if not f.failed("platform.reachable") or f.evidence("platform.reachable").get("kind") != "down":
        return None
    ev = f.evidence("platform.reachable")
    rows = [(e["roles"][0], "/".join(sorted({str(a) for a in e.get("answers") or e.get("statuses") or []})))
            for e in ev.get("endpoints", [])]
    what = T(zh="；".join(f"{endpoint_zh(r)} {_answer_zh(a)}" for r, a in rows), en="; ".join(f"{r} {a}" for r, a in rows))
    return Match(0.9, ["platform.reachable"], {"what": what})


def _answer_zh(answers: str) -> str:
    return "/".join(a if a.isdigit() else error_kind_zh(a) for a in answers.split("/"))


@cause("platform.overloaded", layer="platform", priority=31,
       title=T(zh="商城瞬时负载过高，正在限流", en="The shop is overloaded and shedding load"),
       explanation=T(zh="商城页面能打开，但{what}。高峰期（秒杀、活动）平台会拒绝或拖慢下单请求，页面脚本常常因此把按钮置灰或点了没反应。",
                     en="The shop's pages open, but {what_en}. At peaks (flash sales, promotions) the platform refuses or delays order requests, "
                        "and the page script often greys the button out or ignores the click."),
       steps=(Step(U, T(zh="等待{wait}后再试，不要反复点击；避开整点抢购高峰。",
                        en="Wait {wait_en} and try again without clicking repeatedly; avoid the top-of-the-hour rush.")),
              Step(A, T(zh="告知用户平台繁忙，建议稍后下单；记录时间点反馈给运维。",
                        en="Tell the user the platform is busy and to order a bit later; report the time to operations.")),
              Step(OP, T(zh="扩容应用/数据库、检查慢查询与限流阈值；确保限流时页面给出明确提示而不是静默禁用按钮。",
                        en="Scale the app/database, check slow queries and rate-limit thresholds; make the page say so when it sheds load instead of silently disabling the button.")))
       )
def overloaded(f: FindingIndex) -> Match | None:
    if not f.failed("platform.load"):
        return None
    ev = f.evidence("platform.load")
    parts_zh, parts_en = [], []
    codes = sorted({s for e in ev.get("endpoints", []) for s in e.get("statuses", []) if s in (429, 503)})
    if ev.get("shedding"):
        parts_zh.append(f"下单相关接口返回 {codes}" + (f"（Retry-After：{ev['retry_after']}）" if ev.get("retry_after") else ""))
        parts_en.append(f"order endpoints answer {codes}" + (f" (Retry-After: {ev['retry_after']})" if ev.get("retry_after") else ""))
    if ev.get("api_slow"):
        parts_zh.append(f"下单接口 p50 {ev.get('api_p50_ms')} ms，远高于静态页的 {ev.get('static_p50_ms')} ms")
        parts_en.append(f"the order API's p50 is {ev.get('api_p50_ms')} ms against {ev.get('static_p50_ms')} ms for static pages")
    ra = ev.get("retry_after")
    wait_zh = f" {ra} 秒" if ra and str(ra).isdigit() else "几分钟"
    wait_en = f"{ra} seconds" if ra and str(ra).isdigit() else "a few minutes"
    return Match(0.88 if ev.get("shedding") else 0.7, ["platform.load"],
                 {"what": "；".join(parts_zh), "what_en": "; ".join(parts_en), "wait": wait_zh, "wait_en": wait_en})


@cause("platform.sold-out", layer="platform", priority=32,
       title=T(zh="商品已售罄（库存不足）", en="The item is sold out"),
       explanation=T(zh="{what}。售罄时店铺会隐藏或禁用下单按钮，这不是页面或主题的故障，也不是你的网络或账号的问题。",
                     en="{what_en}. A sold-out item has its order button hidden or disabled by the shop; this is not a fault "
                        "of the page or its theme, nor of your network or account."),
       steps=(Step(U, T(zh="等待补货后再买，或选择其他有货的商品/规格。",
                        en="Wait for a restock and try again, or choose another item or option that is in stock.")),
              Step(A, T(zh="告诉用户商品暂时缺货、预计补货时间，或推荐同类有货商品。",
                        en="Tell the user the item is out of stock and when it is expected back, or suggest a similar item in stock.")),
              Step(OP, T(zh="补充库存（卡密）；暂不补货就下架或隐藏该商品，并设置库存预警。",
                         en="Restock the item (card keys); if it will not be restocked soon, hide or take it off sale, and set a low-stock alert.")))
       )
def sold_out(f: FindingIndex) -> Match | None:
    if not f.failed("browser.in-stock"):
        return None
    ev = f.evidence("browser.in-stock")
    if ev.get("from") == "order-api":
        msg = (ev.get("api") or {}).get("message") or "?"
        return Match(0.9, ["browser.in-stock"], {"what": f"下单接口回复「{msg}」", "what_en": f"The order API answered 「{msg}」"})
    text = ev.get("text") or "?"
    return Match(0.9 if ev.get("where") == "near-form" else 0.65, ["browser.in-stock"],
                 {"what": f"商品页在下单区域显示「{text}」", "what_en": f"The product page shows 「{text}」 by the order form"})
