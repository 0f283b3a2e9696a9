"""The colour drives inspection: the frequency table (months per colour and size class) sets each enterprise's next
grid visit, kept in its overview row; the grid worker's plan lists the grid by that date, overdue first and the
worse colour first on the same date, and the day made ready offline takes those due."""

import re
from datetime import UTC, date, timedelta

import pytest

from anbiao import db, due, overview, prepare, scope, visit_plan

from .loop_helpers import ent_id, uid

WORKS = "晋江市恒力机械制造有限公司"
# The defaults of inspect/reference/visit_frequency.toml: red monthly, orange every two months, yellow quarterly,
# blue half-yearly; small and micro enterprises one step looser at yellow and blue.
MONTHS = {"red": {"above_scale": 1, "medium": 1, "small_micro": 1},
          "orange": {"above_scale": 2, "medium": 2, "small_micro": 2},
          "yellow": {"above_scale": 3, "medium": 3, "small_micro": 4},
          "blue": {"above_scale": 6, "medium": 6, "small_micro": 12}}


def test_the_frequency_table_is_read_from_the_library(conn):
    assert visit_plan.frequency(conn) == MONTHS


@pytest.mark.parametrize("colour", list(MONTHS))
@pytest.mark.parametrize("size", ["above_scale", "medium", "small_micro"])
def test_the_next_visit_is_the_last_plus_the_months_of_its_colour_and_size(conn, colour, size):
    table = visit_plan.frequency(conn)
    last = date(2026, 3, 10)
    expected = date(2026, 3 + MONTHS[colour][size], 10) if 3 + MONTHS[colour][size] <= 12 else date(2027, 3, 10)
    assert visit_plan.next_visit(last, date(2020, 1, 1), colour, size, table) == expected


def test_a_month_later_than_a_long_month_end_is_the_shorter_months_last_day():
    assert visit_plan.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert visit_plan.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert visit_plan.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert visit_plan.add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)


def test_never_visited_is_due_from_the_day_it_was_registered(conn):
    table = visit_plan.frequency(conn)
    assert visit_plan.next_visit(None, date(2026, 5, 4), "blue", "small_micro", table) == date(2026, 5, 4)


# ---- kept in the overview and read by the grid's plan ----

def enterprise(conn, name, colour, size="medium", grid=2, visited_days_ago=None, created_days_ago=0) -> int:
    """An enterprise in a grid with a colour set by 整体评估 (so the rule leaves it) and, if given, its last grid
    visit that many days ago."""
    now = due.local_now()
    created = (now - timedelta(days=created_days_ago)).astimezone(UTC).isoformat(timespec="seconds")
    with conn.atomic():
        new = conn.execute("INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, colour_override,"
                           " created_at, updated_at) VALUES (?, ?, '工贸', ?, ?, ?, ?, ?)",
                           (name, f"PLAN{abs(hash(name)) % 10**14:014d}", size, grid, colour, created,
                            created)).lastrowid
        if visited_days_ago is not None:
            guide = conn.execute("INSERT INTO checklists (enterprise_id, tier, title, frequency, created_at)"
                                 " VALUES (?, 'grid', '网格员检查导则', 'monthly', ?)", (new, created)).lastrowid
            at = (now - timedelta(days=visited_days_ago)).astimezone(UTC).isoformat(timespec="seconds")
            conn.execute("INSERT INTO inspections (checklist_id, enterprise_id, inspector_id, submitted_at)"
                         " VALUES (?,?,?,?)", (guide, new, uid(conn, "grid2"), at))
    return new


def plan_of(conn, username="grid2", now=None):
    now = now or due.local_now()
    overview.refresh(conn, now)
    worker = db.one(conn, "SELECT * FROM users WHERE username = ?", (username,))
    return visit_plan.plan(conn, *scope.enterprise_where(worker), now.date())


def test_the_plan_lists_overdue_first_then_by_date_and_the_worse_colour_first_on_the_same_date(conn):
    ids = {name: enterprise(conn, name, colour, size, visited_days_ago=days) for name, colour, size, days in [
        ("蓝色小微·今日到期", "blue", "small_micro", None),  # never visited, registered today: due now
        ("橙色·逾期十天", "orange", "medium", None),
        ("黄色·两月前检查", "yellow", "above_scale", 61),
        ("红色·今日到期", "red", "medium", None),
        ("黄色·今日到期", "yellow", "medium", None),
    ]}
    with conn.atomic():  # registered ten days ago and never visited: ten days overdue
        conn.execute("UPDATE enterprises SET created_at = ? WHERE id = ?", (
            (due.local_now() - timedelta(days=10)).astimezone(UTC).isoformat(timespec="seconds"), ids["橙色·逾期十天"]))
    found = plan_of(conn)
    names = [e["name"] for e in found["rows"]]
    assert names.index("橙色·逾期十天") == 0
    today = [n for n in names if n.endswith("今日到期")]
    assert today == ["红色·今日到期", "黄色·今日到期", "蓝色小微·今日到期"]  # one date: red, then yellow, then blue
    assert names.index("蓝色小微·今日到期") < names.index("黄色·两月前检查")  # due in a month, after today
    rows = {e["name"]: e for e in found["rows"]}
    assert rows["橙色·逾期十天"]["late_days"] == 10 and rows["红色·今日到期"]["late_days"] == 0
    assert rows["黄色·两月前检查"]["next_on"] == visit_plan.add_months(
        (due.local_now() - timedelta(days=61)).date(), 3)
    assert found["total"] == len(names) == 6 and found["overdue"] >= 1 and found["today"] == 3


