"""监管看板: every figure equals the count of the list it links to, and the records behind it counted afresh from the
base tables; a town's supervisor sees only their town; the town selector narrows every figure and its list."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from anbiao import charts, dashboard, db, overview, scope, supervision
from anbiao.due import local_now

from .loop_helpers import ent_id, uid

FIGURE = re.compile(r'<a class="figure[^"]*" href="([^"]*)"[^>]*>([\d.]+)</a>')
ROW = re.compile(r'<a class="row" href="/enterprises/(\d+)"(?: data-figure="(\d+)")?')
NEXT = re.compile(r'<a class="button" href="([^"]*)">下一页</a>')
EAST = "丰泽区/东海街道"  # enterprise 1's town (town1's scope)
WEST = "晋江市/安海镇"


def _ago(days: int) -> str:
    return (local_now().date() - timedelta(days=days)).isoformat()


def _hazard(conn, enterprise_id, *, status="assigned", level="general", late_days=None, owner="manager1"):
    """A hazard written straight into the table: the figures are about counting, not about the loop."""
    deadline = _ago(late_days) if late_days is not None else (_ago(-5) if status == "assigned" else None)
    conn.execute("INSERT INTO hazards (enterprise_id, source, description, category, level, status, reported_by,"
                 " reported_at, owner_id, deadline) VALUES (?, 'report', '看板测试隐患', 'thing', ?, ?, ?, ?, ?, ?)",
                 (enterprise_id, level, status, uid(conn, owner), db.now(),
                  uid(conn, owner) if status != "reported" else None, deadline))


def _enterprise(conn, name, grid_name, *, star=0, standard="none", industry="工贸"):
    grid = conn.execute("SELECT id FROM grids WHERE name = ?", (grid_name,)).fetchone()[0]
    number = conn.execute("SELECT COUNT(*) FROM enterprises").fetchone()[0] + 1
    return conn.execute("INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, star_rating,"
                        " standard_status, created_at, updated_at) VALUES (?, ?, ?, 'small_micro', ?, ?, ?, ?, ?)",
                        (name, f"TEST{number:014d}", industry, grid, star, standard, db.now(), db.now())).lastrowid


def _sign(conn, enterprise_id, kind, state="intact"):
    conn.execute("INSERT INTO signs (enterprise_id, kind, title, state, created_at, updated_at)"
                 " VALUES (?, ?, '看板测试标识', ?, ?, ?)", (enterprise_id, kind, state, db.now(), db.now()))


@pytest.fixture
def world(conn):
    """The demo's two enterprises and two more made by hand: hazards past their deadlines by 2, 10, 10, 45 and 120
    days, an open and a closed major hazard, all six 六有 kinds at one enterprise (one of them only 缺失 at another),
    stars and standardization of every kind."""
    e1, e2 = ent_id(conn), ent_id(conn, "晋江市恒力机械制造有限公司")
    with conn.atomic():
        e3 = _enterprise(conn, "看板测试一号五金有限公司", "丰泽区东海街道第一网格", star=3, standard="provincial")
        e4 = _enterprise(conn, "看板测试二号鞋业有限公司", "晋江市安海镇第三网格", star=2, standard="local")
        for enterprise_id, days in ((e1, 2), (e1, 10), (e3, 10), (e3, 45), (e4, 120), (e2, 45)):
            _hazard(conn, enterprise_id, late_days=days, owner="manager1" if enterprise_id in (e1, e3) else "manager2")
        _hazard(conn, e3, status="reported", level="major")
        _hazard(conn, e4, status="closed", level="major", owner="manager2")
        for kind in ("floor_line", "nameplate", "post_warning", "instruction", "flow_label", "valve_tag"):
            _sign(conn, e3, kind)
        _sign(conn, e4, "floor_line")
        _sign(conn, e4, "nameplate", state="missing")
    overview.refresh(conn)
    return {"e1": e1, "e2": e2, "e3": e3, "e4": e4}


def truth(conn, where: str, params: list) -> dict:
    """Each figure counted afresh from the base tables, not from the overview the dashboard reads."""
    today = local_now().date()
    scoped = f"FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id WHERE ({where})"

    def count(sql, args=(), scope_first=True):
        # The scope's condition comes first in a query on enterprises, last in one on hazards.
        values = [*params, *args] if scope_first else [*args, *params]
        return conn.execute(sql, values).fetchone()[0] or 0

    late = ("SELECT COUNT(*) FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id LEFT JOIN grids g"
            f" ON g.id = e.grid_id WHERE h.status = 'assigned' AND h.deadline BETWEEN ? AND ? AND ({where})")
    found = {
        "enterprises": count(f"SELECT COUNT(*) {scoped}"),
        "major": count("SELECT COUNT(*) FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id LEFT JOIN grids g"
                       f" ON g.id = e.grid_id WHERE h.level = 'major' AND h.status != 'closed' AND ({where})"),
        "late": count(late, [_ago(100000), _ago(1)], False),
        "late_week": count(late, [_ago(7), _ago(1)], False), "late_month": count(late, [_ago(30), _ago(8)], False),
        "late_quarter": count(late, [_ago(90), _ago(31)], False),
        "late_older": count(late, [_ago(100000), _ago(91)], False),
        "uncoloured": count(f"SELECT COUNT(*) {scoped} AND e.colour IS NULL"),
    }
    for colour in dashboard.COLOURS:
        found[f"colour:{colour}"] = count(f"SELECT COUNT(*) {scoped} AND e.colour = ?", [colour])
    for code in ("none", "self_assessed", "national", "provincial", "local"):
        found[f"standard_{code}"] = count(f"SELECT COUNT(*) {scoped} AND e.standard_status = ?", [code])
    for n in range(4):
        found[f"star_{n}"] = count(f"SELECT COUNT(*) {scoped} AND e.star_rating = ?", [n])
    kinds = ("SELECT COUNT(DISTINCT s.kind) FROM signs s WHERE s.enterprise_id = e.id AND s.retired_at IS NULL"
             " AND s.state != 'missing' AND s.kind IN ('floor_line', 'nameplate', 'post_warning', 'instruction',"
             " 'flow_label', 'valve_tag')")
    found["liuyou_full"] = count(f"SELECT COUNT(*) {scoped} AND ({kinds}) = 6")
    found["liuyou_part"] = count(f"SELECT COUNT(*) {scoped} AND ({kinds}) BETWEEN 1 AND 5")
    found["liuyou_none"] = count(f"SELECT COUNT(*) {scoped} AND ({kinds}) = 0")
    first = dashboard._utc(today.replace(day=1))
    visited = ("SELECT MAX(i.submitted_at) FROM inspections i JOIN checklists c ON c.id = i.checklist_id"
               " WHERE c.enterprise_id = e.id AND c.tier = 'grid'")
    found["month_visited"] = count(f"SELECT COUNT(*) {scoped} AND ({visited}) >= ?", [first])
    since = dashboard._utc(dashboard.visit_plan.add_months(today.replace(day=1), -11))
    latest = [r for r in conn.execute(
        "SELECT * FROM (SELECT s.total, ROW_NUMBER() OVER (PARTITION BY s.unit_id ORDER BY s.scored_at DESC, s.id DESC)"
        " AS n FROM five_s_scores s JOIN enterprises e ON e.id = s.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
        f" WHERE s.person IS NULL AND s.scored_at >= ? AND ({where})) WHERE n = 1", [since, *params])]
    found["five_s_scored"] = len(latest)
    found["five_s_low"] = sum(1 for r in latest if r["total"] < 80)
    return found


def board(client, url="/dashboard") -> list[tuple[str, float, dict]]:
    """The dashboard's figures: (link, number, the link's query) for every enterprise-list number on the page."""
    answer = client.get(url)
    assert answer.status_code == 200
    found = []
    for href, number in FIGURE.findall(answer.get_data(as_text=True)):
        href = html.unescape(href)
        query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        found.append((href, float(number), query))
    return found


def listed(client, href: str) -> float:
    """What the list behind a figure adds up to: its rows' own figure where they show one, else its rows, every page."""
    total, seen = 0, set()
    while href:
        page = client.get(href)
        assert page.status_code == 200, href
        text = page.get_data(as_text=True)
        for enterprise_id, figure in ROW.findall(text):
            assert enterprise_id not in seen, "an enterprise is listed twice"
            seen.add(enterprise_id)
            total += int(figure) if figure else 1
        more = NEXT.search(text)
        href = html.unescape(more.group(1)) if more else None
    return total


