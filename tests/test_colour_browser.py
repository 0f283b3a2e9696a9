"""The enterprise's colour on a phone (Chromium, 390 px): a red point turns the works red on its file, and the grid
worker's plan moves it up; a supervisor's 整体评估 needs a reason and is kept in the history."""

from datetime import UTC

from playwright.sync_api import expect

from anbiao import db, due, overview, risk_points

from .conftest import sign_in
from .loop_helpers import ent_id, uid, unit_id

WORKS = "晋江市恒力机械制造有限公司"
SHOES = "晋江市安海鞋业有限公司"


def quiet_grid(conn) -> int:
    """The works without its open major hazard (closed, so its colour is yellow by its points), and a shoe factory
    registered today in the same grid, never visited: due today, so it leads the plan while the works is yellow."""
    works = ent_id(conn, WORKS)
    stamp = due.local_now().astimezone(UTC).isoformat(timespec="seconds")
    with conn.atomic():
        conn.execute("UPDATE hazards SET status = 'closed', closed_at = ? WHERE enterprise_id = ? AND level = 'major'",
                     (stamp, works))
        conn.execute("INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, created_at,"
                     " updated_at) SELECT ?, '91350582MA3SHOE001', '工贸', 'small_micro', grid_id, ?, ?"
                     " FROM enterprises WHERE id = ?", (SHOES, stamp, stamp, works))
    overview.refresh(conn)
    return works


def plan_rows(phone):
    rows = phone.locator("#grid a.row")
    expect(rows.first).to_be_visible()
    return rows


def fits(phone):
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_a_red_point_turns_the_works_red_and_moves_it_up_the_grid_workers_plan(live_server, phone, conn):
    works = quiet_grid(conn)
    sign_in(phone, live_server, "grid2")
    rows = plan_rows(phone)
    expect(rows.nth(0)).to_contain_text(SHOES)
    expect(rows.nth(1)).to_contain_text(WORKS)
    expect(rows.nth(1)).to_contain_text("黄 · 一般风险")
    fits(phone)

    # The manager records a red point at 冲压班 (the risk point form is another page's test).
    risk_points.create(conn, works, {
        "unit_id": unit_id(conn, "冲压班"), "name": "冲床模具更换", "place": "冲压区", "activity": "模具更换",
        "accident_types": "机械伤害", "factors": {"person": "未停机换模"}, "method": "lec",
        "values": {"L": 6, "E": 6, "C": 15}, "measures": {"engineering": "换模前断电挂牌上锁"}},
        by=uid(conn, "manager2"))

    sign_in(phone, live_server, "manager2")
    phone.goto(f"{live_server}/enterprises/{works}")
    colour = phone.locator("#colour")
    expect(colour).to_contain_text("红 · 重大风险")
    expect(colour).to_contain_text("有重大风险（红色）风险点")
    fits(phone)
    colour.get_by_role("link", name="判定依据与变更记录").click()
    history = phone.locator("#history .row")
    expect(history.first).to_contain_text("红 · 重大风险")
    expect(history.first).to_contain_text("黄志明")  # the change followed manager2's point
    expect(history.nth(1)).to_contain_text("黄 · 一般风险")
    expect(phone.locator("form#assess")).to_have_count(0)  # the enterprise does not assess itself
    fits(phone)

    sign_in(phone, live_server, "grid2")
    rows = plan_rows(phone)
    expect(rows.nth(0)).to_contain_text(WORKS)
    expect(rows.nth(0)).to_contain_text("红 · 重大风险")
    expect(rows.nth(0)).to_contain_text("已逾期")
    expect(rows.nth(1)).to_contain_text(SHOES)
    box = rows.nth(0).bounding_box()
    assert box["height"] >= 44 and box["width"] <= 390
    fits(phone)


def test_a_supervisors_assessment_needs_a_reason_and_is_kept_with_who_made_it(live_server, phone, conn):
    works = ent_id(conn, WORKS)
    sign_in(phone, live_server, "supervisor")
    phone.goto(f"{live_server}/enterprises/{works}/colour")
    form = phone.locator("form#assess")
    form.locator("label.choice", has_text="橙 · 较大风险").click()
    form.get_by_role("button", name="保存整体评估").click()
    expect(phone.locator("#reasons-reason")).to_contain_text("请写明理由")
    assert db.one(conn, "SELECT colour_override FROM enterprises WHERE id = ?", (works,))["colour_override"] is None
    phone.get_by_label("理由").fill("现场复查：冲压区已加装光栅，管理到位")
    form.get_by_role("button", name="保存整体评估").click()
    expect(phone.get_by_role("status").filter(has_text="已改定为「橙 · 较大风险」")).to_be_visible()
    first = phone.locator("#history .row").first
    expect(first).to_contain_text("现场复查：冲压区已加装光栅，管理到位")
    expect(first).to_contain_text("郑监管")
    fits(phone)
    phone.goto(f"{live_server}/enterprises/{works}")
    expect(phone.locator("#colour")).to_contain_text("监管人员整体评估改定")
    expect(phone.locator("#colour")).to_contain_text("按规则判定为")
