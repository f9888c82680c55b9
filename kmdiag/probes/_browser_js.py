"""JavaScript the browser probe evaluates in the page: find the order button, read its state,
hit-test it, read form validity, detect captchas, outline things for the screenshot.

Kept as plain strings so the probe module stays short and the heuristics can be read (and
tested against differently built pages) in one place. Every function only reads the page, except
the marker attribute on the chosen button and the temporary outline boxes, both of which are
removed or harmless.
"""

from __future__ import annotations

MARK = "data-kmdiag-target"

# Finds the order button by the profile's selector, else by built-in heuristics; marks it.
FIND_BUTTON = r"""
(sel) => {
  const MARK = 'data-kmdiag-target';
  document.querySelectorAll('[' + MARK + ']').forEach(e => e.removeAttribute(MARK));
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const label = (el) => {
    let t = el.tagName === 'INPUT' ? (el.value || '') : (el.innerText || el.textContent || '');
    t = t.trim().replace(/\s+/g, ' ');
    return t || el.getAttribute('aria-label') || el.getAttribute('title') || '';
  };
  const kind = (el) => {
    const tag = el.tagName.toLowerCase(), type = (el.getAttribute('type') || '').toLowerCase();
    if (tag === 'input') return 'input-' + (type || 'text');
    if (tag === 'button') return 'button';
    if (tag === 'a') return 'a';
    if (el.getAttribute('role') === 'button') return 'role-button';
    return tag;
  };
  const describe = (el, by, score) => ({found: true, found_by: by, score: score, tag: el.tagName.toLowerCase(),
    kind: kind(el), id: el.id || null, cls: (el.getAttribute('class') || '').slice(0, 80), text: label(el).slice(0, 40),
    visible: vis(el)});
  if (sel) {
    let el = null, bad = null;
    try { el = document.querySelector(sel); } catch (e) { bad = String(e && e.message || e); }
    if (el) { el.setAttribute(MARK, '1'); return describe(el, 'profile', null); }
    if (bad) { /* an invalid selector falls through to heuristics, and says so */ }
  }
  const EXACT = [/^立即购买$/, /^立即下单$/, /^提交订单$/, /^确认下单$/, /^马上购买$/, /^立即抢购$/, /^确认购买$/,
    /^去支付$/, /^立即支付$/, /^确认支付$/, /^购买$/, /^下单$/, /^buy now$/i, /^place order$/i, /^order now$/i,
    /^buy$/i, /^checkout$/i, /^submit order$/i, /^purchase$/i, /^pay now$/i];
  const LOOSE = [/立即购买/, /立即下单/, /提交订单/, /购买/, /下单/, /buy now/i, /place order/i, /checkout/i];
  const PAY = [/支付宝/, /微信/, /QQ\s*钱包/, /余额支付/, /云闪付/, /USDT/i, /alipay/i, /wechat/i, /paypal/i];
  const CLICKABLE = 'button, input[type=submit], input[type=button], input[type=image], a, [role=button], [onclick], ' +
    '[class*=btn], [class*=button], .pay-list a, .pay-list [data-id]';
  let best = null, bestScore = 0;
  for (const el of document.querySelectorAll(CLICKABLE)) {
    if (el.closest('[data-kmdiag-outline]')) continue;
    if (el.tagName === 'INPUT' && el.type === 'hidden') continue;
    const text = label(el);
    const form = el.closest('form, .order-form, .buy-form, .cash-pay, .pay-list');
    let score = 0;
    if (text.length <= 24) {
      if (EXACT.some(r => r.test(text))) score = 100;
      else if (LOOSE.some(r => r.test(text))) score = 60;
      else if (PAY.some(r => r.test(text)) && (form || el.hasAttribute('data-id'))) score = 55;
    }
    if (el.matches('.pay-list a.pay[data-id], .pay-list [data-id]')) score = Math.max(score, 90);
    const submitType = (el.tagName === 'BUTTON' && (el.getAttribute('type') || 'submit').toLowerCase() === 'submit') ||
      (el.tagName === 'INPUT' && /^(submit|image)$/i.test(el.type));
    if (submitType && form && form.querySelector('input:not([type=hidden]), textarea, select')) score = Math.max(score, 45) + 5;
    if (el.tagName === 'A' && score > 0 && score < 90 && !(el.getAttribute('class') || '').match(/btn|button|pay/i)
        && (el.getAttribute('href') || '').match(/^(https?:|\/)/) && !form) score -= 45;  // a navigation link
    if (score > 0 && score < 90 && el.closest("nav, header, footer")) score -= 15;  // site navigation
    if (score <= 0) continue;
    if (vis(el)) score += 20;
    if (score > bestScore) { best = el; bestScore = score; }
  }
  if (best && bestScore >= 40) { best.setAttribute(MARK, '1'); return describe(best, 'heuristic', bestScore); }
  return {found: false, found_by: null, selector_valid: true};
}
"""

