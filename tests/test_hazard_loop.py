"""The hazard loop over HTTP: 随手拍, 四定, the fix with an after-photo, verification by someone else,
and evidence that is never deleted."""

import re

import pytest

from anbiao.due import local_now

from .loop_helpers import (
    CLIENT_TIME,
    assign,
    card_form,
    counts,
    ent_id,
    events,
    future,
    hazard_of,
    photo,
    post,
    rectify,
    report,
    reported,
    row,
    snapshot,
    stages,
    uid,
    unit_id,
    upload,
    verify,
)

# ---- 随手拍 ------------------------------------------------------------------------------------------------------


def test_team_leader_reports_a_hazard_at_their_own_post(leader, conn):
    """随手拍 at one's own post creates a reported hazard with source report and the photo."""
    before = counts(conn)
    hazard_id = reported(leader, conn, client_time=CLIENT_TIME, latitude="24.91", longitude="118.59",
                         accuracy="20")
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["source"] == "report"
    assert hazard["status"] == "reported"
    assert hazard["unit_id"] == unit_id(conn, "充装班")
    assert hazard["reported_by"] == uid(conn, "leader1")
    assert hazard["inspection_id"] is None
    assert hazard["client_time"] == CLIENT_TIME
    assert hazard["latitude"] == pytest.approx(24.91)
    assert stages(conn, hazard_id) == ["before"]
    assert counts(conn)["inspections"] == before["inspections"]


@pytest.mark.parametrize("place", ["巡线班", "车床班"])
def test_team_leader_cannot_report_at_another_workshops_post(leader, conn, place):
    """A team leader places a 随手拍 only at their own post: another workshop's (or enterprise's) post is refused."""
    before = counts(conn)
    response = report(leader, conn, post_name=place)
    assert response.status_code in (404, 422)
    if response.status_code == 422:
        assert "请选择隐患所在的车间或岗位" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_report_without_a_photo_is_refused(leader, conn):
    """A 随手拍 needs its photo."""
    before = counts(conn)
    data = {"unit_id": unit_id(conn, "充装班"), "description": "无照片", "category": "thing", "level": "general"}
    response = post(leader, f"/enterprises/{ent_id(conn)}/hazards/new", data)
    assert response.status_code == 422
    assert "请拍照或上传隐患照片" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_report_in_another_enterprise_is_not_found(leader, conn):
    """A team leader cannot even open the 随手拍 page of an enterprise that is not theirs."""
    other = ent_id(conn, "晋江市恒力机械制造有限公司")
    assert leader.get(f"/enterprises/{other}/hazards/new").status_code == 404


# ---- 四定: assigning ------------------------------------------------------------------------------------------


def test_workshop_head_assigns_owner_measure_money_and_deadline(leader, head, conn):
    """head1 sets the 四定: the hazard is assigned with owner, measure, money and deadline."""
    hazard_id = reported(leader, conn)
    deadline = future(10)
    response = assign(head, conn, hazard_id, money="1,500.50", deadline=deadline)
    assert hazard_of(response) == hazard_id
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["status"] == "assigned"
    assert hazard["owner_id"] == uid(conn, "leader1")
    assert hazard["measure"] == "更换静电接地线并检测"
    assert hazard["money"] == pytest.approx(1500.5)
    assert hazard["deadline"] == deadline
    assert hazard["assigned_by"] == uid(conn, "head1")
    assert hazard["supervised"] == 0
    assert events(conn, hazard_id) == ["report", "assign"]


def test_deadline_today_is_accepted(leader, head, conn):
    """A deadline of today (Beijing date) is allowed."""
    hazard_id = reported(leader, conn)
    today = local_now().date().isoformat()
    assert assign(head, conn, hazard_id, deadline=today).status_code == 302
    assert row(conn, "hazards", hazard_id)["deadline"] == today


