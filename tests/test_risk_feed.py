"""Risk points feed the three lists, the hazards and the signs: a unit's list is offered its points' measures marked
by colour, a point checked at no level that controls it is flagged, a hazard belongs to the point whose measure
failed, a risk card is written from its post's points and a notice board lists the red and orange ones."""

import re

from anbiao import risk_feed, risk_notices, risk_points
from tests.loop_helpers import card, ent_id, key, post, row, uid, unit_id, upload

GAS = "泉州市安泰燃气有限公司"
WORKS = "晋江市恒力机械制造有限公司"


def point_named(conn, name) -> dict:
    return risk_points.get(conn, conn.execute("SELECT id FROM risk_points WHERE name = ?", (name,)).fetchone()[0])


def measure_ids(conn, name) -> list[int]:
    point = point_named(conn, name)
    return [m["id"] for m in risk_points.measures(conn, [point["id"]])[point["id"]]]


def blue_point_at(conn, post_name, by="manager1", enterprise=GAS) -> int:
    """A low-risk point at a post (LEC 1 × 3 × 7 = 21, blue), controlled by the post."""
    return risk_points.create(conn, ent_id(conn, enterprise), {
        "unit_id": unit_id(conn, post_name), "name": "阀门井巡检", "activity": "阀门井开盖检查",
        "factors": {"environment": "井内可燃气体积聚"}, "accident_types": "中毒和窒息", "method": "lec",
        "values": {"L": 1, "E": 3, "C": 7}, "measures": {"ppe": "开盖前用检测仪检测可燃气体\n两人作业一人监护"}},
        by=uid(conn, by))


def derive_page(client, conn, unit_name, enterprise=GAS):
    return client.get(f"/enterprises/{ent_id(conn, enterprise)}/units/{unit_id(conn, unit_name)}/derive")


def test_deriving_a_workshop_register_offers_its_points_measures_and_picks_those_it_controls(manager, conn):
    page = derive_page(manager, conn, "储配站").get_data(as_text=True)
    tank = measure_ids(conn, "液化石油气储罐区")  # orange: controlled by the enterprise and the workshop
    filling = measure_ids(conn, "液化石油气钢瓶充装")  # red, at a post of this workshop: the enterprise's
    assert "风险点管控措施" in page and "risk-orange" in page and "risk-red" in page
    for measure_id in tank:
        assert re.search(rf'name="measure" value="{measure_id}" checked', page)
    for measure_id in filling:
        assert re.search(rf'name="measure" value="{measure_id}" >', page)


def test_a_derived_card_holds_the_picked_measures_tied_to_their_point(manager, conn):
    point_id = blue_point_at(conn, "运行班")
    picked = measure_ids(conn, "阀门井巡检")
    response = post(manager, f"/enterprises/{ent_id(conn, GAS)}/units/{unit_id(conn, '运行班')}/derive",
                    {"title": "运行班阀门井检查卡", "frequency": "shift", "measure": picked})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    checklist_id = int(re.search(r"/checklists/(\d+)", response.headers["Location"]).group(1))
    items = conn.execute("SELECT * FROM checklist_items WHERE checklist_id = ? ORDER BY position",
                         (checklist_id,)).fetchall()
    assert [i["risk_measure_id"] for i in items] == picked
    assert items[0]["content"] == "阀门井巡检：开盖前用检测仪检测可燃气体" and items[0]["aspect"] == "作业行为"
    shown = manager.get(f"/checklists/{checklist_id}").get_data(as_text=True)
    assert 'class="badge risk-blue"' in shown
    assert risk_feed.coverage(conn, ent_id(conn, GAS))[point_id] == {"checked": ["post"], "missing": [],
                                                                    "nowhere": False}


def test_a_measure_of_a_point_the_unit_does_not_cover_is_refused_and_nothing_is_made(manager, conn):
    before = conn.execute("SELECT COUNT(*) FROM checklists").fetchone()[0]
    foreign = measure_ids(conn, "冲床冲压作业")  # the other enterprise's
    response = post(manager, f"/enterprises/{ent_id(conn, GAS)}/units/{unit_id(conn, '运行班')}/derive",
                    {"title": "运行班另一张卡", "frequency": "shift", "measure": foreign})
    assert response.status_code == 422
    assert "所选管控措施不属于本单位的风险点" in response.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM checklists").fetchone()[0] == before