def test_a_grid_visit_moves_the_enterprise_back_by_its_months(conn):
    works = ent_id(conn, WORKS)
    before = {e["id"]: e for e in plan_of(conn)["rows"]}[works]
    assert before["colour"] == "red" and before["late_days"] > 0  # above scale, red, last visit 33 days ago
    guide = conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'grid'", (works,)).fetchone()[0]
    with conn.atomic():
        conn.execute("INSERT INTO inspections (checklist_id, enterprise_id, inspector_id, submitted_at)"
                     " VALUES (?,?,?,?)", (guide, works, uid(conn, "grid2"), db.now()))
    after = {e["id"]: e for e in plan_of(conn)["rows"]}[works]
    assert after["next_on"] == visit_plan.add_months(due.local_now().date(), 1)


def test_a_change_of_colour_moves_the_next_visit_at_once(conn):
    works = ent_id(conn, WORKS)
    red = {e["id"]: e for e in plan_of(conn)["rows"]}[works]
    last = red["last_local"].date()
    assert red["next_on"] == visit_plan.add_months(last, 1)  # red: monthly
    with conn.atomic():
        conn.execute("UPDATE hazards SET status = 'closed' WHERE enterprise_id = ? AND level = 'major'", (works,))
    yellow = {e["id"]: e for e in plan_of(conn)["rows"]}[works]
    assert yellow["colour"] == "yellow" and yellow["next_on"] == visit_plan.add_months(last, 3)  # quarterly
    assert conn.execute("SELECT next_visit_on FROM enterprise_overview WHERE id = ?", (works,)).fetchone()[0] == (
        yellow["next_on"].isoformat())


def test_the_plan_reads_one_grids_rows_by_its_index(conn):
    steps = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT e.id FROM enterprise_overview e JOIN enterprises x ON x.id = e.id"
        f" WHERE (e.grid_id = ?) ORDER BY e.next_visit_on, {visit_plan.COLOUR_ORDER}, e.id LIMIT 50", (2,)))
    assert "overview_plan" in steps and "SCAN" not in steps


def test_the_grid_workers_home_shows_the_plan_with_colour_size_last_visit_and_days_overdue(conn, signed_in):
    enterprise(conn, "晋江市安海鞋业有限公司", "blue", "small_micro", visited_days_ago=10)
    page = signed_in("grid2").get("/").get_data(as_text=True)
    plan = page[page.index('id="grid"'):]
    assert plan.index(WORKS) < plan.index("晋江市安海鞋业有限公司")  # overdue before due in a year
    assert "红 · 重大风险" in plan and "蓝 · 低风险" in plan and "规模以上企业" in plan and "小微企业" in plan
    assert re.search(r"已逾期 \d+ 天", plan) and "还有" in plan


def test_a_grid_workers_day_takes_those_due_in_the_plans_order(conn):
    worker = db.one(conn, "SELECT * FROM users WHERE username = 'grid2'")
    enterprise(conn, "今日到期的蓝色企业", "blue", "medium")
    enterprise(conn, "刚检查过的红色企业", "red", "medium", visited_days_ago=1)
    day = [e["name"] for e in prepare.grid_day(conn, worker, due.local_now())]
    assert day == [WORKS, "今日到期的蓝色企业"]  # overdue, then due today; not the one visited yesterday
    later = prepare.grid_day(conn, worker, due.local_now() + timedelta(days=40))
    assert "刚检查过的红色企业" in [e["name"] for e in later]


def test_the_generated_county_has_points_of_every_colour_and_each_enterprise_a_colour_and_a_next_visit(tmp_path):
    """The benches' county (anbiao/county.py) is realistic for the plan: mixed risk points, every enterprise rolled up
    and planned."""
    from anbiao import county, storage

    storage.configure(tmp_path / "photos")
    county.generate(tmp_path / "anbiao.db", enterprises=40, days=2, progress=lambda _: None)
    try:
        conn = db.get()
        assert {r[0] for r in conn.execute("SELECT colour FROM risk_points")} == {"red", "orange", "yellow", "blue"}
        assert conn.execute("SELECT COUNT(*) FROM enterprise_overview WHERE colour IS NULL OR next_visit_on IS NULL"
                            ).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(DISTINCT enterprise_id) FROM enterprise_colours").fetchone()[0] == 40
    finally:
        db.close()
