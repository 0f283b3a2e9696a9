"""Filling at a phone viewport: a refusal is said beside the item or field it is about, the saved record
takes over the address, and photos are chosen with one big 拍照 / 选照片 button that counts them."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import card, ent_id, post, unit_id, upload


def jpeg(tmp_path, name, colour):
    """A small real JPEG on disk."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    (tmp_path / name).write_bytes(out.getvalue())
    return tmp_path / name


def inspections_of(conn, checklist_id):
    return conn.execute("SELECT COUNT(*) FROM inspections WHERE checklist_id = ?", (checklist_id,)).fetchone()[0]


def open_card(phone, live_server, conn):
    """leader1 on 充装班's card, reached from the home page as a person does; returns its fieldsets and rows."""
    checklist_id, items = card(conn)
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name=re.compile("充装班岗位安全检查卡片")).click()
    expect(phone).to_have_url(re.compile(rf"/checklists/{checklist_id}/fill$"))
    return checklist_id, items, phone.locator("fieldset[data-item]")


def answer_all_ok_but(fieldsets, refused):
    for n in range(fieldsets.count()):
        if n != refused:
            fieldsets.nth(n).get_by_role("radio", name="合格", exact=True).check()


def reasons_of(fieldset):
    """The reasons box of an item: inside its fieldset, and what the fieldset's aria-describedby names."""
    box = fieldset.locator("[data-reasons]")
    assert box.get_attribute("id") in (fieldset.get_attribute("aria-describedby") or "").split()
    return box


def focused_id(phone):
    return phone.evaluate("document.activeElement && document.activeElement.id")


def test_refused_item_shows_its_reason_beside_it_and_scrolls_there(live_server, phone, conn):
    checklist_id, items, fieldsets = open_card(phone, live_server, conn)
    before = inspections_of(conn, checklist_id)
    refused = fieldsets.nth(7)
    answer_all_ok_but(fieldsets, 7)
    refused.get_by_role("radio", name="不合格", exact=True).check()
    refused.get_by_label("隐患描述").fill("钢瓶检漏记录缺页")
    refused.get_by_role("radio", name="一般隐患").check()
    phone.evaluate("window.scrollTo(0, 0)")
    expect(refused).not_to_be_in_viewport()  # the item is below the fold when the button is tapped

    phone.get_by_role("button", name="提交").click()
    box = reasons_of(refused)
    expect(box).to_contain_text("请拍照")
    expect(box).to_contain_text("请选择隐患类别")
    expect(box).to_be_in_viewport()
    expect(refused).to_have_class(re.compile(r"\binvalid\b"))
    assert focused_id(phone) == f"item-{items[7]['id']}"
    # Only the refused item says anything; the list at the top still names it by number.
    expect(phone.locator("[data-reasons]:visible")).to_have_count(1)
    expect(phone.locator("[data-form-alert]")).to_contain_text("第 8 项不合格：请拍照")
    assert inspections_of(conn, checklist_id) == before

    # Fixing a reason takes it away at once; the others stay until they are fixed too.
    refused.get_by_label("隐患类别").select_option(label="管理上的缺陷")
    expect(box).not_to_contain_text("请选择隐患类别")
    expect(box).to_contain_text("请拍照")


def test_unanswered_items_each_say_so_and_the_first_is_focused(live_server, phone, conn):
    _, items, fieldsets = open_card(phone, live_server, conn)
    for n in (0, 1, 2, 3, 4, 6, 8):
        fieldsets.nth(n).get_by_role("radio", name="合格", exact=True).check()
    phone.evaluate("window.scrollTo(0, 0)")
    phone.get_by_role("button", name="提交").click()
    for n in (5, 7):
        expect(reasons_of(fieldsets.nth(n))).to_contain_text("此项未作答")
    expect(phone.locator("[data-reasons]:visible")).to_have_count(2)
    expect(fieldsets.nth(5).locator("[data-reasons]")).to_be_in_viewport()
    assert focused_id(phone) == f"item-{items[5]['id']}"


def test_server_refusal_places_reasons_beside_items(live_server, phone, conn, tmp_path):
    """A photo only the server can judge (not an image at all) is refused beside its item, the rest kept."""
    checklist_id, items, fieldsets = open_card(phone, live_server, conn)
    before = inspections_of(conn, checklist_id)
    refused = fieldsets.nth(6)
    answer_all_ok_but(fieldsets, 6)
    refused.get_by_role("radio", name="不合格", exact=True).check()
    refused.get_by_label("隐患描述").fill("灭火器压力不足")
    fake = tmp_path / "fake.jpg"
    fake.write_text("这不是照片")
    refused.locator("input[type=file][name^=photos_]").set_input_files(fake)
    refused.get_by_label("隐患类别").select_option(label="物的不安全状态")
    refused.get_by_role("radio", name="一般隐患").check()
    phone.evaluate("window.scrollTo(0, 0)")

    with phone.expect_response(lambda r: r.request.method == "POST" and r.status == 422):
        phone.get_by_role("button", name="提交").click()
    box = reasons_of(refused)
    expect(box).to_contain_text("照片有问题")
    expect(box).to_be_in_viewport()
    assert focused_id(phone) == f"item-{items[6]['id']}"
    expect(phone.locator("[data-reasons]:visible")).to_have_count(1)
    expect(phone.locator("[data-form-alert]")).to_contain_text("第 7 项照片有问题")
    expect(refused.get_by_label("隐患描述")).to_have_value("灭火器压力不足")
    assert inspections_of(conn, checklist_id) == before