# State of the marked button: box, disabled-ness, and what a click at its centre would hit.
BUTTON_STATE = r"""
() => {
  const el = document.querySelector('[data-kmdiag-target]');
  if (!el) return {present: false};
  el.scrollIntoView({block: 'center', inline: 'center'});
  const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
  const desc = (e) => {
    if (!e) return null;
    const ecs = getComputedStyle(e); const er = e.getBoundingClientRect();
    return {tag: e.tagName.toLowerCase(), id: e.id || null, cls: (e.getAttribute('class') || '').slice(0, 80),
      text: (e.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 40), z_index: ecs.zIndex, position: ecs.position,
      opacity: ecs.opacity, background: ecs.backgroundColor,
      box: {x: Math.round(er.left + scrollX), y: Math.round(er.top + scrollY), width: Math.round(er.width), height: Math.round(er.height)}};
  };
  let ancestorPE = null;
  for (let a = el.parentElement; a; a = a.parentElement) { if (getComputedStyle(a).pointerEvents === 'none') { ancestorPE = a.tagName.toLowerCase(); break; } }
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const hit = (r.width > 0 && r.height > 0) ? document.elementFromPoint(cx, cy) : null;
  let relation = 'none';
  if (hit === el) relation = 'self'; else if (hit && el.contains(hit)) relation = 'inside';
  else if (hit && hit.contains(el)) relation = 'ancestor'; else if (hit) relation = 'other';
  return {present: true, visible: r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && parseFloat(cs.opacity) > 0,
    box: {x: Math.round(r.left + scrollX), y: Math.round(r.top + scrollY), width: Math.round(r.width), height: Math.round(r.height)},
    center: {x: cx, y: cy}, in_viewport: cx >= 0 && cy >= 0 && cx <= innerWidth && cy <= innerHeight,
    disabled: !!el.disabled || el.hasAttribute('disabled'), aria_disabled: el.getAttribute('aria-disabled'),
    readonly: el.hasAttribute('readonly'), pointer_events: cs.pointerEvents, ancestor_pointer_events_none: ancestorPE,
    opacity: cs.opacity, cursor: cs.cursor, disabled_class: /(^|\s|-)(disabled|is-disabled)(\s|$)/.test(el.getAttribute('class') || ''),
    hit: desc(hit), hit_relation: relation};
}
"""

