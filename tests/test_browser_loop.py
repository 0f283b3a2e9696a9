"""The whole loop in a real browser at a phone viewport: 检查 → 隐患 → 分派 → 整改 → 验收 → 清零."""

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from .conftest import sign_in


@pytest.fixture
def shots(tmp_path):
    """Two phone-sized photos on disk: the hazard and the fix."""
    paths = []
    for name, colour in (("before.jpg", "firebrick"), ("after.jpg", "seagreen")):
        image = Image.new("RGB", (3000, 4000), "gray")
        ImageDraw.Draw(image).ellipse((500, 800, 2500, 3200), fill=colour)
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = "2026:11:20 08:30:00"
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, exif=exif)
        (tmp_path / name).write_bytes(out.getvalue())
        paths.append(tmp_path / name)
    return paths



def test_a_failed_item_travels_the_loop_until_the_post_is_cleared(live_server, phone, conn, shots):
    """leader1 finds it, head1 assigns it, leader1 fixes it, manager1 verifies it: the post shows 清零."""
    before, after = shots
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name=re.compile("充装班岗位安全检查卡片")).click()
    items = phone.locator("fieldset[data-item]")
    total = items.count()
    expect(phone.locator("[data-progress]")).to_have_text(f"已答 0 / {total} 项")
    # Nothing unanswered goes out.
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("[data-form-alert]")).to_contain_text("未作答")
    first = items.nth(0)
    first.get_by_role("radio", name="不合格", exact=True).check()
    first.get_by_label("隐患描述").fill("充装台静电接地夹断裂")
    first.locator("input[type=file][name^=photos_]").set_input_files(before)
    first.get_by_label("隐患类别").select_option(label="物的不安全状态")
    first.get_by_role("radio", name="一般隐患").check()
    for n in range(1, total):
        items.nth(n).get_by_role("radio", name="合格", exact=True).check()
    expect(phone.locator("[data-progress]")).to_have_text(f"已答 {total} / {total} 项")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("status")).to_contain_text("1 项不合格")
    hazard = conn.execute("SELECT * FROM hazards WHERE description = '充装台静电接地夹断裂'").fetchone()
    assert hazard["status"] == "reported"
    photo = conn.execute("SELECT p.* FROM photos p JOIN hazard_photos hp ON hp.photo_id = p.id"
                         " WHERE hp.hazard_id = ?", (hazard["id"],)).fetchone()
    assert max(photo["width"], photo["height"]) <= 1600  # the phone shrank it before sending
    assert photo["taken_at"] == "2026-11-20T08:30:00"  # and the capture time came along

    sign_in(phone, live_server, "head1")
    phone.locator("#loop-assign").get_by_role("link", name=re.compile("充装台静电接地夹断裂")).click()
    phone.get_by_label("整改责任人").select_option(label="苏班长（充装班）")
    phone.get_by_label("整改措施").fill("更换接地夹并检测接地电阻")
    phone.get_by_label("整改资金（元）").fill("260")
    phone.get_by_label("整改期限").fill("2099-01-31")
    phone.get_by_role("button", name="分派").click()
    expect(phone.get_by_role("status")).to_contain_text("已分派整改")

    sign_in(phone, live_server, "leader1")
    phone.locator("#loop-fix").get_by_role("link", name=re.compile("充装台静电接地夹断裂")).click()
    phone.get_by_label("整改情况").fill("已更换接地夹，接地电阻 2.1 欧")
    phone.locator("input[type=file][name=photos]").set_input_files(after)
    phone.get_by_role("button", name="提交整改").click()
    expect(phone.get_by_role("status")).to_contain_text("等待验收")
    # The one who fixed it cannot accept it.
    expect(phone.get_by_role("button", name="提交验收")).to_have_count(0)

    sign_in(phone, live_server, "manager1")
    phone.locator("#loop-verify").get_by_role("link", name=re.compile("充装台静电接地夹断裂")).click()
    # Before and after side by side, each with its times.
    expect(phone.locator(".side-by-side figure")).to_have_count(2)
    expect(phone.locator(".side-by-side img")).to_have_count(2)
    phone.get_by_role("radio", name="验收通过").check()
    phone.get_by_role("button", name="提交验收").click()
    expect(phone.get_by_role("status")).to_contain_text("已闭环")
    assert conn.execute("SELECT status FROM hazards WHERE id = ?", (hazard["id"],)).fetchone()[0] == "closed"

    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name="企业").click()
    phone.get_by_role("link", name=re.compile("泉州市安泰燃气有限公司")).click()
    expect(phone.locator(".chips li", has_text="充装班")).to_contain_text("清零")
