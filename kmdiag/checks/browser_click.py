"""Browser checks, part 2: what the click did (form accepted, order request sent, feedback shown,
double click debounced) and whether the installed browsers are new enough for the shop.

Pure functions of the ``browser.page`` and ``browser.installed`` measurements.
"""

from __future__ import annotations

import re
from typing import Any

from kmdiag.browser.versions import major, profile_key
from kmdiag.checks.browser import PAGE, click_sent_order, page_data
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check

_VALIDATION_WORDS = re.compile(r"手机|号码|格式|正确|有效|请输入|请填写|邮箱|QQ|必填|invalid|valid|format|enter|required|phone|e-?mail",
                               re.IGNORECASE)
_OK_CODES = (None, 0, 200, 1, "0", "200", "1", True, "success", "ok", "OK")


def _not_clicked(d: dict[str, Any]) -> CheckResult | None:
    click = d.get("click") or {}
    if click.get("attempted"):
        return None
    why = click.get("not_attempted_because") or "?"
    if why == "captcha":
        return CheckResult(Status.SKIP, T(zh="未点击：页面需要验证码，诊断不会自动提交", en="not clicked: the page needs a captcha, which a diagnosis never submits"),
                           {"not_attempted_because": why})
    return CheckResult(Status.SKIP, T(zh=f"未点击（{why}）", en=f"not clicked ({why})"), {"not_attempted_because": why})


@check("browser.form-accepted", layer="browser", needs=(PAGE,), after=("browser.button-clickable",),
       title=T(zh="表单接受有效的填写内容", en="The form accepts valid input"))
def form_accepted(c: CheckContext) -> CheckResult:
    d = page_data(c)
    skipped = _not_clicked(d)
    if skipped:
        return skipped
    fills = d.get("fill") or []
    missing = [f["selector"] for f in fills if not f.get("filled")]
    if click_sent_order(d):
        return CheckResult(Status.PASS, T(zh="表单通过校验，下单请求已发出", en="the form passed validation and the order request left"),
                           {"unfilled": missing})
    inputs = d.get("inputs_after") or []
    invalid = [i for i in inputs if i.get("found") and (i.get("valid") is False or str(i.get("aria_invalid")).lower() == "true")]
    texts = [t for t in (d.get("feedback") or {}).get("new_text", []) if _VALIDATION_WORDS.search(t)]
    texts += [e for i in inputs for e in i.get("errors") or [] if e not in texts and _VALIDATION_WORDS.search(e)]
    ev = {"invalid_inputs": [{"selector": i["selector"], "message": i.get("validation_message")} for i in invalid],
          "messages": texts[:5], "filled": [f["selector"] for f in fills if f.get("filled")], "unfilled": missing}
    if invalid or texts:
        shown = texts[0] if texts else (invalid[0].get("validation_message") or invalid[0]["selector"])
        return CheckResult(Status.FAIL, T(zh=f"填写了有效内容，页面仍拒绝：「{shown}」，没有发出下单请求",
                                          en=f"valid input was refused (\"{shown}\") and no order request left"), ev)
    return CheckResult(Status.PASS, T(zh="表单没有报告校验错误", en="the form reported no validation error"), ev)


@check("browser.click-sends-order", layer="browser", needs=(PAGE,), after=("browser.form-accepted",),
       title=T(zh="点击下单按钮会发出下单请求", en="Clicking the order button sends the order request"))
def click_sends_order(c: CheckContext) -> CheckResult:
    d = page_data(c)
    skipped = _not_clicked(d)
    if skipped:
        return skipped
    orders = [o for o in d.get("order_requests") or [] if o.get("phase") == "click"]
    fb = d.get("feedback") or {}
    ev = {"order_rule": d.get("order_rule"), "requests_after_click": [r for r in d.get("requests_after_click") or []
                                                                      if r.get("phase") == "click"][:10],
          "new_text": fb.get("new_text", []), "waited_ms": fb.get("waited_ms")}
    if orders:
        o = orders[0]
        ev["order_request"] = o
        if o.get("intercepted"):
            return CheckResult(Status.PASS, T(
                zh=f"点击发出了下单请求 {o['method']} {o['url']}；诊断在浏览器出口拦下了它（未发送、未创建订单），加 --submit 才会真正发送",
                en=f"the click sent the order request {o['method']} {o['url']}; the diagnosis stopped it at the browser's edge "
                   "(not sent, no order created); --submit sends it"), ev)
        return CheckResult(Status.PASS, T(zh=f"点击发出了下单请求 {o['method']} {o['url']}（已真实发送）",
                                          en=f"the click sent the order request {o['method']} {o['url']} (really sent)"), ev)
    if fb.get("navigated_to") or fb.get("dialogs") or fb.get("new_text"):
        # Something happened (a confirm step, a login prompt...): not a dead button, but no order left either.
        return CheckResult(Status.WARN, T(zh=f"点击后页面有变化，但没有发出符合 {d.get('order_rule') or 'POST'} 的下单请求",
                                          en=f"the click changed the page but sent no order request matching {d.get('order_rule') or 'POST'}"), ev)
    return CheckResult(Status.FAIL, T(zh=f"点击后 {fb.get('waited_ms')} ms 内没有发出下单请求，页面也没有任何反应",
                                      en=f"no order request within {fb.get('waited_ms')} ms of the click, and the page did nothing"), ev)


def api_failed(o: dict[str, Any]) -> bool:
    if o.get("failure"):
        return True
    if (o.get("status") or 0) >= 400:
        return True
    if "refused" in o:  # judged by the profile's ``api`` convention (HTTP 200 {"code":0,"msg":...})
        return bool(o["refused"])
    return o.get("json_code") not in _OK_CODES


