"""The government's records of an enterprise's standardization: 达标 gradings (national / provincial / local /
self-assessed, with the level 一级–三级 for national and provincial) and 星级评定 (一星 to 三星; 三星 授牌, 二星 公示),
each with its date.
Every record is kept as history (table gradings); the newest by date sets the enterprise's standard_status,
standard_grade and star_rating, which drive the file, the lists and the overview. A record dated before the current one
is history only. The seed 003 ledgers (达标 / 未达标 / 新增) are read from those columns.
"""

from datetime import UTC, date, datetime, time

from . import audit
from .db import now, one, rows
from .due import TZ, local_now
from .enterprises import SIZE_CLASSES, STANDARD_STATUS, standard_label
from .inspections import Refused

STARS = {0: "不予评定", 1: "一星", 2: "二星", 3: "三星"}
KINDS = {"grade": "达标评定", "star": "星级评定"}
LEDGERS = {"graded": "达标企业", "ungraded": "未达标企业", "new": "新增企业"}
GRADED = ("national", "provincial", "local")
UNGRADED = ("none", "self_assessed")
MAX_NOTE = 500
PAGE = 50
NEW_COUNT_CAP = 10_000  # the 新增 count walks enterprises by id; past this it says "more than"


def _day(value, label, field, problems, reasons, required=True) -> str | None:
    text = str(value or "").strip()
    if not text:
        if required:
            problems.append(f"请填写{label}")
            reasons.setdefault(field, []).append(f"请填写{label}")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        said = f"{label}应为日期，如 2024-03-15"
    else:
        if day <= local_now().date():
            return day.isoformat()
        said = f"{label}不能晚于今天"
    problems.append(said)
    reasons.setdefault(field, []).append(said)
    return None


def check(kind: str, form) -> dict:
    """A grading or star record's fields, checked; raises Refused naming each field."""
    problems: list[str] = []
    reasons: dict = {}

    def refuse(field, said):
        problems.append(said)
        reasons.setdefault(field, []).append(said)

    note = " ".join(str(form.get("note") or "").split())
    if len(note) > MAX_NOTE:
        refuse("note", f"说明不超过{MAX_NOTE}字")
    values = {"kind": kind, "note": note, "standard_status": None, "standard_grade": None, "star_rating": None,
              "publicised_on": None, "plaque_on": None}
    if kind == "grade":
        status = form.get("standard_status") or ""
        grade = str(form.get("standard_grade") or "").strip()
        if status not in STANDARD_STATUS:
            refuse("standard_status", "请选择达标类型")
        elif status in ("national", "provincial"):
            if grade not in ("1", "2", "3"):
                refuse("standard_grade", "国标、省标达标须选择达标等级（一级、二级、三级）")
            else:
                values["standard_grade"] = int(grade)
        elif grade:
            refuse("standard_grade", "只有国标、省标达标才分等级（地标达标、自评不分级）")
        if status == "none" and not note:
            refuse("note", "撤销达标（改为未创建），请写明原因")
        values["standard_status"] = status
        values["on_date"] = _day(form.get("on_date"), "评定日期", "on_date", problems, reasons)
    else:
        star = str(form.get("star_rating") or "").strip()
        if star not in ("0", "1", "2", "3"):
            refuse("star_rating", "请选择星级")
        else:
            values["star_rating"] = int(star)
            if star == "0" and not note:
                refuse("note", "不予评定星级，请写明原因")
        values["on_date"] = _day(form.get("on_date"), "评定日期", "on_date", problems, reasons)
        values["publicised_on"] = _day(form.get("publicised_on"), "公示日期", "publicised_on", problems, reasons,
                                       required=star == "2")
        values["plaque_on"] = _day(form.get("plaque_on"), "授牌日期", "plaque_on", problems, reasons,
                                   required=star == "3")
    if problems:
        raise Refused(problems, reasons)
    return values


