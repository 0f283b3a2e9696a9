"""Enterprise import from xlsx or CSV: all rows good or nothing saved, every problem on its spreadsheet row."""

import csv
import io
import random
import time
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from anbiao import credit_code, enterprises, importer

GRID1 = "丰泽区东海街道第一网格"
GRID2 = "晋江市安海镇第三网格"
HEADERS = [("*" if required else "") + label for _, label, required in enterprises.FIELDS]
KEYS = [key for key, _, _ in enterprises.FIELDS]


def code(n: int) -> str:
    """A valid credit code, different for each n."""
    prefix = f"91350503MA{n:07d}"
    return prefix + credit_code.check_char(prefix)


def row(**values) -> list:
    """One sheet row in the template's column order."""
    return [values.get(key) for key in KEYS]


def good_rows() -> list[list]:
    return [
        row(name="泉州市东海燃气有限公司", credit_code=code(1), industry="城镇燃气", size_class="中等", grid=GRID1,
            address="泉州市丰泽区东海街道 1 号", principal_name="陈一", principal_phone=13905951234.0,
            safety_manager_name="林二", safety_manager_phone="0595-22530717", standard_status="国标",
            standard_grade="二级", benchmark_level="县级", showcase="是", star_rating=2,
            notice_delivered_on=datetime(2024, 3, 1), commitment_signed_on=date(2024, 3, 5),
            shifts="08:00,20:00"),
        row(name="晋江市安海五金制品厂", credit_code=code(2), industry="工贸", size_class="小微", grid=GRID2,
            principal_phone=13905952222, standard_status="地标", shifts="08:00,16:00,00:00"),
        row(name="晋江市安海纺织有限公司", credit_code=code(3), industry="工贸", size_class="规模以上", grid=GRID2,
            standard_status="自评", star_rating=0),
    ]


