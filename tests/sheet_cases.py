"""The files an xlsx import must refuse whole, each with the Chinese words it says: written once for the signs' and
the risk points' imports, whose tests check them with their own assertions."""

import io

import pytest
from openpyxl import Workbook


def workbook(*rows, header) -> bytes:
    """An xlsx file: `header` on the first row (no row when None), then `rows`."""
    book = Workbook()
    for cells in [header, *rows] if header is not None else rows:
        book.active.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unusable(noun: str, max_rows: int, sheet, row, unknown_header: list) -> list:
    """pytest params (file name, a function that makes the file, what the page says) for files that are not a sheet
    of `noun`s: `sheet(*rows, header=…)` writes the import's sheet, `row(n)` its nth good row, and `unknown_header`
    is a header whose last column no template has."""
    cases = [
        ("not-a-zip", ".xlsx", lambda: b"PK\x03\x04 this is not really a zip", "xlsx 文件已损坏或不是 Excel 文件"),
        ("xls", ".xls", lambda: b"\xd0\xcf\x11\xe0", "只支持 .xlsx"),
        ("txt", ".txt", lambda: b"hello", "只支持 .xlsx"),
        ("no-header", ".xlsx", lambda: workbook(header=None), "第一行应为表头"),
        ("header-only", ".xlsx", lambda: sheet(), f"表格中没有{noun}数据"),
        ("too-many", ".xlsx", lambda: sheet(*[row(n) for n in range(max_rows + 1)]),
         f"一次最多导入 {max_rows} 个{noun}"),
        ("unknown-column", ".xlsx", lambda: sheet(row(0), header=unknown_header),
         f"表头有无法识别的列：“{unknown_header[-1]}”"),
    ]
    return [pytest.param(noun + ending, make, said, id=name) for name, ending, make, said in cases]
