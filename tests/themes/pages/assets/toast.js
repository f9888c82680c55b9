/* Vant-, Element-UI- and SweetAlert-shaped stand-ins written for kmdiag's tests (not those libraries):
   the toasts and message boxes they render, with their class names, removed after a while. */
(function () {
  function show(cls, inner, ms) {
    var d = document.createElement('div'); d.className = cls; d.innerHTML = inner;
    d.style.cssText = 'position:fixed;left:50%;top:45%;transform:translate(-50%,-50%);z-index:2001;background:rgba(0,0,0,.7);color:#fff;padding:8px 12px';
    document.body.appendChild(d); if (ms) setTimeout(function () { d.remove(); }, ms); return d;
  }
  window.vant = {Toast: function (msg) { return show('van-toast van-toast--text', '<div class="van-toast__text">' + msg + '</div>', 2000); }};
  window.ELEMENT = {Message: function (o) { var m = typeof o === 'string' ? o : o.message;
    return show('el-message el-message--' + ((o && o.type) || 'info'), '<p class="el-message__content">' + m + '</p>', 3000); }};
  window.Swal = {fire: function (title, text) {
    var c = show('swal2-container swal2-center', '<div class="swal2-popup swal2-modal"><h2 class="swal2-title">' + title + '</h2><div class="swal2-html-container">' + (text || '') + '</div></div>', 0);
    c.style.cssText = 'position:fixed;inset:0;z-index:1060;background:rgba(0,0,0,.4)'; return c; }};
})();
