"""Signs printed on A4 from a desktop browser — label sheets, posters, one label — and one label drawn on the server:
Chromium prints them to PDF, poppler rasterises and reads them, and Debian's zbarimg (not this project's code) decodes
every QR back to its sign's permanent address."""

import io
import re
import subprocess

import pytest
from PIL import Image

from anbiao import sign_labels, signs

from .conftest import sign_in
from .loop_helpers import ent_id, uid, unit_id
from .test_signs import zbar

# The CJK fonts Chromium may embed for Chinese (fontconfig picks one); any other font printing Chinese means boxes.
CJK_FONT_NAME = re.compile(r"WenQuanYi|WQY|MicroHei|NotoSans\w*CJK|Noto Sans CJK|DroidSansFallback|Droid Sans Fallback")
# The sheet's grid as static/print.css lays it out on A4: inside a 10 mm margin, 2 columns × 4 rows of 95 × 68 mm.
SHEET_MARGIN_MM, LABEL_MM, COLUMNS, ROWS = 10, (95, 68), 2, 4
PER_PAGE = COLUMNS * ROWS
DPI = 200
LONG_TITLE = "储配站储罐区及充装区地面黄黑相间警示标线和人行通道物流通道设备区边界线（二〇二六年重新划设并验收）"


def _run(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def _labels(html: str) -> list[str]:
    """The titles of the labels on a printed page, in order."""
    return re.findall(r'<article class="label[^"]*" aria-label="标签：([^"]+)"', html)


def _sheet(ent, **filters) -> str:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return f"/enterprises/{ent}/signs/print" + (f"?{query}" if query else "")


def _printed(page, url, path) -> dict:
    """The page as Chromium prints it on A4: the PDF's page count, its text, its fonts and each page decoded."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.pdf(path=str(path), format="A4", print_background=True)
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))
    prefix = path.with_suffix("")
    _run("pdftoppm", "-r", str(DPI), "-png", str(path), str(prefix))
    images = sorted(path.parent.glob(f"{prefix.name}-*.png"))
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    return {"pages": pages, "text": re.sub(r"\s+", "", _run("pdftotext", "-raw", str(path), "-")), "images": images,
            "decoded": [zbar(image) for image in images],
            "cjk_embedded": [f[0] for f in fonts if CJK_FONT_NAME.search(f[0]) and f[-5] == "yes"]}


def _cells(image) -> list[list[str]]:
    """What zbarimg reads in each label's place on a rasterised sheet page, row by row: the grid is cut as
    static/print.css lays it out. (Given the whole page at once, zbarimg now and then misses one of eight codes
    aligned in a grid; a phone sees one label, and the cut also proves each label sits whole in its own place.)"""
    page, px = Image.open(image), DPI / 25.4
    found = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            left, top = SHEET_MARGIN_MM + column * LABEL_MM[0], SHEET_MARGIN_MM + row * LABEL_MM[1]
            cell = image.with_name(f"cell-{image.stem}-{row}{column}.png")
            page.crop(tuple(round(mm * px) for mm in (left, top, left + LABEL_MM[0], top + LABEL_MM[1]))).save(cell)
            found.append(zbar(cell))
    return found


def _more_signs(conn) -> None:
    """Six more signs at 充装班, of every class and one with the longest title: eleven labels, two A4 pages."""
    ent, post, by = ent_id(conn), unit_id(conn, "充装班"), uid(conn, "manager1")
    for title, sign_class in (("禁止吸烟", "prohibition"), ("当心火灾", "warning"), ("必须穿防静电服", "mandatory"),
                              ("紧急出口", "information"), (LONG_TITLE, "warning"), ("必须戴防护手套", "mandatory")):
        signs.create(conn, ent, post, "post_warning", {"title": title, "sign_class": sign_class, "place": "充装台"},
                     by=by)


# The label sheet on paper.

def test_every_label_on_a_printed_sheet_decodes_to_its_signs_address_and_prints_chinese_glyphs(
        conn, live_server, desk, tmp_path):
    """Chromium's A4 PDF of the manager's sheet, rasterised at 200 dpi and read by zbarimg: every label decodes to
    its sign's /q/<token>, each in its own place of the 2 × 4 grid, 8 a page, none split between pages; and the
    text is Chinese in an embedded CJK font (so no boxes): each title, whole, and each code as printed."""
    _more_signs(conn)
    in_use = sign_labels.choose(conn, ent_id(conn), None)
    assert len(in_use) == 11 and sign_labels.PER_SHEET == PER_PAGE
    sign_in(desk, live_server, "manager1")
    printed = _printed(desk, f"{live_server}{_sheet(ent_id(conn))}", tmp_path / "sheet.pdf")
    assert printed["pages"] == 2
    cells = [found for image in printed["images"] for found in _cells(image)]
    assert cells == [[signs.address(live_server, s["token"])] for s in in_use] + [[]] * (2 * PER_PAGE - 11)
    for sign in in_use:
        assert re.sub(r"\s+", "", sign["title"]) in printed["text"], sign["title"]
        assert sign_labels.code_text(sign["code"]) in printed["text"]
    assert "扫码查看安全告知" in printed["text"] and "警告标志" in printed["text"]
    assert printed["cjk_embedded"], "no CJK font embedded: Chinese would print as boxes"


def test_a_risk_card_poster_is_one_a4_page_with_every_field_and_a_qr_that_decodes(conn, live_server, desk, tmp_path):
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '充装岗位安全风险告知卡'").fetchone()[0]
    label = signs.current(conn, sign_id)
    sign_in(desk, live_server, "leader1")
    printed = _printed(desk, f"{live_server}/signs/{sign_id}/poster", tmp_path / "poster.pdf")
    assert printed["pages"] == 1
    assert printed["decoded"] == [[signs.address(live_server, label["token"])]]
    for field in (*signs.RISK_FIELDS.values(), "泉州市安泰燃气有限公司", "储配站/充装班",
                  "液化石油气泄漏、静电火花、钢瓶超装", "火警119", sign_labels.code_text(label["code"])):
        assert field in printed["text"], field
    assert printed["cjk_embedded"]


def test_a_long_card_prints_smaller_on_one_page_and_the_longest_loses_no_word(conn, live_server, desk, tmp_path):
    """Seven fields of 126 characters would run over the page at the normal size: smaller, it stays on one. Every
    field at its 500-character limit cannot: it runs on to a second page, every word printed, the QR on the first."""
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '充装岗位安全风险告知卡'").fetchone()[0]
    words = "充装前检查钢瓶外观、阀门和检验日期，核对充装介质，接地夹可靠连接，充装后复秤并检漏；"
    sign_in(desk, live_server, "manager1")
    for name, text, pages in (("long", words * 3, 1), ("longest", (words * 12)[:signs.RISK_CHARS - 1] + "完", 2)):
        sign = signs.get(conn, sign_id)
        signs.update(conn, sign, {"title": sign["title"], "place": sign["place"],
                                  "risk": {key: text for key in signs.RISK_FIELDS}}, by=uid(conn, "manager1"))
        printed = _printed(desk, f"{live_server}/signs/{sign_id}/poster", tmp_path / f"{name}.pdf")
        assert printed["pages"] == pages and len(printed["decoded"][0]) == 1, name
        assert printed["text"].count(text) == len(signs.RISK_FIELDS), name


def test_one_label_alone_prints_large_on_one_page_and_decodes(conn, live_server, desk, tmp_path):
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '禁止烟火'").fetchone()[0]
    label = signs.current(conn, sign_id)
    sign_in(desk, live_server, "head1")
    printed = _printed(desk, f"{live_server}/signs/{sign_id}/label", tmp_path / "one.pdf")
    assert printed["pages"] == 1 and printed["decoded"] == [[signs.address(live_server, label["token"])]]
    assert "禁止烟火" in printed["text"] and "禁止标志" in printed["text"] and "打印" not in printed["text"]
    qr = desk.locator(".label.large svg.qr")
    desk.emulate_media(media="print")
    assert qr.bounding_box()["width"] >= 70 / 25.4 * 96 - 1  # 70 mm at CSS's 96 px an inch
    desk.emulate_media(media="screen")


def test_the_print_button_opens_the_print_dialog_and_the_pages_fit_a_phone(conn, live_server, desk, phone):
    from .test_browser_flows import fits_a_phone

    sign_in(desk, live_server, "manager1")
    desk.goto(f"{live_server}{_sheet(ent_id(conn))}")
    desk.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    desk.get_by_role("button", name="打印").click()
    assert desk.evaluate("() => window.printed") == 1
    desk.get_by_label("标识种类").select_option(label="岗位安全风险告知卡")
    desk.get_by_role("button", name="筛选").click()
    desk.wait_for_url(re.compile(r"kind=risk_card"))
    assert desk.locator("article.label").count() == 1
    card = conn.execute("SELECT id FROM signs WHERE title = '充装岗位安全风险告知卡'").fetchone()[0]
    sign_in(phone, live_server, "manager1")
    for name, path in (("label sheet", _sheet(ent_id(conn))), ("one label", f"/signs/{card}/label"),
                       ("poster", f"/signs/{card}/poster")):
        phone.goto(f"{live_server}{path}")
        fits_a_phone(phone, name)


# Which labels a sheet holds.

def test_a_team_leaders_sheet_holds_only_their_posts_signs(conn, signed_in):
    page = signed_in("leader1").get(_sheet(ent_id(conn)))
    assert page.status_code == 200
    assert _labels(page.get_data(as_text=True)) == ["充装岗位安全风险告知卡", "禁止烟火"]
    workshop = signed_in("head1").get(_sheet(ent_id(conn))).get_data(as_text=True)
    assert _labels(workshop) == ["储配站地面标线", "充装岗位安全风险告知卡", "禁止烟火", "1号储罐出液阀"]


def test_the_sheet_narrows_to_a_unit_with_its_posts_and_to_a_kind(conn, signed_in):
    manager = signed_in("manager1")
    ent = ent_id(conn)
    assert len(_labels(manager.get(_sheet(ent)).get_data(as_text=True))) == 5
    assert _labels(manager.get(_sheet(ent, unit_id=unit_id(conn, "储配站"))).get_data(as_text=True)) == [
        "储配站地面标线", "充装岗位安全风险告知卡", "禁止烟火", "1号储罐出液阀"]
    assert _labels(manager.get(_sheet(ent, unit_id=unit_id(conn, "运行班"))).get_data(as_text=True)) == [
        "1号储罐出液阀"]
    assert _labels(manager.get(_sheet(ent, kind="notice_board")).get_data(as_text=True)) == ["公司大门安全风险公告栏"]
    assert _labels(manager.get(_sheet(ent, unit_id=unit_id(conn, "充装班"), kind="post_warning")).get_data(
        as_text=True)) == ["禁止烟火"]


@pytest.mark.parametrize("who, filters, said", [
    ("leader1", {"unit": "储配站"}, "请选择您能查看的车间或岗位"),  # above the leader's post
    ("manager1", {"unit": "车床班"}, "请选择您能查看的车间或岗位"),  # another enterprise's
    ("manager1", {"unit_id": "abc"}, "请选择您能查看的车间或岗位"),
    ("manager1", {"unit_id": "9" * 30}, "请选择您能查看的车间或岗位"),
    ("manager1", {"unit_id": "²"}, "请选择您能查看的车间或岗位"),
    ("manager1", {"kind": "poster"}, "请选择标识种类"),
])
def test_a_filter_one_cannot_choose_is_refused_in_chinese_and_prints_nothing(conn, signed_in, who, filters, said):
    if "unit" in filters:
        filters = {"unit_id": unit_id(conn, filters["unit"])}
    page = signed_in(who).get(_sheet(ent_id(conn), **filters))
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert said in html and _labels(html) == []


def test_a_sheet_too_large_for_one_request_is_refused_with_its_size_and_how_to_narrow_it(conn, signed_in,
                                                                                          monkeypatch):
    monkeypatch.setattr(sign_labels, "SHEET_MAX", 4)
    manager = signed_in("manager1")
    page = manager.get(_sheet(ent_id(conn)))
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "共 5 张标签，一次最多打印 4 张" in html and "分批打印" in html
    assert _labels(html) == []
    assert len(_labels(manager.get(_sheet(ent_id(conn), unit_id=unit_id(conn, "储配站"))).get_data(as_text=True))) == 4


def test_each_label_prints_its_class_band_kind_where_and_code(conn, signed_in):
    html = signed_in("manager1").get(_sheet(ent_id(conn))).get_data(as_text=True)
    code = signs.current(conn, conn.execute("SELECT id FROM signs WHERE title = '禁止烟火'").fetchone()[0])["code"]
    assert 'band-red">禁止标志 · 岗位有警示' in html and 'band-yellow">警告标志 · 地上有标线' in html
    assert 'band-none">安全风险公告栏' in html  # a kind without a class: no class colour
    assert f"{code[:4]}-{code[4:]}" in html and "储配站 / 充装班 · 充装台入口" in html
    assert html.count("<svg") == 5 and 'id="qr-path"' not in html  # inline QR, no repeated id
    assert "@page" in open("static/print.css", encoding="utf-8").read()


def test_a_poster_is_for_risk_cards_and_notice_boards_and_any_other_sign_prints_as_its_label(conn, signed_in):
    manager = signed_in("manager1")
    board = conn.execute("SELECT id FROM signs WHERE kind = 'notice_board' AND unit_id IS NULL").fetchone()[0]
    page = manager.get(f"/signs/{board}/poster").get_data(as_text=True)
    assert "<h1>安全风险公告栏</h1>" in page and "公司大门安全风险公告栏" in page and "公司大门东侧" in page
    valve = conn.execute("SELECT id FROM signs WHERE title = '1号储罐出液阀'").fetchone()[0]
    redirected = manager.get(f"/signs/{valve}/poster")
    assert redirected.status_code == 302 and redirected.headers["Location"].endswith(f"/signs/{valve}/label")


def test_a_retired_sign_prints_no_label(conn, signed_in):
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '禁止烟火'").fetchone()[0]
    signs.retire(conn, signs.get(conn, sign_id), by=uid(conn, "manager1"))
    manager = signed_in("manager1")
    for path in (f"/signs/{sign_id}/label", f"/signs/{sign_id}/poster", f"/signs/{sign_id}/label.png"):
        assert manager.get(path).status_code == 404, path
    assert "禁止烟火" not in _labels(manager.get(_sheet(ent_id(conn))).get_data(as_text=True))


# The label drawn on the server.

def _ink(image, box) -> float:
    """The share of dark pixels inside a box of the image."""
    grey = image.crop(box).convert("L")
    return sum(grey.histogram()[:128]) / (grey.width * grey.height)


def test_the_server_made_label_decodes_to_the_address_and_draws_its_chinese_title(conn, signed_in, tmp_path):
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '充装岗位安全风险告知卡'").fetchone()[0]
    label = signs.current(conn, sign_id)
    response = signed_in("leader1").get(f"/signs/{sign_id}/label.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    (tmp_path / "label.png").write_bytes(response.get_data())
    assert zbar(tmp_path / "label.png") == [f"http://localhost/q/{label['token']}"]
    image = Image.open(io.BytesIO(response.get_data()))
    assert image.size == (sign_labels.WIDTH, sign_labels.HEIGHT)
    assert _ink(image, sign_labels.TITLE_BOX) > 0.02


def test_two_titles_of_one_length_draw_differently_so_the_server_draws_glyphs_not_boxes(conn):
    """A missing glyph is the same box for every character; two different titles of four characters then look
    alike. Drawn with the CJK font, they differ."""
    sign = signs.of_enterprise(conn, ent_id(conn))[0]
    drawn = []
    for title in ("禁止烟火", "当心触电"):
        label = sign_labels.printed(conn, {**sign, "title": title}, "https://anbiao.example.cn")
        drawn.append(Image.open(io.BytesIO(sign_labels.draw(label))).crop(sign_labels.TITLE_BOX).convert("L"))
    assert _ink(drawn[0], (0, 0, *drawn[0].size)) > 0.02
    assert drawn[0].tobytes() != drawn[1].tobytes()


def test_a_long_title_is_drawn_whole_in_a_smaller_size(conn, tmp_path):
    sign = signs.of_enterprise(conn, ent_id(conn))[0]
    label = sign_labels.printed(conn, {**sign, "title": LONG_TITLE}, "https://anbiao.example.cn")
    (tmp_path / "long.png").write_bytes(sign_labels.draw(label))
    assert zbar(tmp_path / "long.png") == [label["address"]]
    image = Image.open(tmp_path / "long.png")
    bottom = sign_labels.TITLE_BOX[3]
    assert _ink(image, (sign_labels.TITLE_BOX[0], bottom - 50, sign_labels.TITLE_BOX[2], bottom)) > 0.01


def test_without_a_cjk_font_the_label_image_is_a_chinese_error_not_boxes(conn, signed_in, monkeypatch, tmp_path):
    monkeypatch.setattr(sign_labels, "FONT_FILES", (tmp_path / "no-such-font.ttc",))
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '禁止烟火'").fetchone()[0]
    response = signed_in("manager1").get(f"/signs/{sign_id}/label.png")
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "服务器缺少中文字体" in response.get_data(as_text=True)


# Reaching the printouts from the list of signs.

def test_the_signs_list_links_the_sheet_each_label_and_the_posters(conn, signed_in):
    html = signed_in("leader1").get(f"/enterprises/{ent_id(conn)}/signs").get_data(as_text=True)
    card = conn.execute("SELECT id FROM signs WHERE title = '充装岗位安全风险告知卡'").fetchone()[0]
    warning = conn.execute("SELECT id FROM signs WHERE title = '禁止烟火'").fetchone()[0]
    assert f'href="/enterprises/{ent_id(conn)}/signs/print"' in html and "打印标签" in html
    for sign_id in (card, warning):
        assert f'href="/signs/{sign_id}/label"' in html
    assert f'href="/signs/{card}/poster"' in html and f'href="/signs/{warning}/poster"' not in html
