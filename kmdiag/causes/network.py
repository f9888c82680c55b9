"""Network causes, part 1: what sits between the user and the internet (proxy, Wi-Fi portal, DNS).

Ranked first (priority 10–13) because each of them breaks everything downstream: a portal that
answers every request with its login page also breaks TLS and the API; a hijacked resolver also
makes the certificate look wrong. The later network causes (network_link.py) and every platform
and browser cause are then symptoms, not causes.
"""

from __future__ import annotations

from kmdiag.findings import FindingIndex
from kmdiag.i18n import T
from kmdiag.registry import Match, Step, cause

U, A, OP = "user", "agent", "operator"


@cause("network.proxy-misconfigured", layer="network", priority=10,
       title=T(zh="代理设置有误：浏览器的请求被送进一个不工作的代理", en="A broken proxy setting: requests are sent to a proxy that does not work"),
       explanation=T(zh="环境里的 {variable} 指向 {proxy}，但这个代理{problem}。浏览器按这个设置走代理，所以所有网页请求（包括下单）都失败，按钮看起来就像没反应。",
                     en="{variable} in the environment points at {proxy}, but that proxy {problem_en}. The browser follows the setting, so every "
                        "web request, the order included, fails and the button seems to do nothing."),
       steps=(Step(U, T(zh="关闭 VPN/加速器/代理软件，或在系统网络设置里关闭代理后重试。",
                        en="Turn off the VPN, 'accelerator' or proxy app, or switch the proxy off in the system's network settings, then retry.")),
              Step(U, T(zh="如果必须用代理，确认代理软件正在运行、地址和端口填写正确。",
                        en="If you need the proxy, make sure its app is running and the address and port are right.")),
              Step(A, T(zh="请用户截图系统代理设置，或在命令行执行 `env | grep -i proxy`；让用户暂时不用代理下单。",
                        en="Ask for a screenshot of the system proxy settings (or `env | grep -i proxy`); have the user order without the proxy.")),
              Step(OP, T(zh="这不是商城的问题；若很多用户报告，检查是否有推荐的加速器与商城域名冲突。",
                        en="Not the shop's fault; if many users report it, check whether a recommended accelerator conflicts with the shop's domain.")))
       )
def proxy_misconfigured(f: FindingIndex) -> Match | None:
    if not f.failed("network.proxy"):
        return None
    ev = f.evidence("network.proxy")
    p = ev.get("proxy") or {}
    kind = ev.get("kind", "unreachable")
    zh = {"unreachable": "连不上", "auth": "要求身份验证", "refusing": "拒绝转发", "invalid": "地址写错了"}.get(kind, "不工作")
    en = {"unreachable": "cannot be reached", "auth": "asks for credentials", "refusing": "refuses to forward",
          "invalid": "is not a valid address"}.get(kind, "does not work")
    return Match(0.95, ["network.proxy"], {"variable": p.get("variable") or "HTTPS_PROXY", "proxy": p.get("url") or "?",
                                           "problem": zh, "problem_en": en})


@cause("network.captive-portal", layer="network", priority=11,
       title=T(zh="公共 Wi-Fi 需要先登录认证", en="A public Wi-Fi login page is intercepting traffic"),
       explanation=T(zh="本应回应 {expect} 的检测地址却返回了 {status}{location}：所在网络（酒店、商场、车站的 Wi-Fi）要求先在认证页登录，在此之前它会拦截或改写所有请求。",
                     en="A check URL that should answer {expect} answered {status}{location}: this network (hotel, mall, station Wi-Fi) wants you to "
                        "log in on its portal first and intercepts or rewrites every request until then."),
       steps=(Step(U, T(zh="打开任意网页（如 http://neverssl.com），按提示登录 Wi-Fi 认证页，然后再下单。",
                        en="Open any web page (e.g. http://neverssl.com), complete the Wi-Fi login page, then order again.")),
              Step(U, T(zh="或者关闭 Wi-Fi，改用 4G/5G 移动数据下单。", en="Or turn Wi-Fi off and order over mobile data (4G/5G).")),
              Step(A, T(zh="询问用户是否连着公共 Wi-Fi；请用户切换到移动数据重试。", en="Ask whether the user is on public Wi-Fi; have them retry on mobile data.")),
              Step(OP, T(zh="商城无需处理；可在下单失败提示里加一句“公共 Wi-Fi 请先完成认证”。",
                        en="Nothing to fix in the shop; consider adding 'on public Wi-Fi, log in to the portal first' to the order error message.")))
       )
def captive_portal(f: FindingIndex) -> Match | None:
    if not f.failed("network.captive-portal"):
        return None
    ev = f.evidence("network.captive-portal")
    loc = f" → {ev['location']}" if ev.get("location") else ""
    return Match(0.9, ["network.captive-portal"], {"expect": ev.get("expect_status"), "status": ev.get("status"), "location": loc})


