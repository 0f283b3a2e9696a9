/* Printing pages (label sheets, one label, posters): the 打印 button opens the browser's print dialog. A file, not
 * an onclick attribute, because the Content-Security-Policy allows no inline script. */
(() => {
  'use strict';
  document.querySelectorAll('[data-print]').forEach((button) => {
    button.addEventListener('click', () => window.print());
  });
})();
