/* 安标巡检 — the risk point form's live assessment.
 *
 * Shows only the chosen method's factor lists and, as values are chosen, the score, its level and its colour,
 * from the thresholds the page carries (data-thresholds, from the library). It is a preview: the server assesses
 * the point again when it is saved. Without this script both methods' lists show and the form works the same.
 */
(() => {
  'use strict';

  const number = (value) => String(Math.round(value * 10000) / 10000);

  function wire(box) {
    const controls = JSON.parse(box.dataset.controls || '{}');
    const names = JSON.parse(box.dataset.colourNames || '{}');
    const result = box.querySelector('[data-risk-result]');
    const parts = Array.from(box.querySelectorAll('[data-method]'));

    function show() {
      const chosen = box.querySelector('input[name=method]:checked');
      parts.forEach((part) => { part.hidden = !chosen || part.dataset.method !== chosen.value; });
      result.className = 'risk-result';
      result.replaceChildren();
      delete result.dataset.colour;
      if (!chosen) { result.hidden = true; return; }
      result.hidden = false;
      const part = parts.find((p) => p.dataset.method === chosen.value);
      const selects = Array.from(part.querySelectorAll('select[data-factor]'));
      const formula = `${part.dataset.symbol} = ${selects.map((s) => s.dataset.factor).join(' × ')}`;
      if (selects.some((s) => s.value === '')) {
        result.textContent = `${formula}：请选择各项分值`;
        return;
      }
      const score = Math.round(selects.reduce((product, s) => product * Number(s.value), 1) * 10000) / 10000;
      const thresholds = JSON.parse(part.dataset.thresholds);
      const level = thresholds.find((t) => score >= t.at_least) || thresholds[thresholds.length - 1];
      const chip = document.createElement('span');
      chip.className = `badge risk-${level.colour}`;
      chip.textContent = `${names[level.colour]} · ${level.name}`;
      result.append(`${part.dataset.symbol} = ${selects.map((s) => s.value).join(' × ')} = ${number(score)} `, chip,
        controls[level.colour] ? ` ${controls[level.colour]}管控` : '');
      result.classList.add(`risk-${level.colour}`);
      result.dataset.colour = level.colour;
    }

    box.addEventListener('change', show);
    show();
  }

  document.querySelectorAll('[data-risk-form]').forEach(wire);
})();
