"""The monthly report forms 附件3 and 附件4 (seed 001): each cell's figure counted from the records behind it, a
submitted report kept as a frozen snapshot, and the form as an xlsx laid out like the official one."""

import json
import re
from datetime import UTC, date, datetime, time

from . import audit, library, scope
from .db import now, one, rows
from .due import TZ, as_local

# form → (library code of its layout, annex label, short name)
FORMS = {"annex3": ("monthly-annex3", "附件3", "月报表（一）"), "annex4": ("monthly-annex4", "附件4", "月报表（二）")}
SIZES = ("above_scale", "medium", "small_micro")
COLOURS = ("red", "orange", "yellow", "blue")
GRADED = ("national", "provincial")
BENCHMARKS = ("city", "county", "township")
SIX_SIGNS = ("floor_line", "nameplate", "post_warning", "instruction", "flow_label", "valve_tag")
GOVERNMENT = scope.GOVERNMENT
STAFF = scope.ENTERPRISE_STAFF
REMIND_UNTIL = 3  # reports are due by the 3rd of the next month (附件3/附件4 注6、注5)
RECORDS_SHOWN = 200
HEADING = {"unit_name": "填报单位", "person": "填表人", "phone": "联系电话"}

# The figures a layout may name (inspect/README.md lists them in words).
_SIZE = "|".join(SIZES)
_COLOUR = "|".join(COLOURS)
FIGURE = re.compile(
    rf"none|enterprises(\.({_SIZE}))?|standard\.(({'|'.join(GRADED)})\.[123]|local|self_assessed)"
    rf"|benchmark\.({'|'.join(BENCHMARKS)})\.({_SIZE})|showcase\.({_SIZE})|colour\.({_COLOUR})(\.({_SIZE}))?"
    rf"|three_lists|five_s|six_signs|risk_points\.(enterprises|{_COLOUR})|hazards\.(self|government)\.(found|fixed)"
    rf"|inspections\.government|supervised\.(enterprises|hazards)|library\.({'|'.join(library.TIERS)})"
    r"|enforcement\.[a-z_]+\.(actions|enterprises|amount)")


class Refused(ValueError):
    """Bad input for a report, with the field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- The layout (inspect/reports/*.toml) -----------------------------------------------------------------------

def layout_problems(name: str, doc: dict, items: list) -> list[str]:
    """Everything wrong with a report form's layout, each as a Chinese sentence (anbiao/library.py calls this)."""
    out = [] if isinstance(doc.get("source"), str) and doc["source"].strip() else [f"{name}: 缺少 source（依据）"]
    parts = [i.get("part") for i in items]
    if any(p not in ("column", "unit", "note") for p in parts):
        out.append(f"{name}: part 应为 column（列）、unit（填报单位类型）或 note（注）")
    if "column" not in parts or "unit" not in parts:
        out.append(f"{name}: 至少要有一列（part = \"column\"）和一种填报单位类型（part = \"unit\"）")
    heights = set()
    for item in items:
        where = f"{name}（{item.get('code')}）"
        if item.get("part") == "unit" and item.get("scope") not in ("city", "county"):
            out.append(f"{where}: 填报单位类型的 scope 应为 city（市直单位）或 county（县、乡镇）")
        if item.get("part") == "note" and not str(item.get("content") or "").strip():
            out.append(f"{where}: 注须有 content")
        if item.get("part") != "column":
            continue
        groups = item.get("groups", [])
        if not isinstance(groups, list) or len(groups) > 2 or any(not isinstance(g, str) or not g for g in groups):
            out.append(f"{where}: groups 应为至多两层表头文字")
        given = [k for k in ("figure", "rows", "labels") if k in item]
        if len(given) != 1:
            out.append(f"{where}: figure、rows、labels 须有且只有一个")
            continue
        value = item[given[0]]
        if given[0] == "figure":
            if not isinstance(value, str) or not FIGURE.fullmatch(value):
                out.append(f"{where}: figure“{value}”不是可统计的数字（见 inspect/README.md）")
            continue
        if not isinstance(value, list) or not value or any(not isinstance(v, str) for v in value):
            out.append(f"{where}: {given[0]} 应为每个小行一项的文字列表")
            continue
        heights.add(len(value))
        if given[0] == "rows":
            out += [f"{where}: rows 里的“{v}”不是可统计的数字" for v in value if not FIGURE.fullmatch(v)]
        width = item.get("width")
        if width is not None and (not isinstance(width, int | float) or isinstance(width, bool) or width <= 0):
            out.append(f"{where}: width 应为正数（字符宽）")
    if len(heights) > 1:
        out.append(f"{name}: 各列 rows、labels 的小行数应相同")
    return out


