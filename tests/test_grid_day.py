"""The grid worker's day: a 今日计划 picked from the grid's plan (add, remove, reorder; only the own grid), each
visit an inspection with the grid guide marked 四不两直 when unannounced, its presence proven by GPS or a sign scan,
and the 复查 of what government found listed by deadline."""

import re
from datetime import UTC, timedelta

import pytest

from anbiao import accounts, db, due, grid_day, overview, prepare, sign_checks, signs
from anbiao.demo import PASSWORD

from .loop_helpers import APPEND_ONLY, assign, call_off_draws, card_form, ent_id, future, post, rectify, uid
from .test_sign_scan import demo_sign

GAS = "泉州市安泰燃气有限公司"
WORKS = "晋江市恒力机械制造有限公司"
PIPES = "泉州市东海管道工程有限公司"  # a second enterprise of grid1's grid, made by the tests


def today() -> str:
    return due.local_now().date().isoformat()


def second_enterprise(conn, name=PIPES) -> int:
    """Another enterprise in grid1's grid (the demo has one per grid)."""
    stamp = due.local_now().astimezone(UTC).isoformat(timespec="seconds")
    with conn.atomic():
        new = conn.execute("INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, standard_status,"
                           " standard_grade, created_at, updated_at) SELECT ?, ?, '工贸', 'small_micro', grid_id,"
                           " 'provincial', 2, ?, ? FROM enterprises WHERE name = ?",
                           (name, f"DAY{abs(hash(name)) % 10**15:015d}", stamp, stamp, GAS)).lastrowid
    overview.refresh(conn)
    return new


def plan_ids(conn, username="grid1") -> list[int]:
    return [r[0] for r in conn.execute("SELECT enterprise_id FROM day_plans WHERE user_id = ? AND day = ?"
                                       " ORDER BY position", (uid(conn, username), today()))]


def change(client, enterprise_id, what="", **form):
    path = f"/enterprises/{enterprise_id}/day-plan" + (f"/{what}" if what else "")
    return client.post(path, {"day": today(), **form})


def section(html, ident) -> str:
    start = html.index(f'id="{ident}"')
    end = html.find("</section>", start)
    return html[start:end]


# ---- 今日计划 ----

def test_a_grid_worker_adds_removes_and_reorders_todays_plan(signed_in, conn):
    grid = signed_in("grid1")
    gas, pipes = ent_id(conn, GAS), second_enterprise(conn)
    assert change(grid, gas).status_code == 302
    assert change(grid, pipes).status_code == 302
    assert plan_ids(conn) == [gas, pipes]  # in the order picked
    assert change(grid, pipes, "move", direction="up").status_code == 302
    assert plan_ids(conn) == [pipes, gas]
    today_html = section(grid.get("/").get_data(as_text=True), "today")
    assert today_html.index(PIPES) < today_html.index(GAS) and "今日计划（2 家" in today_html
    assert change(grid, pipes, "move", direction="down").status_code == 302
    assert plan_ids(conn) == [gas, pipes]
    assert change(grid, gas, "remove").status_code == 302
    assert plan_ids(conn) == [pipes]
    assert GAS not in section(grid.get("/").get_data(as_text=True), "today")


@pytest.mark.parametrize("what, form, said", [
    ("", {}, "已在今日计划中"),
    ("", {"day": "2020-01-01"}, "只能调整今天的计划"),
    ("", {"day": ""}, "缺少计划日期"),
    ("move", {"direction": "up"}, "已在最前"),
    ("move", {"direction": "sideways"}, "请选择上移或下移"),
])
def test_a_wrong_plan_change_is_refused_in_chinese_and_changes_nothing(signed_in, conn, what, form, said):
    grid = signed_in("grid1")
    gas = ent_id(conn, GAS)
    assert change(grid, gas).status_code == 302
    before = conn.execute("SELECT * FROM day_plans").fetchall()
    answer = change(grid, gas, what, **form)
    assert answer.status_code == 422 and said in answer.get_data(as_text=True)
    assert conn.execute("SELECT * FROM day_plans").fetchall() == before


def test_removing_or_moving_what_is_not_planned_is_refused(signed_in, conn):
    grid = signed_in("grid1")
    for what, form in (("remove", {}), ("move", {"direction": "down"})):
        answer = change(grid, ent_id(conn, GAS), what, **form)
        assert answer.status_code == 422 and "不在今日计划中" in answer.get_data(as_text=True)
    assert plan_ids(conn) == []