def record(db, ent: dict, kind: str, form, by: int) -> int:
    """Record a grading or a star rating of an enterprise, keeping history; the newest by date sets the enterprise's
    columns. Returns the record's id; raises Refused writing nothing."""
    values = check(kind, form)
    newest = one(db, "SELECT MAX(on_date) AS on_date FROM gradings WHERE enterprise_id = ? AND kind = ?",
                 (ent["id"], kind))["on_date"]
    current = newest is None or values["on_date"] >= newest
    stamp = now()
    with db.atomic():
        record_id = db.execute(
            "INSERT INTO gradings (enterprise_id, kind, standard_status, standard_grade, star_rating, on_date,"
            " publicised_on, plaque_on, note, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (ent["id"], kind, values["standard_status"], values["standard_grade"], values["star_rating"],
             values["on_date"], values["publicised_on"], values["plaque_on"], values["note"], by, stamp)).lastrowid
        if current and kind == "grade":
            db.execute("UPDATE enterprises SET standard_status = ?, standard_grade = ?, updated_at = ? WHERE id = ?",
                       (values["standard_status"], values["standard_grade"], stamp, ent["id"]))
        elif current:
            db.execute("UPDATE enterprises SET star_rating = ?, updated_at = ? WHERE id = ?",
                       (values["star_rating"], stamp, ent["id"]))
        audit.record(db, by, kind, "enterprise", ent["id"],
                     {"grading": record_id, "current": current, "label": label(values), "on_date": values["on_date"]})
    return record_id


def label(g: dict) -> str:
    """A record as people read it: '国标二级', '地标', '三星（授牌 2024-05-01）'."""
    if g["kind"] == "grade":
        return standard_label(g)
    words = STARS.get(g["star_rating"], "")
    if g.get("plaque_on"):
        words += f"（授牌 {g['plaque_on']}）"
    elif g.get("publicised_on"):
        words += f"（公示 {g['publicised_on']}）"
    return words


def history(db, enterprise_id: int) -> list[dict]:
    """An enterprise's gradings and star ratings, newest date first, each with its words and who recorded it."""
    found = rows(db, "SELECT g.*, u.name AS recorder_name FROM gradings g LEFT JOIN users u ON u.id = g.recorded_by"
                     " WHERE g.enterprise_id = ? ORDER BY g.on_date DESC, g.id DESC", (enterprise_id,))
    for g in found:
        g["label"] = label(g)
    return found


# ---- the seed 003 ledgers: 达标, 未达标, 新增 ----

def _utc(day: date) -> str:
    """The stored (UTC) time at which a Beijing date begins."""
    return datetime.combine(day, time(0), TZ).astimezone(UTC).isoformat(timespec="seconds")


def period(args) -> tuple[date, date, list[str]]:
    """The 新增 ledger's period from a query string (both days inclusive; default this month so far) and problems."""
    today = local_now().date()
    start, end, problems = today.replace(day=1), today, []
    for key, label_text in (("from", "开始日期"), ("to", "结束日期")):
        text = (args.get(key) or "").strip()
        if text:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                problems.append(f"{label_text}格式不正确，应为 2024-11-22 这样的日期")
                continue
            start, end = (day, end) if key == "from" else (start, day)
    if start > end:
        problems.append("开始日期不能晚于结束日期")
        start, end = end, end
    return start, end, problems


def _conditions(kind: str, where: str, params: list, start: date, end: date) -> tuple[list[str], list]:
    conditions, args = [where], list(params)
    statuses = GRADED if kind == "graded" else UNGRADED if kind == "ungraded" else None
    if statuses:
        conditions.append(f"e.standard_status IN ({','.join('?' * len(statuses))})")
        args += statuses
    else:
        conditions.append("e.created_at >= ? AND e.created_at < ?")
        args += [_utc(start), _utc(date.fromordinal(end.toordinal() + 1))]
    return conditions, args


