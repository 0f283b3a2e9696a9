"""Reading an uploaded xlsx sheet of records: the file (through the enterprise importer's reader, its size, zip-bomb
and cell limits included), each cell as typed, the header against the template's columns, the data rows, the units
by the path a sheet writes, and a refusal that names every bad row and saves nothing."""

import io
import re
from dataclasses import dataclass, field

from openpyxl import Workbook

from . import importer, units
from .enterprises import quote

# A technical cap, not a domain rule: one sheet holds one enterprise's records, and an enterprise with more than
# this many imports them in parts, so one upload never holds the write lock for long.
MAX_ROWS = 500
SEPARATORS = ("／", "\\", "＼")  # typed for "/" between a workshop and its post


class Rejected(ValueError):
    """A sheet that saves nothing: [(spreadsheet row or None, Chinese reason)]."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        super().__init__("；".join(message for _, message in problems))
        self.problems = problems


@dataclass
class Checked:
    """A sheet's rows as its importer saves them (each with its row number), and the problems found before saving."""

    rows: list = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def read(filename: str, data: bytes) -> list[list]:
    """The sheet's rows; Rejected when the file is not a readable sheet."""
    try:
        return importer.read(filename, data)
    except ValueError as exc:
        raise Rejected([(getattr(exc, "row", None), str(exc))]) from exc


def text(value) -> str:
    """A cell as typed: a number Excel kept as 119.0 reads 119."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def label(cell) -> str:
    """A header cell as its column is known: no star, no spaces, no note in brackets at the end."""
    typed = re.sub(r"\s+", "", text(cell).lstrip("*"))
    return re.sub(r"[（(][^（()）]*[)）]$", "", typed) or typed


def header(table: list[list], columns: dict[str, str], required: tuple, hint: str) -> list[str | None]:
    """The key in `columns` (label → key) of each header cell; Rejected when a `required` label is missing or one is
    unknown or doubled. `hint` names the first columns, for a sheet whose first row is empty."""
    if not table or not any(text(cell) for cell in table[0]):
        raise Rejected([(1, f"第一行应为表头（{hint}……），请使用导入模板")])
    found = [label(cell) for cell in table[0]]
    problems = []
    unknown = [name for name in found if name and name not in columns]
    if unknown:
        problems.append((1, f"表头有无法识别的列：{'、'.join(f'“{quote(name)}”' for name in unknown)}"))
    twice = sorted({name for name in found if name and found.count(name) > 1})
    if twice:
        problems.append((1, f"表头有重复的列：{'、'.join(twice)}"))
    missing = [name for name in required if name not in found]
    if missing:
        problems.append((1, f"缺少必填列：{'、'.join(missing)}"))
    if problems:
        raise Rejected(problems)
    return [columns.get(name) for name in found]


def body(table: list[list], noun: str) -> list[tuple[int, list]]:
    """The data rows that are not blank, with their spreadsheet numbers; Rejected when there are none or more than
    MAX_ROWS. `noun` is what one row is (标识, 风险点)."""
    found = [(number, row) for number, row in enumerate(table[1:], start=2) if any(text(cell) for cell in row)]
    if not found:
        raise Rejected([(None, f"表格中没有{noun}数据：从第 2 行起每行填写一个{noun}")])
    if len(found) > MAX_ROWS:
        raise Rejected([(None, f"一次最多导入 {MAX_ROWS} 个{noun}，请把表格拆开分批导入")])
    return found


def refuse(problems: list[tuple[int | None, str]]) -> None:
    """Rejected (which rolls the caller's transaction back) with the problems in row order, the first
    importer.MAX_PROBLEMS of them, when there are any."""
    if not problems:
        return
    problems = sorted(problems, key=lambda problem: problem[0] or 0)
    if len(problems) > importer.MAX_PROBLEMS:
        hidden = len(problems) - importer.MAX_PROBLEMS
        problems = [*problems[:importer.MAX_PROBLEMS], (None, f"另有 {hidden} 处问题未列出，请先改正以上问题")]
    raise Rejected(problems)


def places(db, enterprise_id: int) -> dict[str, int]:
    """The enterprise's units by the path a sheet writes: '储配站' for a workshop, '储配站/充装班' for a post."""
    found = {}
    for workshop in units.tree(db, enterprise_id):
        found.setdefault(workshop["name"], workshop["id"])
        for post in workshop["posts"]:
            found.setdefault(f"{workshop['name']}/{post['name']}", post["id"])
    return found


def path(typed: str) -> str:
    """A unit as typed, written the way `places` knows it: '储配站 ／ 充装班' reads '储配站/充装班'."""
    for mark in SEPARATORS:
        typed = typed.replace(mark, "/")
    return "/".join(part.strip() for part in typed.split("/"))


def saved(book: Workbook) -> io.BytesIO:
    """A template workbook as the file to download."""
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out
