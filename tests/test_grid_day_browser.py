"""The grid worker's day in Chromium at a phone's size: grid1 picks two enterprises into 今日计划, opens one, fills its
grid guide marked 四不两直 (the page then says so, with the GPS that proves being there), and accepts a 复查 from
home."""

import re

from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import ent_id, rectify, uid
from .test_browser_flows import fits_a_phone
from .test_grid_day import GAS, PIPES, government_hazards, second_enterprise

FIX = {"latitude": 24.9081, "longitude": 118.5894, "accuracy": 15}


def test_a_grid_worker_plans_the_day_visits_unannounced_and_accepts_a_recheck(live_server, phone, conn, signed_in):
    pipes, gas = second_enterprise(conn), ent_id(conn, GAS)
    # What government found earlier: grid1's finding at the gas company, fixed since by the manager.
    manager = signed_in("manager1")
    [found] = government_hazards(signed_in("grid1"), manager, conn, [6])
    assert rectify(manager, found).status_code == 302
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(FIX)

    sign_in(phone, live_server, "grid1")
    today = phone.locator("#today")
    expect(today).to_contain_text("今天还没有安排")
    fits_a_phone(phone, "grid worker's home")
    grid = phone.locator("#grid")
    grid.get_by_role("button", name=f"{PIPES} 加入今日计划").click()
    expect(today.locator(f"#today-{pipes}")).to_be_visible()
    phone.locator("#grid").get_by_role("button", name=f"{GAS} 加入今日计划").click()
    expect(today.locator(f"#today-{gas}")).to_be_visible()
    expect(today.get_by_role("heading")).to_contain_text("今日计划（2 家")
    # The gas company first: it has the fix waiting.
    today.locator(f"#today-{gas}").get_by_role("button", name="上移").click()
    expect(today.locator("div.unit").first).to_have_attribute("id", f"today-{gas}")
    expect(phone.locator("#grid")).to_contain_text("已在今日计划（第 1 家）")
    assert [r[0] for r in conn.execute("SELECT enterprise_id FROM day_plans WHERE user_id = ? ORDER BY position",
                                       (uid(conn, "grid1"),))] == [gas, pipes]
    fits_a_phone(phone, "grid worker's home with a plan")

    phone.locator(f"#today-{gas}").get_by_role("link", name="开始检查").click()
    phone.get_by_label(re.compile("四不两直（未提前通知）")).check()
    items = phone.locator("fieldset[data-item]")
    for n in range(items.count()):
        items.nth(n).get_by_role("radio", name="合格", exact=True).check()
    fits_a_phone(phone, "grid guide")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("status")).to_contain_text("已保存")
    expect(phone.locator(".facts")).to_contain_text("四不两直（未提前通知）")
    expect(phone.locator("#visit-presence")).to_contain_text("到场：GPS")
    visit = conn.execute("SELECT * FROM inspections ORDER BY id DESC LIMIT 1").fetchone()
    assert visit["unannounced"] == 1 and visit["enterprise_id"] == gas and visit["latitude"] is not None

    phone.goto(live_server + "/")
    entry = phone.locator(f"#today-{gas}")
    expect(entry).to_contain_text("今日已检查")
    expect(entry).to_contain_text("四不两直")
    expect(phone.locator(f"#today-{pipes}")).to_contain_text("今日未检查")

    rechecks = phone.locator("#rechecks")
    expect(rechecks).to_contain_text("已整改，可复查验收")
    rechecks.get_by_role("link", name=re.compile("网格员发现的第1处隐患")).click()
    phone.get_by_role("radio", name="验收通过").check()
    phone.get_by_label("验收意见（退回时必填原因）").fill("现场复查：已整改到位")
    phone.get_by_role("button", name="提交验收").click()
    expect(phone.get_by_role("status")).to_contain_text("已闭环")
    assert tuple(conn.execute("SELECT status, verified_by FROM hazards WHERE id = ?", (found,)).fetchone()) == (
        "closed", uid(conn, "grid1"))
    phone.goto(live_server + "/")
    expect(phone.locator("#rechecks")).not_to_contain_text("网格员发现的第1处隐患")
