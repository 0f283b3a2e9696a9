"""The risk-point register over HTTP: who sees which points, 新增 by LEC and by LS (score, colour, controlling level),
every refusal said beside its field and writing nothing, 重新评估 added to the history with the measures' ids kept,
撤销 with a reason, a replayed submission saving once, and the library's pages for the four-colour tables (the xlsx
import is in test_risk_import.py, Chromium in test_risk_browser.py)."""

import re
import uuid

import pytest

from anbiao import enterprise_colour

from .loop_helpers import ent_id, unit_id

WORKS = "晋江市恒力机械制造有限公司"


def text(response) -> str:
    return response.get_data(as_text=True)


def counts(conn) -> tuple:
    """Points, assessments, measures, colour changes and audit entries: what a refused form must leave as it was."""
    return tuple(conn.execute(
        "SELECT (SELECT COUNT(*) FROM risk_points), (SELECT COUNT(*) FROM risk_assessments),"
        " (SELECT COUNT(*) FROM risk_measures), (SELECT COUNT(*) FROM enterprise_colours),"
        " (SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_point')").fetchone())


def point_named(conn, name) -> dict:
    return dict(conn.execute("SELECT * FROM risk_points WHERE name = ?", (name,)).fetchone())


def demo_point(conn, unit) -> int:
    return conn.execute("SELECT id FROM risk_points WHERE unit_id = ? ORDER BY id",
                        (unit_id(conn, unit),)).fetchone()[0]


def beside(page: str, field: str) -> str:
    """The reasons shown right after a field ('' when its box is hidden)."""
    box = page.split(f'id="reasons-{field}"')[1].split("</div>")[0]
    return "" if "hidden" in box.split(">")[0] else box


def listed(page: str) -> list[str]:
    """The names of the points a register page lists, in order."""
    return re.findall(r'<a class="row risk-row"[^>]*>\s*<span><span class="badge[^"]*">[^<]*</span> <strong>([^<]+)',
                      page)


def lec_form(conn, **extra) -> dict:
    """A red point at 充装班 by LEC: D = 6 × 6 × 15 = 540."""
    return {"unit_id": str(unit_id(conn, "充装班")), "name": "钢瓶残液倒空", "place": "残液回收间",
            "activity": "残液倒空作业", "factor_person": "未接地即倒残液", "factor_thing": "残液罐阀门内漏",
            "factor_environment": "", "factor_management": "", "accident_types": "火灾、爆炸",
            "consequences": "人员伤亡", "method": "lec", "lec_L": "6", "lec_E": "6", "lec_C": "15",
            "measures_engineering": "残液罐设静电接地\n回收间设可燃气体报警", "measures_management": "",
            "measures_training": "", "measures_ppe": "穿防静电服", "measures_emergency": "",
            "responsible_user_id": "", "responsible_name": "蔡站长", "review_on": "2027-03-31", **extra}


def new_url(conn, ent=None) -> str:
    return f"/enterprises/{ent or ent_id(conn)}/risk-points/new"


# The register

@pytest.mark.parametrize("who, seen", [
    ("manager1", ["液化石油气钢瓶充装", "液化石油气储罐区"]), ("admin", ["液化石油气钢瓶充装", "液化石油气储罐区"]),
    ("supervisor", ["液化石油气钢瓶充装", "液化石油气储罐区"]), ("grid1", ["液化石油气钢瓶充装", "液化石油气储罐区"]),
    ("head1", ["液化石油气钢瓶充装", "液化石油气储罐区"]), ("leader1", ["液化石油气钢瓶充装"]), ("leader1b", []),
])
def test_the_register_lists_worst_first_only_the_points_of_the_units_a_person_sees(signed_in, conn, who, seen):
    page = text(signed_in(who).get(f"/enterprises/{ent_id(conn)}/risk-points"))
    assert listed(page) == seen
    if not seen:
        assert "还没有登记风险点" in page


