/* A tiny jQuery-shaped stand-in written for kmdiag's tests (not jQuery): $(sel), $(fn), .on, .val,
   .text, .show, .hide, .attr, $.post. Enough for theme-shaped pages that bind clicks the jQuery way. */
(function () {
  function W(els) { this.els = els; this.length = els.length; }
  W.prototype.on = function (ev, fn) { this.els.forEach(function (e) { e.addEventListener(ev, function (x) { if (fn.call(e, x) === false) { x.preventDefault(); } }); }); return this; };
  W.prototype.click = function (fn) { return this.on('click', fn); };
  W.prototype.val = function (v) { if (v === undefined) return this.els[0] ? this.els[0].value : undefined; this.els.forEach(function (e) { e.value = v; }); return this; };
  W.prototype.text = function (t) { this.els.forEach(function (e) { e.textContent = t; }); return this; };
  W.prototype.html = function (t) { this.els.forEach(function (e) { e.innerHTML = t; }); return this; };
  W.prototype.show = function () { this.els.forEach(function (e) { e.style.display = ''; }); return this; };
  W.prototype.hide = function () { this.els.forEach(function (e) { e.style.display = 'none'; }); return this; };
  W.prototype.attr = function (k, v) { if (v === undefined) return this.els[0] && this.els[0].getAttribute(k); this.els.forEach(function (e) { e.setAttribute(k, v); }); return this; };
  function $(a) {
    if (typeof a === 'function') { if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', a); else a(); return; }
    return new W(typeof a === 'string' ? Array.prototype.slice.call(document.querySelectorAll(a)) : [a]);
  }
  $.post = function (url, data, done, fail) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {method: 'POST', body: body}).then(function (r) { return r.json(); }).then(done || function () {}, fail || function () {});
  };
  window.jQuery = window.$ = $;
})();
