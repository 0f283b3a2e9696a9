"""The four-colour risk map as records and pages: a plan per site or workshop, each point of its units placed and
zoned in fractions of the plan, every number checked by the server, the map's scope, and the map a scanned notice
board shows to anyone, reached only by the sign's token."""

import io
import json
import re

import pytest
from PIL import Image

from anbiao import demo, photos, risk_maps, risk_points
from anbiao.refusal import Refused

from .loop_helpers import ent_id, key, uid, unit_id, upload

WORKS = "晋江市恒力机械制造有限公司"


def plan(rooms=(("车间", (0.1, 0.1, 0.9, 0.9)),), size=(800, 500)) -> bytes:
    return demo.plan_image(list(rooms), size)


def site_map(conn) -> dict:
    """The demo gas company's site map (both its points placed and zoned)."""
    return risk_maps.get(conn, conn.execute("SELECT id FROM risk_maps WHERE enterprise_id = ? AND unit_id IS NULL",
                                            (ent_id(conn),)).fetchone()[0])


def station_map(conn) -> dict:
    """The demo 储配站 map: 充装 (red, at 充装班) zoned, 储罐区 (orange, at 储配站) placed without a zone."""
    return risk_maps.get(conn, conn.execute("SELECT id FROM risk_maps WHERE unit_id = ?",
                                            (unit_id(conn, "储配站"),)).fetchone()[0])


def point(conn, name) -> int:
    return conn.execute("SELECT id FROM risk_points WHERE name = ?", (name,)).fetchone()[0]


def marks(conn, found) -> dict:
    return {r[0]: (r[1], r[2], json.loads(r[3])) for r in conn.execute(
        "SELECT point_id, x, y, zone FROM risk_map_marks WHERE map_id = ?", (found["id"],))}


def new_point(conn, unit, colour_values=None, name="新风险点") -> int:
    """A point at a unit of the gas company, by LEC (default: L 1 × E 1 × C 1 = 1, blue)."""
    return risk_points.create(conn, ent_id(conn), {
        "unit_id": unit_id(conn, unit), "name": name, "activity": "巡检", "accident_types": "其他伤害",
        "factors": {"thing": "设备老化"}, "method": "lec", "values": colour_values or {"L": 1, "E": 1, "C": 1},
        "measures": {"management": "每班巡检"}}, by=uid(conn, "manager1"))


def mark_form(**fields) -> dict:
    return {"idempotency_key": key(), **fields}


# Placing and zones, in the domain.

def test_placing_a_point_keeps_its_spot_in_fractions_and_a_second_tap_moves_it_keeping_the_zone(conn):
    found, by = station_map(conn), uid(conn, "manager1")
    filling = point(conn, "液化石油气钢瓶充装")
    zone = marks(conn, found)[filling][2]
    risk_maps.place(conn, found, filling, "0.25", 0.75, by=by)
    assert marks(conn, found)[filling] == (0.25, 0.75, zone)
    risk_maps.place(conn, found, str(filling), 0.123456, 0, by=by)
    assert marks(conn, found)[filling] == (0.1235, 0.0, zone)
    drawn = next(m for m in risk_maps.drawing(conn, found)["placed"] if m["point_id"] == filling)
    height = risk_maps.drawing(conn, found)["height"]
    assert (drawn["cx"], drawn["cy"]) == (123.5, 0.0) and height == 625  # a 1600 × 1000 plan, 1000 units wide


@pytest.mark.parametrize("x, y", [(-0.01, 0.5), (0.5, 1.01), ("", 0.5), ("左边", 0.5), ("nan", 0.5), (0.5, "inf"),
                                  (None, None)])
def test_a_position_off_the_plan_is_refused_in_chinese_and_nothing_changes(conn, x, y):
    found = station_map(conn)
    before = marks(conn, found)
    with pytest.raises(Refused, match="位置应在平面图上"):
        risk_maps.place(conn, found, point(conn, "液化石油气储罐区"), x, y)
    assert marks(conn, found) == before


