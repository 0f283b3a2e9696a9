"""What a scan does inside the app: the signed-in person whose scope holds the sign checks it (a 破损/缺失 sign becomes
a hazard that runs the loop), fills the unit's due card, reports a hazard there and sees its open ones; the scan is
presence on the inspection it belongs to. Anyone else gets only what is printed on the wall."""

import pytest

from anbiao import sign_checks

from .loop_helpers import (
    assign,
    call_off_draws,
    ent_id,
    events,
    hazard_of,
    inspection_of,
    post,
    rectify,
    submit_card,
    uid,
    upload,
    verify,
)

INSIDE = ("标识状态", "检查此标识", "本处未闭环隐患", "在此上报隐患", "data-presence")


def demo_sign(conn, title="充装岗位安全风险告知卡") -> tuple[int, str]:
    sign_id = conn.execute("SELECT id FROM signs WHERE title = ?", (title,)).fetchone()[0]
    token = conn.execute("SELECT token FROM sign_tokens WHERE sign_id = ? AND replaced_at IS NULL",
                         (sign_id,)).fetchone()[0]
    return sign_id, token


def check(client, sign_id, state, photos=1, note=""):
    data = {"state": state, "note": note}
    if photos:
        data["photos"] = [upload() for _ in range(photos)]
    return post(client, f"/signs/{sign_id}/check", data)


@pytest.mark.parametrize("who", ["leader1", "head1", "manager1", "grid1"])
def test_a_person_whose_scope_holds_the_sign_gets_the_actions_below_the_notice(signed_in, conn, who):
    _, token = demo_sign(conn)
    html = signed_in(who).get(f"/q/{token}").get_data(as_text=True)
    for part in (*INSIDE, "充装岗位安全风险告知卡", "液化石油气泄漏"):
        assert part in html, (who, part)


@pytest.mark.parametrize("who", ["anonymous", "manager2", "grid2", "leader2"])
def test_anyone_outside_the_signs_scope_gets_only_the_printed_notice(client, signed_in, conn, who):
    """Held against the signed-in view of the same sign: the notice is the same, nothing internal is added."""
    sign_id, token = demo_sign(conn)
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    check(signed_in("manager1"), sign_id, "damaged", note="告知卡被撕破一角")
    outside = (client if who == "anonymous" else signed_in(who)).get(f"/q/{token}").get_data(as_text=True)
    inside = signed_in("manager1").get(f"/q/{token}").get_data(as_text=True)
    assert "破损" in inside and "告知卡被撕破一角" in inside
    for part in (*INSIDE, "破损", "告知卡被撕破一角", "陈建国", "最近检查"):
        assert part not in outside, (who, part)
    assert "随手拍 · 我要反映" in outside and "液化石油气泄漏" in outside


def test_checking_a_sign_intact_records_who_and_when_and_raises_no_hazard(signed_in, conn):
    sign_id, token = demo_sign(conn)
    before = conn.execute("SELECT COUNT(*) FROM hazards").fetchone()[0]
    response = check(signed_in("leader1"), sign_id, "intact", photos=0)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/q/{token}")
    sign = conn.execute("SELECT state, checked_by FROM signs WHERE id = ?", (sign_id,)).fetchone()
    assert tuple(sign) == ("intact", uid(conn, "leader1"))
    assert conn.execute("SELECT COUNT(*) FROM hazards").fetchone()[0] == before
    assert conn.execute("SELECT COUNT(*) FROM sign_presence WHERE sign_id = ?", (sign_id,)).fetchone()[0] == 1


