"""What the sign-in page, a team leader's home, the fill page, a scanned sign's public notice (opened by anyone,
mostly in WeChat), the 5S scoring page, a scanned notice board with its risk map (plan image included) and the
manager's risk map page cost a phone on weak 4G, in real Chromium.

Prints `<page> first load: <KB> KB (target ≤ 60)`: every byte over the wire (headers and compressed bodies, from
the CDP Network domain) for an empty cache: HTML, CSS, JS and favicon. Then
`<page> repeat visit: <n> requests, <KB> KB static (target ≤ 0)`: the same page opened again in a new tab of the same
browser, where every static file must come from the cache without even a revalidation request.
The app runs under gunicorn on a temporary demo database, as in production.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anbiao import demo  # noqa: E402
from bench import demo_database  # noqa: E402

TARGET_KB = 60
CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(database: list | None = None):
    """The app under gunicorn on a fresh demo database; yields its base URL (and puts the database's path in
    `database` when given, for a benchmark that counts records)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        if database is not None:
            database.append(path)
        demo_database(path, Path(tmp) / "photos").conn.close()
        port = free_port()
        env = {**os.environ, "ANBIAO_DB": str(path), "ANBIAO_SECRET_KEY": "bench", "ANBIAO_SECURE_COOKIES": "0",
               "ANBIAO_LOGIN_LIMIT": "1000 per minute"}
        proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--log-level", "warning",  # gunicorn.conf.py
                                 "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the app did not start")
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait()


def sign_in(request, base: str, username: str = "leader1") -> None:
    """Sign in through the form with the context's own cookie jar (no page load, so the cache stays empty)."""
    page = request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = request.post(f"{base}/login", form={"username": username, "password": demo.PASSWORD,
                                                 "csrf_token": token, "idempotency_key": os.urandom(16).hex()})
    assert answer.ok and "退出" in answer.text(), f"{username} could not sign in"


def fill_url(request, base: str) -> str:
    """The team leader's own post card, as linked from their home."""
    home = request.get(f"{base}/").text()
    return base + re.search(r'href="(/checklists/\d+/fill)"', home).group(1)


def scanned_sign(database: Path) -> str:
    """The token on the label of the demo's 充装 risk card, the longest public notice."""
    import sqlite3

    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id WHERE s.kind ="
                            " 'risk_card' AND t.replaced_at IS NULL ORDER BY s.id").fetchone()[0]


def demo_row(database: Path, sql: str):
    """One value from the demo database the server runs on."""
    import sqlite3

    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchone()[0]


def pages(browser, base: str, database: Path):
    """(name, url, context) for each measured page, each in its own context with an empty cache; signed-in
    contexts already hold the session cookie."""
    out, passer_by = browser.new_context(**PHONE), browser.new_context(**PHONE)
    home, fill = browser.new_context(**PHONE), browser.new_context(**PHONE)
    sign_in(home.request, base)
    sign_in(fill.request, base)
    five_s, board_reader, mapper = (browser.new_context(**PHONE) for _ in range(3))
    sign_in(five_s.request, base, "leader2")
    sign_in(mapper.request, base, "manager1")
    five_s_list = demo_row(database, "SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id"
                                     " WHERE c.kind = 'five_s' AND u.name = '车床班'")
    board = demo_row(database, "SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id"
                               " WHERE s.kind = 'notice_board' AND s.unit_id IS NULL AND t.replaced_at IS NULL")
    site_map = demo_row(database, "SELECT id FROM risk_maps WHERE unit_id IS NULL ORDER BY id")
    return [("sign-in page", f"{base}/login", out), ("team leader home", f"{base}/", home),
            ("fill page", fill_url(fill.request, base), fill),
            ("scanned sign", f"{base}/q/{scanned_sign(database)}", passer_by),
            ("5S scoring page", f"{base}/checklists/{five_s_list}/fill", five_s),
            ("scanned notice board with its risk map", f"{base}/q/{board}", board_reader),
            ("risk map page", f"{base}/risk-maps/{site_map}", mapper)]


class Wire:
    """Every request of one tab as the CDP Network domain reports it: bytes on the wire and whether cached."""

    def __init__(self, context, page):
        self.requests = {}
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")
        self.cdp = cdp

    def _sent(self, event):
        self.requests.setdefault(event["requestId"], {"cached": False, "bytes": 0})
        self.requests[event["requestId"]].update(url=event["request"]["url"], type=event.get("type"))

    def _received(self, event):
        entry = self.requests.setdefault(event["requestId"], {"cached": False, "bytes": 0})
        response = event["response"]
        entry["status"] = response["status"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            entry["cached"] = True

    def _cached(self, event):
        self.requests.setdefault(event["requestId"], {"cached": False, "bytes": 0})["cached"] = True

    def _finished(self, event):
        self.requests.setdefault(event["requestId"], {"cached": False, "bytes": 0})["bytes"] = \
            event["encodedDataLength"]

    def network(self):
        """Requests that reached the server (revalidations included), as (url, type, bytes)."""
        return [(r.get("url", ""), r.get("type"), r["bytes"]) for r in self.requests.values() if not r["cached"]]


def open_page(context, url: str) -> Wire:
    """Open the URL in a new tab and wait until it and everything it loads has arrived."""
    page = context.new_page()
    wire = Wire(context, page)
    page.goto(url, wait_until="networkidle")
    # Headless Chromium never asks for the icon; the page's own fetch of it stands in for the tab bar's.
    if not any("favicon" in url for url, _, _ in wire.network()) and not any(
            "favicon" in r.get("url", "") for r in wire.requests.values()):
        page.evaluate("fetch(document.querySelector('link[rel~=icon]').href).then((r) => r.arrayBuffer())")
        page.wait_for_load_state("networkidle")
        time.sleep(0.2)
    page.close()
    return wire


def main() -> None:
    from playwright.sync_api import sync_playwright

    database = []
    with demo_server(database) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"])
        try:
            for name, url, context in pages(browser, base, database[0]):
                first = open_page(context, url)
                total = sum(size for _, _, size in first.network())
                parts = ", ".join(f"{Path(u.split('?')[0]).name or '/'} {size / 1024:.1f}"
                                  for u, _, size in first.network())
                print(f"{name} first load: {total / 1024:.1f} KB (target ≤ {TARGET_KB})   [{parts}]")
                again = open_page(context, url)
                static = [(u, size) for u, kind, size in again.network() if kind != "Document"]
                print(f"{name} repeat visit: {len(static)} requests, {sum(s for _, s in static) / 1024:.1f} KB static"
                      f" (target ≤ 0)" + (f"   [{', '.join(u for u, _ in static)}]" if static else ""))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
