"""Demo: the product page and its script, the thing a shopper clicks.

The browser layer's faults change what this page really does (a script that throws, an overlay
that covers the button...). Without faults it is a plain, working order form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmdiag.demo.http import Request, Response

if TYPE_CHECKING:
    from kmdiag.demo.runtime import DemoShop

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
#buy-now {{ margin-top: 18px; padding: 12px 28px; font-size: 18px; background: #d73a49; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }}
#msg {{ margin-top: 12px; min-height: 24px; }}
.msg-error {{ color: #b31d28; }} .msg-ok {{ color: #22863a; }}
</style></head>
<body><header>卡盟演示店 · kmdiag demo shop</header>
<main>
<h1 id="product-name">{title}</h1>
<p class="price">¥ <span id="price">{price}</span></p>
<form id="order-form" onsubmit="return false">
  <label for="contact">手机号 / Phone</label>
  <input id="contact" name="contact" type="text" autocomplete="tel" placeholder="13800138000">
  <label for="email">邮箱 / E-mail</label>
  <input id="email" name="email" type="email" placeholder="buyer@example.com">
  <input type="hidden" id="product_id" name="product_id" value="{pid}">
  <button id="buy-now" type="button">立即购买</button>
  <div id="msg" role="status" aria-live="polite"></div>
</form>
</main>
{extra_body}
<script src="/static/app.js"></script>
</body></html>
"""

APP_JS = r"""
(function () {
  var btn = document.getElementById('buy-now');
  var msg = document.getElementById('msg');
  function show(text, ok) { msg.textContent = text; msg.className = ok ? 'msg-ok' : 'msg-error'; }
  function validPhone(v) { return /^(\+?86)?1[3-9]\d{9}$/.test(v.replace(/[\s-]/g, '')); }
  function placeOrder() {
    var contact = document.getElementById('contact').value.trim();
    if (!validPhone(contact)) { show('请输入正确的手机号 / Please enter a valid phone number', false); return; }
    btn.disabled = true;
    fetch('/api/orders', {method: 'POST', headers: {'Content-Type': 'application/json'}, credentials: 'same-origin',
      body: JSON.stringify({product_id: document.getElementById('product_id').value, contact: contact,
                            email: document.getElementById('email').value})})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, body: j}; }); })
      .then(function (res) {
        btn.disabled = false;
        if (res.status < 300 && res.body.code === 0) { show('下单成功，订单号 ' + res.body.data.order_id + ' / Order created', true); }
        else { show('下单失败：' + (res.body.msg || res.status), false); }
      })
      .catch(function () { btn.disabled = false; show('网络异常，请检查连接 / Network error, please retry', false); });
  }
  btn.addEventListener('click', placeOrder);
})();
"""


def setup(demo: DemoShop) -> None:
    app = demo.shop_app
    st = demo.state

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
        return Response.html(PAGE.format(title=p.name, price=f"{p.price:.2f}", pid=p.id, extra_body=""))

    @app.route("GET", "/static/app.js")
    def app_js(req: Request) -> Response:
        return Response(200, APP_JS, {"Cache-Control": "no-cache"}, "application/javascript; charset=utf-8")
