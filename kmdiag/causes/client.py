"""Client causes: the shopper's own browser (priorities 70–79).

These come last: only when the network, the platform, the account and the page are all fine does
the shopper's browser become the likely reason. ``client.browser-state`` is the diagnosis by
elimination the seed article describes (浏览器缓存堆积): a clean browser orders fine, so the
shopper's cache, cookies or extensions are what differ.
"""

from __future__ import annotations

from kmdiag.diagnosis import FindingIndex
from kmdiag.i18n import T
from kmdiag.models import Status
from kmdiag.registry import Match, Step, cause
from kmdiag.words import layers_text


@cause("client.browser-outdated", layer="client", priority=70,
       title=T(zh="浏览器版本低于店铺支持的最低版本", en="The browser is older than the shop supports"),
       explanation=T(zh="本机浏览器 {outdated} 低于店铺要求的版本，页面脚本可能无法运行，按钮因此没反应。",
                     en="The browser on this computer ({outdated}) is older than the shop supports; the page's scripts may not run, so the button does nothing."),
       steps=(Step("user", T(zh="把浏览器更新到最新版本（Chrome：设置 → 关于 Chrome），或换用最新版的 Chrome / Edge 下单",
                             en="update your browser (Chrome: Settings → About Chrome), or order with an up-to-date Chrome / Edge")),
              Step("agent", T(zh="请用户告知浏览器版本（本机检测到过旧的：{outdated}）；低于店铺要求的，先升级再下单",
                              en="ask the user for their browser version (found too old here: {outdated}); below the required one, have them update before ordering"))))
def browser_outdated(f: FindingIndex) -> Match | None:
    if not f.failed("browser.version"):
        return None
    ev = f.evidence("browser.version")
    return Match(0.8 if ev.get("all_outdated") else 0.6, ["browser.version"], {"outdated": ev.get("outdated", [])})


@cause("client.browser-state", layer="client", priority=78,
       title=T(zh="很可能是你自己浏览器的缓存、Cookie 或插件导致", en="Most likely your own browser's cache, cookies or extensions"),
       explanation=T(zh="在一个干净的浏览器里，本次诊断下单一切正常，检查过的各层（{layers}）都没有发现问题。差别只在你的浏览器：过期缓存、旧 Cookie 或拦截脚本的插件。",
                     en="In a clean browser this diagnosis ordered without trouble, and every layer checked ({layers}) is fine. What differs is your browser: stale cache, old cookies, or an extension that blocks scripts."),
       steps=(Step("user", T(zh="用无痕/隐私窗口打开商品页再下单", en="open the product page in an incognito/private window and order there")),
              Step("user", T(zh="清除该网站的缓存和 Cookie（Ctrl+Shift+Delete）后重新登录", en="clear this site's cache and cookies (Ctrl+Shift+Delete) and log in again")),
              Step("user", T(zh="暂时停用广告拦截等浏览器插件，或换一个浏览器试试", en="disable ad blockers and other extensions for a moment, or try another browser"))))
def browser_state(f: FindingIndex) -> Match | None:
    if f.options.get("smoke") or not f.passed("browser.click-sends-order"):
        return None
    if any(x.status in (Status.FAIL, Status.WARN, Status.ERROR) for x in f.by_id.values()):
        return None
    layers = sorted({x.layer for x in f.by_id.values() if x.status == Status.PASS})
    # Fewer layers checked = less eliminated = less sure it is the shopper's browser.
    return Match(0.35 if len(layers) >= 3 else 0.25, ["browser.click-sends-order"], {"layers": layers_text(layers)})