def xlsx(rows: list[list], header=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS if header is None else header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(rows: list[list], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow([as_text(v) for v in r])
    return out.getvalue().encode(encoding)


def count(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM enterprises").fetchone()[0]


def by_code(conn, credit) -> dict | None:
    found = conn.execute("SELECT * FROM enterprises WHERE credit_code = ?", (credit,)).fetchone()
    return dict(found) if found else None


def grid_id(conn, name) -> int:
    return conn.execute("SELECT id FROM grids WHERE name = ?", (name,)).fetchone()[0]


@pytest.fixture
def admin_id(conn):
    return conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]


def run(conn, admin_id, name, data):
    return importer.import_file(conn, name, data, admin_id)


def only_messages(problems, number):
    return [message for n, message in problems if n == number]


# ---- good sheets ----

def test_good_xlsx_imports_every_row_with_its_fields(conn, admin_id):
    """Three good rows become three enterprises with the fields cleaned."""
    before = count(conn)
    problems, imported = run(conn, admin_id, "企业.xlsx", xlsx(good_rows()))
    assert problems == []
    assert imported == 3
    assert count(conn) == before + 3
    gas = by_code(conn, code(1))
    assert gas["name"] == "泉州市东海燃气有限公司"
    assert gas["industry"] == "城镇燃气"
    assert gas["size_class"] == "medium"
    assert gas["grid_id"] == grid_id(conn, GRID1)
    assert (gas["standard_status"], gas["standard_grade"]) == ("national", 2)
    assert gas["benchmark_level"] == "county"
    assert gas["showcase"] == 1
    assert gas["star_rating"] == 2
    assert gas["principal_phone"] == "13905951234"
    assert gas["safety_manager_phone"] == "0595-22530717"
    assert gas["notice_delivered_on"] == "2024-03-01"
    assert gas["commitment_signed_on"] == "2024-03-05"
    small = by_code(conn, code(2))
    assert small["size_class"] == "small_micro"
    assert (small["standard_status"], small["standard_grade"]) == ("local", None)
    assert small["principal_phone"] == "13905952222"
    assert small["shifts"] == "00:00,08:00,16:00"
    big = by_code(conn, code(3))
    assert big["size_class"] == "above_scale"
    assert big["standard_status"] == "self_assessed"
    assert big["shifts"] == "08:00,20:00"


def test_phone_number_is_stored_as_text_without_the_float_tail(conn, admin_id):
    """Excel's 13905951234.0 is stored as '13905951234'."""
    run(conn, admin_id, "x.xlsx", xlsx(good_rows()))
    stored = conn.execute("SELECT principal_phone, typeof(principal_phone) FROM enterprises WHERE credit_code = ?",
                          (code(1),)).fetchone()
    assert tuple(stored) == ("13905951234", "text")


def test_import_is_written_to_the_audit_log_by_the_importer(conn, admin_id):
    """Each imported enterprise has a create entry by the person who imported."""
    run(conn, admin_id, "x.xlsx", xlsx(good_rows()))
    ent = by_code(conn, code(1))
    entry = conn.execute("SELECT user_id, action FROM audit_log WHERE entity = 'enterprise' AND entity_id = ?",
                         (ent["id"],)).fetchone()
    assert tuple(entry) == (admin_id, "create")


def test_required_headers_may_carry_a_star_or_not(conn, admin_id):
    """Headers match with or without the leading *."""
    plain = [label for _, label, _ in enterprises.FIELDS]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(good_rows(), header=plain))
    assert (problems, imported) == ([], 3)


def test_upper_case_extension_is_accepted(conn, admin_id):
    """企业.XLSX is an xlsx file."""
    assert run(conn, admin_id, "企业.XLSX", xlsx(good_rows()))[1] == 3


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_with_bom_or_gbk_imports(conn, admin_id, encoding):
    """Excel in China saves CSV as GBK; others as UTF-8 with BOM; both work."""
    data = csv_bytes(good_rows(), encoding)
    problems, imported = run(conn, admin_id, "企业.csv", data)
    assert problems == []
    assert imported == 3
    gas = by_code(conn, code(1))
    assert gas["name"] == "泉州市东海燃气有限公司"
    assert gas["size_class"] == "medium"
    assert gas["grid_id"] == grid_id(conn, GRID1)
    assert gas["principal_phone"] == "13905951234"
    assert gas["notice_delivered_on"] == "2024-03-01"


def test_blank_rows_in_between_are_skipped(conn, admin_id):
    """Empty rows between enterprises are ignored."""
    rows = good_rows()
    sheet = [rows[0], [None] * len(KEYS), ["", " ", None], rows[1], [None] * len(KEYS), rows[2]]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(sheet))
    assert (problems, imported) == ([], 3)


def test_row_numbers_after_blank_rows_are_the_spreadsheets(conn, admin_id):
    """A bad row after two blank rows is reported as the row Excel shows."""
    rows = good_rows()
    rows[2][KEYS.index("industry")] = "食品"
    sheet = [rows[0], [None] * len(KEYS), [None] * len(KEYS), rows[1], rows[2]]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(sheet))
    assert imported == 0
    assert [n for n, _ in problems] == [6]


# ---- bad rows: nothing saved, every problem on its row ----

def test_bad_rows_among_good_ones_import_nothing_and_report_each_row(conn, admin_id):
    """Rows 3, 4 and 5 are wrong; rows 2 and 6 are right; nothing is saved."""
    rows = good_rows()
    wrong_check = code(4)[:17] + ("0" if code(4)[17] != "0" else "1")
    sheet = [
        rows[0],
        row(name="坏校验位公司", credit_code=wrong_check, industry="工贸", size_class="小微", grid=GRID2),
        row(name="未知行业公司", credit_code=code(5), industry="食品加工", size_class="小微", grid=GRID2),
        row(name="无网格公司", credit_code=code(6), industry="工贸", size_class="小微", grid=None),
        rows[1],
    ]
    before = count(conn)
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(sheet))
    assert imported == 0
    assert count(conn) == before
    assert sorted({n for n, _ in problems}) == [3, 4, 5]
    assert any("统一社会信用代码" in m and "校验位" in m for m in only_messages(problems, 3))
    assert any("行业领域" in m and "食品加工" in m for m in only_messages(problems, 4))
    assert any("所属网格" in m for m in only_messages(problems, 5))


