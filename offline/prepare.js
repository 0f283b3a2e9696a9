/* 离线准备 on the home page: one tap asks the server what this person needs today (POST /offline/prepare), has the
 * service worker fetch and keep each page (offline/sw.js, message 'keep'), and lists them under
 * 「已可离线使用 · 截至 HH:MM」. The list is kept in localStorage per person, so the home page shows it again, also
 * when it is itself opened offline from the phone's copy. A kept form gets a new idempotency key each time it is
 * opened offline (sw.js offlineCopy), so one card kept once and filled twice is two inspections. */
(() => {
  'use strict';
  const section = document.querySelector('[data-prepare]');
  const user = document.body.dataset.user;
  if (!section || !user) return;
  const button = section.querySelector('[data-prepare-button]');
  const progress = section.querySelector('[data-prepare-progress]');
  const bar = progress.querySelector('progress');
  const count = section.querySelector('[data-prepare-count]');
  const note = section.querySelector('[data-prepare-note]');
  const list = section.querySelector('[data-prepare-list]');
  const STORE = `anbiao-prepared-${user}`; // a shared phone: each person sees only their own list
  const AT_ONCE = 3; // pages fetched together: quicker than one by one, still gentle on weak 4G
  const PAGE_WAIT_MS = 30000;
  const WORKER_WAIT_MS = 10000;
  const ZONE = 'Asia/Shanghai';

  /** A reason to tell the person, in Chinese; any other error gets a plain general one. */
  class Refusal extends Error {}

  function say(text, kind) {
    note.textContent = text;
    note.className = `flash ${kind || 'error'}`;
    note.hidden = false;
  }

  if (!('serviceWorker' in navigator)) {
    // iOS WeChat and some other in-app browsers: nothing can be kept, but the outbox (待同步) still works.
    const wechat = /MicroMessenger/i.test(navigator.userAgent);
    say('这个浏览器不能把页面存到手机上离线打开。填写提交的内容仍会先保存在「待同步」里，有网络时自动发送。'
      + (wechat ? '要离线打开页面，请点右上角「···」→「在浏览器打开」，在手机浏览器里使用。' : ''), 'offline');
    button.hidden = true;
    return;
  }

  const day = (date) => date.toLocaleDateString('zh-CN', { timeZone: ZONE });
  function when(iso) {
    const at = new Date(iso);
    const time = at.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: ZONE });
    if (day(at) === day(new Date())) return time;
    return `${at.toLocaleDateString('zh-CN', { month: 'numeric', day: 'numeric', timeZone: ZONE })} ${time}`;
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || '';
    } catch (error) {
      return '';
    }
  }

  /** The day's pages from the server, or a Chinese reason it could not say. */
  async function askServer() {
    let response;
    try {
      response = await fetch('/offline/prepare', { method: 'POST', credentials: 'same-origin',
        headers: { 'Idempotency-Key': newKey(), 'X-CSRFToken': csrfToken(), Accept: 'application/json' } });
    } catch (error) {
      throw new Refusal('现在连不上服务器，有信号时再点「离线准备」。');
    }
    if (new URL(response.url).pathname === '/login') throw new Refusal('登录已过期，请重新登录后再点「离线准备」。');
    if (response.headers.get('X-CSRF-Expired')) throw new Refusal('页面停留太久已过期，请刷新首页后再点「离线准备」。');
    if (!response.ok || !(response.headers.get('Content-Type') || '').includes('json')) {
      throw new Refusal(`没有准备好（服务器答复 ${response.status}），请稍后再点「离线准备」。`);
    }
    return response.json();
  }

  async function activeWorker() {
    const late = new Promise((resolve) => { setTimeout(() => resolve(null), WORKER_WAIT_MS); });
    return Promise.race([navigator.serviceWorker.ready.then((registration) => registration.active), late]);
  }

  /** Asks the service worker to fetch and keep one page; true once it is kept. */
  function keep(worker, url) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(false), PAGE_WAIT_MS);
      channel.port1.onmessage = (event) => {
        clearTimeout(timer);
        resolve(Boolean(event.data && event.data.ok));
      };
      worker.postMessage({ type: 'keep', url }, [channel.port2]);
    });
  }

  function step(done, total) {
    progress.hidden = false;
    if (total === null) {
      bar.removeAttribute('value'); // not yet known how many: the bar only shows it is working
      count.textContent = '正在询问今天要用的页面…';
      return;
    }
    bar.max = Math.max(total, 1);
    bar.value = done;
    count.textContent = `正在准备 ${done}/${total}`;
  }

  async function keepAll(worker, pages) {
    let next = 0;
    let done = 0;
    step(0, pages.length);
    const lane = async () => {
      while (next < pages.length) {
        const page = pages[next];
        next += 1;
        page.ok = await keep(worker, page.url);
        done += 1;
        step(done, pages.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, pages.length) }, lane));
  }

  /** The addresses kept in this phone's page cache now (a sign-out or a new release may have dropped some). */
  async function keptNow() {
    if (!('caches' in window)) return null;
    const found = new Set();
    for (const name of (await caches.keys()).filter((n) => n.startsWith('anbiao-pages-'))) {
      for (const request of await (await caches.open(name)).keys()) {
        const url = new URL(request.url);
        found.add(url.pathname + url.search);
      }
    }
    return found;
  }

  function entry(page, state) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = page.url;
    link.textContent = page.title || page.url;
    item.append(link);
    if (state !== 'ready') {
      const mark = document.createElement('span');
      mark.className = 'badge bad';
      mark.textContent = state === 'failed' ? '未能准备' : '已失效，请重新准备';
      item.append(' ', mark);
    }
    return item;
  }

  /** Draws the list: open after a run and when offline (then it is the way to the kept pages), otherwise one
   * closed line, so the home page's own lists below it hardly move when it appears. */
  async function render(result, open) {
    const kept = await keptNow();
    const state = (page) => (!page.ok ? 'failed' : (!kept || kept.has(page.url) ? 'ready' : 'gone'));
    const ready = result.pages.filter((page) => state(page) === 'ready').length;
    list.replaceChildren();
    if (!ready && result.pages.some((page) => page.ok)) return; // all dropped since: an old list would mislead
    const box = document.createElement('details');
    box.open = open;
    const summary = document.createElement('summary');
    const heading = document.createElement('h3');
    heading.textContent = `已可离线使用 · 截至 ${when(result.at)}`;
    const tally = document.createElement('span');
    tally.className = 'muted';
    const missing = result.pages.length - ready;
    tally.textContent = `${ready} 个页面${missing ? `，${missing} 个未准备好` : ''}`;
    summary.append(heading, tally);
    box.append(summary);
    const groups = new Map();
    for (const page of result.pages) {
      if (!groups.has(page.group)) {
        const title = document.createElement('h4');
        title.textContent = page.group;
        const items = document.createElement('ul');
        box.append(title, items);
        groups.set(page.group, items);
      }
      groups.get(page.group).append(entry(page, state(page)));
    }
    list.append(box);
  }

  function stored() {
    try {
      const found = JSON.parse(localStorage.getItem(STORE) || 'null');
      return found && Array.isArray(found.pages) ? found : null;
    } catch (error) {
      return null;
    }
  }

  function store(result) {
    try {
      localStorage.setItem(STORE, JSON.stringify(result));
    } catch (error) { /* private mode or full: the list is still shown now */ }
  }

  async function prepare() {
    note.hidden = true;
    step(0, null);
    try {
      const plan = await askServer();
      const worker = await activeWorker();
      if (!worker) throw new Refusal('离线功能还在安装，请过一会儿再点「离线准备」。');
      const pages = plan.pages.map((page) => ({ url: page.url, title: page.title, group: page.group, ok: false }));
      await keepAll(worker, pages);
      const result = { at: plan.at, pages };
      store(result);
      await render(result, true);
    } catch (error) {
      say(error instanceof Refusal ? error.message : '没有准备好，请稍后再点「离线准备」。');
    } finally {
      progress.hidden = true;
    }
  }

  let working = false;
  button.addEventListener('click', async () => {
    if (working) return; // a second tap while preparing does nothing
    working = true;
    button.disabled = true;
    try {
      await prepare();
    } finally {
      working = false;
      button.disabled = false;
    }
  });

  const last = stored();
  if (last) render(last, !navigator.onLine || Boolean(document.querySelector('[data-offline-copy]')));
})();
