"""企业检查情况 kept per enterprise: the supervisor's counts agree with the checklists' own state at any time,
follow every submission and report at once, and the lists behind them page by keyset."""

import re
import threading
from datetime import UTC, timedelta

import pytest

from anbiao import db, due, enterprises, overview, scope

from .loop_helpers import report, submit_card


def reference(conn, enterprise_id, now):
    """The enterprise's numbers computed the slow way: the pure rule of each checklist from its inspections."""
    shifts = due.parse_shifts(conn.execute("SELECT shifts FROM enterprises WHERE id = ?",
                                           (enterprise_id,)).fetchone()[0])
    lists = db.rows(conn, "SELECT c.* FROM checklists c LEFT JOIN units u ON u.id = c.unit_id WHERE c.enterprise_id = ?"
                          " AND c.tier != 'grid' AND c.archived_at IS NULL AND (u.id IS NULL OR u.archived_at IS NULL)",
                    (enterprise_id,))
    found = {"checklists": len(lists), "done": 0, "overdue": 0}
    for c in lists:
        done_at = [r[0] for r in conn.execute("SELECT submitted_at FROM inspections WHERE checklist_id = ?"
                                              " AND submitted_at <= ?", (c["id"], now.astimezone(UTC).isoformat()))]
        state = due.status(c["frequency"], shifts, c["created_at"], done_at, now)
        found["done"] += state.state == "done"
        found["overdue"] += state.overdue
    return found


def kept(conn, enterprise_id, now):
    """The enterprise's numbers as the overview keeps them, refreshed as of `now`."""
    conn.execute("UPDATE enterprise_overview SET valid_until = ''")
    overview.refresh(conn, now)
    row = db.one(conn, "SELECT checklists, done, overdue FROM enterprise_overview WHERE id = ?", (enterprise_id,))
    return dict(row)


@pytest.mark.parametrize("hours", [0, 5, 11, 12, 13, 24 * 3, 24 * 8, 24 * 40])
def test_overview_agrees_with_each_checklists_own_state_at_any_time(conn, hours):
    """Done and overdue per enterprise equal the pure per-checklist rule, now and after boundaries pass."""
    now = due.local_now() + timedelta(hours=hours)
    for (enterprise_id,) in conn.execute("SELECT id FROM enterprises").fetchall():
        assert kept(conn, enterprise_id, now) == reference(conn, enterprise_id, now)


def test_a_submitted_card_counts_as_done_on_the_supervisor_home_at_once(signed_in, conn):
    """leader1 submits the 充装班 card; the supervisor's 本期已完成 goes up by one on the next page view."""
    supervisor, leader = signed_in("supervisor"), signed_in("leader1")
    before = done_count(supervisor.get("/").get_data(as_text=True))
    submit_card(leader, conn)
    assert done_count(supervisor.get("/").get_data(as_text=True)) == before + 1


def done_count(page):
    return int(re.search(r"本期已完成 (\d+)", page).group(1))


def test_a_reported_major_hazard_shows_on_the_supervisor_home_at_once(signed_in, conn):
    """A 重大隐患 from 随手拍 is counted and listed under 挂牌督办 on the next page view."""
    supervisor, leader = signed_in("supervisor"), signed_in("leader1")
    counted = re.compile(r"<strong[^>]*>(\d+)</strong> 条重大隐患")
    before = int(counted.search(supervisor.get("/").get_data(as_text=True)).group(1))
    report(leader, conn, level="major", description="液化气储罐区可燃气体报警器失效")
    page = supervisor.get("/").get_data(as_text=True)
    assert int(counted.search(page).group(1)) == before + 1
    assert "液化气储罐区可燃气体报警器失效" in page


def test_archiving_a_post_takes_its_card_out_of_the_counts(signed_in, conn):
    """A post the manager archives no longer owes its card: the enterprise's checklist count drops by one."""
    manager = signed_in("manager1")
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    now = due.local_now()
    before = kept(conn, enterprise_id, now)["checklists"]
    post = conn.execute("SELECT id FROM units WHERE name = '巡线班'").fetchone()[0]
    assert manager.post(f"/enterprises/{enterprise_id}/units/{post}/archive", {}).status_code in (200, 302)
    overview.refresh(conn, now)
    row = db.one(conn, "SELECT checklists FROM enterprise_overview WHERE id = ?", (enterprise_id,))
    assert row["checklists"] == before - 1 == reference(conn, enterprise_id, now)["checklists"]


def many_enterprises(conn, count):
    """`count` more enterprises in grid 1, straight into the database (the triggers add their overview rows)."""
    stamp = db.now()
    for n in range(count):
        conn.execute("INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, created_at,"
                     " updated_at) VALUES (?, ?, '工贸', 'small_micro', 1, ?, ?)",
                     (f"测试企业{n:03d}", f"TEST{n:014d}", stamp, stamp))
    conn.conn.commit()


