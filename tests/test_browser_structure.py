"""Real-browser checks at a phone viewport: deriving by aspect groups, tags that stay on one line, a unit
tree that reads first and edits one unit in place, and the audit log's 更多."""

import re

from playwright.sync_api import expect

from .conftest import sign_in
from .test_browser_flows import fits_a_phone

GAS = "泉州市安泰燃气有限公司"


def ids(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()[0]


def derive_url(conn, unit_name):
    ent = ids(conn, "SELECT id FROM enterprises WHERE name = ?", (GAS,))
    unit = ids(conn, "SELECT id FROM units WHERE name = ?", (unit_name,))
    return f"/enterprises/{ent}/units/{unit}/derive"


def test_derive_groups_by_aspect_with_select_all(live_server, phone, conn):
    """The 23 基础管理 items are one folded group; its 全选 ticks them all, counts follow, the register gets them."""
    sign_in(phone, live_server, "manager1")
    phone.goto(live_server + derive_url(conn, "储配站"))
    parent = phone.get_by_role("group", name=re.compile("上级清单"))
    groups = parent.locator("[data-group]")
    expect(groups).to_have_count(4)
    basics = groups.filter(has=phone.locator("summary", has_text="基础管理"))
    short = groups.filter(has=phone.locator("summary", has_text="作业现场"))
    expect(basics.locator("details")).not_to_have_attribute("open", "")
    expect(basics.get_by_role("checkbox").nth(1)).to_be_hidden()  # folded: 23 items would fill four screens
    expect(short.locator("details")).to_have_attribute("open", "")
    expect(short.get_by_role("checkbox").nth(1)).to_be_visible()
    total = phone.locator("[data-pick-total]")
    # The workshop controls its orange risk point: that point's three measures come picked, and count.
    picked_measures = phone.locator("fieldset.risk-measures input[name=measure]:checked")
    expect(picked_measures).to_have_count(3)
    expect(total).to_have_text("已选 3 条")
    for _ in range(3):
        picked_measures.first.uncheck()
    expect(total).to_have_text("已选 0 条")

    basics.get_by_role("checkbox", name="全选“基础管理”").check()
    expect(basics.locator("[data-group-count]")).to_have_text("已选 23/23")
    expect(total).to_have_text("已选 23 条")
    expect(basics.locator("details")).not_to_have_attribute("open", "")

    first_short = short.locator("input[name=parent_item]").first
    first_short.check()
    expect(short.locator("[data-group-count]")).to_have_text("已选 1/4")
    short_all = short.get_by_role("checkbox", name="全选“作业现场”")
    assert short_all.evaluate("box => box.indeterminate") is True
    expect(total).to_have_text("已选 24 条")
    basics.locator("summary").click()
    basics.locator("input[name=parent_item]").first.uncheck()
    expect(basics.locator("[data-group-count]")).to_have_text("已选 22/23")
    expect(total).to_have_text("已选 23 条")

    phone.get_by_label("名称", exact=True).fill("储配站周检表册")
    phone.get_by_role("button", name="生成").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("储配站周检表册")
    made = ids(conn, "SELECT id FROM checklists WHERE title = '储配站周检表册'")
    assert ids(conn, "SELECT COUNT(*) FROM checklist_items WHERE checklist_id = ?", (made,)) == 23


def test_derive_page_without_javascript_posts_the_plain_checkboxes(browser, live_server, conn):
    """With scripts off the counts and 全选 are not shown; the groups still open and the ticked boxes post."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, live_server, "manager1")
        page.goto(live_server + derive_url(conn, "运行班"))
        expect(page.locator("[data-select-all]").first).to_be_hidden()
        expect(page.locator("[data-pick-total]")).to_be_hidden()
        template = page.get_by_role("group", name=re.compile("行业模板"))
        template.locator("input[name=library_item]").nth(0).check()
        template.locator("input[name=library_item]").nth(1).check()
        page.get_by_label("名称", exact=True).fill("运行班无脚本卡片")
        page.get_by_role("button", name="生成").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("运行班无脚本卡片")
    finally:
        context.close()
    made = ids(conn, "SELECT id FROM checklists WHERE title = '运行班无脚本卡片'")
    assert ids(conn, "SELECT COUNT(*) FROM checklist_items WHERE checklist_id = ?", (made,)) == 2


TAG_HEIGHTS = """() => [...document.querySelectorAll('.tag')].filter(el => el.offsetParent !== null).map(el => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const frame = ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth']
    .reduce((sum, name) => sum + parseFloat(style[name]), 0);
  return {text: el.textContent, lines: el.getClientRects().length, height: box.height,
          line: parseFloat(style.lineHeight), frame, width: box.width, font: parseFloat(style.fontSize)};
})"""


def test_aspect_tags_never_wrap_per_character(live_server, phone, conn):
    """Every aspect tag on the derive, checklist, library and filling pages is one line as tall as its text."""
    card = ids(conn, "SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id WHERE u.name = '充装班'")
    doc = ids(conn, "SELECT id FROM library_docs WHERE code = 'gas-workshop'")
    pages = {"manager1": [derive_url(conn, "储配站"), derive_url(conn, "运行班"), f"/checklists/{card}",
                          f"/library/{doc}"],
             "leader1": [f"/checklists/{card}", f"/checklists/{card}/fill"]}
    for who, paths in pages.items():
        sign_in(phone, live_server, who)
        for path in paths:
            phone.goto(live_server + path)
            phone.wait_for_load_state("load")
            tags = phone.evaluate(TAG_HEIGHTS)
            assert tags, path
            for tag in tags:
                assert tag["lines"] == 1, (path, tag)
                assert tag["height"] <= tag["line"] + tag["frame"] + 1, (path, tag)
                # Four characters side by side, not stacked one per line.
                assert tag["width"] >= len(tag["text"].strip()) * tag["font"] * 0.9, (path, tag)


def visible_boxes(page):
    return page.evaluate("""() => [...document.querySelectorAll(
      '#unit-tree input:not([type=hidden]), #unit-tree select')].filter(el => el.checkVisibility())
      .map(el => el.value)""")


def test_unit_tree_reads_first_and_edits_one_unit(live_server, phone, conn):
    """No text box until 编辑; a duplicate is refused in place; a new name saves without reload; 新增 adds a post."""
    sign_in(phone, live_server, "manager1")
    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name="企业").click()
    phone.get_by_role("link", name=re.compile(GAS)).click()
    phone.get_by_role("link", name="车间与岗位").click()
    tree = phone.locator("#unit-tree")
    expect(tree.locator(".tree-name").filter(has_text="运行班")).to_contain_text("岗位 · 1 人 · 1 张清单")
    assert visible_boxes(phone) == []
    phone.evaluate("window.sameDocument = true")

    tree.get_by_role("link", name="编辑“运行班”").click()
    name = tree.get_by_label("岗位名称")
    expect(name).to_have_value("运行班")
    assert visible_boxes(phone) == ["运行班", str(ids(conn, "SELECT id FROM units WHERE name = '管网运行部'"))]

    name.fill("充装班")
    tree.get_by_role("button", name="保存名称").click()
    expect(tree.get_by_role("alert")).to_have_text("同一车间下已有岗位“充装班”（未保存）")
    expect(tree.get_by_label("岗位名称")).to_have_value("充装班")

    tree.get_by_label("岗位名称").fill("运行一班")
    tree.get_by_role("button", name="保存名称").click()
    expect(phone.get_by_role("status")).to_have_text("已改名")
    expect(tree.locator(".tree-name").filter(has_text="运行一班")).to_be_visible()
    expect(tree.locator(".tree-name").filter(has_text=re.compile("^运行班"))).to_have_count(0)
    assert visible_boxes(phone) == []
    assert phone.evaluate("window.sameDocument") is True, "the page was reloaded"
    assert ids(conn, "SELECT COUNT(*) FROM units WHERE name = '运行一班' AND archived_at IS NULL") == 1

    station = tree.locator("li.tree-workshop").filter(has=phone.locator(".tree-name", has_text="储配站"))
    station.locator("summary", has_text="新增岗位").click()
    station.get_by_label("在“储配站”下新增岗位").fill("新岗位班")
    station.get_by_role("button", name="添加岗位").click()
    expect(phone.get_by_role("status")).to_have_text("已添加岗位（班组）")
    expect(tree.locator(".tree-name").filter(has_text="新岗位班")).to_contain_text("岗位 · 0 人 · 0 张清单")
    assert visible_boxes(phone) == []
    assert phone.evaluate("window.sameDocument") is True, "the page was reloaded"


def test_audit_log_more_loads_the_next_page_into_the_same_list(live_server, phone, conn):
    """admin opens 操作记录 from the menu; 更多 appends the next 30 entries to the list without leaving the page."""
    sign_in(phone, live_server, "admin")
    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name="操作记录").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("操作记录")
    entries = phone.locator("#audit-rows > li.audit-entry")
    expect(entries).to_have_count(30)
    phone.evaluate("window.sameDocument = true")
    phone.get_by_role("link", name="更多").click()
    total = ids(conn, "SELECT COUNT(*) FROM audit_log")
    expect(entries).to_have_count(min(60, total))
    assert phone.evaluate("window.sameDocument") is True
    shown = [int(i) for i in entries.evaluate_all("els => els.map(el => el.dataset.entry)")]
    assert shown == sorted(shown, reverse=True) and len(set(shown)) == len(shown)


def test_structure_pages_fit_a_phone(live_server, phone, conn):
    """The tree, one unit's edit form, the grouped derive page and the audit log fit 390 px with thumb targets."""
    ent = ids(conn, "SELECT id FROM enterprises WHERE name = ?", (GAS,))
    post = ids(conn, "SELECT id FROM units WHERE name = '运行班'")
    pages = {"manager1": [f"/enterprises/{ent}/units", f"/enterprises/{ent}/units/{post}/edit",
                          derive_url(conn, "储配站"), "/audit", "/library"],
             "admin": ["/audit", "/audit?entity=unit"],
             "leader1": ["/library"]}
    for who, paths in pages.items():
        sign_in(phone, live_server, who)
        for path in paths:
            phone.goto(live_server + path)
            fits_a_phone(phone, f"{who} {path}")
