"""The grid worker's plan (差异化、精准化动态监管): each enterprise is next due for a grid visit a number of months
after its last one, by its colour and size class (inspect/reference/visit_frequency.toml); one never visited is due
from the day it came under supervision, i.e. now. The date is kept in enterprise_overview.next_visit_on, so a
grid's plan reads that grid's rows by the index overview_plan(grid_id, next_visit_on, id)."""

import calendar
import json
from datetime import date, datetime

from . import due, enterprise_colour, library
from .db import one, rows

SHOWN = 50  # plan rows on the home page: well beyond a week's walking; the grid's other rows come due later
# At the same date the worse colour goes first; a row not rolled up yet goes last.
COLOUR_ORDER = "CASE e.colour WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 WHEN 'blue' THEN 3 ELSE 4 END"


def frequency(db) -> dict[str, dict[str, int]]:
    """Months between visits: {colour: {size class: months}} from the library."""
    return {i["code"]: json.loads(i["extra"] or "{}")["months"] for i in library.reference(db, "visit_frequency")}


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the month has not (31 May + 1) is its last day (30 June)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_visit(last: date | None, since: date, colour: str, size_class: str, table: dict) -> date:
    """When the next grid visit is due: the last visit plus the months for the colour and size class; never
    visited, due since `since` (the day the enterprise was registered)."""
    if last is None:
        return since
    return add_months(last, table[colour][size_class])


def keep(db, ids: list[int], now: datetime) -> None:
    """After the overview rows of `ids` were recomputed (in the caller's transaction): their colours rolled up from
    the hazard counts just written, and colour, size class and next visit copied into the rows."""
    marks = ",".join("?" * len(ids))
    found = rows(db, "SELECT id, grid_done_at, major_hazards, overdue_hazards, valid_until, colour, size_class,"
                     f" next_visit_on FROM enterprise_overview WHERE id IN ({marks})", ids)
    ents, written = enterprise_colour.roll_up(db, {r["id"]: r for r in found}, now.date().isoformat())
    table = frequency(db)
    updates = []
    for r in found:
        ent = ents[r["id"]]
        planned = None
        if ent["colour"] and ent["colour"] in table:
            last = due.as_local(r["grid_done_at"]).date() if r["grid_done_at"] else None
            planned = next_visit(last, due.as_local(ent["created_at"]).date(), ent["colour"], ent["size_class"],
                                 table).isoformat()
        if r["id"] in written or (r["colour"], r["size_class"], r["next_visit_on"]) != (
                ent["colour"], ent["size_class"], planned):
            # Writing the enterprise's colour fired the triggers that mark its row stale: it is fresh, say so again.
            updates.append((ent["colour"], ent["size_class"], planned, r["valid_until"], r["id"]))
    db.conn.executemany("UPDATE enterprise_overview SET colour = ?, size_class = ?, next_visit_on = ?, valid_until = ?"
                   " WHERE id = ?", updates)


def _decorated(found: list[dict], today: date) -> list[dict]:
    for e in found:
        e["label"] = enterprise_colour.label(e["colour"])
        e["last_local"] = due.as_local(e["grid_done_at"]) if e["grid_done_at"] else None
        e["next_on"] = date.fromisoformat(e["next_visit_on"]) if e["next_visit_on"] else today
        e["late_days"] = (today - e["next_on"]).days  # > 0 overdue, 0 due today, < 0 days ahead
    return found


def _scoped(where: str, reasons: bool = True) -> str:
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if "g." in where else ""
    joined = " JOIN enterprises x ON x.id = e.id" if reasons else ""  # each row's reasons, by its key
    return f"FROM enterprise_overview e{joined}{grids} WHERE ({where})"


_COLUMNS = ("SELECT e.id, e.name, e.industry, e.size_class, e.colour, e.grid_done_at, e.next_visit_on, e.open_hazards,"
            " e.major_hazards, e.overdue_hazards, x.colour_override, x.colour_reasons ")


def plan(db, where: str, params: list, today: date, limit: int = SHOWN) -> dict:
    """The enterprises of a grid (`where` from scope) by next visit, overdue first, the worse colour first at the
    same date; at most `limit`, with how many there are, how many overdue and how many due today."""
    found = rows(db, _COLUMNS + _scoped(where) + f" ORDER BY e.next_visit_on, {COLOUR_ORDER}, e.id LIMIT ?",
                 [*params, limit])
    counts = one(db, "SELECT COUNT(*) AS total, COALESCE(SUM(e.next_visit_on < ?), 0) AS overdue,"
                     " COALESCE(SUM(e.next_visit_on = ?), 0) AS today " + _scoped(where, reasons=False),
                 [today.isoformat(), today.isoformat(), *params])
    return {"rows": _decorated(found, today), **counts}


def due_by(db, where: str, params: list, today: date, limit: int) -> list[dict]:
    """The enterprises due for a visit by `today` (overdue or due that day), in the plan's order, at most `limit`."""
    found = rows(db, _COLUMNS + _scoped(f"({where}) AND e.next_visit_on <= ?")
                 + f" ORDER BY e.next_visit_on, {COLOUR_ORDER}, e.id LIMIT ?", [*params, today.isoformat(), limit])
    return _decorated(found, today)
