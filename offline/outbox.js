/* 安标巡检 — the outbox (待同步): every submission is kept on the phone (IndexedDB) before it travels, and is
 * forgotten only when the server confirms the record and all of its photos.
 *
 * It runs in pages and in the service worker (Background Sync), so it touches no DOM. Photos are kept as
 * ArrayBuffer + type (Safari's Blob storage fails). Each item carries its idempotency key, so sending it twice
 * (a lost answer, two tabs, the worker and a page at once) still makes one record on the server. Items belong
 * to the person who made them and are sent only with that person's session.
 */
(function (global) {
  'use strict';

  if (global.anbiaoOutbox) return;

  const DB_NAME = 'anbiao-outbox';
  // What each item is (small: listed and counted on every page) apart from what it carries (fields and photos,
  // read only to send it, show its photos or put it back in its form).
  const STORE = 'items';
  const BODIES = 'bodies';
  const TOKEN_URL = '/outbox/token';
  const HEADER = 'X-Anbiao-Outbox'; // the server answers a replay as data (anbiao/views/offline.py)
  const SYNC_TAG = 'anbiao-outbox';
  const SEND_LOCK = 'anbiao-outbox-send'; // one sender at a time across tabs and the service worker
  const HOLDER_LOCK = 'anbiao-outbox-holder-'; // held while a page lives: its sends in flight are not stale
  const SEND_TIMEOUT_MS = 3 * 60 * 1000; // a few photos over a slow link
  const STALE_MS = SEND_TIMEOUT_MS + 30 * 1000; // a send no one finished, where Web Locks cannot tell
  const RETRY_FIRST_MS = 5 * 1000;
  const RETRY_MAX_MS = 5 * 60 * 1000;
  const HOLDER = global.crypto.randomUUID();
  const inPage = typeof document !== 'undefined';

  const TEXT = {
    photosShort: (held, sent) => `服务器只确认收到 ${held}/${sent} 张照片，未算发送成功。请打开检查后重新发送。`,
  };

  /* ---------- changes, heard in every tab ---------- */

  const listeners = new Set();
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('anbiao-outbox') : null;
  const tell = (detail) => listeners.forEach((listen) => listen(detail));
  if (channel) channel.onmessage = (event) => tell(event.data || {});

  function changed(detail = {}) {
    tell(detail);
    if (channel) channel.postMessage(detail);
  }

  if (inPage && navigator.locks) {
    navigator.locks.request(HOLDER_LOCK + HOLDER, () => new Promise(() => {})).catch(() => {});
  }

  /* ---------- IndexedDB ---------- */

  let opening = null;

  function database() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const asked = global.indexedDB.open(DB_NAME, 1);
        asked.onupgradeneeded = () => {
          asked.result.createObjectStore(STORE, { keyPath: 'key' });
          asked.result.createObjectStore(BODIES, { keyPath: 'key' });
        };
        asked.onsuccess = () => {
          const db = asked.result;
          db.onversionchange = () => { db.close(); opening = null; };
          resolve(db);
        };
        asked.onerror = () => reject(asked.error);
      });
      opening.catch(() => { opening = null; });
    }
    return opening;
  }

  const done = (asked) => new Promise((resolve, reject) => {
    asked.onsuccess = () => resolve(asked.result);
    asked.onerror = () => reject(asked.error);
  });

  /** Runs `work(items, bodies)` in one transaction; resolves with its result once the transaction has committed.
   * Only keeping an item must reach the disk before going on; the rest may be relaxed (a resend is harmless). */
  async function transact(mode, work, durability = 'relaxed') {
    const tx = (await database()).transaction([STORE, BODIES], mode, { durability });
    const committed = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    });
    const result = await work(tx.objectStore(STORE), tx.objectStore(BODIES));
    await committed;
    return result;
  }

  /** Every item (of one owner when given), oldest first: the order they were made is the order they are sent. */
  async function list(owner) {
    const all = await transact('readonly', (store) => done(store.getAll()));
    return all.filter((item) => !owner || item.owner === owner).sort((a, b) => a.made - b.made);
  }

  const get = (key) => transact('readonly', (store) => done(store.get(key)));

  /** What an item carries: its fields and photos, in the order the form made them. */
  const entriesOf = async (key) => ((await transact('readonly', (_, bodies) => done(bodies.get(key)))) || {}).entries || [];

  async function drop(key) {
    await transact('readwrite', (store, bodies) => Promise.all([done(store.delete(key)), done(bodies.delete(key))]));
    changed({ key });
  }

  /* ---------- keeping ---------- */

  const isFile = (value) => typeof value === 'object' && value !== null && typeof value.arrayBuffer === 'function';

  /** A submission as it is kept: its fields in order, its files as bytes. The CSRF token is fetched fresh. */
  async function entriesFrom(body) {
    const entries = [];
    for (const [name, value] of body.entries()) {
      if (name === 'csrf_token') continue;
      if (isFile(value)) {
        entries.push({ name, file: { buffer: await value.arrayBuffer(), type: value.type, filename: value.name || 'blob' } });
      } else {
        entries.push({ name, value });
      }
    }
    return entries;
  }

  const photoCount = (entries) => entries.filter((e) => e.file && !e.name.endsWith('_exif')).length;

  function bodyOf(entries) {
    const body = new FormData();
    entries.forEach((e) => {
      if (e.file) body.append(e.name, new Blob([e.file.buffer], { type: e.file.type }), e.file.filename);
      else body.append(e.name, e.value);
    });
    return body;
  }

  let persistAsked = false;

  /** Keeps a submission before it is sent (state 'sending', held by this page); the same key replaces it. */
  async function keep({ key, owner, action, page, title, body }) {
    const entries = await entriesFrom(body);
    const item = {
      key, owner, action, page, title, photos: photoCount(entries), made: Date.now(),
      state: 'sending', holder: HOLDER, since: Date.now(), tries: 0, next: 0,
    };
    const before = await get(key);
    if (before) item.made = before.made; // a corrected item keeps its place in the queue
    await transact('readwrite', (store, bodies) => Promise.all([done(store.put(item)), done(bodies.put({ key, entries }))]),
      'strict');
    if (inPage && !persistAsked && navigator.storage && navigator.storage.persist) {
      persistAsked = true;
      navigator.storage.persist().catch(() => false).then(() => changed({}));
    }
    changed({ key });
    return item;
  }

  /** Background Sync, where the browser has it: the service worker sends even when no page is open. */
  function askForSync() {
    if (!inPage || !navigator.serviceWorker) return;
    navigator.serviceWorker.getRegistration().then((reg) => reg && reg.sync && reg.sync.register(SYNC_TAG))
      .catch(() => { /* no Background Sync here: online, load and visibility still send */ });
  }

  /** Records what became of a send, unless the item was replaced (corrected) while it travelled. */
  async function settle(sent, outcome) {
    await transact('readwrite', async (store, bodies) => {
      const item = await done(store.get(sent.key));
      if (!item || item.holder !== HOLDER || item.since !== sent.since) return;
      if (outcome.state === 'sent') {
        store.delete(item.key);
        bodies.delete(item.key);
        return;
      }
      Object.assign(item, { state: outcome.state, holder: null, status: outcome.status || 0 });
      if (outcome.state === 'waiting') {
        item.tries += 1;
        const wait = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (item.tries - 1));
        item.next = Date.now() + wait * (0.8 + Math.random() * 0.4);
      }
      if (outcome.state === 'refused') {
        item.answer = outcome.answer || '';
        item.reason = outcome.reason || '';
      }
      store.put(item);
    });
    changed({ key: sent.key, state: outcome.state });
    // Background Sync answers connectivity: a server in trouble (5xx) is left to the page's back-off instead.
    if (outcome.state === 'waiting' && !outcome.status) askForSync();
  }

  /* ---------- sending ---------- */

  async function heldLocks() {
    if (!global.navigator.locks || !global.navigator.locks.query) return null;
    try {
      const { held } = await global.navigator.locks.query();
      return new Set(held.map((lock) => lock.name));
    } catch (error) {
      return null;
    }
  }

  /** Takes an item to send, unless someone alive is sending it (a page mid-submit, another tab). */
  async function claim(key) {
    const held = await heldLocks();
    return transact('readwrite', async (store) => {
      const item = await done(store.get(key));
      if (!item || item.state === 'refused') return null;
      if (item.state === 'sending') {
        const alive = item.holder === HOLDER ||
          (held ? held.has(HOLDER_LOCK + item.holder) : Date.now() - item.since < STALE_MS);
        if (alive) return null;
      }
      Object.assign(item, { state: 'sending', holder: HOLDER, since: Date.now() });
      store.put(item);
      return item;
    });
  }

  /** A fresh CSRF token and whose session this is; {login} when signed out; null when the server is out of reach. */
  async function session() {
    try {
      const response = await fetch(TOKEN_URL, {
        credentials: 'same-origin', cache: 'no-store', headers: { [HEADER]: '1', Accept: 'application/json' },
      });
      if (response.status === 401) return { login: true };
      if (!response.ok || response.redirected) return null;
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  /** POSTs with upload progress in a page (XMLHttpRequest), with fetch in the service worker. */
  function post(url, body, headers, progress) {
    if (typeof XMLHttpRequest !== 'function') {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
      return fetch(url, { method: 'POST', body, headers, credentials: 'same-origin', signal: abort.signal })
        .then(async (r) => ({ status: r.status, type: r.headers.get('Content-Type') || '', text: await r.text(),
          csrfExpired: Boolean(r.headers.get('X-CSRF-Expired')) }))
        .finally(() => clearTimeout(timer));
    }
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      Object.entries(headers).forEach(([name, value]) => xhr.setRequestHeader(name, value));
      xhr.timeout = SEND_TIMEOUT_MS;
      xhr.upload.onprogress = (event) => progress && event.lengthComputable && progress(event.loaded, event.total);
      xhr.onload = () => resolve({ status: xhr.status, type: xhr.getResponseHeader('Content-Type') || '',
        text: xhr.responseText, csrfExpired: Boolean(xhr.getResponseHeader('X-CSRF-Expired')) });
      xhr.onerror = () => reject(new Error('network'));
      xhr.ontimeout = () => reject(new Error('timeout'));
      xhr.onabort = () => reject(new Error('aborted'));
      xhr.send(body);
    });
  }

  /** What the server's answer means for the item. */
  function outcomeOf(item, answer) {
    const { status } = answer;
    if (status === 200 && answer.type.startsWith('application/json')) {
      let data = {};
      try { data = JSON.parse(answer.text); } catch (error) { data = {}; }
      if (data.saved) {
        if (data.sent === item.photos && data.photos === item.photos) return { state: 'sent', location: data.location };
        return { state: 'refused', status, reason: TEXT.photosShort(data.photos, item.photos) };
      }
    }
    if (status === 401) return { state: 'login', status };
    if (status === 400 && answer.csrfExpired) return { state: 'csrf', status };
    if (status === 0 || status >= 500 || status === 408 || status === 429) return { state: 'waiting', status };
    return { state: 'refused', status, answer: answer.text };
  }

  async function sendOne(item, token) {
    const body = bodyOf(await entriesOf(item.key));
    body.set('csrf_token', token);
    const headers = { 'Idempotency-Key': item.key, 'X-CSRFToken': token, [HEADER]: '1' };
    changed({ key: item.key, state: 'sending', loaded: 0, total: 0 });
    try {
      // Progress is for this page's own bar: heard here only, not sent to every tab at each step.
      const answer = await post(item.action, body, headers,
        (loaded, total) => tell({ key: item.key, state: 'sending', loaded, total }));
      return outcomeOf(item, answer);
    } catch (error) {
      return { state: 'waiting', status: 0 };
    }
  }

  function withLock(name, work) {
    if (!global.navigator.locks) return work();
    return global.navigator.locks.request(name, { ifAvailable: true }, (lock) => (lock ? work() : null));
  }

  // Items that waited for a sign-in go at the next chance: the page sending them has a session again.
  const due = (item, force) => item.state !== 'refused' &&
    (force || item.state === 'login' || !item.next || item.next <= Date.now());

  /** Sends the owner's items in order (every waiting one when `force`, as 立即同步 does); stops at the first that
   * cannot travel, so the order holds. Resolves with what is left: {waiting, refused, login}. */
  async function sendAll({ owner = null, force = false } = {}) {
    let who = owner;
    await withLock(SEND_LOCK, async () => {
      const items = (await list(owner)).filter((item) => due(item, force));
      if (!items.length) return;
      let auth = await session();
      if (!auth) return;
      if (auth.login) {
        await markSignedOut(items);
        return;
      }
      who = auth.user;
      const mine = items.filter((item) => item.owner === who);
      for (const candidate of mine) {
        const item = await claim(candidate.key);
        if (!item) continue;
        let outcome = await sendOne(item, auth.token);
        if (outcome.state === 'csrf') {
          auth = await session();
          outcome = auth && auth.token ? await sendOne(item, auth.token) : { state: 'waiting', status: 400 };
          if (outcome.state === 'csrf') outcome = { state: 'waiting', status: 400 };
        }
        await settle(item, outcome);
        if (outcome.state === 'waiting' || outcome.state === 'login') break;
      }
    });
    return counts(who);
  }

  async function markSignedOut(items) {
    await transact('readwrite', (store) => {
      items.filter((item) => item.state !== 'sending').forEach((item) => store.put({ ...item, state: 'login', next: 0 }));
    });
    changed({});
  }

  async function counts(owner) {
    const items = await list(owner);
    const by = (state) => items.filter((item) => item.state === state).length;
    return { total: items.length, refused: by('refused'), login: by('login'), waiting: items.length - by('refused') };
  }

  global.anbiaoOutbox = {
    keep, settle, drop, list, get, entriesOf, sendAll, counts,
    onChange: (listen) => listeners.add(listen),
    /** When this page should try again: the end of the first back-off, or soon when another page or tab was
     * sending an item as it went away (its claim must lapse first). */
    soonest: async (owner) => Math.min(...(await list(owner)).map((i) => {
      if (i.state === 'waiting') return i.next || 0;
      if (i.state === 'sending' && i.holder !== HOLDER) return Date.now() + 3000;
      return Infinity;
    })),
  };
})(self);
