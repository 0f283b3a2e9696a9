"""回头看 of closed hazards: a replayable random sample of the hazards closed in a period, each revisited with a new
photo; a fix that did not hold reopens its hazard (anbiao/hazards.py `revisit`), and the share that failed is counted
per draw and per enterprise. Also the departments' own 回头看 checklist (library tier lookback_gov) as xlsx."""

import json
import random
import secrets
from datetime import UTC, date, datetime, time, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from . import audit, hazards, library, scope, sheets
from .db import now, one, rows
from .due import TZ, local_now
from .refusal import Refused

MAX_SAMPLE = 200  # hazards one draw sends people to revisit; more is a second draw
VERDICTS = {"held": "整改有效", "failed": "整改失效"}
LOOKBACK_TIERS = ("lookback", "lookback_gov")


def sample(ids, size: int, seed: str) -> list[int]:
    """The draw itself: `size` of the ids, sorted first, by a generator seeded with the recorded seed — anyone with
    the seed and the population gets the same hazards in the same order."""
    population = sorted(ids)
    return random.Random(seed).sample(population, min(size, len(population)))


def replay(draw: dict) -> list[int]:
    """A kept draw made again from its recorded seed and population."""
    return sample(json.loads(draw["population_ids"]), draw["size"], draw["seed"])


def replays(db, draw: dict) -> bool:
    """Whether the hazards kept for a draw are exactly those its seed and population give again."""
    kept = [r["hazard_id"] for r in rows(db, "SELECT hazard_id FROM reverifications WHERE draw_id = ? ORDER BY id",
                                         (draw["id"],))]
    return replay(draw) == kept


def _utc(day: date) -> str:
    """The UTC time of record at which a Beijing date begins."""
    return datetime.combine(day, time(0), TZ).astimezone(UTC).isoformat(timespec="seconds")


def _day(text, label, field) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise Refused(f"请填写{label}（日期）", field) from exc


def townships(db, user) -> list[dict]:
    """The towns (乡镇、街道) a draw may be narrowed to: those of the user's county or town, if they have one. Only
    a choice list: the population itself is always confined by scope.enterprise_where."""
    county, town = user.get("scope_county"), user.get("scope_township")
    return rows(db, "SELECT DISTINCT county, township FROM grids WHERE (? IS NULL OR county = ?)"
                    " AND (? IS NULL OR township = ?) ORDER BY county, township", (county, county, town, town))


def check_draw(db, user, form) -> dict:
    """The draw's parameters from its form, checked; raises Refused in Chinese, naming the field."""
    start = _day(form.get("start"), "抽查期间的开始日期", "start")
    end = _day(form.get("end"), "抽查期间的结束日期", "end")
    if start > end:
        raise Refused("开始日期不能晚于结束日期", "end")
    if end > local_now().date():
        raise Refused("结束日期不能晚于今天", "end")
    size = (form.get("size") or "").strip()
    if not size.isdigit() or not 1 <= int(size) <= MAX_SAMPLE:
        raise Refused(f"抽取数量请填写 1 到 {MAX_SAMPLE} 之间的整数", "size")
    values = {"start": start.isoformat(), "end": end.isoformat(), "size": int(size)}
    industry = (form.get("industry") or "").strip()
    if industry:
        if industry not in library.industries(db):
            raise Refused("请从列表中选择行业领域", "industry")
        values["industry"] = industry
    town = (form.get("township") or "").strip()
    if town:
        if town not in {t["township"] for t in townships(db, user)}:
            raise Refused("请从列表中选择乡镇（街道）", "township")
        values["township"] = town
    level = (form.get("level") or "").strip()
    if level:
        if level not in hazards.LEVELS:
            raise Refused("请选择一般隐患或重大隐患", "level")
        values["level"] = level
    return values


def population(db, user, values: dict) -> list[int]:
    """The hazards a draw chooses from: closed within the period (Beijing dates, both included), in the user's
    territory and the chosen filters, by id."""
    where, params = scope.enterprise_where(user)
    conditions = [f"({where})", "h.status = 'closed'", "h.closed_at >= ?", "h.closed_at < ?"]
    params = [*params, _utc(date.fromisoformat(values["start"])),
              _utc(date.fromisoformat(values["end"]) + timedelta(days=1))]
    for key, column in (("industry", "e.industry"), ("township", "g.township"), ("level", "h.level")):
        if values.get(key):
            conditions.append(f"{column} = ?")
            params.append(values[key])
    return [r["id"] for r in rows(
        db, "SELECT h.id FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id"
            f" LEFT JOIN grids g ON g.id = e.grid_id WHERE {' AND '.join(conditions)} ORDER BY h.id", params)]


