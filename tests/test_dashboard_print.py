"""监管看板 on A4: Chromium prints the board to PDF on A4 portrait pages (at most two), with its Chinese words in an
embedded CJK font, every section's heading, and the four risk colours of the donut and the bars in colour."""

import re

from PIL import Image

from .conftest import sign_in
from .test_dashboard import world  # noqa: F401  (the hand-built figures)
from .test_sign_print import CJK_FONT_NAME, _run

DPI = 60
RED, YELLOW = (211, 47, 47), (251, 192, 45)  # #d32f2f, #fbc02d: static/dashboard.css .tone-red, .tone-yellow
A4_POINTS = (595, 842)


def _near(pixel, colour, tolerance=30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_the_printed_dashboard_is_a4_with_chinese_text_and_its_charts_in_colour(world, live_server, desk,  # noqa: F811
                                                                                tmp_path):
    sign_in(desk, live_server, "supervisor")
    desk.goto(f"{live_server}/dashboard")
    desk.get_by_role("link", name="打印（A4）").click()
    desk.wait_for_load_state("load")
    assert desk.get_by_role("button", name="打印").is_visible()
    path = tmp_path / "dashboard.pdf"
    desk.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
    info = _run("pdfinfo", str(path))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    size = [round(float(n)) for n in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()]
    assert 1 <= pages <= 2 and size == list(A4_POINTS), info
    words = re.sub(r"\s+", "", _run("pdftotext", "-raw", str(path), "-"))
    for heading in ("监管看板", "本月检查覆盖", "逾期未整改隐患", "重大隐患·挂牌督办", "企业安全风险等级（四色）",
                    "标准化达标与星级", "六有标识", "5S考评", "分乡镇（街道）", "丰泽区·东海街道"):
        assert heading in words, heading
    assert "打印" not in words.replace("打印（A4）", "")  # the screen's button stays off the paper
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    assert [f[0] for f in fonts if CJK_FONT_NAME.search(f[0]) and f[-5] == "yes"], fonts
    _run("pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "2", str(path), str(tmp_path / "page"))
    pixels = []
    for image in sorted(tmp_path.glob("page*.png")):
        pixels += list(Image.open(image).convert("RGB").get_flattened_data())
    # The red enterprises' arc, the red bars and swatches; the yellow arc: hundreds of pixels each at 60 dpi.
    assert sum(_near(p, RED) for p in pixels) > 300
    assert sum(_near(p, YELLOW) for p in pixels) > 100
