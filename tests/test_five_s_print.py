"""A post's 5S trend on A4: Chromium prints the page to PDF on one page, and the rasterised page shows the chart's line
in its colour and the threshold in red, with its Chinese words in an embedded CJK font (no boxes)."""

import re

from PIL import Image

from .conftest import sign_in
from .loop_helpers import unit_id
from .test_sign_print import CJK_FONT_NAME, _run

DPI = 100
LINE = (11, 92, 171)  # #0b5cab, static/five_s.css .trend .line
THRESHOLD = (198, 40, 40)  # #c62828, the dashed 80-point line


def _near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_the_printed_trend_of_a_post_shows_its_line_in_colour_and_chinese_text(conn, live_server, desk, tmp_path):
    sign_in(desk, live_server, "manager2")
    desk.goto(f"{live_server}/units/{unit_id(conn, '车床班')}/five-s/print")
    desk.wait_for_load_state("load")
    path = tmp_path / "trend.pdf"
    desk.pdf(path=str(path), format="A4", print_background=True)
    assert re.search(r"Pages:\s+1\b", _run("pdfinfo", str(path)))
    words = re.sub(r"\s+", "", _run("pdftotext", "-raw", str(path), "-"))
    assert "5S考评得分趋势·机加工车间/车床班" in words and "本岗位逐月平均得分" in words and "11月" in words
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    assert [f[0] for f in fonts if CJK_FONT_NAME.search(f[0]) and f[-5] == "yes"], fonts
    _run("pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(path), str(tmp_path / "trend"))
    image = Image.open(tmp_path / "trend.png").convert("RGB")
    line = [index % image.width for index, p in enumerate(image.get_flattened_data()) if _near(p, LINE)]
    red = sum(_near(p, THRESHOLD) for p in image.get_flattened_data())
    # A 3 px line across ~180 mm of chart at 100 dpi is a few thousand pixels; the dashes a few hundred.
    assert len(line) > 1500, len(line)
    assert red > 150, red
    # The line runs across the chart, months apart, not only the legend's swatch: it spans most of the page's width.
    assert max(line) - min(line) > image.width * 0.6