def test_unknown_grid_name_is_reported(conn, admin_id):
    """A grid that does not exist is named in the message."""
    rows = good_rows()
    rows[1][KEYS.index("grid")] = "不存在的网格"
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert any("不存在的网格" in m and "不存在" in m for m in only_messages(problems, 3))


def test_duplicate_credit_code_within_the_file_names_both_rows(conn, admin_id):
    """The second use of a code is reported on its row and points to the first."""
    rows = good_rows()
    rows[2][KEYS.index("credit_code")] = code(1).lower()
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert problems == [(4, "统一社会信用代码：统一社会信用代码与第2行重复")]


def test_credit_code_already_in_the_database_is_reported(conn, admin_id):
    """A code already registered names the enterprise that has it."""
    taken = conn.execute("SELECT credit_code, name FROM enterprises ORDER BY id").fetchone()
    rows = good_rows()
    rows[1][KEYS.index("credit_code")] = taken["credit_code"]
    before = count(conn)
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert count(conn) == before
    assert any("已登记" in m and taken["name"] in m for m in only_messages(problems, 3))


def test_national_standard_without_grade_is_reported(conn, admin_id):
    """国标 needs 一级, 二级 or 三级."""
    rows = good_rows()
    rows[0][KEYS.index("standard_grade")] = None
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert any("达标等级" in m and "须填写" in m for m in only_messages(problems, 2))


def test_local_standard_with_a_grade_is_reported(conn, admin_id):
    """地标 is not graded."""
    rows = good_rows()
    rows[1][KEYS.index("standard_grade")] = "三级"
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert any("地标" in m and "不分级" in m for m in only_messages(problems, 3))


def test_grade_given_as_a_number_is_accepted(conn, admin_id):
    """Excel's 2 or 2.0 for the grade means 二级."""
    rows = good_rows()
    rows[0][KEYS.index("standard_grade")] = 2.0
    assert run(conn, admin_id, "x.xlsx", xlsx(rows)) == ([], 3)
    assert by_code(conn, code(1))["standard_grade"] == 2


def test_bad_phone_is_reported(conn, admin_id):
    """A phone that is neither a mobile nor a landline number is an error on its row."""
    rows = good_rows()
    rows[2][KEYS.index("principal_phone")] = "12345"
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert any("主要负责人电话" in m and "12345" in m for m in only_messages(problems, 4))


def test_future_date_written_as_text_is_reported(conn, admin_id):
    """A delivery date after today, typed as text, is refused."""
    rows = good_rows()
    rows[2][KEYS.index("notice_delivered_on")] = f"{date.today().year + 2}-01-01"
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert any("告知书送达日期" in m and "晚于今天" in m for m in only_messages(problems, 4))


def test_future_date_given_as_an_excel_date_is_reported(conn, admin_id):
    """A delivery date after today is refused when Excel stores it as a date too."""
    rows = good_rows()
    rows[2][KEYS.index("notice_delivered_on")] = datetime(date.today().year + 2, 1, 1)
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert any("告知书送达日期" in m and "晚于今天" in m for m in only_messages(problems, 4))


def test_unknown_size_class_lists_the_choices(conn, admin_id):
    """企业类型 must be 规模以上, 中等 or 小微."""
    rows = good_rows()
    rows[0][KEYS.index("size_class")] = "大型"
    problems, _ = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert any("大型" in m and "规模以上" in m for m in only_messages(problems, 2))


# ---- bad headers and bad files ----

def test_unknown_header_column_is_reported_on_row_1(conn, admin_id):
    """A column the importer does not know is named."""
    header = [*HEADERS, "备注"]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx([[*r, "x"] for r in good_rows()], header=header))
    assert imported == 0
    assert problems == [(1, "表头有无法识别的列：备注")]


def test_missing_required_column_is_reported_on_row_1(conn, admin_id):
    """Without the 所属网格 column nothing can be imported."""
    where = KEYS.index("grid")
    header = HEADERS[:where] + HEADERS[where + 1:]
    rows = [r[:where] + r[where + 1:] for r in good_rows()]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows, header=header))
    assert imported == 0
    assert problems == [(1, "缺少必填列：所属网格")]


