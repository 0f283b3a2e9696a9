"""The risk map in Chromium at a phone's size, by touch: the manager uploads a plan, chooses the red point, taps the
plan where it is and saves, then taps three corners for its zone; the map the server draws shows the zone filled red
where the thumb touched, and everything fits the 390 px screen with thumb-sized buttons. Without JavaScript the map
still shows and a typed position is saved."""

import json
import re

from playwright.sync_api import expect

from anbiao import demo

from .conftest import sign_in
from .loop_helpers import ent_id

RED = "#d32f2f"


def _tap(page, svg, fx, fy) -> tuple[float, float]:
    """A thumb's tap at a fraction of the plan as the phone shows it (scrolled to it first, as a thumb does)."""
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
    page.touchscreen.tap(x, y)
    return x, y


def _mark(conn, map_id, point_id):
    return conn.execute("SELECT x, y, zone FROM risk_map_marks WHERE map_id = ? AND point_id = ?",
                        (map_id, point_id)).fetchone()


def test_the_manager_places_the_red_point_and_draws_its_zone_by_touch(live_server, phone, conn, tmp_path):
    plan = tmp_path / "plan.png"
    plan.write_bytes(demo.plan_image([("充装区", (0.1, 0.1, 0.6, 0.6)), ("钢瓶库", (0.65, 0.1, 0.9, 0.6))]))
    red = conn.execute("SELECT id FROM risk_points WHERE colour = 'red' AND enterprise_id = ?",
                       (ent_id(conn),)).fetchone()[0]
    sign_in(phone, live_server, "manager1")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}/risk-maps/new")
    phone.get_by_label("分布图名称").fill("充装区风险分布图")
    phone.get_by_label("范围").select_option(label="全厂（全厂平面图，含所有车间的风险点）")
    phone.set_input_files("#plan", str(plan))
    phone.get_by_role("button", name="建立分布图").click()
    expect(phone.get_by_role("heading", name="充装区风险分布图")).to_be_visible()
    map_id = conn.execute("SELECT id FROM risk_maps WHERE title = '充装区风险分布图'").fetchone()[0]
    assert re.search(rf"/risk-maps/{map_id}$", phone.url)

    # The plan fits the phone's width, and every control is a thumb's size.
    svg = phone.locator("svg[data-risk-map]")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] > 300
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    for name in ("标位置", "画区域", "保存位置", "完成区域", "清除区域", "移除标注"):
        button = phone.get_by_role("button", name=name, exact=True).bounding_box()
        assert button["height"] >= 44 and button["width"] >= 120, name

    # Choose the red point, tap where it is, save.
    phone.get_by_label("风险点", exact=True).select_option(str(red))
    _tap(phone, svg, 0.30, 0.40)
    expect(phone.locator("[data-map-status]")).to_contain_text("从左 30")
    phone.get_by_role("button", name="保存位置").click()
    expect(phone.locator(".flash.ok")).to_contain_text("已保存位置")
    x, y, zone = _mark(conn, map_id, red)
    assert abs(x - 0.30) < 0.01 and abs(y - 0.40) < 0.01 and json.loads(zone) == []
    expect(phone.locator(f'svg[data-risk-map] g[data-point="{red}"] circle')).to_have_attribute("fill", RED)

    # The saved page keeps the point chosen: draw its zone with three taps.
    expect(phone.get_by_label("风险点", exact=True)).to_have_value(str(red))
    svg = phone.locator("svg[data-risk-map]")
    phone.get_by_role("button", name="画区域").click()
    corners = [(0.15, 0.20), (0.50, 0.22), (0.32, 0.58)]
    for n, (fx, fy) in enumerate(corners, start=1):
        _tap(phone, svg, fx, fy)
        expect(phone.locator("[data-map-status]")).to_contain_text(f"已点 {n} 个角")
    expect(phone.locator("[data-preview=zone]")).to_have_count(1)
    phone.get_by_role("button", name="完成区域").click()
    expect(phone.locator(".flash.ok")).to_contain_text("已保存区域")

    # In the database: the marker where it was, the zone's three corners where the thumb touched.
    x, y, zone = _mark(conn, map_id, red)
    assert abs(x - 0.30) < 0.01 and abs(y - 0.40) < 0.01
    saved = json.loads(zone)
    assert len(saved) == 3 and all(abs(a - fx) < 0.01 and abs(b - fy) < 0.01
                                   for (a, b), (fx, fy) in zip(saved, corners, strict=True))

    # On the page: a red polygon covering the tapped place, drawn by the server.
    polygon = phone.locator(f'svg[data-risk-map] polygon[data-point="{red}"]')
    expect(polygon).to_have_attribute("fill", RED)
    expect(polygon).to_have_attribute("data-colour", "red")
    svg_box, zone_box = phone.locator("svg[data-risk-map]").bounding_box(), polygon.bounding_box()
    left, top = svg_box["x"] + 0.15 * svg_box["width"], svg_box["y"] + 0.20 * svg_box["height"]
    assert abs(zone_box["x"] - left) < 6 and abs(zone_box["y"] - top) < 6
    assert abs(zone_box["width"] - 0.35 * svg_box["width"]) < 8
    assert abs(zone_box["height"] - 0.38 * svg_box["height"]) < 8
    marker = phone.locator(f'svg[data-risk-map] g[data-point="{red}"] circle').bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (svg_box["x"] + 0.30 * svg_box["width"])) < 4
    # The plan picture itself loaded (the server sends it to those who see the map).
    href = phone.locator("svg[data-risk-map] image").get_attribute("href")
    assert phone.request.get(f"{live_server}{href}").headers["content-type"] == "image/jpeg"
    expect(phone.locator("table.risk-points tr[data-point]").first).to_contain_text("液化石油气钢瓶充装")


def test_without_javascript_the_map_shows_and_a_typed_position_is_saved(browser, live_server, conn):
    """A phone whose browser runs no script still sees the server-drawn map, and places a point by typing where it is
    (percentages from the left and the top) in the plain form."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("用户名").fill("head1")
        page.get_by_label("密码", exact=True).fill("demo1234")
        page.get_by_role("button", name="登录").click()
        station = conn.execute("SELECT id FROM risk_maps WHERE unit_id = (SELECT id FROM units WHERE name = '储配站')"
                               ).fetchone()[0]
        tank = conn.execute("SELECT id FROM risk_points WHERE name = '液化石油气储罐区'").fetchone()[0]
        page.goto(f"{live_server}/risk-maps/{station}")
        expect(page.locator("svg[data-risk-map] polygon")).to_have_count(1)
        expect(page.locator("svg[data-risk-map] g[data-point] circle")).to_have_count(2)
        expect(page.get_by_role("button", name="画区域")).to_be_hidden()  # tapping needs the script
        page.get_by_label("风险点", exact=True).select_option(str(tank))
        page.get_by_text("不能在图上点？输入位置").click()
        page.get_by_label("从左起 %").fill("40")
        page.get_by_label("从上起 %").fill("55")
        page.get_by_role("button", name="保存位置").click()
        expect(page.locator(".flash.ok")).to_contain_text("已保存位置")
        assert _mark(conn, station, tank)[:2] == (0.4, 0.55)
        marker = page.locator(f'svg[data-risk-map] g[data-point="{tank}"] circle')
        expect(marker).to_have_attribute("cx", "400.0")
    finally:
        context.close()
