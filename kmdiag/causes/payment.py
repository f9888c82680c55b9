"""Causes for ``kmdiag payment``: why a paid order did not move. Priorities 100–199, upstream first.

Order of the chain: was money taken at all (100) → was the order still open (105) → can the
callback reach the route (110, 115) → is it believed (120, 125) → is it handled in time (130) →
did the state machine move (135, 140, 145) → will the provider try again (150) → did it ever
arrive (160). Every cause has steps for the shopper, the support agent and the operator.
"""

from __future__ import annotations

from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import Match, Step, cause
from kmdiag.words import status_zh

CMD = ("payment",)
KEEP = Step("user", T(zh="保留付款截图（含订单号 {order_id} 和付款时间），不要重复付款。", en="Keep the payment screenshot (with order no. {order_id} and the payment time); do not pay again."))
SUPPORT = Step("user", T(zh="若 30 分钟内订单仍未完成，带上截图联系店铺客服。", en="If the order has not completed within 30 minutes, contact the shop's support with the screenshot."))


def _params(f: FindingIndex, **extra: object) -> dict[str, object]:
    p = f.evidence("payment.provider-paid")
    o = f.evidence("payment.order-found")
    return {"order_id": o.get("order_id") or f.options.get("order_id") or "?",
            "paid_at": p.get("paid_at_local") or "?", "trade_no": p.get("trade_no") or "?",
            "status": T(zh=status_zh(o.get("status")), en=str(o.get("status") or "?")), **extra}


@cause("payment.not-paid", layer="payment", priority=100, commands=CMD,
       title=T(zh="支付渠道没有收到这笔钱", en="The provider never took the money for this order"),
       explanation=T(zh="渠道查询显示订单 {order_id} 未付款或不存在。店铺显示待支付是正确的。", en="The provider's query says order {order_id} is unpaid or unknown. The shop's 'unpaid' is correct."),
       steps=(Step("user", T(zh="查看支付宝/微信账单：若没有扣款，请重新下单付款；若已扣款，保留截图（含订单号和时间）联系客服。", en="Check your Alipay/WeChat bill: if nothing was charged, order and pay again; if it was, keep the screenshot (order no. and time) and contact support.")),
              Step("agent", T(zh="请买家提供付款截图与渠道交易号；若扣款的是另一个订单号，按那个订单号再查一次。", en="Ask the buyer for the payment screenshot and the provider's trade no.; if the charge belongs to another order no., run kmdiag for that one.")),
              Step("operator", T(zh="若多位买家反映扣款却查不到交易，检查下单时使用的商户号/网关地址是否正确。", en="If several buyers report charges the provider cannot find, check the merchant id / gateway URL used when orders are created.")))
       )
def not_paid(f: FindingIndex) -> Match | None:
    if f.failed("payment.provider-paid"):
        return Match(0.9, ["payment.provider-paid"], _params(f))
    return None


@cause("payment.order-expired", layer="payment", priority=105, commands=CMD,
       title=T(zh="订单在付款确认前已过期", en="The order expired before the payment was confirmed"),
       explanation=T(zh="订单 {order_id} 已过期（{expired}），渠道却在 {paid_at} 收款，店铺因此拒绝了回调。", en="Order {order_id} expired ({expired}) but the provider took the money at {paid_at}, so the shop refused the callback."),
       steps=(KEEP, Step("user", T(zh="钱已经付了：联系客服补单或退款，不要再付一次。", en="The money was taken: ask support to complete or refund the order; do not pay again.")),
              Step("agent", T(zh="在后台手动补单（交易号 {trade_no}），或在渠道后台原路退款。", en="Complete the order by hand in the admin (trade no. {trade_no}), or refund it at the provider.")),
              Step("operator", T(zh="把订单过期时间设得长于渠道的付款有效期，或允许过期订单接受有效的付款回调。", en="Make the order expiry longer than the provider's payment window, or let an expired order accept a valid paid callback.")))
       )
def order_expired(f: FindingIndex) -> Match | None:
    if f.failed("payment.order-expiry"):
        ev = f.evidence("payment.order-expiry")
        return Match(0.9, ["payment.order-expiry"], _params(f, expired=ev.get("expires_at")))
    return None