def layout(db, form: str) -> dict:
    """A form's layout from the newest loaded version of its library document."""
    code = FORMS[form][0]
    doc = one(db, "SELECT * FROM library_docs WHERE code = ? ORDER BY version DESC LIMIT 1", (code,))
    if not doc:
        raise Refused("检查库里还没有这张报表的版式（inspect/reports/），请先运行 flask library load")
    parts = {"column": [], "unit": [], "note": []}
    for item in library.items(db, doc["id"]):
        extra = json.loads(item["extra"] or "{}")
        parts[extra.get("part", "column")].append(
            {"code": item["code"], "name": item["name"], "content": item["content"], **extra})
    height = max([len(c.get("rows") or c.get("labels") or [0]) for c in parts["column"]] + [1])
    return {"form": form, "code": code, "version": doc["version"], "title": doc["title"], "annex": FORMS[form][1],
            "columns": parts["column"], "units": parts["unit"], "notes": [n["content"] for n in parts["note"]],
            "height": height}


def figures_of(lay: dict) -> list[str]:
    """Every figure a layout's cells name, once each, in order."""
    found = []
    for column in lay["columns"]:
        for figure in ([column["figure"]] if "figure" in column else column.get("rows", [])):
            if figure != "none" and figure not in found:
                found.append(figure)
    return found


# --- The month and the scope -----------------------------------------------------------------------------------

def parse_month(text) -> str:
    """'YYYY-MM' of a month that has begun, or Refused."""
    text = (text or "").strip()
    hit = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not hit or not 1 <= int(hit.group(2)) <= 12 or int(hit.group(1)) < 2000:
        raise Refused("月份格式应为 年-月，如 2024-05", "month")
    month = f"{int(hit.group(1)):04d}-{int(hit.group(2)):02d}"
    today = datetime.now(TZ).date()
    if month > f"{today.year:04d}-{today.month:02d}":
        raise Refused("不能填报还没到的月份", "month")
    return month


def last_month(today: date) -> str:
    """The month a report is due for on `today`: the one before."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def bounds(month: str) -> dict:
    """The month's first day and the next month's, as local dates and as stored UTC instants."""
    year, number = int(month[:4]), int(month[5:])
    start = date(year, number, 1)
    end = date(year + (number == 12), number % 12 + 1, 1)
    return {"start": start.isoformat(), "end": end.isoformat(), "start_at": _utc(start), "end_at": _utc(end)}


def _utc(day: date) -> str:
    return datetime.combine(day, time(0), TZ).astimezone(UTC).isoformat(timespec="seconds")


def scope_of(user) -> dict:
    """A user's reporting scope as stored with a report: whose enterprises its figures count."""
    if user["role"] == "admin":
        return {"role": "admin"}
    found = {"role": "supervisor"}
    for key in ("industry", "county", "township"):
        if user.get(f"scope_{key}"):
            found[key] = user[f"scope_{key}"]
    return found


def scope_key(found: dict) -> str:
    return json.dumps(found, ensure_ascii=False, sort_keys=True)


def _where(found: dict) -> tuple[str, list]:
    """The stored scope as scope.py's condition on `enterprises e` joined with `grids g`."""
    return scope.enterprise_where({"role": found["role"], **{f"scope_{k}": found.get(k) for k in
                                                             ("industry", "county", "township")}})


