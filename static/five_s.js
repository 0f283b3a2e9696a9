/* 安标巡检 — the 5S scoring form (templates/five_s/score.html): the running total; a deduction's note, photo and
 * 列为隐患 shown, and required, only when points are taken; the person's name only when a person is scored; and the
 * hint to raise a hazard once the total falls below the standard's threshold. submit.js sends the form through the
 * outbox; without this script every field shows and the server checks the same rules.
 */
(() => {
  'use strict';

  if (window.anbiaoFiveS) return;

  const TEXT = {
    total: (total, full) => `得分 ${total} 分（满分 ${full}）`,
    notNumber: (max) => `扣分请填数字：0 到 ${max} 分`,
    range: (max) => `扣分应在 0 到 ${max} 分之间`,
    step: '扣分按 0.5 分一档，如 1、1.5、2',
  };

  const shown = (n) => String(Math.round(n * 10) / 10);

  /** The points an input takes off, or the reason it cannot be read; an empty input takes none. */
  function deduction(input) {
    const max = Number(input.closest('[data-points]').getAttribute('data-points'));
    const text = input.value.trim();
    if (input.validity.badInput) return { message: TEXT.notNumber(max) };
    if (!text) return { points: 0 };
    const value = Number(text);
    if (!Number.isFinite(value)) return { message: TEXT.notNumber(max) };
    if (value < 0 || value > max) return { message: TEXT.range(max) };
    if (Math.round(value * 2) !== value * 2) return { message: TEXT.step };
    return { points: value };
  }

  function syncItem(item) {
    const input = item.querySelector('[data-deduct]');
    const found = deduction(input);
    // Our words, not the browser's, for a number out of range (reasons.js shows them beside the item).
    input.setCustomValidity(found.message || '');
    const deducted = Boolean(found.points);
    item.classList.toggle('deducted', deducted);
    const block = item.querySelector('[data-when-deducted]');
    block.hidden = !deducted;
    // Hidden, not cleared: the note and photos come back if the points are typed again.
    block.querySelector('textarea').required = deducted;
    block.querySelector('input[data-photo]').required = deducted;
    const raise = block.querySelector('[data-raise]');
    const raised = block.querySelector('[data-when-raised]');
    raised.hidden = !raise.checked;
    raised.querySelector('select').required = deducted && raise.checked;
    return found.points || 0;
  }

  function sync(form) {
    const full = Number(form.getAttribute('data-full'));
    let taken = 0;
    form.querySelectorAll('[data-item]').forEach((item) => { taken += syncItem(item); });
    const person = form.querySelector('[data-when-person]');
    const whom = Array.from(form.querySelectorAll('input[name="whom"]')).find((el) => el.checked);
    if (person) {
      person.hidden = !(whom && whom.value === 'person');
      person.querySelector('input[name="person"]').required = !person.hidden;
    }
    const total = full - taken;
    form.querySelectorAll('[data-five-s-total]').forEach((out) => { out.textContent = TEXT.total(shown(total), full); });
    const low = form.querySelector('[data-five-s-low]');
    const below = form.getAttribute('data-below');
    if (low && below !== null) low.hidden = !(total < Number(below));
  }

  const all = () => document.querySelectorAll('form[data-five-s]');

  function onEdit(event) {
    const form = event.target && event.target.form;
    if (form && form.hasAttribute('data-five-s')) sync(form);
  }
  document.addEventListener('input', onEdit);
  document.addEventListener('change', onEdit);
  // Back to a page kept in memory, or inputs the browser refilled: the blocks and the total follow them.
  window.addEventListener('pageshow', () => all().forEach(sync));

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => all().forEach(sync));
  else all().forEach(sync);

  window.anbiaoFiveS = { sync };
})();
