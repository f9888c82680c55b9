"""The storefront: ``/item/{id}``, the injected ``item.js``, the captcha image, the pay-method and stock APIs.

What real 3.6.0 does (reference §7, §7.1), and so what this does: the server HTML has no order button.
It embeds ``setVar("_var_item",{...})``; after ``load`` the page injects ``item.js``, which POSTs
``/user/api/index/pay?itemId=`` and ``/user/api/index/stock``, fills ``div.cash-pay > div.pay-list``
with ``<a class="pay" data-id>`` per method and fades ``.cash-pay`` in — 0.2–0.9 s after ``load`` on an
idle machine (both APIs answer after a variable delay here). Out of stock, ``.cash-pay`` stays hidden
and a red 已售罄 badge shows. An unknown id answers HTTP 200 JSON ``{"code":0,"msg":"商品不存在"}``.
"""

from __future__ import annotations

import html
import json
import secrets as _secrets
import time
from typing import TYPE_CHECKING

from kmdiag.demo.acgfaka import captcha
from kmdiag.demo.acgfaka.members import PHP_SESSION
from kmdiag.demo.http import Request, Response

if TYPE_CHECKING:
    from kmdiag.demo.acgfaka.members import Sessions
    from kmdiag.demo.acgfaka.store import Store
    from kmdiag.demo.http import App


def php_json(obj: object, headers: dict[str, str] | None = None) -> Response:
    """JSON as PHP's ``json_encode(..., JSON_UNESCAPED_UNICODE)`` writes it (no spaces)."""
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Response(200, body, dict(headers or {}), "application/json; charset=utf-8")


def refuse(msg: str) -> Response:
    """Every refusal of acg-faka's kernel: HTTP 200 ``{"code":0,"msg":...}``."""
    return php_json({"code": 0, "msg": msg})


def ok(data: object, msg: str = "success") -> Response:
    return php_json({"code": 200, "msg": msg, "data": data})


def php_session(req: Request) -> tuple[str, dict[str, str]]:
    """The ``ACG-SHOP`` session id, and the Set-Cookie header when the request had none."""
    sid = req.cookie(PHP_SESSION)
    if sid:
        return sid, {}
    sid = _secrets.token_hex(13)
    return sid, {"Set-Cookie": f"{PHP_SESSION}={sid}; path=/; HttpOnly"}


def install(app: App, store: Store, sessions: Sessions) -> None:
    @app.route("GET", "/item/{id}")
    def item_page(req: Request) -> Response:
        try:
            item = store.items.get(int(req.params["id"]))
        except ValueError:
            item = None
        if item is None:
            return refuse("商品不存在")
        _, cookie = php_session(req)
        member = sessions.member(req)
        var = {"id": item.id, "name": item.name, "price": str(item.price), "user_price": str(item.price),
               "stock": item.stock, "only_user": item.only_user, "trade_captcha": store.trade_captcha,
               "login": 1 if member else 0}
        cap = ("" if not store.trade_captcha else
               '<div class="form-group"><label>验证码</label><input name="captcha" class="form-control captcha-input" '
               'maxlength="4" autocomplete="off" placeholder="请输入验证码">'
               f'<img class="captcha-img" src="/user/captcha/image?action=trade&_t={int(time.time() * 1000)}" '
               'alt="验证码" title="看不清？点击换一张" onclick="this.src=\'/user/captcha/image?action=trade&_t=\'+Date.now()"></div>')
        page = PAGE.format(name=html.escape(item.name), price=html.escape(str(item.price)),
                           var=json.dumps(var, ensure_ascii=False), captcha=cap,
                           user=html.escape(member.username) if member else "游客")
        return Response.html(page, headers=cookie)

    @app.route("GET", "/assets/js/item.js")
    def item_js(req: Request) -> Response:
        return Response(200, ITEM_JS, {"Cache-Control": "no-cache"}, "application/javascript; charset=utf-8")

    @app.route("GET", "/user/captcha/image")
    def captcha_image(req: Request) -> Response:
        sid, cookie = php_session(req)
        code = captcha.new_code(store.rng)
        with store.lock:
            store.captchas[sid] = code
        return Response(200, captcha.png(code, store.rng), cookie | {"Cache-Control": "no-store"}, "image/png")

    @app.route("POST", "/user/api/index/pay")
    def pay_methods(req: Request) -> Response:
        time.sleep(store.rng.uniform(0.08, 0.35))  # PHP + MariaDB on a small host
        item = store.items.get(_int(req.query.get("itemId")))
        if item is None:
            return refuse("商品不存在")
        return ok([{"id": p.id, "name": p.name, "icon": p.icon, "handle": p.handle} for p in store.pays.values()])

    @app.route("POST", "/user/api/index/stock")
    def stock(req: Request) -> Response:
        time.sleep(store.rng.uniform(0.05, 0.3))
        item = store.items.get(_int(req.form().get("item_id") or req.query.get("itemId")))
        if item is None:
            return refuse("商品不存在")
        return ok({"stock": item.stock, "stock_state": 1 if item.stock > 0 else 0})

    @app.route("GET", "/")
    def index(req: Request) -> Response:
        links = "".join(f'<li><a href="/item/{i.id}">{html.escape(i.name)}</a></li>' for i in store.items.values())
        return Response.html(f"<!doctype html><meta charset=utf-8><title>异次元发卡</title><ul>{links}</ul>")


