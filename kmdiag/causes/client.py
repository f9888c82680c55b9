"""Client causes: the shopper's own browser (priorities 70–79).

These come last: only when the network, the platform, the account and the page are all fine does
the shopper's browser become the likely reason. ``client.browser-state`` is the diagnosis by
elimination the seed article describes (浏览器缓存堆积): a clean browser orders fine, so the
shopper's cache, cookies or extensions are what differ.
"""

from __future__ import annotations

from kmdiag.findings import FindingIndex
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
    if f.failed("browser.own-version"):  # read from the shopper's own profile (--my-browser): that very browser
        return Match(0.85, ["browser.own-version"], {"outdated": f.evidence("browser.own-version").get("outdated", [])})
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
    if f.passed("browser.own-compare"):  # the shopper's own browser (a copy) orders fine too: not its state
        return None
    if f.failed("browser.own-compare"):
        if any(f.failed(c) for c in _NAMED):  # the difference has a name: that cause says it all
            return None
        ev = f.evidence("browser.own-compare")
        return Match(0.6, ["browser.own-compare"], {"layers": ["browser"], "yours": ev.get("yours"), "clean": ev.get("clean")})
    if f.options.get("smoke") or not f.passed("browser.click-sends-order"):
        return None
    # A copy of the shopper's profile that could not be read (browser.own-profile warns) leaves exactly
    # this diagnosis by elimination, with its manual steps.
    if any(x.status in (Status.FAIL, Status.WARN, Status.ERROR) for x in f.by_id.values()
           if not x.id.startswith("browser.own-")):
        return None
    layers = sorted({x.layer for x in f.by_id.values() if x.status == Status.PASS})
    # Fewer layers checked = less eliminated = less sure it is the shopper's browser.
    return Match(0.35 if len(layers) >= 3 else 0.25, ["browser.click-sends-order"], {"layers": layers_text(layers)})


_NAMED = ("browser.own-stale-cache", "browser.own-service-worker", "browser.own-extensions", "browser.own-site-data",
          "browser.own-version")


@cause("client.stale-cache", layer="client", priority=71,
       title=T(zh="你的浏览器缓存了旧版本的页面脚本", en="Your browser runs an old cached copy of the page's script"),
       explanation=T(zh="你浏览器缓存里的 {files} 和网站现在提供的不一样（ETag/修改时间/内容哈希不同）。网站更新后文件名没变，缓存又设得很长，浏览器就一直用旧文件，页面脚本因此出错，按钮没反应。",
                     en="Your browser's cached {files} differs from what the site serves now (ETag / Last-Modified / "
                        "content hash). The site changed the file without changing its name, and a long cache lifetime "
                        "keeps your browser on the old one, so the page's script fails and the button does nothing."),
       steps=(Step("user", T(zh="在商品页按 Ctrl+F5（Mac：Cmd+Shift+R）强制刷新；仍不行就清除该网站的缓存（设置 → 隐私 → 网站数据）",
                             en="hard-reload the product page (Ctrl+F5, Mac: Cmd+Shift+R); if that is not enough, clear this site's cached data (Settings → Privacy → site data)")),
              Step("agent", T(zh="请用户强制刷新或清除该网站缓存后重试；这是店铺发布方式的问题，请转给运维",
                              en="have the user hard-reload or clear this site's cache; the root cause is how the shop deploys, pass it to the operator")),
              Step("operator", T(zh="给静态文件加版本号或内容哈希（app.3f2a.js / app.js?v=…），或把 Cache-Control 改为 no-cache 并提供 ETag，发布后旧缓存就不会再生效",
                                 en="cache-bust asset names (content hash or ?v=) or serve them with Cache-Control: no-cache plus an ETag, so a deploy never leaves shoppers on old files"))))
def stale_cache(f: FindingIndex) -> Match | None:
    if not f.failed("browser.own-stale-cache"):
        return None
    stale = f.evidence("browser.own-stale-cache").get("stale") or []
    return Match(0.9, ["browser.own-stale-cache", "browser.own-compare"], {"files": ", ".join(a.get("url", "?") for a in stale[:3])})


