// Optional enhancements; every page works the same without this file.
// 1. A flash notice (?notice=… or ?done=… after a redirect) is shown once: the parameter leaves the address, so reloading or
//    coming back does not show it again, and a × button (drawn by CSS, so the notice's text stays its own) dismisses it.
// 2. A link with data-confirm goes to a confirmation page; with JS, that page's form opens in a <dialog> here
//    instead (same form, same consequence text, same POST), and "cancel" closes the dialog.
(function () {
  'use strict';

  // (?done=… is the same kind of notice on the campaign, list and preferences pages)
  var url = new URL(window.location.href);
  if (url.searchParams.has('notice') || url.searchParams.has('done')) {
    url.searchParams.delete('notice');
    url.searchParams.delete('done');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  var lang = document.documentElement.lang;
  document.querySelectorAll('.flash').forEach(function (el) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'flash-dismiss';
    b.setAttribute('aria-label', lang === 'ru' ? 'Скрыть сообщение' : 'Dismiss message');
    b.addEventListener('click', function () { el.remove(); });
    el.appendChild(b);
  });

  if (typeof HTMLDialogElement !== 'function') return;
  document.addEventListener('click', function (e) {
    var link = e.target instanceof Element ? e.target.closest('a[data-confirm]') : null;
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    fetch(link.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.text(); })
      .then(function (html) { openDialog(new DOMParser().parseFromString(html, 'text/html'), link); })
      .catch(function () { window.location.href = link.href; });
  });

  function openDialog(doc, link) {
    var body = doc.querySelector('main [data-confirm-body]') || doc.querySelector('main');
    var form = body && body.querySelector('form[method="post"]');
    if (!form) { window.location.href = link.href; return; }
    var dialog = document.createElement('dialog');
    dialog.className = 'dialog';
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    Array.prototype.forEach.call(body.children, function (child) {
      if (child.matches('.back, p:first-child:has(> a:only-child)')) return;
      dialog.appendChild(document.importNode(child, true));
    });
    var title = dialog.querySelector('h1');
    if (!title && doc.querySelector('main h1')) {
      title = document.importNode(doc.querySelector('main h1'), true);
      dialog.insertBefore(title, dialog.firstChild);
    }
    if (title) title.id = 'confirm-title';
    // The page's "cancel" link would navigate away; in the dialog it just closes it.
    dialog.querySelectorAll('a[data-cancel], form a').forEach(function (a) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'secondary';
      b.textContent = a.textContent;
      b.addEventListener('click', function () { dialog.close(); });
      a.replaceWith(b);
    });
    dialog.addEventListener('close', function () { dialog.remove(); link.focus(); });
    document.body.appendChild(dialog);
    dialog.showModal();
  }
})();
