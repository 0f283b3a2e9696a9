/* 安标巡检 — the outbox as a person sees it, on every signed-in page: the count of items waiting, sending them
 * when the network is back (load, online, back to the tab, 立即同步, a timer for the next retry), the 待同步
 * page, putting a refused item back in its form to correct it, the warning before signing out with items
 * unsent, and plain words where the phone may clear them or where WeChat limits what works offline.
 */
(() => {
  'use strict';

  const outbox = window.anbiaoOutbox;
  const owner = document.body && document.body.getAttribute('data-user');
  if (!outbox || !owner) return;

  const TEXT = {
    count: (c) => (c.refused ? `待同步（需处理 ${c.refused}）` : '待同步'),
    state: { waiting: '等待发送', sending: '正在发送', refused: '需处理', login: '等待重新登录后发送' },
    summary: (c) => (c.total ? `共 ${c.total} 份未发送${c.refused ? `，其中 ${c.refused} 份需处理` : ''}。` : '没有待发送的内容。'),
    loginWait: '登录已失效：这些内容仍在手机上，重新登录后自动发送。',
    signIn: '重新登录',
    age: (ms) => {
      const minutes = Math.floor((Date.now() - ms) / 60000);
      if (minutes < 1) return '刚刚保存';
      if (minutes < 60) return `${minutes} 分钟前保存`;
      if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} 小时前保存`;
      return `${Math.floor(minutes / 1440)} 天前保存`;
    },
    photos: (n) => (n ? `照片 ${n} 张` : '无照片'),
    photo: (i) => `待发送的照片 ${i}`,
    open: '打开修改',
    discard: '放弃',
    discardAsk: (title) => `放弃“${title}”？这份内容会从手机上删除，不会提交，也无法找回。`,
    sendNow: '现在发送',
    signOutAnyway: '仍然退出',
    cancel: '取消',
    signOutAsk: (n) => `还有 ${n} 份内容没有发送，保存在这台手机上。退出后它们留在手机上，别人登录看不到；你再次登录后会自动发送。`,
    signOutStill: (n) => `仍有 ${n} 份没能发送（网络不通或需处理）。可以先退出，再次登录后会自动发送。`,
    sending: '正在发送……',
    refusedReason: '服务器未接受，请打开修改后重新发送，或放弃。',
    notPersisted: '这台手机的浏览器没有答应长期保存数据，空间紧张时可能清除待同步的内容：请尽快到有信号的地方发送。',
    safari: 'Safari 会清除 7 天没有打开的网站的数据：请在 7 天内联网打开本应用，把待同步的内容发出去。',
    wechat: '在微信里也能填写，没有信号时提交的内容会存在「待同步」。如要在没有信号时打开页面，请点右上角「···」→「在浏览器打开」。',
    understood: '知道了',
  };

  const WECHAT_SEEN = 'anbiao-wechat-hint';
  const ua = navigator.userAgent;
  const inWeChat = /MicroMessenger/i.test(ua);
  // iOS browsers (all WebKit) and desktop Safari clear a site's storage after 7 days without a visit; an app
  // added to the home screen is exempt.
  const clearsIn7Days = (/iPhone|iPad|iPod/.test(ua) || (/Safari\//.test(ua) && !/Chrome|Chromium|Android/.test(ua)))
    && !(window.matchMedia && window.matchMedia('(display-mode: standalone)').matches) && !navigator.standalone;

  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  };

  /* ---------- the count, on every page ---------- */

  let lastCounts = { total: 0, refused: 0, login: 0, waiting: 0 };

  async function showCount() {
    let c;
    try { c = await outbox.counts(owner); } catch (error) { return; }
    lastCounts = c;
    const badge = document.querySelector('[data-outbox-count]');
    if (badge) {
      badge.hidden = !c.total;
      badge.classList.toggle('bad', Boolean(c.refused));
      badge.firstChild.textContent = `${TEXT.count(c)} `;
      badge.querySelector('[data-outbox-n]').textContent = String(c.total);
    }
    await showStorageWarning(c);
  }

  /* ---------- storage honesty ---------- */

  async function persisted() {
    if (!navigator.storage || !navigator.storage.persisted) return false;
    try { return await navigator.storage.persisted(); } catch (error) { return false; }
  }

  async function showStorageWarning(c) {
    const main = document.querySelector('main');
    let box = document.querySelector('[data-storage-warning]');
    const words = [];
    if (c.total) {
      if (clearsIn7Days) words.push(TEXT.safari);
      else if (!(await persisted())) words.push(TEXT.notPersisted);
    }
    if (!words.length) {
      if (box) box.remove();
      return;
    }
    if (!box && main) {
      box = el('p', { className: 'flash warn' });
      box.setAttribute('data-storage-warning', '');
      box.setAttribute('role', 'note');
      main.prepend(box);
    }
    if (box) box.textContent = words.join(' ');
  }

  function showWeChatHint() {
    if (!inWeChat) return;
    try {
      if (localStorage.getItem(WECHAT_SEEN)) return;
      localStorage.setItem(WECHAT_SEEN, String(Date.now())); // said once; this page keeps it until dismissed
    } catch (error) { /* no storage: say it on every page rather than never */ }
    const main = document.querySelector('main');
    if (!main) return;
    const close = el('button', { type: 'button', className: 'link', textContent: TEXT.understood });
    const box = el('div', { className: 'flash warn wechat' }, el('p', { textContent: TEXT.wechat }), close);
    box.setAttribute('data-wechat-hint', '');
    box.setAttribute('role', 'note');
    close.addEventListener('click', () => box.remove());
    main.prepend(box);
  }

  /* ---------- sending ---------- */

  let timer = null;
  let running = null;

  function sync(force = false) {
    if (running) return running;
    running = outbox.sendAll({ owner, force })
      .catch(() => null)
      .then(async () => {
        running = null;
        await showCount();
        await drawList();
        schedule();
      });
    return running;
  }

  /** While the page is open, the next retry happens when its back-off ends. */
  async function schedule() {
    clearTimeout(timer);
    let soonest;
    try { soonest = await outbox.soonest(owner); } catch (error) { return; }
    if (!Number.isFinite(soonest)) return;
    timer = setTimeout(() => sync(), Math.max(1000, soonest - Date.now()));
  }

  /* ---------- the 待同步 page ---------- */

  const page = document.querySelector('[data-outbox-page]');
  const bars = new Map(); // key -> its <progress>
  const photoUrls = [];

  function reasonOf(item) {
    if (item.reason) return item.reason;
    if (!item.answer) return TEXT.refusedReason;
    const doc = new DOMParser().parseFromString(item.answer, 'text/html');
    const squash = (node) => node.textContent.replace(/\s+/g, ' ').trim();
    const lines = Array.from(doc.querySelectorAll('[role=alert]'))
      .filter((node) => !node.closest('[hidden]'))
      .flatMap((node) => (node.querySelector('li') ? Array.from(node.querySelectorAll('li'), squash) : [squash(node)]))
      .filter(Boolean);
    if (lines.length) return Array.from(new Set(lines)).join('；');
    const title = doc.querySelector('main h1');
    const text = doc.querySelector('main section p, main p');
    return [title, text].map((n) => n && n.textContent.replace(/\s+/g, ' ').trim()).filter(Boolean).join('：')
      || TEXT.refusedReason;
  }

  function thumbnails(entries) {
    const box = el('div', { className: 'previews' });
    entries.filter((e) => e.file && !e.name.endsWith('_exif')).forEach((e, index) => {
      const url = URL.createObjectURL(new Blob([e.file.buffer], { type: e.file.type }));
      photoUrls.push(url);
      box.append(el('img', { src: url, alt: TEXT.photo(index + 1), decoding: 'async' }));
    });
    return box.children.length ? box : null;
  }

  function row(item, entries) {
    const state = el('span', { className: `badge ${item.state === 'refused' ? 'bad' : 'due'}`, textContent: TEXT.state[item.state] || item.state });
    const li = el('li', { className: `outbox-item ${item.state}` },
      el('strong', { textContent: item.title || item.action }),
      el('p', { className: 'muted' }, state, ` ${TEXT.age(item.made)} · ${TEXT.photos(item.photos)}`));
    li.setAttribute('data-outbox-item', item.key);
    li.setAttribute('data-state', item.state);
    if (item.state === 'sending') {
      const bar = el('progress', { max: 1, value: 0 });
      bar.setAttribute('aria-label', TEXT.sending);
      bars.set(item.key, bar);
      li.append(bar);
    }
    if (item.state === 'login') {
      li.append(el('p', {}, TEXT.loginWait, ' ', el('a', { href: '/login', textContent: TEXT.signIn })));
    }
    li.append(thumbnails(entries) || '');
    if (item.state === 'refused') {
      const reason = el('p', { className: 'reasons', textContent: reasonOf(item) });
      reason.setAttribute('role', 'alert');
      const fix = el('a', { className: 'button primary', href: `${item.page}#outbox=${encodeURIComponent(item.key)}`, textContent: TEXT.open });
      const discard = el('button', { type: 'button', className: 'button', textContent: TEXT.discard });
      discard.addEventListener('click', async () => {
        if (!window.confirm(TEXT.discardAsk(item.title))) return;
        await outbox.drop(item.key);
      });
      li.append(reason, el('p', { className: 'actions' }, fix, ' ', discard));
    }
    return li;
  }

  let drawing = null;

  async function drawList() {
    if (!page) return;
    if (drawing) return drawing;
    drawing = (async () => {
      const items = await outbox.list(owner).catch(() => []);
      const carried = [];
      for (const item of items) carried.push(await outbox.entriesOf(item.key).catch(() => []));
      photoUrls.splice(0).forEach((url) => URL.revokeObjectURL(url));
      bars.clear();
      const rows = items.map((item, i) => row(item, carried[i]));
      const list = page.querySelector('[data-outbox-list]');
      list.replaceChildren(...rows);
      page.querySelector('[data-outbox-summary]').textContent = TEXT.summary(await outbox.counts(owner));
    })().finally(() => { drawing = null; });
    return drawing;
  }

  if (page) {
    const button = page.querySelector('[data-outbox-send]');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try { await sync(true); } finally { button.disabled = false; }
    });
  }

  /* ---------- correcting a refused item in its own form ---------- */

  function sameAction(form, action) {
    try { return new URL(form.action, location.href).href === new URL(action, location.href).href; } catch (e) { return false; }
  }

  function putBack(form, item, entries) {
    const fields = entries.filter((e) => !e.file);
    const controls = Array.from(form.elements);
    controls.filter((c) => c.type === 'checkbox').forEach((c) => { c.checked = false; });
    fields.forEach(({ name, value }) => {
      controls.filter((c) => c.name === name).forEach((c) => {
        if (c.type === 'radio' || c.type === 'checkbox') {
          if (c.value === value) c.checked = true;
        } else if (c.type !== 'file' && c.type !== 'submit' && c.name !== 'csrf_token') {
          c.value = value;
        }
      });
    });
    const { known } = window.anbiaoPhoto || {};
    const files = entries.filter((e) => e.file);
    controls.filter((c) => c.type === 'file' && c.hasAttribute('data-photo')).forEach((input) => {
      const photos = files.filter((e) => e.name === input.name);
      const exifs = files.filter((e) => e.name === `${input.name}_exif`);
      if (!photos.length || typeof DataTransfer !== 'function') return;
      const transfer = new DataTransfer();
      photos.forEach((e, i) => transfer.items.add(new File([e.file.buffer], e.file.filename || `photo-${i + 1}.jpg`, { type: e.file.type })));
      input.files = transfer.files;
      Array.from(input.files).forEach((file, i) => {
        const exif = exifs[i] ? new Blob([exifs[i].file.buffer], { type: 'application/octet-stream' }) : new Blob([]);
        if (known) known(file, exif);
      });
    });
    // The form's own scripts show and hide blocks and count progress from the answers now in place.
    controls.filter((c) => c.name && (c.checked || c.type === 'file')).forEach((c) => c.dispatchEvent(new Event('change', { bubbles: true })));
  }

  async function reopen() {
    const found = /^#outbox=(.+)$/.exec(location.hash);
    if (!found) return;
    const item = await outbox.get(decodeURIComponent(found[1])).catch(() => null);
    if (!item || item.owner !== owner) return;
    const form = Array.from(document.querySelectorAll('form[data-submit]')).find((f) => sameAction(f, item.action));
    if (!form) return;
    putBack(form, item, await outbox.entriesOf(item.key));
    const submit = window.anbiaoSubmit;
    if (submit && submit.showRefusal) {
      let doc = item.answer ? submit.parse(item.answer) : null;
      if (!doc && item.reason) {
        doc = document.implementation.createHTMLDocument('');
        doc.body.append(el('main', {}, el('h1', { textContent: item.reason })));
      }
      submit.showRefusal(form, item.status, doc);
    }
  }

  /* ---------- signing out on a shared phone ---------- */

  let leaving = false;

  function signOutDialog(form, count) {
    const text = el('p', { textContent: TEXT.signOutAsk(count) });
    const send = el('button', { type: 'button', className: 'button primary', textContent: TEXT.sendNow });
    const leave = el('button', { type: 'button', className: 'button', textContent: TEXT.signOutAnyway });
    const stay = el('button', { type: 'button', className: 'button', textContent: TEXT.cancel });
    const dialog = el('dialog', { className: 'card' }, text, el('p', { className: 'actions' }, send, ' ', leave, ' ', stay));
    dialog.setAttribute('aria-label', '退出前还有未发送的内容');
    document.body.append(dialog);
    const out = () => { leaving = true; dialog.close(); form.requestSubmit ? form.requestSubmit() : form.submit(); };
    send.addEventListener('click', async () => {
      send.disabled = true;
      text.textContent = TEXT.sending;
      await sync(true);
      send.disabled = false;
      if (!lastCounts.total) out();
      else text.textContent = TEXT.signOutStill(lastCounts.total);
    });
    leave.addEventListener('click', out);
    stay.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => dialog.remove());
    dialog.showModal();
    send.focus();
  }

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-logout') || leaving) return;
    event.preventDefault();
    const c = await outbox.counts(owner).catch(() => ({ total: 0 }));
    if (!c.total) {
      leaving = true;
      form.submit();
      return;
    }
    signOutDialog(form, c.total);
  });

  /* ---------- wiring ---------- */

  let redraw = null;
  outbox.onChange((detail) => {
    if (detail.loaded !== undefined && bars.has(detail.key)) {
      const bar = bars.get(detail.key);
      if (detail.total) { bar.max = detail.total; bar.value = detail.loaded; }
      return;
    }
    if (detail.loaded !== undefined && !page) return;
    clearTimeout(redraw);
    redraw = setTimeout(() => { showCount(); drawList(); if (!running) schedule(); }, 50);
  });

  window.addEventListener('online', () => sync(true)); // the network is back: no reason to wait out a back-off
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') sync(); });
  window.addEventListener('load', () => { reopen(); });
  showWeChatHint();
  showCount();
  drawList();
  sync();
})();