def test_a_workshop_head_sees_the_points_of_their_workshops_posts_only(signed_in, conn):
    page = text(signed_in("head2").get(f"/enterprises/{ent_id(conn, WORKS)}/risk-points"))
    assert listed(page) == ["冲床冲压作业"]  # 冲压班 is in 机加工车间; 焊接班 is in 装配车间
    assert signed_in("manager1").get(f"/enterprises/{ent_id(conn, WORKS)}/risk-points").status_code == 404


def test_each_point_shows_its_chip_score_unit_control_responsible_and_review_date(signed_in, conn):
    conn.execute("UPDATE risk_points SET review_on = '2020-01-31' WHERE name = '液化石油气储罐区'")
    page = text(signed_in("manager1").get(f"/enterprises/{ent_id(conn)}/risk-points"))
    red = page.split('data-point="')[1]
    assert '<span class="badge risk-red">红 · 重大风险</span>' in red and "D=540（LEC）" in red
    assert "储配站 / 充装班" in red and "企业管控" in red and "责任人：蔡站长" in red and "复评：2027-06-30" in red
    assert "已过复评日期" not in red
    orange = page.split('data-point="')[2]
    assert "橙 · 较大风险" in orange and "D=270" in orange and "企业、车间管控" in orange
    assert "复评：2020-01-31" in orange and "已过复评日期" in orange


def test_the_counts_per_colour_head_the_register_and_filter_it_by_colour_and_unit(signed_in, conn):
    manager = signed_in("manager1")
    base = f"/enterprises/{ent_id(conn)}/risk-points"
    page = text(manager.get(base))
    assert re.search(r'全部 <b>2</b>', page)
    assert re.search(r'risk-red">红</span><b>1</b>', page) and re.search(r'risk-orange">橙</span><b>1</b>', page)
    assert re.search(r'risk-yellow">黄</span><b>0</b>', page)
    assert listed(text(manager.get(base, query_string={"colour": "orange"}))) == ["液化石油气储罐区"]
    assert listed(text(manager.get(base, query_string={"unit_id": unit_id(conn, "充装班")}))) == ["液化石油气钢瓶充装"]
    # A workshop takes in its posts; the counts follow the unit chosen.
    workshop = text(manager.get(base, query_string={"unit_id": unit_id(conn, "储配站")}))
    assert listed(workshop) == ["液化石油气钢瓶充装", "液化石油气储罐区"]
    other = text(manager.get(base, query_string={"unit_id": unit_id(conn, "管网运行部")}))
    assert listed(other) == [] and "全部 <b>0</b>" in other and "没有符合条件的风险点" in other


def test_a_filter_asked_by_htmx_answers_the_register_alone(signed_in, conn):
    response = signed_in("manager1").get(f"/enterprises/{ent_id(conn)}/risk-points", query_string={"colour": "red"},
                                         headers={"HX-Request": "true"})
    page = text(response)
    assert '<section class="card" id="risk-register">' in page
    assert "<html" not in page and listed(page) == ["液化石油气钢瓶充装"]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_the_enterprise_file_links_the_register_with_its_counts_by_colour(signed_in, conn):
    page = text(signed_in("manager1").get(f"/enterprises/{ent_id(conn)}"))
    link = page.split("data-risk-points>")[1].split("</a>")[0]
    assert "风险点" in link and '<span class="badge risk-red">红1</span>' in link
    assert '<span class="badge risk-orange">橙1</span>' in link and "黄" not in link
    leader = text(signed_in("leader1").get(f"/enterprises/{ent_id(conn)}")).split("data-risk-points>")[1]
    assert "红1" in leader.split("</a>")[0] and "橙" not in leader.split("</a>")[0]


# 新增风险点