def ledger(db, kind: str, where: str, params: list, *, start: date, end: date, after: int | None = None,
           limit: int | None = PAGE) -> tuple[list[dict], int | None]:
    """One page of a ledger (`where` from scope.enterprise_where) in the order enterprises were enrolled (id), after
    the id `after`; each row with its grid, town, latest grading and star dates. Returns the page and the id to go on
    after when there is more. The walk is by the primary key and stops at its page, so it reads no more than it shows
    and what it passes over."""
    conditions, args = _conditions(kind, where, params, start, end)
    if after:
        conditions.append("e.id > ?")
        args.append(after)
    sql = ("SELECT e.id, e.name, e.credit_code, e.industry, e.size_class, e.standard_status, e.standard_grade,"
           " e.star_rating, e.created_at, e.address, e.principal_name, e.principal_phone, g.name AS grid_name,"
           " g.township FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id"
           f" WHERE {' AND '.join(f'({c})' for c in conditions)} ORDER BY e.id")
    if limit is not None:
        found = rows(db, sql + " LIMIT ?", [*args, limit + 1])
        more = found[limit - 1]["id"] if len(found) > limit else None
        found = found[:limit]
    else:
        found, more = rows(db, sql, args), None
    latest = _latest(db, [e["id"] for e in found])
    for e in found:
        e["standard"] = standard_label(e)
        e["size"] = SIZE_CLASSES.get(e["size_class"], "")
        e["graded_on"] = latest.get((e["id"], "grade"))
        e["starred_on"] = latest.get((e["id"], "star"))
    return found, more


def _latest(db, ids: list[int]) -> dict:
    """The date of each enterprise's newest grading and star record, by (enterprise, kind), read through the index."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {(r["enterprise_id"], r["kind"]): r["on_date"] for r in rows(
        db, f"SELECT enterprise_id, kind, MAX(on_date) AS on_date FROM gradings WHERE enterprise_id IN ({marks})"
            " GROUP BY enterprise_id, kind", ids)}


def counts(db, where: str, params: list, totals: dict, *, start: date, end: date) -> dict:
    """How many enterprises each ledger holds: 达标 and 未达标 from the overview's per-area sums (`totals`), 新增 by
    walking enrolment order up to NEW_COUNT_CAP (None beyond it)."""
    by = totals["by_standard"]
    conditions, args = _conditions("new", where, params, start, end)
    new = one(db, "SELECT COUNT(*) AS n FROM (SELECT e.id FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id"
                  f" WHERE {' AND '.join(f'({c})' for c in conditions)} ORDER BY e.id LIMIT ?)",
              [*args, NEW_COUNT_CAP + 1])["n"]
    return {"graded": sum(by.get(s, 0) for s in GRADED), "ungraded": sum(by.get(s, 0) for s in UNGRADED),
            "new": new if new <= NEW_COUNT_CAP else None}


def ledger_all(db, kind: str, where: str, params: list, *, start: date, end: date, size: int = 1000):
    """Every row of a ledger, a page at a time, so an export of a county keeps memory flat."""
    after = None
    while True:
        found, after = ledger(db, kind, where, params, start=start, end=end, after=after, limit=size)
        yield from found
        if after is None:
            return


COLUMNS = [("序号", 6), ("企业名称", 30), ("统一社会信用代码", 21), ("行业领域", 12), ("企业类型", 9),
           ("乡镇（街道）", 12), ("所属网格", 20), ("标准化状态", 11), ("达标评定日期", 12), ("星级", 7),
           ("建档日期", 11)]


def workbook(title: str, heading: str, found):
    """A ledger as an xlsx workbook (write-only, row by row), laid out for A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side

    from .due import as_local

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4; the write-only sheet lacks the name)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:3"
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    side = Side(style="thin", color="000000")
    box = Border(left=side, right=side, top=side, bottom=side)

    def cell(value, bold=False, size=10):
        c = WriteOnlyCell(sheet, value=value)
        c.font = Font(name="Arial", size=size, bold=bold)
        c.alignment = Alignment(wrap_text=True, vertical="center")
        if size == 10:
            c.border = box
        return c

    sheet.append([cell(title, bold=True, size=14)])
    sheet.append([cell(heading, size=11)])
    sheet.append([cell(name, bold=True) for name, _ in COLUMNS])
    n = 0
    for n, e in enumerate(found, 1):
        sheet.append([cell(v) for v in (
            n, e["name"], e["credit_code"], e["industry"], e["size"], e["township"] or "", e["grid_name"] or "",
            e["standard"], e["graded_on"] or "", STARS[e["star_rating"]] if e["star_rating"] else "未评定",
            as_local(e["created_at"]).date().isoformat())])
    sheet.append([cell(f"共 {n} 家", size=11)])
    return book
