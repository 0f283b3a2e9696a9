"""The monthly report forms (附件3, 附件4) at city scale: each form's page and its xlsx for a county supervisor,
timed against the dashboard of the same scope in the same process, on the generated county (instance/county-<N>/,
made on first use as bench/pages.py makes it).

Prints `<page>: <ms> ms (target ≤ 1000)` for each and `monthly report: ratio <x> (target ≤ 10)` for the slowest form
against the dashboard: the issue gives the dashboard 100 ms and a form 1 s, so a form may cost ten dashboards.
Usage: python bench/monthly_reports.py [enterprises] [days]   (defaults 100000 and 3; BENCH_RUNS=10)
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import county, scans, sign_in, timed  # noqa: E402

TARGET_MS = 1000
RATIO = 10.0


def main():
    enterprises = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    runs = int(os.environ.get("BENCH_RUNS", "10"))
    path = county(enterprises, days)
    os.environ["ANBIAO_SECURE_COOKIES"] = "0"
    from anbiao import db, library, overview
    from app import create_app

    app = create_app({"DATABASE": str(path), "SECRET_KEY": "bench", "LOGIN_LIMIT": "1000 per minute"})
    conn = db.get()
    db.migrate(conn)  # as `make serve` does (flask setup): today's columns and today's library
    library.load(conn)
    overview.refresh(conn)  # the background refresher's work, done before timing
    http = sign_in(app, "supervisor")
    pages = [("dashboard (baseline)", "/dashboard")]
    for form, words in (("annex3", "附件3"), ("annex4", "附件4")):
        pages += [(f"{words} page", f"/reports/monthly?form={form}"),
                  (f"{words} xlsx", f"/reports/monthly/draft.xlsx?form={form}")]
    print(f"county of {enterprises:,} enterprises, {days} days; median of {runs} warm runs (the supervisor's whole"
          " scope, the largest report there is)")
    found = {}
    for name, url in pages:
        ms, status, size = timed(http, url, runs)
        found[name] = ms
        note = "" if status == 200 else f" [HTTP {status}]"
        if scanned := scans(conn, http, url):
            note += f" [reads whole: {', '.join(scanned)}]"
        target = "" if name.startswith("dashboard") else f" (target ≤ {TARGET_MS})"
        print(f"{name}: {ms:.1f} ms{target} — {size / 1024:.0f} KB{note}", flush=True)
    slowest = max(ms for name, ms in found.items() if not name.startswith("dashboard"))
    print(f"monthly report: ratio {slowest / found['dashboard (baseline)']:.2f} (target ≤ {RATIO})")


if __name__ == "__main__":
    main()