@pytest.mark.parametrize("zone, said", [
    ("[[0.1, 0.1], [0.5, 0.1]]", "区域至少要有 3 个点"),
    ("", "区域至少要有 3 个点"),
    ("不是区域", "区域至少要有 3 个点"),
    ('{"a": 1}', "区域至少要有 3 个点"),
    ("[[0.1, 0.1], [0.5, 0.1], [0.5, 1.2]]", "区域的每个点都应在平面图上"),
    ("[[0.1, 0.1], [0.5, 0.1], [-0.1, 0.5]]", "区域的每个点都应在平面图上"),
    ("[[0.1, 0.1], [0.5, 0.1], [0.5]]", "区域的点格式不对"),
    ("[[0.1, 0.1], [0.5, 0.1], [true, 0.5]]", "区域的点格式不对"),
    ("[[0.1, 0.1], [0.3, 0.3], [0.5, 0.5]]", "区域的点不能都在一条线上"),
    (json.dumps([[0.5, 0.5]] * 61), "区域最多 60 个点"),
])
def test_a_zone_needs_three_corners_on_the_plan_not_on_one_line(conn, zone, said):
    found = station_map(conn)
    before = marks(conn, found)
    with pytest.raises(Refused, match=said):
        risk_maps.draw_zone(conn, found, point(conn, "液化石油气储罐区"), zone)
    assert marks(conn, found) == before


def test_a_zone_is_kept_as_its_corners_and_drawn_as_a_polygon_in_the_points_colour(conn):
    found = station_map(conn)
    tank = point(conn, "液化石油气储罐区")
    corners = [[0.08, 0.12], [0.32, 0.12], [0.32, 0.42], [0.08, 0.42]]
    risk_maps.draw_zone(conn, found, tank, json.dumps(corners), by=uid(conn, "head1"))
    assert marks(conn, found)[tank] == (0.2, 0.48, corners)  # the marker stays where it was placed
    drawn = risk_maps.drawing(conn, found)
    orange = next(z for z in drawn["zones"] if z["point_id"] == tank)
    assert orange["hex"] == risk_maps.HEX["orange"]
    assert orange["zone_points"] == "80.0,75.0 320.0,75.0 320.0,262.5 80.0,262.5"
    assert [z["colour"] for z in drawn["zones"]] == ["red", "orange"]  # the larger zone first, the smaller on top


def test_a_zone_drawn_for_a_point_not_yet_placed_puts_its_marker_in_the_middle(conn):
    found = station_map(conn)
    new = new_point(conn, "运行班")
    risk_maps.draw_zone(conn, found, new, [[0.4, 0.6], [0.8, 0.6], [0.8, 0.9]])
    x, y, zone = marks(conn, found)[new]
    assert (x, y) == (0.6667, 0.7) and len(zone) == 3


def test_clearing_a_zone_keeps_the_marker_and_removing_the_mark_takes_both_with_an_audit_entry(conn):
    found = station_map(conn)
    filling = point(conn, "液化石油气钢瓶充装")
    risk_maps.clear_zone(conn, found, filling, by=uid(conn, "manager1"))
    assert marks(conn, found)[filling][2] == []
    with pytest.raises(Refused, match="还没有画区域"):
        risk_maps.clear_zone(conn, found, filling)
    risk_maps.unmark(conn, found, filling, by=uid(conn, "manager1"))
    assert filling not in marks(conn, found)
    with pytest.raises(Refused, match="还没有标在图上"):
        risk_maps.unmark(conn, found, filling)
    said = [json.loads(r[0]) for r in conn.execute(
        "SELECT detail FROM audit_log WHERE entity = 'risk_map' AND entity_id = ? ORDER BY id DESC LIMIT 2",
        (found["id"],))]
    assert [s["what"] for s in said] == ["移除标注", "清除区域"] and said[0]["x"] == 0.68


def test_a_point_outside_the_maps_units_is_refused(conn):
    """The 储配站 map takes the points of 储配站 and its posts: not 巡线班's (管网运行部), not another enterprise's."""
    found = station_map(conn)
    patrol = new_point(conn, "巡线班", name="中压管道巡线")
    other = point(conn, "冲床冲压作业")
    for point_id in (patrol, other, 999999, "", "一"):
        with pytest.raises(Refused):
            risk_maps.place(conn, found, point_id, 0.5, 0.5)
    with pytest.raises(Refused, match="不在本分布图的范围内"):
        risk_maps.draw_zone(conn, found, patrol, [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]])
    assert set(marks(conn, found)) == {point(conn, "液化石油气钢瓶充装"), point(conn, "液化石油气储罐区")}
    # The site map takes every unit's points.
    risk_maps.place(conn, site_map(conn), patrol, 0.6, 0.8)
    assert marks(conn, site_map(conn))[patrol][:2] == (0.6, 0.8)


