/* 安标巡检 — sending forms from the field.
 *
 * Forms marked data-submit are sent with fetch so that a refusal or a dropped connection never
 * loses what the worker entered: the page stays, the reason is shown, and a retry carries the same
 * idempotency key (the server answers a repeat with its first result). Photos go shrunk (photo.js,
 * loaded first), each with its original's EXIF segment beside it.
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

  const TEXT = {
    sending: '正在提交…',
    offline: '网络不通，尚未提交。内容仍在本页，请稍后再点提交。',
    timeout: '网络太慢，等不到服务器回答。内容仍在本页，请稍后再点提交（不会重复保存）。',
    tooLarge: '照片太大，服务器未接收，尚未提交。请少选几张照片后再点提交。',
    forbidden: '没有权限进行这项操作，尚未提交。',
    serverError: (status) => `服务器暂时出错（${status}），尚未确认提交。内容仍在本页，请稍后再点提交（不会重复保存）。`,
    loginExpired: '登录已失效，本页内容尚未提交。请点下面的链接在新窗口重新登录，然后回到本页再点提交。',
    loginLink: '在新窗口登录',
    photoRequired: '请上传照片',
    unanswered: (k) => `还有 ${k} 项未作答`,
    hazard: (i, what) => `第 ${i} 项不合格：${what}`,
    noDescription: '请填写隐患描述',
    noPhoto: '请拍照',
    noCategory: '请选择隐患类别',
    noLevel: '请选择一般或重大',
    item: (i, what) => `第 ${i} 项：${what}`,
    majorOnSpot: '重大隐患不能立行立改，须列入整改',
    noAfterPhoto: '立行立改须上传整改后照片',
    progress: (n, total) => `已答 ${n} / ${total} 项`,
    photo: (i) => `照片 ${i}`,
    clearPhotos: '清除照片，重新拍',
    noPreview: (i) => `照片 ${i}（无法预览，仍会上传）`,
  };

  const { shrink } = window.anbiaoPhoto;

  /* ---------- helpers ---------- */

  const named = (root, name) =>
    Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => el.name === name);

  const checkedValue = (root, name) => {
    const on = named(root, name).find((el) => el.checked);
    return on ? on.value : '';
  };

  const isPhotoInput = (el) => el instanceof HTMLInputElement && el.type === 'file' && el.hasAttribute('data-photo');

  const isSubmitButton = (el) =>
    (el instanceof HTMLButtonElement && (el.type || 'submit') === 'submit') ||
    (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'image'));

  const squash = (text) => (text || '').replace(/\s+/g, ' ').trim();

  const items = (form) => Array.from(form.querySelectorAll('[data-item]'));

  const formFields = (form) => Array.from(form.elements);

  /* ---------- checklist filling ---------- */

  function syncItem(fieldset) {
    const id = fieldset.getAttribute('data-item');
    const result = checkedValue(fieldset, `result_${id}`);
    fieldset.classList.toggle('answered', Boolean(result));
    fieldset.classList.toggle('is-hazard', result === 'hazard');
    // Hidden, not cleared: a worker who taps 合格 by mistake gets the description and photos back.
    fieldset.querySelectorAll('[data-when-hazard]').forEach((block) => { block.hidden = result !== 'hazard'; });
  }

  /** The 立行立改 checkbox a [data-when-on-the-spot] block belongs to: its item's, or the form's own. */
  function spotBox(block, form) {
    const item = block.closest('[data-item]');
    return named(item || form, item ? `on_the_spot_${item.getAttribute('data-item')}` : 'on_the_spot')[0];
  }

  function syncSpots(form) {
    form.querySelectorAll('[data-when-on-the-spot]').forEach((block) => {
      const box = spotBox(block, form);
      block.hidden = !(box && box.checked);
    });
  }

  function syncProgress(form) {
    const all = items(form);
    const answered = all.filter((fs) => checkedValue(fs, `result_${fs.getAttribute('data-item')}`)).length;
    form.querySelectorAll('[data-progress]').forEach((out) => { out.textContent = TEXT.progress(answered, all.length); });
  }

  function syncFill(form) {
    items(form).forEach(syncItem);
    syncProgress(form);
  }

  function fillProblems(form) {
    const problems = [];
    const unanswered = [];
    items(form).forEach((fs, index) => {
      const id = fs.getAttribute('data-item');
      const n = index + 1;
      const result = checkedValue(fs, `result_${id}`);
      if (!result) {
        unanswered.push(fs);
        return;
      }
      if (result !== 'hazard') return;
      const add = (message) => problems.push({ target: fs, message });
      const description = named(fs, `description_${id}`)[0];
      if (description && !description.value.trim()) add(TEXT.hazard(n, TEXT.noDescription));
      const photos = named(fs, `photos_${id}`)[0];
      if (photos && !photos.files.length) add(TEXT.hazard(n, TEXT.noPhoto));
      const category = named(fs, `category_${id}`)[0];
      if (category && !category.value) add(TEXT.hazard(n, TEXT.noCategory));
      const level = checkedValue(fs, `level_${id}`);
      if (named(fs, `level_${id}`).length && !level) add(TEXT.hazard(n, TEXT.noLevel));
      const spot = named(fs, `on_the_spot_${id}`)[0];
      if (spot && spot.checked) {
        if (level === 'major') add(TEXT.item(n, TEXT.majorOnSpot));
        const after = named(fs, `after_photos_${id}`)[0];
        if (after && !after.files.length) add(TEXT.item(n, TEXT.noAfterPhoto));
      }
    });
    if (unanswered.length) {
      problems.unshift({ target: unanswered[0], message: TEXT.unanswered(unanswered.length), also: unanswered });
    }
    return problems;
  }

  /** The same 立行立改 rules on a single-hazard form (report a hazard): fields without an item id. */
  function spotProblems(form) {
    const spot = named(form, 'on_the_spot')[0];
    if (!spot || !spot.checked || spot.closest('[data-item]')) return [];
    const found = [];
    if (checkedValue(form, 'level') === 'major') found.push({ target: spot, message: TEXT.majorOnSpot });
    const after = named(form, 'after_photos')[0];
    if (after && !after.files.length) found.push({ target: after, message: TEXT.noAfterPhoto });
    return found;
  }

  /* ---------- photo previews ---------- */

  const previewUrls = new WeakMap();

  function previewBox(input) {
    const form = input.form;
    const byName = form && Array.from(form.querySelectorAll('[data-previews]'))
      .find((box) => box.getAttribute('data-previews') === input.name);
    if (byName) return byName;
    // The nearest box after the input, also when the input sits inside its <label>; a box past the
    // next photo field belongs to that field.
    for (let node = input; node && node !== form && !node.hasAttribute('data-item'); node = node.parentElement) {
      for (let el = node.nextElementSibling; el; el = el.nextElementSibling) {
        if (el.hasAttribute('data-previews')) return el;
        if (el.querySelector('input[type=file]')) return makePreviewBox(input);
        const inner = el.querySelector('[data-previews]');
        if (inner) return inner;
      }
    }
    return makePreviewBox(input);
  }

  function makePreviewBox(input) {
    const box = document.createElement('div');
    box.setAttribute('data-previews', input.name);
    box.className = 'previews';
    input.after(box);
    return box;
  }

  const picked = new WeakMap(); // photo input -> the files chosen so far

  /** iOS opens the camera for one shot at a time (capture ignores multiple): each pick adds to the earlier. */
  function addPicked(input) {
    const earlier = picked.get(input) || [];
    const now = Array.from(input.files);
    const all = input.multiple ? earlier.concat(now.filter((file) => !earlier.includes(file))) : now;
    picked.set(input, all);
    if (all.length === now.length) return;
    try {
      const transfer = new DataTransfer();
      all.forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
    } catch (error) {
      picked.set(input, now); // an old browser: this pick replaces the earlier, as it always did
    }
  }

  function clearPicked(input) {
    picked.delete(input);
    input.value = '';
    showPreviews(input);
  }

  function showPreviews(input) {
    (previewUrls.get(input) || []).forEach((url) => URL.revokeObjectURL(url));
    const box = previewBox(input);
    box.textContent = '';
    const urls = Array.from(input.files).map((file, index) => {
      const url = URL.createObjectURL(file);
      const img = document.createElement('img');
      img.alt = TEXT.photo(index + 1);
      img.decoding = 'async';
      img.style.height = '64px';
      img.style.width = 'auto';
      img.onerror = () => {
        // e.g. HEIC on Android: the server still reads it, so say so instead of a broken icon.
        const note = document.createElement('span');
        note.textContent = TEXT.noPreview(index + 1);
        img.replaceWith(note);
      };
      img.src = url;
      box.append(img);
      return url;
    });
    previewUrls.set(input, urls);
    if (urls.length) {
      const clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'link';
      clear.textContent = TEXT.clearPhotos;
      clear.addEventListener('click', () => clearPicked(input));
      box.append(clear);
    }
    // Start shrinking now, while the worker goes on with the form, so submitting is quick.
    Array.from(input.files).forEach((file) => { shrink(file); });
  }

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

  function clearAlert(form) {
    const box = form.querySelector('[data-form-alert]');
    if (box) {
      box.hidden = true;
      box.textContent = '';
    }
    form.querySelectorAll('.invalid[data-item]').forEach((fs) => fs.classList.remove('invalid'));
  }

  function reveal(el) {
    el.scrollIntoView({ block: 'center', behavior: 'smooth' });
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
        found.push({ target: el, native: true, message: label ? `${label}：${el.validationMessage}` : el.validationMessage });
      }
    });
    formFields(form).forEach((el) => {
      if (isPhotoInput(el) && el.required && !el.disabled && !el.closest('[hidden]') && !el.files.length) {
        found.push({ target: el, message: TEXT.photoRequired });
      }
    });
    found.push(...spotProblems(form));
    if (fill) found.push(...fillProblems(form));
    return found;
  }

  function report(form, found) {
    showAlert(form, found.map((p) => p.message));
    found.forEach((p) => {
      (p.also || [p.target]).forEach((el) => { if (el.hasAttribute('data-item')) el.classList.add('invalid'); });
    });
    const first = found.map((p) => p.target)
      .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))[0];
    if (first.tagName === 'FIELDSET' || first.hasAttribute('data-item')) {
      if (!first.hasAttribute('tabindex')) first.setAttribute('tabindex', '-1');
      first.focus({ preventScroll: true });
      reveal(first);
    } else if (found.some((p) => p.native && p.target === first)) {
      first.reportValidity(); // the browser's own bubble, in the phone's language, on the field
    } else {
      first.focus({ preventScroll: true });
      reveal(first);
    }
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

  async function submit(form, submitter) {
    if (busy.has(form)) return; // a second tap while sending
    clearAlert(form);
    const found = problems(form);
    if (found.length) {
      report(form, found);
      return;
    }
    busy.set(form, holdButtons(form, submitter));
    try {
      const body = await buildBody(form, submitter);
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
      if (response.redirected) {
        if (isLoginPage(response.url)) {
          reveal(showAlert(form, [loginMessage()]));
          return;
        }
        // The redirect was already followed and its page carries the one-time message; show that page
        // rather than loading it again (which would lose the message), in place of the sent form.
        history.replaceState(null, '', response.url);
        swapPage(await response.text());
        return;
      }
      if (response.ok) {
        swapPage(await response.text());
        return;
      }
      // Anything else is shown with the server's own words; the page and its inputs stay as they are.
      reveal(showAlert(form, serverMessages(doc) || [fallbackMessage(response.status)]));
    } catch (error) {
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

  function locate(form) {
    const latitude = named(form, 'latitude')[0];
    if (!latitude || !navigator.geolocation) return;
    const put = (name, value) => { const field = named(form, name)[0]; if (field) field.value = value; };
    try {
      // Where the inspection was made is evidence, but never a reason to wait or to nag.
      navigator.geolocation.getCurrentPosition((position) => {
        const c = position.coords;
        put('latitude', c.latitude.toFixed(7));
        put('longitude', c.longitude.toFixed(7));
        put('accuracy', String(Math.round(c.accuracy * 10) / 10));
      }, () => {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    } catch (error) { /* no location on this phone */ }
  }

  function setUp(form) {
    if (ready.has(form)) return;
    ready.add(form);
    // Our checks replace the browser's: its own would stop at required fields inside hidden blocks
    // with no message at all. Without this script the browser checks as usual.
    form.noValidate = true;
    locate(form);
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
    if (!form.hasAttribute('data-fill')) return;
    const fieldset = el.closest('[data-item]');
    if (fieldset) {
      fieldset.classList.remove('invalid');
      if (event.type === 'change') syncItem(fieldset);
    }
    if (event.type === 'change') syncProgress(form);
  }
  document.addEventListener('change', onEdit);
  document.addEventListener('input', onEdit);

  document.addEventListener('reset', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit')) return;
    setTimeout(() => {
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

  window.anbiaoSubmit = { init };
})();