def test_a_red_point_checked_at_no_enterprise_list_is_flagged_until_its_measures_are_added(manager, conn):
    red = point_named(conn, "液化石油气钢瓶充装")
    flagged = risk_feed.coverage(conn, ent_id(conn, GAS))[red["id"]]
    assert flagged["nowhere"] and flagged["missing"] == ["enterprise"]
    register = f"/enterprises/{ent_id(conn, GAS)}/risk-points?colour=red"
    assert "管控措施未列入任何检查清单" in manager.get(register).get_data(as_text=True)
    enterprise_list = conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'enterprise'"
                                   " AND archived_at IS NULL", (ent_id(conn, GAS),)).fetchone()[0]
    page = manager.get(f"/checklists/{enterprise_list}").get_data(as_text=True)
    assert "从风险点增加管控措施" in page and "本级管控" in page
    picked = measure_ids(conn, "液化石油气钢瓶充装")
    response = post(manager, f"/checklists/{enterprise_list}/measures", {"measure": picked})
    assert response.status_code == 302
    assert risk_feed.coverage(conn, ent_id(conn, GAS))[red["id"]] == {"checked": ["enterprise"], "missing": [],
                                                                      "nowhere": False}
    listed = manager.get(register).get_data(as_text=True)
    assert "管控措施未列入任何检查清单" not in listed and "级清单未检查其管控措施" not in listed
    again = post(manager, f"/checklists/{enterprise_list}/measures", {"measure": picked})
    assert again.status_code == 302
    assert conn.execute("SELECT COUNT(*) FROM checklist_items WHERE checklist_id = ? AND risk_measure_id IS NOT NULL",
                        (enterprise_list,)).fetchone()[0] == len(picked)


def test_a_hazard_found_at_a_measure_item_belongs_to_its_point(signed_in, conn):
    leader = signed_in("leader1")
    red = point_named(conn, "液化石油气钢瓶充装")
    checklist_id, items = card(conn)
    measure = measure_ids(conn, "液化石油气钢瓶充装")[0]
    conn.execute("UPDATE checklist_items SET risk_measure_id = ? WHERE id = ?", (measure, items[0]["id"]))
    data = {f"result_{i['id']}": "ok" for i in items}
    n = items[0]["id"]
    data.update({f"result_{n}": "hazard", f"description_{n}": "报警器不响", f"category_{n}": "thing",
                 f"level_{n}": "general", f"photos_{n}": upload()})
    assert post(leader, f"/checklists/{checklist_id}/inspections", data).status_code == 302
    hazard = conn.execute("SELECT * FROM hazards WHERE description = '报警器不响'").fetchone()
    assert hazard["risk_point_id"] == red["id"]
    page = leader.get(f"/hazards/{hazard['id']}").get_data(as_text=True)
    assert "所属风险点" in page and "液化石油气钢瓶充装" in page


def test_a_reporter_ties_a_hazard_to_a_point_of_its_unit_and_not_of_another(signed_in, conn):
    manager = signed_in("manager1")
    red = point_named(conn, "液化石油气钢瓶充装")
    path = f"/enterprises/{ent_id(conn, GAS)}/hazards/new"
    assert "所属风险点" in manager.get(path).get_data(as_text=True)
    fields = {"description": "充装枪漏气", "category": "thing", "level": "general", "photos": upload(),
              "risk_point_id": str(red["id"])}
    count = conn.execute("SELECT COUNT(*) FROM hazards").fetchone()[0]
    wrong = post(manager, path, dict(fields, unit_id=unit_id(conn, "巡线班")))
    assert wrong.status_code == 422 and "不在所选车间/岗位" in wrong.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM hazards").fetchone()[0] == count
    fields["photos"] = upload()
    made = post(manager, path, dict(fields, unit_id=unit_id(conn, "储配站")))  # the point's workshop is fine
    hazard_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert row(conn, "hazards", hazard_id)["risk_point_id"] == red["id"]


