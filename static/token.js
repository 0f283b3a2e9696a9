/* 安标巡检 — the CSRF token a form is sent with: read from the form (or htmx's headers), recognised when the
 * server says it has expired, and fetched fresh from the page's own URL, so that a form opened long ago is sent
 * rather than lost to a reload. submit.js calls these.
 */
(() => {
  'use strict';

  if (window.anbiaoToken) return;

  const named = (root, name) =>
    Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => el.name === name);

  const squash = (text) => (text || '').replace(/\s+/g, ' ').trim();

  const parse = (html) => new DOMParser().parseFromString(html, 'text/html');

  const isLoginPage = (url) => /\/login\/?$/.test(new URL(url, location.href).pathname);

  /** The token htmx sends, from a page's <body hx-headers>; '' when there is none. */
  function hxToken(body) {
    try {
      return JSON.parse(body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || '';
    } catch (error) {
      return '';
    }
  }

  function tokenOf(form) {
    const field = named(form, 'csrf_token')[0];
    return field && field.value ? field.value : hxToken(document.body);
  }

  // A stale CSRF token (the form was opened long ago) must not make the worker reload and lose the
  // form: the server marks it with X-CSRF-Expired (its page title 页面已过期 says the same).
  function csrfExpired(response, doc) {
    if (response.status !== 400 && response.status !== 403) return false;
    if (response.headers.get('X-CSRF-Expired')) return true;
    const title = doc.querySelector('main h1');
    return Boolean(title && squash(title.textContent) === '页面已过期');
  }

  /** A fresh token from this page's own URL, put in every form and in htmx's headers; '' when signed out. */
  async function refreshToken() {
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok || (response.redirected && isLoginPage(response.url))) return '';
      const doc = parse(await response.text());
      const token = doc.querySelector('input[name="csrf_token"]')?.value || hxToken(doc.body);
      if (!token) return '';
      document.querySelectorAll('input[name="csrf_token"]').forEach((input) => { input.value = token; });
      const hx = document.body.getAttribute('hx-headers');
      if (hx) {
        try {
          const headers = JSON.parse(hx);
          if (headers['X-CSRFToken']) {
            headers['X-CSRFToken'] = token;
            document.body.setAttribute('hx-headers', JSON.stringify(headers));
          }
        } catch (e) { /* leave htmx's headers as they were */ }
      }
      return token;
    } catch (error) {
      return '';
    }
  }

  window.anbiaoToken = { tokenOf, csrfExpired, refreshToken };
})();