def test_empty_sheet_is_reported(conn, admin_id):
    """A workbook with nothing in it asks for the header row."""
    out = io.BytesIO()
    Workbook().save(out)
    problems, imported = run(conn, admin_id, "x.xlsx", out.getvalue())
    assert imported == 0
    assert problems and problems[0][0] == 1 and "表头" in problems[0][1]


def test_header_only_sheet_says_there_is_no_data(conn, admin_id):
    """Headers with no rows under them import nothing and say so."""
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx([]))
    assert imported == 0
    assert problems == [(None, "表格中没有企业数据")]


def test_empty_csv_is_reported(conn, admin_id):
    """A zero-byte CSV asks for the header row."""
    problems, imported = run(conn, admin_id, "x.csv", b"")
    assert imported == 0
    assert "表头" in problems[0][1]


@pytest.mark.parametrize("name", ["企业.xls", "企业.txt", "企业", "企业.xlsx.exe"])
def test_other_file_types_are_refused(conn, admin_id, name):
    """Only .xlsx and .csv are read; .xls is told to be saved as .xlsx."""
    problems, imported = run(conn, admin_id, name, xlsx(good_rows()))
    assert imported == 0
    assert len(problems) == 1
    assert "只支持 .xlsx 或 .csv" in problems[0][1]


def _assert_broken_xlsx(problems, imported):
    assert imported == 0
    assert len(problems) == 1
    assert problems[0][1].startswith("xlsx 文件已损坏")


def test_random_bytes_named_xlsx_are_a_broken_file_not_an_error(conn, admin_id):
    """Random bytes give the Chinese 'damaged xlsx' message."""
    data = random.Random(7).randbytes(4096)
    _assert_broken_xlsx(*run(conn, admin_id, "x.xlsx", data))