def test_server_refusal_of_unanswered_items_marks_each_item(live_server, phone, conn):
    """With the phone's own checks out of the way, the server's reasons land on every item they are about."""
    checklist_id, items, fieldsets = open_card(phone, live_server, conn)
    for n in range(fieldsets.count()):
        if n not in (3, 8):
            fieldsets.nth(n).get_by_role("radio", name="合格", exact=True).check()
    phone.evaluate("document.querySelector('form[data-fill]').removeAttribute('data-fill')")
    with phone.expect_response(lambda r: r.request.method == "POST" and r.status == 422):
        phone.get_by_role("button", name="提交").click()
    for n in (3, 8):
        expect(reasons_of(fieldsets.nth(n))).to_contain_text("此项未作答")
    expect(phone.locator("[data-reasons]:visible")).to_have_count(2)
    assert focused_id(phone) == f"item-{items[3]['id']}"
    expect(phone.locator("[data-form-alert]")).to_contain_text("第 4、9 项")
    expect(phone).to_have_url(re.compile(rf"/checklists/{checklist_id}/fill$"))


def test_after_saving_a_card_the_address_is_the_record(live_server, phone, conn):
    checklist_id, _, fieldsets = open_card(phone, live_server, conn)
    before = inspections_of(conn, checklist_id)
    answer_all_ok_but(fieldsets, None)
    phone.get_by_role("button", name="提交").click()
    expect(phone).to_have_url(re.compile(r"/inspections/\d+$"))
    expect(phone.get_by_role("status")).to_contain_text("已保存")
    inspection_id = int(phone.url.rsplit("/", 1)[1])
    saved = conn.execute("SELECT checklist_id FROM inspections WHERE id = ?", (inspection_id,)).fetchone()
    assert saved[0] == checklist_id
    assert inspections_of(conn, checklist_id) == before + 1

    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("充装班")
    expect(phone.locator("main")).to_contain_text(f"第 {inspection_id} 号检查记录")
    expect(phone.locator("form[data-fill]")).to_have_count(0)
    expect(phone.get_by_text("已保存")).to_have_count(0)  # said once, not on every visit
    assert inspections_of(conn, checklist_id) == before + 1

    phone.go_back()
    expect(phone).not_to_have_url(re.compile(r"/fill"))
    expect(phone.locator("form[data-fill]")).to_have_count(0)
    assert inspections_of(conn, checklist_id) == before + 1


def test_after_saving_a_hazard_report_the_address_is_the_record(live_server, phone, conn, tmp_path):
    hazards = "SELECT COUNT(*) FROM hazards WHERE source = 'report'"
    before = conn.execute(hazards).fetchone()[0]
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name="随手拍 · 报告隐患").click()
    phone.get_by_label("隐患照片").set_input_files(jpeg(tmp_path, "leak.jpg", "orange"))
    phone.get_by_label("隐患描述").fill("液化气钢瓶倒放")
    phone.get_by_label("隐患类别").select_option(label="物的不安全状态")
    phone.get_by_role("radio", name="一般隐患").check()
    phone.get_by_role("button", name="上报").click()
    expect(phone).to_have_url(re.compile(r"/hazards/\d+$"))
    expect(phone.get_by_role("status")).to_contain_text("已保存")
    hazard_id = int(phone.url.rsplit("/", 1)[1])
    assert conn.execute("SELECT description FROM hazards WHERE id = ?", (hazard_id,)).fetchone()[0] == "液化气钢瓶倒放"
    assert conn.execute(hazards).fetchone()[0] == before + 1

    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("液化气钢瓶倒放")
    expect(phone.get_by_text("已保存")).to_have_count(0)
    expect(phone.get_by_role("button", name="上报")).to_have_count(0)
    assert conn.execute(hazards).fetchone()[0] == before + 1

    phone.go_back()
    expect(phone).not_to_have_url(re.compile(r"/hazards/new"))
    expect(phone.get_by_role("button", name="上报")).to_have_count(0)
    assert conn.execute(hazards).fetchone()[0] == before + 1


