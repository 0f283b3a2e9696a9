/* A signed-in scan of a sign is presence there. The page sends its hidden presence form through the outbox
 * (offline/outbox.js) as it opens, so a scan made with no signal is kept on the phone and counted once the
 * network is back. GPS goes with it only when the phone already allows it: a scan never greets with a prompt. */
(function () {
  'use strict';

  const FIX_WAIT_MS = 5000;

  async function fix() {
    try {
      if (!navigator.geolocation || !navigator.permissions) return null;
      const allowed = await navigator.permissions.query({ name: 'geolocation' });
      if (allowed.state !== 'granted') return null;
      return await new Promise((resolve) => {
        navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null),
          { enableHighAccuracy: true, timeout: FIX_WAIT_MS, maximumAge: 60000 });
      });
    } catch (error) {
      return null;
    }
  }

  function put(form, name, value) {
    const field = form.querySelector(`input[name="${name}"]`);
    if (field) field.value = value;
  }

  async function send(form) {
    put(form, 'client_time', new Date().toISOString());
    const where = await fix();
    if (where) {
      put(form, 'latitude', where.latitude.toFixed(7));
      put(form, 'longitude', where.longitude.toFixed(7));
      put(form, 'accuracy', String(Math.round(where.accuracy * 10) / 10));
    }
    const body = new FormData(form);
    const box = window.anbiaoOutbox;
    const owner = document.body.getAttribute('data-user');
    const key = body.get('idempotency_key');
    if (box && owner && key) {
      try {
        const kept = await box.keep({ key, owner, action: form.action, page: location.href.split('#')[0],
          title: `到场记录 · ${document.title.replace(/ · 安标巡检$/, '')}`, body });
        await box.settle(kept, { state: 'waiting', status: 0 });
        await box.sendAll({ owner, force: true });
        return;
      } catch (error) { /* no IndexedDB here (private mode): sent directly below */ }
    }
    fetch(form.action, { method: 'POST', body, credentials: 'same-origin' }).catch(() => {});
  }

  function start() {
    const form = document.querySelector('form[data-presence]');
    if (form && !form.dataset.sent) {
      form.dataset.sent = '1';
      send(form);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