def test_the_points_offered_are_those_in_force_worst_first_and_a_retired_point_vanishes(conn):
    found = site_map(conn)
    blue = new_point(conn, "巡线班", name="巡线车辆")
    risk_maps.place(conn, found, blue, 0.5, 0.8)
    drawn = risk_maps.drawing(conn, found)
    assert [(p["number"], p["name"], p["colour"]) for p in drawn["points"]] == [
        (1, "液化石油气钢瓶充装", "red"), (2, "液化石油气储罐区", "orange"), (3, "巡线车辆", "blue")]
    assert [p["unit_label"] for p in drawn["points"]] == ["储配站 / 充装班", "储配站", "管网运行部 / 巡线班"]
    risk_points.retire(conn, risk_points.get(conn, point(conn, "液化石油气储罐区")), "储罐已拆除")
    drawn = risk_maps.drawing(conn, found)
    assert [(p["number"], p["name"]) for p in drawn["points"]] == [(1, "液化石油气钢瓶充装"), (2, "巡线车辆")]
    assert [m["name"] for m in drawn["placed"]] == ["液化石油气钢瓶充装", "巡线车辆"]
    assert [z["name"] for z in drawn["zones"]] == ["液化石油气钢瓶充装"]


def test_a_map_covers_the_site_or_a_workshop_of_its_enterprise_and_needs_a_title(conn):
    ent, prepared = ent_id(conn), photos.prepare(plan())
    before = conn.execute("SELECT COUNT(*) FROM risk_maps").fetchone()[0]
    for unit, title, said in ((unit_id(conn, "充装班"), "充装班图", "请选择本企业在用的车间"),
                              (unit_id(conn, "机加工车间"), "别家的车间", "请选择本企业在用的车间"),
                              (None, " ", "请填写分布图名称"), (None, "长" * 61, "不能超过 60 个字")):
        with pytest.raises(Refused, match=said):
            risk_maps.create(conn, ent, unit, title, prepared)
    assert conn.execute("SELECT COUNT(*) FROM risk_maps").fetchone()[0] == before


def test_a_retired_map_is_kept_but_gone_from_the_list_and_refuses_changes(conn):
    found = station_map(conn)
    risk_maps.retire(conn, found, by=uid(conn, "manager1"))
    assert found["id"] not in [m["id"] for m in risk_maps.of_enterprise(conn, ent_id(conn))]
    retired = risk_maps.get(conn, found["id"])
    assert retired["retired_at"] and marks(conn, retired)
    with pytest.raises(Refused, match="已撤销"):
        risk_maps.place(conn, retired, point(conn, "液化石油气储罐区"), 0.5, 0.5)


# The pages.

