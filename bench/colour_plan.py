"""The four-colour plan at city scale: a grid worker's plan and one enterprise's colour roll-up, each timed against a
baseline in the same process, on the generated county (instance/county-<N>/, made on first use as bench/pages.py
makes it; a county made before risk points existed gets them first).

- grid plan: the grid's enterprises by next visit and colour, as the grid worker's home reads them
  (visit_plan.plan); baseline: the grid list that home showed before the plan (overview.grid), the same rows.
- colour roll-up: enterprise_colour.refresh right after a red point is recorded at a yellow or blue enterprise, so
  the colour changes and its history row is written; baseline: recording that point (risk_points.insert) in the same
  transaction. Each run is rolled back.

Prints `grid plan, grid 1 (<n> enterprises): <ms> ms (target ≤ 100)`, `grid plan: ratio <x> (target ≤ 1.0)`,
`colour roll-up, one enterprise: <ms> ms (target ≤ 100)`, `colour roll-up: ratio <x> (target ≤ 2.0)`.
Usage: python bench/colour_plan.py [enterprises] [days]   (defaults 100000 and 3; BENCH_RUNS=20)
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anbiao import county, db, due, enterprise_colour, library, overview, risk_points, visit_plan  # noqa: E402
from bench.pages import county as county_path  # noqa: E402

TARGET_MS = 100
PLAN_RATIO = 1.0  # the plan is no slower than the grid list it replaced on the same rows
ROLL_UP_RATIO = 2.0  # the roll-up after a point costs at most twice writing the point (its row, history, audit)
GRID = 1
RED_POINT = {"name": "测速用红色风险点", "activity": "设备检修作业", "accident_types": "机械伤害",
             "factors": {"person": "未停机检修"}, "method": "lec", "values": {"L": 6, "E": 6, "C": 15},
             "measures": {"engineering": "检修前断电挂牌上锁"}}


def median_ms(fn, runs: int) -> float:
    fn()  # warm: the statements' plans and the pages they read
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def prepared(conn) -> None:
    """Today's schema and library on the county, and risk points if it has none, then the overview refreshed as the
    background refresher would have done."""
    db.migrate(conn)
    library.load(conn)
    if not conn.execute("SELECT 1 FROM risk_points LIMIT 1").fetchone():
        start = time.perf_counter()
        added = county.add_risk_points(conn)
        print(f"risk points added to the county: {added:,} in {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    refreshed = overview.refresh(conn)
    print(f"overview refresh with colours and next visits: {refreshed:,} enterprises in"
          f" {time.perf_counter() - start:.1f} s", flush=True)


def roll_up_runs(conn, runs: int) -> tuple[float, float]:
    """Median ms of recording a red point and of rolling the colour up after it, each run rolled back."""
    ent = conn.execute("SELECT e.id FROM enterprises e JOIN enterprise_overview o ON o.id = e.id"
                       " WHERE o.colour IN ('yellow', 'blue') AND e.colour_override IS NULL ORDER BY e.id LIMIT 1"
                       ).fetchone()[0]
    post = conn.execute("SELECT id FROM units WHERE enterprise_id = ? AND kind = 'post' ORDER BY id LIMIT 1",
                        (ent,)).fetchone()[0]
    values = risk_points.check(conn, ent, dict(RED_POINT, unit_id=post))
    writes, rolls = [], []
    for n in range(runs + 1):
        conn.conn.execute("BEGIN IMMEDIATE")
        try:
            start = time.perf_counter()
            risk_points.insert(conn, ent, values, None)
            written = time.perf_counter()
            assert enterprise_colour.refresh(conn, ent) == "red"
            done = time.perf_counter()
        finally:
            conn.conn.rollback()
        if n:  # the first run warms
            writes.append((written - start) * 1000)
            rolls.append((done - written) * 1000)
    return statistics.median(writes), statistics.median(rolls)


def main():
    enterprises = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    conn = db.connect(county_path(enterprises, days))
    prepared(conn)
    now = due.local_now()
    where, params = "e.grid_id = ?", [GRID]
    size = conn.execute("SELECT COUNT(*) FROM enterprise_overview WHERE grid_id = ?", (GRID,)).fetchone()[0]
    plan_ms = median_ms(lambda: visit_plan.plan(conn, where, params, now.date()), runs)
    whole_ms = median_ms(lambda: visit_plan.plan(conn, where, params, now.date(), limit=size), runs)
    list_ms = median_ms(lambda: overview.grid(conn, where, params, now), runs)
    write_ms, roll_ms = roll_up_runs(conn, runs)
    print(f"county of {enterprises:,} enterprises, {days} days; median of {runs} warm runs")
    print(f"grid list before the plan (baseline), grid {GRID}: {list_ms:.1f} ms")
    print(f"grid plan, all {size} rows: {whole_ms:.1f} ms")
    print(f"grid plan, grid {GRID} ({size} enterprises): {plan_ms:.1f} ms (target ≤ {TARGET_MS})")
    print(f"grid plan: ratio {plan_ms / list_ms:.2f} (target ≤ {PLAN_RATIO})")
    print(f"recording a red point (baseline): {write_ms:.2f} ms")
    print(f"colour roll-up, one enterprise: {roll_ms:.2f} ms (target ≤ {TARGET_MS})")
    print(f"colour roll-up: ratio {roll_ms / write_ms:.2f} (target ≤ {ROLL_UP_RATIO})")
    conn.conn.close()


if __name__ == "__main__":
    main()