def test_truncated_xlsx_is_a_broken_file_not_an_error(conn, admin_id):
    """Half of a real xlsx gives the Chinese 'damaged xlsx' message."""
    data = xlsx(good_rows())
    _assert_broken_xlsx(*run(conn, admin_id, "x.xlsx", data[: len(data) // 2]))


def test_zip_that_is_not_a_workbook_is_a_broken_file(conn, admin_id):
    """A zip without a workbook inside gives the 'damaged xlsx' message."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "不是表格")
    _assert_broken_xlsx(*run(conn, admin_id, "x.xlsx", out.getvalue()))


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_xlsx_with_damaged_xml_inside_is_a_broken_file(conn, admin_id, part):
    """A workbook whose XML is cut short gives the 'damaged xlsx' message, not a server error."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(good_rows())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            data = source.read(info.filename)
            z.writestr(info, data[: len(data) // 2] if info.filename == part else data)
    _assert_broken_xlsx(*run(conn, admin_id, "x.xlsx", out.getvalue()))


def test_binary_file_named_csv_is_refused(conn, admin_id):
    """An xlsx renamed to .csv is not read as text."""
    problems, imported = run(conn, admin_id, "x.csv", xlsx(good_rows()))
    assert imported == 0
    assert len(problems) == 1
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problems[0][1])


# ---- through HTTP ----

def post_sheet(client, data, name="x.xlsx"):
    return client.post("/enterprises/import", {"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_http_bad_sheet_answers_422_listing_problems_and_saves_nothing(signed_in, conn):
    """The page lists each problem with its row; the enterprise count stays."""
    c = signed_in("admin")
    rows = good_rows()
    rows[1][KEYS.index("industry")] = "食品加工"
    rows[2][KEYS.index("grid")] = None
    before = count(conn)
    response = post_sheet(c, xlsx(rows))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未导入任何企业" in html
    assert "第 3 行" in html and "食品加工" in html
    assert "第 4 行" in html and "所属网格" in html
    assert count(conn) == before


def test_http_good_sheet_redirects_and_the_enterprises_appear(signed_in, conn):
    """A good file is saved and its enterprises are listed."""
    c = signed_in("admin")
    before = count(conn)
    response = post_sheet(c, xlsx(good_rows()))
    assert response.status_code == 302
    assert count(conn) == before + 3
    listing = c.get(response.headers["Location"]).get_data(as_text=True)
    assert "已导入 3 家企业" in listing
    assert "泉州市东海燃气有限公司" in listing
    assert "晋江市安海纺织有限公司" in listing


def test_http_broken_file_answers_422_with_the_chinese_message(signed_in, conn):
    """Random bytes get the damaged-file page, not a server error."""
    response = post_sheet(signed_in("admin"), b"PK\x03\x04 not really a zip")
    assert response.status_code == 422
    assert "xlsx 文件已损坏" in response.get_data(as_text=True)


def test_http_post_without_a_file_asks_for_one(signed_in):
    """Submitting the form with no file is a 422 asking for a file."""
    c = signed_in("admin")
    response = c.post("/enterprises/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请选择要导入的" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["manager1", "grid1", "leader1"])
def test_http_enterprise_staff_and_grid_workers_may_not_import(signed_in, conn, username):
    """Only government accounts above the grid may import enterprises."""
    before = count(conn)
    response = post_sheet(signed_in(username), xlsx(good_rows()))
    assert response.status_code == 403
    assert count(conn) == before


def test_http_template_download_is_refused_to_a_manager(signed_in):
    """The import template is for those who may import."""
    assert signed_in("manager1").get("/enterprises/import/template.xlsx").status_code == 403


def test_template_has_the_labels_as_header_and_imports_once_the_grid_is_filled(signed_in, conn):
    """The downloaded template's header is the field labels; its example row imports when the grid is set."""
    c = signed_in("admin")
    response = c.get("/enterprises/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS
    example = [cell.value for cell in sheet[2]]
    assert len(example) == len(KEYS)
    sheet.cell(row=2, column=KEYS.index("grid") + 1, value=GRID1)
    out = io.BytesIO()
    book.save(out)
    before = count(conn)
    response = post_sheet(c, out.getvalue(), "企业导入模板.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count(conn) == before + 1
    imported = by_code(conn, credit_code.normalize(example[KEYS.index("credit_code")]))
    assert imported["name"] == example[0]
    assert imported["grid_id"] == grid_id(conn, GRID1)


# ---- sheets that would make the server read too much ----

def _with_sheet_xml(data: bytes, rewrite) -> bytes:
    """The xlsx with its sheet XML rewritten, every part deflated as Excel does."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            body = source.read(info.filename)
            z.writestr(info.filename, rewrite(body) if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


def _with_huge_cell(size: int) -> bytes:
    """A real template-shaped xlsx whose first enterprise name is `size` letters A: tiny zipped, huge unzipped."""
    marker = "替换为超长内容"
    rows = good_rows()
    rows[0][KEYS.index("name")] = marker
    huge = b"A" * size
    return _with_sheet_xml(xlsx(rows), lambda body: body.replace(marker.encode(), huge))


def _saved(conn) -> tuple:
    return count(conn), conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]


def test_xlsx_unzipping_past_the_limit_is_refused_quickly_with_a_small_page(signed_in, conn):
    """A 60 MB cell zipped into a small file: refused before it is inflated, in Chinese, with a short page."""
    data = _with_huge_cell(60 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    before = _saved(conn)
    started = time.monotonic()
    response = post_sheet(signed_in("admin"), data)
    assert time.monotonic() - started < 3
    assert response.status_code == 422
    assert f"表格解压后超过 {importer.MAX_UNZIPPED_MB} MB，请拆分后再导入" in response.get_data(as_text=True)
    assert len(response.data) < 20 * 1024
    assert _saved(conn) == before


def test_xlsx_part_that_inflates_absurdly_is_refused(conn, admin_id):
    """Under the size limit but inflating over a hundredfold: refused as not a sheet Excel saved."""
    problems, imported = run(conn, admin_id, "x.xlsx", _with_huge_cell(10 * 1024 * 1024))
    assert imported == 0
    assert len(problems) == 1 and "压缩比过高" in problems[0][1]


def test_overlong_cell_is_refused_naming_row_and_column_with_a_short_quote(signed_in, conn):
    """A 5,000-character address: the page names row 3 and column F and repeats only its first characters."""
    rows = good_rows()
    address = "泉州市丰泽区东海街道" + "".join(chr(0x4E00 + n % 2000) for n in range(4990))
    rows[1][KEYS.index("address")] = address
    before = _saved(conn)
    response = post_sheet(signed_in("admin"), xlsx(rows))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 3 行" in html and "F 列（地址）" in html and f"{importer.MAX_CELL} 个字" in html
    assert f"“{address[:enterprises.QUOTE_CHARS]}…”" in html
    assert address[:enterprises.QUOTE_CHARS + 1] not in html
    assert len(response.data) < 20 * 1024
    assert _saved(conn) == before


def test_overlong_cell_in_a_csv_is_refused_too(conn, admin_id):
    """The same length limit holds for CSV, with the row and column named."""
    rows = good_rows()
    rows[2][KEYS.index("principal_name")] = "张" * (importer.MAX_CELL + 1)
    problems, imported = run(conn, admin_id, "x.csv", csv_bytes(rows, "utf-8-sig"))
    assert imported == 0
    assert len(problems) == 1 and problems[0][0] == 4
    assert "G 列（主要负责人）" in problems[0][1]
    assert "张" * (enterprises.QUOTE_CHARS + 1) not in problems[0][1]


def test_csv_field_past_the_csv_readers_limit_is_a_chinese_message_not_an_error(conn, admin_id):
    """A field longer than Python's csv module accepts gives a message, not a server error."""
    data = csv_bytes(good_rows(), "utf-8-sig") + ('"' + "A" * 200_000 + '"\n').encode()
    problems, imported = run(conn, admin_id, "x.csv", data)
    assert imported == 0
    assert len(problems) == 1 and "CSV" in problems[0][1]


def test_error_messages_repeat_only_the_start_of_a_long_value(conn, admin_id):
    """A long unknown industry, phone, grid or header is quoted by its first characters and an ellipsis."""
    rows = good_rows()
    industry = "食品加工" * 30
    phone = "1390595" * 20
    grid = "不存在的网格" * 20
    rows[0][KEYS.index("industry")] = industry
    rows[1][KEYS.index("principal_phone")] = phone
    rows[2][KEYS.index("grid")] = grid
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    messages = " ".join(message for _, message in problems)
    for value in (industry, phone, grid):
        assert f"“{value[:enterprises.QUOTE_CHARS]}…”" in messages
        assert value[:enterprises.QUOTE_CHARS + 1] not in messages
    header = "备注" * 100
    problems, _ = run(conn, admin_id, "x.xlsx", xlsx([[*r, "x"] for r in good_rows()], header=[*HEADERS, header]))
    assert problems == [(1, f"表头有无法识别的列：{header[:enterprises.QUOTE_CHARS]}…")]


def test_sheet_wider_than_the_column_limit_is_refused(conn, admin_id):
    """A value past the last column the importer reads refuses the sheet, naming the row."""
    rows = good_rows()
    rows[1] = rows[1] + [None] * (importer.MAX_COLUMNS - len(rows[1])) + ["多出的一列"]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert problems == [(3, f"表格超过 {importer.MAX_COLUMNS} 列，请使用导入模板的列")]


def test_a_sheet_of_many_bad_rows_lists_the_first_problems_and_counts_the_rest(conn, admin_id):
    """Hundreds of bad rows: the first problems are listed and one line says how many more there are."""
    rows = [row(name=f"企业{n}", credit_code=code(100 + n), industry="食品加工", size_class="小微", grid=GRID2)
            for n in range(importer.MAX_PROBLEMS + 50)]
    problems, imported = run(conn, admin_id, "x.xlsx", xlsx(rows))
    assert imported == 0
    assert len(problems) == importer.MAX_PROBLEMS + 1
    assert problems[-1] == (None, "另有 50 处问题未列出，请先改正以上问题后重新上传")