def _key(query: dict, town: str | None) -> str | None:
    if query.get("town") != town:  # a row of the towns table: checked against its list only
        return None
    if "colour" in query:
        return f"colour:{query['colour']}"
    return query.get("only") or "enterprises"


def _checked(client, conn, url, where, params) -> int:
    expected = truth(conn, where, params)
    figures = [(href, n, q) for href, n, q in board(client, url) if urlsplit(href).path == "/enterprises"]
    assert len(figures) > 20
    checked = 0
    for href, number, query in figures:
        assert listed(client, href) == number, href
        key = _key(query, parse_qs(urlsplit(url).query).get("town", [None])[0])
        if key in expected:
            assert number == expected[key], (key, number, expected[key])
            checked += 1
    return checked


def test_every_figure_equals_its_lists_count_and_the_records_behind_it(world, signed_in, conn):
    supervisor = signed_in("supervisor")
    assert _checked(supervisor, conn, "/dashboard", "1", []) >= 20
    figures = dashboard.figures(conn, "1", [])
    # The hand-built ages: 2 → 0–7; 10, 10 → 8–30; 45, 45 → 31–90; 120 → over 90 (plus the demo's own, counted afresh).
    assert figures["late_week"] >= 1 and figures["late_month"] >= 2 and figures["late_quarter"] >= 2
    assert figures["late_older"] >= 1
    assert figures["late_total"] == figures["overdue_hazards"]
    assert figures["liuyou_full"] == 1 and figures["star_3"] == 1


