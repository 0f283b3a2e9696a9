"""监管看板 at city scale: the dashboard for a county (and one town of it, its print, and the lists behind its figures),
timed against the supervisor's home in the same process, on the generated county (instance/county-<N>/, made on first
use as bench/pages.py makes it). The figures are sums over the per-grid-and-industry rows the overview keeps, so the
dashboard costs about what the home page does, which reads the same rows.

Prints `<page>: <ms> ms (target ≤ 100)` for each page and `dashboard: ratio <x> (target ≤ 3.0)`.
Usage: python bench/dashboard.py [enterprises] [days]   (defaults 100000 and 3; BENCH_RUNS=10)
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import scans, served_county, sign_in, timed  # noqa: E402

TARGET_MS = 100
# The dashboard reads the same per-area rows as the supervisor's home but writes four times the page (every figure, its
# charts and a row per town, each number a link; its queries take ~2 ms of it): at most three times the home's time.
RATIO = 3.0


def main():
    enterprises = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    runs = int(os.environ.get("BENCH_RUNS", "10"))
    app, conn = served_county(enterprises, days)
    town = conn.execute("SELECT county || '/' || township FROM grids ORDER BY id LIMIT 1").fetchone()[0]
    pages = [
        ("supervisor home (baseline)", "supervisor", "/"),
        ("dashboard as supervisor", "supervisor", "/dashboard"),
        ("dashboard as admin", "admin", "/dashboard"),
        ("dashboard of one town", "supervisor", f"/dashboard?town={quote(town)}"),
        ("dashboard print", "supervisor", "/dashboard/print"),
        ("list: due, not yet visited this month", "supervisor", "/enterprises?only=month_missed"),
        ("list: hazards overdue over 90 days", "supervisor", "/enterprises?only=late_older"),
        ("list: 六有齐全", "supervisor", "/enterprises?only=liuyou_full"),
        ("list: 5S below the line, one town", "supervisor", f"/enterprises?only=five_s_low&town={quote(town)}"),
    ]
    clients, found = {}, {}
    print(f"county of {enterprises:,} enterprises, {days} days; median of {runs} warm runs")
    for name, account, url in pages:
        http = clients.get(account) or clients.setdefault(account, sign_in(app, account))
        ms, status, size = timed(http, url, runs)
        found[name] = ms
        note = "" if status == 200 else f" [HTTP {status}]"
        if scanned := scans(conn, http, url):
            note += f" [reads whole: {', '.join(scanned)}]"
        print(f"{name}: {ms:.1f} ms (target ≤ {TARGET_MS}) — {size / 1024:.0f} KB{note}", flush=True)
    ratio = found["dashboard as supervisor"] / found["supervisor home (baseline)"]
    print(f"dashboard: ratio {ratio:.2f} (target ≤ {RATIO})")


if __name__ == "__main__":
    main()
