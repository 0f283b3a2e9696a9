/* 安标巡检 — picking items for a workshop register or a post card: a select-all box per aspect group
 * and how many are picked, per group and in all. Without this script the page shows the same plain
 * checkboxes and posts them as they are.
 */
(() => {
  'use strict';

  const form = document.querySelector('form[data-derive]');
  if (!form || form.hasAttribute('data-derive-ready')) return;
  form.setAttribute('data-derive-ready', '');

  const TEXT = {
    group: (on, all) => `已选 ${on}/${all}`,
    total: (picked, own) => (own ? `已选 ${picked} 条，另加自填 ${own} 条` : `已选 ${picked} 条`),
  };

  const itemsOf = (group) =>
    Array.from(group.querySelectorAll('input[type=checkbox]:not([data-select-all])'));

  function sync() {
    let picked = 0;
    form.querySelectorAll('[data-group]').forEach((group) => {
      const items = itemsOf(group);
      const on = items.filter((box) => box.checked).length;
      picked += on;
      const all = group.querySelector('[data-select-all]');
      all.checked = items.length > 0 && on === items.length;
      all.indeterminate = on > 0 && on < items.length;
      group.querySelector('[data-group-count]').textContent = TEXT.group(on, items.length);
    });
    // A risk point's measures are items too, picked outside the aspect groups.
    picked += form.querySelectorAll('input[name=measure]:checked').length;
    const own = Array.from(form.querySelectorAll('input[name=own_content]'))
      .filter((input) => input.value.trim()).length;
    form.querySelector('[data-pick-total]').textContent = TEXT.total(picked, own);
  }

  form.addEventListener('change', (event) => {
    const all = event.target.closest('[data-select-all]');
    if (all) {
      itemsOf(all.closest('[data-group]')).forEach((box) => { box.checked = all.checked; });
    }
    sync();
  });
  form.addEventListener('input', (event) => {
    if (event.target.name === 'own_content') sync();
  });

  form.querySelectorAll('[data-js]').forEach((el) => { el.hidden = false; });
  sync();
})();