@cause("payment.callback-url-wrong", layer="payment", priority=110, commands=CMD,
       title=T(zh="回调地址配置错误", en="The notify URL is misconfigured"),
       explanation=T(zh="渠道的回调打不到店铺的回调路由：{detail_zh}", en="The provider's callbacks cannot reach the shop's callback route: {detail_en}"),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="渠道已收款的订单用 kmdiag payment {order_id} --renotify 补发回调，或在后台手动补单。", en="For orders the provider confirms, re-send the callback with kmdiag payment {order_id} --renotify, or complete them by hand.")),
              Step("operator", T(zh="改正回调地址（协议、域名、路径须与店铺路由一致，不能重定向，须接受渠道的请求方法），检查伪静态规则与 APP_URL。", en="Fix the notify URL (scheme, host and path must match the shop's route, no redirect, the provider's method accepted); check rewrite rules and APP_URL.")))
       )
def callback_url_wrong(f: FindingIndex) -> Match | None:
    for check_id in ("payment.notify-url-handed", "payment.notify-url"):  # what the shop handed the provider first
        if f.failed(check_id):
            return Match(0.9, [check_id], _params(f, **_detail(f, check_id)))
    return None


@cause("payment.callback-endpoint-down", layer="payment", priority=115, commands=CMD,
       title=T(zh="回调接口不可用", en="The notify endpoint is unreachable or failing"),
       explanation=T(zh="回调接口无法正常应答：{detail_zh}。渠道的回调同样失败。", en="The notify endpoint is failing: {detail_en}. The provider's callbacks fail the same way."),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="接口恢复后，用 kmdiag payment {order_id} --renotify 补发回调或手动补单。", en="Once the endpoint is back, re-send with kmdiag payment {order_id} --renotify or complete the order by hand.")),
              Step("operator", T(zh="检查反向代理后端（PHP-FPM/应用进程）、防火墙/CDN 是否拦截渠道、TLS 证书链；恢复后用 --sweep 找出期间的掉单。", en="Check the upstream behind the proxy (PHP-FPM / app process), firewall/CDN rules against the provider, the TLS chain; afterwards run --sweep for orders lost meanwhile.")))
       )
def endpoint_down(f: FindingIndex) -> Match | None:
    if f.failed("payment.notify-endpoint"):
        return Match(0.9, ["payment.notify-endpoint"], _params(f, **_detail(f, "payment.notify-endpoint")))
    return None


@cause("payment.signature-invalid", layer="payment", priority=120, commands=CMD,
       title=T(zh="回调到达了，但验签失败", en="Callbacks arrive but fail signature verification"),
       explanation=T(zh="{detail_zh}", en="{detail_en}"),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="渠道已收款（{paid_at}）：在后台手动补单；运营修好密钥后可用 --renotify 补发。", en="The provider was paid ({paid_at}): complete the order by hand; once the key is fixed, --renotify works too.")),
              Step("operator", T(zh="核对店铺配置的商户密钥（易支付 MD5 密钥 / 支付宝公钥而非应用公钥 / 微信平台公钥与 APIv3 密钥），并检查是否有输入过滤改写了回调参数。", en="Check the key the shop is configured with (epay MD5 key / the Alipay public key, not the app key / the WeChat platform public key and APIv3 key) and any input filter that rewrites callback parameters.")))
       )
def signature_invalid(f: FindingIndex) -> Match | None:
    if f.failed("payment.callback-signature"):
        return Match(0.9, ["payment.callback-signature"], _params(f, **_detail(f, "payment.callback-signature")))
    if f.failed("payment.provider-answer") and f.evidence("payment.provider-answer").get("cause_hint") == "wrong-public-key":
        return Match(0.85, ["payment.provider-answer"], _params(f, **_detail(f, "payment.provider-answer")))
    return None


