"""One line per check for ``kmdiag checks``: what it looks at, in both languages.

Why a table and not a ``description=`` on each decorator: the lines are read (and translated) as a
set, beside each other, and adding them touched no check's code. A ``description=`` given to
:func:`kmdiag.registry.check` wins over the table. ``kmdiag.checks`` attaches the table once its
modules have registered; tests/core/test_architecture.py fails on a check without a line (or a line
without a check).
"""

from __future__ import annotations

from kmdiag.i18n import T

DESCRIPTIONS: dict[str, T] = {
    # account
    "account.logged-in": T(zh="用账户接口确认登录会话仍然有效。", en="Asks the account API whether the session is still valid."),
    "account.identity-verified": T(zh="查看账户是否完成平台要求的实名认证。", en="Looks at whether the account finished the real-name verification the platform requires."),
    "account.login-region": T(zh="比较本次登录地区与账户的常用地区。", en="Compares this login's region with the account's usual region."),
    "account.risk": T(zh="查看账户是否被风控限制下单。", en="Looks for a risk-control hold that stops the account from ordering."),
    "account.order-rejection": T(zh="读取下单接口拒绝此账户时给出的原因。", en="Reads the reason the order API gives when it refuses this account."),
    # browser
    "browser.launch": T(zh="确认能在本机启动无头浏览器。", en="Confirms a headless browser can be started on this machine."),
    "browser.page-load": T(zh="在真实浏览器中打开商品页并确认加载完成。", en="Opens the product page in a real browser and confirms it loads."),
    "browser.script-errors": T(zh="收集页面脚本报错，判断它们是否会让下单失效。", en="Collects the page's script errors and whether they can stop the order."),
    "browser.button-found": T(zh="按店铺配置的选择器和文字在页面上找到下单按钮。", en="Finds the order button on the page by the profile's selectors and labels."),
    "browser.button-enabled": T(zh="确认下单按钮没有被禁用。", en="Confirms the order button is not disabled."),
    "browser.button-clickable": T(zh="确认点击按钮中心时没有遮挡层抢走点击。", en="Confirms no overlay takes the click aimed at the button's centre."),
    "browser.captcha": T(zh="检查下单前是否会弹出验证码。", en="Checks whether a captcha stands before the order."),
    "browser.form-accepted": T(zh="填写有效内容后确认表单接受，不被校验挡住。", en="Fills valid input and confirms the form's validation lets it through."),
    "browser.click-sends-order": T(zh="点击下单按钮，观察是否真的发出下单请求。", en="Clicks the order button and watches whether an order request leaves."),
    "browser.error-feedback": T(zh="确认下单结果（成功或失败）在页面上有提示。", en="Confirms the page tells the buyer the order's outcome, success or failure."),
    "browser.double-submit": T(zh="双击下单按钮，确认只发出一个下单请求。", en="Double-clicks the order button and confirms one order request leaves."),
    "browser.version": T(zh="比较本机浏览器版本与店铺要求的最低版本。", en="Compares the installed browsers' versions with the shop's minimum."),
    "browser.read-only": T(zh="列出只读保护拦下（或按 --submit 放行）的写请求。", en="Lists the writes the read-only guard stopped (or let through with --submit)."),
    "browser.own-profile": T(zh="复制你自己的浏览器配置，在副本中打开页面。", en="Copies your own browser profile and opens the page in the copy."),
    "browser.own-compare": T(zh="比较你的浏览器和干净浏览器的下单结果。", en="Compares ordering in your browser with ordering in a clean one."),
    "browser.own-stale-cache": T(zh="比较缓存里的脚本和样式与网站当前版本。", en="Compares the cached scripts and styles with the site's current ones."),
    "browser.own-service-worker": T(zh="查找会提供旧页面的 Service Worker。", en="Looks for a service worker that serves an old page."),
    "browser.own-extensions": T(zh="查找会拦截或改写下单的浏览器插件。", en="Looks for extensions that block or rewrite the order."),
    "browser.own-site-data": T(zh="检查该网站保存的 Cookie 和本地数据是否弄坏页面。", en="Checks whether this site's saved cookies and storage break the page."),
    "browser.own-version": T(zh="比较你的浏览器版本与店铺要求的最低版本。", en="Compares your browser's version with the shop's minimum."),
    "browser.in-stock": T(zh="确认页面没有显示商品售罄。", en="Confirms the page does not say the item is sold out."),
    # network
    "network.dns-resolve": T(zh="用本机的 DNS 解析商城域名。", en="Resolves the shop's names with this machine's resolver."),
    "network.dns-consistent": T(zh="把 DNS 答案与可信解析器比较，发现劫持。", en="Compares the DNS answers with a trusted resolver to catch a hijack."),
    "network.tcp-connect": T(zh="与商城的每个地址建立 TCP 连接。", en="Opens TCP connections to each of the shop's addresses."),
    "network.tls": T(zh="验证 TLS 证书可信、未过期且属于商城。", en="Verifies the TLS certificate is trusted, current and the shop's own."),
    "network.http": T(zh="发出 HTTP 请求并分阶段计时（DNS、连接、TLS、首字节）。", en="Sends HTTP requests and times each phase (DNS, connect, TLS, first byte)."),
    "network.latency": T(zh="测量延迟、抖动与丢包，与预算比较。", en="Measures latency, jitter and loss against the budget."),
    "network.captive-portal": T(zh="检查是否有公共 Wi-Fi 认证页拦截了请求。", en="Checks whether a public Wi-Fi login portal intercepts requests."),
    "network.proxy": T(zh="检查代理设置是否正确、代理是否可用。", en="Checks the proxy settings are sane and the proxy answers."),
    # payment
    "payment.order-found": T(zh="向店铺查询该订单。", en="Asks the shop for the order."),
    "payment.provider-paid": T(zh="主动向支付渠道查询该订单是否已收款。", en="Asks the payment provider itself whether the order was paid."),
    "payment.provider-answer": T(zh="验证渠道查询应答的签名并确认能读懂它。", en="Verifies the signature of the provider's answer and that it can be read."),
    "payment.status-consistent": T(zh="渠道已收款时，确认店铺订单也已完成。", en="When the provider has the money, confirms the shop's order is completed too."),
    "payment.order-expiry": T(zh="比较付款时间与订单过期时间。", en="Compares the payment's time with the order's expiry."),
    "payment.amount-recorded": T(zh="按分比较渠道记录的金额与订单金额。", en="Compares the provider's amount with the order's, to the cent."),
    "payment.delivery": T(zh="确认付款后卡密或商品已发出。", en="Confirms the card key or goods went out after payment."),
    "payment.review-hold": T(zh="确认订单没有被付款后二次校验挂起。", en="Confirms the order is not held for post-payment review."),
    "payment.callbacks-received": T(zh="在店铺的回调记录和日志里找渠道的回调。", en="Looks for the provider's callbacks in the shop's records and logs."),
    "payment.callback-reply": T(zh="确认店铺对回调的应答符合渠道的成功规则。", en="Confirms the shop's replies to callbacks meet the provider's success rule."),
    "payment.callback-signature": T(zh="用配置的密钥验证收到的回调签名。", en="Verifies the received callbacks' signatures with the configured key."),
    "payment.callback-amount": T(zh="按数值比较回调金额与订单金额（精确到分）。", en="Compares the callback's amount with the order's as numbers, to the cent."),
    "payment.handling-time": T(zh="比较店铺处理回调的用时与渠道的超时。", en="Compares how long the shop takes to answer a callback with the provider's timeout."),
    "payment.retry": T(zh="根据渠道的重试计划判断是否还有重试未到。", en="Works out from the provider's retry schedule whether a retry is still due."),
    "payment.notify-url-handed": T(zh="确认店铺交给渠道的回调地址是店铺自己的回调路由。", en="Confirms the notify URL the shop handed the provider is the shop's own route."),
    "payment.notify-url": T(zh="确认回调地址指向店铺真实的回调路由。", en="Confirms the notify URL points at the shop's real callback route."),
    "payment.notify-endpoint": T(zh="不触发处理，只确认回调地址所在的服务器现在可达。", en="Confirms the server behind the notify URL answers now, without calling the handler."),
    # platform
    "platform.reachable": T(zh="请求商城页面、健康检查和下单接口，确认都有回应。", en="Requests the shop's pages, health endpoint and order API, and confirms they answer."),
    "platform.load": T(zh="查找 429、503 和 Retry-After 等限流信号。", en="Looks for load-shedding signs: 429, 503, Retry-After."),
    "platform.page-refusal": T(zh="确认商品页的 HTTP 200 不是店铺的 JSON 拒绝应答。", en="Confirms the product page's answer is not the shop's JSON refusal behind an HTTP 200."),
}


def attach() -> None:
    """Give every registered check without a ``description=`` its line from :data:`DESCRIPTIONS`."""
    import dataclasses

    from kmdiag import registry

    for cid, spec in list(registry.CHECKS.items()):
        if spec.description is None and cid in DESCRIPTIONS:
            registry.CHECKS[cid] = dataclasses.replace(spec, description=DESCRIPTIONS[cid])