CAPTCHA = r"""
(sel) => {
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const found = [];
  const add = (el, kind, how) => { if (vis(el)) found.push({kind: kind, how: how, tag: el.tagName.toLowerCase(),
      name: el.getAttribute('name') || el.id || (el.getAttribute('class') || '').slice(0, 40)}); };
  if (sel) { try { document.querySelectorAll(sel).forEach(el => add(el, 'image', 'profile')); } catch (e) {} }
  document.querySelectorAll('input').forEach(el => {
    const s = [el.name, el.id, el.placeholder, el.getAttribute('aria-label')].join(' ');
    if (/captcha|vcode|verify_?code|checkcode|验证码/i.test(s)) add(el, 'image', 'input');
  });
  document.querySelectorAll('img').forEach(el => { if (/captcha|vcode|verify/i.test(el.getAttribute('src') || '') ||
      /captcha/i.test(el.getAttribute('class') || '')) add(el, 'image', 'img'); });
  document.querySelectorAll('.geetest_holder, .geetest_panel, [class*=geetest], .nc_wrapper, [id^=nc_], .tcaptcha-transform, ' +
      '[class*=slide-verify], [class*=slider-captcha], [class*=captcha-slider], iframe[src*=captcha], iframe[src*=hcaptcha], ' +
      'iframe[src*=recaptcha], iframe[src*=geetest], iframe[title*=captcha i], .g-recaptcha, .h-captcha, [class*=h-captcha], ' +
      '.cf-turnstile').forEach(el => add(el, 'slider', 'widget'));
  document.querySelectorAll('input[name*=captcha i], img.captcha-img').forEach(el => {
    if (!found.some(f => f.name === (el.getAttribute('name') || el.id || (el.getAttribute('class') || '').slice(0, 40))))
      add(el, 'image', 'input');
  });
  return found.slice(0, 5);
}
"""

# Validity of the filled inputs: the browser's own verdict and any visible error text nearby.
INPUTS = r"""
(sels) => {
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const out = [];
  for (const sel of sels) {
    let el = null; try { el = document.querySelector(sel); } catch (e) {}
    if (!el) { out.push({selector: sel, found: false}); continue; }
    const errs = [];
    const scope = el.closest('.form-group, .field, .input-group, label, div') || el.parentElement;
    if (scope) scope.querySelectorAll('[class*=error], [class*=invalid], [class*=help], [class*=tip], [role=alert]').forEach(e => {
      const t = (e.innerText || '').trim(); if (t && vis(e)) errs.push(t.slice(0, 120)); });
    out.push({selector: sel, found: true, tag: el.tagName.toLowerCase(), type: el.type || null,
      valid: el.validity ? el.validity.valid : null, validation_message: el.validationMessage || '',
      aria_invalid: el.getAttribute('aria-invalid'), value_length: (el.value || '').length, errors: errs.slice(0, 3)});
  }
  return out;
}
"""

VISIBLE_TEXT = r"""() => (document.body ? document.body.innerText : '').split('\n').map(s => s.trim()).filter(Boolean)"""

OUTLINE = r"""
([target, cover, labels]) => {
  const box = (b, color, label) => {
    if (!b) return;
    const d = document.createElement('div'); d.setAttribute('data-kmdiag-outline', '1');
    d.style.cssText = 'position:absolute;pointer-events:none;z-index:2147483647;box-sizing:border-box;' +
      `left:${b.x - 4}px;top:${b.y - 4}px;width:${b.width + 8}px;height:${b.height + 8}px;border:3px solid ${color};`;
    const t = document.createElement('span'); t.textContent = label;
    t.style.cssText = `position:absolute;left:0;top:-20px;font:12px sans-serif;background:${color};color:#fff;padding:1px 4px;`;
    d.appendChild(t); document.body.appendChild(d);
  };
  box(target, '#e3008c', (labels || [])[0] || 'order button');
  box(cover, '#0078d4', (labels || [])[1] || 'covering element');
}
"""

REMOVE_OUTLINE = r"""() => document.querySelectorAll('[data-kmdiag-outline]').forEach(e => e.remove())"""

TIMING = r"""
() => { const n = performance.getEntriesByType('navigation')[0]; if (!n) return {};
  const r = (v) => Math.round(v);
  return {ttfb_ms: r(n.responseStart), dom_content_loaded_ms: r(n.domContentLoadedEventEnd), load_ms: r(n.loadEventEnd),
          transfer_size: n.transferSize || 0}; }
"""

