/* 安标巡检 — saying what is wrong with a form: a box of messages at its top, each reason beside its item or
 * field, and the eye taken to the first one. The same for the checks made here before sending (the form's own
 * constraints, required photos, fill.js's checklist rules) and for a refusal from the server. submit.js calls
 * these; without JavaScript the server's page says the same in the same places.
 */
(() => {
  'use strict';

  if (window.anbiaoReasons) return;

  const TEXT = {
    photoRequired: '请拍照或选照片',
    tooLarge: '照片太大，服务器未接收，尚未提交。请少选几张照片后再点提交。',
    forbidden: '没有权限进行这项操作，尚未提交。',
    serverError: (status) => `服务器暂时出错（${status}），尚未确认提交。内容仍在本页，请稍后再点提交（不会重复保存）。`,
  };

  const named = (root, name) =>
    Array.from(root.querySelectorAll('input, select, textarea')).filter((el) => el.name === name);

  const isPhotoInput = (el) => el instanceof HTMLInputElement && el.type === 'file' && el.hasAttribute('data-photo');

  const isSubmitButton = (el) =>
    (el instanceof HTMLButtonElement && (el.type || 'submit') === 'submit') ||
    (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'image'));

  const squash = (text) => (text || '').replace(/\s+/g, ' ').trim();

  const formFields = (form) => Array.from(form.elements);

  const { fillProblems, spotProblems } = window.anbiaoFill;

  /* ---------- alerts and problems ---------- */

  function alertBox(form) {
    let box = form.querySelector('[data-form-alert]');
    if (!box) {
      box = document.createElement('div');
      box.setAttribute('data-form-alert', '');
      box.setAttribute('role', 'alert');
      box.className = 'flash error';
      const buttons = formFields(form).filter(isSubmitButton);
      const last = buttons[buttons.length - 1];
      if (last && form.contains(last)) last.before(box);
      else form.prepend(box);
    }
    return box;
  }

  function showAlert(form, messages) {
    const box = alertBox(form);
    box.textContent = '';
    if (messages.length === 1) {
      const p = document.createElement('p');
      p.append(messages[0]);
      box.append(p);
    } else {
      const list = document.createElement('ul');
      messages.forEach((message) => {
        const li = document.createElement('li');
        li.append(message);
        list.append(li);
      });
      box.append(list);
    }
    box.hidden = false;
    return box;
  }

  /* ---------- reasons beside the fields ---------- */

  // A refusal is said where the eye is: each reason right beside its item or field, in a box the
  // field's aria-describedby points at, so a screen reader reads it when the field gets focus.
  // Pages may render these boxes (the server fills them on a 422); other forms get them made here.

  let madeSlots = 0;

  const slotsOf = (form) => Array.from(form.querySelectorAll('[data-reasons]'));

  /** Every control that shares an element's name (a radio group's buttons), or the element alone. */
  function sameName(form, el) {
    return el.name ? named(form, el.name) : [el];
  }

  function describe(el, id) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!ids.includes(id)) el.setAttribute('aria-describedby', ids.concat(id).join(' '));
  }

  /** The reasons box of an item (its fieldset) or of a field; made after the field when `make` and none exists. */
  function slotFor(form, el, make = true) {
    const item = el.closest('[data-item]');
    if (item) {
      let slot = item.querySelector('[data-reasons]');
      if (!slot && make) {
        slot = newSlot('');
        (item.querySelector('legend') || item.firstChild).after(slot);
        describe(item, slot.id);
      }
      return slot;
    }
    const name = el.name || '';
    const found = slotsOf(form)
      .find((slot) => slot.getAttribute('data-reasons') === name && !slot.closest('[data-item]'));
    if (found || !make) return found || null;
    const slot = newSlot(name);
    const anchor = (el.type === 'radio' && el.closest('[role=radiogroup]')) || el.closest('.photo-field') ||
      el.closest('label') || el;
    anchor.after(slot);
    sameName(form, el).forEach((field) => describe(field, slot.id));
    return slot;
  }

  function newSlot(name) {
    const slot = document.createElement('div');
    slot.className = 'reasons';
    slot.id = `reasons-made-${(madeSlots += 1)}`;
    slot.setAttribute('data-reasons', name);
    slot.hidden = true;
    return slot;
  }

  /** What a reasons box is about: its item, or the first control of its field. */
  function ownerOf(form, slot) {
    const item = slot.closest('[data-item]');
    if (item) return item;
    const name = slot.getAttribute('data-reasons');
    return (name && named(form, name)[0]) || null;
  }

  function markRefused(form, slot, refused) {
    const owner = ownerOf(form, slot);
    if (!owner) return;
    if (owner.hasAttribute('data-item')) owner.classList.toggle('invalid', refused);
    else sameName(form, owner).forEach((field) => {
      if (refused) field.setAttribute('aria-invalid', 'true');
      else field.removeAttribute('aria-invalid');
    });
  }

  /** Puts these reasons in the box (once each); `fromServer` marks those only the server can take back. */
  function setReasons(form, slot, reasons, fromServer = false) {
    const kept = Array.from(slot.children).filter((p) => p.hasAttribute('data-server') && !fromServer);
    slot.textContent = '';
    const seen = new Set();
    kept.concat(reasons.map((text) => {
      const p = document.createElement('p');
      p.textContent = text;
      if (fromServer) p.setAttribute('data-server', '');
      return p;
    })).forEach((p) => {
      const text = squash(p.textContent);
      if (text && !seen.has(text)) {
        seen.add(text);
        slot.append(p);
      }
    });
    slot.hidden = !slot.children.length;
    markRefused(form, slot, !slot.hidden);
  }

  function clearReasons(form) {
    slotsOf(form).forEach((slot) => {
      slot.textContent = '';
      slot.hidden = true;
      markRefused(form, slot, false);
    });
  }

  const inPageOrder = (a, b) => {
    if (a === b) return 0;
    return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  };

  /** Focus the first refused item or field and bring its reasons into view. */
  function goTo(form, slots) {
    const first = slots.slice().sort(inPageOrder)[0];
    const owner = first && ownerOf(form, first);
    if (!owner) return false;
    if (owner.hasAttribute('data-item') && !owner.hasAttribute('tabindex')) owner.setAttribute('tabindex', '-1');
    owner.focus({ preventScroll: true });
    // The reasons box sits at the top of an item and right after a field: centring it shows both.
    reveal(first);
    return true;
  }

  /** Once something was refused, its reasons follow the edits: a photo chosen takes 请拍照 away at once. */
  function recheck(form, el) {
    const open = slotsOf(form).filter((slot) => !slot.hidden);
    if (!open.length) return;
    // The server's reasons (a photo it could not read) stay until that field's photos change.
    const own = slotFor(form, el, false);
    if (own && isPhotoInput(el)) own.querySelectorAll('[data-server]').forEach((p) => p.remove());
    const found = problems(form);
    // Only boxes already showing are updated: fields not yet refused are not nagged while being filled.
    open.forEach((slot) => {
      const still = found
        .filter((p) => (p.also || [p.target]).some((target) => slotFor(form, target, false) === slot));
      setReasons(form, slot, still.map((p) => p.reason || p.message));
    });
  }

  function clearAlert(form) {
    const box = form.querySelector('[data-form-alert]');
    if (box) {
      box.hidden = true;
      box.textContent = '';
    }
    clearReasons(form);
  }

  function reveal(el) {
    const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView({ block: 'center', behavior: still ? 'auto' : 'smooth' });
  }

  function labelOf(el) {
    // A radio's own label is one choice (一般隐患); the question is the group's.
    if (el.type === 'radio') {
      const group = el.closest('[role=radiogroup][aria-label]');
      if (group) return group.getAttribute('aria-label');
    }
    const label = (el.type !== 'radio' && el.labels && el.labels[0]) || el.closest('fieldset')?.querySelector('legend');
    return label ? squash(label.textContent).replace(/[*＊]\s*$/, '') : '';
  }

  /** The browser's finding on a field, in Chinese words of our own where it is a missing answer. */
  function nativeReason(el, label) {
    if (el.validity.valueMissing) {
      const choose = el.tagName === 'SELECT' || el.type === 'radio' || el.type === 'checkbox';
      return `${choose ? '请选择' : '请填写'}${label || '此项'}`;
    }
    return el.validationMessage;
  }

  function problems(form) {
    const found = [];
    const seen = new Set();
    // The form's own constraints first (required, pattern…), for fields the worker can see.
    const fill = form.hasAttribute('data-fill');
    formFields(form).forEach((el) => {
      if (!el.willValidate || isPhotoInput(el) || el.closest('[hidden]')) return;
      if (fill && el.closest('[data-item]')) return; // the item checks below say it in the checklist's words
      if (el.type === 'radio' && seen.has(el.name)) return;
      seen.add(el.name);
      if (!el.checkValidity()) {
        const label = labelOf(el);
        const reason = nativeReason(el, label);
        const message = el.validity.valueMissing || !label ? reason : `${label}：${reason}`;
        found.push({ target: el, message, reason });
      }
    });
    formFields(form).forEach((el) => {
      if (isPhotoInput(el) && el.required && !el.disabled && !el.closest('[hidden]') && !el.files.length) {
        const label = labelOf(el);
        const reason = TEXT.photoRequired;
        found.push({ target: el, message: label ? `${label}：${reason}` : reason, reason });
      }
    });
    found.push(...spotProblems(form));
    if (fill) found.push(...fillProblems(form));
    return found;
  }

  function report(form, found) {
    // The list at the top reads in the order of the page, like the reasons beside the fields.
    const inOrder = found.slice().sort((a, b) => inPageOrder(a.target, b.target));
    const box = showAlert(form, inOrder.map((p) => p.message));
    const slots = new Map(); // slot -> its reasons, in the order found
    found.forEach((p) => {
      (p.also || [p.target]).forEach((target) => {
        const slot = slotFor(form, target);
        slots.set(slot, (slots.get(slot) || []).concat(p.reason || p.message));
      });
    });
    slots.forEach((reasons, slot) => setReasons(form, slot, reasons));
    if (!goTo(form, Array.from(slots.keys()))) reveal(box);
  }

  /** A refused form's page from the server: its reasons go into this page's boxes of the same id. */
  function placeServerReasons(form, doc) {
    const placed = [];
    doc.querySelectorAll('[data-reasons][id]').forEach((fresh) => {
      const reasons = Array.from(fresh.children, (p) => squash(p.textContent)).filter(Boolean);
      if (fresh.hidden || !reasons.length) return;
      const slot = slotsOf(form).find((el) => el.id === fresh.id);
      if (!slot) return;
      setReasons(form, slot, reasons, true);
      placed.push(slot);
    });
    return placed;
  }

  /* ---------- the server's refusal ---------- */

  function serverMessages(doc) {
    // A listed alert (未提交，请修改： + one <li> per problem) gives one line per problem.
    const alerts = Array.from(doc.querySelectorAll('[role=alert]'))
      .filter((el) => !el.closest('[hidden]'))
      .flatMap((el) => {
        const items = el.querySelectorAll('li');
        return items.length ? Array.from(items, (li) => squash(li.textContent)) : [squash(el.textContent)];
      })
      .filter(Boolean);
    if (alerts.length) return Array.from(new Set(alerts));
    const parts = [doc.querySelector('main h1'), doc.querySelector('main p')]
      .map((el) => el && squash(el.textContent))
      .filter(Boolean);
    return parts.length ? [parts.join('：')] : null;
  }

  function fallbackMessage(status) {
    if (status === 413) return TEXT.tooLarge;
    if (status === 403) return TEXT.forbidden;
    return TEXT.serverError(status);
  }

  /** A refusal shown on the form: the server's words at the top, its reasons beside their fields. */
  function showRefusal(form, status, doc) {
    const box = showAlert(form, (doc && serverMessages(doc)) || [fallbackMessage(status)]);
    if (!doc || !goTo(form, placeServerReasons(form, doc))) reveal(box);
  }

  window.anbiaoReasons = { showAlert, clearAlert, problems, report, recheck, reveal, showRefusal };
})();