def scope_label(found: dict) -> str:
    """The scope in words, for the heading's 填报单位 and the pages."""
    if found["role"] == "admin":
        return "全市"
    words = [found[k] for k in ("county", "township") if found.get(k)] or ["全市"]
    if found.get("industry"):
        words.append(f"{found['industry']}行业")
    return " ".join(words)


def unit_of(found: dict) -> str:
    """Which 填报单位类型 row the scope fills: a county's or town's office 县（市、区）, a city-wide one 市直单位."""
    return "county" if found.get("county") or found.get("township") else "city"


# --- The figures -----------------------------------------------------------------------------------------------

def _conditions(figure: str, month: dict, found: dict) -> tuple[str, str, list, str]:
    """(base, condition on the base's rows, its parameters, aggregate) for one figure."""
    part = figure.split(".")
    head = part[0]
    if head == "enterprises":
        return "enterprise", ("e.size_class = ?" if len(part) > 1 else "1"), part[1:], "count"
    if head == "standard":
        if part[1] in GRADED:
            return "enterprise", "e.standard_status = ? AND e.standard_grade = ?", [part[1], int(part[2])], "count"
        return "enterprise", "e.standard_status = ?", [part[1]], "count"
    if head == "benchmark":
        return "enterprise", "e.benchmark_level = ? AND e.size_class = ?", part[1:], "count"
    if head == "showcase":
        return "enterprise", "e.showcase = 1 AND e.size_class = ?", part[1:], "count"
    if head == "colour":
        return "enterprise", "e.colour = ?" + (" AND e.size_class = ?" if len(part) > 2 else ""), part[1:], "count"
    if head == "three_lists":
        lists = " AND ".join(
            f"EXISTS (SELECT 1 FROM checklists c WHERE c.enterprise_id = e.id AND c.tier = '{tier}'"
            " AND c.kind = 'check' AND c.archived_at IS NULL)" for tier in ("enterprise", "workshop", "post"))
        return "enterprise", lists, [], "count"
    if head == "five_s":
        return "enterprise", ("EXISTS (SELECT 1 FROM checklists c WHERE c.enterprise_id = e.id AND c.kind = 'five_s'"
                              " AND c.archived_at IS NULL)"), [], "count"
    if head == "six_signs":
        kinds = ",".join(f"'{k}'" for k in SIX_SIGNS)
        return "enterprise", (f"(SELECT COUNT(DISTINCT s.kind) FROM signs s WHERE s.enterprise_id = e.id"
                              f" AND s.retired_at IS NULL AND s.kind IN ({kinds})) = {len(SIX_SIGNS)}"), [], "count"
    if head == "risk_points":
        if part[1] == "enterprises":
            return "risk_point", "1", [], "enterprises"
        return "risk_point", "p.colour = ?", [part[1]], "count"
    if head == "hazards":
        roles = GOVERNMENT if part[1] == "government" else STAFF
        marks = ",".join(f"'{r}'" for r in roles)
        return f"hazard_{part[2]}", f"r.role IN ({marks})", [], "count"
    if head == "inspections":
        return "inspection", "1", [], "count"
    if head == "supervised":
        return "supervision", "1", [], "enterprises" if part[1] == "enterprises" else "count"
    if head == "library":
        return "library", "d.tier = ?", [part[1]], "count"
    if head == "enforcement":
        return "action", "a.kind = ?", [part[1]], {"actions": "count", "enterprises": "enterprises",
                                                   "amount": "amount"}[part[2]]
    raise Refused(f"不认识的数字“{figure}”")


