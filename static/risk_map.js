/* 安标巡检 — placing risk points on the floor plan by touch (templates/risk_maps/show.html).
 *
 * Choose a point, then tap the plan: in 标位置 the marker goes where the thumb touched (the form's hidden x, y get
 * the spot as fractions of the plan); in 画区域 each tap adds a corner of the zone (the hidden zone gets them as
 * JSON). The buttons send the form through submit.js and the outbox like every form; the server checks every
 * number again. The page's main is swapped after each save, so everything here listens on the document.
 */
(() => {
  'use strict';

  if (window.anbiaoRiskMap) return;
  window.anbiaoRiskMap = true;

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const TEXT = {
    choose: '请先在上面选择一个风险点，再点图。',
    place: '点图上风险点所在的地方，再点“保存位置”。',
    placed: (x, y) => `已点在从左 ${x}%、从上 ${y}% 处；不对就再点一次，对了点“保存位置”。`,
    zone: '依次点区域的各个角（至少 3 个），再点“完成区域”。',
    corners: (n) => (n < 3 ? `已点 ${n} 个角，至少还要 ${3 - n} 个。` : `已点 ${n} 个角；点完了就点“完成区域”。`),
  };
  const PREVIEW = '#0b5cab';

  const forms = new WeakMap(); // form -> { mode, corners }

  function stateOf(form) {
    if (!forms.has(form)) {
      const pressed = form.querySelector('[data-map-mode][aria-pressed="true"]');
      forms.set(form, { mode: pressed ? pressed.getAttribute('data-map-mode') : 'place', corners: [] });
    }
    return forms.get(form);
  }

  const field = (form, name) => form.querySelector(`input[name="${name}"]`);
  const percent = (fraction) => Math.round(fraction * 1000) / 10;

  function say(form, text) {
    const status = form.querySelector('[data-map-status]');
    if (status) status.textContent = text;
  }

  /** Where on the plan a tap landed, as fractions of its width and height (the viewBox is the plan). */
  function spot(svg, event) {
    const matrix = svg.getScreenCTM();
    if (!matrix) return null;
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const at = point.matrixTransform(matrix.inverse());
    const box = svg.viewBox.baseVal;
    const clamp = (value) => Math.min(1, Math.max(0, value));
    return [clamp(at.x / box.width), clamp(at.y / box.height)];
  }

  function make(name, attributes) {
    const el = document.createElementNS(SVG_NS, name);
    Object.entries(attributes).forEach(([key, value]) => el.setAttribute(key, String(value)));
    return el;
  }

  /** The tap's marker, or the zone being drawn, over the plan (attributes only: the CSP allows no inline style). */
  function draw(form) {
    const svg = form.querySelector('svg[data-risk-map]');
    const layer = svg && svg.querySelector('[data-map-preview]');
    if (!layer) return;
    layer.textContent = '';
    const box = svg.viewBox.baseVal;
    const state = stateOf(form);
    const r = box.width / 45;
    if (state.mode === 'place') {
      const x = parseFloat(field(form, 'x').value);
      const y = parseFloat(field(form, 'y').value);
      if (Number.isFinite(x) && Number.isFinite(y)) {
        layer.append(make('circle', { cx: x * box.width, cy: y * box.height, r, fill: 'none', stroke: PREVIEW,
          'stroke-width': r / 3, 'data-preview': 'place' }));
        layer.append(make('circle', { cx: x * box.width, cy: y * box.height, r: r / 4, fill: PREVIEW }));
      }
      return;
    }
    const points = state.corners.map(([x, y]) => `${x * box.width},${y * box.height}`).join(' ');
    if (state.corners.length > 1) {
      layer.append(make(state.corners.length > 2 ? 'polygon' : 'polyline', {
        points, fill: state.corners.length > 2 ? PREVIEW : 'none', 'fill-opacity': 0.2, stroke: PREVIEW,
        'stroke-width': r / 4, 'stroke-dasharray': `${r / 2} ${r / 3}`, 'data-preview': 'zone' }));
    }
    state.corners.forEach(([x, y]) => {
      layer.append(make('circle', { cx: x * box.width, cy: y * box.height, r: r / 2.5, fill: PREVIEW,
        stroke: '#ffffff', 'stroke-width': r / 8 }));
    });
  }

  function setMode(form, mode) {
    const state = stateOf(form);
    state.mode = mode;
    form.querySelectorAll('[data-map-mode]').forEach((button) => {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-map-mode') === mode));
    });
    const undo = form.querySelector('[data-map-undo]');
    if (undo) undo.hidden = mode !== 'zone' || !state.corners.length;
    say(form, mode === 'zone' ? (state.corners.length ? TEXT.corners(state.corners.length) : TEXT.zone) : TEXT.place);
    draw(form);
  }

  function keepCorners(form) {
    const state = stateOf(form);
    field(form, 'zone').value = state.corners.length ? JSON.stringify(state.corners) : '';
    const undo = form.querySelector('[data-map-undo]');
    if (undo) undo.hidden = !state.corners.length;
    say(form, state.corners.length ? TEXT.corners(state.corners.length) : TEXT.zone);
    draw(form);
  }

  function tapped(svg, event) {
    const form = svg.closest('form[data-map-form]');
    if (!form) return;
    const chosen = form.querySelector('select[name="point_id"]');
    if (chosen && !chosen.value) {
      say(form, TEXT.choose);
      chosen.focus();
      return;
    }
    const at = spot(svg, event);
    if (!at) return;
    const [x, y] = at.map((value) => Math.round(value * 10000) / 10000);
    const state = stateOf(form);
    if (state.mode === 'zone') {
      state.corners.push([x, y]);
      keepCorners(form);
      return;
    }
    field(form, 'x').value = String(x);
    field(form, 'y').value = String(y);
    say(form, TEXT.placed(percent(x), percent(y)));
    draw(form);
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const mode = target.closest('[data-map-mode]');
    if (mode && mode.form) {
      setMode(mode.form, mode.getAttribute('data-map-mode'));
      return;
    }
    const undo = target.closest('[data-map-undo]');
    if (undo && undo.form) {
      stateOf(undo.form).corners.pop();
      keepCorners(undo.form);
      return;
    }
    const svg = target.closest('svg[data-risk-map]');
    if (svg) tapped(svg, event);
  });

  // Another point chosen: what was tapped for the last one no longer applies.
  document.addEventListener('change', (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || select.name !== 'point_id') return;
    const form = select.closest('form[data-map-form]');
    if (!form) return;
    field(form, 'x').value = '';
    field(form, 'y').value = '';
    stateOf(form).corners = [];
    keepCorners(form);
    setMode(form, stateOf(form).mode);
  });

  /** Show the mode buttons (without this script the page offers the typed percentages instead). */
  function wake() {
    document.querySelectorAll('form[data-map-form]').forEach((form) => {
      const modes = form.querySelector('[data-map-modes]');
      if (!modes || !modes.hidden) return;
      modes.hidden = false;
      setMode(form, stateOf(form).mode);
    });
  }

  // submit.js swaps in the saved page's <main>: wake its form too.
  new MutationObserver(wake).observe(document.body, { childList: true });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wake);
  else wake();
})();
