"""挂牌督办 in Chromium at a phone's size: a supervisor lists the machine works' major hazard from the list of those
not yet listed and records one of its 五落实 with a photo; the works' manager then reads the listing on the hazard."""

import io
import re

from PIL import Image
from playwright.sync_api import expect

from .conftest import sign_in
from .test_browser_flows import fits_a_phone


def shot(tmp_path, name, colour):
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(out, "JPEG")
    (tmp_path / name).write_bytes(out.getvalue())
    return tmp_path / name


def test_a_supervisor_lists_a_hazard_and_marks_a_check_and_the_manager_sees_it(live_server, phone, conn, tmp_path):
    hazard = conn.execute("SELECT h.id FROM hazards h JOIN units u ON u.id = h.unit_id WHERE u.name = '冲压班'"
                          " AND h.level = 'major'").fetchone()[0]
    sign_in(phone, live_server, "supervisor")
    phone.get_by_role("link", name=re.compile("挂牌督办清单")).click()
    expect(phone.get_by_role("heading", name="挂牌督办", exact=True)).to_be_visible()
    fits_a_phone(phone, "supervision list")
    phone.locator("#waiting").get_by_role("link", name=re.compile("冲床双手操纵按钮被短接")).click()
    expect(phone.get_by_role("heading", name="挂牌督办")).to_be_visible()
    fits_a_phone(phone, "new listing")
    phone.get_by_role("radio", name="市级").check()
    phone.get_by_label("督办单位").fill("泉州市安全生产委员会办公室")
    phone.get_by_label("督办期限").fill("2099-12-31")
    phone.get_by_role("button", name="挂牌督办").click()
    expect(phone.get_by_role("status")).to_contain_text("已挂牌督办（市级）")
    expect(phone.get_by_role("heading", name=re.compile("挂牌督办：冲床双手操纵按钮被短接"))).to_be_visible()
    fits_a_phone(phone, "listing")

    phone.get_by_text("目标任务（未落实）").click()  # each of the five folds open to its form
    goal = phone.locator("#check-goal")
    goal.get_by_role("radio", name="已落实").check()
    goal.get_by_label("落实情况").fill("拆除短接线，恢复双手操纵按钮，7 日内完成")
    goal.locator("input[type=file]").set_input_files(shot(tmp_path, "goal.jpg", "teal"))
    expect(goal.locator("[data-previews] img")).to_have_count(1)
    goal.get_by_role("button", name="记录目标任务").click()
    expect(phone.get_by_role("status")).to_contain_text("已记录五落实 · 目标任务")
    expect(phone.locator("#supervision")).to_contain_text("五落实 1/5")
    expect(phone.locator("#supervision [data-check=goal]")).to_contain_text("已落实")
    expect(phone.locator("#supervision [data-check=goal] img")).to_be_visible()
    listing = conn.execute("SELECT id FROM supervisions WHERE hazard_id = ?", (hazard,)).fetchone()[0]
    check = conn.execute("SELECT done, note, photo_id FROM supervision_checks WHERE supervision_id = ?"
                         " AND item = 'goal'", (listing,)).fetchone()
    assert check[0] == 1 and check[1] == "拆除短接线，恢复双手操纵按钮，7 日内完成" and check[2]

    sign_in(phone, live_server, "manager2")
    phone.goto(f"{live_server}/hazards/{hazard}")
    section = phone.locator("#supervision")
    expect(section).to_contain_text("市级挂牌督办")
    expect(section).to_contain_text("泉州市安全生产委员会办公室")
    expect(section).to_contain_text("2099-12-31")
    expect(section).to_contain_text("五落实 1/5")
    expect(section.locator("[data-check=goal]")).to_contain_text("拆除短接线")
    expect(section.locator("[data-check=funds]")).to_contain_text("未落实")
    fits_a_phone(phone, "hazard page with its listing")
    section.get_by_role("link", name="督办详情与证据照片").click()
    expect(phone.locator("#supervision [data-check=goal] img")).to_be_visible()
    expect(phone.locator("form[data-submit][action*='/checks/']")).to_have_count(0)
    fits_a_phone(phone, "listing read by the manager")