def _base(base: str, month: dict, found: dict) -> tuple[str, list, str, str]:
    """(FROM … WHERE … of a base's rows in scope and month, parameters, the columns a record shows, its order)."""
    where, params = _where(found)
    inside = f"LEFT JOIN grids g ON g.id = e.grid_id WHERE ({where})"
    if base == "enterprise":
        return (f"FROM enterprises e {inside}", list(params),
                "e.id, e.name, e.size_class, e.standard_status, e.standard_grade, e.colour", "e.name, e.id")
    if base == "risk_point":
        return (f"FROM risk_points p JOIN enterprises e ON e.id = p.enterprise_id {inside}"
                " AND p.retired_at IS NULL", list(params),
                "p.id, p.name, p.colour, e.id AS enterprise_id, e.name AS enterprise_name", "e.name, p.id")
    if base in ("hazard_found", "hazard_fixed"):
        column = "reported_at" if base == "hazard_found" else "closed_at"
        return (f"FROM hazards h JOIN users r ON r.id = h.reported_by JOIN enterprises e ON e.id = h.enterprise_id"
                f" {inside} AND h.{column} >= ? AND h.{column} < ?", [*params, month["start_at"], month["end_at"]],
                "h.id, h.description AS name, h.level, h.reported_at, h.closed_at, r.name AS person,"
                " e.id AS enterprise_id, e.name AS enterprise_name", f"h.{column}, h.id")
    if base == "inspection":
        marks = ",".join(f"'{r}'" for r in GOVERNMENT)
        # Government visits fill the grid guide kept at each enterprise: read it by date, never every inspection.
        return (f"FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id JOIN checklists c ON c.enterprise_id = e.id"
                f" AND c.tier = 'grid' JOIN inspections i ON i.checklist_id = c.id AND i.submitted_at >= ?"
                f" AND i.submitted_at < ? JOIN users r ON r.id = i.inspector_id WHERE ({where})"
                f" AND i.corrects_id IS NULL AND r.role IN ({marks})", [month["start_at"], month["end_at"], *params],
                "i.id, i.submitted_at, r.name AS person, e.id AS enterprise_id, e.name AS enterprise_name",
                "i.submitted_at, i.id")
    if base == "supervision":
        return (f"FROM supervisions s JOIN hazards h ON h.id = s.hazard_id JOIN enterprises e ON e.id = h.enterprise_id"
                f" {inside} AND s.listed_on >= ? AND s.listed_on < ?", [*params, month["start"], month["end"]],
                "h.id, h.description AS name, s.level, s.listed_on, e.id AS enterprise_id,"
                " e.name AS enterprise_name", "s.listed_on, h.id")
    if base == "action":
        return (f"FROM enforcement_actions a JOIN enterprises e ON e.id = a.enterprise_id {inside}"
                " AND a.on_date >= ? AND a.on_date < ?", [*params, month["start"], month["end"]],
                "a.id, a.kind, a.on_date, a.amount, a.note, e.id AS enterprise_id, e.name AS enterprise_name",
                "a.on_date, a.id")
    if base == "library":
        # The library's documents are the city's standards; an industry's office counts its own and the general ones.
        industry = found.get("industry")
        return ("FROM library_docs d WHERE d.kind = 'checklist' AND d.version = (SELECT MAX(version) FROM"
                " library_docs x WHERE x.code = d.code)" + (" AND d.industry IN (?, ?)" if industry else ""),
                [industry, library.GENERAL] if industry else [], "d.id, d.title AS name, d.industry", "d.code")
    raise Refused(f"不认识的统计对象“{base}”")


_AGGREGATE = {"count": "COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)",
              "enterprises": "COUNT(DISTINCT CASE WHEN {c} THEN e.id END)",
              "amount": "COALESCE(SUM(CASE WHEN {c} THEN a.amount END), 0)"}


def compute(db, found: dict, month: str, figures: list[str]) -> dict:
    """Each figure's number for a scope and month: one statement per kind of record counted."""
    span = bounds(month)
    by_base: dict[str, list] = {}
    for figure in figures:
        base, condition, params, aggregate = _conditions(figure, span, found)
        by_base.setdefault(base, []).append((figure, condition, params, aggregate))
    values = {}
    for base, wanted in by_base.items():
        source, params, _, _ = _base(base, span, found)
        columns = [_AGGREGATE[aggregate].format(c=condition) for _, condition, _, aggregate in wanted]
        args = [p for _, _, ps, _ in wanted for p in ps]
        got = db.execute(f"SELECT {', '.join(columns)} {source}", [*args, *params]).fetchone()
        for (figure, *_), value in zip(wanted, got, strict=True):
            values[figure] = round(value, 4) if isinstance(value, float) else value
    return values


