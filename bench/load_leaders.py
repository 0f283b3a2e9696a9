"""200 team leaders at the start of a shift: each phone, signed in days ago with 记住我 (its session cookie gone,
its remember-me cookie kept), opens its home, its post card, and submits the card, all 200 within 10 seconds.

The county is generated into a temporary database (25 enterprises, 225 posts); the app runs under gunicorn with
gunicorn.conf.py, as `make serve`. Each leader keeps one connection (keep-alive) and its cookies, as a phone does.
Prints `200 team leaders in 10 s: p99 <ms> ms (target ≤ 1000), errors <n> (target ≤ 0)`.
"""

import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.submit_card import free_port, serve  # noqa: E402

LEADERS = int(os.environ.get("BENCH_LEADERS", "200"))
WINDOW = float(os.environ.get("BENCH_WINDOW", "10"))
SECRET = "bench"


def remembered(path: Path) -> list[str]:
    """Each leader's remember-me cookie value, as the app signs it (the phone has kept it since signing in)."""
    from flask_login.utils import encode_cookie

    from anbiao import db
    from app import create_app

    app = create_app({"DATABASE": str(path), "SECRET_KEY": SECRET})
    conn = db.get()
    leaders = conn.execute("SELECT id, session_token FROM users WHERE role = 'team_leader' AND active = 1"
                           " ORDER BY id LIMIT ?", (LEADERS,)).fetchall()
    if len(leaders) < LEADERS:
        raise SystemExit(f"the county has only {len(leaders)} team leaders")
    with app.test_request_context():
        cookies = [encode_cookie(f"{row[0]}.{row[1]}") for row in leaders]
    db.close()
    return cookies


class Phone:
    """One leader's phone: one kept connection, its cookies, the time each request took."""

    def __init__(self, port: int, remember: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {"remember_token": remember}
        self.times: list[float] = []
        self.errors: list[str] = []
        self.log: list = []

    def send(self, method: str, path: str, body: str | None = None, expect: int = 200) -> str:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Encoding": "gzip"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            self.errors.append(f"{method} {path}: {exc}")
            self.connection.close()
            return ""
        finally:
            self.times.append((time.perf_counter() - start) * 1000)
            self.log.append((self.times[-1], time.perf_counter(), method, path))
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if answer.status != expect:
            self.errors.append(f"{method} {path}: {answer.status}")
            return ""
        if answer.headers.get("Content-Encoding") == "gzip":
            import gzip

            content = gzip.decompress(content)
        return content.decode()

    def shift(self, delay: float) -> None:
        """Home, the post card, and the card submitted with every item 合格."""
        time.sleep(delay)
        home = self.send("GET", "/")
        card = re.search(r'href="(/checklists/(\d+)/fill)"', home)
        if not card:
            self.errors.append("home shows no post card") if home else None
            return
        page = self.send("GET", card.group(1))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if not token:
            return
        answers = {name: "ok" for name in sorted(set(re.findall(r'name="(result_\d+)"', page)))}
        body = urllib.parse.urlencode({"csrf_token": token.group(1), "idempotency_key": uuid.uuid4().hex, **answers})
        self.send("POST", f"/checklists/{card.group(2)}/inspections", body, expect=302)
        self.connection.close()


def main() -> None:
    from anbiao import county, storage

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "anbiao.db"
        storage.configure(Path(tmp) / "photos")
        enterprises = -(-LEADERS // 9)  # 3 workshops × 3 posts each
        county.generate(path, enterprises=enterprises, days=3, progress=lambda *_: None)
        cookies = remembered(path)
        port = free_port()
        env = {**os.environ, "ANBIAO_DB": str(path), "ANBIAO_SECRET_KEY": SECRET, "ANBIAO_SECURE_COOKIES": "0",
               "ANBIAO_REFRESHER": "1"}  # as make serve
        server = serve("app:app", port, env)
        try:
            rng = random.Random(1)
            phones = [Phone(port, cookie) for cookie in cookies]
            threads = [threading.Thread(None, p.shift, None, (rng.uniform(0, WINDOW),)) for p in phones]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait()
        times = sorted(t for p in phones for t in p.times)
        errors = [e for p in phones for e in p.errors]
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"{len(times)} requests in {took:.1f} s; median {statistics.median(times):.0f} ms,"
              f" max {times[-1]:.0f} ms")
        if os.environ.get("BENCH_DEBUG"):
            for entry in sorted((e for p in phones for e in p.log), reverse=True)[:15]:
                print(f"  {entry[0]:.0f} ms at {entry[1] - started:.2f} s {entry[2]} {entry[3]}")
        for error in errors[:5]:
            print("  error:", error)
        print(f"{LEADERS} team leaders in {WINDOW:.0f} s: p99 {p99:.0f} ms (target ≤ 1000), errors {len(errors)}"
              " (target ≤ 0)")


if __name__ == "__main__":
    main()
