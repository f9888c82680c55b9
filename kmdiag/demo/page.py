"""Demo: the product page and its script, the thing a shopper clicks.

The browser layer's faults change what this page really does (a script that throws, an overlay
that covers the button, a validator that rejects valid numbers...). Without faults it is a plain,
working order form that debounces its button and always tells the shopper what happened. kmdiag
never reads a fault flag: it has to find each fault the way it would on a real shop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmdiag.demo.faults import register
from kmdiag.demo.http import Request, Response
from kmdiag.i18n import T

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop

register("script-error", "order", "browser",
         T(zh="页面脚本在绑定点击事件之前抛出异常", en="a page script throws before the click handler is attached"),
         expect="frontend.script-error")
register("click-not-bound", "order", "browser",
         T(zh="点击事件从未绑定到按钮（脚本不报错）", en="the click handler is never attached; nothing throws"),
         expect="frontend.click-not-bound")
register("button-disabled", "order", "browser",
         T(zh="下单按钮被禁用，页面上没有任何说明", en="the order button is disabled and the page says nothing"),
         expect="frontend.button-disabled")
register("button-obscured", "order", "browser",
         T(zh="一个透明浮层盖住了下单按钮", en="a transparent layer covers the order button"),
         expect="frontend.button-obscured")
register("button-missing", "order", "browser",
         T(zh="页面上没有可识别的下单按钮", en="the page has no recognisable order button"),
         expect="frontend.button-missing")
register("validation-too-strict", "order", "browser",
         T(zh="手机号校验拒绝 19x/16x 号段和 +86 前缀等有效号码", en="the phone check rejects valid numbers (19x/16x prefixes, +86)"),
         expect="frontend.validation-too-strict")
register("no-error-feedback", "order", "browser",
         T(zh="下单接口返回 500，页面什么也不显示", en="the order API fails with 500 and the page shows nothing"),
         expect="frontend.no-error-feedback")
register("double-submit", "order", "browser",
         T(zh="按钮没有防抖：双击会发出两个下单请求", en="no debounce: a double click sends two order requests"),
         expect="frontend.double-submit")
register("browser-outdated", "order", "browser",
         T(zh="店铺要求的浏览器版本高于本机浏览器", en="the shop requires a newer browser than the one installed"),
         expect="client.browser-outdated")

# The demo shop's minimum browser versions, written into profiles/demo.yaml through demo.vars.
MIN_VERSIONS = {"chrome": 90, "edge": 90, "firefox": 90, "safari": 14}
OUTDATED_MIN_CHROME = 999

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} - 卡盟演示店 kmdiag demo shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 0; background: #f4f5f7; }}
header {{ background: #1f6feb; color: #fff; padding: 12px 24px; font-size: 20px; }}
main {{ max-width: 560px; margin: 24px auto; background: #fff; padding: 24px; border-radius: 8px; position: relative; }}
label {{ display: block; margin: 12px 0 4px; }}
input {{ width: 100%; padding: 8px; box-sizing: border-box; }}
.price {{ color: #d73a49; font-size: 24px; }}
.notice {{ color: #6a737d; font-size: 13px; }}
#buy-now {{ margin-top: 18px; padding: 12px 28px; font-size: 18px; background: #d73a49; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }}
#buy-now:disabled {{ background: #d1a3a8; cursor: not-allowed; }}
#msg {{ margin-top: 12px; min-height: 24px; }}
.msg-error {{ color: #b31d28; }} .msg-ok {{ color: #22863a; }}
.promo-layer {{ position: absolute; left: 0; top: 0; right: 0; bottom: 0; z-index: 10; background: rgba(255,255,255,0); }}
</style></head>
<body><header>卡盟演示店 · kmdiag demo shop</header>
<main>
<h1 id="product-name">{title}</h1>
<p class="price">¥ <span id="price">{price}</span></p>
{notice}
<form id="order-form" onsubmit="return false">
  <label for="contact">手机号 / Phone</label>
  <input id="contact" name="contact" type="text" autocomplete="tel" placeholder="13800138000">
  <label for="email">邮箱 / E-mail</label>
  <input id="email" name="email" type="email" placeholder="buyer@example.com">
  <input type="hidden" id="product_id" name="product_id" value="{pid}">
  {button}
  <div id="msg" role="status" aria-live="polite"></div>
</form>
{overlay}
</main>
<script src="/static/app.js"></script>
</body></html>
"""

