// Campaign page while sending: reload every N seconds (data-auto-refresh) so progress and stats stay current.
(function () {
  var el = document.querySelector('[data-auto-refresh]');
  if (!el) return;
  var seconds = Math.max(2, Number(el.getAttribute('data-auto-refresh')) || 5);
  setTimeout(function () {
    if (!document.hidden) window.location.reload();
    else document.addEventListener('visibilitychange', function () { window.location.reload(); }, { once: true });
  }, seconds * 1000);
})();
