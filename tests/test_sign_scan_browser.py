"""A scan in Chromium at a phone's size: a signed-in grid worker's scan is presence (with GPS), the actions are
offered and a 破损 check becomes a hazard; someone outside the sign's scope gets only the notice; a passer-by
reports without an account and follows the report by its receipt."""

import re
import time

from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import photo
from .test_browser_flows import fits_a_phone
from .test_sign_scan import demo_sign

FIX = {"latitude": 24.9081, "longitude": 118.5894, "accuracy": 12}


def waited(conn, sql, params=(), seconds=15):
    """A row the page's script sends in the background, once it is on the server."""
    for _ in range(seconds * 10):
        found = conn.execute(sql, params).fetchone()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never found: {sql}")


def test_a_grid_workers_scan_is_presence_and_a_damaged_check_becomes_a_hazard(live_server, phone, conn, tmp_path):
    sign_id, token = demo_sign(conn)
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(FIX)
    sign_in(phone, live_server, "grid1")
    phone.goto(f"{live_server}/q/{token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("充装岗位安全风险告知卡")
    seen = waited(conn, "SELECT * FROM sign_presence WHERE sign_id = ?", (sign_id,))
    assert (round(seen["latitude"], 4), round(seen["longitude"], 4)) == (24.9081, 118.5894)
    expect(phone.get_by_role("link", name="在此上报隐患")).to_be_visible()
    fits_a_phone(phone, "signed-in scan")
    picture = tmp_path / "torn.jpg"
    picture.write_bytes(photo())
    phone.get_by_role("radio", name="破损").check()
    phone.locator("input[name=photos]").set_input_files(str(picture))
    phone.get_by_label("说明（可不填）").fill("告知卡下半部分被撕掉")
    phone.get_by_role("button", name="提交检查").click()
    expect(phone.get_by_text("已列为隐患")).to_be_visible()
    hazard = conn.execute("SELECT h.* FROM sign_checks c JOIN hazards h ON h.id = c.hazard_id"
                          " WHERE c.sign_id = ?", (sign_id,)).fetchone()
    assert hazard["status"] == "reported" and "告知卡下半部分被撕掉" in hazard["description"]
    assert phone.url.endswith(f"/hazards/{hazard['id']}")
    assert conn.execute("SELECT state FROM signs WHERE id = ?", (sign_id,)).fetchone()[0] == "damaged"


def test_a_person_outside_the_signs_scope_scanning_it_gets_only_the_notice(live_server, phone, conn):
    sign_id, token = demo_sign(conn)
    sign_in(phone, live_server, "manager2")
    phone.goto(f"{live_server}/q/{token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("充装岗位安全风险告知卡")
    expect(phone.get_by_role("link", name="随手拍 · 我要反映")).to_be_visible()
    for hidden in ("检查此标识", "标识状态", "本处未闭环隐患"):
        expect(phone.get_by_text(hidden)).to_have_count(0)
    phone.wait_for_timeout(500)
    assert conn.execute("SELECT COUNT(*) FROM sign_presence").fetchone()[0] == 0


def test_a_passer_by_reports_from_the_qr_page_and_follows_it_by_the_receipt(live_server, phone, conn, tmp_path):
    _, token = demo_sign(conn, "禁止烟火")
    phone.goto(f"{live_server}/q/{token}")
    phone.get_by_role("link", name="随手拍 · 我要反映").click()
    fits_a_phone(phone, "public report form")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("alert")).to_contain_text("请填写看到了什么问题")  # not sent: the field says why
    picture = tmp_path / "smoke.jpg"
    picture.write_bytes(photo())
    phone.get_by_label("看到了什么问题").fill("充装区门口有人吸烟")
    phone.locator("input[name=photo]").set_input_files(str(picture))
    phone.get_by_label("联系电话（可不填，便于核实时联系您）").fill("13800000000")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("heading", name="已收到，谢谢您")).to_be_visible()
    code = phone.locator("[data-receipt]").inner_text()
    report = conn.execute("SELECT * FROM public_reports WHERE receipt = ?", (code.replace("-", ""),)).fetchone()
    assert report["state"] == "pending" and report["photo_id"] and report["phone"] == "13800000000"
    assert conn.execute("SELECT COUNT(*) FROM hazards WHERE source = 'qr'").fetchone()[0] == 0
    phone.get_by_role("link", name="查询处理结果").click()
    expect(phone.locator("[data-state]")).to_have_text("待核实")
    expect(phone.get_by_text("充装区门口有人吸烟")).to_have_count(0)
    fits_a_phone(phone, "receipt")


def test_the_manager_confirms_a_passer_bys_report_into_a_hazard_on_a_phone(live_server, phone, conn):
    report = conn.execute("SELECT * FROM public_reports WHERE state = 'pending' ORDER BY id").fetchone()
    sign_in(phone, live_server, "manager1")
    phone.get_by_role("link", name=re.compile("条待核实")).first.click()
    card = phone.locator(f"#report-{report['id']}")
    expect(card).to_contain_text(report["description"])
    fits_a_phone(phone, "reports to confirm")
    card.get_by_label("隐患类别").select_option("thing")
    card.get_by_role("button", name="核实属实，列为隐患").click()
    expect(phone.get_by_text("已核实：已列为隐患，进入整改")).to_be_visible()
    hazard = conn.execute("SELECT h.* FROM public_reports r JOIN hazards h ON h.id = r.hazard_id WHERE r.id = ?",
                          (report["id"],)).fetchone()
    assert hazard["source"] == "qr" and phone.url.endswith(f"/hazards/{hazard['id']}")