def test_the_plan_holds_at_most_a_days_walk(signed_in, conn, monkeypatch):
    monkeypatch.setattr(grid_day, "PLAN_MAX", 1)
    grid = signed_in("grid1")
    assert change(grid, ent_id(conn, GAS)).status_code == 302
    answer = change(grid, second_enterprise(conn))
    assert answer.status_code == 422 and "最多 1 家" in answer.get_data(as_text=True)
    assert plan_ids(conn) == [ent_id(conn, GAS)]


def test_a_drawn_inspector_plans_the_enterprise_they_are_sent_to(signed_in, conn):
    """The demo's 双随机 draw sends grid1 to the other grid's machine works: they may put it on today's plan."""
    assert change(signed_in("grid1"), ent_id(conn, WORKS)).status_code == 302
    assert plan_ids(conn) == [ent_id(conn, WORKS)]


def test_only_the_grids_own_worker_plans_its_enterprises(signed_in, conn):
    """Another grid's enterprise does not exist for a grid worker (404); those who see it but do not visit it with
    the grid guide may not plan it (403); nothing is written either way."""
    works, gas = ent_id(conn, WORKS), ent_id(conn, GAS)
    call_off_draws(conn)
    assert change(signed_in("grid1"), works).status_code == 404
    assert change(signed_in("grid2"), gas, "remove").status_code == 404
    for who in ("supervisor", "admin", "manager1"):
        assert change(signed_in(who), gas).status_code == 403, who
    assert conn.execute("SELECT COUNT(*) FROM day_plans").fetchone()[0] == 0


def test_a_plan_is_its_owners_alone(signed_in, conn):
    """Another worker of the same grid has their own plan; the enterprise never sees either (四不两直)."""
    gas = ent_id(conn, GAS)
    assert change(signed_in("grid1"), gas).status_code == 302
    accounts.create(conn, username="grid1b", password=PASSWORD, name="李网格", role="grid_worker",
                    grid_id=conn.execute("SELECT grid_id FROM users WHERE username = 'grid1'").fetchone()[0])
    assert plan_ids(conn, "grid1b") == []
    assert "今日计划（0 家" in section(signed_in("grid1b").get("/").get_data(as_text=True), "today")
    for who in ("manager1", "head1", "leader1"):
        assert "今日计划" not in signed_in(who).get("/").get_data(as_text=True)


def test_a_planned_enterprise_is_started_by_a_plain_link_to_its_grid_guide(signed_in, conn):
    """Planning keeps the grid guide (made on the first plan), so 开始检查 opens offline once made ready."""
    pipes = second_enterprise(conn)
    grid = signed_in("grid1")
    assert change(grid, pipes).status_code == 302
    guide = conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'grid'", (pipes,)).fetchone()
    assert guide is not None
    today_html = section(grid.get("/").get_data(as_text=True), "today")
    assert f'href="/checklists/{guide[0]}/fill">开始检查</a>' in today_html and "今日未检查" in today_html


def test_the_plan_rows_say_size_standardization_hazards_and_liuyou_gaps(signed_in, conn):
    second_enterprise(conn)
    html = signed_in("grid1").get("/").get_data(as_text=True)
    grid = section(html, "grid")
    assert "小微企业" in grid and "标准化：省标二级" in grid and "标准化：国标三级" in grid
    six = "、".join(k["short"] for k in signs.kinds(conn).values() if k["liuyou"])
    assert f"六有：未登记 {six}" in grid  # the new one has no signs at all
    assert "逾期 1" in grid  # the gas company's overdue hazard
    assert grid.count("加入今日计划</button>") == 2
    change(signed_in("grid1"), ent_id(conn, GAS))
    grid = section(signed_in("grid1").get("/").get_data(as_text=True), "grid")
    assert grid.count("加入今日计划</button>") == 1 and "已在今日计划（第 1 家）" in grid