def test_report_refusal_shows_reasons_beside_the_fields(live_server, phone, tmp_path):
    """The same on 随手拍: the phone's own checks, then one only the server makes, each beside its field."""
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name="随手拍 · 报告隐患").click()
    phone.get_by_role("button", name="上报").click()
    expect(phone.locator("#reasons-photos")).to_have_text("请拍照或选照片")
    expect(phone.locator("#reasons-description")).to_have_text("请填写隐患描述")
    expect(phone.locator("#reasons-category")).to_have_text("请选择隐患类别")
    expect(phone.locator("#reasons-level")).to_have_text("请选择隐患等级")
    expect(phone.locator("#reasons-photos")).to_be_in_viewport()
    assert focused_id(phone) == "photos"
    expect(phone.get_by_label("隐患描述")).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_label("隐患描述")).to_have_attribute("aria-describedby", "reasons-description")

    fake = tmp_path / "fake.jpg"
    fake.write_text("这不是照片")
    phone.get_by_label("隐患照片").set_input_files(fake)
    expect(phone.locator("#reasons-photos")).to_be_hidden()
    phone.get_by_label("隐患描述").fill("配电箱门未关")
    phone.get_by_label("隐患类别").select_option(label="物的不安全状态")
    phone.get_by_role("radio", name="一般隐患").check()
    expect(phone.locator("[data-reasons]:visible")).to_have_count(0)
    with phone.expect_response(lambda r: r.request.method == "POST" and r.status == 422):
        phone.get_by_role("button", name="上报").click()
    expect(phone.locator("#reasons-photos")).to_contain_text("隐患照片有问题")
    expect(phone.locator("[data-reasons]:visible")).to_have_count(1)
    assert focused_id(phone) == "photos"
    # A new photo takes the server's reason away; the server judges it again on the next sending.
    phone.get_by_label("隐患照片").set_input_files(jpeg(tmp_path, "real.jpg", "teal"))
    expect(phone.locator("#reasons-photos")).to_be_hidden()


@pytest.mark.parametrize("change,field", [
    ({"category": ""}, "category"),
    ({"level": ""}, "level"),
    ({"description": ""}, "description"),
    ({"photos": None}, "photos"),
    ({"photos": upload(b"not a photo")}, "photos"),
    ({"on_the_spot": "1"}, "after_photos"),
    ({"on_the_spot": "1", "level": "major", "after_photos": upload()}, "on_the_spot"),
    ({"unit_id": "999999"}, "unit_id"),
])
def test_server_says_each_report_refusal_beside_its_field(signed_in, conn, change, field):
    form = {"unit_id": unit_id(conn, "充装班"), "description": "消防通道堆放杂物", "category": "thing",
            "level": "general", "photos": upload(), **change}
    response = post(signed_in("leader1"), f"/enterprises/{ent_id(conn)}/hazards/new",
                    {k: v for k, v in form.items() if v is not None})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    filled = re.findall(r'<div class="reasons" id="reasons-(\w+)" data-reasons="\w+" >(.*?)</div>', html)
    assert [name for name, _ in filled] == [field]
    assert "<p>" in filled[0][1]


def test_photo_button_is_big_chinese_and_counts_choices(live_server, phone, conn, tmp_path):
    sign_in(phone, live_server, "leader1")
    phone.get_by_role("link", name="随手拍 · 报告隐患").click()
    button = phone.locator("label.photo-button", has=phone.locator("input[name=photos]"))
    expect(button).to_have_text("拍照 / 选照片")
    assert button.bounding_box()["height"] >= 44
    photos = phone.locator("input[name=photos]")
    # Out of sight but in the page: a tap on the label and the keyboard reach it.
    assert photos.evaluate("el => getComputedStyle(el).display") != "none"
    expect(photos).to_have_attribute("accept", "image/*")
    expect(photos).to_have_attribute("multiple", "")
    count = phone.locator(".photo-field", has=photos).locator("[data-photo-count]")
    expect(count).to_have_attribute("aria-live", "polite")
    expect(count).to_have_text("")

    with phone.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files([jpeg(tmp_path, "a.jpg", "red"), jpeg(tmp_path, "b.jpg", "blue")])
    expect(count).to_have_text("已选 2 张")
    expect(phone.locator("[data-previews] img")).to_have_count(2)
    photos.set_input_files(jpeg(tmp_path, "c.jpg", "green"))  # one more shot adds to the two
    expect(count).to_have_text("已选 3 张")
    phone.get_by_role("button", name="清除照片，重新拍").click()
    expect(count).to_have_text("")

    photos.focus()
    assert focused_id(phone) == "photos"

    # Every photo field of the card is the same button.
    checklist_id, _ = card(conn)
    phone.goto(f"{live_server}/checklists/{checklist_id}/fill")
    inputs = phone.locator("input[type=file]")
    assert inputs.count() > 0
    expect(phone.locator("label.photo-button > input[type=file]")).to_have_count(inputs.count())
    first = phone.locator("fieldset[data-item]").first
    first.get_by_role("radio", name="不合格", exact=True).check()
    item_button = first.locator("label.photo-button", has=phone.locator("input[name^=photos_]"))
    expect(item_button).to_have_text("拍照 / 选照片")
    assert item_button.bounding_box()["height"] >= 44
    first.locator("input[name^=photos_]").set_input_files(
        [jpeg(tmp_path, "d.jpg", "purple"), jpeg(tmp_path, "e.jpg", "navy")])
    expect(first.locator("[data-photo-count]").first).to_have_text("已选 2 张")