@cause("payment.provider-refused", layer="payment", priority=101, commands=CMD,
       title=T(zh="支付渠道拒绝了查询", en="The provider refused the query"),
       explanation=T(zh="{detail_zh}。渠道是“钱到底收没收”的唯一依据，它不回答，就无法确认这笔付款。", en="{detail_en}. The provider is the only source of truth for whether the money was taken; without its answer the payment cannot be confirmed."),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="在渠道商户后台按订单号 {order_id} 手动查询这笔交易；确认已收款再手动补单。", en="Look order {order_id} up by hand in the provider's merchant console; complete the order only once it shows as paid.")),
              Step("operator", T(zh="核对商户号、商户密钥（易支付 MD5 密钥 / 支付宝应用私钥 / 微信商户私钥与证书序列号）与网关地址，它们也是店铺下单和验签用的配置。", en="Check the merchant id, the merchant key (epay MD5 key / Alipay app private key / WeChat merchant key and certificate serial) and the gateway URL: the shop uses the same settings to take payments and verify notifies.")))
       )
def provider_refused(f: FindingIndex) -> Match | None:
    if f.failed("payment.provider-answer") and f.evidence("payment.provider-answer").get("cause_hint") in ("credentials", "provider-error"):
        return Match(0.8, ["payment.provider-answer"], _params(f, **_detail(f, "payment.provider-answer")))
    return None


@cause("payment.amount-mismatch", layer="payment", priority=125, commands=CMD,
       title=T(zh="回调金额与订单金额不一致", en="The callback amount differs from the order amount"),
       explanation=T(zh="{detail_zh}", en="{detail_en}"),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="核对实付金额后手动补单；若少付，按差额处理或退款。", en="Check the amount actually paid, then complete the order by hand; if it was short, settle the difference or refund.")),
              Step("operator", T(zh="按数值比较金额并精确到分（易支付把 1.00 发成 1），手续费模式下比较前先计入手续费。", en="Compare amounts as numbers to the cent (epay sends 1.00 as 1), and include fees before comparing when the fee mode is on.")))
       )
def amount_mismatch(f: FindingIndex) -> Match | None:
    failed = f.any_failed("payment.callback-amount", "payment.amount-recorded")
    if failed:
        return Match(0.85, failed, _params(f, **_detail(f, failed[0])))
    return None


@cause("payment.slow-processing", layer="payment", priority=130, commands=CMD,
       title=T(zh="店铺处理回调太慢", en="The shop handles callbacks too slowly"),
       explanation=T(zh="{detail_zh}。渠道按超时算失败并会重试，订单可能延迟或重复处理。", en="{detail_en}. The provider counts that as a failure and retries; orders are late or processed twice."),
       steps=(Step("user", T(zh="订单可能稍后自动完成；请等几分钟再刷新订单页。", en="The order may complete on its own shortly; wait a few minutes and refresh the order page.")),
              Step("agent", T(zh="等渠道下一次重试；留意同一订单是否被重复发卡。", en="Wait for the provider's next retry; watch for the same order being delivered twice.")),
              Step("operator", T(zh="把发邮件、推送等慢操作移到队列（QUEUE_CONNECTION 不要用 `sync`），确保队列进程在运行，检查数据库慢查询。", en="Move mail, pushes and other slow work to a queue (not QUEUE_CONNECTION=sync), keep the queue worker running, check slow database queries.")))
       )
def slow_processing(f: FindingIndex) -> Match | None:
    if f.failed("payment.handling-time"):
        return Match(0.8, ["payment.handling-time"], _params(f, **_detail(f, "payment.handling-time")))
    return None


@cause("payment.state-stuck", layer="payment", priority=135, commands=CMD,
       title=T(zh="回调已被接受，订单状态却没有前进", en="The callback was accepted but the order state never advanced"),
       explanation=T(zh="店铺对回调回复了「success」，订单 {order_id} 仍是{status}。回调处理（或它推入的队列任务）没有更新订单。", en="The shop answered the callback with success, yet order {order_id} is still {status}. The handler (or the queued job it pushed) never updated the order."),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="渠道已确认收款：在后台手动补单（交易号 {trade_no}）。重发回调无用：店铺会再次回复「success」却不处理。", en="The provider confirms payment: complete the order by hand (trade no. {trade_no}). Re-notifying will not help: the shop answers success again and does nothing.")),
              Step("operator", T(zh="检查队列进程（Supervisor / `queue:work`）是否在运行、失败任务表与应用日志里的异常。", en="Check that the queue worker (Supervisor / queue:work) is running, the failed-jobs table and exceptions in the app log.")))
       )