BUTTON = '<button id="buy-now" type="button"{disabled}>立即购买</button>'
# button-missing: the order form lost its button (a theme update dropped it); only plain text remains.
NO_BUTTON = '<p class="notice">库存充足 · 自动发货 / In stock · instant delivery</p>'
OVERLAY = '<div class="promo-layer" id="promo-layer"></div>'

# Pieces of the page script; the faults swap one piece each, the rest stays the healthy shop.
JS_HEAD = r"""
(function () {
  'use strict';
  var btn = document.getElementById('buy-now');
  var msg = document.getElementById('msg');
  function show(text, ok) { msg.textContent = text; msg.className = ok ? 'msg-ok' : 'msg-error'; }
  function silentDisable() { if (btn) { btn.disabled = true; } }
"""
# Healthy: mainland mobile numbers 13x-19x, with or without +86 / 86.
JS_VALID_OK = r"""  function validPhone(v) { return /^(\+?86)?1[3-9]\d{9}$/.test(v.replace(/[\s-]/g, '')); }
"""
# validation-too-strict: an old rule from before the 16x/19x ranges existed, and no +86.
JS_VALID_STRICT = r"""  function validPhone(v) { return /^1[3-8]\d{9}$/.test(v); }
"""
JS_FEEDBACK_OK = r"""  function fail(text) { show(text, false); }
"""
# no-error-feedback: the failure branch only logs to the console.
JS_FEEDBACK_SILENT = r"""  function fail(text) { if (window.console) { console.log('order failed'); } }
"""
JS_ORDER = r"""  var busy = false;
  function placeOrder() {
    if (DEBOUNCE && busy) { return; }
    var contact = document.getElementById('contact').value.trim();
    if (!validPhone(contact)) { show('请输入正确的手机号 / Please enter a valid phone number', false); return; }
    busy = true;
    if (DEBOUNCE) { btn.disabled = true; }
    fetch('/api/orders', {method: 'POST', headers: {'Content-Type': 'application/json'}, credentials: 'same-origin',
      body: JSON.stringify({product_id: document.getElementById('product_id').value, contact: contact,
                            email: document.getElementById('email').value})})
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, body: j}; }); })
      .then(function (res) {
        busy = false; btn.disabled = false;
        if (res.status < 300 && res.body.code === 0) { show('下单成功，订单号 ' + res.body.data.order_id + ' / Order created', true); }
        else { fail('下单失败：' + (res.body.msg || ('HTTP ' + res.status))); }
      })
      .catch(function () { busy = false; btn.disabled = false; fail('网络异常，请检查连接 / Network error, please retry'); });
  }
  // As busy shops do: ask whether ordering is open, and whether this shopper may order;
  // when not, grey the button out without a word (the seed article's 按钮被设置为禁用).
  fetch('/api/shop/status', {credentials: 'same-origin'})
    .then(function (r) { if (!r.ok) { silentDisable(); return null; } return r.json(); })
    .then(function (j) { if (j && (j.code !== 0 || (j.data && j.data.accepting_orders === false))) { silentDisable(); } })
    .catch(function () { silentDisable(); });
  fetch('/api/user/me', {credentials: 'same-origin'})
    .then(function (r) { return r.status === 200 ? r.json() : null; })
    .then(function (j) { if (j && j.code === 0 && j.data && j.data.can_order === false) { silentDisable(); } })
    .catch(function () {});
"""
JS_BIND_OK = r"""  if (btn) { btn.addEventListener('click', placeOrder); }
})();
"""
# script-error: a config object another script should have defined is read before binding.
JS_BIND_THROWS = r"""  var cfg = window.SHOP_CONFIG.order;  // TypeError: SHOP_CONFIG is undefined
  if (btn && cfg) { btn.addEventListener('click', placeOrder); }
})();
"""
# click-not-bound: the handler is bound to a class the button no longer has; nothing throws.
JS_BIND_NONE = r"""  Array.prototype.forEach.call(document.querySelectorAll('.btn-buy-now'), function (b) {
    b.addEventListener('click', placeOrder);
  });
})();
"""


