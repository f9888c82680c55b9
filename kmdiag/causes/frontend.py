"""Front-end causes: the shop's page itself breaks the click (priorities 50–69).

Upstream explains downstream inside this layer too: a page whose script threw has a dead button
*because* the script threw, so ``click-not-bound`` does not fire then; a disabled button on a
shop that sheds load, or for an account the platform refuses, is the platform's or the account's
doing, so ``button-disabled`` then stays a low-confidence, explained symptom.
"""

from __future__ import annotations

from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.registry import Match, Step, cause
from kmdiag.words import page_text, quoted

_RELOAD = Step("user", T(zh="刷新页面（Ctrl+F5）后再试；仍不行就把本报告和截图发给客服",
                         en="reload the page (Ctrl+F5) and try again; if it still fails, send this report and the screenshot to support"))


@cause("frontend.script-error", layer="frontend", priority=50,
       title=T(zh="页面脚本出错，下单按钮的点击事件没有绑定", en="A page script fails, so the order button's click is never wired up"),
       explanation=T(zh="商品页的脚本抛出异常或加载失败（{first}），之后的代码没有执行，按钮点了没有任何作用。",
                     en="A script on the product page threw or failed to load ({first}); the code after it never ran, so the button does nothing."),
       steps=(_RELOAD,
              Step("agent", T(zh="让用户换一个浏览器或关闭广告拦截插件再试；附上报告中的脚本错误转给运营",
                              en="have the user try another browser or without ad blockers; forward the script error in this report to the operator")),
              Step("operator", T(zh="在浏览器控制台复现该异常（{first}），修复后确认点击事件在异常之前绑定；检查脚本文件是否 404 或被 CSP 拦截",
                                 en="reproduce the error in the browser console ({first}), fix it, and bind the click handler before code that may throw; check for script 404s and CSP blocks"))))
def script_error(f: FindingIndex) -> Match | None:
    if not f.failed("browser.script-errors") or f.evidence("browser.script-errors").get("party") == "third":
        return None
    first = str(f.evidence("browser.script-errors").get("first", "?"))
    return Match(0.9, ["browser.script-errors"], {"first": T(zh=quoted(first), en=first)})


@cause("frontend.third-party-script", layer="frontend", priority=50,
       title=T(zh="页面依赖的第三方脚本（公共 CDN 等）加载失败，下单按钮因此失效",
               en="A third-party script the page depends on (a public CDN...) fails, so the order button is dead"),
       explanation=T(zh="商品页从其他网站加载的脚本失败了（{first}；来源 {hosts}），店铺自己的代码依赖它，点击事件没有绑定。"
                        "常见于公共 CDN 在本地网络被墙、被运营商劫持或已停止服务。",
                     en="A script the product page loads from another site failed ({first}; from {hosts}); the shop's own code "
                        "depends on it, so the click is never wired up. Typical: a public CDN blocked or hijacked on this "
                        "network, or shut down."),
       steps=(Step("user", T(zh="换一个网络（如手机热点）或关闭代理/广告拦截后刷新再试",
                             en="try another network (e.g. a phone hotspot), or without proxy / ad blocker, and reload")),
              Step("agent", T(zh="告诉运营：页面依赖的 {hosts} 在用户网络上打不开，报告里有失败的脚本地址",
                              en="tell the operator that {hosts}, which the page depends on, does not load on the user's network; "
                                 "the failing script URL is in this report")),
              Step("operator", T(zh="把 {hosts} 上的库（jQuery 等）放到店铺自己的服务器或国内可用的 CDN，并加本地回退"
                                    "（window.jQuery || 加载本地副本）",
                                 en="host the library from {hosts} (jQuery...) on the shop's own server or a CDN that works "
                                    "for your buyers, with a local fallback (window.jQuery || load a local copy)"))))
def third_party_script(f: FindingIndex) -> Match | None:
    if not f.failed("browser.script-errors"):
        return None
    ev = f.evidence("browser.script-errors")
    if ev.get("party") != "third":
        return None
    return Match(0.85, ["browser.script-errors"], {"first": ev.get("first", "?"),
                                                   "hosts": ", ".join(ev.get("third_party_hosts") or []) or "?"})


