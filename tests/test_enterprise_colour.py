"""The enterprise's overall colour: the roll-up rule of the library (each row, first match wins, its reasons), every
change reaching it (risk points at once, hazards through the overview), the history of the colour in force, and a
supervisor's 整体评估 with a written reason."""

import re
import shutil
from datetime import timedelta

import pytest

from anbiao import audit, db, due, enterprise_colour, library, overview, risk_points
from anbiao.refusal import Refused

from .loop_helpers import call_off_draws, ent_id, post, uid, unit_id, upload
from .test_library import count, edit

WORKS = "晋江市恒力机械制造有限公司"
NONE = {"red_points": 0, "orange_points": 0, "yellow_points": 0, "blue_points": 0, "points": 0,
        "open_major_hazards": 0, "overdue_hazards": 0}


def facts(**given) -> dict:
    found = dict(NONE, **given)
    found["points"] = sum(found[f"{c}_points"] for c in ("red", "orange", "yellow", "blue"))
    return found


@pytest.mark.parametrize("given, colour, reasons", [
    ({"red_points": 1}, "red", ["有重大风险（红色）风险点"]),
    ({"open_major_hazards": 1, "blue_points": 2}, "red", ["有未闭环的重大事故隐患"]),
    ({"orange_points": 1, "blue_points": 3}, "orange", ["有较大风险（橙色）风险点"]),
    ({"overdue_hazards": 3, "blue_points": 1}, "orange", ["3 项及以上隐患超过整改期限未闭环"]),
    ({"overdue_hazards": 2, "blue_points": 1}, "blue", ["风险点均为低风险（蓝色）"]),
    ({"yellow_points": 1, "blue_points": 5}, "yellow", ["有一般风险（黄色）风险点"]),
    ({}, "yellow", ["尚未辨识评估风险点，暂按一般风险（黄）监管"]),
    ({"blue_points": 1}, "blue", ["风险点均为低风险（蓝色）"]),
])
def test_each_row_of_the_rule_gives_its_colour_and_says_why(conn, given, colour, reasons):
    assert enterprise_colour.decide(facts(**given), enterprise_colour.rules(conn)) == (colour, reasons)


def test_the_first_matching_row_wins_and_every_row_of_its_colour_is_a_reason(conn):
    rule = enterprise_colour.rules(conn)
    assert enterprise_colour.decide(facts(red_points=1, orange_points=2, overdue_hazards=5), rule) == (
        "red", ["有重大风险（红色）风险点"])
    assert enterprise_colour.decide(facts(red_points=1, open_major_hazards=1), rule) == (
        "red", ["有重大风险（红色）风险点", "有未闭环的重大事故隐患"])
    assert enterprise_colour.decide(facts(orange_points=1, overdue_hazards=4, yellow_points=1), rule) == (
        "orange", ["有较大风险（橙色）风险点", "3 项及以上隐患超过整改期限未闭环"])


def test_the_rule_is_read_from_the_library_in_its_order(conn):
    assert [r["code"] for r in enterprise_colour.rules(conn)] == [
        "red-point", "major-hazard", "orange-point", "overdue", "yellow-point", "no-points", "low"]


def test_the_chip_says_the_colour_and_its_level(conn):
    assert enterprise_colour.label("red") == "红 · 重大风险"
    assert enterprise_colour.label("blue") == "蓝 · 低风险"
    assert enterprise_colour.label(None) == "未评定"


# ---- every change reaches the colour in force ----

def colour_of(conn, enterprise_id) -> tuple:
    found = conn.execute("SELECT e.colour, o.colour, e.colour_reasons FROM enterprises e"
                         " JOIN enterprise_overview o ON o.id = e.id WHERE e.id = ?", (enterprise_id,)).fetchone()
    assert found[0] == found[1], "the overview row carries the colour in force"
    return found[0], found[2]


def changes(conn, enterprise_id) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT colour, computed, changed_by, override_reason FROM"
                                           " enterprise_colours WHERE enterprise_id = ? ORDER BY id", (enterprise_id,))]


def close_major(conn, enterprise_id):
    """The enterprise's open major hazards closed straight in the database, as if verified."""
    with conn.atomic():
        conn.execute("UPDATE hazards SET status = 'closed', closed_at = ? WHERE enterprise_id = ?"
                     " AND level = 'major' AND status != 'closed'", (db.now(), enterprise_id))