def describe(kept: dict) -> str:
    """A draw's territory and filters as read: 丰泽区 · 东海街道 · 城镇燃气 · 重大隐患."""
    words = [kept[k] for k in ("scope_county", "scope_township", "township", "scope_industry", "industry")
             if kept.get(k)]
    if kept.get("level") in hazards.LEVELS:
        words.append(hazards.LEVELS[kept["level"]] + "隐患")
    return " · ".join(dict.fromkeys(words)) or "全部"


def draw(db, user, values: dict) -> int:
    """Draw and keep a sample, in the caller's transaction: the seed, the whole population and the chosen hazards,
    each waiting for its revisit."""
    found = population(db, user, values)
    if not found:
        raise Refused("该期间和范围内没有已闭环的隐患，无法抽取", "start")
    seed = secrets.token_hex(16)
    chosen = sample(found, values["size"], seed)
    territory = {k: user.get(k) for k in ("scope_industry", "scope_county", "scope_township") if user.get(k)}
    cur = db.execute(
        "INSERT INTO reverify_draws (period_start, period_end, scope, size, seed, population_ids, drawn_by, drawn_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (values["start"], values["end"], json.dumps({**{k: v for k, v in values.items() if k not in (
            "start", "end", "size")}, **territory}, ensure_ascii=False), values["size"], seed, json.dumps(found),
         user["id"], now()))
    draw_id = cur.lastrowid
    for hazard_id in chosen:
        db.execute("INSERT INTO reverifications (draw_id, hazard_id) VALUES (?,?)", (draw_id, hazard_id))
    audit.record(db, user["id"], "draw", "reverify_draw", draw_id,
                 {"period": f"{values['start']} 至 {values['end']}", "size": values["size"],
                  "population": len(found), "drawn": len(chosen), "seed": seed})
    return draw_id


_ROWS = ("SELECT r.*, h.description, h.level, h.status, h.enterprise_id, h.unit_id, h.closed_at, e.name AS"
         " enterprise_name, u.name AS unit_name, p.name AS parent_unit_name, v.name AS verifier_name"
         " FROM reverifications r JOIN hazards h ON h.id = r.hazard_id JOIN enterprises e ON e.id = h.enterprise_id"
         " LEFT JOIN grids g ON g.id = e.grid_id LEFT JOIN units u ON u.id = h.unit_id"
         " LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN users v ON v.id = r.verified_by")


def of_draw(db, user, draw_id: int) -> list[dict]:
    """The sampled hazards of a draw that a user's territory holds, in the order drawn."""
    where, params = scope.enterprise_where(user)
    return rows(db, _ROWS + f" WHERE r.draw_id = ? AND ({where}) ORDER BY r.id", [draw_id, *params])


def get_draw(db, user, draw_id: int) -> tuple[dict, list[dict]]:
    """A draw and its rows the user sees: its drawer and whoever draws or revisits hazards in it; else 404."""
    from flask import abort

    found = one(db, "SELECT d.*, u.name AS drawer_name FROM reverify_draws d JOIN users u ON u.id = d.drawn_by"
                    " WHERE d.id = ?", (draw_id,))
    if not found:
        abort(404)
    mine = of_draw(db, user, draw_id)
    if not scope.sees_reverify_draw(db, user, found, [_hazard(db, r) for r in mine]):
        abort(404)
    found["scope"] = json.loads(found["scope"])
    found["population"] = len(json.loads(found["population_ids"]))
    return found, mine


def draws_for(db, user, limit: int = 50) -> list[dict]:
    """The latest draws a user made or whose sample reaches into their territory, with their counts there."""
    where, params = scope.enterprise_where(user)
    seen = (f"SELECT 1 FROM reverifications r JOIN hazards h ON h.id = r.hazard_id JOIN enterprises e"
            f" ON e.id = h.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id WHERE r.draw_id = d.id AND ({where})")
    found = rows(db, "SELECT d.*, u.name AS drawer_name FROM reverify_draws d JOIN users u ON u.id = d.drawn_by"
                     f" WHERE d.drawn_by = ? OR EXISTS ({seen}) ORDER BY d.id DESC LIMIT ?",
                 [user["id"], *params, limit])
    for d in found:
        d["share"] = shares(of_draw(db, user, d["id"]))
    return found


def shares(found: list[dict]) -> dict:
    """How the revisits came out: sampled, revisited, failed, the share that failed (of those revisited), and the
    same per enterprise, worst share first."""
    def tally(part):
        done = [r for r in part if r["held"] is not None]
        failed = sum(1 for r in done if not r["held"])
        return {"total": len(part), "done": len(done), "failed": failed,
                "share": failed / len(done) if done else None}

    by_enterprise = {}
    for r in found:
        by_enterprise.setdefault(r["enterprise_id"], []).append(r)
    per = [dict(tally(part), enterprise_id=key, enterprise_name=part[0]["enterprise_name"])
           for key, part in by_enterprise.items()]
    per.sort(key=lambda t: (-(t["share"] or 0), -t["failed"], t["enterprise_name"]))
    return dict(tally(found), by_enterprise=per)


