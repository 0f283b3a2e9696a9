/* The offline page: lists the pages this phone keeps (the service worker's page cache), newest first, with
 * their titles and when each was last fetched. */
(() => {
  'use strict';
  const list = document.querySelector('[data-ready-list]');
  const empty = document.querySelector('[data-ready-empty]');
  if (!list || !('caches' in window)) return;
  const clock = (ms) => new Date(ms).toLocaleString('zh-CN', { month: 'numeric', day: 'numeric', hour: '2-digit',
    minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });
  (async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith('anbiao-pages-'));
    const pages = [];
    for (const name of names) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const kept = await cache.match(request);
        pages.push({ url: new URL(request.url), at: Number(kept.headers.get('X-Anbiao-Cached-At')) || 0,
          title: decodeURIComponent(kept.headers.get('X-Anbiao-Title') || '') });
      }
    }
    pages.sort((a, b) => b.at - a.at);
    for (const page of pages) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = page.url.pathname + page.url.search;
      link.textContent = page.title.replace(/ · 安标巡检$/, '') || page.url.pathname;
      const when = document.createElement('small');
      when.textContent = ` 更新于 ${clock(page.at)}`;
      item.append(link, when);
      list.append(item);
    }
    if (empty) empty.hidden = pages.length > 0;
  })();
})();