def test_a_manager_records_a_point_by_lec_red_controlled_by_the_enterprise(signed_in, conn):
    manager = signed_in("manager1")
    form = text(manager.get(new_url(conn)))
    assert "6 — 相当可能" in form and "15 — 非常严重，一人死亡" in form and "LEC 法" in form and "LS 法" in form
    assert 'data-thresholds="' in form and "&#34;at_least&#34;: 320" in form
    before = counts(conn)
    response = manager.post(new_url(conn), lec_form(conn))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/enterprises/{ent_id(conn)}/risk-points")
    point = point_named(conn, "钢瓶残液倒空")
    assert (point["method"], point["score"], point["colour"], point["level_name"]) == ("lec", 540, "red", "重大风险")
    assert point["unit_id"] == unit_id(conn, "充装班") and point["responsible_name"] == "蔡站长"
    assert point["review_on"] == "2027-03-31"
    assert counts(conn)[:3] == (before[0] + 1, before[1] + 1, before[2] + 3)
    assert counts(conn)[4] == before[4] + 1
    flashed = text(manager.get(response.headers["Location"]))
    assert "已登记风险点“钢瓶残液倒空”：红 · 重大风险（D=540）" in flashed
    shown = text(manager.get(f"/risk-points/{point['id']}"))
    assert "分级管控：企业管控" in shown and "企业级检查清单逐项检查其管控措施" in shown
    assert "L=6（相当可能） × E=6（每天工作时间内暴露） × C=15（非常严重，一人死亡）" in shown


def test_a_point_by_ls_is_scored_r_equals_l_times_s_and_orange_is_controlled_by_enterprise_and_workshop(
        signed_in, conn):
    form = {k: v for k, v in lec_form(conn, method="ls", ls_L="4", ls_S="4", name="倒瓶作业").items()
            if not k.startswith("lec_")}
    response = signed_in("head1").post(new_url(conn), form)
    assert response.status_code == 302
    point = point_named(conn, "倒瓶作业")
    assert (point["method"], point["score"], point["colour"], point["level_name"]) == ("ls", 16, "orange", "较大风险")
    page = text(signed_in("head1").get(f"/risk-points/{point['id']}"))
    assert "R = 16" in page and "分级管控：企业、车间管控" in page


def test_the_responsible_person_may_be_one_of_the_enterprises_accounts(signed_in, conn, ):
    leader = conn.execute("SELECT id FROM users WHERE username = 'leader1'").fetchone()[0]
    assert signed_in("manager1").post(new_url(conn), lec_form(
        conn, responsible_user_id=str(leader), responsible_name="")).status_code == 302
    point = point_named(conn, "钢瓶残液倒空")
    assert point["responsible_user_id"] == leader
    page = text(signed_in("manager1").get(f"/enterprises/{ent_id(conn)}/risk-points"))
    name = conn.execute("SELECT name FROM users WHERE id = ?", (leader,)).fetchone()[0]
    assert f"责任人：{name}" in page


@pytest.mark.parametrize("change, field, said", [
    ({"unit_id": ""}, "unit_id", "请选择风险点所在的车间或岗位"),
    ({"name": "  "}, "name", "请填写风险点名称"),
    ({"name": "长" * 61}, "name", "风险点名称不能超过 60 个字"),
    ({"activity": ""}, "activity", "请填写作业活动或设备设施"),
    ({"factor_person": "", "factor_thing": ""}, "factor_person", "请至少从人、物、环境、管理中的一个方面写明"),
    ({"accident_types": ""}, "accident_types", "请填写可能导致的事故类型"),
    ({"method": ""}, "method", "请选择评价方法（LEC 或 LS）"),
    ({"lec_L": "7"}, "lec_L", "请为 L 选择表中的一个分值"),
    ({"lec_C": ""}, "lec_C", "请为 C 选择表中的一个分值"),
    ({"method": "ls", "ls_L": "4"}, "ls_S", "请为 S 选择表中的一个分值"),
    ({"measures_engineering": "", "measures_ppe": " \n "}, "measures_engineering", "请至少填写一条管控措施"),
    ({"measures_ppe": "长" * 201}, "measures_ppe", "个体防护措施每条不能超过 200 个字"),
    ({"review_on": "明年三月"}, "review_on", "复评日期应为 年-月-日"),
    ({"responsible_user_id": "other-enterprise"}, "responsible_user_id", "管控责任人应为本企业在用的账号"),
])
def test_every_refusal_is_said_beside_its_field_keeps_what_was_typed_and_writes_nothing(signed_in, conn, change,
                                                                                       field, said):
    if change.get("responsible_user_id") == "other-enterprise":
        change = {"responsible_user_id": str(conn.execute("SELECT id FROM users WHERE username = 'manager2'")
                                             .fetchone()[0])}
    before = counts(conn)
    response = signed_in("manager1").post(new_url(conn), lec_form(conn, **change))
    page = text(response)
    assert response.status_code == 422 and said in beside(page, field) and said in page.split("未提交")[1]
    assert counts(conn) == before
    assert 'value="残液回收间"' in page and "穿防静电服</textarea>" in page or "measures_ppe" in change
    if "measures_engineering" not in change:
        assert "残液罐设静电接地\n回收间设可燃气体报警</textarea>" in page


