/* 安标巡检 service worker, served at /sw.js with scope /. The server writes VERSION and PRECACHE above this
 * file (anbiao/views/offline.py): VERSION changes whenever any static file, this file or the offline page does.
 *
 * - Static files have content-hashed URLs: precached at install, then answered from the cache.
 * - Page navigations go to the network, waiting NETWORK_WAIT_MS; then to the copy kept from the last visit,
 *   with a banner 「离线 · 页面更新于 HH:MM」; then to the offline page, which lists what is ready offline.
 * - Only navigations are kept and only navigations are answered from the kept pages, so a fragment htmx
 *   fetched is never served as a page. Every cache belongs to one VERSION: a new release fetches its own files
 *   and pages and deletes the old caches, so an old page never loads new scripts or the reverse.
 * - Signing out, or the sign-in page opened online, clears the kept pages: the next person on a shared phone
 *   never sees the last one's pages.
 * - The outbox lives in the page (IndexedDB, offline/outbox.js), not here: iOS WeChat has no service worker at
 *   all. Where the browser has Background Sync, this worker also sends it, even with no page open.
 */
'use strict';

importScripts(OUTBOX_SCRIPT); // the server writes its hashed address above this file

self.addEventListener('sync', (event) => {
  if (event.tag !== 'anbiao-outbox') return;
  // The browser fires this when the network is back: no reason to wait out a back-off. Still waiting (the
  // network went again): failing the sync makes the browser try again later.
  event.waitUntil(self.anbiaoOutbox.sendAll({ force: true }).then((left) => {
    if (left && left.waiting) throw new Error('items still waiting');
  }));
});

const STATIC_CACHE = `anbiao-static-${VERSION}`;
const PAGE_CACHE = `anbiao-pages-${VERSION}`;
const OFFLINE_URL = '/offline';
const NETWORK_WAIT_MS = 4000;
const CACHED_AT = 'X-Anbiao-Cached-At';
const TITLE = 'X-Anbiao-Title';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll([...PRECACHE, OFFLINE_URL]);
    // The pages the last release kept name its old files: this release fetches them again for itself, while
    // the old worker still serves; those the network cannot give now wait for their next visit.
    const pages = await caches.open(PAGE_CACHE);
    for (const name of (await caches.keys()).filter((n) => n.startsWith('anbiao-pages-') && n !== PAGE_CACHE)) {
      for (const request of await (await caches.open(name)).keys()) {
        try {
          const response = await fetch(request.url, { credentials: 'same-origin' });
          if (keepable(response) && !response.redirected) await pages.put(request.url, await stamped(response));
        } catch (error) { /* offline now */ }
      }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    const old = names.filter((name) => name.startsWith('anbiao-') && name !== STATIC_CACHE && name !== PAGE_CACHE);
    await Promise.all(old.map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

/** A page worth keeping: a whole HTML page that answered 200 where it was asked, not the sign-in page. */
function keepable(response) {
  if (!response || response.status !== 200 || response.type === 'opaque') return false;
  const url = new URL(response.url);
  if (url.origin !== self.location.origin || url.pathname === '/login') return false;
  return (response.headers.get('Content-Type') || '').startsWith('text/html');
}

/** A copy of a page response carrying when it was kept and its title, for the banner and the offline list. */
async function stamped(response) {
  const body = await response.text();
  const headers = new Headers(response.headers);
  headers.set(CACHED_AT, String(Date.now()));
  const title = /<title>([^<]*)<\/title>/.exec(body);
  headers.set(TITLE, encodeURIComponent(title ? title[1].trim() : ''));
  return new Response(body, { status: 200, headers });
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false,
    timeZone: 'Asia/Shanghai' });
}

/** A kept page as it is shown offline: the banner first in <main>, and every form with a new idempotency key,
 * so a card kept once and filled twice is two inspections, never one refused as a repeat. */
async function offlineCopy(kept) {
  let body = await kept.text();
  const at = Number(kept.headers.get(CACHED_AT)) || Date.now();
  const banner = `<p class="flash offline" role="status" data-offline-copy>离线 · 页面更新于 ${clock(at)}</p>`;
  body = body.replace(/<main([^>]*)>/, (main) => `${main}\n${banner}`);
  body = body.replace(/(name="idempotency_key" value=")[^"]*"/g, () => `name="idempotency_key" value="${crypto.randomUUID()}"`);
  const headers = new Headers(kept.headers);
  headers.delete('Content-Length');
  headers.delete('Content-Encoding');
  return new Response(body, { status: 200, headers });
}

async function fromNetworkOrKept(event) {
  const request = event.request;
  const pages = await caches.open(PAGE_CACHE);
  const network = fetch(request).then(async (response) => {
    if (keepable(response) && !response.redirected) await pages.put(request.url, await stamped(response.clone()));
    return response;
  });
  event.waitUntil(network.catch(() => null)); // a late answer still refreshes the kept copy
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), NETWORK_WAIT_MS); });
  const answer = await Promise.race([network.catch(() => null), late]);
  clearTimeout(timer);
  if (answer) return answer;
  const kept = await pages.match(request.url);
  if (kept) return offlineCopy(kept);
  return (await caches.match(OFFLINE_URL)) || Response.error();
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && url.pathname === '/logout') {
    event.waitUntil(caches.delete(PAGE_CACHE));
    return;
  }
  if (request.method !== 'GET') return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(caches.match(request).then((found) => found || fetch(request)));
    return;
  }
  if (request.mode !== 'navigate') return; // fragments, photos, downloads: always the network
  if (url.pathname === '/login') {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) event.waitUntil(caches.delete(PAGE_CACHE)); // someone is about to sign in
      return response;
    }).catch(async () => (await caches.match(OFFLINE_URL)) || Response.error()));
    return;
  }
  event.respondWith(fromNetworkOrKept(event));
});

/* ---- 离线准备 (offline/prepare.js) ------------------------------------------------------------------------
 * The home page sends {type: 'keep', url} for each page of the day and a MessageChannel port; this fetches the
 * page with the person's cookies and keeps it as a visit would, then answers {ok} on the port. A page that
 * answers with the sign-in page, an error or a redirect is not kept: the list then says 未能准备, not ready. */
async function keepForToday(address) {
  try {
    const url = new URL(address, self.location.origin);
    if (url.origin !== self.location.origin) return false;
    const response = await fetch(url.href, { credentials: 'same-origin' });
    if (!keepable(response) || response.redirected) return false;
    await (await caches.open(PAGE_CACHE)).put(url.href, await stamped(response));
    return true;
  } catch (error) {
    return false; // the network went while preparing
  }
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  if (data.type !== 'keep' || !port) return;
  event.waitUntil(keepForToday(String(data.url)).then((ok) => port.postMessage({ ok })));
});
/* ---- end of 离线准备 ---- */