def test_a_town_supervisor_sees_only_their_town(world, signed_in, conn):
    town1 = signed_in("town1")
    where, params = "g.county = ? AND g.township = ?", EAST.split("/")
    assert _checked(town1, conn, "/dashboard", where, params) >= 20
    page = town1.get("/dashboard").get_data(as_text=True)
    assert "晋江" not in page and "看板测试二号" not in page
    assert town1.get(f"/dashboard?town={WEST}").status_code == 404
    assert town1.get(f"/enterprises?only=late_older&town={WEST}").status_code == 404
    # The list behind a figure holds only the town's enterprises.
    listed_ids = set(ROW_IDS.findall(town1.get("/enterprises?only=star_3").get_data(as_text=True)))
    assert listed_ids == {str(world["e3"])}
    user = dict(conn.execute("SELECT * FROM users WHERE username = 'town1'").fetchone())
    assert dashboard.figures(conn, *scope.enterprise_where(user))["enterprises"] == 2


ROW_IDS = re.compile(r'<a class="row" href="/enterprises/(\d+)"')


def test_the_town_selector_narrows_every_figure_and_its_list(world, signed_in, conn):
    supervisor = signed_in("supervisor")
    page = supervisor.get("/dashboard").get_data(as_text=True)
    assert f'<option value="{EAST}"' in page and f'<option value="{WEST}"' in page
    where, params = "g.county = ? AND g.township = ?", WEST.split("/")
    assert _checked(supervisor, conn, f"/dashboard?town={WEST}", where, params) >= 20
    for href, _, query in board(supervisor, f"/dashboard?town={WEST}"):
        if urlsplit(href).path == "/enterprises":
            assert query.get("town") == WEST, href
    assert supervisor.get("/dashboard?town=无此县/无此镇").status_code == 404


def test_the_towns_table_adds_up_to_the_whole(world, signed_in, conn):
    whole, towns = dashboard.by_town(conn, "1", [])
    assert whole == dashboard.figures(conn, "1", [])
    assert [t["key"] for t in towns] == sorted([EAST, WEST])
    for column in ("enterprises", "overdue_hazards", "major_hazards", "month_due", "month_visited", "liuyou_full",
                   "five_s_low", "colour_red"):
        assert sum(t[column] for t in towns) == whole[column], column


