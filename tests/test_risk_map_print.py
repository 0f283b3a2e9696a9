"""The risk map printed on A4 landscape from a desktop browser: Chromium prints the page to PDF, poppler reads its page
size and fonts and rasterises it, and the pixels show the four colours on the map itself (markers, outlines and the
zones' tints) with the Chinese text in an embedded CJK font, so no boxes."""

import re

from PIL import Image

from anbiao import risk_maps, risk_points

from .conftest import sign_in
from .loop_helpers import ent_id, uid, unit_id
from .test_sign_print import CJK_FONT_NAME, _run

DPI = 100
A4_LANDSCAPE_PT = (841.89, 595.28)


def _four_colours(conn) -> dict:
    """The gas company's site map with a point of every colour placed and zoned: its red and orange from the demo,
    a yellow and a blue added at 管网运行部's posts, each in its own corner of the plan."""
    found = risk_maps.get(conn, conn.execute("SELECT id FROM risk_maps WHERE enterprise_id = ? AND unit_id IS NULL",
                                             (ent_id(conn),)).fetchone()[0])
    by = uid(conn, "manager1")
    for name, unit, values, (left, right) in (("中压管道巡线", "巡线班", {"L": 3, "E": 6, "C": 7}, (0.45, 0.75)),
                                              ("抢修车辆停放", "抢修班", {"L": 1, "E": 1, "C": 1}, (0.05, 0.35))):
        corners = [[left, 0.70], [right, 0.70], [right, 0.95], [left, 0.95]]
        point_id = risk_points.create(conn, ent_id(conn), {
            "unit_id": unit_id(conn, unit), "name": name, "activity": "巡检", "accident_types": "车辆伤害",
            "factors": {"thing": "车辆"}, "method": "lec", "values": values,
            "measures": {"management": "专人管理"}}, by=by)
        risk_maps.draw_zone(conn, found, point_id, corners, by=by)
    assert sorted(p["colour"] for p in risk_maps.drawing(conn, found)["points"]) == ["blue", "orange", "red", "yellow"]
    return found


def _near(image, colour, within) -> int:
    """How many pixels of an RGB image are within `within` of a colour in every channel."""
    data, (r, g, b) = image.tobytes(), colour
    return sum(1 for i in range(0, len(data), 3)
               if abs(data[i] - r) <= within and abs(data[i + 1] - g) <= within and abs(data[i + 2] - b) <= within)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _tint(colour, ground=(255, 255, 255), opacity=risk_maps.ZONE_OPACITY) -> tuple[int, int, int]:
    """A zone's fill as it prints over the plan's white."""
    return tuple(round(opacity * c + (1 - opacity) * g) for c, g in zip(colour, ground, strict=True))


def test_the_printed_map_is_a4_landscape_with_the_four_colours_on_the_map_and_chinese_glyphs(
        conn, live_server, desk, tmp_path):
    found = _four_colours(conn)
    sign_in(desk, live_server, "manager1")
    desk.goto(f"{live_server}/risk-maps/{found['id']}/print")
    desk.wait_for_load_state("load")
    pdf = tmp_path / "map.pdf"
    desk.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)

    info = _run("pdfinfo", str(pdf))
    width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(width - A4_LANDSCAPE_PT[0]) < 2 and abs(height - A4_LANDSCAPE_PT[1]) < 2, info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == 1

    fonts = [line.split() for line in _run("pdffonts", str(pdf)).splitlines()[2:]]
    assert [f[0] for f in fonts if CJK_FONT_NAME.search(f[0]) and f[-5] == "yes"], fonts
    text = re.sub(r"\s+", "", _run("pdftotext", "-raw", str(pdf), "-"))
    for words in ("泉州市安泰燃气有限公司·全厂四色安全风险分布图", "四色安全风险空间分布图", "红重大风险", "橙较大风险",
                  "黄一般风险", "蓝低风险", "液化石油气钢瓶充装", "中压管道巡线", "抢修车辆停放", "储配站/充装班"):
        assert words in text, words
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)

    _run("pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    page = Image.open(next(tmp_path.glob("page-*.png"))).convert("RGB")
    assert page.width > page.height  # landscape on paper too
    # The map fills the left of the sheet; the legend and the list are in the 72 mm column at the right.
    on_map = page.crop((0, 0, int(page.width * 0.68), page.height))
    for colour, hex_colour in risk_maps.HEX.items():
        solid, tint = _near(on_map, _rgb(hex_colour), 40), _near(on_map, _tint(_rgb(hex_colour)), 10)
        assert solid > 400, f"{colour}: {solid} pixels of markers and outlines"
        assert tint > 5000, f"{colour}: {tint} pixels of its zone"
