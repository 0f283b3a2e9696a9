/* 安标巡检 — where a form was filled: the phone's GPS fix in its latitude, longitude and accuracy fields.
 *
 * Where the inspection was made is evidence, but never a reason to nag: the phone is asked only once the worker
 * acts (answers, types, takes a photo, taps 提交), never when a page opens, so no location prompt greets them.
 * submit.js waits for the fix (only so long) before sending; without this script the form goes without one.
 */
(() => {
  'use strict';

  if (window.anbiaoLocate) return;

  // How long 提交 waits for the phone's location (its prompt, then its GPS) before sending without it.
  const LOCATE_WAIT_MS = 10 * 1000;

  const named = (root, name) =>
    Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => el.name === name);

  const isPhotoInput = (el) => el instanceof HTMLInputElement && el.type === 'file' && el.hasAttribute('data-photo');

  const locating = new WeakMap(); // form -> its fix being asked for
  const started = new WeakSet(); // forms the worker has begun to fill

  /** Puts the phone's GPS fix in the form's fields; settles when the phone answers (or cannot). */
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
  }
  document.addEventListener('change', onEdit);
  document.addEventListener('input', onEdit);

  window.anbiaoLocate = { located };
})();
