"""Network causes, part 2: the link to the shop (unreachable, intercepted TLS, no answer, slow).

Told apart by where the request stopped: refused or timed out while connecting = unreachable;
connected but the certificate is not the shop's = intercepted; connected (and shook hands) but
no answer ever came = request-timeout; answers came, far over budget on every endpoint alike =
slow. A shop that answers 5xx is none of these: that is the platform's (causes/platform.py).
"""

from __future__ import annotations

from kmdiag.checks._netcommon import CERT_ZH, err_zh
from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.registry import Match, Step, cause
from kmdiag.words import endpoint_zh, message_zh

U, A, OP = "user", "agent", "operator"


@cause("network.unreachable", layer="network", priority=15,
       title=T(zh="连不上商城服务器", en="The shop's server cannot be reached"),
       explanation=T(zh="{hosts} 的所有地址都无法建立连接（{kind_zh}）。数据包到不了商城，任何请求都发不出去。",
                     en="No address of {hosts} accepts a connection ({kind}). Packets do not reach the shop, so no request can be sent."),
       steps=(Step(U, T(zh="在 Wi-Fi 与 4G/5G 之间切换一次网络后重试；检查其它网站能否打开。",
                        en="Switch between Wi-Fi and mobile data once and retry; check whether other sites open.")),
              Step(U, T(zh="如果开着 VPN/加速器，关掉再试；反之，若所在网络屏蔽了商城，可换网络。",
                        en="If a VPN or accelerator is on, turn it off and retry; if this network blocks the shop, try another network.")),
              Step(A, T(zh="确认是否只有这一位用户连不上；若很多人同时连不上，立即转交运维。",
                        en="Check whether only this user is affected; if many are, escalate to operations at once.")),
              Step(OP, T(zh="检查服务器、负载均衡与防火墙/安全组是否放行 {port} 端口，以及 IPv4/IPv6 地址是否都在监听。",
                        en="Check that the server, load balancer and firewall/security group accept port {port}, on every IPv4/IPv6 address.")))
       )
def unreachable(f: FindingIndex) -> Match | None:
    if not f.failed("network.tcp-connect"):
        return None
    ev = f.evidence("network.tcp-connect")
    port = next((t.get("port") for t in ev.get("targets", [])), "")
    return Match(0.9, ["network.tcp-connect"], {"hosts": ev.get("unreachable_hosts", []), "kind": ev.get("error_kind") or "?",
                                                "kind_zh": err_zh(ev.get("error_kind")), "port": port})


@cause("network.tls-intercepted", layer="network", priority=17,
       title=T(zh="有设备在中间截获并重新签发了 HTTPS 证书", en="Something between the user and the shop re-signs TLS"),
       explanation=T(zh="连接到的地址是商城的，但收到的证书由“{issuer}”签发（{problem_zh}：{error}）。这通常是公共 Wi-Fi、公司网关或安全软件在解密流量；浏览器会拒绝这样的连接。",
                     en="The address is the shop's, but the certificate it presents was issued by '{issuer}' ({problem}: {error}). Usually public "
                        "Wi-Fi, a company gateway or security software decrypting traffic; browsers refuse such connections."),
       steps=(Step(U, T(zh="不要在出现证书警告的页面输入密码或付款；换用 4G/5G 移动数据后重试。",
                        en="Do not type passwords or pay on a page with a certificate warning; switch to mobile data and retry.")),
              Step(U, T(zh="暂时关闭杀毒/安全软件的“HTTPS 扫描”功能，或换一台设备。",
                        en="Turn off the 'HTTPS scanning' of antivirus/security software for a moment, or use another device.")),
              Step(A, T(zh="请用户截图证书详情（签发者）；若是公司网络，请其联系公司网管。",
                        en="Ask for a screenshot of the certificate details (issuer); on a company network, have them ask their IT.")),
              Step(OP, T(zh="确认商城证书本身正常（签发者在预期列表 {expected} 中）；可考虑启用 HSTS。",
                        en="Confirm the shop's own certificate is fine (issuer among {expected}); consider enabling HSTS.")))
       )
def tls_intercepted(f: FindingIndex) -> Match | None:
    http = f.evidence("network.http")
    if f.failed("network.http") and http.get("error_kind") == "tls" and http.get("via_proxy") and f.passed("network.proxy"):
        # through a working proxy the certificate the browser sees is the proxy's doing (a TLS-inspecting gateway)
        return Match(0.75, ["network.http", "network.proxy"], {"issuer": f"proxy {http.get('via_proxy')}",
                                                               "problem": "untrusted", "problem_zh": CERT_ZH["untrusted"],
                                                               "error": T(zh="证书验证失败", en="certificate verify failed"),
                                                               "expected": "-"})
    if not f.failed("network.tls") or f.failed("network.dns-consistent"):
        return None
    ev = f.evidence("network.tls")
    if ev.get("kind") != "certificate":
        return None
    return Match(0.85, ["network.tls"], {"issuer": ev.get("issuer_cn") or "?", "problem": ev.get("problem"),
                                         "problem_zh": CERT_ZH.get(ev.get("problem") or "", ev.get("problem")),
                                         "error": T(zh=message_zh(ev["verify_error"]) if ev.get("verify_error") else "不是预期的签发者",
                                                    en=ev.get("verify_error") or "unexpected issuer"),
                                         "expected": ev.get("expected_issuers") or "-"})


