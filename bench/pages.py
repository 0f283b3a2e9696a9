"""Every home page and list at city scale, as each role: `<page> as <role>: <ms> ms (target ≤ 100)`.

The county is generated once into instance/county-<N>/ (`flask --app app county`) and reused. Times are
the median of warm runs inside the app (no network), so they measure what the server does per page.
Usage: python bench/pages.py [enterprises] [days]   (defaults 10000 and 14; BENCH_RUNS=5)
"""

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 100
SLOW_MS = 5_000  # a page this slow is timed once, not RUNS times


def county(enterprises: int, days: int) -> Path:
    """The generated county's database, made on first use."""
    path = ROOT / "instance" / f"county-{enterprises}" / "anbiao.db"
    if not path.exists():
        subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "county", "--enterprises", str(enterprises),
                        "--days", str(days), "--force"], cwd=ROOT, check=True)
    return path


def served_county(enterprises: int, days: int):
    """The generated county opened by the app as `make serve` opens it, with today's columns, indexes and library;
    the overview the background thread recomputes at each period boundary is refreshed before timing, and timed on
    its own. Returns (app, conn)."""
    path = county(enterprises, days)
    os.environ["ANBIAO_SECURE_COOKIES"] = "0"
    from anbiao import db, library, overview
    from app import create_app

    app = create_app({"DATABASE": str(path), "SECRET_KEY": "bench", "LOGIN_LIMIT": "1000 per minute"})
    conn = db.get()
    db.migrate(conn)  # a county made by older code gets today's columns (all rows stale once) and indexes
    library.load(conn)  # and today's library (report layouts, the dashboard's overdue bands)
    start = time.perf_counter()
    refreshed = overview.refresh(conn)
    print(f"overview refresh (background, at each period boundary): {refreshed:,} enterprises in"
          f" {time.perf_counter() - start:.1f} s", flush=True)
    return app, conn


def sign_in(app, username):
    http = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").get_data(as_text=True)).group(1)
    answer = http.post("/login", data={"username": username, "password": "demo1234", "csrf_token": token,
                                       "idempotency_key": uuid.uuid4().hex})
    assert answer.status_code == 302, f"{username} could not sign in"
    return http


def scans(conn, http, url) -> list[str]:
    """The big tables some query of the page reads whole, on this county's statistics."""
    from anbiao import db

    statements = []
    conn.conn.set_trace_callback(statements.append)
    try:
        http.get(url)
    finally:
        conn.conn.set_trace_callback(None)
    return sorted({t for sql in statements for t in db.full_scans(conn, sql)})


def timed(http, url, runs) -> tuple[float, int, int]:
    """Median milliseconds of warm runs, the status and the page size."""
    start = time.perf_counter()
    answer = http.get(url)
    first = (time.perf_counter() - start) * 1000
    times = [first]
    if first < SLOW_MS:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            answer = http.get(url)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), answer.status_code, len(answer.get_data())


def main():
    enterprises = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    app, conn = served_county(enterprises, days)
    post_card = conn.execute("SELECT id FROM checklists WHERE enterprise_id = 1 AND tier = 'post' ORDER BY id"
                             " LIMIT 1").fetchone()[0]
    hazard = conn.execute("SELECT id FROM hazards WHERE enterprise_id = 1 ORDER BY id DESC LIMIT 1").fetchone()[0]
    inspection = conn.execute("SELECT id FROM inspections WHERE checklist_id = ? ORDER BY id DESC LIMIT 1",
                              (post_card,)).fetchone()[0]
    pages = [  # (role, account, page name, url)
        ("supervisor", "supervisor", "home", "/"),
        ("grid worker", "grid1", "home", "/"),
        ("manager", "m1", "home", "/"),
        ("workshop head", "h1_1", "home", "/"),
        ("team leader", "l1_1_1", "home", "/"),
        ("admin", "admin", "home", "/"),
        ("supervisor", "supervisor", "enterprise page", "/enterprises/1"),
        ("manager", "m1", "enterprise page", "/enterprises/1"),
        ("supervisor", "supervisor", "enterprise list", "/enterprises"),
        ("supervisor", "supervisor", "enterprises with major hazards", "/enterprises?only=major"),
        ("supervisor", "supervisor", "enterprises worst first", "/enterprises?order=worst"),
        ("supervisor", "supervisor", "enterprise search", "/enterprises?q=" + quote("鑫源")),
        ("supervisor", "supervisor", "hazard page", f"/hazards/{hazard}"),
        ("grid worker", "grid1", "enterprise list", "/enterprises"),
        ("manager", "m1", "hazard list", "/enterprises/1/hazards"),
        ("manager", "m1", "rectification list", "/enterprises/1/rectifications"),
        ("manager", "m1", "checklists", "/enterprises/1/checklists"),
        ("team leader", "l1_1_1", "card history", f"/checklists/{post_card}"),
        ("team leader", "l1_1_1", "fill page", f"/checklists/{post_card}/fill"),
        ("team leader", "l1_1_1", "inspection page", f"/inspections/{inspection}"),
        ("admin", "admin", "audit log", "/audit"),
        ("manager", "m1", "audit log", "/audit"),
        ("admin", "admin", "people", "/people"),
        ("manager", "m1", "people", "/people"),
    ]
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    clients = {}
    print(f"county of {enterprises:,} enterprises, {days} days; median of {runs} warm runs")
    for role, account, page, url in pages:
        http = clients.get(account) or clients.setdefault(account, sign_in(app, account))
        ms, status, size = timed(http, url, runs)
        note = "" if status == 200 else f" [HTTP {status}]"
        if ms < SLOW_MS and (scanned := scans(conn, http, url)):
            note += f" [reads whole: {', '.join(scanned)}]"
        print(f"{page} as {role}: {ms:.0f} ms (target ≤ {TARGET_MS}) — {size / 1024:.0f} KB{note}", flush=True)


if __name__ == "__main__":
    main()
