"""In Chromium at a phone's size: a workshop head derives a post's card from the post's risk point, whose measures
are offered marked by the point's colour (picked, as the post controls a blue point), and the card then holds them."""

from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import ent_id, unit_id
from .test_browser_flows import fits_a_phone
from .test_risk_feed import blue_point_at, measure_ids


def test_a_workshop_head_derives_a_card_that_offers_the_points_measures(live_server, phone, conn):
    blue_point_at(conn, "运行班")
    picked = measure_ids(conn, "阀门井巡检")
    sign_in(phone, live_server, "head1")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn, '泉州市安泰燃气有限公司')}/units/"
               f"{unit_id(conn, '运行班')}/derive")
    offered = phone.locator("fieldset.risk-measures")
    expect(offered.locator(".badge.risk-blue")).to_have_text("蓝 · 低风险")
    expect(offered.get_by_text("本级管控", exact=True)).to_be_visible()
    for measure_id in picked:
        expect(offered.locator(f"input[name=measure][value='{measure_id}']")).to_be_checked()
    fits_a_phone(phone, "derive with risk measures")
    phone.get_by_label("名称").fill("运行班阀门井检查卡")
    phone.get_by_role("button", name="生成").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("运行班阀门井检查卡")
    items = phone.locator("ol.items li")
    expect(items.filter(has_text="阀门井巡检：开盖前用检测仪检测可燃气体").locator(".badge.risk-blue")).to_be_visible()
    made = conn.execute("SELECT COUNT(*) FROM checklist_items i JOIN checklists c ON c.id = i.checklist_id"
                        " WHERE c.title = '运行班阀门井检查卡' AND i.risk_measure_id IS NOT NULL").fetchone()[0]
    assert made == len(picked)
