/* A Bootstrap-shaped stand-in written for kmdiag's tests (not Bootstrap): shows .modal[data-autoshow]
   with a .modal-backdrop, and .toast elements, using Bootstrap's class names. */
(function () {
  window.bsModal = function (el) {
    el.classList.add('show'); el.style.display = 'block';
    var b = document.createElement('div'); b.className = 'modal-backdrop fade show'; document.body.appendChild(b);
  };
  window.bsToast = function (text) {
    var t = document.createElement('div'); t.className = 'toast show'; t.setAttribute('role', 'alert');
    t.innerHTML = '<div class="toast-body">' + text + '</div>'; document.body.appendChild(t);
  };
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.modal[data-autoshow]').forEach(window.bsModal);
  });
})();