# Visible "sold out" texts (已售罄 / 库存不足 / sold out...) and whether they sit near the order form:
# inside a form or an order/buy/pay/stock/goods container, or within 300 px of the order button.
SOLD_OUT = r"""
(texts) => {
  const words = (texts || []).map(t => String(t).toLowerCase()).filter(Boolean);
  if (!words.length || !document.body) return [];
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && parseFloat(cs.opacity) > 0; };
  const btn = document.querySelector('[data-kmdiag-target]');
  const bb = btn ? btn.getBoundingClientRect() : null;
  const CONT = /order|buy|pay|stock|goods|item|product|detail|cash|sku|purchase|cart/i;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n && out.length < 5; n = walker.nextNode()) {
    const t = (n.nodeValue || '').trim();
    if (!t || t.length > 60) continue;
    const low = t.toLowerCase();
    const word = words.find(w => low.includes(w));
    if (!word) continue;
    const el = n.parentElement;
    if (!el || el.closest('script, style, noscript, [data-kmdiag-outline]') || !vis(el)) continue;
    let near = null;
    if (el.closest('form')) near = 'form';
    for (let a = el; a && !near && a !== document.body; a = a.parentElement) {
      if (CONT.test((a.getAttribute('class') || '') + ' ' + (a.id || ''))) near = 'container';
    }
    const r = el.getBoundingClientRect();
    if (bb && (bb.width || bb.height)) {
      const dx = Math.max(0, Math.max(bb.left - r.right, r.left - bb.right));
      const dy = Math.max(0, Math.max(bb.top - r.bottom, r.top - bb.bottom));
      if (Math.hypot(dx, dy) <= 300) near = near || 'button';
    }
    out.push({text: t.slice(0, 60), word: word, near: near, tag: el.tagName.toLowerCase(),
              cls: (el.getAttribute('class') || '').slice(0, 60)});
  }
  return out;
}
"""

# One round trip for the first look at the page: timings, the button, captchas, sold-out texts.
FIRST_LOOK = "([sel, cap, sold]) => { const button = (" + FIND_BUTTON.strip() + ")(sel); return {timing: (" + \
    TIMING.strip() + ")(), button: button, captcha: (" + CAPTCHA.strip() + ")(cap), sold_out: (" + \
    SOLD_OUT.strip() + ")(sold)}; }"

# Init script (every frame, before the page's scripts): when did the DOM last change? The wait for a
# script-built order button reads it, so "the page has settled" is measured, not guessed.
MUTATIONS = r"""
(() => {
  const st = {last: performance.now(), count: 0};
  try { Object.defineProperty(window, '__kmdiagMut', {value: st, configurable: true, writable: true}); } catch (e) {}
  try {
    new MutationObserver((list) => { st.last = performance.now(); st.count += list.length; })
      .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  } catch (e) {}
})();
"""

# Resolves as soon as the profile's selector matches a visible element, or once the DOM has not changed
# for quietMs, or after maxMs. Event-driven: a MutationObserver re-checks on every change.
WAIT_BUTTON = r"""
([sel, quietMs, maxMs]) => new Promise((resolve) => {
  const t0 = performance.now();
  let timer = null, cap = null, mo = null, over = false;
  const vis = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const has = () => { if (!sel) return false;
    try { return Array.from(document.querySelectorAll(sel)).some(vis); } catch (e) { return false; } };
  const last = () => (window.__kmdiagMut ? window.__kmdiagMut.last : t0);
  const done = (why) => {
    if (over) return; over = true;
    if (mo) mo.disconnect(); clearTimeout(timer); clearTimeout(cap);
    const now = performance.now();
    resolve({why: why, found: why === 'selector', waited_ms: Math.round(now - t0),
             quiet_ms: Math.round(now - last()), mutations: window.__kmdiagMut ? window.__kmdiagMut.count : null});
  };
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => done('quiet'), Math.max(0, quietMs - (performance.now() - last()))); };
  if (has()) { done('selector'); return; }
  cap = setTimeout(() => done('cap'), Math.max(0, maxMs));
  mo = new MutationObserver(() => { if (has()) done('selector'); else arm(); });
  mo.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  arm();
})
"""
