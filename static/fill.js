/* 安标巡检 — filling a checklist on a phone: what shows, the progress count, and the checks before
 * sending (every item answered; a failed item needs its description, photo, category and level;
 * 立行立改 only for 一般隐患 and with an after photo). submit.js calls these; without JavaScript the
 * same fields are all visible and the server checks the same rules.
 */
(() => {
  'use strict';

  if (window.anbiaoFill) return;

  const TEXT = {
    unanswered: (k) => `还有 ${k} 项未作答`,
    unansweredItem: '此项未作答：请选合格、不合格或不适用', // the server's words for the same
    hazard: (i, what) => `第 ${i} 项不合格：${what}`,
    noDescription: '请填写隐患描述',
    noPhoto: '请拍照',
    noCategory: '请选择隐患类别',
    noLevel: '请选择一般或重大',
    item: (i, what) => `第 ${i} 项：${what}`,
    majorOnSpot: '重大隐患不能立行立改，须列入整改',
    noAfterPhoto: '立行立改须上传整改后照片',
    progress: (n, total) => `已答 ${n} / ${total} 项`,
  };

  const named = (root, name) =>
    Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => el.name === name);

  const checkedValue = (root, name) => {
    const on = named(root, name).find((el) => el.checked);
    return on ? on.value : '';
  };

  const items = (form) => Array.from(form.querySelectorAll('[data-item]'));

  function syncItem(fieldset) {
    const id = fieldset.getAttribute('data-item');
    const result = checkedValue(fieldset, `result_${id}`);
    fieldset.classList.toggle('answered', Boolean(result));
    fieldset.classList.toggle('is-hazard', result === 'hazard');
    // Hidden, not cleared: a worker who taps 合格 by mistake gets the description and photos back.
    fieldset.querySelectorAll('[data-when-hazard]').forEach((block) => { block.hidden = result !== 'hazard'; });
  }

  /** The 立行立改 checkbox a [data-when-on-the-spot] block belongs to: its item's, or the form's own. */
  function spotBox(block, form) {
    const item = block.closest('[data-item]');
    return named(item || form, item ? `on_the_spot_${item.getAttribute('data-item')}` : 'on_the_spot')[0];
  }

  function syncSpots(form) {
    form.querySelectorAll('[data-when-on-the-spot]').forEach((block) => {
      const box = spotBox(block, form);
      block.hidden = !(box && box.checked);
    });
  }

  function syncProgress(form) {
    const all = items(form);
    const answered = all.filter((fs) => checkedValue(fs, `result_${fs.getAttribute('data-item')}`)).length;
    form.querySelectorAll('[data-progress]').forEach((out) => { out.textContent = TEXT.progress(answered, all.length); });
  }

  function syncFill(form) {
    items(form).forEach(syncItem);
    syncProgress(form);
  }

  /** What stops a card going out: { target item, message naming it for the list, reason said beside it, also }. */
  function fillProblems(form) {
    const problems = [];
    const unanswered = [];
    items(form).forEach((fs, index) => {
      const id = fs.getAttribute('data-item');
      const n = index + 1;
      const result = checkedValue(fs, `result_${id}`);
      if (!result) {
        unanswered.push(fs);
        return;
      }
      if (result !== 'hazard') return;
      // `message` names the item for the list at the top; `reason` is said beside the item itself.
      const add = (wrap, reason) => problems.push({ target: fs, message: wrap(n, reason), reason });
      const description = named(fs, `description_${id}`)[0];
      if (description && !description.value.trim()) add(TEXT.hazard, TEXT.noDescription);
      const photos = named(fs, `photos_${id}`)[0];
      if (photos && !photos.files.length) add(TEXT.hazard, TEXT.noPhoto);
      const category = named(fs, `category_${id}`)[0];
      if (category && !category.value) add(TEXT.hazard, TEXT.noCategory);
      const level = checkedValue(fs, `level_${id}`);
      if (named(fs, `level_${id}`).length && !level) add(TEXT.hazard, TEXT.noLevel);
      const spot = named(fs, `on_the_spot_${id}`)[0];
      if (spot && spot.checked) {
        if (level === 'major') add(TEXT.item, TEXT.majorOnSpot);
        const after = named(fs, `after_photos_${id}`)[0];
        if (after && !after.files.length) add(TEXT.item, TEXT.noAfterPhoto);
      }
    });
    if (unanswered.length) {
      const message = TEXT.unanswered(unanswered.length);
      problems.unshift({ target: unanswered[0], message, reason: TEXT.unansweredItem, also: unanswered });
    }
    return problems;
  }

  /** The same 立行立改 rules on a single-hazard form (report a hazard): fields without an item id. */
  function spotProblems(form) {
    const spot = named(form, 'on_the_spot')[0];
    if (!spot || !spot.checked || spot.closest('[data-item]')) return [];
    const found = [];
    if (checkedValue(form, 'level') === 'major') found.push({ target: spot, message: TEXT.majorOnSpot });
    const after = named(form, 'after_photos')[0];
    if (after && !after.files.length) found.push({ target: after, message: TEXT.noAfterPhoto });
    return found;
  }

  window.anbiaoFill = { syncItem, syncSpots, syncProgress, syncFill, fillProblems, spotProblems };
})();
