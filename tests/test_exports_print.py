"""The exported lists as an office prints them: LibreOffice turns them into PDF, poppler reads the PDF back."""

import io
import re
import zipfile
from datetime import datetime
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from PIL import Image

from anbiao import db, exports
from anbiao.due import as_local

from .conftest import PASSWORD, Client, copied_app, run_tool
from .loop_helpers import assign, ent_id, post, rectify, reported, uid, unit_id, verify

LONG_ENTERPRISE = "泉州市丰泽区东海街道安泰液化石油气储配与钢瓶定期检验有限责任公司"
LONG_WORKSHOP = "液化石油气储配站及钢瓶检验第二车间"
LONG_POST = "钢瓶充装与静电接地检测班组（夜班）"
DESCRIPTIONS = [
    "充装台静电接地线断裂，接地电阻检测值超过规定的十欧姆，充装过程中存在静电积聚引发火灾爆炸的风险",
    "钢瓶存放区可燃气体报警器探头被杂物遮挡，且超过检定有效期三个月仍未重新检定，无法及时发现泄漏",
    "储罐区DN150进口阀门法兰连接处有轻微泄漏，现场检测LEL读数为12%，未设置警戒区也未上报",
    "消防通道被空钢瓶和废旧托盘占用，宽度不足一点五米，发生事故时消防车辆无法靠近储罐区",
]
MEASURE = "立即停用该设备并设置警戒区，委托有资质的检测单位重新检测，更换损坏部件后经安全管理员验收合格方可恢复使用"
PLAN = "停用并设专人二十四小时监护，制定专项应急预案并组织全员演练"
FORMULA_ENTERPRISE = '=HYPERLINK("http://example.com","点此领奖")'
FORMULA_DESCRIPTION = "=1+1"
EXIF_YEAR = 2001  # the phone claims the photo was taken then; captions must not believe it


def _photo_claiming_2001(shade: int) -> bytes:
    """A JPEG whose EXIF says it was taken on 2001-01-01 (each shade is another photo)."""
    image = Image.new("RGB", (640, 480), (40, shade, 200))
    exif = Image.Exif()
    exif[0x0132] = f"{EXIF_YEAR}:01:01 08:00:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _signed_in(application, username) -> Client:
    client = Client(application)
    client.refresh_token()
    assert client.post("/login", {"username": username, "password": PASSWORD}).status_code == 302
    client.refresh_token("/")
    return client


def _xlsx(client, path) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