def test_enterprise_list_pages_by_keyset_without_repeats_or_gaps(signed_in, conn):
    """120 more enterprises: 下一页 walks all of them by name, 50 a page, each exactly once."""
    many_enterprises(conn, 120)
    supervisor = signed_in("supervisor")
    seen, url, pages = [], "/enterprises", 0
    while url:
        page = supervisor.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/enterprises/(\d+)"', page)
        following = re.search(r'href="(/enterprises\?[^"]*after=\d+[^"]*)">下一页', page)
        url = following.group(1).replace("&amp;", "&") if following else None
        pages += 1
    total = conn.execute("SELECT COUNT(*) FROM enterprises").fetchone()[0]
    assert pages == 3
    assert sorted(map(int, seen)) == sorted(r[0] for r in conn.execute("SELECT id FROM enterprises"))
    assert len(seen) == total == 122


def test_worst_first_list_puts_enterprises_with_major_hazards_on_top(signed_in, conn):
    """The drill-down 有重大隐患 lists only enterprises with open major hazards, the most first."""
    many_enterprises(conn, 60)
    supervisor = signed_in("supervisor")
    page = supervisor.get("/enterprises?only=major").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'href="/enterprises/(\d+)"', page)]
    overview.refresh(conn)
    expected = [r[0] for r in conn.execute("SELECT id FROM enterprise_overview WHERE major_hazards > 0"
                                           " ORDER BY major_hazards DESC, overdue_hazards DESC, id DESC")]
    assert shown and shown == expected


def test_supervisor_scoped_to_an_industry_counts_only_that_industry(conn):
    """A supervisor of 城镇燃气 counts the gas enterprise only."""
    overview.refresh(conn)
    gas = {"role": "supervisor", "scope_industry": "城镇燃气"}
    assert overview.totals(conn, *scope.enterprise_where(gas))["enterprises"] == 1
    everyone = overview.totals(conn, *scope.enterprise_where({"role": "supervisor"}))
    assert everyone["enterprises"] == 2
    assert sum(everyone["by_standard"].values()) == 2
    assert set(everyone["by_standard"]) == set(enterprises.STANDARD_STATUS)


def test_hazard_list_pages_by_keyset_and_counts_every_match(signed_in, conn):
    """70 reported hazards: the first page shows 50 and 共 N 条 counts them all; 下一页 shows the rest."""
    leader = signed_in("leader1")
    for n in range(70):
        report(leader, conn, description=f"第{n}号隐患：消防通道堆放杂物")
    manager = signed_in("manager1")
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    total = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ?", (enterprise_id,)).fetchone()[0]
    first = manager.get(f"/enterprises/{enterprise_id}/hazards").get_data(as_text=True)
    assert f"共 {total} 条，本页 50 条" in first
    shown = re.findall(r'href="/hazards/(\d+)"', first)
    following = re.search(r'href="([^"]*before=\d+[^"]*)">下一页', first).group(1).replace("&amp;", "&")
    second = manager.get(following).get_data(as_text=True)
    shown += re.findall(r'href="/hazards/(\d+)"', second)
    assert len(shown) == len(set(shown)) == total


def test_refresher_recomputes_rows_a_period_boundary_made_stale(app, conn):
    """The background refresher picks up a row whose period ended, without any page being opened."""
    enterprise_id = conn.execute("SELECT id FROM enterprises ORDER BY id LIMIT 1").fetchone()[0]
    overview.refresh(conn)
    right = db.one(conn, "SELECT checklists FROM enterprise_overview WHERE id = ?", (enterprise_id,))["checklists"]
    conn.execute("UPDATE enterprise_overview SET checklists = 999, valid_until = '2000-01-01T00:00:00+00:00'"
                 " WHERE id = ?", (enterprise_id,))
    conn.conn.commit()
    stop = threading.Event()
    thread = overview.keep_fresh(app.logger, stop)
    try:
        for _ in range(100):  # polls for up to 10 s; the refresher runs at once
            found = db.one(conn, "SELECT checklists FROM enterprise_overview WHERE id = ?", (enterprise_id,))
            if found["checklists"] != 999:
                break
            stop.wait(0.1)
    finally:
        stop.set()
        thread.join(5)
    assert found["checklists"] == right


def test_an_enterprise_moved_to_another_grid_leaves_the_old_grids_count(conn):
    """Moving an enterprise from grid 1 to grid 2: grid 1 counts one fewer, grid 2 one more."""
    overview.refresh(conn)
    count = {g: overview.totals(conn, "e.grid_id = ?", [g])["enterprises"] for g in (1, 2)}
    moved = conn.execute("SELECT id FROM enterprises WHERE grid_id = 1 LIMIT 1").fetchone()[0]
    conn.execute("UPDATE enterprises SET grid_id = 2 WHERE id = ?", (moved,))
    overview.refresh(conn)
    assert overview.totals(conn, "e.grid_id = ?", [1])["enterprises"] == count[1] - 1
    assert overview.totals(conn, "e.grid_id = ?", [2])["enterprises"] == count[2] + 1
