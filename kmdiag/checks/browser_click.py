"""Browser checks, part 2: what the click did (form accepted, order request sent, feedback shown,
double click debounced) and whether the installed browsers are new enough for the shop.

Pure functions of the ``browser.page`` and ``browser.installed`` measurements.
"""

from __future__ import annotations

import re
from typing import Any

from kmdiag.browser.versions import major, profile_key
from kmdiag.checks import _themes
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
    auto = [{"field": p.get("name") or p.get("selector"), "kind": p.get("kind"), "filled": bool(p.get("filled"))}
            for p in d.get("autofill") or []]
    if click_sent_order(d):
        return CheckResult(Status.PASS, T(zh="表单通过校验，下单请求已发出", en="the form passed validation and the order request left"),
                           {"unfilled": missing, "autofill": auto})
    inputs = d.get("inputs_after") or []
    invalid = [i for i in inputs if i.get("found") and (i.get("valid") is False or str(i.get("aria_invalid")).lower() == "true")]
    verdict = _themes.field_verdicts(d)
    page_msgs = _themes.validation_messages(d)
    texts = list(page_msgs)
    texts += [e for i in inputs for e in i.get("errors") or [] if e not in texts and _VALIDATION_WORDS.search(e)]
    ev = {"invalid_inputs": [{"selector": i["selector"], "message": i.get("validation_message")} for i in invalid],
          "messages": texts[:5], "filled": [f["selector"] for f in fills if f.get("filled")], "unfilled": missing,
          "autofill": auto, "refused_fields": verdict["refused"], "left_empty": verdict["empty"],
          "page_feedback": _themes.messages(d)}
    refused = verdict["refused"]
    if refused or (not verdict["empty"] and (invalid or texts)):
        # kmdiag filled every field the page asks for, validly, and the page still refused.
        shown = (texts[0] if texts else "") or (refused[0]["message"] if refused else "") or \
                (invalid[0].get("validation_message") or invalid[0]["selector"] if invalid else "?")
        ev["messages"] = [shown] + [t for t in texts if t != shown][:4]
        rej = [r for f in refused for r in f.get("rejects") or []]
        ev["rule_rejects"] = sorted(set(rej))
        extra_zh = f"；它的规则拒绝 {'/'.join(sorted({r[:2] + 'x' for r in rej}))} 号段" if rej else ""
        extra_en = f"; its rule rejects {'/'.join(sorted({r[:2] + 'x' for r in rej}))} numbers" if rej else ""
        return CheckResult(Status.FAIL, T(zh=f"填写了有效内容，页面仍拒绝：「{shown}」，没有发出下单请求{extra_zh}",
                                          en=f"valid input was refused (\"{shown}\") and no order request left{extra_en}"), ev)
    if verdict["empty"]:
        names = ", ".join(str(e["field"]) + (f"（{e['label']}）" if e.get("label") else "") for e in verdict["empty"][:3])
        said = f"（页面提示「{texts[0]}」）" if texts else ""
        said_en = f" (the page says \"{texts[0]}\")" if texts else ""
        return CheckResult(Status.ERROR, T(
            zh=f"表单需要填写 {names}，诊断没能填上有效的值，留空了{said}：无法判断点击是否有效，这不是店铺的问题。"
               "用 --profile 的 order.fill 给出这些字段的值再试",
            en=f"the form needs {names}, which the diagnosis could not fill with a valid value and left empty{said_en}: "
               "the click could not be judged, and this is not the shop's fault. Give values in the profile's order.fill"), ev)
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
          "new_text": fb.get("new_text", []), "waited_ms": fb.get("waited_ms"), "page_feedback": _themes.messages(d)}
    if orders:
        o = orders[0]
        ev["order_request"] = o
        if o.get("intercepted") and o.get("type") == "document":
            return CheckResult(Status.PASS, T(
                zh=f"点击以表单提交（页面跳转）发出了下单请求 {o['method']} {o['url']}；诊断在浏览器出口拦下了它（未发送、未创建订单），"
                   "加 --submit 才会真正发送",
                en=f"the click submitted the order form natively (a navigation) {o['method']} {o['url']}; the diagnosis stopped "
                   "it at the browser's edge (not sent, no order created); --submit sends it"), ev)
        if o.get("intercepted"):
            return CheckResult(Status.PASS, T(
                zh=f"点击发出了下单请求 {o['method']} {o['url']}；诊断在浏览器出口拦下了它（未发送、未创建订单），加 --submit 才会真正发送",
                en=f"the click sent the order request {o['method']} {o['url']}; the diagnosis stopped it at the browser's edge "
                   "(not sent, no order created); --submit sends it"), ev)
        return CheckResult(Status.PASS, T(zh=f"点击发出了下单请求 {o['method']} {o['url']}（已真实发送）",
                                          en=f"the click sent the order request {o['method']} {o['url']} (really sent)"), ev)
    verdict = _themes.field_verdicts(d)
    if verdict["refused"] or verdict["empty"]:
        # The browser's (or the page's) validation stopped the submit: browser.form-accepted says why.
        ev["fields"] = verdict
        return CheckResult(Status.SKIP, T(zh="没有发出下单请求：表单校验拦下了提交（见「表单接受有效的填写内容」）",
                                          en="no order request: form validation stopped the submit (see \"The form accepts valid input\")"), ev)
    said = _themes.messages(d)
    if fb.get("navigated_to") or said:
        # Something happened (a confirm step, a login prompt, a toast...): not a dead button, but no order left either.
        ev["page_feedback"] = said
        q = f"「{said[0]['text'][:60]}」（{said[0]['source']}）" if said else ""
        q_en = f" ({said[0]['source']}: \"{said[0]['text'][:60]}\")" if said else ""
        dismissed = any(m["source"] in ("confirm()", "prompt()") for m in said)
        note_zh = "；诊断关闭了该确认框，所以没有继续下单" if dismissed else ""
        note_en = "; the diagnosis dismissed that prompt, so ordering did not go on" if dismissed else ""
        return CheckResult(Status.WARN, T(zh=f"点击后页面有反应{q}，但没有发出符合 {d.get('order_rule') or 'POST'} 的下单请求{note_zh}",
                                          en=f"the click got an answer from the page{q_en} but sent no order request matching "
                                             f"{d.get('order_rule') or 'POST'}{note_en}"), ev)
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
    shown = [m["text"] for m in _themes.messages(d)] or fb.get("navigated_to") or []
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
