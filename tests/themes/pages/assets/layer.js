/* A layui-layer-shaped stand-in written for kmdiag's tests (not layui): layer.msg toasts and
   layer.open dialogs with their .layui-layer-shade mask, using layui's class names. */
(function () {
  var n = 0;
  function box(cls, html) {
    var d = document.createElement('div'); n += 1;
    d.className = 'layui-layer ' + cls; d.id = 'layui-layer' + n; d.innerHTML = html;
    d.style.cssText = 'position:fixed;z-index:' + (19891014 + n) + ';left:50%;top:40%;transform:translate(-50%,-50%);background:#fff;padding:12px 20px;box-shadow:0 1px 6px rgba(0,0,0,.3)';
    document.body.appendChild(d); return d;
  }
  window.layer = {
    msg: function (text) { var d = box('layui-layer-dialog layui-layer-msg', '<div class="layui-layer-content">' + text + '</div>');
      d.style.background = 'rgba(0,0,0,.6)'; d.style.color = '#fff'; setTimeout(function () { d.remove(); }, 3000); return n; },
    open: function (o) {
      var shade = document.createElement('div'); shade.className = 'layui-layer-shade'; shade.id = 'layui-layer-shade' + (n + 1);
      shade.style.cssText = 'position:fixed;left:0;top:0;width:100%;height:100%;z-index:19891014;background:#000;opacity:.3';
      document.body.appendChild(shade);
      var d = box('layui-layer-dialog', '<div class="layui-layer-title">' + (o.title || '信息') + '</div><div class="layui-layer-content">' + (o.content || '') + '</div><a class="layui-layer-btn0">' + ((o.btn || ['确定'])[0]) + '</a>');
      d.style.top = '30%'; return n; },
    alert: function (text) { return this.open({content: text}); }
  };
})();