@pytest.fixture(scope="module")
def printed(demo_db, tmp_path_factory):
    """Long names, hazards at every stage, lists with and without photos, a formula-like name: one PDF run."""
    folder = tmp_path_factory.mktemp("printed")
    application, conn = copied_app(demo_db, folder)
    leader, head, manager = (_signed_in(application, name) for name in ("leader1", "head1", "manager1"))
    made = [reported(leader, conn, description=text, level="major" if n == 1 else "general")
            for n, text in enumerate(DESCRIPTIONS)]
    for n, hazard_id in enumerate(made[:3]):
        assert assign(head, conn, hazard_id, measure=MEASURE, plan=PLAN if n == 1 else None).status_code == 302
    for hazard_id in made[:2]:
        assert rectify(leader, hazard_id).status_code == 302
    # A second and third photo after the fix: more than the two per stage that go on paper.
    assert post(head, f"/hazards/{made[0]}/verify", {"result": "fail", "note": "接地电阻仍偏高"}).status_code == 302
    assert post(leader, f"/hazards/{made[0]}/rectify",
                {"note": "再次检测合格", "photos": [(io.BytesIO(_photo_claiming_2001(shade)), f"{shade}.jpg")
                                                for shade in (100, 160)]}).status_code == 302
    assert verify(head, made[1]).status_code == 302
    first = ent_id(conn)
    conn.execute("UPDATE enterprises SET name = ? WHERE id = ?", (LONG_ENTERPRISE, first))
    conn.execute("UPDATE units SET name = ? WHERE id = ?", (LONG_WORKSHOP, unit_id(conn, "储配站")))
    conn.execute("UPDATE units SET name = ? WHERE id = ?", (LONG_POST, unit_id(conn, "充装班")))
    second = ent_id(conn, "晋江市恒力机械制造有限公司")
    conn.execute("UPDATE enterprises SET name = ? WHERE id = ?", (FORMULA_ENTERPRISE, second))
    conn.execute("UPDATE hazards SET description = ? WHERE id = (SELECT MIN(id) FROM hazards WHERE enterprise_id = ?"
                 " AND owner_id IS NOT NULL)", (FORMULA_DESCRIPTION, second))
    conn.conn.commit()
    files = {
        "rectifications": _xlsx(manager, f"/enterprises/{first}/rectifications?format=xlsx"),
        "rectifications_photos": _xlsx(manager, f"/enterprises/{first}/rectifications?format=xlsx&photos=1"),
        "hazards_photos": _xlsx(manager, f"/enterprises/{first}/hazards?format=xlsx&photos=1"),
        "formula_hazards": _xlsx(_signed_in(application, "manager2"), f"/enterprises/{second}/hazards?format=xlsx"),
        "formula_rectifications": _xlsx(_signed_in(application, "manager2"),
                                        f"/enterprises/{second}/rectifications?format=xlsx"),
    }
    for name, data in files.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    # A private LibreOffice profile, so runs in parallel never share (and lock) one.
    run_tool("soffice", f"-env:UserInstallation=file://{folder}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *(str(folder / f"{name}.xlsx") for name in files), timeout=180)
    shots = exports.photo_records(conn, made)
    places = {h: f"{LONG_WORKSHOP} / {LONG_POST}" for h in made}
    leader_name = conn.execute("SELECT name FROM users WHERE id = ?", (uid(conn, "leader1"),)).fetchone()[0]
    yield {"folder": folder, "xlsx": files, "made": made, "shots": shots, "places": places, "leader": leader_name}
    conn.conn.close()
    db.close()


def _pdf(printed, name):
    return str(printed["folder"] / f"{name}.pdf")


def _pages(path) -> list[tuple[float, float]]:
    info = run_tool("pdfinfo", "-f", "1", "-l", "9999", path)
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def _words(path) -> list[dict]:
    """Every word of the PDF with its page and box, from pdftotext -bbox."""
    html, found, page = run_tool("pdftotext", "-bbox", path, "-"), [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        hit = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', line)
        if hit:
            x0, y0, x1, y1 = (float(v) for v in hit.groups()[:4])
            found.append({"page": page, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "text": hit.group(5)})
    return found


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


PRINTED = ["rectifications", "rectifications_photos", "hazards_photos"]


@pytest.mark.parametrize("name", PRINTED)
def test_lists_print_on_a4_landscape_pages(printed, name):
    """Every page of the PDF is A4 turned sideways (842 × 595 pt)."""
    pages = _pages(_pdf(printed, name))
    assert pages
    for width, height in pages:
        assert abs(width - 842) <= 2 and abs(height - 595) <= 2


@pytest.mark.parametrize("name", PRINTED)
def test_no_printed_text_is_smaller_than_9_pt(printed, name):
    """No printed character is under 9 pt, on paper and in every cell's font."""
    # A Chinese character is one em wide, so its printed width is its size; any other word's box is at least
    # 1.1 em high in the fonts used (Liberation Sans is the tightest).
    words = _words(_pdf(printed, name))
    sizes = [(w["x1"] - w["x0"]) / len(w["text"]) for w in words if re.fullmatch(r"[\u4e00-\u9fff]+", w["text"])]
    assert sizes and min(sizes) >= 9, min(sizes)
    assert min(w["y1"] - w["y0"] for w in words) >= 9 * 1.1
    sheet = load_workbook(io.BytesIO(printed["xlsx"][name])).active
    assert all(cell.font.sz >= 9 for row in sheet.iter_rows() for cell in row if cell.value is not None)


@pytest.mark.parametrize("name", PRINTED)
def test_printed_words_never_overlap(printed, name):
    """Wrapped cells get rows tall enough: no line of text runs into another on the page."""
    # Lines of one cell sit a line pitch (about 1.2 em) apart; text spilling out of a short row lands between
    # the next row's lines.
    words = _words(_pdf(printed, name))
    for n, a in enumerate(words):
        for b in words[n + 1:]:
            if a["page"] == b["page"] and min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5:
                apart = abs((a["y0"] + a["y1"]) - (b["y0"] + b["y1"])) / 2
                assert apart >= 0.8 * min(a["y1"] - a["y0"], b["y1"] - b["y0"]), (a, b)


@pytest.mark.parametrize("name", PRINTED)
def test_long_names_print_whole(printed, name):
    """The enterprise, its workshop / post and every hazard description and measure are printed in full."""
    text = _flat(run_tool("pdftotext", "-raw", _pdf(printed, name), "-"))
    assert _flat(LONG_ENTERPRISE) in text
    assert _flat(f"{LONG_WORKSHOP} / {LONG_POST}") in text
    expected = DESCRIPTIONS if name == "hazards_photos" else DESCRIPTIONS[:3]
    for description in expected:
        assert _flat(description) in text
    if name.startswith("rectifications"):
        assert _flat(MEASURE) in text
        assert _flat(PLAN) in text


@pytest.mark.parametrize("name", PRINTED)
def test_header_row_prints_on_every_page(printed, name):
    """The column headings repeat at the top of every printed page."""
    path = _pdf(printed, name)
    pages = len(_pages(path))
    assert pages >= 2 if "photos" in name else pages >= 1
    for page in range(1, pages + 1):
        text = _flat(run_tool("pdftotext", "-raw", "-f", str(page), "-l", str(page), path, "-"))
        assert "隐患描述" in text and "车间/岗位" in text and "序号" in text


def test_lists_without_photos_carry_no_images(printed):
    """The plain 整改清单 has no pictures in it."""
    assert not [n for n in zipfile.ZipFile(io.BytesIO(printed["xlsx"]["rectifications"])).namelist()
                if n.startswith("xl/media/")]


@pytest.mark.parametrize("name", ["rectifications_photos", "hazards_photos"])
def test_photo_lists_carry_before_and_after_thumbnails_with_a_caption(printed, name):
    """photos=1: up to two before and two after photos per hazard, in the xlsx and the PDF, each captioned."""
    listed = printed["made"] if name == "hazards_photos" else printed["made"][:3]
    expected = sum(min(2, sum(s["stage"] == stage for s in printed["shots"][h])) for h in listed
                   for stage in ("before", "after"))
    assert expected >= len(listed) + 2  # every hazard has a before photo; two have after photos
    media = [n for n in zipfile.ZipFile(io.BytesIO(printed["xlsx"][name])).namelist() if n.startswith("xl/media/")]
    assert len(media) >= expected
    images = [line for line in run_tool("pdfimages", "-list", _pdf(printed, name)).splitlines()[2:] if line.strip()]
    assert len(images) >= expected
    with zipfile.ZipFile(io.BytesIO(printed["xlsx"][name])) as book:
        for member in media:
            tile = Image.open(io.BytesIO(book.read(member))).convert("L")
            band = tile.crop((0, exports.PHOTO_PX * exports.TILE_SCALE, tile.width, tile.height))
            assert band.height > 0 and band.getextrema()[0] < 80, member  # dark letters under the picture


def test_photo_captions_come_from_the_server_record_not_the_phone(printed):
    """A caption says the stage, the server's time of the step, who sent it and the place; never the EXIF year."""
    hazard_id = printed["made"][0]
    shots = printed["shots"][hazard_id]
    resent = [s for s in shots if s["stage"] == "after"][-1]
    lines = exports.caption(resent, printed["places"][hazard_id])
    recorded = as_local(resent["at"])
    assert abs((datetime.now(recorded.tzinfo) - recorded).total_seconds()) < 600  # the server's clock, today
    assert lines[0] == f"整改后 {recorded.strftime('%Y-%m-%d %H:%M')}"
    assert lines[1] == f"上传：{printed['leader']}"
    assert lines[2] == f"地点：{LONG_WORKSHOP} / {LONG_POST}"
    assert str(EXIF_YEAR) not in "".join(lines)


def test_formula_like_names_print_as_typed(printed):
    """An enterprise named =HYPERLINK(...) and a description =1+1 print as those very characters."""
    for name in ("formula_hazards", "formula_rectifications"):
        text = _flat(_unescape(run_tool("pdftotext", "-raw", _pdf(printed, name), "-")))
        assert _flat(FORMULA_ENTERPRISE) in text
        assert FORMULA_DESCRIPTION in text
        sheet = load_workbook(io.BytesIO(printed["xlsx"][name])).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("kind", ["hazards", "rectifications"])
def test_both_lists_offer_an_export_with_photos(manager, conn, kind):
    """Each list's filter form has a 含照片 choice beside 导出 Excel, sent as photos=1 with format=xlsx."""
    html = manager.get(f"/enterprises/{ent_id(conn)}/{kind}").get_data(as_text=True)
    form = html[html.index('class="filters"'):html.index("</form>", html.index('class="filters"'))]
    assert re.search(r'<input type="checkbox" name="photos" value="1"[^>]*> 导出含整改前后照片', form)
    assert re.search(r'<button type="submit" name="format" value="xlsx"[^>]*>导出 Excel</button>', form)
    response = manager.get(f"/enterprises/{ent_id(conn)}/{kind}?format=xlsx&photos=1")
    assert response.status_code == 200
    assert "含照片" in unquote(response.headers["Content-Disposition"])
    assert [n for n in zipfile.ZipFile(io.BytesIO(response.data)).namelist() if n.startswith("xl/media/")]