def test_closing_the_major_hazard_turns_the_works_yellow_at_the_next_refresh_and_keeps_the_change(conn):
    works = ent_id(conn, WORKS)
    overview.refresh(conn)
    assert colour_of(conn, works)[0] == "red"
    before = changes(conn, works)
    close_major(conn, works)
    overview.refresh(conn)
    colour, reasons = colour_of(conn, works)
    assert colour == "yellow" and "有一般风险（黄色）风险点" in reasons
    assert changes(conn, works) == [*before, ("yellow", "yellow", None, None)]  # the system changed it, by the rule
    overview.refresh(conn)
    conn.execute("UPDATE enterprise_overview SET valid_until = ''")
    overview.refresh(conn)
    assert len(changes(conn, works)) == len(before) + 1, "no history row while the colour stays"


def test_a_new_major_hazard_shows_red_on_the_enterprise_file_at_once(conn, signed_in):
    works = ent_id(conn, WORKS)
    close_major(conn, works)
    overview.refresh(conn)
    assert colour_of(conn, works)[0] == "yellow"
    manager = signed_in("manager2")
    answer = post(manager, f"/enterprises/{works}/hazards/new", {
        "unit_id": unit_id(conn, "车床班"), "description": "车床急停按钮失效", "category": "thing", "level": "major",
        "photos": upload()})
    assert answer.status_code == 302
    page = manager.get(f"/enterprises/{works}").get_data(as_text=True)  # the file refreshes what changed
    assert "红 · 重大风险" in page and "有未闭环的重大事故隐患" in page
    assert colour_of(conn, works)[0] == "red"


def test_deadlines_passing_make_three_overdue_hazards_count_the_next_day(conn):
    works = ent_id(conn, WORKS)
    close_major(conn, works)
    with conn.atomic():
        conn.execute("UPDATE risk_points SET retired_at = ? WHERE enterprise_id = ?", (db.now(), works))
        for n in range(3):
            conn.execute("INSERT INTO hazards (enterprise_id, unit_id, source, description, category, level, status,"
                         " reported_by, reported_at, deadline) VALUES (?, NULL, 'report', ?, 'thing', 'general',"
                         " 'assigned', ?, ?, ?)", (works, f"逾期隐患{n}", uid(conn, "manager2"), db.now(),
                                                    (due.local_now() + timedelta(days=1)).date().isoformat()))
    now = due.local_now()
    overview.refresh(conn, now)
    assert colour_of(conn, works)[0] == "yellow"  # no points in force: 暂按一般风险
    overview.refresh(conn, now + timedelta(days=3))  # midnight passed: the rows were due again
    assert colour_of(conn, works) == ("orange", '["3 项及以上隐患超过整改期限未闭环"]')


def test_a_new_enterprise_gets_its_colour_from_the_rule_on_its_first_refresh(conn):
    stamp = db.now()
    with conn.atomic():
        new = conn.execute("INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, created_at,"
                           " updated_at) VALUES ('新建企业', 'TEST00000000000001', '工贸', 'small_micro', 1, ?, ?)",
                           (stamp, stamp)).lastrowid
    assert conn.execute("SELECT colour FROM enterprises WHERE id = ?", (new,)).fetchone()[0] is None
    overview.refresh(conn)
    assert colour_of(conn, new) == ("yellow", '["尚未辨识评估风险点，暂按一般风险（黄）监管"]')
    assert changes(conn, new) == [("yellow", "yellow", None, None)]


def test_a_red_point_turns_the_enterprise_red_at_once_and_its_retirement_back(conn):
    works = ent_id(conn, WORKS)
    close_major(conn, works)
    overview.refresh(conn)
    point = risk_points.create(conn, works, {
        "unit_id": unit_id(conn, "冲压班"), "name": "冲床模具更换", "activity": "模具更换",
        "accident_types": "机械伤害", "factors": {"person": "未停机换模"}, "method": "lec",
        "values": {"L": 6, "E": 6, "C": 15}, "measures": {"engineering": "换模前断电挂牌上锁"}},
        by=uid(conn, "manager2"))
    assert conn.execute("SELECT colour FROM enterprises WHERE id = ?", (works,)).fetchone()[0] == "red"
    assert changes(conn, works)[-1][:3] == ("red", "red", uid(conn, "manager2"))
    overview.refresh(conn)
    assert colour_of(conn, works)[0] == "red"
    risk_points.retire(conn, risk_points.get(conn, point), "设备已拆除", by=uid(conn, "manager2"))
    overview.refresh(conn)
    assert colour_of(conn, works)[0] == "yellow"