@cause("frontend.button-missing", layer="frontend", priority=51,
       title=T(zh="页面上没有可用的下单按钮", en="The page has no usable order button"),
       explanation=T(zh="按配置的选择器和内置规则（立即购买、提交订单、支付方式按钮等）都没有找到可见的下单按钮。",
                     en="Neither the profile's selector nor the built-in rules (Buy now, Place order, payment-method buttons...) find a visible order button."),
       steps=(Step("user", T(zh="确认打开的是商品购买页，商品没有下架或售罄；刷新后再试", en="make sure this is the product's buy page and the item is not sold out or removed; reload and try again")),
              Step("operator", T(zh="检查模板是否漏掉了下单按钮（主题更新后常见），或更新配置里的 order.button 选择器",
                                 en="check whether the theme lost its order button (common after theme updates), or update order.button in the profile"))))
def button_missing(f: FindingIndex) -> Match | None:
    if not f.failed("browser.button-found"):
        return None
    if f.failed("browser.in-stock"):  # sold out: the shop hides the button on purpose — never a front-end fault
        return None
    if f.evidence("browser.button-found").get("stopped_page_writes"):
        return Match(0.5, ["browser.button-found"])  # the page's own POSTs were held back: not surely the theme
    return Match(0.4 if f.failed("browser.script-errors") else 0.85, ["browser.button-found"])


@cause("frontend.button-disabled", layer="frontend", priority=52,
       title=T(zh="下单按钮被禁用，页面没有说明原因", en="The order button is disabled and the page gives no reason"),
       explanation=T(zh="按钮处于禁用状态（{flags}），点击不会触发任何动作，页面上也没有提示。",
                     en="The button is disabled ({flags}): clicks do nothing, and nothing on the page explains it."),
       steps=(Step("user", T(zh="稍后刷新再试；确认已登录且账号状态正常", en="reload a little later; make sure you are logged in and your account is in good standing")),
              Step("agent", T(zh="查看该账号是否被限制下单、商品是否停售；告诉用户具体原因",
                              en="check whether the account may order and the product is on sale; tell the user the actual reason")),
              Step("operator", T(zh="禁用按钮时在页面上写明原因（维护中、需登录、限购…）", en="when the page disables the button, say why on the page (maintenance, login needed, purchase limit...)"))))
def button_disabled(f: FindingIndex) -> Match | None:
    if not f.failed("browser.button-enabled"):
        return None
    ev = f.evidence("browser.button-enabled")
    conf = 0.85
    if f.failed("browser.in-stock"):
        return None  # sold out: the shop greys the button on purpose (platform.sold-out) — never a front-end fault
    if ev.get("load_signals") or f.layer_failed("platform") or f.layer_failed("account"):
        conf = 0.3  # the platform or the account explains the greyed-out button
    elif f.failed("browser.script-errors"):
        conf = 0.4
    flags = [str(x) for x in ev.get("flags", [])]  # attribute names: code in Chinese text
    return Match(conf, ["browser.button-enabled"], {"flags": T(zh="、".join(f"`{x}`" for x in flags), en=", ".join(flags))})


def _noise(f: FindingIndex) -> dict[str, str]:
    """A script problem that does not block the order, mentioned under the cause that does."""
    if not f.warned("browser.script-errors"):
        return {"noise_zh": "", "noise_en": ""}
    ev = f.evidence("browser.script-errors")
    who_zh, who_en = ("第三方脚本", "third-party script") if ev.get("party") == "third" else ("脚本", "script")
    first = ev.get("first", "?")
    return {"noise_zh": f"页面另有{who_zh}问题（{first}），但按钮的点击处理仍在，它不是挡住下单的原因。",
            "noise_en": f" The page also has a {who_en} problem ({first}), but the button's click handler is in place: "
                        "it is not what blocks the order."}


