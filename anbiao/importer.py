"""Import many enterprises from an xlsx or CSV sheet: every bad row reported, nothing saved unless all are good."""

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook

from . import enterprises

MAX_ROWS = 5000
BY_HEADER = {label: key for key, label, _ in enterprises.FIELDS} | {key: key for key, _, _ in enterprises.FIELDS}


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("CSV 文件编码无法识别，请另存为 UTF-8 或用 xlsx")
    if "\x00" in text:
        raise ValueError("文件内容不是文本表格，请用 xlsx 或 CSV")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(data: bytes) -> list[list]:
    found = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Rows are parsed lazily, so a damaged sheet only shows while reading them.
        for row in book.worksheets[0].iter_rows(values_only=True):
            found.append(list(row))
            if len(found) > MAX_ROWS + 1:
                break
        book.close()
    except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError, TypeError, SyntaxError) as exc:
        # SyntaxError covers xml.etree's ParseError for XML cut short inside a valid zip.
        raise ValueError("xlsx 文件已损坏或不是 Excel 文件，请重新保存后再导入") from exc
    return found


def read(filename: str, data: bytes) -> list[list]:
    """The sheet's rows as lists of cell values; ValueError with a Chinese message when unreadable."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith(".csv"):
        return _csv_rows(data)
    raise ValueError("只支持 .xlsx 或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）")


def _blank(row) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


def check(db, table: list[list]) -> tuple[list[tuple[int | None, str]], list[dict]]:
    """([(row number, problem)], cleaned rows); row numbers are as the spreadsheet shows them."""
    if not table or _blank(table[0]):
        return [(1, "第一行应为表头（企业名称、统一社会信用代码……），请使用导入模板")], []
    header = [str(c).strip().lstrip("*") if c is not None else "" for c in table[0]]
    problems: list[tuple[int | None, str]] = []
    unknown = [h for h in header if h and h not in BY_HEADER]
    if unknown:
        problems.append((1, f"表头有无法识别的列：{'、'.join(unknown)}"))
    keys = [BY_HEADER.get(h) for h in header]
    missing = [label for key, label, required in enterprises.FIELDS if required and key not in keys]
    if missing:
        problems.append((1, f"缺少必填列：{'、'.join(missing)}"))
    if problems:
        return problems, []
    body = [(n, row) for n, row in enumerate(table[1:], start=2) if not _blank(row)]
    if not body:
        return [(None, "表格中没有企业数据")], []
    if len(body) > MAX_ROWS:
        return [(None, f"一次最多导入 {MAX_ROWS} 家企业，请分批导入")], []
    cleaned, seen = [], {}
    for number, row in body:
        raw = {key: row[i] if i < len(row) else None for i, key in enumerate(keys) if key}
        values, errors = enterprises.clean(db, raw)
        code = values.get("credit_code")
        if code and "credit_code" not in errors and code in seen:
            errors["credit_code"] = f"统一社会信用代码与第{seen[code]}行重复"
        seen.setdefault(code, number)
        for key, message in errors.items():
            problems.append((number, f"{enterprises.LABELS[key]}：{message}"))
        cleaned.append(values)
    return problems, cleaned


def import_file(db, filename: str, data: bytes, by) -> tuple[list[tuple[int | None, str]], int]:
    """Check the whole sheet, then save every row in one transaction, or none."""
    try:
        table = read(filename, data)
    except ValueError as exc:
        return [(None, str(exc))], 0
    problems, cleaned = check(db, table)
    if problems:
        return problems, 0
    with db.atomic():
        for values in cleaned:
            enterprises.create(db, values, by)
    return [], len(cleaned)


def template() -> io.BytesIO:
    """An empty sheet with the headers (required ones starred) and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "企业"
    sheet.append([("*" if required else "") + label for _, label, required in enterprises.FIELDS])
    sheet.append(["示例：泉州某某燃气有限公司", "91350100M000100Y43", "城镇燃气", "中等", "（填写网格名称）",
                  "泉州市丰泽区某路1号", "张三", "13905951234", "李四", "0595-22530717", "国标", "三级", "无",
                  "否", 0, "2024-03-01", "2024-03-05", "08:00,20:00"])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out
