/* A button that starts long work (an export of thousands of rows) says so while the server works, and is not
 * pressed twice: <button data-busy="正在生成…">. The download arrives without leaving the page, so the button
 * comes back after a while, or as soon as the person returns to the page. */
(() => {
  'use strict';
  const BACK_AFTER_MS = 20 * 1000;

  function restore(button) {
    if (!button.dataset.label) return;
    button.textContent = button.dataset.label;
    delete button.dataset.label;
    button.removeAttribute('aria-disabled');
  }

  document.addEventListener('submit', (event) => {
    const button = event.submitter;
    if (!button || !button.hasAttribute('data-busy')) return;
    if (button.dataset.label) { event.preventDefault(); return; } // already working on it
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.busy;
    button.setAttribute('aria-disabled', 'true');
    setTimeout(() => restore(button), BACK_AFTER_MS);
  });
  window.addEventListener('pageshow', () => document.querySelectorAll('[data-busy]').forEach(restore));
})();
