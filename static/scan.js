/* 扫一扫 (templates/scan.html): the rear camera's picture decoded a few times a second, with the browser's
 * BarcodeDetector where it reads QR codes and else the vendored jsQR (static/vendor/jsqr-1.4.0.min.js); a photo
 * taken with 拍照识别 is decoded the same way, for phones whose browser gives no camera to a page (or where the
 * person refused it). A label's address opens as /q/<token> on this origin whatever host it was printed with,
 * so the service worker answers it from the phone when there is no signal (离线准备 keeps the person's signs).
 * The camera is stopped whenever the page is left or hidden: a phone's camera light must not stay on. */
(() => {
  'use strict';
  const root = document.querySelector('[data-scanner]');
  if (!root) return;
  const video = root.querySelector('[data-scan-video]');
  const view = root.querySelector('[data-scan-view]');
  const status = root.querySelector('[data-scan-status]');
  const other = root.querySelector('[data-scan-other]');
  const otherText = root.querySelector('[data-scan-text]');
  const photo = root.querySelector('[data-scan-photo]');
  const retry = root.querySelector('[data-scan-retry]');

  const EVERY_MS = 150; // about 7 frames a second: a label is read at once, and a mid-range phone stays cool
  const FRAME_SIDE = 640; // a label held up to the camera needs no more pixels than this to be read
  const PHOTO_SIDE = 1280; // a photo is scaled down to this first: a 48 MP picture never becomes a canvas
  // A label's address: any host (labels print the production address), the path ending in /q/<token>.
  const SIGN_PATH = /\/q\/([A-Za-z0-9_-]{16,})\/?$/;
  const TEXT = {
    opening: '正在打开摄像头…',
    aim: '把二维码放进框里，认出后自动打开。',
    opened: '已认出标识，正在打开…',
    reading: '正在识别照片…',
    notInPhoto: '照片里没有认出二维码。请靠近一些、对准二维码、拍清楚后再试，或点「输入编号」。',
    noCamera: '这个浏览器不能在网页里打开摄像头。请点「拍照识别」拍下二维码，或点「输入编号」。',
    refused: '没有使用摄像头的权限。请在浏览器（或微信）的设置里允许本网站使用摄像头后点「重新打开摄像头」，'
      + '或点「拍照识别」拍下二维码。',
    absent: '这台设备没有找到可用的摄像头。请点「拍照识别」选一张二维码的照片，或点「输入编号」。',
    busy: '摄像头正被其他应用使用。关掉那个应用后点「重新打开摄像头」，或点「拍照识别」。',
    failed: '摄像头没有打开。请点「重新打开摄像头」再试，或点「拍照识别」。',
  };

  let stream = null;
  let timer = null;
  let starting = false;
  let reading = false; // one frame at a time: a slow phone skips frames rather than piling them up
  let leaving = false;
  let wanted = true; // false once the camera is refused or absent: coming back to the page does not ask again
  let cameraNote = TEXT.opening;
  let lastOther = null;

  function say(text, kind) {
    status.textContent = text;
    status.className = `flash${kind ? ` ${kind}` : ''}`;
    status.hidden = false;
  }

  /* ---------- decoding ---------- */

  let native = null;
  /** The browser's own QR reader, when it has one that reads QR codes; else null (then jsQR reads). */
  function nativeReader() {
    if (!native) {
      native = (async () => {
        if (!('BarcodeDetector' in window)) return null;
        try {
          const formats = await window.BarcodeDetector.getSupportedFormats();
          return formats.includes('qr_code') ? new window.BarcodeDetector({ formats: ['qr_code'] }) : null;
        } catch (error) {
          return null;
        }
      })().then((reader) => {
        root.dataset.decoder = reader ? 'barcode-detector' : 'jsqr'; // which one reads here, for the tests
        return reader;
      });
    }
    return native;
  }

  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });

  /** Draws a picture onto the small canvas, its longer side at most `side`, on white (a transparent PNG would
   * otherwise turn black and hide its code). */
  function drawSmall(source, width, height, side) {
    const scale = Math.min(1, side / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
  }

  function withJsQR(thorough) {
    if (typeof window.jsQR !== 'function') return null;
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    // Frames come often, so each is read quickly; a photo is read once, so also as light-on-dark.
    const found = window.jsQR(image.data, image.width, image.height,
      { inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert' });
    return found && found.data ? found.data : null;
  }

  /** The text of the QR code in a picture (a camera frame or a photo), or null. */
  async function decode(source, width, height, side, thorough) {
    drawSmall(source, width, height, side);
    const reader = await nativeReader();
    if (reader) {
      try {
        const codes = await reader.detect(canvas);
        if (codes.length && codes[0].rawValue) return codes[0].rawValue;
      } catch (error) { /* this picture could not be read natively: jsQR may still read a photo */ }
      if (!thorough) return null;
    }
    return withJsQR(thorough);
  }

  /** '/q/<token>' when the text is a label's address, on whatever host it was printed; else null. */
  function signPath(text) {
    let url;
    try {
      url = new URL(String(text).trim());
    } catch (error) {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    const found = SIGN_PATH.exec(url.pathname);
    return found ? `/q/${found[1]}` : null;
  }

  /** Opens the sign of a label's address; any other code is shown as what it is. True when leaving. */
  function decoded(text) {
    const path = signPath(text);
    if (path) {
      leaving = true;
      stop();
      other.hidden = true;
      say(TEXT.opened);
      window.location.assign(path);
      return true;
    }
    if (text !== lastOther) { // the camera sees the same code many times a second: show it once
      lastOther = text;
      otherText.textContent = text;
      other.hidden = false;
    }
    return false;
  }

  /* ---------- the camera ---------- */

  function stop() {
    clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    view.classList.add('off');
  }

  function cameraOff(message, canRetry) {
    stop();
    cameraNote = message;
    say(message, 'error');
    retry.hidden = !canRetry;
  }

  function why(error) {
    const name = error && error.name;
    if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
      return [TEXT.refused, true];
    }
    if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') {
      return [TEXT.absent, false];
    }
    if (name === 'NotReadableError' || name === 'TrackStartError') return [TEXT.busy, true];
    return [TEXT.failed, true];
  }

  function tick() {
    timer = setTimeout(async () => {
      if (!stream) return;
      if (!reading && video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
        reading = true;
        let text = null;
        try {
          text = await decode(video, video.videoWidth, video.videoHeight, FRAME_SIDE, false);
        } catch (error) { /* a frame that could not be drawn: the next one may */ }
        reading = false;
        if (text && decoded(text)) return;
      }
      tick();
    }, EVERY_MS);
  }

  async function start() {
    if (starting || stream || leaving) return;
    retry.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      wanted = false;
      cameraOff(TEXT.noCamera, false);
      return;
    }
    starting = true;
    say(TEXT.opening);
    let opened = null;
    try {
      opened = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch (error) {
      const [message, canRetry] = why(error);
      wanted = canRetry && error.name !== 'NotAllowedError';
      cameraOff(message, canRetry);
      return;
    } finally {
      starting = false;
    }
    if (leaving || document.hidden) { // left or hidden while the camera was opening
      opened.getTracks().forEach((track) => track.stop());
      return;
    }
    stream = opened;
    video.srcObject = stream;
    try {
      await video.play();
    } catch (error) { /* muted and playsinline, so phones let it play; frames are read all the same */ }
    view.classList.remove('off');
    cameraNote = TEXT.aim;
    say(TEXT.aim);
    tick();
  }

  /* ---------- 拍照识别 ---------- */

  function loadImage(file) {
    const url = URL.createObjectURL(file);
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error('undecodable image'));
      img.src = url;
    }).finally(() => setTimeout(() => URL.revokeObjectURL(url), 0));
  }

  photo.addEventListener('change', async () => {
    const file = photo.files && photo.files[0];
    photo.value = ''; // the same picture can be picked again
    if (!file) return;
    say(TEXT.reading);
    let text = null;
    try {
      // Drawn straight onto the small canvas: the browser scales while it draws, never at full size.
      const img = await loadImage(file);
      text = await decode(img, img.naturalWidth, img.naturalHeight, PHOTO_SIDE, true);
    } catch (error) {
      text = null;
    }
    if (!text) {
      say(TEXT.notInPhoto, 'error');
      return;
    }
    if (!decoded(text)) say(cameraNote, stream ? '' : 'error');
  });

  retry.addEventListener('click', () => {
    wanted = true;
    start();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) stop();
    else if (wanted && !leaving) start();
  });
  window.addEventListener('pagehide', stop);
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return; // back to this page from the history: the camera starts again
    leaving = false;
    if (wanted) start();
  });

  nativeReader();
  start();
})();
