"""200 cards filled while the network was gone, sent from the outbox when it returns, against the same 200 cards
sent online one after another, in the same run, in real Chromium at a phone's size (gunicorn, demo database).

A quarter of the cards carry a failed item with a photo (about 100 KB, as the phone shrinks them). The online run
posts each card as the fill page does (fetch, following the answer to the record page). The outbox run keeps all
200 on the phone (IndexedDB) while offline, then times from the moment the network returns until the outbox is
empty. Prints `outbox replay: ratio <x> (target ≤ 1.5)`, then the cards lost and duplicated (target ≤ 0 each),
counted on the server by idempotency key.
"""

import io
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_weight import CHROMIUM, PHONE, demo_server  # noqa: E402

CARDS = int(os.environ.get("BENCH_CARDS", "200"))
WITH_PHOTO = 4  # every fourth card has a failed item and a photo
TARGET = 1.5
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]

# In the fill page: one card's body as the form makes it (all 合格, or the first item 不合格 with a photo).
BODY = """
window.benchBody = (key, photo) => {
  const form = document.querySelector('form[data-fill]');
  const ids = Array.from(form.querySelectorAll('fieldset[data-item] input[type=radio][name^="result_"]'))
    .map((r) => r.name.slice(7)).filter((id, i, all) => all.indexOf(id) === i);
  const body = new FormData();
  body.set('idempotency_key', key);
  body.set('client_time', new Date().toISOString());
  ids.forEach((id, i) => body.set(`result_${id}`, photo && i === 0 ? 'hazard' : 'ok'));
  if (photo) {
    const id = ids[0];
    body.set(`description_${id}`, '钢瓶检漏记录缺页');
    body.set(`category_${id}`, form.querySelector(`select[name="category_${id}"] option[value]:not([value=""])`).value);
    body.set(`level_${id}`, 'general');
    body.append(`photos_${id}`, new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
    body.append(`photos_${id}_exif`, new Blob([]), 'photo.exif');
  }
  return body;
};
"""

ONLINE = """async (photos) => {
  const form = document.querySelector('form[data-fill]');
  const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
  const keys = [];
  const start = performance.now();
  for (let i = 0; i < photos.length; i += 1) {
    const key = crypto.randomUUID();
    const photo = photos[i] ? Uint8Array.from(atob(photos[i]), (c) => c.charCodeAt(0)) : null;
    const response = await fetch(form.action, { method: 'POST', body: window.benchBody(key, photo),
      headers: { 'Idempotency-Key': key, 'X-CSRFToken': token }, credentials: 'same-origin' });
    await response.text();
    if (!response.ok) throw new Error(`online card ${i}: ${response.status}`);
    keys.push(key);
  }
  return { ms: performance.now() - start, keys };
}"""

KEEP = """async (photos) => {
  const form = document.querySelector('form[data-fill]');
  const box = window.anbiaoOutbox;
  const keys = [];
  for (let i = 0; i < photos.length; i += 1) {
    const key = crypto.randomUUID();
    const photo = photos[i] ? Uint8Array.from(atob(photos[i]), (c) => c.charCodeAt(0)) : null;
    const kept = await box.keep({ key, owner: document.body.getAttribute('data-user'), action: form.action,
      page: location.href, title: document.title, body: window.benchBody(key, photo) });
    await box.settle(kept, { state: 'waiting', status: 0 }); // as a send that found no network leaves it
    keys.push(key);
  }
  return keys;
}"""


def photos(count: int) -> list[str | None]:
    """Every fourth card gets its own JPEG of about 100 KB (noise compresses as a real photo does)."""
    import base64

    from PIL import Image

    out = []
    for n in range(count):
        if n % WITH_PHOTO:
            out.append(None)
            continue
        image = Image.frombytes("RGB", (640, 480), random.randbytes(640 * 480 * 3)).resize((1280, 960))
        data = io.BytesIO()
        image.save(data, "JPEG", quality=70)
        out.append(base64.b64encode(data.getvalue()).decode())
    return out


def saved(path: Path, keys: list[str]) -> tuple[int, int]:
    """(cards lost, cards duplicated): keys with no saved answer, and inspections beyond one per key."""
    with sqlite3.connect(path) as conn:
        answered = {row[0]: row[1] for row in conn.execute(
            f"SELECT key, location FROM idempotency WHERE key IN ({','.join('?' * len(keys))})", keys)}
    lost = sum(1 for key in keys if not answered.get(key))
    records = [location for location in answered.values() if location]
    return lost, len(records) - len(set(records))


def main() -> None:
    from playwright.sync_api import sync_playwright

    from anbiao.demo import PASSWORD

    database: list[Path] = []
    cards = photos(CARDS)
    with demo_server(database) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("用户名").fill("leader1")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(base + page.locator('a[href*="/fill"]').first.get_attribute("href"))
        page.wait_for_load_state("load")
        page.evaluate(f"() => {{ {BODY} }}")
        with sqlite3.connect(database[0]) as conn:
            before = conn.execute("SELECT COUNT(*) FROM inspections").fetchone()[0]

        online = page.evaluate(ONLINE, cards)
        context.set_offline(True)
        keys = page.evaluate(KEEP, cards)
        assert page.evaluate("async () => (await window.anbiaoOutbox.list()).length") == CARDS
        start = time.perf_counter()
        context.set_offline(False)  # the page hears `online` and empties the outbox
        while page.evaluate("async () => (await window.anbiaoOutbox.list()).length"):
            page.wait_for_timeout(50)
        replay_ms = (time.perf_counter() - start) * 1000
        browser.close()
        with sqlite3.connect(database[0]) as conn:
            made = conn.execute("SELECT COUNT(*) FROM inspections").fetchone()[0] - before
        lost, duplicated = saved(database[0], keys)
        online_lost, _ = saved(database[0], online["keys"])

    print(f"online: {CARDS} cards in {online['ms'] / 1000:.1f} s; from the outbox: {replay_ms / 1000:.1f} s")
    print(f"outbox replay: ratio {replay_ms / online['ms']:.2f} (target ≤ {TARGET})")
    print(f"outbox replay: lost {lost} (target ≤ 0), duplicated {duplicated} (target ≤ 0); "
          f"{made} inspections saved for {CARDS} online and {CARDS} replayed cards (online lost {online_lost})")


if __name__ == "__main__":
    main()