def state_stuck(f: FindingIndex) -> Match | None:
    if f.failed("payment.status-consistent") and f.passed("payment.callback-reply"):
        st = f.evidence("payment.status-consistent").get("platform_status")
        if st in ("unpaid", "paid-pending"):
            return Match(0.85 if st == "unpaid" else 0.6, ["payment.status-consistent", "payment.callback-reply"], _params(f))
    return None


@cause("payment.secondary-review", layer="payment", priority=140, commands=CMD,
       title=T(zh="订单被付款后二次校验挂起", en="The order is held by post-payment verification"),
       explanation=T(zh="付款已确认，订单 {order_id} 处于二次校验（审核）中，审核通过后才发货。", en="The payment is confirmed; order {order_id} is held for post-payment verification and is delivered once approved."),
       steps=(Step("user", T(zh="订单在审核中，通常会在工作时间内处理；保留付款截图，超过约定时间再联系客服。", en="Your order is under review, usually handled during business hours; keep the payment screenshot and contact support if it takes longer than promised.")),
              Step("agent", T(zh="在后台审核该订单：通过则发货，不通过则原路退款。", en="Review the order in the admin: approve to deliver, or refund it.")),
              Step("operator", T(zh="检查风控/审核规则是否误伤正常订单，并在页面上告诉买家订单正在审核。", en="Check whether the review rules catch normal orders, and tell buyers on the page that their order is under review.")))
       )
def secondary_review(f: FindingIndex) -> Match | None:
    if f.failed("payment.review-hold"):
        return Match(0.9, ["payment.review-hold"], _params(f))
    return None


@cause("payment.delivery-failed", layer="payment", priority=145, commands=CMD,
       title=T(zh="已付款并入账，但发货失败", en="Paid and recorded, but delivery failed"),
       explanation=T(zh="订单 {order_id} 已付款，发货失败：{detail_zh}", en="Order {order_id} is paid; delivery failed: {detail_en}"),
       steps=(Step("user", T(zh="钱已到账，店铺会补发或退款；保留截图并联系客服。", en="Your payment arrived; the shop will deliver later or refund. Keep the screenshot and contact support.")),
              Step("agent", T(zh="补充卡密后手动发货，或原路退款。", en="Add card keys and deliver by hand, or refund.")),
              Step("operator", T(zh="补充库存（卡密），并设置库存预警；库存为零时下架商品以免再有人付款。", en="Restock the card keys and set a low-stock alert; take the product off sale when stock is zero so nobody pays for nothing.")))
       )
def delivery_failed(f: FindingIndex) -> Match | None:
    if f.failed("payment.delivery"):
        return Match(0.9, ["payment.delivery"], _params(f, **_detail(f, "payment.delivery")))
    return None


@cause("payment.retry-pending", layer="payment", priority=150, commands=CMD,
       title=T(zh="最近一次回调失败，渠道会再重试", en="The last callback failed; the provider will retry"),
       explanation=T(zh="{detail_zh}", en="{detail_en}"),
       steps=(Step("user", T(zh="订单预计在 {next_retry} 左右自动完成；保留付款截图，届时仍未完成再联系客服。", en="The order should complete around {next_retry}; keep the payment screenshot and contact support if it has not by then.")),
              Step("agent", T(zh="等待渠道在 {next_retry} 重试，或立即用 kmdiag payment {order_id} --renotify 补发。", en="Wait for the provider's retry at {next_retry}, or re-send now with kmdiag payment {order_id} --renotify.")),
              Step("operator", T(zh="查明上次回调为何失败（应用日志、反向代理日志）；彩虹易支付的重试需要运行 cron.php?do=notify 计划任务。", en="Find out why the last callback failed (app log, proxy log); 彩虹易支付 only retries when its cron.php?do=notify job runs.")))
       )