# ---- 整体评估 ----

def test_an_override_needs_a_reason_and_a_colour_and_writes_nothing_when_refused(conn):
    works, by = ent_id(conn, WORKS), uid(conn, "supervisor")
    before = (changes(conn, works), colour_of(conn, works))
    for colour, reason, said in [("orange", "", "请写明理由"), ("orange", "  \n ", "请写明理由"),
                                 ("orange", "字" * 201, "理由不能超过 200 个字"), ("", "复查后确定", "请选择风险等级"),
                                 ("purple", "复查后确定", "请选择风险等级"),
                                 (enterprise_colour.RULE, "复查后确定", "目前没有改定")]:
        with pytest.raises(Refused) as refused:
            enterprise_colour.set_override(conn, works, colour, reason, by)
        assert said in str(refused.value)
    assert (changes(conn, works), colour_of(conn, works)) == before


def test_an_override_holds_against_the_rule_until_lifted_and_every_step_is_kept(conn):
    works, by = ent_id(conn, WORKS), uid(conn, "supervisor")
    overview.refresh(conn)
    assert enterprise_colour.set_override(conn, works, "orange", "现场复查：冲压区防护改造未完成", by) == "orange"
    assert changes(conn, works)[-1] == ("orange", "red", by, "现场复查：冲压区防护改造未完成")
    entry = audit.history(conn, "enterprise", works, 1)[0]
    assert entry["action"] == "set_colour" and entry["user_id"] == by
    close_major(conn, works)  # the rule now says yellow: the assessment still holds
    overview.refresh(conn)
    assert colour_of(conn, works)[0] == "orange"
    summary = enterprise_colour.summary(conn, db.one(conn, "SELECT * FROM enterprises WHERE id = ?", (works,)))
    assert summary["computed"] == "yellow" and summary["override_reason"] == "现场复查：冲压区防护改造未完成"
    assert enterprise_colour.set_override(conn, works, enterprise_colour.RULE, "防护改造已验收", by) == "yellow"
    assert changes(conn, works)[-1] == ("yellow", "yellow", by, enterprise_colour.LIFTED + "防护改造已验收")
    assert conn.execute("SELECT colour_override FROM enterprises WHERE id = ?", (works,)).fetchone()[0] is None


def test_a_supervisor_sets_the_colour_with_a_reason_on_the_colour_page(conn, signed_in):
    works = ent_id(conn, WORKS)
    supervisor = signed_in("supervisor")
    answer = supervisor.post(f"/enterprises/{works}/colour", {"colour": "orange", "reason": "整体评估：管理到位"})
    assert answer.status_code == 302
    page = supervisor.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已改定为「橙 · 较大风险」" in page and "整体评估：管理到位" in page and "郑监管" in page
    assert "取消改定，按规则判定" in page  # the form now offers lifting it
    assert "橙 · 较大风险" in supervisor.get(f"/enterprises/{works}").get_data(as_text=True)


def test_an_empty_assessment_is_refused_in_chinese_and_changes_nothing(conn, signed_in):
    works = ent_id(conn, WORKS)
    before = changes(conn, works)
    answer = signed_in("admin").post(f"/enterprises/{works}/colour", {"colour": "blue", "reason": ""})
    assert answer.status_code == 422 and "请写明理由" in answer.get_data(as_text=True)
    assert changes(conn, works) == before


@pytest.mark.parametrize("who, status", [("manager2", 403), ("grid2", 403), ("manager1", 404), ("grid1", 404)])
def test_only_supervisors_and_admins_may_set_the_colour(conn, signed_in, who, status):
    works = ent_id(conn, WORKS)
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    before = changes(conn, works)
    answer = signed_in(who).post(f"/enterprises/{works}/colour", {"colour": "blue", "reason": "企业自行认定"})
    assert answer.status_code == status
    assert changes(conn, works) == before