@cause("frontend.button-obscured", layer="frontend", priority=53,
       title=T(zh="另一个元素盖住了下单按钮", en="Another element covers the order button"),
       explanation=T(zh="在按钮中心点击时，接收点击的是{cover_zh}，而不是按钮（截图中用另一种颜色框出）。{dialog_zh}{noise_zh}",
                     en="A click at the button's centre goes to {cover_en}, not to the button (outlined in another colour in the screenshot).{dialog_en}{noise_en}"),
       steps=(Step("user", T(zh="关闭页面上的弹窗、广告或悬浮层后再点；或缩放页面让按钮露出来",
                             en="close pop-ups, ads or floating layers on the page and click again, or zoom so the button is uncovered")),
              Step("operator", T(zh="移除或下移覆盖按钮的元素 {cover}（`z-index` / `pointer-events: none`）",
                                 en="remove or lower the element covering the button, {cover} (z-index / pointer-events: none)"))))
def button_obscured(f: FindingIndex) -> Match | None:
    if not f.failed("browser.button-clickable"):
        return None
    ev = f.evidence("browser.button-clickable")
    hit = ev.get("hit") or {}
    cover = hit.get("tag", "?") + (f"#{hit['id']}" if hit.get("id") else "") + (
        "." + ".".join(hit["cls"].split()[:2]) if hit.get("cls") else "")
    dialog = ev.get("cover_kind") == "dialog"
    return Match(0.85, ["browser.button-clickable"], {
        "cover": cover, "cover_zh": " " + ev.get("cover_zh", "元素 " + cover), "cover_en": ev.get("cover_en", cover),
        "dialog_zh": "这是一个还没关闭的弹窗：先读完并关闭它（点“同意/我知道了”）才能下单。" if dialog else "",
        "dialog_en": " It is a dialog still open: read and close it (\"I agree\" / \"OK\") before ordering." if dialog else "",
        **_noise(f)})


_STRICT = {  # what the refused field was: the typical too-strict rule, and how to relax it
    "phone": ("常见原因：手机号规则没有包含 16x/19x 号段或 +86 前缀。", "Typical: a phone rule that predates the 16x/19x ranges or rejects +86.",
              "手机号接受 1[3-9] 开头的 11 位号码（可带 +86 前缀）", "accept any 11-digit number starting 1[3-9] (optionally +86)"),
    "qq": ("常见原因：QQ 号规则只接受 9 位以内，如今的新 QQ 号是 10 位。", "Typical: a QQ rule that stops at 9 digits; new QQ numbers have 10.",
           "QQ 号接受 5–11 位数字", "accept QQ numbers of 5–11 digits"),
    "email": ("常见原因：邮箱规则只接受少数几个域名，或不接受子域名、加号。", "Typical: an e-mail rule that accepts a few domains only, or no subdomains / plus signs.",
              "邮箱按 HTML5 type=email 的规则校验", "validate e-mail the way HTML5 type=email does"),
}


def _strict_kind(ev: dict) -> str:
    kinds = [f.get("kind") for f in ev.get("refused_fields") or [] if f.get("kind") in _STRICT]
    if kinds:
        return kinds[0]
    text = " ".join(ev.get("messages") or [])
    if "QQ" in text.upper():
        return "qq"
    if "邮箱" in text or "mail" in text.lower():
        return "email"
    return "phone"


@cause("frontend.validation-too-strict", layer="frontend", priority=54,
       title=T(zh="表单校验拒绝了有效的填写内容", en="The form's validation refuses valid input"),
       explanation=T(zh="用有效的手机号/邮箱/QQ 填写后，页面仍提示「{message}」，没有发出下单请求。{typical_zh}",
                     en="With valid values filled in, the page still says \"{message}\" and sends no order request. {typical_en}"),
       steps=(Step("user", T(zh="换一种写法试试（去掉 +86、空格或横线），或换用邮箱/QQ 作联系方式",
                             en="try another format (without +86, spaces or dashes), or use an e-mail / QQ contact instead")),
              Step("operator", T(zh="放宽前端校验：{rule_zh}，并与后端规则保持一致",
                                 en="relax the front-end rule: {rule_en}, matching the back end"))))
