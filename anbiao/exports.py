"""The 隐患清单 and 整改清单 as xlsx, laid out to print on A4 landscape the way offices file them."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

from .due import as_local

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _day(stamp) -> str:
    return as_local(stamp).strftime("%Y-%m-%d %H:%M") if stamp else ""


def _place(h) -> str:
    return " / ".join(x for x in (h["parent_unit_name"], h["unit_name"]) if x) or "全厂"


def _sheet(title: str, ent: dict, columns: list[tuple[str, int]], records: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([f"{ent['name']}{title}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([name for name, _ in columns])
    for record in records:
        sheet.append(record)
        for cell in sheet[sheet.max_row]:
            # What people typed stays text: "=HYPERLINK(...)" in a description must not become a live formula.
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                cell.data_type = "s"
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == 2:
                cell.font = Font(bold=True)
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def hazard_list(ent, found, hazards) -> io.BytesIO:
    """隐患清单: every hazard found, where, what kind, and where it stands."""
    columns = [("序号", 6), ("发现时间", 17), ("车间/岗位", 18), ("隐患描述", 40), ("类别", 14), ("等级", 6),
               ("来源", 9), ("发现人", 10), ("状态", 8), ("整改期限", 11), ("是否逾期", 8)]
    records = [[n, _day(h["reported_at"]), _place(h), h["description"], h["category_name"], hazards.LEVELS[h["level"]],
                hazards.SOURCES[h["source"]], h["reporter_name"], hazards.STATUS[h["status"]], h["deadline"] or "",
                "逾期" if h["overdue"] else ""] for n, h in enumerate(found, start=1)]
    return _sheet("隐患清单", ent, columns, records)


def rectification_list(ent, found, hazards) -> io.BytesIO:
    """整改清单: the 四定 of each hazard (and 预案 for major ones), and how it ended."""
    columns = [("序号", 6), ("隐患描述", 34), ("车间/岗位", 16), ("等级", 6), ("整改措施", 30), ("责任人", 10),
               ("资金(元)", 10), ("整改期限", 11), ("预案", 20), ("挂牌督办", 8), ("状态", 8), ("整改完成", 17),
               ("验收人", 10), ("闭环时间", 17)]
    records = [[n, h["description"], _place(h), hazards.LEVELS[h["level"]],
                "立行立改" if h["on_the_spot"] else h["measure"], h["owner_name"] or h["rectifier_name"] or "",
                h["money"] if h["money"] is not None else "", h["deadline"] or "", h["plan"] or "",
                "是" if h["supervised"] else "", hazards.STATUS[h["status"]], _day(h["rectified_at"]),
                h["verifier_name"] or "", _day(h["closed_at"])] for n, h in enumerate(found, start=1)]
    return _sheet("整改清单", ent, columns, records)
