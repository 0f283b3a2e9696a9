"""5S 考评 in Chromium at a phone's size: a team leader scores their post from the home page with one deduction and its
photo and sees the total; a low total suggests a hazard while scoring; with the network gone the score waits in the
outbox with its photo (the form itself kept by 离线准备) and is saved once when the network is back."""

import re

import pytest
from playwright.sync_api import expect

from anbiao import checklists

from .conftest import sign_in
from .loop_helpers import uid
from .test_browser_fill import jpeg
from .test_browser_flows import fits_a_phone
from .test_offline_app import controlled


@pytest.fixture
def five_s_list(conn) -> int:
    """充装班's 5S 考评, added by the manager."""
    unit = dict(conn.execute("SELECT * FROM units WHERE name = '充装班'").fetchone())
    ent = dict(conn.execute("SELECT * FROM enterprises WHERE id = ?", (unit["enterprise_id"],)).fetchone())
    return checklists.add_five_s(conn, ent, unit, uid(conn, "manager1"))


def saved(conn, checklist_id) -> tuple[int, int, int]:
    """Scores of the list, their deductions, and the deductions' photos."""
    return tuple(conn.execute(
        "SELECT COUNT(DISTINCT s.id), COUNT(DISTINCT d.id), COUNT(f.photo_id) FROM five_s_scores s"
        " JOIN inspections i ON i.id = s.inspection_id LEFT JOIN five_s_deductions d ON d.score_id = s.id"
        " LEFT JOIN five_s_photos f ON f.deduction_id = d.id WHERE i.checklist_id = ?", (checklist_id,)).fetchone())


def item(page, index):
    return page.locator("fieldset[data-item]").nth(index)


def test_a_leader_scores_their_post_with_one_deduction_and_its_photo_and_sees_the_total(live_server, phone, conn,
                                                                                       five_s_list, tmp_path):
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name=re.compile("充装班 5S 考评")).click()
    expect(phone.get_by_role("heading", name="5S 考评 · 储配站 / 充装班")).to_be_visible()
    fits_a_phone(phone, "the 5S form")
    second = item(phone, 1)  # 整理, 7 points
    expect(second.get_by_label("扣分原因")).to_be_hidden()
    second.get_by_label("扣分（0–7 分）").fill("2")
    expect(second.get_by_label("扣分原因")).to_be_visible()
    expect(phone.locator("[data-five-s-total]")).to_have_text("得分 98 分（满分 100）")
    # Points taken without a note or photo: said beside the item, nothing sent.
    phone.get_by_role("button", name="提交").click()
    expect(second.locator("[data-reasons]")).to_contain_text("请填写扣分原因")
    expect(second.locator("[data-reasons]")).to_contain_text("请拍照或选照片")
    assert saved(conn, five_s_list) == (0, 0, 0)
    second.get_by_label("扣分原因").fill("废料桶满溢，未及时清运")
    second.locator("input[type=file][data-photo]").set_input_files(jpeg(tmp_path, "5s.jpg", "orange"))
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("status").filter(has_text="已保存")).to_contain_text("已保存：得分 98 分，扣分 1 项")
    expect(phone.locator(".big-total")).to_contain_text("98")
    expect(phone.get_by_text("扣分原因：废料桶满溢，未及时清运")).to_be_visible()
    expect(phone.locator(".deductions img")).to_have_count(1)
    fits_a_phone(phone, "the saved score")
    assert saved(conn, five_s_list) == (1, 1, 1)
    assert conn.execute("SELECT total FROM five_s_scores ORDER BY id DESC LIMIT 1").fetchone()[0] == 98

    # The post's page shows it, and the form suggests a hazard once the total falls under the threshold.
    phone.get_by_role("link", name="本岗位 5S 得分与趋势").click()
    expect(phone.locator(".big-total")).to_contain_text("98")
    expect(phone.locator("svg.trend circle")).to_have_count(1)
    fits_a_phone(phone, "the post's 5S page")
    phone.get_by_role("link", name="开始考评").click()
    low = phone.locator("[data-five-s-low]")
    for index, points in ((0, "8"), (1, "7"), (2, "5"), (3, "2")):
        item(phone, index).locator("[data-deduct]").fill(points)
    expect(phone.locator("[data-five-s-total]")).to_have_text("得分 78 分（满分 100）")
    expect(low).to_be_visible()
    expect(low).to_contain_text("得分低于 80 分")
    item(phone, 3).locator("[data-deduct]").fill("")
    expect(low).to_be_hidden()
    item(phone, 3).locator("[data-deduct]").fill("9")
    phone.get_by_role("button", name="提交").click()
    expect(item(phone, 3).locator("[data-reasons]")).to_contain_text("扣分应在 0 到 8 分之间")
    assert saved(conn, five_s_list) == (1, 1, 1)


def test_a_person_scored_offline_waits_in_the_outbox_with_the_photo_and_is_saved_once_back_online(
        live_server, phone, conn, five_s_list, tmp_path):
    """离线准备 keeps the 5S form as it keeps a card; opened with no signal, the score waits with its photo."""
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.get_by_role("button", name="离线准备").click()
    expect(phone.locator("[data-prepare-list]")).to_contain_text("已可离线使用", timeout=20_000)
    phone.context.set_offline(True)
    phone.locator("[data-prepare-list]").get_by_role("link", name="充装班 5S 考评").click()
    expect(phone.locator("[data-offline-copy]")).to_be_visible()
    expect(phone.get_by_label("被考评人姓名")).to_be_hidden()
    phone.get_by_role("radio", name="个人").check()
    phone.get_by_label("被考评人姓名").fill("王五")
    first = item(phone, 0)
    first.get_by_label("扣分（0–8 分）").fill("1.5")
    first.get_by_label("扣分原因").fill("个人物品放在工位上")
    first.locator("input[type=file][data-photo]").set_input_files(jpeg(tmp_path, "offline.jpg", "purple"))
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("[data-queued]")).to_contain_text("已存入待同步")
    expect(phone.locator("[data-queued]")).to_contain_text("1 张照片")
    expect(phone.locator("[data-outbox-count]")).to_contain_text("1")
    assert saved(conn, five_s_list) == (0, 0, 0)

    phone.context.set_offline(False)
    expect(phone.locator("[data-outbox-count]")).to_be_hidden(timeout=20_000)
    assert saved(conn, five_s_list) == (1, 1, 1)
    found = conn.execute("SELECT person, total FROM five_s_scores ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(found) == ("王五", 98.5)