def validation_too_strict(f: FindingIndex) -> Match | None:
    if not f.failed("browser.form-accepted"):
        return None
    ev = f.evidence("browser.form-accepted")
    msg = (ev.get("messages") or ["?"])[0]
    typ_zh, typ_en, rule_zh, rule_en = _STRICT[_strict_kind(ev)]
    return Match(0.8, ["browser.form-accepted"], {"message": msg, "typical_zh": typ_zh, "typical_en": typ_en,
                                                  "rule_zh": rule_zh, "rule_en": rule_en})


@cause("frontend.click-not-bound", layer="frontend", priority=55,
       title=T(zh="按钮能点，但点击没有绑定到下单接口", en="The button can be clicked, but the click is not wired to the order API"),
       explanation=T(zh="按钮可见、可用、没有被遮挡，脚本也没有报错；点击后却没有发出下单请求，页面也没有任何反应。",
                     en="The button is visible, enabled and uncovered, and no script failed; yet the click sends no order request and the page does nothing."),
       steps=(_RELOAD,
              Step("operator", T(zh="检查按钮的点击事件是否绑定（选择器/类名是否随主题更新而改变），以及是否绑定在脚本加载之前",
                                 en="check that the click handler is attached to this button (selectors/classes changed by a theme update?) and not before the element exists"))))
def click_not_bound(f: FindingIndex) -> Match | None:
    if not f.failed("browser.click-sends-order") or f.failed("browser.script-errors"):
        return None
    return Match(0.8, ["browser.click-sends-order", "browser.button-enabled", "browser.button-clickable"])


@cause("frontend.no-error-feedback", layer="frontend", priority=57,
       title=T(zh="下单失败了，页面却什么也没提示", en="The order failed and the page stayed silent"),
       explanation=T(zh="下单请求发出后接口返回错误（{error}），页面没有显示任何提示，看起来就像按钮没反应。",
                     en="The order request was sent and the API answered with an error ({error}), but the page showed nothing, so the button looks dead."),
       steps=(Step("user", T(zh="稍后再试；若多次失败，把本报告发给客服", en="try again later; if it keeps failing, send this report to support")),
              Step("agent", T(zh="按报告中的接口错误（{error}）排查服务端日志", en="look up the API error ({error}) in the server logs")),
              Step("operator", T(zh="修复接口错误，并在下单失败时在页面上提示原因", en="fix the API error, and show the reason on the page whenever ordering fails"))))
def no_error_feedback(f: FindingIndex) -> Match | None:
    if not f.failed("browser.error-feedback"):
        return None
    err = str(f.evidence("browser.error-feedback").get("api_error", "?"))
    return Match(0.75, ["browser.error-feedback"], {"error": T(zh=page_text(err), en=page_text(err))})


@cause("frontend.double-submit", layer="frontend", priority=60,
       title=T(zh="双击会重复下单（按钮没有防抖）", en="A double click places two orders (no debounce)"),
       explanation=T(zh="一次双击发出了 {n} 个下单请求：网络慢时用户多点一次就会产生重复订单、重复扣库存。",
                     en="One double click sent {n} order requests: on a slow link one extra click creates duplicate orders and locks stock twice."),
       steps=(Step("user", T(zh="下单后不要连续点击；先到订单查询页确认是否已生成订单", en="click once and wait; check the order lookup page before trying again")),
              Step("operator", T(zh="点击后立即禁用按钮直到接口返回，并在后端按请求号去重", en="disable the button from click until the API answers, and de-duplicate orders on the server by request id"))))
def double_submit(f: FindingIndex) -> Match | None:
    if f.status("browser.double-submit") not in ("warn", "fail"):
        return None
    return Match(0.6, ["browser.double-submit"], {"n": f.evidence("browser.double-submit").get("order_requests", 2)})