@cause("network.request-timeout", layer="network", priority=20,
       title=T(zh="请求发出后迟迟没有回应（请求超时）", en="Requests leave but answers never come back in time"),
       explanation=T(zh="能连上商城（TCP{tls}），但请求发出后在 {timeout} 秒内没有任何回应，静态页和下单接口都一样。浏览器里表现为点了按钮一直转圈或毫无反应。",
                     en="The shop accepts connections (TCP{tls_en}), but no answer comes back within {timeout} s, on the static page and the order API "
                        "alike. In the browser the button spins forever or seems dead."),
       steps=(Step(U, T(zh="换一个网络（Wi-Fi ↔ 4G）后重试；关闭正在大量下载的应用。",
                        en="Switch networks (Wi-Fi ↔ 4G) and retry; pause apps that are downloading a lot.")),
              Step(U, T(zh="稍等几分钟再下单，不要反复点击，以免重复下单。", en="Wait a few minutes before ordering again; do not click repeatedly (double orders).")),
              Step(A, T(zh="确认用户是否只在某个网络下超时；收集时间点交给运维查网关日志。",
                        en="Check whether it only times out on one network; pass the time of the attempt to operations for the gateway logs.")),
              Step(OP, T(zh="检查负载均衡/反向代理到后端的超时与连接池、后端是否卡死（线程/数据库连接耗尽）。",
                        en="Check load balancer/reverse proxy timeouts and upstream pools, and whether the backend hangs (threads or DB connections exhausted).")))
       )
def request_timeout(f: FindingIndex) -> Match | None:
    if f.failed("network.tcp-connect") or f.evidence("network.tls").get("slow_handshake"):
        return None  # unreachable, or a link so slow that even the handshake crawled (network.slow)
    http_to = f.failed("network.http") and f.evidence("network.http").get("error_kind") == "timeout"
    lat_to = f.failed("network.latency") and f.evidence("network.latency").get("kind") == "timeout"
    tls_to = f.failed("network.tls") and f.evidence("network.tls").get("kind") == "no-answer"
    if not (http_to or lat_to or tls_to):
        return None
    checks = [c for c, ok in (("network.http", http_to), ("network.latency", lat_to), ("network.tls", tls_to)) if ok]
    return Match(0.9 if http_to and lat_to else 0.75, checks, {
        "tls": "" if tls_to else "，TLS 握手也正常", "tls_en": "" if tls_to else ", TLS handshake too",
        "timeout": f.evidence("network.http").get("timeout_s") or "?"})


@cause("network.slow", layer="network", priority=22,
       title=T(zh="网络太慢或不稳定", en="The link is too slow or unstable"),
       explanation=T(zh="静态页和下单接口都明显超出预算（首字节 {budget} ms）：{detail}。页面加载和点击后的请求都要等很久，看起来就像按钮没反应。",
                     en="The static page and the order API are both far over budget (first byte {budget} ms): {detail}. Page loads and the click's "
                        "request take so long that the button seems dead."),
       steps=(Step(U, T(zh="靠近路由器或换到信号更好的地方；在 Wi-Fi 与 4G/5G 之间切换试试。",
                        en="Move closer to the router or to better signal; try switching between Wi-Fi and 4G/5G.")),
              Step(U, T(zh="点击下单后耐心等待十几秒，不要连续点击。", en="After clicking, wait a dozen seconds; do not click again and again.")),
              Step(A, T(zh="让用户换网络重试；若只在晚高峰出现，多半是用户侧宽带拥塞。",
                        en="Have the user retry on another network; if it only happens at peak hours it is most likely their broadband.")),
              Step(OP, T(zh="若大量用户同一地区变慢，检查 CDN/线路质量；为下单接口设置合理的前端超时与提示。",
                        en="If many users in one region are slow, check the CDN/route quality; give the order request a sane front-end timeout and message.")))
       )
def slow(f: FindingIndex) -> Match | None:
    ev = f.evidence("network.latency")
    if not f.failed("network.latency"):
        return None
    crawled = ev.get("kind") == "timeout" and f.evidence("network.tls").get("slow_handshake")
    if ev.get("kind") != "slow" and not crawled:
        return None  # a short budget cut answers that a slow link was still carrying: slow, not "no answer"
    if crawled:
        return Match(0.7, ["network.latency", "network.tls"], {"budget": (ev.get("budget") or {}).get("ttfb_ms"),
                     "detail": T(zh="TLS 握手超出预算，请求在回应到达之前就被时间预算截断",
                                 en="TLS handshake over budget, requests cut by the time budget before their answer arrived")})
    series = (ev.get("series") or {}).items()
    detail = T(zh="；".join(f"{endpoint_zh(n)} p50 {s.get('p50_ms')} ms，抖动 {s.get('jitter_ms')} ms，丢包 {s.get('loss_pct')}%"
                           + (f"（{s['answered']} 个样本）" if s.get("answered") is not None else "") for n, s in series),
               en="; ".join(f"{n} p50 {s.get('p50_ms')} ms / jitter {s.get('jitter_ms')} ms / loss {s.get('loss_pct')}%"
                            + (f" ({s['answered']} samples)" if s.get("answered") is not None else "") for n, s in series))
    return Match(0.8, ["network.latency"], {"budget": (ev.get("budget") or {}).get("ttfb_ms"), "detail": detail})