def test_a_damaged_sign_needs_a_photo_and_a_refusal_writes_nothing(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    tables = ("sign_checks", "sign_presence", "hazards", "photos", "audit_log")
    before = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    response = check(signed_in("leader1"), sign_id, "damaged", photos=0)
    assert response.status_code == 422
    assert "标识破损时请拍照留证" in response.get_data(as_text=True)
    response = check(signed_in("leader1"), sign_id, "faded", photos=1)
    assert response.status_code == 422 and "请选择完好、破损或缺失" in response.get_data(as_text=True)
    assert {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables} == before
    assert conn.execute("SELECT state FROM signs WHERE id = ?", (sign_id,)).fetchone()[0] == "intact"


def test_a_damaged_sign_becomes_a_hazard_of_its_unit_that_runs_the_loop_to_closed(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    grid = signed_in("grid1")
    hazard_id = hazard_of(check(grid, sign_id, "damaged", note="告知卡被油污遮挡"))
    hazard = conn.execute("SELECT * FROM hazards WHERE id = ?", (hazard_id,)).fetchone()
    unit = conn.execute("SELECT unit_id FROM signs WHERE id = ?", (sign_id,)).fetchone()[0]
    assert (hazard["unit_id"], hazard["status"], hazard["category"]) == (unit, "reported", "thing")
    assert "岗位安全风险告知卡“充装岗位安全风险告知卡”破损" in hazard["description"]
    assert "告知卡被油污遮挡" in hazard["description"]
    assert conn.execute("SELECT COUNT(*) FROM hazard_photos WHERE hazard_id = ?", (hazard_id,)).fetchone()[0] == 1
    manager, leader = signed_in("manager1"), signed_in("leader1")
    assign(manager, conn, hazard_id)
    rectify(leader, hazard_id)
    verify(grid, hazard_id)  # government found it: the grid worker accepts the fix (复查)
    assert conn.execute("SELECT status FROM hazards WHERE id = ?", (hazard_id,)).fetchone()[0] == "closed"


def test_a_sign_found_damaged_again_joins_its_open_hazard_instead_of_a_second_one(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    first = hazard_of(check(signed_in("leader1"), sign_id, "damaged"))
    again = hazard_of(check(signed_in("head1"), sign_id, "missing", note="整张告知卡不见了"))
    assert again == first
    assert events(conn, first) == ["report", "found_again"]
    assert conn.execute("SELECT COUNT(*) FROM hazard_photos WHERE hazard_id = ?", (first,)).fetchone()[0] == 2
    assert conn.execute("SELECT state FROM signs WHERE id = ?", (sign_id,)).fetchone()[0] == "missing"


def test_a_supervisor_reads_a_sign_but_does_not_check_it(signed_in, conn):
    sign_id, token = demo_sign(conn)
    supervisor = signed_in("supervisor")
    html = supervisor.get(f"/q/{token}").get_data(as_text=True)
    assert "标识状态" in html and "检查此标识" not in html
    assert check(supervisor, sign_id, "intact", photos=0).status_code == 403


def test_a_replayed_check_is_saved_once(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    leader = signed_in("leader1")
    data = {"state": "damaged", "idempotency_key": "sign-check-replay-1"}
    first = post(leader, f"/signs/{sign_id}/check", {**data, "photos": upload(b"")})
    assert first.status_code == 422  # an empty file is no photo; the key stays free
    photo = upload()[0].getvalue()
    one = post(leader, f"/signs/{sign_id}/check", {**data, "photos": upload(photo)})
    two = post(leader, f"/signs/{sign_id}/check", {**data, "photos": upload(photo)})
    assert one.headers["Location"] == two.headers["Location"]
    assert conn.execute("SELECT COUNT(*) FROM sign_checks WHERE sign_id = ?", (sign_id,)).fetchone()[0] == 1


def test_the_scan_offers_the_posts_due_card_and_a_report_with_the_place_filled_in(signed_in, conn):
    _, token = demo_sign(conn)
    leader = signed_in("leader1")
    html = leader.get(f"/q/{token}").get_data(as_text=True)
    card = conn.execute("SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id WHERE u.name = '充装班'"
                        " AND c.archived_at IS NULL").fetchone()[0]
    assert f"/checklists/{card}/fill" in html
    unit = conn.execute("SELECT id FROM units WHERE name = '充装班'").fetchone()[0]
    link = f"/enterprises/{ent_id(conn)}/hazards/new?unit_id={unit}&amp;description="
    assert link in html
    place = "【充装岗位安全风险告知卡，充装台东侧立柱】"
    page = leader.get(f"/enterprises/{ent_id(conn)}/hazards/new?unit_id={unit}&description={place}").get_data(
        as_text=True)
    assert f'<option value="{unit}" selected' in page and f"{place}</textarea>" in page


def test_a_grid_worker_gets_the_grid_guide_and_the_units_open_hazards(signed_in, conn):
    sign_id, token = demo_sign(conn)
    hazard_id = hazard_of(check(signed_in("leader1"), sign_id, "damaged"))
    html = signed_in("grid1").get(f"/q/{token}").get_data(as_text=True)
    assert f"/hazards/{hazard_id}" in html


def test_a_scan_is_presence_on_the_inspection_it_belongs_to(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    leader = signed_in("leader1")
    response = post(leader, f"/signs/{sign_id}/presence", {"client_time": "2026-11-23T08:00:00+08:00",
                                                          "latitude": "24.9", "longitude": "118.6", "accuracy": "8"})
    assert response.status_code == 303
    row = conn.execute("SELECT * FROM sign_presence WHERE sign_id = ?", (sign_id,)).fetchone()
    assert (row["user_id"], row["latitude"], row["longitude"]) == (uid(conn, "leader1"), 24.9, 118.6)
    inspection_id = inspection_of(submit_card(leader, conn))
    page = leader.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "现场扫码（1）" in page and "充装岗位安全风险告知卡" in page and "24.90000, 118.60000" in page
    other = inspection_of(submit_card(signed_in("leader2"), conn, post_name="车床班"))
    assert "现场扫码" not in signed_in("manager2").get(f"/inspections/{other}").get_data(as_text=True)
    assert sign_checks.of_inspection(conn, dict(conn.execute("SELECT * FROM inspections WHERE id = ?",
                                                             (inspection_id,)).fetchone()))[0]["sign_id"] == sign_id


def test_presence_outside_scope_is_not_found_and_writes_nothing(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    assert post(signed_in("manager2"), f"/signs/{sign_id}/presence", {}).status_code == 404
    assert conn.execute("SELECT COUNT(*) FROM sign_presence").fetchone()[0] == 0


def test_a_workshop_register_and_a_grid_inspection_list_the_signs_to_scan_with_todays_scans(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    head = signed_in("head1")
    register = conn.execute("SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id WHERE u.name = '储配站'"
                            " AND c.tier = 'workshop' AND c.archived_at IS NULL").fetchone()[0]
    page = head.get(f"/checklists/{register}/fill").get_data(as_text=True)
    assert "扫码检查标识（今日已扫 0/4）" in page and "充装岗位安全风险告知卡" in page and "公司大门" not in page
    post(head, f"/signs/{sign_id}/presence", {})
    assert "今日已扫 1/4" in head.get(f"/checklists/{register}/fill").get_data(as_text=True)
    grid = signed_in("grid1")
    guide = conn.execute("SELECT id FROM checklists WHERE tier = 'grid' AND enterprise_id = ?",
                         (ent_id(conn),)).fetchone()
    if guide is None:
        grid.post(f"/enterprises/{ent_id(conn)}/grid-inspection", {"idempotency_key": "start-grid-guide-1"})
        guide = conn.execute("SELECT id FROM checklists WHERE tier = 'grid' AND enterprise_id = ?",
                             (ent_id(conn),)).fetchone()
    page = grid.get(f"/checklists/{guide[0]}/fill").get_data(as_text=True)
    assert "公司大门安全风险公告栏" in page and "今日已扫 0/5" in page
    card = conn.execute("SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id WHERE u.name = '充装班'"
                        " AND c.archived_at IS NULL").fetchone()[0]
    assert "扫码检查标识" not in signed_in("leader1").get(f"/checklists/{card}/fill").get_data(as_text=True)


def test_the_signs_list_says_when_and_by_whom_each_sign_was_last_checked(signed_in, conn):
    sign_id, _ = demo_sign(conn)
    check(signed_in("leader1"), sign_id, "intact", photos=0)
    html = signed_in("manager1").get(f"/enterprises/{ent_id(conn)}/signs").get_data(as_text=True)
    name = conn.execute("SELECT name FROM users WHERE username = 'leader1'").fetchone()[0]
    assert f"{name}检查" in html