def test_liuyou_gaps_name_each_kind_unrecorded_missing_or_damaged(conn):
    gas = ent_id(conn, GAS)
    short = {code: k["short"] for code, k in signs.kinds(conn).items() if k["liuyou"]}
    kept = dict(conn.execute("SELECT kind, MIN(id) FROM signs WHERE enterprise_id = ? AND retired_at IS NULL"
                             " GROUP BY kind", (gas,)).fetchall())
    gaps = grid_day.liuyou_gaps(conn, [gas])[gas]
    assert gaps["unrecorded"] == [name for code, name in short.items() if code not in kept]
    recorded = [code for code in short if code in kept]
    assert len(recorded) >= 2, "the demo's gas company has signs of at least two 六有 kinds"
    conn.execute("UPDATE signs SET state = 'damaged' WHERE id = ?", (kept[recorded[0]],))
    conn.execute("UPDATE signs SET state = 'missing' WHERE id = ?", (kept[recorded[1]],))
    gaps = grid_day.liuyou_gaps(conn, [gas])[gas]
    assert (gaps["damaged"], gaps["missing"]) == ([short[recorded[0]]], [short[recorded[1]]])


# ---- a visit: 四不两直 and presence ----

def guide_of(conn, enterprise=GAS) -> tuple[int, list[dict]]:
    checklist_id = conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'grid'"
                                " AND archived_at IS NULL", (ent_id(conn, enterprise),)).fetchone()[0]
    items = [dict(r) for r in conn.execute("SELECT * FROM checklist_items WHERE checklist_id = ?"
                                           " AND removed_at IS NULL ORDER BY position", (checklist_id,))]
    return checklist_id, items


def visit(client, conn, failed=None, **extra) -> int:
    """grid1 fills the gas company's grid guide; returns the inspection."""
    checklist_id, items = guide_of(conn)
    answer = post(client, f"/checklists/{checklist_id}/inspections", card_form(items, failed, **extra))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return int(re.search(r"/inspections/(\d+)", answer.headers["Location"]).group(1))


def test_the_fill_page_of_a_grid_guide_offers_the_unannounced_mark_and_a_post_card_does_not(signed_in, conn):
    checklist_id, _ = guide_of(conn)
    assert "四不两直（未提前通知）" in signed_in("grid1").get(f"/checklists/{checklist_id}/fill").get_data(as_text=True)
    leader = signed_in("leader1")
    card = re.search(r'href="(/checklists/\d+/fill)"', leader.get("/").get_data(as_text=True)).group(1)
    assert "四不两直" not in leader.get(card).get_data(as_text=True)


def test_an_unannounced_visit_is_stored_on_the_inspection_audited_and_shown(signed_in, conn):
    grid = signed_in("grid1")
    marked = visit(grid, conn, unannounced="1")
    plain = visit(grid, conn)
    flags = dict(conn.execute("SELECT id, unannounced FROM inspections WHERE id IN (?, ?)", (marked, plain)).fetchall())
    assert flags == {marked: 1, plain: 0}
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'inspection' AND entity_id = ?"
                        " AND action = 'unannounced'", (marked,)).fetchone()[0] == 1
    assert "四不两直（未提前通知）" in grid.get(f"/inspections/{marked}").get_data(as_text=True)
    assert "四不两直" not in grid.get(f"/inspections/{plain}").get_data(as_text=True)
    # The enterprise reads the record afterwards, mark included.
    assert "四不两直（未提前通知）" in signed_in("manager1").get(f"/inspections/{marked}").get_data(as_text=True)


def test_the_unannounced_mark_is_only_for_a_grid_guide(signed_in, conn):
    from .loop_helpers import card

    leader = signed_in("leader1")
    checklist_id, items = card(conn)
    answer = post(leader, f"/checklists/{checklist_id}/inspections", card_form(items, unannounced="1"))
    assert answer.status_code == 302
    assert conn.execute("SELECT unannounced FROM inspections ORDER BY id DESC LIMIT 1").fetchone()[0] == 0


def presence_of(client, inspection_id) -> str:
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    return re.sub(r"\s+", " ", re.search(r'id="visit-presence">(.*?)</dd>', html, re.S).group(1))