def test_a_figure_follows_the_records_as_they_change(world, signed_in, conn):
    supervisor = signed_in("supervisor")
    before = {q.get("only"): n for _, n, q in board(supervisor) if "town" not in q}
    with conn.atomic():
        _hazard(conn, world["e4"], late_days=95, owner="manager2")
        conn.execute("UPDATE signs SET state = 'missing' WHERE enterprise_id = ? AND kind = 'valve_tag'",
                     (world["e3"],))
        conn.execute("UPDATE enterprises SET star_rating = 1 WHERE id = ?", (world["e4"],))
    after = {q.get("only"): n for _, n, q in board(supervisor) if "town" not in q}
    assert after["late_older"] == before["late_older"] + 1
    assert after["liuyou_full"] == before["liuyou_full"] - 1 and after["liuyou_part"] == before["liuyou_part"] + 1
    assert after["star_2"] == before["star_2"] - 1 and after["star_1"] == before["star_1"] + 1


def test_supervised_listings_are_counted_by_level_with_their_five_checks(world, signed_in, conn):
    hazard = conn.execute("SELECT id FROM hazards WHERE enterprise_id = ? AND level = 'major' AND status = 'reported'",
                          (world["e3"],)).fetchone()[0]
    today = local_now().date()
    before = dashboard.supervised(conn, "1", [], today)
    with conn.atomic():
        listing = conn.execute("INSERT INTO supervisions (hazard_id, level, unit, listed_on, deadline)"
                               " VALUES (?, 'city', '市安委办', ?, ?)", (hazard, _ago(20), _ago(3))).lastrowid
        for item in ("goal", "funds", "people", "time", "plan"):
            conn.execute("INSERT INTO supervision_checks (supervision_id, item, done) VALUES (?, ?, 1)",
                         (listing, item))
    found = dashboard.supervised(conn, "1", [], today)
    added = {k: found[k] - before[k] for k in ("listed", "city", "county", "province", "late", "complete")}
    assert added == {"listed": 1, "city": 1, "county": 0, "province": 0, "late": 1, "complete": 1}
    mine = next(r for r in found["rows"] if r["id"] == listing)
    assert mine["done"] == 5 and mine["late"]
    # The figure links to the 挂牌督办 list, whose count is the same.
    assert supervision.search(conn, "1", [], state="active")[1] == found["listed"]
    assert supervision.search(conn, "1", [], state="active", level="city")[1] == found["city"]
    page = signed_in("supervisor").get("/dashboard").get_data(as_text=True)
    assert "5/5" in page and "看板测试隐患" in page
    # town1 sees it (enterprise 3 is in their town); a scope without it counts none.
    east, west = (dashboard.supervised(conn, "g.township = ?", [town], today) for town in ("东海街道", "安海镇"))
    assert east["listed"] + west["listed"] == found["listed"] and mine["id"] in [r["id"] for r in east["rows"]]


def test_the_overdue_bands_are_the_librarys(world, signed_in, conn):
    """Narrowing the first band in the library to 0–1 days moves the hazards 2–7 days late to the second, and the words
    follow."""
    def sums():
        return tuple(conn.execute("SELECT SUM(late_week), SUM(late_month) FROM enterprise_overview").fetchone())

    ids = [r[0] for r in conn.execute("SELECT id FROM enterprise_overview")]
    dashboard.keep(conn, ids, local_now())
    week, month = sums()
    today = local_now().date()
    span = ((today - timedelta(days=7)).isoformat(), (today - timedelta(days=2)).isoformat())
    moved = conn.execute("SELECT COUNT(*) FROM hazards WHERE status = 'assigned' AND deadline BETWEEN ? AND ?",
                         span).fetchone()[0]
    assert moved >= 1  # the world's hazard 2 days late, and any of the demo's
    with conn.atomic():
        for code, name, days in (("week", "0–1 天", "[0, 1]"), ("month", "2–30 天", "[2, 30]")):
            conn.execute("UPDATE library_items SET name = ?, extra = json_set(extra, '$.days', json(?)) WHERE code = ?"
                         " AND doc_id IN (SELECT id FROM library_docs WHERE kind = 'overdue_ages')", (name, days, code))
        dashboard.keep(conn, ids, local_now())
    assert sums() == (week - moved, month + moved)
    supervisor = signed_in("supervisor")
    assert "逾期 2–30 天" in supervisor.get("/dashboard").get_data(as_text=True)
    assert "有逾期 0–1 天的隐患的企业" in supervisor.get("/enterprises?only=late_week").get_data(as_text=True)


