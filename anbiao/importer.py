"""Import many enterprises from an xlsx or CSV sheet: every bad row reported, nothing saved unless all are good."""

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from . import enterprises
from .enterprises import quote

# Technical limits on what one upload may make the server read; they are not domain rules, so they live here
# rather than in inspect/. A full sheet of 5,000 enterprises unzips to about 4 MB and compresses about 15 to 1.
MAX_ROWS = 5000
MAX_UNZIPPED_MB = 50
MAX_UNZIPPED = MAX_UNZIPPED_MB * 1024 * 1024
MAX_RATIO = 100  # a part that inflates more than this is built to blow up, not saved by Excel
RATIO_FROM = 1024 * 1024  # small parts may compress as well as they like
MAX_COLUMNS = 50  # the template has 18; wider rows would only make every row cost more memory
MAX_CELL = 2000  # characters; no field of the enterprise file is anywhere near
MAX_PROBLEMS = 200  # more than this on one page helps nobody; the rest follow once these are fixed
BY_HEADER = {label: key for key, label, _ in enterprises.FIELDS} | {key: key for key, _, _ in enterprises.FIELDS}
BROKEN = "xlsx 文件已损坏或不是 Excel 文件，请重新保存后再导入"


class SheetError(ValueError):
    """A sheet refused as a whole, with the Chinese reason and the spreadsheet row it is on, if any."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


def _check_cells(number: int, row: list, header: list) -> None:
    """Refuse a row with a cell far longer than any field, naming the row and column and quoting its start."""
    for index, value in enumerate(row):
        if isinstance(value, str) and len(value) > MAX_CELL:
            label = str(header[index]).strip().lstrip("*") if index < len(header) and header[index] is not None else ""
            where = f"{get_column_letter(index + 1)} 列" + (f"（{quote(label)}）" if label and number > 1 else "")
            raise SheetError(f"{where}的内容有 {len(value)} 个字，超过 {MAX_CELL} 个字的上限：“{quote(value)}”，"
                             "请检查是否粘贴错了内容", number)


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
    reader, found = csv.reader(io.StringIO(text)), []
    try:
        for row in reader:
            _check_cells(len(found) + 1, row, found[0] if found else [])
            found.append(row)
    except csv.Error as exc:  # a field past the csv module's own limit, or a stray quote
        raise SheetError("CSV 文件格式有误（引号不成对或内容过长），请在 Excel 中另存为 xlsx 后再导入",
                         reader.line_num) from exc
    return found


def _inspect_zip(data: bytes) -> None:
    """Refuse, before anything is inflated, an xlsx that would unzip to more than the server should read."""
    # zipfile never inflates a part past the size its directory declares, so the declared sizes are a real bound.
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetError(BROKEN) from exc
    if sum(part.file_size for part in parts) > MAX_UNZIPPED:
        raise SheetError(f"表格解压后超过 {MAX_UNZIPPED_MB} MB，请拆分后再导入")
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise SheetError("表格文件内容异常（压缩比过高），请在 Excel 中打开并另存为新的 xlsx 后再导入")


def _xlsx_rows(data: bytes) -> list[list]:
    _inspect_zip(data)
    found = []
    try:
        # Read-only mode streams the sheet row by row instead of building every cell in memory.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Rows are parsed lazily, so a damaged sheet only shows while reading them. One column more than
        # allowed is read to tell a sheet that is too wide; the declared size of a sheet is not trusted.
        for number, row in enumerate(book.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1, values_only=True),
                                     start=1):
            if row and row[-1] is not None:
                raise SheetError(f"表格超过 {MAX_COLUMNS} 列，请使用导入模板的列", number)
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            _check_cells(number, values, found[0] if found else [])
            found.append(values)
            if len(found) > MAX_ROWS + 1:
                break
        book.close()
    except SheetError:
        raise
    except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError, TypeError, SyntaxError) as exc:
        # SyntaxError covers xml.etree's ParseError for XML cut short inside a valid zip.
        raise SheetError(BROKEN) from exc
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
        listed = "、".join(quote(h) for h in unknown[:10]) + (f" 等 {len(unknown)} 列" if len(unknown) > 10 else "")
        problems.append((1, f"表头有无法识别的列：{listed}"))
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
        return [(getattr(exc, "row", None), str(exc))], 0
    problems, cleaned = check(db, table)
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], (None, f"另有 {rest} 处问题未列出，请先改正以上问题后重新上传")]
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