def test_a_team_leader_may_tie_only_to_their_own_posts_points(signed_in, conn):
    leader = signed_in("leader1b")  # 运行班
    red = point_named(conn, "液化石油气钢瓶充装")  # at 充装班
    path = f"/enterprises/{ent_id(conn, GAS)}/hazards/new"
    assert "液化石油气钢瓶充装" not in leader.get(path).get_data(as_text=True)
    refused = post(leader, path, {"description": "x", "category": "thing", "level": "general", "photos": upload(),
                                  "unit_id": unit_id(conn, "运行班"), "risk_point_id": str(red["id"])})
    assert refused.status_code == 422 and "请从列表中选择风险点" in refused.get_data(as_text=True)


def test_a_risk_card_is_written_from_its_posts_points_and_can_then_be_edited(manager, conn):
    card_fields = risk_notices.risk_card(conn, unit_id(conn, "充装班"))
    assert card_fields["main_risks"].startswith("液化石油气钢瓶充装（红色 重大风险）")
    assert card_fields["hazard_types"] == "火灾、爆炸、中毒和窒息"
    assert "充装前逐瓶检漏并复秤记录" in card_fields["controls"]
    assert card_fields["emergency"] == "泄漏时立即关闭紧急切断阀并疏散"
    page = manager.get(f"/enterprises/{ent_id(conn, GAS)}/signs/new?kind=risk_card&from_points=1"
                       f"&unit_id={unit_id(conn, '充装班')}").get_data(as_text=True)
    assert "充装班岗位安全风险告知卡" in page and "泄漏时立即关闭紧急切断阀并疏散" in page
    sign_id = conn.execute("SELECT id FROM signs WHERE kind = 'risk_card' AND unit_id = ?",
                           (unit_id(conn, "充装班"),)).fetchone()[0]
    refill = manager.get(f"/signs/{sign_id}/edit?from_points=1").get_data(as_text=True)
    assert "按本岗位风险点重新填写" in refill and "充装前逐瓶检漏并复秤记录" in refill
    assert "站长 0595-22000001" in refill  # the phones the points do not know stay as typed
    kept = row(conn, "signs", sign_id)["risk"]
    assert "充装前逐瓶检漏" not in kept  # nothing changes until it is saved


def test_the_public_notice_board_lists_the_red_and_orange_points_and_no_lower_ones(client, conn):
    def board_page(title):
        token = conn.execute("SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id WHERE s.title = ?",
                             (title,)).fetchone()[0]
        return client.get(f"/q/{token}").get_data(as_text=True)

    gas = board_page("公司大门安全风险公告栏")
    assert "重大、较大安全风险" in gas and "液化石油气钢瓶充装" in gas and "液化石油气储罐区" in gas
    assert "充装台设可燃气体报警器并与紧急切断阀联锁" in gas
    works = board_page("机加工车间安全风险公告栏")
    assert 'id="board-points"' not in works  # its yellow point is on the map, not in the list of major risks
    assert 'id="board-points"' not in board_page("充装岗位安全风险告知卡")  # only boards list points


def test_a_retired_point_leaves_the_board_and_the_offered_measures(conn):
    tank = point_named(conn, "液化石油气储罐区")
    risk_points.retire(conn, tank, "储罐已拆除", by=uid(conn, "manager1"))
    sign = conn.execute("SELECT * FROM signs WHERE title = '公司大门安全风险公告栏'").fetchone()
    assert [p["name"] for p in risk_notices.board(conn, dict(sign))] == ["液化石油气钢瓶充装"]
    unit = dict(conn.execute("SELECT * FROM units WHERE name = '储配站'").fetchone())
    assert "液化石油气储罐区" not in [p["name"] for p in risk_feed.offered(conn, ent_id(conn, GAS), unit)]


def test_a_replayed_measures_post_adds_them_once(manager, conn):
    enterprise_list = conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'enterprise'"
                                   " AND archived_at IS NULL", (ent_id(conn, GAS),)).fetchone()[0]
    data = {"measure": measure_ids(conn, "液化石油气储罐区"), "idempotency_key": key()}
    for _ in range(2):
        assert post(manager, f"/checklists/{enterprise_list}/measures", data).status_code == 302
    assert conn.execute("SELECT COUNT(*) FROM checklist_items WHERE checklist_id = ? AND risk_measure_id IS NOT NULL",
                        (enterprise_list,)).fetchone()[0] == 3