@cause("network.dns-failure", layer="network", priority=12,
       title=T(zh="本地 DNS 解析失败：找不到商城的地址", en="The user's DNS cannot resolve the shop"),
       explanation=T(zh="用户当前使用的 DNS（{resolver}）对 {hosts} 的回答是 {failure}{control}。浏览器拿不到商城地址，页面或下单请求就发不出去。",
                     en="The user's resolver ({resolver}) answers {failure} for {hosts}{control_en}. Without an address the browser cannot send the "
                        "page or order request at all."),
       steps=(Step(U, T(zh="把手机/电脑的 DNS 改成 223.5.5.5 或 119.29.29.29 后重试；或在 Wi-Fi 与 4G 之间切换一次网络。",
                        en="Change the phone's/computer's DNS to 223.5.5.5 or 119.29.29.29 and retry, or switch between Wi-Fi and 4G once.")),
              Step(U, T(zh="重启路由器（它常常就是出问题的 DNS）。", en="Restart the router (it is often the failing resolver).")),
              Step(A, T(zh="请用户换 DNS 或换网络；若很多用户同时报告，转交运维确认域名解析记录。",
                        en="Have the user change DNS or network; if many users report it at once, escalate to check the domain's records.")),
              Step(OP, T(zh="确认域名未过期、NS 记录与解析记录在各大公共 DNS 上都正常（`dig @223.5.5.5 {hosts}`）。",
                        en="Make sure the domain has not expired and its NS and address records resolve on the big public resolvers (dig @223.5.5.5 {hosts}).")))
       )
def dns_failure(f: FindingIndex) -> Match | None:
    if not f.failed("network.dns-resolve"):
        return None
    ev = f.evidence("network.dns-resolve")
    if ev.get("site_gone"):
        return None
    answered = bool(ev.get("trusted_answered"))
    ctl = [r for r in ev.get("hosts", []) if r.get("failure") and r.get("trusted_addresses")]
    addrs = ", ".join(ctl[0]["trusted_addresses"][:3]) if ctl else ""
    return Match(0.9 if answered else 0.55, ["network.dns-resolve"], {
        "resolver": ", ".join(ev.get("resolver") or []) or "?", "hosts": ev.get("failed", []),
        "failure": ev.get("failures", []),
        "control": f"，而可信 DNS 能正常解析到 {addrs}" if addrs else "",
        "control_en": f", while a trusted resolver answers {addrs}" if addrs else ""})


@cause("network.dns-hijack", layer="network", priority=13,
       title=T(zh="DNS 被劫持：商城域名被解析到了别人的服务器", en="DNS hijack: the shop's name resolves to someone else's server"),
       explanation=T(zh="用户的 DNS 把 {host} 解析为 {system}，可信 DNS 给出的是 {trusted}，两者毫无交集{tls}。浏览器连到的根本不是商城，所以证书报错、按钮无效。",
                     en="The user's resolver says {host} is {system}; a trusted resolver says {trusted}, with nothing in common{tls_en}. The browser is "
                        "talking to a server that is not the shop, so the certificate fails and the button does nothing."),
       steps=(Step(U, T(zh="把 DNS 改成 223.5.5.5 或 119.29.29.29，或换一个网络（4G ↔ Wi-Fi）后重试。",
                        en="Set DNS to 223.5.5.5 or 119.29.29.29, or switch networks (4G ↔ Wi-Fi), and retry.")),
              Step(U, T(zh="检查路由器的 DNS 设置是否被改过；必要时恢复出厂设置并修改管理密码。",
                        en="Check whether the router's DNS settings were changed; if so, reset it and change its admin password.")),
              Step(A, T(zh="告诉用户不要在证书报错的页面输入任何信息；让其换 DNS 或网络后再下单。",
                        en="Tell the user not to enter anything on a page with a certificate warning; have them change DNS or network and retry.")),
              Step(OP, T(zh="收集用户所在地区与运营商；若集中在某个运营商，向其投诉劫持，并考虑启用 HTTPS DNS/HSTS。",
                        en="Collect users' regions and ISPs; if one ISP dominates, report the hijack to it, and consider HSTS and DNS-over-HTTPS hints.")))
       )
def dns_hijack(f: FindingIndex) -> Match | None:
    if not f.failed("network.dns-consistent"):
        return None
    ev = f.evidence("network.dns-consistent")
    tls_proof = bool(ev.get("tls_system_failed") and ev.get("tls_trusted_ok"))
    conf = 0.92 if tls_proof else 0.85 if ev.get("reason") in ("bogon", "control-nxdomain") else 0.75
    if f.failed("network.captive-portal"):
        conf = round(conf * 0.5, 2)  # a login portal answers every name with itself: a symptom of the portal
    return Match(conf, ["network.dns-consistent"] + (["network.tls"] if tls_proof else []), {
        "host": ", ".join(ev.get("hijacked") or []), "system": ev.get("system") or [], "trusted": ev.get("trusted") or [],
        "tls": "；在用户得到的地址上商城证书校验失败，而在可信地址上成功" if tls_proof else "",
        "tls_en": "; the shop's certificate fails on the user's address and verifies on the trusted one" if tls_proof else ""})