@cause("client.service-worker", layer="client", priority=72,
       title=T(zh="网站的 Service Worker 给你提供的是旧页面", en="The site's service worker serves you an old page"),
       explanation=T(zh="你的浏览器里登记了该网站的 Service Worker（{worker}），它从自己的缓存里给出了旧版页面（{what}），所以你看到的按钮和脚本不是网站现在的版本。",
                     en="Your browser has the site's service worker ({worker}) registered; it answers from its own cache "
                        "with an old page ({what}), so the button and scripts you get are not the site's current ones."),
       steps=(Step("user", T(zh="关闭该网站所有标签页后重新打开；仍不行就清除该网站数据（地址栏左侧的锁形图标 → 网站设置 → 清除数据）",
                             en="close every tab of the site and open it again; if that is not enough, clear this site's data (lock icon left of the address → Site settings → Clear data)")),
              Step("agent", T(zh="请用户清除该网站的数据（会注销 Service Worker）后重试，并告知运维",
                              en="have the user clear this site's data (which unregisters the service worker), and tell the operator")),
              Step("operator", T(zh="让 Service Worker 对页面用 network-first、发布时更新缓存名并在 activate 中删除旧缓存；不需要时部署一个自我注销的 sw.js",
                                 en="make the service worker network-first for pages, bump its cache name on each deploy and delete old caches on activate; if you do not need it, deploy a self-unregistering sw.js"))))
def service_worker(f: FindingIndex) -> Match | None:
    if not f.failed("browser.own-service-worker"):
        return None
    ev = f.evidence("browser.own-service-worker")
    served = ev.get("served_by_worker") or []
    return Match(0.85, ["browser.own-service-worker", "browser.own-compare"],
                 {"worker": ev.get("service_worker") or "?", "what": ", ".join(a.get("url", "?") for a in served[:2])})


@cause("client.extension-interference", layer="client", priority=73,
       title=T(zh="浏览器插件拦截了下单", en="A browser extension gets in the way of ordering"),
       explanation=T(zh="同样的页面，在你的浏览器副本里启用插件时下单失败，停用插件后就正常。可作用于该网站、最可能拦截的插件：{extensions}。",
                     en="The same page fails with your extensions on and works with them off. The extension(s) that act on "
                        "this site and most likely block it: {extensions}."),
       steps=(Step("user", T(zh="把该网站加入插件的白名单（点插件图标 → 在此网站上停用/允许），或暂时停用插件 {extensions} 后刷新页面再下单",
                             en="allow this site in the extension (click its icon → disable on this site / allow), or turn off {extensions} for a moment, reload and order")),
              Step("agent", T(zh="请用户在插件 {extensions} 中放行本站，或用无痕窗口（默认不带插件）下单",
                              en="have the user allow the shop in {extensions}, or order from a private window (extensions are off there by default)")),
              Step("operator", T(zh="检查下单接口的路径是否像广告/追踪地址（如含 ad、track、/api/order 被过滤规则命中），必要时改名",
                                 en="check whether the order endpoint looks like an ad/tracking URL to filter lists (paths with ad, track...); rename it if needed"))))
def extension_interference(f: FindingIndex) -> Match | None:
    if not f.failed("browser.own-extensions"):
        return None
    named = f.evidence("browser.own-extensions").get("named") or []
    return Match(0.9, ["browser.own-extensions", "browser.own-compare"],
                 {"extensions": ", ".join(f"{e.get('name')} ({e.get('id')})" for e in named) or "?"})


@cause("client.site-data", layer="client", priority=74,
       title=T(zh="该网站保存在你浏览器里的数据让页面出错", en="This site's data saved in your browser breaks the page"),
       explanation=T(zh="清除该网站保存的 Cookie 和本地存储后，在你的浏览器副本里就能下单。其中的某项（{names}）——例如记住的旧购物车或旧会话——让页面进入了错误状态。",
                     en="With this site's cookies and local storage cleared, your browser's copy orders fine. One of them "
                        "({names}) — a remembered old cart or an old session, say — puts the page in a broken state."),
       steps=(Step("user", T(zh="只清除这个网站的 Cookie 和数据（地址栏左侧的锁形图标 → Cookie 和网站数据 → 删除），然后重新登录下单",
                             en="clear this site's cookies and data only (lock icon left of the address → Cookies and site data → delete), then log in again and order")),
              Step("agent", T(zh="请用户清除本站 Cookie 后重新登录；若多名用户出现，转给运维", en="have the user clear this site's cookies and log in again; if several users report it, pass it to the operator")),
              Step("operator", T(zh="让页面脚本容忍旧格式或损坏的 Cookie/本地存储（try/catch 后丢弃并重建），并在格式变化时换新的键名",
                                 en="make the page tolerate old-format or corrupt cookies/storage (catch, discard, rebuild) and use a new key name when the format changes"))))
def site_data(f: FindingIndex) -> Match | None:
    if not f.failed("browser.own-site-data"):
        return None
    names = f.evidence("browser.own-site-data").get("names") or []
    return Match(0.85, ["browser.own-site-data", "browser.own-compare"], {"names": ", ".join(names[:5]) or "?"})