@pytest.mark.parametrize("fields,message", [
    ({"deadline": "2000-01-01"}, "整改期限不能早于今天"),
    ({"deadline": "明天"}, "请填写整改期限"),
    ({"money": "-5"}, "整改资金应在 0 到 1 亿元之间"),
    ({"money": "一千五"}, "整改资金请填写金额"),
    ({"money": "abc"}, "整改资金请填写金额"),
    ({"money": "nan"}, "整改资金"),
    ({"owner": "leader2"}, "请选择本单元的整改责任人"),
    ({"owner": "leader1b"}, "请选择本单元的整改责任人"),
    ({"measure": ""}, "请填写整改措施"),
], ids=["past-deadline", "deadline-not-a-date", "negative-money", "money-in-words", "money-not-numeric",
        "money-nan", "owner-of-another-enterprise", "owner-of-another-post", "no-measure"])
def test_bad_assignment_is_refused_in_chinese_and_changes_nothing(leader, head, conn, fields, message):
    """A past deadline, bad money, an owner who cannot fix it or no measure: 422 in Chinese, the hazard untouched."""
    hazard_id = reported(leader, conn)
    before, kept = row(conn, "hazards", hazard_id), snapshot(conn)
    response = assign(head, conn, hazard_id, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert row(conn, "hazards", hazard_id) == before
    assert snapshot(conn) == kept


def test_major_hazard_needs_a_plan_and_is_then_listed_for_supervision(leader, head, conn):
    """重大隐患: assigning without 预案 is refused; with it the hazard is assigned and 挂牌督办 (supervised=1)."""
    hazard_id = reported(leader, conn, level="major", description="液化气储罐安全阀失效")
    refused = assign(head, conn, hazard_id)
    assert refused.status_code == 422
    assert "应急预案" in refused.get_data(as_text=True)
    assert row(conn, "hazards", hazard_id)["status"] == "reported"
    response = assign(head, conn, hazard_id, plan="停用该储罐，设置警戒区，专人监护")
    assert response.status_code == 302
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["status"] == "assigned"
    assert hazard["supervised"] == 1
    assert hazard["plan"] == "停用该储罐，设置警戒区，专人监护"
    assert "挂牌督办" in head.get(f"/hazards/{hazard_id}").get_data(as_text=True)


def test_team_leader_cannot_assign(leader, conn):
    """Assigning is for the head and the manager: a team leader gets 403 and nothing changes."""
    hazard_id = reported(leader, conn)
    assert assign(leader, conn, hazard_id).status_code == 403
    assert row(conn, "hazards", hazard_id)["status"] == "reported"


# ---- fixing and verifying -------------------------------------------------------------------------------------


def test_owner_rectifies_with_an_after_photo(assigned, leader, conn):
    """leader1 reports the fix with an after photo: the hazard waits for verification."""
    response = rectify(leader, assigned)
    assert hazard_of(response) == assigned
    hazard = row(conn, "hazards", assigned)
    assert hazard["status"] == "rectified"
    assert hazard["rectified_by"] == uid(conn, "leader1")
    assert hazard["rectified_at"] is not None
    assert stages(conn, assigned) == ["before", "after"]
    html = leader.get(f"/hazards/{assigned}").get_data(as_text=True)
    assert "整改前" in html and "整改后" in html and "待验收" in html


def test_rectification_without_an_after_photo_is_refused(assigned, leader, conn):
    """No after photo: 422 in Chinese, still being fixed."""
    kept = snapshot(conn)
    response = rectify(leader, assigned, with_photo=False)
    assert response.status_code == 422
    assert "请上传整改后照片" in response.get_data(as_text=True)
    assert row(conn, "hazards", assigned)["status"] == "assigned"
    assert snapshot(conn) == kept


def test_after_photo_identical_to_the_before_photo_is_refused(leader, head, conn):
    """整改靠补拍: the hazard's own before photo sent again as the after photo is not evidence of a fix."""
    picture = photo()
    hazard_id = hazard_of(post(leader, f"/enterprises/{ent_id(conn)}/hazards/new", {
        "unit_id": unit_id(conn, "充装班"), "description": "钢瓶未固定", "category": "thing", "level": "general",
        "photos": upload(picture)}))
    assert assign(head, conn, hazard_id).status_code == 302
    response = post(leader, f"/hazards/{hazard_id}/rectify", {"note": "已固定", "photos": upload(picture)})
    assert response.status_code == 422
    assert row(conn, "hazards", hazard_id)["status"] == "assigned"
    assert stages(conn, hazard_id) == ["before"]


def test_rectifier_cannot_verify_their_own_fix(leader, head, manager, conn):
    """manager1 fixes a hazard and then tries to accept it: refused in Chinese, status unchanged."""
    hazard_id = reported(leader, conn)
    assert assign(head, conn, hazard_id, owner="manager1").status_code == 302
    assert rectify(manager, hazard_id).status_code == 302
    kept = snapshot(conn)
    response = verify(manager, hazard_id, "pass", "自己验收")
    assert response.status_code in (403, 422)
    assert "不能" in response.get_data(as_text=True)
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["status"] == "rectified"
    assert hazard["closed_at"] is None and hazard["verified_by"] is None
    assert snapshot(conn) == kept


def test_rectifier_on_behalf_of_the_owner_cannot_verify_it_either(assigned, manager, conn):
    """manager1 reports the fix for leader1's hazard; the same manager may not then accept it."""
    assert rectify(manager, assigned).status_code == 302
    response = verify(manager, assigned, "pass")
    assert response.status_code in (403, 422)
    assert row(conn, "hazards", assigned)["status"] == "rectified"


def test_manager_verifies_a_fix_by_the_owner_and_the_hazard_is_closed(rectified, manager, conn):
    """manager1 accepts leader1's fix: closed, with closed_at and the verifier."""
    response = verify(manager, rectified, "pass", "复查合格")
    assert hazard_of(response) == rectified
    hazard = row(conn, "hazards", rectified)
    assert hazard["status"] == "closed"
    assert hazard["closed_at"] is not None
    assert hazard["verified_by"] == uid(conn, "manager1")
    assert events(conn, rectified) == ["report", "assign", "rectify", "verify_pass"]


def test_failing_a_fix_needs_a_reason(rectified, manager, conn):
    """退回 without a reason is refused; the hazard still waits for verification."""
    kept = snapshot(conn)
    response = verify(manager, rectified, "fail", "")
    assert response.status_code == 422
    assert "退回原因" in response.get_data(as_text=True)
    assert row(conn, "hazards", rectified)["status"] == "rectified"
    assert snapshot(conn) == kept


def test_failed_fix_goes_back_to_the_owner_with_the_reason_on_the_timeline(rectified, manager, leader, conn):
    """退回 with a reason: back to 整改中, the reason shown on the timeline, and the owner can fix it again."""
    response = verify(manager, rectified, "fail", "接地电阻仍超标，需重新整改")
    assert response.status_code == 302
    hazard = row(conn, "hazards", rectified)
    assert hazard["status"] == "assigned"
    assert hazard["closed_at"] is None
    html = leader.get(f"/hazards/{rectified}").get_data(as_text=True)
    assert "退回整改" in html
    assert "接地电阻仍超标，需重新整改" in html
    assert rectify(leader, rectified).status_code == 302
    assert row(conn, "hazards", rectified)["status"] == "rectified"


def test_verifying_needs_a_result(rectified, manager, conn):
    """A verification that is neither pass nor fail is refused in Chinese and changes nothing."""
    kept = snapshot(conn)
    response = verify(manager, rectified, "maybe")
    assert response.status_code in (400, 422)
    assert re.search(r"[\u4e00-\u9fff]", response.get_data(as_text=True))
    assert row(conn, "hazards", rectified)["status"] == "rectified"
    assert snapshot(conn) == kept


def test_team_leader_cannot_verify(rectified, signed_in, conn):
    """Verification is not a team leader's: another post's leader does not even see the hazard."""
    other = signed_in("leader1b")
    assert verify(other, rectified).status_code == 404
    assert row(conn, "hazards", rectified)["status"] == "rectified"


def test_grid_worker_verifies_the_fix_of_a_hazard_found_on_a_grid_inspection(signed_in, manager, conn):
    """复查: grid1 finds a hazard with the 导则, the enterprise fixes it, grid1 accepts the fix."""
    grid = signed_in("grid1")
    guide = conn.execute("SELECT c.id FROM checklists c JOIN enterprises e ON e.id = c.enterprise_id"
                         " WHERE c.tier = 'grid' AND e.name = '泉州市安泰燃气有限公司'").fetchone()[0]
    items = [dict(r) for r in conn.execute("SELECT * FROM checklist_items WHERE checklist_id = ?"
                                           " AND removed_at IS NULL ORDER BY position", (guide,))]
    response = post(grid, f"/checklists/{guide}/inspections", card_form(items, {0: {}}))
    assert response.status_code == 302
    hazard_id = conn.execute("SELECT MAX(id) FROM hazards").fetchone()[0]
    assert row(conn, "hazards", hazard_id)["reported_by"] == uid(conn, "grid1")
    assert assign(manager, conn, hazard_id, owner="manager1").status_code == 302
    assert rectify(manager, hazard_id).status_code == 302
    assert verify(grid, hazard_id, "pass", "网格员复查合格").status_code == 302
    assert row(conn, "hazards", hazard_id)["verified_by"] == uid(conn, "grid1")


def test_grid_worker_leaves_the_enterprises_own_findings_to_the_enterprise(rectified, signed_in, conn):
    """A hazard the enterprise found itself is accepted by the enterprise, not on the grid worker's list."""
    grid = signed_in("grid1")
    assert verify(grid, rectified, "pass").status_code == 403
    assert row(conn, "hazards", rectified)["status"] == "rectified"
    assert f"/hazards/{rectified}" not in grid.get("/").get_data(as_text=True)


def test_closed_hazard_cannot_be_rectified_or_reassigned(rectified, manager, head, leader, conn):
    """Once closed, the loop is over: no more fixes or assignments."""
    assert verify(manager, rectified).status_code == 302
    kept = row(conn, "hazards", rectified)
    assert rectify(leader, rectified).status_code in (403, 422)
    assert assign(head, conn, rectified).status_code in (403, 422)
    assert row(conn, "hazards", rectified) == kept


def test_every_step_writes_events_and_audit_and_nothing_is_deleted(leader, head, manager, conn):
    """Report → assign → fix → send back → fix → accept: each step adds an event and an audit row, none removed."""
    steps = [
        lambda h: assign(head, conn, h),
        lambda h: rectify(leader, h),
        lambda h: verify(manager, h, "fail", "照片看不清接地线"),
        lambda h: rectify(leader, h),
        lambda h: verify(manager, h, "pass", "复查合格"),
    ]
    first = snapshot(conn)
    hazard_id = reported(leader, conn)
    previous = snapshot(conn)
    _assert_kept(first, previous)
    for step in steps:
        response = step(hazard_id)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        current = snapshot(conn)
        _assert_kept(previous, current)
        assert len(set(current["hazard_events"]) - set(previous["hazard_events"])) == 1
        new_audit = set(current["audit_log"]) - set(previous["audit_log"])
        assert new_audit, "every step is in the audit log"
        audited = {r["entity"] for r in conn.execute(
            f"SELECT entity, entity_id FROM audit_log WHERE id IN ({','.join('?' * len(new_audit))})",
            sorted(new_audit))}
        assert "hazard" in audited
        previous = current
    assert events(conn, hazard_id) == ["report", "assign", "rectify", "verify_fail", "rectify", "verify_pass"]
    assert stages(conn, hazard_id) == ["before", "after", "after"]
    audit_rows = conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'hazard' AND entity_id = ?",
                              (hazard_id,)).fetchone()[0]
    assert audit_rows == 6


def _assert_kept(old, new):
    for table, records in old.items():
        for id_, values in records.items():
            assert new[table].get(id_) == values, f"{table} {id_} was changed or deleted"


def test_timeline_keeps_before_and_after_photos_side_by_side_with_times(rectified, manager, conn):
    """The hazard page shows before and after photos with their upload times, and every step on the timeline."""
    html = manager.get(f"/hazards/{rectified}").get_data(as_text=True)
    for word in ("整改前", "整改后", "发现", "分派", "整改", "上传"):
        assert word in html
    hashes = [r[0] for r in conn.execute("SELECT p.hash FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                                         " WHERE hp.hazard_id = ?", (rectified,))]
    assert len(hashes) == 2
    for digest in hashes:
        assert f"/photos/{digest}/thumb.jpg" in html
