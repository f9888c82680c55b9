"""Page feedback the way themes give it: toasts and dialogs of the UI libraries 发卡 themes use,
and what exactly covers an order button.

Themes seldom write a message into the page's text; they call ``layer.msg`` (layui), ``Toast``
(vant), ``ElMessage`` (element-ui), a Bootstrap ``.modal`` / ``.toast``, SweetAlert, or plain
``alert()`` (captured by the session's dialog handler). ``WATCH`` starts, just before the click, a
small poller that records every such element that *appears* with text (toasts vanish after 2–3 s,
so reading the page once afterwards misses them); ``READ`` returns what it saw.

``COVER`` names what takes a click at the button's centre: a dialog (a modal with text, quoted), a
mask (``.modal-backdrop``, ``.layui-layer-shade``...) and the dialog it belongs to, a transparent
layer (nothing visible, no text), or another element. A purchase-notice modal is a dialog, not
"a transparent layer", even though Bootstrap's ``.modal`` container itself is transparent.
"""

from __future__ import annotations

# (library, kind, selector): kind "toast" is a passing message, "dialog" waits for the buyer.
LIBRARIES: list[tuple[str, str, str]] = [
    ("layui", "toast", ".layui-layer-msg"),
    ("layui", "dialog", ".layui-layer-dialog:not(.layui-layer-msg)"),
    ("layui", "dialog", ".layui-layer-page"),
    ("element-ui", "toast", ".el-message"),
    ("element-ui", "toast", ".el-notification"),
    ("element-ui", "dialog", ".el-message-box"),
    ("element-ui", "dialog", ".el-dialog"),
    ("vant", "toast", ".van-toast"),
    ("vant", "toast", ".van-notify"),
    ("vant", "dialog", ".van-dialog"),
    ("bootstrap", "dialog", ".modal.show .modal-dialog, .modal.in .modal-dialog"),
    ("bootstrap", "toast", ".toast.show"),
    ("sweetalert", "dialog", ".swal2-popup"),
    ("sweetalert", "dialog", ".swal-modal"),
    ("generic", "dialog", "dialog[open], [role=dialog], [role=alertdialog]"),
    ("generic", "toast", "[role=alert], [role=status]"),
]
MASKS = ".modal-backdrop, .layui-layer-shade, .el-overlay, .v-modal, .van-overlay, .swal2-container, .mask, .overlay"
DIALOGS = (".modal, .layui-layer, .el-dialog__wrapper, .el-message-box__wrapper, .el-dialog, .van-dialog, .van-popup, "
           ".swal2-container, .swal2-popup, .swal-overlay, dialog, [role=dialog], [role=alertdialog]")

_LIBS_JS = "[" + ",".join(f"[{lib!r},{kind!r},{sel!r}]" for lib, kind, sel in LIBRARIES) + "]"

WATCH = r"""
() => {
  const LIBS = """ + _LIBS_JS + r""";
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && parseFloat(cs.opacity) > 0.05; };
  const text = (el) => (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 200);
  const st = window.__kmdiagFeedback = {seen: [], before: new Set(), t0: Date.now(), timer: null};
  const scan = (baseline) => {
    for (const [lib, kind, sel] of LIBS) {
      let els = []; try { els = document.querySelectorAll(sel); } catch (e) { continue; }
      for (const el of els) {
        if (el.closest('[data-kmdiag-outline]') || !vis(el)) continue;
        const t = text(el); if (!t) continue;
        const key = lib + '|' + t;
        if (baseline) { st.before.add(key); continue; }
        if (st.before.has(key) || st.seen.some(s => s.key === key)) continue;
        if (st.seen.some(s => t.includes(s.text) || s.text.includes(t))) continue;  // nested matches of one box
        st.seen.push({key: key, library: lib, kind: kind, text: t, cls: (el.getAttribute('class') || '').slice(0, 60),
                      t_ms: Date.now() - st.t0});
      }
    }
  };
  scan(true);
  st.timer = setInterval(() => { try { scan(false); } catch (e) {} if (st.seen.length > 20) clearInterval(st.timer); }, 40);
  return st.before.size;
}
"""

READ = r"""
() => { const st = window.__kmdiagFeedback; if (!st) return null;
  try { st.timer && clearInterval(st.timer); } catch (e) {}
  return st.seen.map(s => ({library: s.library, kind: s.kind, text: s.text, cls: s.cls, t_ms: s.t_ms})); }
"""

COVER = r"""
([x, y]) => {
  const MASKS = """ + repr(MASKS) + r""", DIALOGS = """ + repr(DIALOGS) + r""";
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const text = (el) => (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 120);
  const desc = (el) => el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    ((el.getAttribute('class') || '').trim() ? '.' + (el.getAttribute('class') || '').trim().split(/\s+/).slice(0, 2).join('.') : '') : null;
  const hit = document.elementFromPoint(x, y);
  if (!hit) return null;
  const painted = (el) => { const cs = getComputedStyle(el);
    return parseFloat(cs.opacity) > 0.05 && (!/rgba\(0, 0, 0, 0\)|transparent/.test(cs.backgroundColor) ||
      cs.backgroundImage !== 'none' || cs.boxShadow !== 'none'); };
  const z = (el) => { const v = parseInt(getComputedStyle(el).zIndex, 10); return isNaN(v) ? 0 : v; };
  let dialog = null;
  try { dialog = hit.closest(DIALOGS); } catch (e) {}
  if (dialog && !text(dialog)) dialog = null;
  let mask = null;
  try { if (hit.matches(MASKS)) mask = hit; } catch (e) {}
  if (!dialog && mask) {  // the dialog the mask belongs to: the visible one with text, on top
    let best = null;
    document.querySelectorAll(DIALOGS).forEach(d => { if (d !== mask && vis(d) && text(d) && !d.contains(mask) &&
      (!best || z(d) >= z(best))) best = d; });
    dialog = best;
  }
  const kind = dialog ? 'dialog' : mask ? 'mask' : (!painted(hit) && !text(hit)) ? 'transparent' :
    (!painted(hit) && parseFloat(getComputedStyle(hit).opacity) <= 0.05) ? 'transparent' : 'element';
  return {kind: kind, hit: desc(hit), mask: mask ? desc(mask) : null, dialog: dialog ? desc(dialog) : null,
          text: dialog ? text(dialog) : (kind === 'element' ? text(hit) : ''), opacity: getComputedStyle(hit).opacity};
}
"""


def quoted(text: str, limit: int = 40) -> str:
    """A page's text, shortened for a title or an explanation (「购买须知…」)."""
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1] + "…"