def records(db, found: dict, month: str, figure: str, limit: int = RECORDS_SHOWN) -> dict:
    """The records a figure counts (up to `limit`), what kind they are, and the figure itself."""
    span = bounds(month)
    base, condition, params, _ = _conditions(figure, span, found)
    source, base_params, columns, order = _base(base, span, found)
    listed = rows(db, f"SELECT {columns} {source} AND ({condition}) ORDER BY {order} LIMIT ?",
                  [*base_params, *params, limit + 1])
    return {"base": base, "rows": listed[:limit], "more": len(listed) > limit,
            "value": compute(db, found, month, [figure])[figure]}


def label(lay: dict, figure: str) -> str:
    """Where a figure stands on the form, in its headers' words (with the row's label where rows differ)."""
    names = []
    for column in lay["columns"]:
        path = " · ".join([*column.get("groups", []), column["name"]])
        if column.get("figure") == figure:
            names.append(path)
        for r, value in enumerate(column.get("rows", [])):
            if value == figure:
                labels = [c["labels"][r] for c in lay["columns"] if "labels" in c]
                names.append(f"{path}（{'、'.join(labels)}）" if labels else path)
    return "；".join(dict.fromkeys(names)) or figure


def action_kinds(db) -> dict[str, str]:
    """The kinds of enforcement action by code, in words (inspect/reference/enforcement.toml)."""
    return {i["code"]: i["name"] for i in library.reference(db, "enforcement")}


# --- The table, as the page and the xlsx draw it --------------------------------------------------------------

def table(lay: dict, values: dict | None, unit: str) -> dict:
    """The form as rows of cells with their spans: the header rows, then each 填报单位类型's rows; only the scope's
    own type (`unit`) is filled, the others stay blank as on paper."""
    columns, depth = lay["columns"], 1 + max(len(c.get("groups", [])) for c in lay["columns"])
    header = [[{"text": "填报单位类型", "rowspan": depth, "colspan": 1}]] + [[] for _ in range(depth - 1)]
    for level in range(depth):
        n = 0
        while n < len(columns):
            groups = columns[n].get("groups", [])
            if level < len(groups):
                span = 1
                while (n + span < len(columns)
                       and columns[n + span].get("groups", [])[:level + 1] == groups[:level + 1]):
                    span += 1
                header[level].append({"text": groups[level], "rowspan": 1, "colspan": span})
                n += span
                continue
            if level == len(groups):
                header[level].append({"text": columns[n]["name"], "rowspan": depth - level, "colspan": 1})
            n += 1
    body = []
    for u in lay["units"]:
        filled = values is not None and u["scope"] == unit
        for r in range(lay["height"]):
            line = [{"text": u["name"], "rowspan": lay["height"], "colspan": 1, "unit": True}] if r == 0 else []
            n = 0
            while n < len(columns):
                column = columns[n]
                if "figure" in column:
                    if r == 0:
                        line.append(_cell(column["figure"], values if filled else None, lay["height"], 1))
                    n += 1
                elif "labels" in column:
                    line.append({"text": column["labels"][r], "rowspan": 1, "colspan": 1, "label": True})
                    n += 1
                else:
                    figure, span = column["rows"][r], 1
                    while (figure != "none" and n + span < len(columns) and "rows" in columns[n + span]
                           and columns[n + span]["rows"][r] == figure):
                        span += 1
                    line.append(_cell(figure, values if filled else None, 1, span))
                    n += span
            body.append(line)
    return {"header": header, "body": body, "width": 1 + len(columns), "depth": depth}


def _cell(figure: str, values: dict | None, rowspan: int, colspan: int) -> dict:
    value = None if values is None or figure == "none" else values.get(figure, 0)
    return {"figure": figure if values is not None else None, "value": value, "rowspan": rowspan,
            "colspan": colspan, "text": "" if value is None else _number(value)}


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(int(value))


# --- Drafts, submitted reports and the reminder ---------------------------------------------------------------

def draft(db, user, form: str, month: str) -> dict:
    """The form for a month as the data stands now, in the user's scope (not kept)."""
    found = scope_of(user)
    lay = layout(db, form)
    return {"form": form, "month": month, "scope": found, "layout": lay, "unit": unit_of(found),
            "values": compute(db, found, month, figures_of(lay)), "heading": {}, "id": None}


