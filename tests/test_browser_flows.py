"""Real-browser flows at a phone viewport: enterprise form, deriving a card, home pages that fit."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ROLES, sign_in

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + ALPHABET[-total % 31]


def open_enterprise(page, name):
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="企业").click()
    page.get_by_role("link", name=re.compile(name)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_admin_fixes_a_wrong_credit_code_and_saves(live_server, phone, conn):
    """A wrong check character shows the Chinese error at its field, keeps the other values, and saves once fixed."""
    good = with_check("91350503MA2Y54321")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    sign_in(phone, live_server, "admin")
    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name="企业").click()
    phone.get_by_role("link", name="新建企业").click()
    phone.get_by_label("企业名称").fill("泉州市东海液化气站")
    phone.get_by_label("统一社会信用代码").fill(wrong)
    phone.get_by_label("行业领域").select_option("城镇燃气")
    phone.get_by_label("企业类型").select_option(label="小微")
    phone.get_by_label("所属网格").select_option(label="丰泽区东海街道第一网格")
    phone.get_by_label("地址").fill("泉州市丰泽区东海街道 9 号")
    phone.get_by_label("主要负责人电话").fill("13905958888")
    phone.get_by_role("button", name="保存").click()

    code_field = phone.locator(".field", has=phone.get_by_label("统一社会信用代码"))
    expect(code_field.get_by_role("alert")).to_contain_text("校验位")
    expect(phone.get_by_role("alert").first).to_contain_text("有 1 处需要修改，内容未保存")
    expect(phone.get_by_label("企业名称")).to_have_value("泉州市东海液化气站")
    expect(phone.get_by_label("行业领域")).to_have_value("城镇燃气")
    expect(phone.get_by_label("企业类型")).to_have_value("small_micro")
    expect(phone.get_by_label("地址")).to_have_value("泉州市丰泽区东海街道 9 号")
    expect(phone.get_by_label("主要负责人电话")).to_have_value("13905958888")
    assert conn.execute("SELECT COUNT(*) FROM enterprises").fetchone()[0] == 2

    phone.get_by_label("统一社会信用代码").fill(good)
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("泉州市东海液化气站")
    expect(phone.get_by_role("status")).to_have_text("企业档案已建立")
    expect(phone).to_have_url(re.compile(r"/enterprises/\d+$"))
    assert conn.execute("SELECT address FROM enterprises WHERE credit_code = ?", (good,)).fetchone()[0] == (
        "泉州市丰泽区东海街道 9 号")


def test_workshop_head_derives_a_card_for_a_post_by_ticking_items(live_server, phone, conn):
    """head1 opens 运行班's derivation, ticks two register items, saves, and finds the card listed."""
    register = conn.execute("SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id"
                            " WHERE u.name = '储配站' AND c.tier = 'workshop'").fetchone()[0]
    picked = [r[0] for r in conn.execute("SELECT content FROM checklist_items WHERE checklist_id = ? AND removed_at"
                                         " IS NULL ORDER BY position LIMIT 2", (register,))]
    sign_in(phone, live_server, "head1")
    open_enterprise(phone, "泉州市安泰燃气有限公司")
    phone.get_by_role("link", name="查看清单").click()
    phone.get_by_role("link", name="生成“运行班”卡片").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("生成岗位安全检查卡片 · 储配站 / 运行班")
    phone.get_by_label("名称").fill("运行班交接班检查卡片")
    parent = phone.get_by_role("group", name=re.compile("上级清单"))
    for content in picked:
        box = parent.get_by_role("checkbox", name=content)
        box.check()
        expect(box).to_be_checked()
    phone.get_by_label("检查频次").select_option(label="每班")
    phone.get_by_label("责任人", exact=True).select_option(label="李班长（运行班）")
    phone.get_by_role("button", name="生成").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("运行班交接班检查卡片")
    expect(phone.get_by_role("status")).to_have_text("已分解生成")
    expect(phone.locator(".items li")).to_have_count(2)
    phone.get_by_role("link", name="← 本企业全部清单").click()
    expect(phone.get_by_role("link", name=re.compile("运行班交接班检查卡片"))).to_be_visible()
    made = conn.execute("SELECT frequency FROM checklists WHERE title = '运行班交接班检查卡片'").fetchone()
    assert made["frequency"] == "shift"


def fits_a_phone(page, label):
    """Nothing scrolls sideways at 390 px, and every visible button or link is at least 44 px tall."""
    page.wait_for_load_state("load")  # measure with the stylesheet applied, not the bare DOM
    expect(page.locator("main")).to_be_visible()
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"{label}: the page is {width} px wide"
    small = page.evaluate("""() => [...document.querySelectorAll(
        'main a, main button, main [role=button], main input[type=submit], header a, header button')]
      .filter(el => el.offsetParent !== null)
      .map(el => ({text: el.innerText.trim().slice(0, 30), height: el.getBoundingClientRect().height}))
      .filter(t => t.height < 44)""")
    assert small == [], f"{label}: targets under 44 px: {small}"


@pytest.mark.parametrize("username", ROLES)
def test_home_page_fits_a_phone_with_thumb_sized_targets(live_server, phone, username):
    """Every role's home page fits the phone and is worked with a thumb."""
    sign_in(phone, live_server, username)
    fits_a_phone(phone, username)


def test_every_page_a_manager_and_admin_use_fits_a_phone(live_server, phone, conn):
    """The file, unit tree, checklists, derive, accounts, grid and 运行状况 pages fit the phone too."""
    ent = conn.execute("SELECT id FROM enterprises WHERE name = '泉州市安泰燃气有限公司'").fetchone()[0]
    post = conn.execute("SELECT id FROM units WHERE name = '运行班'").fetchone()[0]
    card = conn.execute("SELECT id FROM checklists WHERE tier = 'post' AND kind = 'check' AND enterprise_id = ?",
                        (ent,)).fetchone()[0]
    pages = {
        "manager1": ["/", f"/enterprises/{ent}", f"/enterprises/{ent}/units", f"/enterprises/{ent}/checklists",
                     f"/checklists/{card}", f"/enterprises/{ent}/units/{post}/derive", "/people", "/library"],
        "admin": ["/", "/enterprises", "/enterprises/new", "/enterprises/import", "/grids", "/library/1", "/system"],
    }
    for username, paths in pages.items():
        phone.context.clear_cookies()
        sign_in(phone, live_server, username)
        for path in paths:
            phone.goto(live_server + path)
            fits_a_phone(phone, f"{username} {path}")
