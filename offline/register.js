/* Installs the service worker (offline/sw.js, served at /sw.js) once the page has loaded, so its first
 * download of the app's files never competes with the page itself on a weak link. */
(() => {
  'use strict';
  if (!('serviceWorker' in navigator)) return; // iOS WeChat: no service worker; the outbox still works
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => { /* private mode and the like */ });
  });
})();