def _int(v: object) -> int:
    try:
        return int(str(v))
    except ValueError:
        return 0


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} - 异次元发卡</title>
<style>
body{{font-family:sans-serif;background:#f4f6fb;margin:0}} .wrap{{max-width:720px;margin:24px auto;background:#fff;padding:24px;border-radius:12px}}
.form-group{{margin:12px 0}} .form-control{{padding:6px 8px;border:1px solid #ccd;border-radius:6px}}
.captcha-img{{height:35px;vertical-align:middle;cursor:pointer;margin-left:8px}}
.cash-pay{{display:none;opacity:0;transition:opacity .2s}} .pay-list a.pay{{display:inline-block;padding:8px 14px;margin:6px;border:1px solid #4a7cf7;border-radius:8px;cursor:pointer;color:#234}}
.pay-list a.pay img{{width:18px;height:18px;vertical-align:middle;margin-right:4px}}
.sold-out{{display:none;background:#e74c3c;color:#fff;padding:6px 14px;border-radius:6px;font-weight:bold}}
.toast{{position:fixed;top:30%;left:50%;transform:translateX(-50%);background:rgba(0,0,0,.75);color:#fff;padding:10px 18px;border-radius:6px;display:none}}
</style>
<script>var _vars={{}};function setVar(k,v){{_vars[k]=v;}}function getVar(k){{return _vars[k];}}</script>
<script>setVar("_var_item",{var});</script>
</head><body><div class="wrap">
<div class="header">当前用户：{user}</div>
<h2 class="item-name">{name}</h2><p>价格：<b class="price">¥{price}</b></p>
<form class="trade-form" onsubmit="return false">
<div class="form-group"><label>联系方式</label><input name="contact" class="form-control" placeholder="手机号/QQ/邮箱"></div>
<div class="form-group"><label>购买数量</label><input name="num" type="number" value="1" min="1" class="form-control"></div>
{captcha}
<div class="sold-out">已售罄</div>
<div class="cash-pay"><div class="pay-title">选择支付方式</div><div class="pay-list"></div></div>
</form></div><div class="toast"></div>
<script>window.addEventListener("load",function(){{var s=document.createElement("script");s.src="/assets/js/item.js";document.body.appendChild(s);}});</script>
</body></html>
"""

ITEM_JS = r"""(function(){
var item = getVar("_var_item");
function post(url, data){
  var body = Object.keys(data||{}).map(function(k){return encodeURIComponent(k)+"="+encodeURIComponent(data[k]);}).join("&");
  return fetch(url,{method:"POST",credentials:"same-origin",headers:{"Content-Type":"application/x-www-form-urlencoded; charset=UTF-8","X-Requested-With":"XMLHttpRequest"},body:body}).then(function(r){return r.json();});
}
function toast(msg){var t=document.querySelector(".toast");t.textContent=msg;t.style.display="block";setTimeout(function(){t.style.display="none";},2500);}
function val(n){var e=document.querySelector("[name="+n+"]");return e?e.value:"";}
var trading=false;
function trade(payId){
  if(trading){return;} trading=true;
  post("/user/api/order/trade",{item_id:item.id,num:val("num")||1,contact:val("contact"),captcha:val("captcha"),pay_id:payId,device:0}).then(function(res){
    if(res.code===200){ if(res.data.url){location.href=res.data.url;} else {toast(res.msg);} }
    else { toast(res.msg); var img=document.querySelector(".captcha-img"); if(img){img.src="/user/captcha/image?action=trade&_t="+Date.now();} }
  }).catch(function(){toast("网络错误，请重试");}).then(function(){trading=false;});
}
post("/user/api/index/pay?itemId="+item.id,{}).then(function(pays){
  var list=document.querySelector(".pay-list");
  (pays.data||[]).forEach(function(p){
    var a=document.createElement("a");a.className="pay";a.setAttribute("data-id",p.id);
    a.innerHTML='<img src="'+p.icon+'" alt=""><span></span>';a.querySelector("span").textContent=p.name;
    a.addEventListener("click",function(){trade(p.id);});list.appendChild(a);
  });
  return post("/user/api/index/stock",{item_id:item.id});
}).then(function(st){
  if(st && st.code===200 && st.data.stock_state>0){
    var c=document.querySelector(".cash-pay");c.style.display="block";
    requestAnimationFrame(function(){requestAnimationFrame(function(){c.style.opacity="1";});});
  } else {
    document.querySelector(".sold-out").style.display="inline-block";
  }
});
})();
"""
