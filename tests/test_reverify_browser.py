"""回头看 in Chromium at a phone's size: a grid worker revisits a sampled hazard and finds the fix did not hold."""

import io
import re

from PIL import Image
from playwright.sync_api import expect

from .conftest import sign_in


def shot(tmp_path, name, colour):
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(out, "JPEG")
    (tmp_path / name).write_bytes(out.getvalue())
    return tmp_path / name


def test_a_grid_worker_marks_a_revisited_fix_not_held_and_the_hazard_reopens(live_server, phone, conn, tmp_path):
    """From home's 回头看回访 to the revisit form: a new photo, 整改失效 with what was seen; the hazard is back at
    待分派 and its page sets the old fix's photo beside the new one."""
    hazard_id, description = conn.execute(
        "SELECT h.id, h.description FROM reverifications r JOIN hazards h ON h.id = r.hazard_id"
        " JOIN enterprises e ON e.id = h.enterprise_id WHERE e.name = '泉州市安泰燃气有限公司'").fetchone()
    sign_in(phone, live_server, "grid1")
    revisits = phone.locator("#revisits")
    expect(revisits).to_contain_text(description)
    revisits.get_by_role("link", name=re.compile(re.escape(description))).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(description)

    phone.get_by_label("现场情况（整改失效时必填）").fill("空气呼吸器气压又低于 25 MPa，未见更换记录")
    phone.get_by_role("radio", name="整改失效").check()
    phone.get_by_label("复查照片（必须拍新照片）").set_input_files(shot(tmp_path, "now.jpg", "firebrick"))
    expect(phone.locator("[data-previews] img")).to_have_count(1)
    button = phone.get_by_role("button", name="提交回访")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] <= 390  # a thumb-sized target that fits the phone
    button.click()

    expect(phone.get_by_role("status")).to_contain_text("隐患已重新打开")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(f"隐患 {hazard_id}")
    expect(phone.locator(".badge", has_text="待分派").first).to_be_visible()
    revisit = phone.locator(".card.revisit")
    expect(revisit).to_contain_text("整改失效，已重新打开")
    expect(revisit.get_by_role("img", name=re.compile("原整改后照片"))).to_have_count(1)
    expect(revisit.get_by_role("img", name=re.compile("回头看复查照片"))).to_have_count(1)
    old, new = (revisit.locator("figure").nth(i).bounding_box() for i in (0, 1))
    assert abs(old["y"] - new["y"]) < 2 and old["x"] < new["x"]  # side by side, also at 390 px
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert conn.execute("SELECT status FROM hazards WHERE id = ?", (hazard_id,)).fetchone()[0] == "reported"
    assert conn.execute("SELECT action FROM hazard_events WHERE hazard_id = ? ORDER BY id DESC",
                        (hazard_id,)).fetchone()[0] == "reopen"