def app_js(demo: DemoShop) -> str:
    """The page script the demo serves, assembled from the pieces the active faults choose."""
    parts = [JS_HEAD, "  var DEBOUNCE = " + ("false" if demo.has("double-submit") else "true") + ";\n"]
    parts.append(JS_VALID_STRICT if demo.has("validation-too-strict") else JS_VALID_OK)
    parts.append(JS_FEEDBACK_SILENT if demo.has("no-error-feedback") else JS_FEEDBACK_OK)
    parts.append(JS_ORDER)
    if demo.has("script-error"):
        parts.append(JS_BIND_THROWS)
    elif demo.has("click-not-bound"):
        parts.append(JS_BIND_NONE)
    else:
        parts.append(JS_BIND_OK)
    return "".join(parts)


def page_html(demo: DemoShop, title: str, price: str, pid: int) -> str:
    if demo.has("button-missing"):
        button = NO_BUTTON
    else:
        button = BUTTON.format(disabled=" disabled" if demo.has("button-disabled") else "")
    notice = ""
    if demo.has("browser-outdated"):
        notice = (f'<p class="notice">本店仅支持 Chrome {OUTDATED_MIN_CHROME} 及以上版本 / '
                  f'This shop supports Chrome {OUTDATED_MIN_CHROME} or newer</p>')
    overlay = OVERLAY if demo.has("button-obscured") else ""
    return PAGE.format(title=title, price=price, pid=pid, button=button, notice=notice, overlay=overlay)


def _failing_order_gate(req: Request, user: str | None) -> Response | None:
    """no-error-feedback: the order API really fails (as a shop whose Redis is down does)."""
    return Response.json({"code": 500, "msg": "服务器内部错误 / internal server error"}, 500)


def setup(demo: DemoShop) -> None:
    app = demo.shop_app
    st = demo.state
    mins = dict(MIN_VERSIONS)
    if demo.has("browser-outdated"):
        mins["chrome"] = OUTDATED_MIN_CHROME
    demo.vars.update({f"min_{k}": v for k, v in mins.items()})
    if demo.has("no-error-feedback"):
        demo.gates.append(_failing_order_gate)

    @app.route("GET", "/")
    def index(req: Request) -> Response:
        items = "".join(f'<li><a href="/buy/{p.id}">{p.name}</a> ¥{p.price}</li>' for p in st.products.values())
        return Response.html(f"<!doctype html><meta charset=utf-8><title>kmdiag demo shop</title><ul>{items}</ul>")

    @app.route("GET", "/buy/{pid}")
    def buy(req: Request) -> Response:
        pid = int(req.params["pid"]) if req.params["pid"].isdigit() else -1
        p = st.products.get(pid)
        if p is None:
            return Response.html("<h1>商品不存在 / No such product</h1>", 404)
        return Response.html(page_html(demo, p.name, f"{p.price:.2f}", p.id), headers={"Cache-Control": "no-cache"})

    @app.route("GET", "/static/app.js")
    def app_js_route(req: Request) -> Response:
        return Response(200, app_js(demo), {"Cache-Control": "no-cache"}, "application/javascript; charset=utf-8")
