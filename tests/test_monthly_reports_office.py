"""The monthly report forms as an office prints them: LibreOffice opens the xlsx and prints it to PDF, poppler reads
the PDF back (page size, words, fonts) and rasterises it."""

import re

import pytest
from PIL import Image

from anbiao import db

from .conftest import PASSWORD, Client, copied_app, run_tool
from .test_monthly_reports import MONTH, build

FORMS = {"annex3": ("月报表（一）", ["填报单位类型", "企业数量", "创建提升数量", "标杆数量", "精品数量", "示范岗位",
                                  "健全三张清单", "四色安全风险分级管控", "完善六有可视化警示标识", "市直单位",
                                  "地标"]),
         "annex4": ("月报表（二）", ["填报单位类型", "优化标准规范", "四色安全风险分级动态监管", "执法激励约束",
                                  "网格员安全生产检查导则", "重大隐患挂牌督办", "罚款", "金额", "约束单位"])}


@pytest.fixture(scope="module")
def printed(demo_db, tmp_path_factory):
    """Both forms of the hand-built county, submitted (so the heading is filled), as xlsx and as LibreOffice's PDF."""
    folder = tmp_path_factory.mktemp("monthly")
    application, conn = copied_app(demo_db, folder)
    build(conn)
    client = Client(application)
    client.refresh_token()
    assert client.post("/login", {"username": "county_sup", "password": PASSWORD}).status_code == 302
    client.refresh_token("/")
    for form in FORMS:
        answer = client.post("/reports/monthly", {"form": form, "month": MONTH, "unit_name": "测试县应急管理局",
                                                  "person": "张三", "phone": "0595-22581234"})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:1000]
        data = client.get(answer.headers["Location"] + "/xlsx").data
        (folder / f"{form}.xlsx").write_bytes(data)
    # A private LibreOffice profile, so runs in parallel never share (and lock) one.
    run_tool("soffice", f"-env:UserInstallation=file://{folder}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *(str(folder / f"{form}.xlsx") for form in FORMS), timeout=180)
    yield folder
    conn.conn.close()
    db.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("form", FORMS)
def test_the_form_prints_on_one_a4_landscape_page(printed, form):
    """Fitted to the width of A4 turned sideways: the whole form is one page of 842 × 595 pt."""
    info = run_tool("pdfinfo", "-f", "1", "-l", "99", str(printed / f"{form}.pdf"))
    pages = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    assert len(pages) == 1
    width, height = pages[0]
    assert abs(width - 842) <= 2 and abs(height - 595) <= 2


@pytest.mark.parametrize("form", FORMS)
def test_the_printed_form_holds_its_chinese_title_heading_headers_and_notes(printed, form):
    """pdftotext reads the title, the heading line as filled, every column group, the figures' row and the notes."""
    title, headers = FORMS[form]
    text = _flat(run_tool("pdftotext", "-raw", str(printed / f"{form}.pdf"), "-"))  # in the order cells are drawn
    assert _flat(f"泉州市安全生产标准化提升专项行动巩固提高进展情况{title}") in text
    for word in ("填报单位（盖章）：测试县应急管理局", "填表人：张三", "联系电话：0595-22581234", "县（市、区）",
                 "注：1.各填报单位按照各自所属的单位类型进行填报", *headers):
        assert _flat(word) in text, word


@pytest.mark.parametrize("form", FORMS)
def test_the_printed_form_embeds_a_chinese_font(printed, form):
    """pdffonts lists an embedded font that has Chinese glyphs (no tofu boxes on paper)."""
    fonts = run_tool("pdffonts", str(printed / f"{form}.pdf"))
    assert re.search(r"WenQuanYi|WQY|Droid|Noto\S*CJK|SimSun|Song", fonts, re.I), fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())  # embedded


@pytest.mark.parametrize("form", FORMS)
def test_the_rasterised_page_shows_the_title_and_the_ruled_table(printed, form):
    """At 50 dpi the title band has dark letters and the table its ruled lines across most of the page width."""
    run_tool("pdftoppm", "-r", "50", "-png", "-singlefile", str(printed / f"{form}.pdf"), str(printed / form))
    page = Image.open(printed / f"{form}.png").convert("L")
    width, height = page.size
    assert width > height  # landscape
    dark = [(x, y) for y in range(0, height, 2) for x in range(0, width, 2) if page.getpixel((x, y)) < 100]
    assert dark
    xs, ys = [x for x, _ in dark], [y for _, y in dark]
    assert (max(xs) - min(xs)) > 0.8 * width  # the table spans the page width, fitted
    assert min(ys) < 0.25 * height  # the title at the top
