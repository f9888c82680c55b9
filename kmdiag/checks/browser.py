"""Browser checks, part 1: the browser started, the page loaded, its scripts ran, and the order
button exists, is enabled and would really receive a click.

Pure functions of the ``browser.page`` measurement. Each check says one thing, so that the
diagnosis can tell "the script threw" from "the button is covered" from "the click did nothing".
"""

from __future__ import annotations

from typing import Any

from kmdiag.checks import _themes
from kmdiag.checks._themes import click_sent_order
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import CheckContext, CheckResult, check
from kmdiag.words import message_zh, quoted

PAGE = "browser.page"

_LOAD_STATUSES = (429, 503)
_NOISE = ("favicon.ico",)


def page_data(c: CheckContext) -> dict[str, Any]:
    return c.data(PAGE)


def load_signals(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Answers the page itself got that say "the shop is shedding load" (429/503/Retry-After)."""
    return [e for e in d.get("http_errors") or [] if e.get("status") in _LOAD_STATUSES or e.get("retry_after")]


def describe(el: dict[str, Any] | None) -> str:
    if not el:
        return "?"
    out = el.get("tag", "?")
    if el.get("id"):
        out += f"#{el['id']}"
    cls = (el.get("cls") or "").split()
    if cls:
        out += "." + ".".join(cls[:2])
    return out


@check("browser.launch", layer="browser", needs=(PAGE,),
       title=T(zh="能启动浏览器", en="A browser can be started"))
def launch(c: CheckContext) -> CheckResult:
    d = page_data(c)
    if not d.get("launched"):
        msg = d.get("unavailable") or {"zh": "无法启动浏览器", "en": "no browser could be started"}
        return CheckResult(Status.ERROR, T(zh=msg["zh"], en=msg["en"]), {"tried": d.get("tried", [])})
    b = d.get("browser") or {}
    return CheckResult(Status.PASS, T(zh=f"已启动 {b.get('name')} {b.get('version')}（{b.get('executable')}）",
                                      en=f"started {b.get('name')} {b.get('version')} ({b.get('executable')})"),
                       {"browser": b, "launch_ms": d.get("launch_ms"), "resolver_rules_from": d.get("resolver_rules_from")})


@check("browser.page-load", layer="browser", needs=(PAGE,), after=("browser.launch",),
       title=T(zh="商品页能在浏览器中打开", en="The product page opens in the browser"))
def page_load(c: CheckContext) -> CheckResult:
    d = page_data(c)
    load = d.get("load") or {}
    ev = {"url": d.get("url"), "load": load, "timing": d.get("timing")}
    if not load.get("ok") and load.get("unresponsive"):
        return CheckResult(Status.FAIL, T(zh="商品页打开后失去响应：页面上的脚本一直在运行，不再响应点击",
                                          en="the product page stopped responding after it loaded: a script on it "
                                             "never yields, so clicks go unanswered"), ev)
    if not load.get("ok") and load.get("timeout"):
        sec = load.get("timeout_s")
        return CheckResult(Status.FAIL, T(zh=f"商品页 {sec} 秒内没有加载完成", en=f"the product page did not finish loading within {sec} s"), ev)
    if not load.get("ok"):
        return CheckResult(Status.FAIL, T(zh=f"商品页打不开：{message_zh(load.get('error'))}", en=f"the product page did not open: {load.get('error')}"), ev)
    if (load.get("status") or 200) >= 400:
        st = load.get("status")
        return CheckResult(Status.FAIL, T(zh=f"商品页返回 HTTP {st}", en=f"the product page answered HTTP {st}"), ev)
    return CheckResult(Status.PASS, T(zh=f"商品页 {load.get('ms')} ms 打开", en=f"the product page opened in {load.get('ms')} ms"), ev)


def script_problems(d: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    failed_scripts = [f for f in d.get("failed_requests") or [] if f.get("type") == "script"]
    failed_scripts += [e for e in d.get("http_errors") or [] if e.get("type") == "script"]
    blocked = [f for f in d.get("failed_requests") or []
               if "BLOCKED" in (f.get("error") or "").upper() and not any(n in f.get("url", "") for n in _NOISE)]
    policy = [m for m in d.get("console") or [] if m.get("type") == "error"
              and any(k in m.get("text", "") for k in ("Mixed Content", "Content Security Policy", "Refused to"))]
    return {"page_errors": [e for e in d.get("page_errors") or [] if e.get("phase") in ("load", "click")],
            "script_failures": failed_scripts, "blocked": blocked, "policy": policy}


@check("browser.script-errors", layer="browser", needs=(PAGE,), after=("browser.page-load",),
       title=T(zh="页面脚本正常运行", en="The page's scripts run without errors"))
def script_errors(c: CheckContext) -> CheckResult:
    d = page_data(c)
    probs = script_problems(d)
    n = sum(len(v) for v in probs.values())
    if n == 0:
        return CheckResult(Status.PASS, T(zh="没有未捕获的脚本异常，脚本全部加载", en="no uncaught script errors; every script loaded"), {})
    first = (probs["page_errors"] or probs["script_failures"] or probs["blocked"] or probs["policy"])[0]
    what = first.get("message") or first.get("text") or f"{first.get('url')} {first.get('error') or first.get('status')}"
    parties = _themes.classify(probs, d.get("url"))
    ev = {**probs, "first": what, **parties}
    if parties["party"] == "third" and parties["third_party"]:
        what = parties["third_party"][0]
        ev["first"] = what
    who_zh = "第三方脚本" if parties["party"] == "third" else "脚本"
    who_en = "third-party script" if parties["party"] == "third" else "script"
    if click_sent_order(d):  # the order still went out: noise, not the reason the click fails
        return CheckResult(Status.WARN, T(zh=f"页面有 {n} 个{who_zh}问题（{quoted(what)}），但下单请求仍能发出",
                                          en=f"{n} {who_en} problem(s) on the page ({what}), but the order request still leaves"), ev)
    if not _themes.script_blocks(d):  # the click is handled: whatever stops the order, it is not this
        return CheckResult(Status.WARN, T(zh=f"页面有 {n} 个{who_zh}问题（{quoted(what)}），但下单按钮的点击处理仍在，不是它挡住了下单",
                                          en=f"{n} {who_en} problem(s) on the page ({what}), but the button's click handler is "
                                             "in place: this is not what stops the order"), ev)
    return CheckResult(Status.FAIL, T(zh=f"页面{who_zh}出错：{quoted(what)}", en=f"a page {who_en} failed: {what}"), ev)


@check("browser.button-found", layer="browser", needs=(PAGE,), after=("browser.page-load",),
       title=T(zh="找到下单按钮", en="The order button is found"))
def button_found(c: CheckContext) -> CheckResult:
    d = page_data(c)
    b = d.get("button") or {}
    sel = c.profile.order.button
    ev = {"button": b, "profile_selector": sel, "wait": d.get("wait")}
    # Writes the read-only guard stopped before the look (default deny): a page may build its button from them.
    held = [x for x in (d.get("guard") or {}).get("stopped") or [] if x.get("why") == "default-deny"
            and x.get("phase") == "load" and x.get("type") in ("xhr", "fetch")]
    if not b.get("found"):
        waited = (d.get("wait") or {}).get("waited_ms")
        note_zh = f"（等待页面稳定 {waited} ms 后）" if waited is not None else ""
        note_en = f" (after waiting {waited} ms for the page to settle)" if waited is not None else ""
        if held:
            ev["stopped_page_writes"] = held[:5]
            x = held[0]
            note_zh += (f"；只读保护拦下了页面加载时的 {len(held)} 个非 GET 请求（如 {x['method']} {x['url']}），若按钮由它们生成，"
                        "请把它们加入配置的 order.read_requests")
            note_en += (f"; the read-only guard stopped {len(held)} non-GET request(s) of the page while it loaded (e.g. "
                        f"{x['method']} {x['url']}): if the button is built from them, list them in order.read_requests")
        return CheckResult(Status.FAIL, T(
            zh="页面上找不到下单按钮" + (f"（配置的选择器 {sel} 无匹配，内置规则也没有找到）" if sel else "（内置规则没有找到）") + note_zh,
            en="no order button on the page" + (f" (profile selector {sel} matches nothing, nor do the built-in rules)"
                                               if sel else " (the built-in rules found none)") + note_en), ev)
    label = f"{b.get('text') or describe(b)}"
    if not b.get("visible"):
        return CheckResult(Status.FAIL, T(zh=f"下单按钮「{label}」存在但不可见", en=f"the order button \"{label}\" exists but is not visible"), ev)
    if b.get("found_by") == "heuristic" and sel:
        return CheckResult(Status.PASS, T(zh=f"配置的选择器 `{sel}` 无匹配；按内置规则找到「{label}」",
                                          en=f"profile selector {sel} matches nothing; the built-in rules found \"{label}\""), ev)
    return CheckResult(Status.PASS, T(zh=f"找到下单按钮「{label}」", en=f"found the order button \"{label}\""), ev)


@check("browser.button-enabled", layer="browser", needs=(PAGE,), after=("browser.button-found",),
       title=T(zh="下单按钮可用（未禁用）", en="The order button is enabled"))
def button_enabled(c: CheckContext) -> CheckResult:
    d = page_data(c)
    st = d.get("state") or {}
    flags = []
    if st.get("disabled"):
        flags.append("disabled")
    if str(st.get("aria_disabled")).lower() == "true":
        flags.append("aria-disabled")
    if st.get("pointer_events") == "none":
        flags.append("pointer-events:none")
    if st.get("ancestor_pointer_events_none"):
        flags.append(f"pointer-events:none on <{st['ancestor_pointer_events_none']}>")
    if st.get("disabled_class"):
        flags.append("class=disabled")
    ev = {"flags": flags, "load_signals": load_signals(d), "logged_in": d.get("logged_in"),
          "new_text": (d.get("feedback") or {}).get("new_text", [])}
    if flags:
        return CheckResult(Status.FAIL, T(zh=f"下单按钮被禁用（{'、'.join(f'`{x}`' for x in flags)}），页面没有说明原因",
                                          en=f"the order button is disabled ({', '.join(flags)}) and the page gives no reason"), ev)
    return CheckResult(Status.PASS, T(zh="下单按钮可用", en="the order button is enabled"), ev)


@check("browser.button-clickable", layer="browser", needs=(PAGE,), after=("browser.button-enabled",),
       title=T(zh="点击按钮中心时按钮本身接收点击", en="A click on the button's centre reaches the button"))
def button_clickable(c: CheckContext) -> CheckResult:
    d = page_data(c)
    st = d.get("state") or {}
    rel = st.get("hit_relation")
    hit = st.get("hit") or {}
    ev = {"hit_relation": rel, "hit": hit, "box": st.get("box"), "screenshot": d.get("screenshot")}
    if rel in ("self", "inside"):
        return CheckResult(Status.PASS, T(zh="按钮中心的点击落在按钮上", en="a click at the button's centre lands on the button"), ev)
    if rel == "none":
        return CheckResult(Status.WARN, T(zh="按钮不在可点击区域内（尺寸为 0 或在视口外）",
                                          en="the button is not in a clickable area (zero size or off screen)"), ev)
    transparent = hit.get("opacity") == "0" or "rgba(0, 0, 0, 0)" in str(hit.get("background")) or ", 0)" in str(hit.get("background"))
    how, how_en, kind = _themes.cover_phrase(d.get("cover"), describe(hit), transparent)
    return CheckResult(Status.FAIL, T(zh=f"按钮被{how}盖住：点击会落在它上面",
                                      en=f"the button is covered by {how_en}: the click lands on it"),
                       {**ev, "transparent": kind == "transparent", "cover": d.get("cover"), "cover_kind": kind,
                        "cover_zh": how, "cover_en": how_en})


@check("browser.captcha", layer="browser", needs=(PAGE,), after=("browser.page-load",),
       title=T(zh="下单前是否需要验证码", en="Whether ordering needs a captcha"))
def captcha(c: CheckContext) -> CheckResult:
    d = page_data(c)
    found = d.get("captcha") or []
    if not found:
        return CheckResult(Status.PASS, T(zh="页面上没有验证码", en="no captcha on the page"), {})
    kinds = sorted({f.get("kind", "?") for f in found})
    return CheckResult(Status.WARN, T(
        zh=f"页面有验证码（{', '.join(kinds)}）：诊断不会替你提交，未尝试最后的下单点击；其余可见问题照常检查",
        en=f"the page has a captcha ({', '.join(kinds)}): the diagnosis does not submit it, so the final order click "
           "was not attempted; everything visible is still checked"), {"captcha": found})