def test_a_workshop_head_records_points_only_in_their_workshop(signed_in, conn):
    head = signed_in("head1")
    form = text(head.get(new_url(conn)))
    offered = re.findall(r'<option value="(\d+)"', form.split('id="unit_id"')[1].split("</select>")[0])
    assert sorted(map(int, offered)) == sorted(unit_id(conn, u) for u in ("储配站", "充装班", "运行班"))
    before = counts(conn)
    response = head.post(new_url(conn), lec_form(conn, unit_id=str(unit_id(conn, "巡线班"))))
    assert response.status_code == 422 and "请选择你管理的车间或岗位" in beside(text(response), "unit_id")
    assert counts(conn) == before
    assert signed_in("leader1").get(new_url(conn)).status_code == 403


def test_a_replayed_submission_records_one_point(signed_in, conn):
    manager = signed_in("manager1")
    key = uuid.uuid4().hex
    first = manager.post(new_url(conn), lec_form(conn, idempotency_key=key))
    again = manager.post(new_url(conn), lec_form(conn, idempotency_key=key))
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"] and again.headers.get("Idempotent-Replay") == "true"
    assert conn.execute("SELECT COUNT(*) FROM risk_points WHERE name = '钢瓶残液倒空'").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_point' AND action = 'create'"
                        " AND detail LIKE '%钢瓶残液倒空%'").fetchone()[0] == 1


def test_a_red_point_turns_an_enterprise_red(signed_in, conn):
    works = ent_id(conn, WORKS)
    conn.execute("UPDATE hazards SET status = 'closed' WHERE enterprise_id = ? AND level = 'major'", (works,))
    with conn.atomic():
        assert enterprise_colour.refresh(conn, works) == "yellow"
    form = lec_form(conn, unit_id=str(unit_id(conn, "冲压班")), responsible_name="洪主任")
    assert signed_in("manager2").post(new_url(conn, works), form).status_code == 302
    row = conn.execute("SELECT colour, colour_reasons FROM enterprises WHERE id = ?", (works,)).fetchone()
    assert row["colour"] == "red" and "有重大风险（红色）风险点" in row["colour_reasons"]


# 重新评估