def _hazard(db, row) -> dict:
    return hazards.get(db, row["hazard_id"])


def visit(db, user, visit_id: int) -> tuple[dict, dict]:
    """One sampled hazard to revisit and the hazard, for those who may revisit it; else 404 (a sample is the
    government's record: the enterprise is not told in advance)."""
    from flask import abort

    found = one(db, "SELECT r.*, d.period_start, d.period_end FROM reverifications r"
                    " JOIN reverify_draws d ON d.id = r.draw_id WHERE r.id = ?", (visit_id,))
    hazard = _hazard(db, found) if found else None
    if not hazard or not scope.may_reverify(db, user, hazard):
        abort(404)
    return found, hazard


def record(db, found: dict, hazard: dict, *, verdict, note, photos, by, place=None) -> None:
    """The revisit, in the caller's transaction: new photos and whether the fix held; one that did not reopens the
    hazard. Raises Refused in Chinese, naming the field."""
    if found["held"] is not None:
        raise Refused("该隐患已复查，不能重复复查", "verdict")
    if verdict not in VERDICTS:
        raise Refused("请选择整改有效或整改失效", "verdict")
    if hazard["status"] != "closed":
        raise Refused("该隐患已重新打开或不在闭环状态，不需复查", "verdict")
    if not photos:
        raise Refused("请拍摄复查现场照片（必须有新照片）", "photos")
    held = verdict == "held"
    if not held and not (note or "").strip():
        raise Refused("整改失效须写明现场情况", "note")
    try:
        event = hazards.revisit(db, hazard, held=held, note=note, evidence=photos, by=by, place=place,
                                detail={"draw_id": found["draw_id"]})
    except ValueError as exc:
        raise Refused(str(exc), "photos" if "照片" in str(exc) else "note") from exc
    db.execute("UPDATE reverifications SET held = ?, note = ?, event_id = ?, verified_by = ?, verified_at = ?"
               " WHERE id = ?", (1 if held else 0, (note or "").strip(), event, by, now(), found["id"]))


def due_for(db, user, limit: int = 50) -> list[dict]:
    """The sampled hazards waiting for their revisit in a user's territory (a grid worker's 回访), oldest draw
    first; a hazard reopened meanwhile is no longer waiting."""
    where, params = scope.enterprise_where(user)
    return rows(db, _ROWS + f" WHERE r.held IS NULL AND h.status = 'closed' AND ({where}) ORDER BY r.id LIMIT ?",
                [*params, limit])


# The departments' 回头看 as the sheet they fill: the original's five columns, 存在问题 and 备注 left to write in.
SHEET_COLUMNS = (("项目", 12), ("“回头看”内容", 34), ("“回头看”细则", 58), ("存在问题", 30), ("备注", 14))


def lookback_doc(db, user, doc_id: int) -> dict:
    """A 回头看 checklist of the library the user may read, else 404."""
    from flask import abort

    found = scope.library_doc(db, user, doc_id)
    if found["kind"] != "checklist" or found["tier"] not in LOOKBACK_TIERS:
        abort(404)
    return found


def lookback_sheet(doc: dict, items: list[dict]):
    """The checklist as xlsx on A4 landscape, with a heading for 填报单位 and date and a row per 细则."""
    book = Workbook()
    sheet = book.active
    sheet.title = "回头看"
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    width = len(SHEET_COLUMNS)
    sheet.append([doc["title"]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(name="Arial", size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["填报单位（盖章）：", None, None, "填报日期：    年   月   日"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    sheet.merge_cells(start_row=2, start_column=4, end_row=2, end_column=width)
    sheet.append([name for name, _ in SHEET_COLUMNS])
    for col, (_, w) in enumerate(SHEET_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = w
        cell = sheet.cell(row=3, column=col)
        cell.font, cell.border, cell.alignment = Font(name="Arial", size=10, bold=True), box, wrap
    start = 4
    for item in items:
        project, _, content = (item["section"] or "").partition(" / ")
        sheet.append([project, content, item["content"], None, None])
        for col in range(1, width + 1):
            cell = sheet.cell(row=sheet.max_row, column=col)
            cell.font, cell.border, cell.alignment = Font(name="Arial", size=10), box, wrap
    # The original merges each 项目 and each 内容 over its 细则.
    for col in (1, 2):
        run = start
        for row in range(start + 1, sheet.max_row + 2):
            same = row <= sheet.max_row and all(
                sheet.cell(row=row, column=c).value == sheet.cell(row=run, column=c).value for c in range(1, col + 1))
            if not same:
                if row - 1 > run:
                    sheet.merge_cells(start_row=run, start_column=col, end_row=row - 1, end_column=col)
                run = row
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    return sheets.saved(book)