@check("browser.error-feedback", layer="browser", needs=(PAGE,), after=("browser.click-sends-order",),
       title=T(zh="下单结果在页面上有提示", en="The page shows the order's outcome"))
def error_feedback(c: CheckContext) -> CheckResult:
    d = page_data(c)
    o = next((o for o in d.get("order_requests") or [] if o.get("phase") == "click"), None)
    if o is None:
        return CheckResult(Status.SKIP, T(zh="没有下单请求可判断", en="no order request to judge"), {})
    if o.get("intercepted"):
        return CheckResult(Status.SKIP, T(zh="未判断：下单请求被诊断拦下，没有真实的应答（--submit 可判断）",
                                          en="not judged: the order request was held back, so there is no real answer (--submit judges it)"), {})
    fb = d.get("feedback") or {}
    shown = fb.get("new_text") or [x.get("message") for x in fb.get("dialogs") or []] or fb.get("navigated_to") or []
    ev = {"order_request": o, "shown": shown[:5], "waited_ms": fb.get("waited_ms"), "success_visible": fb.get("success_visible")}
    if api_failed(o):
        what = o.get("failure") or f"HTTP {o.get('status')}" + (f" code={o.get('json_code')}" if o.get("json_code") is not None else "")
        if o.get("json_msg") and not o.get("failure"):
            what += f" 「{o['json_msg']}」"  # the shop's own words, quoted, into the finding and the cause
        ev["api_error"] = what
        if shown:
            return CheckResult(Status.PASS, T(zh=f"下单失败（{what}），页面提示了：「{shown[0]}」",
                                              en=f"the order failed ({what}) and the page said so: \"{shown[0]}\""), ev)
        return CheckResult(Status.FAIL, T(zh=f"下单接口失败（{what}），{fb.get('waited_ms')} ms 内页面没有任何提示",
                                          en=f"the order API failed ({what}) and the page showed nothing within {fb.get('waited_ms')} ms"), ev)
    if shown or fb.get("success_visible"):
        return CheckResult(Status.PASS, T(zh="下单成功，页面有提示", en="the order succeeded and the page said so"), ev)
    return CheckResult(Status.WARN, T(zh="下单成功，但页面没有任何提示", en="the order succeeded but the page showed nothing"), ev)


@check("browser.double-submit", layer="browser", needs=(PAGE,), after=("browser.click-sends-order",),
       title=T(zh="双击只发出一个下单请求（防抖）", en="A double click sends one order request (debounce)"))
def double_submit(c: CheckContext) -> CheckResult:
    d = page_data(c)
    dbl = d.get("double_click") or {}
    if not dbl.get("attempted"):
        return CheckResult(Status.SKIP, T(zh="未做双击测试", en="the double-click test did not run"), {})
    n = dbl.get("order_requests", 0)
    ev = {"order_requests": n, "stopped_at_browser_edge": True}
    if n >= 2:
        return CheckResult(Status.WARN, T(zh=f"一次双击发出了 {n} 个下单请求（已在浏览器出口拦下）：按钮没有防抖，可能重复下单",
                                          en=f"one double click sent {n} order requests (stopped at the browser's edge): "
                                             "the button is not debounced and can create duplicate orders"), ev)
    return CheckResult(Status.PASS, T(zh=f"双击只发出 {n} 个下单请求", en=f"a double click sent {n} order request(s)"), ev)


@check("browser.version", layer="browser", needs=("browser.installed",),
       title=T(zh="浏览器版本满足店铺要求", en="Browser versions meet the shop's minimum"))
def version(c: CheckContext) -> CheckResult:
    inst = c.data("browser.installed")
    mins = {k.lower(): v for k, v in (c.profile.order.supported_browsers or {}).items()}
    browsers = [dict(b) for b in inst.get("browsers") or []]
    driven = (c.data(PAGE).get("browser") or {}) if c.data(PAGE).get("launched") else {}
    if driven.get("version") and not any(b.get("version") == driven["version"] for b in browsers):
        browsers.append({"family": "chromium", "path": driven.get("executable"), "version": driven["version"], "source": "driven"})
    rows = []
    for b in browsers:
        key = profile_key(b.get("family", ""))
        need = mins.get(b.get("family", "")) or mins.get(key)
        have = major(b.get("version"))
        rows.append({**b, "min": need, "ok": need is None or have is None or have >= need})
    ev = {"browsers": rows, "supported": mins}
    if not mins:
        return CheckResult(Status.PASS, T(zh="店铺配置没有浏览器版本要求", en="the profile sets no minimum browser version"), ev)
    if not rows:
        return CheckResult(Status.SKIP, T(zh="本机没有找到浏览器", en="no browser found on this computer"), ev)
    old = [r for r in rows if not r["ok"]]
    if old:
        names = ", ".join(f"{r['family']} {r['version']} (< {r['min']})" for r in old)
        ev["outdated"] = [f"{r['family']} {r['version']}" for r in old]
        ev["all_outdated"] = len(old) == len(rows)
        return CheckResult(Status.FAIL, T(zh=f"浏览器版本低于店铺要求：{names}", en=f"browser older than the shop supports: {names}"), ev)
    names = ", ".join(f"{r['family']} {r['version']}" for r in rows)
    return CheckResult(Status.PASS, T(zh=f"浏览器版本满足要求：{names}", en=f"browser versions are supported: {names}"), ev)