def test_presence_is_shown_as_gps_or_a_scan_at_that_enterprise(signed_in, conn):
    grid = signed_in("grid1")
    nowhere = visit(grid, conn)
    assert presence_of(grid, nowhere).startswith("到场：未取得凭证")
    located = visit(grid, conn, latitude="24.9081", longitude="118.5894", accuracy="12")
    assert presence_of(grid, located) == "到场：GPS"
    sign_id, _ = demo_sign(conn)
    sign = db.one(conn, "SELECT * FROM signs WHERE id = ?", (sign_id,))
    with conn.atomic():
        sign_checks.record_presence(conn, sign, uid(conn, "grid1"))
    scanned = visit(grid, conn)
    assert presence_of(grid, scanned).startswith("到场：扫码")
    both = visit(grid, conn, latitude="24.9081", longitude="118.5894", accuracy="12")
    assert presence_of(grid, both).startswith("到场：GPS / 扫码")


def test_a_scan_long_before_or_at_another_enterprise_is_no_presence(conn):
    inspection = {"inspector_id": uid(conn, "grid1"), "enterprise_id": ent_id(conn, GAS),
                  "submitted_at": due.local_now().astimezone(UTC).isoformat(timespec="seconds"),
                  "latitude": None, "longitude": None}
    sign_id, _ = demo_sign(conn)
    sign = db.one(conn, "SELECT * FROM signs WHERE id = ?", (sign_id,))
    old = (due.local_now() - timedelta(hours=13)).astimezone(UTC).isoformat(timespec="seconds")
    with conn.atomic():
        sign_checks.record_presence(conn, sign, uid(conn, "grid1"), at=old)
    assert grid_day.presence(inspection, sign_checks.of_inspection(conn, inspection))["ways"] == []


def test_the_plan_says_which_enterprises_were_visited_today_and_how(signed_in, conn):
    grid = signed_in("grid1")
    gas = ent_id(conn, GAS)
    change(grid, gas)
    inspection_id = visit(grid, conn, unannounced="1")
    entry = section(grid.get("/").get_data(as_text=True), "today")
    assert "今日已检查" in entry and "四不两直" in entry and f'href="/inspections/{inspection_id}"' in entry
    assert "已检查 1" in entry


# ---- 复查 ----

def government_hazards(client, manager, conn, deadlines) -> list[int]:
    """grid1 fails one item per deadline on a visit; the manager gives each its 四定 with that deadline."""
    before = conn.execute("SELECT MAX(id) FROM hazards").fetchone()[0]
    visit(client, conn, failed={n: {"description": f"网格员发现的第{n + 1}处隐患"} for n in range(len(deadlines))})
    found = [r[0] for r in conn.execute("SELECT id FROM hazards WHERE id > ? ORDER BY id", (before,))]
    for hazard_id, days in zip(found, deadlines, strict=True):
        assert assign(manager, conn, hazard_id, owner="manager1", deadline=future(days)).status_code == 302
    return found


def test_rechecks_list_governments_findings_by_deadline_and_which_are_ready(signed_in, conn):
    grid, manager = signed_in("grid1"), signed_in("manager1")
    late, soon, later = government_hazards(grid, manager, conn, [9, 2, 5])
    assert rectify(manager, later).status_code == 302
    mine = {late, soon, later}  # the demo's own finding waits there too
    listed = [h for h in grid_day.rechecks(conn, db.one(conn, "SELECT * FROM users WHERE username = 'grid1'"))
              if h["id"] in mine]
    assert [h["id"] for h in listed] == [soon, later, late]  # by deadline
    assert [h["ready"] for h in listed] == [False, True, False]
    home = section(grid.get("/").get_data(as_text=True), "rechecks")
    assert [int(n) for n in re.findall(r'href="/hazards/(\d+)"', home) if int(n) in mine] == [soon, later, late]
    assert "已整改，可复查验收" in home and "整改中" in home
    # The enterprise's own findings are the enterprise's to accept: not listed.
    own = {r[0] for r in conn.execute("SELECT h.id FROM hazards h JOIN users u ON u.id = h.reported_by"
                                      " WHERE u.role NOT IN ('admin','supervisor','grid_worker')")}
    assert own and not own & {h["id"] for h in listed}
    # Accepting it takes it off the list.
    assert post(grid, f"/hazards/{later}/verify", {"result": "pass", "note": "复查合格"}).status_code == 302
    home = section(grid.get("/").get_data(as_text=True), "rechecks")
    assert f'href="/hazards/{later}"' not in home and f'href="/hazards/{soon}"' in home


