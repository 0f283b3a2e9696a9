/* 安标巡检 — sending forms from the field.
 *
 * Forms marked data-submit are sent with fetch so that a refusal or a dropped connection never
 * loses what the worker entered: the page stays, each reason is shown beside its item or field, and
 * a retry carries the same idempotency key (the server answers a repeat with its first result).
 * Photos go shrunk (photo.js, loaded first), each with its original's EXIF segment beside it.
 * Checklist forms (data-fill) also get live show/hide, progress and checks before sending.
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
  // How long 提交 waits for the phone's location (its prompt, then its GPS) before sending without it.
  const LOCATE_WAIT_MS = 10 * 1000;

  const TEXT = {
    sending: '正在提交…',
    saved: '已保存',
    offline: '网络不通，尚未提交。内容仍在本页，请稍后再点提交。',
    timeout: '网络太慢，等不到服务器回答。内容仍在本页，请稍后再点提交（不会重复保存）。',
    tooLarge: '照片太大，服务器未接收，尚未提交。请少选几张照片后再点提交。',
    forbidden: '没有权限进行这项操作，尚未提交。',
    serverError: (status) => `服务器暂时出错（${status}），尚未确认提交。内容仍在本页，请稍后再点提交（不会重复保存）。`,
    loginExpired: '登录已失效，本页内容尚未提交。请点下面的链接在新窗口重新登录，然后回到本页再点提交。',
    loginKept: '登录已失效：内容已存入本机「待同步」，重新登录后自动提交。',
    queuedTitle: '已存入待同步',
    queued: (photos) => `网络不通，内容${photos ? `和 ${photos} 张照片` : ''}已保存在这台手机上，有网时自动提交，每份只保存一次。`,
    queuedServer: (status) => `服务器暂时出错（${status}），内容已保存在这台手机上，稍后自动重新提交，每份只保存一次。`,
    seeOutbox: '查看待同步',
    home: '回到首页',
    loginLink: '在新窗口登录',
    photoRequired: '请拍照或选照片',
    photo: (i) => `照片 ${i}`,
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

  const { syncItem, syncSpots, syncProgress, syncFill, fillProblems, spotProblems } = window.anbiaoFill;

  /* ---------- alerts and problems ---------- */

  function alertBox(form) {
    let box = form.querySelector('[data-form-alert]');
    if (!box) {
      box = document.createElement('div');
      box.setAttribute('data-form-alert', '');
      box.setAttribute('role', 'alert');
      box.className = 'flash error';
      const buttons = formFields(form).filter(isSubmitButton);
      const last = buttons[buttons.length - 1];
      if (last && form.contains(last)) last.before(box);
      else form.prepend(box);
    }
    return box;
  }

  function showAlert(form, messages) {
    const box = alertBox(form);
    box.textContent = '';
    if (messages.length === 1) {
      const p = document.createElement('p');
      p.append(messages[0]);
      box.append(p);
    } else {
      const list = document.createElement('ul');
      messages.forEach((message) => {
        const li = document.createElement('li');
        li.append(message);
        list.append(li);
      });
      box.append(list);
    }
    box.hidden = false;
    return box;
  }

  /* ---------- reasons beside the fields ---------- */

  // A refusal is said where the eye is: each reason right beside its item or field, in a box the
  // field's aria-describedby points at, so a screen reader reads it when the field gets focus.
  // Pages may render these boxes (the server fills them on a 422); other forms get them made here.

  let madeSlots = 0;

  const slotsOf = (form) => Array.from(form.querySelectorAll('[data-reasons]'));

  /** Every control that shares an element's name (a radio group's buttons), or the element alone. */
  function sameName(form, el) {
    return el.name ? named(form, el.name) : [el];
  }

  function describe(el, id) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!ids.includes(id)) el.setAttribute('aria-describedby', ids.concat(id).join(' '));
  }

  /** The reasons box of an item (its fieldset) or of a field; made after the field when `make` and none exists. */
  function slotFor(form, el, make = true) {
    const item = el.closest('[data-item]');
    if (item) {
      let slot = item.querySelector('[data-reasons]');
      if (!slot && make) {
        slot = newSlot('');
        (item.querySelector('legend') || item.firstChild).after(slot);
        describe(item, slot.id);
      }
      return slot;
    }
    const name = el.name || '';
    const found = slotsOf(form)
      .find((slot) => slot.getAttribute('data-reasons') === name && !slot.closest('[data-item]'));
    if (found || !make) return found || null;
    const slot = newSlot(name);
    const anchor = (el.type === 'radio' && el.closest('[role=radiogroup]')) || el.closest('.photo-field') ||
      el.closest('label') || el;
    anchor.after(slot);
    sameName(form, el).forEach((field) => describe(field, slot.id));
    return slot;
  }

  function newSlot(name) {
    const slot = document.createElement('div');
    slot.className = 'reasons';
    slot.id = `reasons-made-${(madeSlots += 1)}`;
    slot.setAttribute('data-reasons', name);
    slot.hidden = true;
    return slot;
  }

  /** What a reasons box is about: its item, or the first control of its field. */
  function ownerOf(form, slot) {
    const item = slot.closest('[data-item]');
    if (item) return item;
    const name = slot.getAttribute('data-reasons');
    return (name && named(form, name)[0]) || null;
  }

  function markRefused(form, slot, refused) {
    const owner = ownerOf(form, slot);
    if (!owner) return;
    if (owner.hasAttribute('data-item')) owner.classList.toggle('invalid', refused);
    else sameName(form, owner).forEach((field) => {
      if (refused) field.setAttribute('aria-invalid', 'true');
      else field.removeAttribute('aria-invalid');
    });
  }

  /** Puts these reasons in the box (once each); `fromServer` marks those only the server can take back. */
  function setReasons(form, slot, reasons, fromServer = false) {
    const kept = Array.from(slot.children).filter((p) => p.hasAttribute('data-server') && !fromServer);
    slot.textContent = '';
    const seen = new Set();
    kept.concat(reasons.map((text) => {
      const p = document.createElement('p');
      p.textContent = text;
      if (fromServer) p.setAttribute('data-server', '');
      return p;
    })).forEach((p) => {
      const text = squash(p.textContent);
      if (text && !seen.has(text)) {
        seen.add(text);
        slot.append(p);
      }
    });
    slot.hidden = !slot.children.length;
    markRefused(form, slot, !slot.hidden);
  }

  function clearReasons(form) {
    slotsOf(form).forEach((slot) => {
      slot.textContent = '';
      slot.hidden = true;
      markRefused(form, slot, false);
    });
  }

  const inPageOrder = (a, b) => {
    if (a === b) return 0;
    return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  };

  /** Focus the first refused item or field and bring its reasons into view. */
  function goTo(form, slots) {
    const first = slots.slice().sort(inPageOrder)[0];
    const owner = first && ownerOf(form, first);
    if (!owner) return false;
    if (owner.hasAttribute('data-item') && !owner.hasAttribute('tabindex')) owner.setAttribute('tabindex', '-1');
    owner.focus({ preventScroll: true });
    // The reasons box sits at the top of an item and right after a field: centring it shows both.
    reveal(first);
    return true;
  }

  /** Once something was refused, its reasons follow the edits: a photo chosen takes 请拍照 away at once. */
  function recheck(form, el) {
    const open = slotsOf(form).filter((slot) => !slot.hidden);
    if (!open.length) return;
    // The server's reasons (a photo it could not read) stay until that field's photos change.
    const own = slotFor(form, el, false);
    if (own && isPhotoInput(el)) own.querySelectorAll('[data-server]').forEach((p) => p.remove());
    const found = problems(form);
    // Only boxes already showing are updated: fields not yet refused are not nagged while being filled.
    open.forEach((slot) => {
      const still = found
        .filter((p) => (p.also || [p.target]).some((target) => slotFor(form, target, false) === slot));
      setReasons(form, slot, still.map((p) => p.reason || p.message));
    });
  }

  function clearAlert(form) {
    const box = form.querySelector('[data-form-alert]');
    if (box) {
      box.hidden = true;
      box.textContent = '';
    }
    clearReasons(form);
  }

  function reveal(el) {
    const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView({ block: 'center', behavior: still ? 'auto' : 'smooth' });
  }

  function labelOf(el) {
    // A radio's own label is one choice (一般隐患); the question is the group's.
    if (el.type === 'radio') {
      const group = el.closest('[role=radiogroup][aria-label]');
      if (group) return group.getAttribute('aria-label');
    }
    const label = (el.type !== 'radio' && el.labels && el.labels[0]) || el.closest('fieldset')?.querySelector('legend');
    return label ? squash(label.textContent).replace(/[*＊]\s*$/, '') : '';
  }

  /** The browser's finding on a field, in Chinese words of our own where it is a missing answer. */
  function nativeReason(el, label) {
    if (el.validity.valueMissing) {
      const choose = el.tagName === 'SELECT' || el.type === 'radio' || el.type === 'checkbox';
      return `${choose ? '请选择' : '请填写'}${label || '此项'}`;
    }
    return el.validationMessage;
  }

  function problems(form) {
    const found = [];
    const seen = new Set();
    // The form's own constraints first (required, pattern…), for fields the worker can see.
    const fill = form.hasAttribute('data-fill');
    formFields(form).forEach((el) => {
      if (!el.willValidate || isPhotoInput(el) || el.closest('[hidden]')) return;
      if (fill && el.closest('[data-item]')) return; // the item checks below say it in the checklist's words
      if (el.type === 'radio' && seen.has(el.name)) return;
      seen.add(el.name);
      if (!el.checkValidity()) {
        const label = labelOf(el);
        const reason = nativeReason(el, label);
        const message = el.validity.valueMissing || !label ? reason : `${label}：${reason}`;
        found.push({ target: el, message, reason });
      }
    });
    formFields(form).forEach((el) => {
      if (isPhotoInput(el) && el.required && !el.disabled && !el.closest('[hidden]') && !el.files.length) {
        const label = labelOf(el);
        const reason = TEXT.photoRequired;
        found.push({ target: el, message: label ? `${label}：${reason}` : reason, reason });
      }
    });
    found.push(...spotProblems(form));
    if (fill) found.push(...fillProblems(form));
    return found;
  }

  function report(form, found) {
    // The list at the top reads in the order of the page, like the reasons beside the fields.
    const inOrder = found.slice().sort((a, b) => inPageOrder(a.target, b.target));
    const box = showAlert(form, inOrder.map((p) => p.message));
    const slots = new Map(); // slot -> its reasons, in the order found
    found.forEach((p) => {
      (p.also || [p.target]).forEach((target) => {
        const slot = slotFor(form, target);
        slots.set(slot, (slots.get(slot) || []).concat(p.reason || p.message));
      });
    });
    slots.forEach((reasons, slot) => setReasons(form, slot, reasons));
    if (!goTo(form, Array.from(slots.keys()))) reveal(box);
  }

  /** A refused form's page from the server: its reasons go into this page's boxes of the same id. */
  function placeServerReasons(form, doc) {
    const placed = [];
    doc.querySelectorAll('[data-reasons][id]').forEach((fresh) => {
      const reasons = Array.from(fresh.children, (p) => squash(p.textContent)).filter(Boolean);
      if (fresh.hidden || !reasons.length) return;
      const slot = slotsOf(form).find((el) => el.id === fresh.id);
      if (!slot) return;
      setReasons(form, slot, reasons, true);
      placed.push(slot);
    });
    return placed;
  }

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

  function tokenOf(form) {
    const field = named(form, 'csrf_token')[0];
    if (field && field.value) return field.value;
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || '';
    } catch (error) {
      return '';
    }
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

  function serverMessages(doc) {
    // A listed alert (未提交，请修改： + one <li> per problem) gives one line per problem.
    const alerts = Array.from(doc.querySelectorAll('[role=alert]'))
      .filter((el) => !el.closest('[hidden]'))
      .flatMap((el) => {
        const items = el.querySelectorAll('li');
        return items.length ? Array.from(items, (li) => squash(li.textContent)) : [squash(el.textContent)];
      })
      .filter(Boolean);
    if (alerts.length) return Array.from(new Set(alerts));
    const parts = [doc.querySelector('main h1'), doc.querySelector('main p')]
      .map((el) => el && squash(el.textContent))
      .filter(Boolean);
    return parts.length ? [parts.join('：')] : null;
  }

  function fallbackMessage(status) {
    if (status === 413) return TEXT.tooLarge;
    if (status === 403) return TEXT.forbidden;
    return TEXT.serverError(status);
  }

  // A stale CSRF token (the form was opened long ago) must not make the worker reload and lose the
  // form: the server marks it with X-CSRF-Expired (its page title 页面已过期 says the same).
  function csrfExpired(response, doc) {
    if (response.status !== 400 && response.status !== 403) return false;
    if (response.headers.get('X-CSRF-Expired')) return true;
    const title = doc.querySelector('main h1');
    return Boolean(title && squash(title.textContent) === '页面已过期');
  }

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

  /** A fresh token from this page's own URL, put in every form and in htmx's headers; '' when signed out. */
  async function refreshToken() {
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok || (response.redirected && isLoginPage(response.url))) return '';
      const doc = parse(await response.text());
      let token = doc.querySelector('input[name="csrf_token"]')?.value || '';
      if (!token) {
        try { token = JSON.parse(doc.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || ''; } catch (e) { token = ''; }
      }
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

  /** A refusal shown on the form: the server's words at the top, its reasons beside their fields. */
  function showRefusal(form, status, doc) {
    const box = showAlert(form, (doc && serverMessages(doc)) || [fallbackMessage(status)]);
    if (!doc || !goTo(form, placeServerReasons(form, doc))) reveal(box);
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

  const locating = new WeakMap(); // form -> its fix being asked for
  const started = new WeakSet(); // forms the worker has begun to fill

  /** Puts the phone's GPS fix in the form's fields; settles when the phone answers (or cannot). Where the
   * inspection was made is evidence, but never a reason to nag: the phone is asked only once the worker acts
   * (answers, types, takes a photo, taps 提交), never when a page opens, so no location prompt greets them. */
  function locate(form) {
    const latitude = named(form, 'latitude')[0];
    if (!latitude || !navigator.geolocation) return Promise.resolve();
    if (locating.has(form)) return locating.get(form);
    const put = (name, value) => { const field = named(form, name)[0]; if (field) field.value = value; };
    const asked = new Promise((resolve) => {
      try {
        navigator.geolocation.getCurrentPosition((position) => {
          const c = position.coords;
          put('latitude', c.latitude.toFixed(7));
          put('longitude', c.longitude.toFixed(7));
          put('accuracy', String(Math.round(c.accuracy * 10) / 10));
          resolve();
        }, () => resolve(), { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      } catch (error) { resolve(); /* no location on this phone */ }
    });
    // Settled, it is forgotten: a later send asks again (the phone answers from its last minute's fix).
    locating.set(form, asked.then(() => { locating.delete(form); }));
    return locating.get(form);
  }

  /** The fix for a submission: waited for only so long, then the submission goes without it. */
  function located(form) {
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(resolve, LOCATE_WAIT_MS); });
    return Promise.race([locate(form), late]).finally(() => clearTimeout(timer));
  }

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
    // The worker has started: where they are is asked for now (a photo asks again, for where it was taken),
    // so the fix is there by the time they tap 提交, which then rarely waits for it.
    if (!started.has(form) || (event.type === 'change' && isPhotoInput(el))) {
      started.add(form);
      locate(form);
    }
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