def test_the_manager_creates_a_workshop_map_on_an_uploaded_plan(signed_in, conn):
    manager, ent = signed_in("manager1"), ent_id(conn)
    answer = manager.post(f"/enterprises/{ent}/risk-maps/new", {
        "title": "管网运行部风险分布图", "unit_id": str(unit_id(conn, "管网运行部")),
        "plan": upload(plan(), "plan.png")}, content_type="multipart/form-data")
    assert answer.status_code == 302
    map_id = int(re.search(r"/risk-maps/(\d+)$", answer.headers["Location"]).group(1))
    found = risk_maps.get(conn, map_id)
    assert found["unit_id"] == unit_id(conn, "管网运行部") and found["created_by"] == uid(conn, "manager1")
    page = manager.get(f"/risk-maps/{map_id}").get_data(as_text=True)
    assert "管网运行部风险分布图" in page and "还没有风险点" in page and "data-risk-map" in page
    image = manager.get(f"/risk-maps/{map_id}/plan.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"



def test_the_map_page_draws_a_phone_sized_plan_and_print_keeps_the_large_one(signed_in, conn):
    manager, found = signed_in("manager1"), site_map(conn)
    page, printed = (manager.get(f"/risk-maps/{found['id']}{end}").get_data(as_text=True) for end in ("", "/print"))
    on_page = re.search(r'<image href="([^"]+)"', page).group(1).replace("&amp;", "&")
    on_paper = re.search(r'<image href="([^"]+)"', printed).group(1).replace("&amp;", "&")
    phone, large = manager.get(on_page), manager.get(on_paper)
    assert phone.status_code == large.status_code == 200 and phone.mimetype == large.mimetype == "image/jpeg"
    phone_size, large_size = (Image.open(io.BytesIO(answer.data)).size for answer in (phone, large))
    assert max(phone_size) == photos.PHONE < max(large_size) == photos.DISPLAY
    assert len(phone.data) < len(large.data) / 1.5  # what a phone on weak signal saves
    again = manager.get(on_page)  # made once from the original, then kept in the store
    assert again.data == phone.data

@pytest.mark.parametrize("data, said", [
    (b"GIF89a not really a picture", "平面图有问题：这不是可识别的照片文件"),
    (b"", "平面图有问题：照片是空文件"),
    (None, "请拍照或选择平面图图片"),
])
def test_a_fake_plan_image_is_refused_in_chinese_and_nothing_is_saved(signed_in, conn, data, said):
    counts = "SELECT (SELECT COUNT(*) FROM risk_maps), (SELECT COUNT(*) FROM photos), (SELECT COUNT(*) FROM audit_log)"
    before = conn.execute(counts).fetchone()
    answer = signed_in("manager1").post(f"/enterprises/{ent_id(conn)}/risk-maps/new", {
        "title": "全厂图", "unit_id": "", "plan": upload(data, "plan.jpg") if data is not None else None},
        content_type="multipart/form-data")
    assert answer.status_code == 422 and said in answer.get_data(as_text=True)
    assert conn.execute(counts).fetchone() == before


def test_a_workshop_head_draws_their_workshops_map_but_not_the_sites(signed_in, conn):
    head, ent = signed_in("head1"), ent_id(conn)
    form = signed_in("head1").get(f"/enterprises/{ent}/risk-maps/new").get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)"', form) == [str(unit_id(conn, "储配站"))]
    refused = head.post(f"/enterprises/{ent}/risk-maps/new", {"title": "全厂图", "unit_id": "", "plan": upload(plan())},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "请选择你管理的全厂或车间" in refused.get_data(as_text=True)
    assert head.post(f"/risk-maps/{site_map(conn)['id']}/marks", mark_form(
        point_id=point(conn, "液化石油气钢瓶充装"), do="place", x="0.5", y="0.5")).status_code == 403
    station = station_map(conn)
    assert head.post(f"/risk-maps/{station['id']}/marks", mark_form(
        point_id=point(conn, "液化石油气储罐区"), do="place", x="0.3", y="0.4")).status_code == 302
    assert marks(conn, station)[point(conn, "液化石油气储罐区")][:2] == (0.3, 0.4)


def test_a_leader_sees_the_map_but_may_not_draw_on_it_and_another_enterprise_gets_404(signed_in, conn):
    found = station_map(conn)
    leader = signed_in("leader1")
    page = leader.get(f"/risk-maps/{found['id']}").get_data(as_text=True)
    assert "液化石油气钢瓶充装" in page and "data-map-form" not in page and "data-risk-map" not in page
    before = marks(conn, found)
    assert leader.post(f"/risk-maps/{found['id']}/marks", mark_form(
        point_id=point(conn, "液化石油气钢瓶充装"), do="place", x="0.5", y="0.5")).status_code == 403
    other = signed_in("manager2")
    for path in (f"/risk-maps/{found['id']}", f"/risk-maps/{found['id']}/plan.jpg", f"/risk-maps/{found['id']}/print"):
        assert other.get(path).status_code == 404
    assert other.post(f"/risk-maps/{found['id']}/marks", mark_form(
        point_id=point(conn, "液化石油气钢瓶充装"), do="unmark")).status_code == 404
    assert marks(conn, found) == before


def test_the_marks_form_places_draws_clears_and_removes_by_the_button_pressed(signed_in, conn):
    manager, found = signed_in("manager1"), station_map(conn)
    tank, path = point(conn, "液化石油气储罐区"), f"/risk-maps/{found['id']}/marks"
    placed = manager.post(path, mark_form(point_id=tank, do="place", x="0.21", y="0.52"))
    assert placed.status_code == 302 and placed.headers["Location"].endswith(f"/risk-maps/{found['id']}?point={tank}")
    zone = [[0.1, 0.4], [0.3, 0.4], [0.3, 0.6]]
    assert manager.post(path, mark_form(point_id=tank, do="zone", zone=json.dumps(zone))).status_code == 302
    assert marks(conn, found)[tank] == (0.21, 0.52, zone)
    page = manager.get(f"/risk-maps/{found['id']}?point={tank}").get_data(as_text=True)
    assert f'<option value="{tank}" selected>' in page
    assert re.search(rf'<polygon points="100.0,250.0 300.0,250.0 300.0,375.0" fill="#f57c00"[^>]*data-point="{tank}"',
                     page)
    assert manager.post(path, mark_form(point_id=tank, do="clear_zone")).status_code == 302
    assert marks(conn, found)[tank] == (0.21, 0.52, [])
    assert manager.post(path, mark_form(point_id=tank, do="unmark")).status_code == 302
    assert tank not in marks(conn, found)
    # Without the script the position can be typed as percentages.
    assert manager.post(path, mark_form(point_id=tank, do="place", x_pct="12.5", y_pct="80")).status_code == 302
    assert marks(conn, found)[tank][:2] == (0.125, 0.8)


@pytest.mark.parametrize("fields, said, field", [
    ({"do": "place", "x": "0.5", "y": "0.5"}, "请先在列表中选择一个风险点", "point_id"),
    ({"point": True, "do": "place"}, "位置应在平面图上", "x"),
    ({"point": True, "do": "place", "x": "1.5", "y": "0.5"}, "位置应在平面图上", "x"),
    ({"point": True, "do": "place", "x_pct": "120", "y_pct": "50"}, "位置应在平面图上", "x"),
    ({"point": True, "do": "zone", "zone": "[[0.1,0.1],[0.2,0.2]]"}, "区域至少要有 3 个点", "zone"),
    ({"point": True, "do": "fly"}, "请点“保存位置”", None),
])
def test_a_refused_mark_says_why_beside_its_field_and_changes_nothing(signed_in, conn, fields, said, field):
    manager, found = signed_in("manager1"), station_map(conn)
    before = marks(conn, found), conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()
    if fields.pop("point", False):
        fields["point_id"] = point(conn, "液化石油气储罐区")
    answer = manager.post(f"/risk-maps/{found['id']}/marks", mark_form(**fields))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and said in page
    if field:
        assert re.search(rf'id="reasons-marks-{field}" data-reasons="{field}" >\s*<p>[^<]*{re.escape(said)}', page)
    assert (marks(conn, found), conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()) == before


def test_a_resent_mark_with_the_same_key_is_saved_once(signed_in, conn):
    manager, found = signed_in("manager1"), station_map(conn)
    sent = mark_form(point_id=point(conn, "液化石油气储罐区"), do="place", x="0.4", y="0.4")
    audit = "SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_map'"
    before = conn.execute(audit).fetchone()[0]
    path = f"/risk-maps/{found['id']}/marks"
    first, again = manager.post(path, sent), manager.post(path, sent)
    assert first.status_code == again.status_code == 302 and again.headers.get("Idempotent-Replay") == "true"
    assert conn.execute(audit).fetchone()[0] == before + 1


def test_replacing_the_plan_keeps_the_marks_and_serves_the_new_image(signed_in, conn):
    manager, found = signed_in("manager1"), station_map(conn)
    before = marks(conn, found)
    answer = manager.post(f"/risk-maps/{found['id']}/plan", {"plan": upload(plan(size=(1200, 900)), "new.png")},
                          content_type="multipart/form-data")
    assert answer.status_code == 302
    replaced = risk_maps.get(conn, found["id"])
    assert replaced["photo_id"] != found["photo_id"] and marks(conn, replaced) == before
    assert risk_maps.drawing(conn, replaced)["height"] == 750
    refused = manager.post(f"/risk-maps/{found['id']}/plan", {"plan": upload(b"%PDF-1.4", "plan.pdf")},
                           content_type="multipart/form-data")
    assert refused.status_code == 422 and "平面图有问题" in refused.get_data(as_text=True)
    assert risk_maps.get(conn, found["id"])["photo_id"] == replaced["photo_id"]


def test_retiring_a_map_asks_for_confirmation_then_it_is_gone_for_everyone(signed_in, conn):
    manager, found = signed_in("manager1"), station_map(conn)
    assert manager.post(f"/risk-maps/{found['id']}/retire", {}).status_code == 422
    assert not risk_maps.get(conn, found["id"])["retired_at"]
    answer = manager.post(f"/risk-maps/{found['id']}/retire", {"confirm": "1"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/enterprises/{ent_id(conn)}/risk-maps")
    assert manager.get(f"/risk-maps/{found['id']}").status_code == 404
    listed = manager.get(f"/enterprises/{ent_id(conn)}/risk-maps").get_data(as_text=True)
    assert "储配站四色安全风险分布图" not in listed and "全厂四色安全风险分布图" in listed


def test_the_enterprise_page_links_its_risk_maps(signed_in, conn):
    page = signed_in("leader1").get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
    assert f'href="/enterprises/{ent_id(conn)}/risk-maps">风险分布图' in page
    listed = signed_in("leader1").get(f"/enterprises/{ent_id(conn)}/risk-maps").get_data(as_text=True)
    assert "全厂四色安全风险分布图" in listed and "储配站四色安全风险分布图" in listed and "新建分布图" not in listed