def test_rechecks_of_another_grid_are_not_listed(signed_in, conn):
    government_hazards(signed_in("grid1"), signed_in("manager1"), conn, [3])
    grid2 = db.one(conn, "SELECT * FROM users WHERE username = 'grid2'")
    assert grid_day.rechecks(conn, grid2) == []
    assert "没有待复查的隐患" in section(signed_in("grid2").get("/").get_data(as_text=True), "rechecks")


def test_an_overdue_fix_of_a_government_finding_is_loud_on_the_recheck_list(signed_in, conn):
    [hazard_id] = government_hazards(signed_in("grid1"), signed_in("manager1"), conn, [3])
    conn.execute("UPDATE hazards SET deadline = ? WHERE id = ?",
                 ((due.local_now().date() - timedelta(days=1)).isoformat(), hazard_id))
    home = section(signed_in("grid1").get("/").get_data(as_text=True), "rechecks")
    assert "逾期未整改" in home and 'class="row overdue"' in home


# ---- offline: the day's pages ----

def test_the_days_plan_is_made_ready_first_even_when_not_yet_due(signed_in, conn):
    """离线准备 keeps the picked enterprises (their guide, file, hazards and signs) before those merely due."""
    grid1 = db.one(conn, "SELECT * FROM users WHERE username = 'grid1'")
    gas = ent_id(conn, GAS)
    visit(signed_in("grid1"), conn)  # visited today: no longer due
    assert gas not in [e["id"] for e in prepare.grid_day(conn, grid1, due.local_now())]
    pipes = second_enterprise(conn)
    grid = signed_in("grid1")
    change(grid, gas)
    change(grid, pipes)
    day = prepare.grid_day(conn, grid1, due.local_now())
    assert [e["id"] for e in day][:2] == [gas, pipes]
    pages = prepare.for_today(conn, grid1)
    guide = guide_of(conn)[0]
    assert f"/checklists/{guide}/fill" in [p.url for p in pages if p.group == f"今日企业：{GAS}"]


def test_a_fix_ready_for_recheck_is_made_ready_offline(signed_in, conn):
    grid, manager = signed_in("grid1"), signed_in("manager1")
    [hazard_id] = government_hazards(grid, manager, conn, [4])
    assert rectify(manager, hazard_id).status_code == 302
    grid1 = db.one(conn, "SELECT * FROM users WHERE username = 'grid1'")
    assert f"/hazards/{hazard_id}" in [p.url for p in prepare.for_today(conn, grid1)]


def test_a_plan_change_sent_twice_is_saved_once(signed_in, conn):
    grid = signed_in("grid1")
    first = change(grid, ent_id(conn, GAS), idempotency_key="plan-key-0001")
    again = change(grid, ent_id(conn, GAS), idempotency_key="plan-key-0001")
    assert first.status_code == again.status_code == 302 and again.headers.get("Idempotent-Replay") == "true"
    assert plan_ids(conn) == [ent_id(conn, GAS)]


# ---- at the county's scale ----

def plan_steps(conn, sql, params) -> str:
    return " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_the_days_queries_read_indexes_not_whole_tables(conn, monkeypatch):
    seen = []
    real = db.rows

    def spy(conn_, sql, params=()):
        seen.append((sql, list(params)))
        return real(conn_, sql, params)

    monkeypatch.setattr(grid_day, "rows", spy)
    grid1 = db.one(conn, "SELECT * FROM users WHERE username = 'grid1'")
    grid_day.rechecks(conn, grid1)
    grid_day.today_plan(conn, grid1)
    grid_day.decorate(conn, [{"id": ent_id(conn, GAS)}])
    for sql, params in seen:
        steps = plan_steps(conn, sql, params)
        for table in ("hazards", "enterprises", "inspections", "signs", "day_plans", "enterprise_overview"):
            assert f"SCAN {table}" not in steps and not re.search(rf"SCAN \w+ \(?{table}", steps), (sql, steps)
        assert not re.search(r"SCAN (h|e|i|p|c|r)\b", steps), (sql, steps)


def test_nothing_append_only_is_touched_by_planning(signed_in, conn):
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in APPEND_ONLY}
    grid = signed_in("grid1")
    change(grid, ent_id(conn, GAS))
    change(grid, ent_id(conn, GAS), "remove")
    assert {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in APPEND_ONLY} == counts
