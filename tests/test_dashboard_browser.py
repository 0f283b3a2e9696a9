"""监管看板 in Chromium at a phone's size: a supervisor opens it from the menu, taps a number and lands on the list that
adds up to it; the town selector narrows the board and its links; a bar of a chart is a link as its number is."""

import re

from playwright.sync_api import expect

from .conftest import sign_in
from .test_dashboard import EAST, world  # noqa: F401  (the hand-built figures)


def _added_up(page) -> int:
    """The list's rows, each counted by the figure it shows (or as one when it shows none)."""
    rows = page.locator("a.row")
    total = 0
    for index in range(rows.count()):
        figure = rows.nth(index).get_attribute("data-figure")
        total += int(figure) if figure is not None else 1
    return total


def test_a_supervisors_dashboard_number_links_to_the_list_that_adds_up_to_it(world, live_server, phone):  # noqa: F811
    sign_in(phone, live_server, "supervisor")
    phone.get_by_role("navigation", name="主菜单").get_by_role("link", name="监管", exact=True).click()
    expect(phone.get_by_role("heading", name="监管看板", exact=True)).to_be_visible()
    for section, words in (("#overdue", "逾期 8–30 天"), ("#coverage", "应检未检"), ("#liuyou", "六有齐全")):
        phone.goto(f"{live_server}/dashboard")
        item = phone.locator(f"{section} ul.legend li", has_text=words).first
        number = item.locator("a.figure")
        value = int(number.inner_text())
        number.click()
        phone.wait_for_load_state("load")
        assert phone.url.startswith(f"{live_server}/enterprises?only=")
        assert _added_up(phone) == value, (section, words)
    # The hand-built 8–30 day hazards: two, at two enterprises (demo's own may add more).
    phone.goto(f"{live_server}/dashboard")
    assert int(phone.locator("#overdue ul.legend li", has_text="8–30").locator("a.figure").inner_text()) >= 2


def test_a_bar_is_a_link_to_the_same_list_as_its_number(world, live_server, phone):  # noqa: F811
    sign_in(phone, live_server, "supervisor")
    phone.goto(f"{live_server}/dashboard")
    number = phone.locator("#overdue ul.legend li", has_text="90 天以上").locator("a.figure")
    value = int(number.inner_text())
    bar = phone.locator("#overdue svg a").nth(3)  # 90 天以上, the last bar
    assert bar.get_attribute("href") == number.get_attribute("href")
    bar.locator("rect").click()
    phone.wait_for_load_state("load")
    assert "only=late_older" in phone.url
    assert _added_up(phone) == value >= 1


def test_the_town_selector_narrows_the_board_and_its_links(world, live_server, phone):  # noqa: F811
    sign_in(phone, live_server, "supervisor")
    phone.goto(f"{live_server}/dashboard")
    phone.get_by_label("乡镇（街道）", exact=True).select_option(EAST)
    phone.get_by_role("button", name="查看").click()
    expect(phone.get_by_role("heading", name=re.compile("监管看板 · 丰泽区 · 东海街道"))).to_be_visible()
    star = phone.locator("#standard ul.legend li", has_text="三星").locator("a.figure")
    assert star.inner_text() == "1"
    star.click()
    phone.wait_for_load_state("load")
    expect(phone.locator("#town")).to_contain_text("丰泽区 · 东海街道")
    assert phone.locator("a.row").count() == 1
    expect(phone.locator("a.row")).to_contain_text("看板测试一号五金有限公司")