def test_a_reassessment_is_a_new_entry_in_the_history_and_unchanged_measures_keep_their_ids(signed_in, conn):
    point_id = demo_point(conn, "充装班")
    head = signed_in("head1")
    form = text(head.get(f"/risk-points/{point_id}/reassess"))
    assert 'value="6" selected' in form and 'value="15" selected' in form and "充装前逐瓶检漏并复秤记录" in form
    assert 'name="reason"' in form
    kept = dict(conn.execute("SELECT content, id FROM risk_measures WHERE point_id = ? AND removed_at IS NULL",
                             (point_id,)).fetchall())
    fields = dict(re.findall(r'<input id="([a-z_]+)" name="\1" value="([^"]*)"', form))
    fields.update(re.findall(r'<textarea id="([a-z_]+)" name="\1"[^>]*>([^<]*)</textarea>', form))
    fields.update(unit_id=str(unit_id(conn, "充装班")), method="lec", lec_L="3", lec_E="6", lec_C="15",
                  measures_management="充装前逐瓶检漏并复秤记录\n每班交接检查充装枪", reason="加装联锁后定期复评")
    fields.pop("measures_emergency")  # 应急处置措施 removed
    response = head.post(f"/risk-points/{point_id}/reassess", fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/risk-points/{point_id}")
    point = dict(conn.execute("SELECT * FROM risk_points WHERE id = ?", (point_id,)).fetchone())
    assert (point["score"], point["colour"]) == (270, "orange")
    now = dict(conn.execute("SELECT content, id FROM risk_measures WHERE point_id = ? AND removed_at IS NULL",
                            (point_id,)).fetchall())
    assert now["充装前逐瓶检漏并复秤记录"] == kept["充装前逐瓶检漏并复秤记录"]
    assert now["充装台设可燃气体报警器并与紧急切断阀联锁"] == kept["充装台设可燃气体报警器并与紧急切断阀联锁"]
    assert "每班交接检查充装枪" in now and "泄漏时立即关闭紧急切断阀并疏散" not in now
    history = conn.execute("SELECT colour, score, reason FROM risk_assessments WHERE point_id = ? ORDER BY id",
                           (point_id,)).fetchall()
    assert [tuple(h) for h in history] == [("red", 540, ""), ("orange", 270, "加装联锁后定期复评")]
    page = text(head.get(f"/risk-points/{point_id}"))
    assert "评估历史（2 次）" in page and "已重新评估：橙 · 较大风险（D=270）" in page
    newest, first = page.split('<ol class="risk-history"')[1].split("<li>")[1:3]
    assert "重新评估" in newest and "原因：加装联锁后定期复评" in newest and "L=3（可能，但不经常）" in newest
    assert "首次评估" in first and "红 · 重大风险" in first and "D = 540" in first


def test_a_refused_reassessment_changes_nothing(signed_in, conn):
    point_id = demo_point(conn, "充装班")
    def state():
        return counts(conn), dict(conn.execute("SELECT * FROM risk_points WHERE id = ?", (point_id,)).fetchone())

    before = state()
    response = signed_in("manager1").post(f"/risk-points/{point_id}/reassess", lec_form(conn, lec_E="11"))
    assert response.status_code == 422 and "请为 E 选择表中的一个分值" in beside(text(response), "lec_E")
    assert state() == before


# 撤销

def test_retiring_needs_a_reason_then_keeps_the_point_out_of_the_register_and_the_colour(signed_in, conn):
    works = ent_id(conn, WORKS)
    conn.execute("UPDATE hazards SET status = 'closed' WHERE enterprise_id = ? AND level = 'major'", (works,))
    manager = signed_in("manager2")
    assert manager.post(new_url(conn, works), lec_form(conn, unit_id=str(unit_id(conn, "冲压班")))).status_code == 302
    point = point_named(conn, "钢瓶残液倒空")
    assert conn.execute("SELECT colour FROM enterprises WHERE id = ?", (works,)).fetchone()[0] == "red"
    before = counts(conn)
    refused = manager.post(f"/risk-points/{point['id']}/retire", {"reason": " "})
    assert refused.status_code == 422 and "请写明撤销的原因" in beside(text(refused), "reason")
    assert counts(conn) == before
    response = manager.post(f"/risk-points/{point['id']}/retire", {"reason": "残液回收间已拆除"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/enterprises/{works}/risk-points")
    assert conn.execute("SELECT retired_at FROM risk_points WHERE id = ?", (point["id"],)).fetchone()[0]
    assert conn.execute("SELECT colour FROM enterprises WHERE id = ?", (works,)).fetchone()[0] == "yellow"
    assert "钢瓶残液倒空" not in listed(text(manager.get(response.headers["Location"])))
    page = text(manager.get(f"/risk-points/{point['id']}"))
    assert "已撤销" in page and "残液回收间已拆除" in page and "重新评估</a>" not in page and "撤销风险点" not in page
    assert manager.post(f"/risk-points/{point['id']}/retire", {"reason": "再撤一次"}).status_code == 422
    assert manager.post(f"/risk-points/{point['id']}/reassess", lec_form(
        conn, unit_id=str(unit_id(conn, "冲压班")))).status_code == 422
    assert "不能再评估" in text(manager.get(f"/risk-points/{point['id']}/reassess"))


# The point's page

def test_the_points_page_lists_its_hazards_only_as_each_person_may_see_them(signed_in, conn):
    point_id = demo_point(conn, "充装班")
    hazard = conn.execute("SELECT * FROM hazards WHERE unit_id = ? AND status != 'closed' ORDER BY id",
                          (unit_id(conn, "运行班"),)).fetchone()
    conn.execute("UPDATE hazards SET risk_point_id = ? WHERE id = ?", (point_id, hazard["id"]))
    assert hazard["description"] in text(signed_in("manager1").get(f"/risk-points/{point_id}"))
    leader = text(signed_in("leader1").get(f"/risk-points/{point_id}"))
    assert "液化石油气钢瓶充装" in leader and hazard["description"] not in leader
    assert "没有关联到这个风险点的隐患" in leader
    assert "重新评估</a>" not in leader and "撤销风险点" not in leader
    assert signed_in("leader1").get(f"/risk-points/{demo_point(conn, '储配站')}").status_code == 404


def test_the_points_page_shows_its_measures_by_kind(signed_in, conn):
    page = text(signed_in("manager1").get(f"/risk-points/{demo_point(conn, '充装班')}"))
    measures = page.split("<h2>管控措施</h2>")[1].split("</section>")[0]
    assert measures.index("工程技术措施") < measures.index("充装秤设超装自动切断") < measures.index("管理措施")
    assert "应急处置措施" in measures and "培训教育措施" not in measures


# The library's four-colour tables

def doc_id(conn, code) -> int:
    return conn.execute("SELECT id FROM library_docs WHERE code = ? ORDER BY version DESC", (code,)).fetchone()[0]


def test_the_lec_page_shows_each_factors_values_with_meanings_and_the_thresholds_in_colour(signed_in, conn):
    page = text(signed_in("manager1").get(f"/library/{doc_id(conn, 'lec')}"))
    assert "D = L × E × C" in page and "L：事故发生的可能性" in page
    assert '<td class="num">6</td><td>相当可能</td>' in page
    assert '<td class="num">0.5</td><td>非常罕见地暴露</td>' in page
    assert "D ≥ 320</td><td>重大风险</td><td><span class=\"badge risk-red\">红" in page
    assert "160 ≤ D < 320" in page.replace("&lt;", "<") and "D < 70" in page.replace("&lt;", "<")


def test_the_ls_page_draws_its_matrix_in_the_four_colours(signed_in, conn):
    page = text(signed_in("manager1").get(f"/library/{doc_id(conn, 'ls')}"))
    matrix = page.split("risk-matrix")[1].split("</table>")[0]
    assert '<td class="num risk-cell-red" title="红">25</td>' in matrix
    assert '<td class="num risk-cell-orange" title="橙">16</td>' in matrix
    assert '<td class="num risk-cell-yellow" title="黄">9</td>' in matrix
    assert '<td class="num risk-cell-blue" title="蓝">1</td>' in matrix


@pytest.mark.parametrize("code, shown", [
    ("risk-control", ["企业、车间", "车间表册检查其管控措施", 'badge risk-blue">蓝 · 低风险']),
    ("enterprise-colour", ["红色风险点 ≥ 1 个", "未闭环的重大隐患 ≥ 1 项", "以上各条都不成立时", "第一条成立的规则"]),
    ("visit-frequency", ["小微企业", "每 12 个月", "每 1 个月", 'badge risk-orange">橙']),
])
def test_the_control_colour_rule_and_frequency_pages_read_as_tables(signed_in, conn, code, shown):
    page = text(signed_in("supervisor").get(f"/library/{doc_id(conn, code)}"))
    assert '<table class="risk-table">' in page
    for words in shown:
        assert words in page
