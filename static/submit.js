/* 安标巡检 — sending forms from the field.
 *
 * Forms marked data-submit are sent with fetch so that a refusal or a dropped connection never
 * loses what the worker entered: the page stays, each reason is shown beside its item or field
 * (reasons.js), and a retry carries the same idempotency key (the server answers a repeat with its
 * first result); where the outbox can keep it, the submission waits on the phone until it is sent.
 * Photos go shrunk (photo.js), each with its original's EXIF segment beside it. Checklist forms
 * (data-fill) also get live show/hide, progress and checks before sending (fill.js). The scripts it
 * calls (photo.js, fill.js, reasons.js, locate.js, token.js) are loaded before it.
 * Without this script the same forms still post normally.
 */
(() => {
  'use strict';

  // Pages carry the tag inside <main>; a page written whole or swapped in by htmx must not wire
  // every form twice.
  if (window.anbiaoSubmit) return;

  // A request that never answers (4G dropped inside a steel building) would otherwise leave the
  // button disabled for good; long enough for a few photos over a slow link.
  const SEND_TIMEOUT_MS = 3 * 60 * 1000;

  const TEXT = {
    sending: '正在提交…',
    saved: '已保存',
    offline: '网络不通，尚未提交。内容仍在本页，请稍后再点提交。',
    timeout: '网络太慢，等不到服务器回答。内容仍在本页，请稍后再点提交（不会重复保存）。',
    loginExpired: '登录已失效，本页内容尚未提交。请点下面的链接在新窗口重新登录，然后回到本页再点提交。',
    loginKept: '登录已失效：内容已存入本机「待同步」，重新登录后自动提交。',
    queuedTitle: '已存入待同步',
    queued: (photos) => `网络不通，内容${photos ? `和 ${photos} 张照片` : ''}已保存在这台手机上，有网时自动提交，每份只保存一次。`,
    queuedServer: (status) => `服务器暂时出错（${status}），内容已保存在这台手机上，稍后自动重新提交，每份只保存一次。`,
    seeOutbox: '查看待同步',
    home: '回到首页',
    loginLink: '在新窗口登录',
  };

  const { shrink, addPicked, showPreviews } = window.anbiaoPhoto;

  /* ---------- helpers ---------- */

  const named = (root, name) =>
    Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => el.name === name);

  const isPhotoInput = (el) => el instanceof HTMLInputElement && el.type === 'file' && el.hasAttribute('data-photo');

  const isSubmitButton = (el) =>
    (el instanceof HTMLButtonElement && (el.type || 'submit') === 'submit') ||
    (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'image'));

  const squash = (text) => (text || '').replace(/\s+/g, ' ').trim();

  const formFields = (form) => Array.from(form.elements);

  const { syncItem, syncSpots, syncProgress, syncFill } = window.anbiaoFill;
  const { showAlert, clearAlert, problems, report, recheck, reveal, showRefusal } = window.anbiaoReasons;
  const { located } = window.anbiaoLocate;
  const { tokenOf, csrfExpired, refreshToken } = window.anbiaoToken;

  /* ---------- sending ---------- */

  const busy = new Map(); // form -> function that gives the buttons back
  const lastClicked = new WeakMap();

  function holdButtons(form, submitter) {
    const buttons = formFields(form).filter(isSubmitButton);
    const labelled = submitter && buttons.includes(submitter) ? [submitter] : buttons;
    const saved = buttons.map((button) => ({
      button,
      disabled: button.disabled,
      html: button instanceof HTMLButtonElement ? button.innerHTML : button.value,
    }));
    buttons.forEach((button) => { button.disabled = true; });
    labelled.forEach((button) => {
      if (button instanceof HTMLButtonElement) button.textContent = TEXT.sending;
      else button.value = TEXT.sending;
    });
    form.setAttribute('aria-busy', 'true');
    return () => {
      saved.forEach(({ button, disabled, html }) => {
        button.disabled = disabled;
        if (button instanceof HTMLButtonElement) button.innerHTML = html;
        else button.value = html;
      });
      form.removeAttribute('aria-busy');
    };
  }

  async function buildBody(form, submitter) {
    const body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    body.set('client_time', new Date().toISOString());
    const inputs = formFields(form).filter((el) => isPhotoInput(el) && el.name && !el.disabled);
    new Set(inputs.map((el) => el.name)).forEach((name) => body.delete(name));
    const counts = {};
    for (const input of inputs) {
      // Photos of a hidden block (an item answered 合格 after all) are kept on the page but not
      // sent: the server ignores them, and the worker's 4G should not carry them.
      if (input.closest('[hidden]')) continue;
      for (const file of Array.from(input.files)) {
        const n = (counts[input.name] = (counts[input.name] || 0) + 1);
        const { blob, exif, resized } = await shrink(file);
        body.append(input.name, blob, resized ? `photo-${n}.jpg` : (file.name || `photo-${n}`));
        body.append(`${input.name}_exif`, exif, `photo-${n}.exif`);
      }
    }
    return body;
  }

  async function post(form, body) {
    const headers = {};
    const key = named(form, 'idempotency_key')[0];
    if (key && key.value) headers['Idempotency-Key'] = key.value;
    const token = tokenOf(form);
    if (token) headers['X-CSRFToken'] = token;
    const abort = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = abort && setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
    try {
      return await fetch(form.action, {
        method: 'POST', body, headers, credentials: 'same-origin', signal: abort ? abort.signal : undefined,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  const parse = (html) => new DOMParser().parseFromString(html, 'text/html');

  const isLoginPage = (url) => /\/login\/?$/.test(new URL(url, location.href).pathname);

  function loginMessage() {
    const wrap = document.createElement('span');
    const link = document.createElement('a');
    link.href = '/login';
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = TEXT.loginLink;
    wrap.append(TEXT.loginExpired, ' ', link);
    return wrap;
  }

  function swapPage(html) {
    const doc = parse(html);
    const fresh = doc.querySelector('main');
    const current = document.querySelector('main');
    // Swapping nodes (not document.write) keeps this script's listeners alive for the new page.
    const root = fresh && current ? document.adoptNode(fresh) : document.adoptNode(doc.documentElement);
    if (fresh && current) current.replaceWith(root);
    else document.replaceChild(root, document.documentElement);
    if (doc.title) document.title = doc.title;
    window.scrollTo(0, 0);
    init(root);
    if (window.htmx && window.htmx.process) window.htmx.process(root);
  }

  /* ---------- the outbox ---------- */

  const outbox = () => window.anbiaoOutbox || null;

  /** Keeps the submission on the phone before it travels (offline/outbox.js); null where it cannot be kept. */
  async function keep(form, body) {
    const box = outbox();
    const key = named(form, 'idempotency_key')[0];
    const owner = document.body.getAttribute('data-user');
    if (!box || !key || !key.value || !owner) return null;
    const page = squash(document.title).replace(/ · 安标巡检$/, '');
    // A page with several forms (a hazard's 分派 / 整改 / 验收) names the one sent by its own heading.
    const part = squash(form.querySelector(':scope > h2')?.textContent);
    try {
      return await box.keep({ key: key.value, owner, action: form.action, page: location.href.split('#')[0],
        title: part && part !== page ? `${page} · ${part}` : page, body });
    } catch (error) {
      return null; // private mode and the like: sent as before, the page keeps what was entered
    }
  }

  function settle(kept, outcome) {
    return kept ? outbox().settle(kept, outcome).catch(() => {}) : Promise.resolve();
  }

  function link(href, text, className = 'button') {
    const a = document.createElement('a');
    a.href = href;
    a.className = className;
    a.textContent = text;
    return a;
  }

  /** In place of the form: it is safe on the phone and goes by itself when the network is back. */
  function showQueued(form, kept, message) {
    const note = document.createElement('section');
    note.className = 'card queued';
    note.setAttribute('role', 'status');
    note.setAttribute('data-queued', kept.key);
    const title = document.createElement('h2');
    title.textContent = TEXT.queuedTitle;
    const text = document.createElement('p');
    text.textContent = message;
    const links = document.createElement('p');
    links.append(link('/outbox', TEXT.seeOutbox, 'button primary'), ' ', link('/', TEXT.home));
    note.append(title, text, links);
    form.hidden = true;
    form.before(note);
    reveal(note);
  }

  async function submit(form, submitter) {
    if (busy.has(form)) return; // a second tap while sending
    clearAlert(form);
    const found = problems(form);
    if (found.length) {
      report(form, found);
      return;
    }
    busy.set(form, holdButtons(form, submitter));
    let kept = null;
    try {
      await located(form);
      const body = await buildBody(form, submitter);
      kept = await keep(form, body);
      let response;
      let doc = null;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        response = await post(form, body);
        if (response.redirected || response.ok) break;
        doc = parse(await response.text());
        if (attempt > 0 || !csrfExpired(response, doc)) break;
        const token = await refreshToken();
        if (!token) break;
        body.set('csrf_token', token);
      }
      if (response.redirected && isLoginPage(response.url)) {
        await settle(kept, { state: 'login' });
        reveal(showAlert(form, [kept ? TEXT.loginKept : loginMessage()]));
        return;
      }
      if (response.redirected) {
        const html = await response.text();
        await settle(kept, { state: 'sent' });
        // The redirect was already followed and its page carries the one-time 已保存 message; show that
        // page rather than loading it again (which would lose the message), in place of the sent form.
        // The form's history entry becomes the record's: back and reload show the record, never the
        // filled form again or a resend. A record page says 已保存 when its address asks (?saved=1, so
        // the answer needs no flash in the session cookie); the address kept drops that, so a reload
        // does not say it again.
        const record = new URL(response.url);
        record.searchParams.delete('saved');
        history.replaceState(null, '', record.href);
        swapPage(html);
        // A retry the server answers from its first result carries no message (the first answer's
        // was never seen): the worker must still be told it is saved.
        const main = document.querySelector('main');
        if (main && !main.querySelector('.flash[role=status]')) {
          const note = document.createElement('p');
          note.className = 'flash ok';
          note.setAttribute('role', 'status');
          note.textContent = TEXT.saved;
          main.prepend(note);
        }
        return;
      }
      if (response.ok) {
        const html = await response.text();
        await settle(kept, { state: 'sent' });
        swapPage(html);
        return;
      }
      // A server in trouble, or a token that could not be renewed (the network went again): sent again later.
      if (kept && (response.status >= 500 || csrfExpired(response, doc))) {
        await settle(kept, { state: 'waiting', status: response.status });
        showQueued(form, kept, TEXT.queuedServer(response.status));
        return;
      }
      // A refusal stays on the form with the server's own words, and in 待同步 as 需处理 until it is
      // corrected and sent, or discarded: leaving the page never loses it silently.
      await settle(kept, { state: 'refused', status: response.status, answer: new XMLSerializer().serializeToString(doc) });
      showRefusal(form, response.status, doc);
    } catch (error) {
      if (kept) {
        await settle(kept, { state: 'waiting', status: 0 });
        showQueued(form, kept, TEXT.queued(kept.photos));
        return;
      }
      const timedOut = error && error.name === 'AbortError';
      reveal(showAlert(form, [timedOut ? TEXT.timeout : TEXT.offline]));
    } finally {
      const restore = busy.get(form);
      busy.delete(form);
      restore();
    }
  }

  /* ---------- wiring ---------- */

  const ready = new WeakSet();

  function setUp(form) {
    if (ready.has(form)) return;
    ready.add(form);
    // Our checks replace the browser's: its own would stop at required fields inside hidden blocks
    // with no message at all. Without this script the browser checks as usual.
    form.noValidate = true;
    if (form.hasAttribute('data-fill')) syncFill(form);
    syncSpots(form);
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches('form[data-submit]')) setUp(root);
    root.querySelectorAll('form[data-submit]').forEach(setUp);
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit')) return;
    event.preventDefault();
    setUp(form);
    submit(form, event.submitter || lastClicked.get(form) || null);
  });

  // iOS Safari before 15.4 has no event.submitter; remember which button was tapped.
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element && event.target.closest('button, input[type=submit], input[type=image]');
    if (button && isSubmitButton(button) && button.form && button.form.hasAttribute('data-submit')) {
      lastClicked.set(button.form, button);
    }
  }, true);

  function onEdit(event) {
    const el = event.target;
    const form = el && el.form;
    if (!form || !form.hasAttribute('data-submit')) return;
    if (event.type === 'change' && isPhotoInput(el)) {
      addPicked(el);
      showPreviews(el);
    }
    if (event.type === 'change' && el.type === 'checkbox' && el.name.startsWith('on_the_spot')) syncSpots(form);
    if (form.hasAttribute('data-fill')) {
      const fieldset = el.closest('[data-item]');
      if (fieldset && event.type === 'change') syncItem(fieldset);
      if (event.type === 'change') syncProgress(form);
    }
    recheck(form, el);
  }
  document.addEventListener('change', onEdit);
  document.addEventListener('input', onEdit);

  document.addEventListener('reset', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit')) return;
    setTimeout(() => {
      clearAlert(form);
      formFields(form).filter(isPhotoInput).forEach(showPreviews);
      if (form.hasAttribute('data-fill')) syncFill(form);
      syncSpots(form);
    }, 0);
  });

  // Back to a page kept in memory, or a page whose inputs the browser refilled: buttons free, blocks in step.
  window.addEventListener('pageshow', () => {
    busy.forEach((restore) => restore());
    busy.clear();
    document.querySelectorAll('form[data-submit][data-fill]').forEach(syncFill);
    document.querySelectorAll('form[data-submit]').forEach(syncSpots);
  });

  document.addEventListener('htmx:load', (event) => init(event.target));

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => init(document));
  else init(document);

  window.anbiaoSubmit = { init, showRefusal, parse };
})();
