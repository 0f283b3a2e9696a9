"""Lists over many hazards: the 隐患清单 and 整改清单 with their filters, 挂牌督办, 清零 counts, a person's work."""

from . import scope
from .db import rows
from .due import local_now
from .hazards import COLUMNS, LEVELS, OPEN, SELECT, STATUS, categories, is_overdue


def _filtered(where: str, params: list, *, units: set[int] | None = None, viewer_id=None, unit_id=None,
              status=None, level=None, overdue=False, since=None, until=None, rectifications=False,
              before: int | None = None) -> tuple[list[str], list]:
    """The conditions of a hazard list: `where` on `h`, `e` and `g` (one enterprise, or a scope's territory),
    `units` confining to a person's units, the filters a list offers, `before` for the next page."""
    where, params = [where], list(params)
    if units is not None:
        confined, more = _confined(units, viewer_id)
        where.append(confined)
        params += more
    if unit_id:
        where.append("(h.unit_id = ? OR u.parent_id = ?)")
        params += [unit_id, unit_id]
    if status == "open":
        where.append(f"h.status IN {OPEN}")
    elif status in STATUS:
        where.append("h.status = ?")
        params.append(status)
    if level in LEVELS:
        where.append("h.level = ?")
        params.append(level)
    if overdue:
        where.append("h.status = 'assigned' AND h.deadline < ?")
        params.append(local_now().date().isoformat())
    if since:
        where.append("h.reported_at >= ?")
        params.append(since)
    if until:
        where.append("h.reported_at < ?")
        params.append(until)
    if rectifications:  # the 整改清单: hazards given their 四定, or fixed on the spot
        where.append("(h.owner_id IS NOT NULL OR h.on_the_spot = 1)")
    if before:
        where.append("h.id < ?")
        params.append(before)
    return where, params


def search(db, where: str, params: list, *, limit=500, **filters) -> list[dict]:
    """Hazards as `_filtered` chooses them, newest first, at most `limit`."""
    conditions, args = _filtered(where, params, **filters)
    return _named(db, rows(db, _from(conditions) + " ORDER BY h.id DESC LIMIT ?", [*args, limit]))


def count(db, where: str, params: list, **filters) -> int:
    """How many hazards `search` would find with no limit."""
    conditions, args = _filtered(where, params, **filters)
    return db.execute("SELECT COUNT(*) FROM (" + _from(conditions).replace(COLUMNS, "h.id", 1) + ")",
                      args).fetchone()[0]


def _from(where: list[str]) -> str:
    # Grids are joined only when a scope names them (a supervisor's county).
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if any("g." in w for w in where) else ""
    return SELECT + grids + " WHERE " + " AND ".join(f"({w})" for w in where)


def _named(db, found: list[dict]) -> list[dict]:
    """Hazards with whether they are overdue and their category's name."""
    today, names = local_now().date(), categories(db)
    for h in found:
        h["overdue"] = is_overdue(h, today)
        h["category_name"] = names.get(h["category"], h["category"])
    return found


def supervised(db, where: str, params: list, limit: int = 20) -> list[dict]:
    """挂牌督办: open major hazards in a territory, those being fixed by nearest deadline (overdue first),
    then those still waiting for their 四定, then those waiting for verification."""
    found = []
    for status, order in (("assigned", "h.deadline, h.id"), ("reported", "h.id"), ("rectified", "h.id")):
        if len(found) < limit:
            found += rows(db, _from([where, "h.level = 'major'", "h.status = ?"]) + f" ORDER BY {order} LIMIT ?",
                          [*params, status, limit - len(found)])
    return _named(db, found)


def _confined(units: set[int], viewer_id) -> tuple[str, list]:
    """SQL condition for the hazards a person confined to some units may open (as `scope.sees_hazard`)."""
    marks = ",".join("?" * len(units)) or "NULL"
    return f"(h.unit_id IN ({marks}) OR h.owner_id = ? OR h.reported_by = ?)", [*units, viewer_id, viewer_id]


def open_counts(db, enterprise_id: int, units: set[int] | None = None, viewer_id=None) -> dict:
    """Open hazards by unit (a workshop counts its posts too) and for the whole enterprise: 0 means 清零.
    With `units`, only what that person may open is counted, so each count matches the list behind it."""
    where, params = f"h.enterprise_id = ? AND h.status IN {OPEN}", [enterprise_id]
    if units is not None:
        confined, more = _confined(units, viewer_id)
        where, params = f"{where} AND {confined}", [*params, *more]
    found = rows(db, "SELECT h.unit_id, u.parent_id, COUNT(*) AS n FROM hazards h LEFT JOIN units u ON u.id = h.unit_id"
                     f" WHERE {where} GROUP BY h.unit_id", params)
    counts: dict = {"total": 0}
    for row in found:
        counts["total"] += row["n"]
        for key in (row["unit_id"], row["parent_id"]):
            if key:
                counts[key] = counts.get(key, 0) + row["n"]
    return counts


def for_person(db, user, units: set[int] | None) -> dict[str, list[dict]]:
    """A person's part in the loop: what they must fix, assign and verify; overdue first. Government accounts
    see here only the fixes waiting for their own 复查; their territory's numbers are the overview's."""
    if user["role"] in scope.GOVERNMENT:
        found = search(db, "h.reported_by = ?", [user["id"]], status="rectified", limit=100)
    else:
        found = search(db, "h.enterprise_id = ?", [user["enterprise_id"]], units=units, viewer_id=user["id"],
                       status="open")
    found.sort(key=lambda h: (not h["overdue"], h["deadline"] or "9999", h["id"]))
    return {
        "fix": [h for h in found if h["status"] == "assigned" and h["owner_id"] == user["id"]],
        "assign": [h for h in found if h["status"] == "reported" and scope.may_assign(db, user, h)],
        "verify": [h for h in found if h["status"] == "rectified" and scope.may_verify(db, user, h)],
        # Overdue is loud for everyone above the owner, not only on the owner's own screen.
        "overdue": [h for h in found if h["overdue"] and h["owner_id"] != user["id"]
                    and user["role"] not in ("team_leader", *scope.GOVERNMENT)],
    }
