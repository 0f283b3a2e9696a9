/* 安标巡检 — photos shrunk on the phone before they travel over weak 4G.
 *
 * Scale while decoding, never through a full-resolution canvas (iOS caps canvases at 16.7 MP and
 * 48 MP photos fail); browsers already apply EXIF rotation, so nothing is rotated here. The
 * original's EXIF APP1 segment is kept beside each shrunk copy, because the re-encode drops the
 * capture time and GPS that evidence needs; the server reads them from it. Also the previews of the
 * photos picked, which add up one shot at a time.
 */
(() => {
  'use strict';

  if (window.anbiaoPhoto) return;

  const TEXT = {
    photo: (i) => `照片 ${i}`,
    noPreview: (i) => `照片 ${i}（无法预览，仍会上传）`,
    clearPhotos: '清除照片，重新拍',
    chosen: (n) => (n ? `已选 ${n} 张` : ''),
  };

  const MAX_SIDE = 1600;
  const JPEG_QUALITY = 0.85;
  const KEEP_ORIGINAL_BELOW = 1.5 * 1024 * 1024;
  // An Exif APP1 is at most 64 KB and comes first or right after APP0 / an ICC profile.
  const HEAD_BYTES = 256 * 1024;

  /* ---------- EXIF ---------- */

  function asBytes(buffer) {
    if (buffer instanceof Uint8Array) return buffer;
    if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    return new Uint8Array(buffer);
  }

  function isExifPayload(bytes, at) {
    // "Exif\0\0": an APP1 can also be XMP, which carries no capture time the server reads.
    return bytes[at] === 0x45 && bytes[at + 1] === 0x78 && bytes[at + 2] === 0x69 && bytes[at + 3] === 0x66 &&
      bytes[at + 4] === 0 && bytes[at + 5] === 0;
  }

  /** The whole Exif APP1 segment (from its 0xFFE1 marker) of a JPEG, or null. */
  function extractApp1(buffer) {
    const bytes = asBytes(buffer);
    if (bytes.length < 4 || bytes[0] !== 0xFF || bytes[1] !== 0xD8) return null;
    let i = 2;
    while (i + 4 <= bytes.length) {
      if (bytes[i] !== 0xFF) return null;
      const marker = bytes[i + 1];
      if (marker === 0xFF) { i += 1; continue; } // fill byte before a marker
      if (marker === 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { i += 2; continue; } // no length field
      if (marker === 0xDA || marker === 0xD9) return null; // image data starts: metadata is all before it
      const length = (bytes[i + 2] << 8) | bytes[i + 3];
      if (length < 2) return null;
      const end = i + 2 + length;
      if (marker === 0xE1 && length >= 8 && isExifPayload(bytes, i + 4)) {
        return end <= bytes.length ? bytes.slice(i, end) : null;
      }
      i = end;
    }
    return null;
  }

  function readBytes(blob) {
    if (blob.arrayBuffer) return blob.arrayBuffer();
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsArrayBuffer(blob);
    });
  }

  /* ---------- shrinking photos ---------- */

  // A 16×8 JPEG, left half red, right half blue, tagged Orientation=6 (shown as 8×16, red on top).
  // Browsers differ in whether resizing and EXIF rotation are honoured together, and a photo turned
  // twice or squashed is worse than a big one, so each phone proves what it does once.
  const PROBE_JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAAAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAAIABADAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD50r8MP9UzwKv9xj/HQ//Z';

  function bitmapOptions(width, height) {
    return { resizeWidth: width, resizeHeight: height, resizeQuality: 'high', imageOrientation: 'from-image' };
  }

  /** Loads a blob into an <img>; resolves once its size is known, without forcing a full decode. */
  function loadImage(blob) {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    return new Promise((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('undecodable image'));
      img.src = url;
    }).then(() => {
      // naturalWidth/Height already follow the EXIF orientation. img.decode() is not awaited: it
      // would decode all 48 MP (≈190 MB) just to learn a size the load already gave.
      if (!img.naturalWidth || !img.naturalHeight) throw new Error('undecodable image');
      return { img, url };
    }, (error) => {
      URL.revokeObjectURL(url);
      throw error;
    });
  }

  function isUpright(source, width, height) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    try {
      const ctx = canvas.getContext('2d');
      ctx.drawImage(source, 0, 0, width, height);
      const px = ctx.getImageData(0, 0, width, height).data;
      const at = (x, y) => (y * width + x) * 4;
      const topRight = at(width - 1, 0);
      const bottomLeft = at(0, height - 1);
      return px[topRight] > 160 && px[topRight + 2] < 96 && px[bottomLeft + 2] > 160 && px[bottomLeft] < 96;
    } catch (error) {
      return false;
    } finally {
      canvas.width = canvas.height = 0;
    }
  }

  async function detectMethod() {
    const raw = atob(PROBE_JPEG);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    const blob = new Blob([bytes], { type: 'image/jpeg' });
    const { img, url } = await loadImage(blob);
    try {
      // Target sizes come from naturalWidth/Height, so they must already be the upright ones.
      if (img.naturalWidth !== 8 || img.naturalHeight !== 16) return null;
      if (typeof createImageBitmap === 'function') {
        try {
          const bitmap = await createImageBitmap(blob, bitmapOptions(4, 8));
          const ok = bitmap.width === 4 && bitmap.height === 8 && isUpright(bitmap, 4, 8);
          if (bitmap.close) bitmap.close();
          if (ok) return 'bitmap';
        } catch (error) { /* options not understood: try the <img> route */ }
      }
      // Second best: draw the decoded <img> straight onto the small canvas. The canvas never exceeds
      // 1600 px, so iOS's 16.7 MP canvas cap is not reached; the browser decodes as it draws.
      return isUpright(img, 4, 8) ? 'image' : null;
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  let method = null;
  function scalingMethod() {
    if (!method) method = detectMethod().catch(() => null);
    return method;
  }

  async function draw(how, file, img, width, height) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    let bitmap = null;
    try {
      const ctx = canvas.getContext('2d');
      if (!ctx) return null;
      ctx.fillStyle = '#fff'; // transparent parts of a PNG become white, not black, in a JPEG
      ctx.fillRect(0, 0, width, height);
      if (how === 'bitmap') {
        // Scaled while decoding: the full-resolution image never exists as pixels in the page.
        bitmap = await createImageBitmap(file, bitmapOptions(width, height));
        if (bitmap.width !== width || bitmap.height !== height) return null;
        ctx.drawImage(bitmap, 0, 0);
      } else {
        ctx.imageSmoothingEnabled = true;
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(img, 0, 0, width, height);
      }
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
      return blob && blob.type === 'image/jpeg' ? blob : null;
    } finally {
      if (bitmap && bitmap.close) bitmap.close();
      canvas.width = canvas.height = 0; // iOS holds canvas memory until collected; give it back now
    }
  }

  async function shrinkNow(file) {
    const asIs = { blob: file, exif: new Blob([]), resized: false };
    const head = asBytes(await readBytes(file.slice(0, HEAD_BYTES)));
    const jpeg = head[0] === 0xFF && head[1] === 0xD8 && head[2] === 0xFF;
    const app1 = jpeg ? extractApp1(head) : null;
    const exif = new Blob(app1 ? [app1] : [], { type: 'application/octet-stream' });
    let loaded = null;
    try {
      loaded = await loadImage(file);
      const { naturalWidth: w, naturalHeight: h } = loaded.img;
      const side = Math.max(w, h);
      if (side <= MAX_SIDE && jpeg && file.size < KEEP_ORIGINAL_BELOW) {
        return { blob: file, exif, resized: false, width: w, height: h };
      }
      const how = await scalingMethod();
      if (!how) return asIs;
      const scale = Math.min(1, MAX_SIDE / side);
      const width = Math.max(1, Math.round(w * scale));
      const height = Math.max(1, Math.round(h * scale));
      const blob = await draw(how, file, loaded.img, width, height);
      if (!blob) return asIs;
      const shrunk = new File([blob], 'photo.jpg', { type: 'image/jpeg', lastModified: file.lastModified || Date.now() });
      return { blob: shrunk, exif, resized: true, width, height };
    } catch (error) {
      return asIs; // HEIC the browser cannot read, memory pressure…: the server copes with the original
    } finally {
      if (loaded) {
        URL.revokeObjectURL(loaded.url);
        loaded.img.removeAttribute('src');
      }
    }
  }

  // One photo at a time keeps memory low on mid-range phones. Results are kept per File: a retry
  // must send byte-identical photos (the server compares content under the same key), and work
  // started when the photo was chosen is not repeated at submit.
  const shrinking = new WeakMap();
  let queue = Promise.resolve();

  /** The photo to send and its original's Exif APP1 (an empty Blob when there is none). */
  function shrink(file) {
    let job = shrinking.get(file);
    if (!job) {
      job = queue.then(() => shrinkNow(file)).catch(() => ({ blob: file, exif: new Blob([]), resized: false }));
      queue = job;
      shrinking.set(file, job);
    }
    return job;
  }

  /* ---------- photo previews ---------- */

  const previewUrls = new WeakMap();

  function previewBox(input) {
    const form = input.form;
    const byName = form && Array.from(form.querySelectorAll('[data-previews]'))
      .find((box) => box.getAttribute('data-previews') === input.name);
    if (byName) return byName;
    // The nearest box after the input, also when the input sits inside its <label>; a box past the
    // next photo field belongs to that field.
    for (let node = input; node && node !== form && !node.hasAttribute('data-item'); node = node.parentElement) {
      for (let el = node.nextElementSibling; el; el = el.nextElementSibling) {
        if (el.hasAttribute('data-previews')) return el;
        if (el.querySelector('input[type=file]')) return makePreviewBox(input);
        const inner = el.querySelector('[data-previews]');
        if (inner) return inner;
      }
    }
    return makePreviewBox(input);
  }

  function makePreviewBox(input) {
    const box = document.createElement('div');
    box.setAttribute('data-previews', input.name);
    box.className = 'previews';
    input.after(box);
    return box;
  }

  const picked = new WeakMap(); // photo input -> the files chosen so far

  /** iOS opens the camera for one shot at a time (capture ignores multiple): each pick adds to the earlier. */
  function addPicked(input) {
    const earlier = picked.get(input) || [];
    const now = Array.from(input.files);
    const all = input.multiple ? earlier.concat(now.filter((file) => !earlier.includes(file))) : now;
    picked.set(input, all);
    if (all.length === now.length) return;
    try {
      const transfer = new DataTransfer();
      all.forEach((file) => transfer.items.add(file));
      input.files = transfer.files;
    } catch (error) {
      picked.set(input, now); // an old browser: this pick replaces the earlier, as it always did
    }
  }

  function clearPicked(input) {
    picked.delete(input);
    input.value = '';
    showPreviews(input);
  }

  /** 「已选 N 张」 beside the 拍照 / 选照片 button, which hides the browser's own count. */
  function showCount(input) {
    const field = input.closest('.photo-field');
    const count = field && field.querySelector('[data-photo-count]');
    if (count) count.textContent = TEXT.chosen(input.files.length);
  }

  function showPreviews(input) {
    showCount(input);
    (previewUrls.get(input) || []).forEach((url) => URL.revokeObjectURL(url));
    const box = previewBox(input);
    box.textContent = '';
    const urls = Array.from(input.files).map((file, index) => {
      const url = URL.createObjectURL(file);
      const img = document.createElement('img');
      img.alt = TEXT.photo(index + 1);
      img.decoding = 'async';
      img.style.height = '64px';
      img.style.width = 'auto';
      img.onerror = () => {
        // e.g. HEIC on Android: the server still reads it, so say so instead of a broken icon.
        const note = document.createElement('span');
        note.textContent = TEXT.noPreview(index + 1);
        img.replaceWith(note);
      };
      img.src = url;
      box.append(img);
      return url;
    });
    previewUrls.set(input, urls);
    if (urls.length) {
      const clear = document.createElement('button');
      clear.type = 'button';
      clear.className = 'link';
      clear.textContent = TEXT.clearPhotos;
      clear.addEventListener('click', () => clearPicked(input));
      box.append(clear);
    }
    // Start shrinking now, while the worker goes on with the form, so submitting is quick.
    Array.from(input.files).forEach((file) => { shrink(file); });
  }

  /** A photo already shrunk once (kept in the outbox, put back for correcting): sent as is, with its kept EXIF. */
  function known(file, exif) {
    shrinking.set(file, Promise.resolve({ blob: file, exif, resized: false }));
  }

  window.anbiaoPhoto = { shrink, extractApp1, addPicked, showPreviews, known };
})();