def submit(db, user, form: str, month: str, heading: dict) -> int:
    """Freeze the form as it stands: layout, figures and heading are kept as they are now; returns its id."""
    problems = heading_problems(heading)
    if problems:
        field, message = problems[0]
        raise Refused(message, field)
    report = draft(db, user, form, month)
    stamp = now()
    heading = {k: heading[k].strip() for k in HEADING} | {"date": as_local(stamp).date().isoformat()}
    figures = {"layout": report["layout"], "values": report["values"], "unit": report["unit"]}
    cur = db.execute("INSERT INTO monthly_reports (form, month, scope, heading, figures, submitted_by, submitted_at)"
                     " VALUES (?,?,?,?,?,?,?)",
                     (form, month, scope_key(report["scope"]), json.dumps(heading, ensure_ascii=False),
                      json.dumps(figures, ensure_ascii=False), user["id"], stamp))
    audit.record(db, user["id"], "submit", "monthly_report", cur.lastrowid,
                 {"form": FORMS[form][2], "month": month, "scope": scope_label(report["scope"])})
    return cur.lastrowid


def heading_problems(heading: dict) -> list[tuple[str, str]]:
    """(field, Chinese message) for each missing or malformed heading field."""
    out = []
    for key, label in HEADING.items():
        value = (heading.get(key) or "").strip()
        if not value:
            out.append((key, f"请填写{label}"))
        elif len(value) > (60 if key == "unit_name" else 30):
            out.append((key, f"{label}太长"))
    phone = (heading.get("phone") or "").strip()
    if phone and not re.fullmatch(r"[0-9][0-9\- ]{5,18}[0-9]", phone):
        out.append(("phone", "联系电话只能是数字和“-”，如 0595-22581234 或 13905951234"))
    return out


def get(db, user, report_id: int) -> dict | None:
    """A submitted report the user may read (their own scope's; admins all), with its frozen figures."""
    found = one(db, "SELECT m.*, u.name AS submitter FROM monthly_reports m LEFT JOIN users u"
                    " ON u.id = m.submitted_by WHERE m.id = ?", (report_id,))
    if not found or not scope.may_report(user):
        return None
    if user["role"] != "admin" and found["scope"] != scope_key(scope_of(user)):
        return None
    figures = json.loads(found["figures"])
    return {"id": found["id"], "form": found["form"], "month": found["month"], "scope": json.loads(found["scope"]),
            "layout": figures["layout"], "values": figures["values"], "unit": figures["unit"],
            "heading": json.loads(found["heading"]), "submitter": found["submitter"],
            "submitted_at": found["submitted_at"]}


def submitted(db, user, month: str | None = None, limit: int = 24) -> list[dict]:
    """The reports submitted for the user's scope, newest first (one month's when given)."""
    key = scope_key(scope_of(user))
    sql = ("SELECT m.id, m.form, m.month, m.submitted_at, u.name AS submitter FROM monthly_reports m"
           " LEFT JOIN users u ON u.id = m.submitted_by WHERE m.scope = ?")
    params: list = [key]
    if month:
        sql += " AND m.month = ? AND m.form IN (?, ?)"
        params += [month, *FORMS]
    return rows(db, sql + " ORDER BY m.id DESC LIMIT ?", [*params, limit])


def reminder(db, user, today: date) -> dict | None:
    """From the 1st to the 3rd: last month's forms not yet submitted for the user's scope, if any."""
    if not scope.may_report(user) or today.day > REMIND_UNTIL:
        return None
    month = last_month(today)
    done = {r["form"] for r in rows(db, "SELECT form FROM monthly_reports WHERE month = ? AND form IN (?, ?)"
                                        " AND scope = ?", (month, *FORMS, scope_key(scope_of(user))))}
    missing = [form for form in FORMS if form not in done]
    return {"month": month, "forms": missing, "due": f"{today.month}月{REMIND_UNTIL}日"} if missing else None