def test_the_colour_page_shows_the_rule_its_facts_and_the_history_without_a_form_for_the_enterprise(conn, signed_in):
    works = ent_id(conn, WORKS)
    page = signed_in("manager2").get(f"/enterprises/{works}/colour").get_data(as_text=True)
    assert "按规则判定" in page and "有未闭环的重大事故隐患" in page and "黄色风险点" in page
    assert "变更记录" in page and "黄志明" in page  # the first roll-up followed manager2's point
    assert 'name="reason"' not in page


# ---- the colour shows where the enterprise shows ----

def test_the_enterprise_file_shows_the_chip_and_its_reasons(conn, signed_in):
    page = signed_in("grid1").get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
    assert "红 · 重大风险" in page
    assert "有重大风险（红色）风险点" in page and "有未闭环的重大事故隐患" in page
    assert f'href="/enterprises/{ent_id(conn)}/colour"' in page


def test_the_supervisors_list_shows_each_colour_and_filters_by_it(conn, signed_in):
    works = ent_id(conn, WORKS)
    close_major(conn, works)
    supervisor = signed_in("supervisor")
    page = supervisor.get("/enterprises").get_data(as_text=True)
    assert "红 · 重大风险" in page and "黄 · 一般风险" in page
    listed = {c: re.findall(r'href="/enterprises/(\d+)"', supervisor.get(f"/enterprises?colour={c}").get_data(
        as_text=True)) for c in ("red", "yellow", "blue")}
    assert listed == {"red": [str(ent_id(conn))], "yellow": [str(works)], "blue": []}
    worst = supervisor.get("/enterprises?colour=yellow&order=worst").get_data(as_text=True)
    assert re.findall(r'href="/enterprises/(\d+)"', worst) == [str(works)]


# ---- a bad rule or frequency table is refused whole ----

@pytest.fixture
def loaded(tmp_path):
    """A private copy of inspect/ that a test may break, and a new database with that library loaded."""
    root = tmp_path / "inspect"
    shutil.copytree(library.ROOT, root)
    conn = db.connect(tmp_path / "x.db")
    db.migrate(conn)
    library.load(conn, root)
    yield root, conn
    conn.conn.close()


@pytest.mark.parametrize("name, change, said", [
    ("reference/enterprise_colour.toml", ('colour = "orange"', 'colour = "amber"'),
     "colour 应为 red/orange/yellow/blue"),
    ("reference/enterprise_colour.toml", ('measure = "overdue_hazards"', 'measure = "late"'), "measure 应为"),
    ("reference/enterprise_colour.toml", ("at_least = 3", "at_least = -3"), "at_least（及 at_most）应为非负整数"),
    ("reference/enterprise_colour.toml", ('code = "low"\ncolour = "blue"\nmeasure = "points"',
                                          'code = "low"\ncolour = "blue"\nmeasure = "blue_points"'), "兜底规则"),
    ("reference/visit_frequency.toml", ("small_micro = 12", "small_micro = 0"), "各一个正整数（月）"),
    ("reference/visit_frequency.toml", ("medium = 6, ", ""), "各一个正整数（月）"),
    ("reference/visit_frequency.toml", ('code = "orange"', 'code = "amber"'), "条目应依次为 red/orange/yellow/blue"),
    ("reference/visit_frequency.toml", ("source = ", "basis = "), "缺少 source"),
    # The dashboard's overdue bands: in order, from day 0, each starting the day after the last ends, the last open.
    ("reference/overdue_ages.toml", ("days = [8, 30]", "days = [9, 30]"), "各段首尾相接、从 0 天开始"),
    ("reference/overdue_ages.toml", ("days = [0, 7]", "days = [1, 7]"), "各段首尾相接、从 0 天开始"),
    ("reference/overdue_ages.toml", ("days = [91]", "days = [91, 365]"), "只有起点"),
    ("reference/overdue_ages.toml", ('code = "quarter"', 'code = "season"'), "条目应依次为 week/month/quarter/older"),
])
def test_a_bad_colour_rule_frequency_or_age_table_is_refused_clearly_and_nothing_is_loaded(loaded, name, change, said):
    tree, conn = loaded
    before = (count(conn, "library_docs"), count(conn, "library_items"))
    edit(tree, "reference/hazard_categories.toml", "管理上的缺陷", "管理缺陷")  # a good change beside it
    edit(tree, name, *change)
    with pytest.raises(ValueError) as refused:
        library.load(conn, tree)
    assert name in str(refused.value) and said in str(refused.value)
    assert (count(conn, "library_docs"), count(conn, "library_items")) == before
