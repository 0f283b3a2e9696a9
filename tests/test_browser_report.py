"""随手拍 in a real browser at a phone viewport: photos added one shot at a time, then sent together."""

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


def test_photos_taken_one_at_a_time_are_all_sent_with_the_report(live_server, phone, conn, tmp_path):
    """The camera gives one shot per tap (iOS ignores multiple with capture): each tap adds a photo."""
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name="随手拍 · 报告隐患").click()
    photos = phone.get_by_label("隐患照片")
    photos.set_input_files(shot(tmp_path, "one.jpg", "orange"))
    photos.set_input_files(shot(tmp_path, "two.jpg", "purple"))
    expect(phone.locator("[data-previews] img")).to_have_count(2)
    # Clearing starts again; then two shots again.
    phone.get_by_role("button", name="清除照片，重新拍").click()
    expect(phone.locator("[data-previews] img")).to_have_count(0)
    photos.set_input_files(shot(tmp_path, "three.jpg", "teal"))
    photos.set_input_files(shot(tmp_path, "four.jpg", "navy"))
    expect(phone.locator("[data-previews] img")).to_have_count(2)

    phone.get_by_label("隐患描述").fill("储罐区围堰排水阀常开")
    phone.get_by_label("隐患类别").select_option(label="物的不安全状态")
    phone.get_by_role("radio", name="一般隐患").check()
    phone.get_by_role("button", name="上报").click()
    expect(phone.get_by_role("status")).to_contain_text("隐患已上报")
    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile("储罐区围堰排水阀常开"))
    hazard = conn.execute("SELECT id FROM hazards WHERE description = '储罐区围堰排水阀常开'").fetchone()[0]
    stages = [r[0] for r in conn.execute("SELECT stage FROM hazard_photos WHERE hazard_id = ?", (hazard,))]
    assert stages == ["before", "before"]


def test_report_refused_by_the_server_keeps_what_was_entered(live_server, phone, tmp_path):
    """A fake photo is refused in Chinese; the description stays on the page to fix and resend."""
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name="随手拍 · 报告隐患").click()
    fake = tmp_path / "fake.jpg"
    fake.write_text("这不是照片")
    phone.get_by_label("隐患照片").set_input_files(fake)
    phone.get_by_label("隐患描述").fill("配电箱门未关")
    phone.get_by_label("隐患类别").select_option(label="物的不安全状态")
    phone.get_by_role("radio", name="一般隐患").check()
    phone.get_by_role("button", name="上报").click()
    expect(phone.locator("[data-form-alert]")).to_contain_text("照片")
    expect(phone.get_by_label("隐患描述")).to_have_value("配电箱门未关")
