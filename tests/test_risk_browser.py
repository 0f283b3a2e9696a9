"""Risk points in Chromium at a phone's size: a manager records a point by LEC from the enterprise file, sees the
score and colour while choosing the values, saves it, finds it red in the register, and the enterprise turns red;
the point's page and the LS method's matrix fit the phone too."""

from playwright.sync_api import expect

from anbiao import enterprise_colour

from .conftest import sign_in
from .loop_helpers import ent_id
from .test_browser_flows import fits_a_phone
from .test_risk_points import WORKS

RED = "rgb(211, 47, 47)"  # app.css: .badge.risk-red


def test_a_manager_records_a_red_point_by_lec_on_a_phone_and_the_enterprise_turns_red(live_server, phone, conn):
    works = ent_id(conn, WORKS)
    conn.execute("UPDATE hazards SET status = 'closed' WHERE enterprise_id = ? AND level = 'major'", (works,))
    with conn.atomic():
        assert enterprise_colour.refresh(conn, works) == "yellow"
    sign_in(phone, live_server, "manager2")
    phone.goto(f"{live_server}/enterprises/{works}")
    phone.locator("[data-risk-points]").click()
    expect(phone.get_by_role("heading", name="风险点清单")).to_be_visible()
    fits_a_phone(phone, "risk register")
    phone.get_by_role("link", name="＋ 新增风险点").click()
    expect(phone.get_by_role("heading", name="新增风险点")).to_be_visible()
    fits_a_phone(phone, "new risk point")

    phone.get_by_label("所在车间或岗位").select_option(label="机加工车间 / 冲压班")
    phone.get_by_label("风险点名称").fill("冲床模具调试")
    phone.get_by_label("作业活动或设备设施").fill("开式压力机换模调试")
    phone.get_by_label("人的因素").fill("调试时未切断电源、未插安全栓")
    phone.get_by_label("可能导致的事故类型").fill("机械伤害")
    result = phone.locator("[data-risk-result]")
    expect(result).to_be_hidden()
    phone.get_by_role("radio", name="LEC 法").check()
    expect(phone.locator("#ls_S")).to_be_hidden()
    expect(result).to_contain_text("D = L × E × C：请选择各项分值")
    phone.locator("#lec_L").select_option("6")
    phone.locator("#lec_E").select_option("6")
    expect(result).to_contain_text("请选择各项分值")
    phone.locator("#lec_C").select_option("7")
    expect(result).to_contain_text("D = 6 × 6 × 7 = 252")
    expect(result.locator(".badge")).to_have_text("橙 · 较大风险")
    phone.locator("#lec_C").select_option("15")
    expect(result).to_contain_text("D = 6 × 6 × 15 = 540")
    chip = result.locator(".badge")
    expect(chip).to_have_text("红 · 重大风险")
    assert chip.evaluate("el => getComputedStyle(el).backgroundColor") == RED
    expect(result).to_contain_text("企业管控")
    phone.get_by_label("工程技术措施").fill("冲床装双手操作按钮和光电保护\n调试时插安全栓")
    phone.get_by_label("管理措施").fill("换模调试执行挂牌上锁")
    phone.get_by_role("button", name="保存风险点").click()

    expect(phone.get_by_text("已登记风险点“冲床模具调试”：红 · 重大风险（D=540）")).to_be_visible()
    row = phone.locator(".risk-row", has_text="冲床模具调试")
    expect(row.locator(".badge.risk-red")).to_have_text("红 · 重大风险")
    assert row.locator(".badge.risk-red").evaluate("el => getComputedStyle(el).backgroundColor") == RED
    assert phone.locator(".risk-row").first.inner_text().count("冲床模具调试") == 1  # worst first
    point = conn.execute("SELECT * FROM risk_points WHERE name = '冲床模具调试'").fetchone()
    assert (point["score"], point["colour"]) == (540, "red")
    assert conn.execute("SELECT colour FROM enterprises WHERE id = ?", (works,)).fetchone()[0] == "red"
    fits_a_phone(phone, "risk register with the new point")

    row.click()
    expect(phone.get_by_role("heading", name="冲床模具调试")).to_be_visible()
    expect(phone.get_by_text("分级管控：企业管控")).to_be_visible()
    fits_a_phone(phone, "risk point")


def test_the_register_filters_by_colour_in_place_and_the_ls_matrix_fits_a_phone(live_server, phone, conn):
    sign_in(phone, live_server, "manager1")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}/risk-points")
    expect(phone.locator(".risk-row")).to_have_count(2)
    phone.locator(".risk-counts a[data-colour=orange]").click()
    expect(phone.locator(".risk-row")).to_have_count(1)
    expect(phone.locator(".risk-row")).to_contain_text("液化石油气储罐区")
    assert phone.url.endswith("colour=orange")
    phone.get_by_label("车间或岗位").select_option(label="储配站 / 充装班")
    expect(phone.locator(".risk-row")).to_have_count(0)
    expect(phone.get_by_text("没有符合条件的风险点")).to_be_visible()
    doc = conn.execute("SELECT id FROM library_docs WHERE code = 'ls' ORDER BY version DESC").fetchone()[0]
    phone.goto(f"{live_server}/library/{doc}")
    cell = phone.locator(".risk-matrix td", has_text="25")
    assert cell.evaluate("el => getComputedStyle(el).backgroundColor") == RED
    fits_a_phone(phone, "LS method")
