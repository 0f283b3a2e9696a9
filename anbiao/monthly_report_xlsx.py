"""The monthly report forms as xlsx laid out like the official ones: merged headers, A4 landscape, the 填报单位 /
填表人 / 联系电话 / date heading, a figure in every cell."""

import io
import math

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from .monthly_reports import FORMS, scope_label, table

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "SimSun"  # 宋体, as official forms are set; LibreOffice falls back to an installed CJK font
BODY_PT = 9
TITLE_PT = 16
COLUMN_CHARS = 4.6  # a narrow figure column: two Chinese characters a line
FIRST_CHARS = 8
PT_PER_CHAR = 5.6  # one unit of column width in points (the default font's digit, as LibreOffice lays it out)
LINE = 1.35


def _lines(text: str, width_chars: float) -> int:
    """Lines a wrapped header cell needs at BODY_PT in a column `width_chars` wide (Chinese characters are square)."""
    per_line = max(1, math.floor((width_chars * PT_PER_CHAR - 4) / BODY_PT))
    ems = sum(1 if ord(ch) > 0x2E80 else 0.55 for ch in text)
    return max(1, math.ceil(ems / per_line))


def xlsx(report: dict) -> bytes:
    """The report as the official form: title, heading line, merged headers, the figures, the notes; A4 landscape,
    fitted to the page width."""
    lay = report["layout"]
    grid = table(lay, report["values"], report["unit"])
    book = Workbook()
    sheet = book.active
    sheet.title = FORMS[report["form"]][2]
    width = grid["width"]
    widths = [FIRST_CHARS] + [c.get("width") or COLUMN_CHARS for c in lay["columns"]]
    for n, chars in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = chars
    plain = Font(name=FONT, size=BODY_PT)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def merged(row, col, text, rowspan=1, colspan=1, font=plain, align=centre, box=True):
        cell = sheet.cell(row=row, column=col, value=text)
        cell.font, cell.alignment = font, align
        if isinstance(text, str):
            cell.data_type = "s"  # text typed by people stays text, never a formula
        if rowspan > 1 or colspan > 1:
            sheet.merge_cells(start_row=row, start_column=col, end_row=row + rowspan - 1,
                              end_column=col + colspan - 1)
        if box:
            for r in range(row, row + rowspan):
                for c in range(col, col + colspan):
                    sheet.cell(row=r, column=c).border = BOX
        return cell

    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    merged(1, 1, lay["annex"], colspan=3, font=Font(name=FONT, size=12, bold=True), align=left, box=False)
    merged(2, 1, lay["title"], colspan=width, font=Font(name=FONT, size=TITLE_PT, bold=True), box=False)
    sheet.row_dimensions[2].height = TITLE_PT * 2
    heading = report.get("heading") or {}
    when = heading.get("date") or ""
    day = f"{when[:4]}年{int(when[5:7])}月{int(when[8:10])}日" if when else "    年    月    日"
    thirds = [(1, width * 4 // 10), (width * 4 // 10 + 1, width * 6 // 10), (width * 6 // 10 + 1, width * 8 // 10),
              (width * 8 // 10 + 1, width)]
    texts = [f"填报单位（盖章）：{heading.get('unit_name', '')}", f"填表人：{heading.get('person', '')}",
             f"联系电话：{heading.get('phone', '')}", day]
    for (start, end), text in zip(thirds, texts, strict=True):
        merged(3, start, text, colspan=end - start + 1, font=Font(name=FONT, size=11), align=left, box=False)
    sheet.row_dimensions[3].height = 24
    top = 4
    positions = _placed(grid["header"], top, width)
    for (row, col), cell in positions:
        merged(row, col, cell["text"], cell["rowspan"], cell["colspan"], font=Font(name=FONT, size=BODY_PT, bold=True))
    for level in range(grid["depth"]):
        # A header row is as tall as its tallest wrapped cell that ends on it.
        need = [_lines(cell["text"], sum(widths[col - 1:col - 1 + cell["colspan"]])) / cell["rowspan"]
                for (row, col), cell in positions if row <= top + level < row + cell["rowspan"]]
        sheet.row_dimensions[top + level].height = max(need + [1]) * BODY_PT * LINE + 4
    first = top + grid["depth"]
    for (row, col), cell in _placed(grid["body"], first, width):
        value = cell.get("value") if "value" in cell else cell["text"]
        merged(row, col, value, cell["rowspan"], cell["colspan"])
    for n in range(len(grid["body"])):
        sheet.row_dimensions[first + n].height = max(
            [BODY_PT * LINE * 2 + 4] + [_lines(c["text"], widths[0]) * BODY_PT * LINE + 4
                                         for c in grid["body"][n] if c.get("unit") or c.get("label")])
    notes_row = first + len(grid["body"])
    notes = "注：" + "；".join(f"{n}.{text}" for n, text in enumerate(lay["notes"], start=1)) + "。"
    merged(notes_row, 1, notes, colspan=width, align=left, box=False)
    chars_per_line = sum(widths) * PT_PER_CHAR / BODY_PT * 0.95
    sheet.row_dimensions[notes_row].height = math.ceil(len(notes) / chars_per_line) * BODY_PT * LINE + 6
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.2, footer=0.2)
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{top}:{first - 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _placed(lines: list[list[dict]], top: int, width: int) -> list[tuple[tuple[int, int], dict]]:
    """Each cell of HTML-like rows (with row and column spans) at its sheet position."""
    taken: set[tuple[int, int]] = set()
    out = []
    for n, line in enumerate(lines):
        row, col = top + n, 1
        for cell in line:
            while (row, col) in taken:
                col += 1
            out.append(((row, col), cell))
            for r in range(row, row + cell["rowspan"]):
                for c in range(col, col + cell["colspan"]):
                    taken.add((r, c))
            col += cell["colspan"]
        assert col - 1 <= width
    return out


def filename(report: dict) -> str:
    """The download's name: annex, form, month, scope."""
    year, month = report["month"].split("-")
    return (f"{FORMS[report['form']][1]} {FORMS[report['form']][2]} {year}年{int(month)}月"
            f" {scope_label(report['scope'])}{'' if report.get('id') else '（草稿）'}.xlsx")
