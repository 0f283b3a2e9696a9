"""Exports of long lists: every matching hazard, read in keyset pages and written row by row (write-only mode)."""

import io
import re
import zipfile
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from anbiao import exports

from .loop_helpers import ent_id, uid

MANY = 1_200  # more than two keyset pages
FORMULAS = ["=1+1", '=HYPERLINK("http://example.com","点此")', "+1+1", "-2+3", "@SUM(A1)"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _copies(conn, enterprise, count, describe=lambda n: f"批量隐患 {n:05d}", **values):
    """`count` more hazards of an enterprise, copies of its first one with their own descriptions (and `values`)."""
    columns = [r[1] for r in conn.execute("PRAGMA table_info(hazards)")
               if r[1] not in ("id", "description", *values)]
    first = conn.execute("SELECT MIN(id) FROM hazards WHERE enterprise_id = ?", (enterprise,)).fetchone()[0]
    names = ", ".join([*columns, "description", *values])
    conn.conn.executemany(
        f"INSERT INTO hazards ({names}) SELECT {', '.join(columns)}, ?{', ?' * len(values)} FROM hazards WHERE id = ?",
        [(describe(n), *(v(n) if callable(v) else v for v in values.values()), first) for n in range(count)])
    conn.conn.commit()


def _export(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert response.content_length == len(response.data)  # the browser can show how far the download is
    return response.data


def _records(data) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=3, values_only=True))


@pytest.mark.parametrize("kind", ["hazards", "rectifications"])
def test_export_contains_every_matching_hazard_beyond_one_page(manager, conn, kind):
    """1,200 more hazards: every one of them is a row, numbered on, newest first, none twice, none left out."""
    enterprise, owner = ent_id(conn), uid(conn, "leader1")
    _copies(conn, enterprise, MANY, owner_id=lambda n: owner if n % 3 else None)  # two in three in the 整改清单
    listed = "" if kind == "hazards" else " AND (owner_id IS NOT NULL OR on_the_spot = 1)"
    expected = [r[0] for r in conn.execute(f"SELECT description FROM hazards WHERE enterprise_id = ?{listed}"
                                           " ORDER BY id DESC", (enterprise,))]
    assert len(expected) > (2 if kind == "hazards" else 1) * exports.PAGE_ROWS
    records = _records(_export(manager, f"/enterprises/{enterprise}/{kind}?format=xlsx"))
    assert len(records) == len(expected)
    assert [r[0] for r in records] == list(range(1, len(expected) + 1))
    assert [r[3 if kind == "hazards" else 1] for r in records] == expected


def test_streamed_export_follows_the_filters_on_every_page(manager, conn):
    """level=major over 1,200 hazards, half of them major: exactly the major ones, from every page."""
    enterprise = ent_id(conn)
    _copies(conn, enterprise, MANY, level=lambda n: "major" if n % 2 else "general")
    majors = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ? AND level = 'major'",
                          (enterprise,)).fetchone()[0]
    assert majors > exports.PAGE_ROWS
    records = _records(_export(manager, f"/enterprises/{enterprise}/hazards?format=xlsx&level=major"))
    assert len(records) == majors
    assert {r[5] for r in records} == {"重大"}


def test_streamed_export_has_no_formula_cells(manager, conn):
    """Formula-like text on the last page and in the title stays text: no formula in the file, typed as shown."""
    enterprise = ent_id(conn)
    # The oldest rows come last, so the formula-like ones are written on the third page, not the first.
    _copies(conn, enterprise, len(FORMULAS), describe=lambda n: FORMULAS[n])
    _copies(conn, enterprise, MANY)
    conn.execute("UPDATE hazards SET description = '=1+1' WHERE id = (SELECT MAX(id) FROM hazards)")
    name = '=HYPERLINK("http://example.com","点此领奖")'
    conn.execute("UPDATE enterprises SET name = ? WHERE id = ?", (name, enterprise))
    conn.conn.commit()
    data = _export(manager, f"/enterprises/{enterprise}/hazards?format=xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert not re.search(r"<(\w+:)?f[ >]", book.read("xl/worksheets/sheet1.xml").decode())
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert sheet["A1"].value == f"{name}隐患清单" and sheet["A1"].data_type == "s"
    typed = [cell for cell in cells if cell.value in FORMULAS]
    assert {cell.value for cell in typed} == set(FORMULAS)
    assert max(cell.row for cell in typed) > 2 + 2 * exports.PAGE_ROWS
    assert sheet.cell(3, 4).value == "=1+1"  # the newest, on the first page
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in typed)


def test_streamed_export_keeps_the_print_setup(manager, conn):
    """A long list still prints as the short one: A4 landscape one page wide, header on every page, footer,
    its column widths, the title merged across, wrapped text no smaller than 9 pt, rows as tall as their text."""
    enterprise = ent_id(conn)
    text = "消防通道被空钢瓶和废旧托盘占用，宽度不足一点五米"
    _copies(conn, enterprise, MANY, describe=lambda n: text * (1 + n % 3))
    sheet = load_workbook(io.BytesIO(_export(manager, f"/enterprises/{enterprise}/hazards?format=xlsx"))).active
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows in ("2:2", "$2:$2")
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert [sheet.column_dimensions[c].width for c in "ABCDEFGHIJK"] == [w for _, w in exports.HAZARD_COLUMNS]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:K1"]
    assert [c.value for c in sheet[2]] == [name for name, _ in exports.HAZARD_COLUMNS]
    assert sheet.max_row > 2 + MANY
    heights = {}
    for row in sheet.iter_rows(min_row=3):
        assert all(c.font.sz >= 9 and c.alignment.wrap_text and c.border.left.style == "thin" for c in row)
        heights.setdefault(row[3].value, set()).add(sheet.row_dimensions[row[0].row].height)
    short, long = heights[text], heights[text * 3]
    assert len(short) == 1 and len(long) == 1 and max(long) > max(short) > 0


def test_photo_export_over_its_cap_is_refused_with_the_count_not_cut(manager, conn):
    """photos=1 on more hazards than one export may draw: no file, a message with both numbers; without photos
    the same list exports whole."""
    enterprise = ent_id(conn)
    _copies(conn, enterprise, exports.PHOTO_ROWS_MAX + 1)
    total = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ?", (enterprise,)).fetchone()[0]
    response = manager.get(f"/enterprises/{enterprise}/hazards?format=xlsx&photos=1")
    assert response.status_code == 302
    assert "format" not in unquote(response.headers["Location"]) and "photos" not in response.headers["Location"]
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert f"含照片的清单一次最多导出 {exports.PHOTO_ROWS_MAX} 条隐患，当前筛选出 {total} 条" in page
    assert len(_records(_export(manager, f"/enterprises/{enterprise}/hazards?format=xlsx"))) == total


def test_export_longer_than_one_request_may_write_is_refused_with_the_count(manager, conn):
    """More hazards than ROWS_MAX: refused before any writing, saying how many and how to narrow the list."""
    enterprise = ent_id(conn)
    _copies(conn, enterprise, exports.ROWS_MAX + 1)
    total = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ?", (enterprise,)).fetchone()[0]
    response = manager.get(f"/enterprises/{enterprise}/hazards?format=xlsx")
    assert response.status_code == 302
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert f"清单一次最多导出 {exports.ROWS_MAX} 条隐患，当前筛选出 {total} 条" in page