SUPERVISED = re.compile(r'<a class="figure " href="(/supervision\?[^"]*)">(\d+)</a></strong> 条督办中')


@pytest.mark.parametrize("town", [EAST, WEST])
def test_a_towns_supervision_figure_links_to_that_towns_listings(world, signed_in, conn, town):
    hazard = conn.execute("SELECT id FROM hazards WHERE enterprise_id = ? AND level = 'major' AND status = 'reported'",
                          (world["e3"],)).fetchone()[0]
    with conn.atomic():
        conn.execute("INSERT INTO supervisions (hazard_id, level, unit, listed_on, deadline)"
                     " VALUES (?, 'county', '县安委办', ?, ?)", (hazard, _ago(5), _ago(-20)))
    supervisor = signed_in("supervisor")
    href, number = SUPERVISED.search(supervisor.get(f"/dashboard?town={town}").get_data(as_text=True)).groups()
    listing = supervisor.get(html.unescape(href)).get_data(as_text=True)
    assert f"共 {number} 条" in listing
    assert ("看板测试隐患" in listing) == (town == EAST) == (int(number) >= 1)


@pytest.mark.parametrize("account", ["grid1", "manager1", "head1", "leader1"])
def test_only_supervisors_and_admins_open_the_dashboard(signed_in, account):
    client = signed_in(account)
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/print").status_code == 403


def test_the_print_page_holds_the_same_figures(world, signed_in):
    supervisor = signed_in("supervisor")
    screen = [(h, n) for h, n, _ in board(supervisor)]
    paper = [(h, n) for h, n, _ in board(supervisor, "/dashboard/print")]
    assert screen[1:] == paper  # the page's heading names the scope's enterprises; the paper's says it in words


def test_charts_are_drawn_in_proportion_and_keep_every_part_in_the_legend():
    parts = [{"label": "甲", "value": 3}, {"label": "乙", "value": 0}, {"label": "丙", "value": 1}]
    bar = charts.stacked(parts, width=400)
    assert [i["length"] for i in bar["items"]] == [300.0, 100.0] and [p["share"] for p in bar["parts"]] == [75, 0, 25]
    ring = charts.donut([{"label": "甲", "value": 5}])
    assert ring["items"][0]["path"].count("A") == 4  # a whole ring: two half arcs outside, two inside
    assert len(charts.donut(parts)["items"]) == 2
    bars = charts.bars([{"label": "甲", "value": 10}, {"label": "乙", "value": 5}], width=300, label_width=100)
    assert bars["items"][0]["length"] == 152 and bars["items"][1]["length"] == 76
    assert charts.stacked([{"label": "甲", "value": 0}])["items"] == []


def test_keeping_the_dashboards_columns_reads_every_table_by_index(world, conn):
    """The statement that keeps the dashboard's columns of the overview rows never reads a big table whole."""
    conn.execute("UPDATE enterprise_overview SET valid_until = ''")
    statements = []
    conn.conn.set_trace_callback(statements.append)
    try:
        overview.refresh(conn)
    finally:
        conn.conn.set_trace_callback(None)
    kept = [sql for sql in statements if "five_s_scores" in sql]
    assert kept, "the dashboard's columns were not kept"
    assert [db.full_scans(conn, sql) for sql in kept] == [[]] * len(kept)


@pytest.mark.parametrize("code", [*dashboard.DRILLS, "colour"])
def test_each_list_behind_a_figure_walks_only_its_own_rows_in_order(conn, code):
    """A county's list behind a figure reads an index holding just its rows, worst first, and stops at its page: a
    rare condition (hazards over 90 days late, 六有齐全) never walks every enterprise to find its few."""
    statements = []
    conn.conn.set_trace_callback(statements.append)
    try:
        overview.worst(conn, "1", [], **({"colour": "red"} if code == "colour" else {"only": code}))
    finally:
        conn.conn.set_trace_callback(None)
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statements[0])]
    assert any("USING INDEX overview_" in step for step in plan) and not any("TEMP B-TREE" in s for s in plan), plan
    assert not any(step.startswith("SCAN e USING INDEX overview_worst") for step in plan), plan