def retry_pending(f: FindingIndex) -> Match | None:
    if f.warned("payment.retry") or f.failed("payment.retry"):
        ev = f.evidence("payment.retry")
        return Match(0.7 if ev.get("next_retry_local") else 0.5, ["payment.retry", "payment.callback-reply"],
                     _params(f, next_retry=ev.get("next_retry_local") or "?", **_detail(f, "payment.retry")))
    return None


@cause("payment.callback-missing", layer="payment", priority=160, commands=CMD,
       title=T(zh="渠道已收款，但回调从未到达店铺", en="The provider was paid, but no callback ever reached the shop"),
       explanation=T(zh="渠道在 {paid_at} 已收款（交易号 {trade_no}），店铺没有任何回调记录，回调接口现在是好的：回调在途中丢失（防火墙/CDN、网关故障或网关不重试）。", en="The provider was paid at {paid_at} (trade no. {trade_no}); the shop has no record of any callback, and the notify endpoint works now: the callbacks were lost on the way (firewall/CDN, a gateway fault, or a gateway that does not retry)."),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="用 kmdiag payment {order_id} --renotify 补发已签名的回调，或在后台手动补单。", en="Re-send a signed callback with kmdiag payment {order_id} --renotify, or complete the order by hand.")),
              Step("operator", T(zh="放行渠道的回调（CDN/WAF 规则、IP 白名单），确认网关的重试计划任务在运行，并定期运行 kmdiag payment --sweep。", en="Let the provider's callbacks through (CDN/WAF rules, IP allow-lists), make sure the gateway's retry cron runs, and run kmdiag payment --sweep regularly.")))
       )
def callback_missing(f: FindingIndex) -> Match | None:
    if f.failed("payment.notify-url-handed"):  # the shop handed out a URL that cannot reach it: not lost on the way
        return None
    if f.failed("payment.callbacks-received"):
        conf = 0.85 if f.status("payment.notify-endpoint") == Status.PASS else 0.6
        return Match(conf, ["payment.callbacks-received", "payment.status-consistent"], _params(f))
    return None


def _detail(f: FindingIndex, check_id: str) -> dict[str, str]:
    """A check's summary as ``{detail_zh}`` / ``{detail_en}`` params (params are plain strings)."""
    fi = f.by_id.get(check_id)
    return {"detail_zh": fi.summary.zh if fi else "?", "detail_en": fi.summary.en if fi else "?"}


@cause("payment.unexplained", layer="payment", priority=199, commands=CMD, fallback=True,
       title=T(zh="有检查失败，但不符合任何已知原因", en="Checks failed, but they match no known cause"),
       explanation=T(zh="失败的检查：{detail_zh}。kmdiag 没有把它们归到某个已知原因，请按下面的证据人工判断。", en="Failing checks: {detail_en}. kmdiag could not attribute them to a known cause; judge from the evidence below."),
       steps=(KEEP, SUPPORT,
              Step("agent", T(zh="逐条查看失败检查的证据（--format json 或 --evidence），渠道确认已收款时在后台手动补单。", en="Read the evidence of each failing check (--format json or --evidence); when the provider confirms the payment, complete the order by hand.")),
              Step("operator", T(zh="把这份报告（--evidence 生成的脱敏证据包）附在问题反馈里，帮助 kmdiag 学会这种情况。", en="Attach this report (the redacted --evidence bundle) to an issue so kmdiag can learn this case.")))
       )
def unexplained(f: FindingIndex) -> Match | None:
    """Only when nothing else matched (``fallback``): a failing run always ends with a named cause."""
    failed = f.layer_failed("payment")
    if f.options.get("fail_on") == "warn":
        failed += [i for i, x in f.by_id.items() if x.layer == "payment" and x.status == Status.WARN]
    if not failed:
        return None
    zh = "；".join(f"{i}（{f.by_id[i].summary.zh}）" for i in failed)
    en = "; ".join(f"{i} ({f.by_id[i].summary.en})" for i in failed)
    return Match(0.3, failed, _params(f, detail_zh=zh, detail_en=en))
