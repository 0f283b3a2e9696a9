"""The grid worker's day: a 今日计划 picked from the grid's due list, each visit an inspection with the grid guide
(marked 四不两直 when unannounced, with its presence proven by GPS or a sign scan), and the 复查 of the hazards
government found, by their deadlines.

The plan is the grid worker's own working list (day_plans): it is never shown to an enterprise, so an unannounced
visit stays unannounced."""

from datetime import UTC, date, datetime

from . import audit, checklists, enterprises, hazards, scope, signs
from .db import now, rows
from .due import TZ, local_now
from .refusal import Refused

PLAN_MAX = 12  # enterprises one person can really visit in a day, with room to spare; a longer list is not a plan
RECHECKS_SHOWN = 30  # 复查 on the home page, the nearest deadlines first; the hazard lists hold the rest
MOVES = {"up": -1, "down": 1}
WORST = {"missing": 0, "damaged": 1, "intact": 2}
# Those the 复查 list follows: fixes waiting to be accepted, and fixes under way (due back on their deadline).
RECHECK_STATUSES = ("assigned", "rectified")


def midnight_utc(day: date) -> str:
    """The stored (UTC) time at which a Beijing day begins, to compare with stored stamps."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=TZ)
    return start.astimezone(UTC).isoformat(timespec="seconds")


def _day(value, today: date) -> str:
    """The day a plan form was opened for: only today's plan can change (a form queued yesterday is refused)."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise Refused("缺少计划日期，请回到首页刷新后重试", "day") from exc
    if day != today:
        raise Refused(f"只能调整今天的计划（这份表单是 {day.month}月{day.day}日 的），请回到首页刷新后重试", "day")
    return day.isoformat()


def entries(db, user_id: int, day: str) -> list[dict]:
    """The enterprise ids of a day's plan, in order."""
    return rows(db, "SELECT enterprise_id, position FROM day_plans WHERE user_id = ? AND day = ?"
                    " ORDER BY position, added_at", (user_id, day))


def add(db, user: dict, ent: dict, day_text, today: date | None = None) -> None:
    """Put an enterprise of the grid at the end of today's plan; its grid guide is kept from now on, so 开始检查
    is a plain link that opens offline. Raises Refused in Chinese and then writes nothing."""
    today = today or local_now().date()
    day = _day(day_text, today)
    planned = entries(db, user["id"], day)
    if any(p["enterprise_id"] == ent["id"] for p in planned):
        raise Refused(f"“{ent['name']}”已在今日计划中")
    if len(planned) >= PLAN_MAX:
        raise Refused(f"今日计划最多 {PLAN_MAX} 家企业，请先移出一家")
    with db.atomic():
        try:
            checklists.grid_checklist(db, ent["id"])
        except ValueError:
            pass  # no grid guide in the library yet: the plan still says where to go
        db.execute("INSERT INTO day_plans (user_id, day, enterprise_id, position, added_at) VALUES (?,?,?,?,?)",
                   (user["id"], day, ent["id"], (max((p["position"] for p in planned), default=0) + 1), now()))


def remove(db, user: dict, ent: dict, day_text, today: date | None = None) -> None:
    """Take an enterprise off today's plan (a visit already made stays recorded)."""
    day = _day(day_text, today or local_now().date())
    gone = db.execute("DELETE FROM day_plans WHERE user_id = ? AND day = ? AND enterprise_id = ?",
                      (user["id"], day, ent["id"])).rowcount
    if not gone:
        raise Refused(f"“{ent['name']}”不在今日计划中")


def move(db, user: dict, ent: dict, day_text, direction, today: date | None = None) -> None:
    """Move an enterprise one place up or down today's plan."""
    day = _day(day_text, today or local_now().date())
    if direction not in MOVES:
        raise Refused("请选择上移或下移", "direction")
    planned = entries(db, user["id"], day)
    ids = [p["enterprise_id"] for p in planned]
    if ent["id"] not in ids:
        raise Refused(f"“{ent['name']}”不在今日计划中")
    at = ids.index(ent["id"])
    to = at + MOVES[direction]
    if not 0 <= to < len(ids):
        raise Refused("已在最前" if direction == "up" else "已在最后")
    ids[at], ids[to] = ids[to], ids[at]
    with db.atomic():  # renumbered 1…n, so positions stay distinct whatever happened before
        db.conn.executemany("UPDATE day_plans SET position = ? WHERE user_id = ? AND day = ? AND enterprise_id = ?",
                            [(n, user["id"], day, e) for n, e in enumerate(ids, 1)])


def _visits(db, user_id: int, ids: list[int], today: date) -> dict[int, dict]:
    """This person's latest grid-guide inspection today at each of `ids`."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found = rows(db, "SELECT i.id, i.enterprise_id, i.submitted_at, i.unannounced FROM checklists c"
                     " JOIN inspections i ON i.checklist_id = c.id AND i.submitted_at >= ?"
                     f" WHERE c.enterprise_id IN ({marks}) AND c.tier = 'grid' AND i.inspector_id = ?"
                     " ORDER BY i.submitted_at", [midnight_utc(today), *ids, user_id])
    return {v["enterprise_id"]: v for v in found}


def today_plan(db, user: dict, today: date | None = None) -> list[dict]:
    """Today's plan in its order: each enterprise's overview row (colour, size class, hazards), its standardization
    and 六有 gaps, its grid guide (开始检查) and this person's visit today, if made."""
    today = today or local_now().date()
    found = rows(db, "SELECT e.id, e.name, e.industry, e.size_class, e.colour, e.open_hazards, e.major_hazards,"
                     " e.overdue_hazards, p.position FROM day_plans p JOIN enterprise_overview e"
                     " ON e.id = p.enterprise_id WHERE p.user_id = ? AND p.day = ? ORDER BY p.position, p.added_at",
                 (user["id"], today.isoformat()))
    ids = [e["id"] for e in found]
    visits = _visits(db, user["id"], ids, today)
    for e in found:
        guide = checklists.kept_grid_checklist(db, e["id"])
        e["guide_id"] = guide["id"] if guide else None
        e["visit"] = visits.get(e["id"])
    return decorate(db, found)


def planned(db, user: dict, today: date) -> list[dict]:
    """The enterprises of today's plan (id and name), in order: what 离线准备 keeps first."""
    return rows(db, "SELECT e.id, e.name FROM day_plans p JOIN enterprises e ON e.id = p.enterprise_id"
                    " WHERE p.user_id = ? AND p.day = ? ORDER BY p.position, p.added_at",
                (user["id"], today.isoformat()))


def liuyou_gaps(db, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Each enterprise's 六有 gaps, by the short name of each kind: none recorded (未登记), or its worst sign 缺失 or
    破损 — as signs.coverage() reads them, for the whole enterprise at once."""
    known = signs.kinds(db)
    six = [code for code, kind in known.items() if kind["liuyou"]]
    worst: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids and six:
        marks = ",".join("?" * len(ids))
        for r in rows(db, "SELECT enterprise_id, kind, MIN(CASE state WHEN 'missing' THEN 0 WHEN 'damaged' THEN 1"
                          f" ELSE 2 END) AS worst FROM signs WHERE enterprise_id IN ({marks}) AND retired_at IS NULL"
                          f" AND kind IN ({','.join('?' * len(six))}) GROUP BY enterprise_id, kind", [*ids, *six]):
            worst[r["enterprise_id"]][r["kind"]] = r["worst"]
    out = {}
    for i in ids:
        seen = worst[i]
        out[i] = {"unrecorded": [known[c]["short"] for c in six if c not in seen],
                  "missing": [known[c]["short"] for c in six if seen.get(c) == WORST["missing"]],
                  "damaged": [known[c]["short"] for c in six if seen.get(c) == WORST["damaged"]]}
    return out


def decorate(db, found: list[dict]) -> list[dict]:
    """Rows of the grid's plan (or today's) with their standardization and 六有 gaps, in two queries."""
    ids = [e["id"] for e in found]
    if not ids:
        return found
    marks = ",".join("?" * len(ids))
    standard = {r["id"]: r for r in rows(db, "SELECT id, standard_status, standard_grade FROM enterprises"
                                             f" WHERE id IN ({marks})", ids)}
    gaps = liuyou_gaps(db, ids)
    for e in found:
        e["standard"] = enterprises.standard_label(standard[e["id"]])
        e["standardized"] = standard[e["id"]]["standard_status"] not in ("none", "self_assessed")
        e["liuyou"] = gaps[e["id"]]
    return found


def mark_unannounced(db, inspection_id: int, by: int) -> None:
    """四不两直: the visit was made without telling the enterprise first (in the submission's transaction)."""
    db.execute("UPDATE inspections SET unannounced = 1 WHERE id = ?", (inspection_id,))
    audit.record(db, by, "unannounced", "inspection", inspection_id, {})


def presence(inspection: dict, scans: list[dict]) -> dict:
    """How the inspector's being there is proven: the inspection's own GPS fix, and the signs scanned at that
    enterprise within the visit window (`scans`, from sign_checks.of_inspection)."""
    gps = inspection["latitude"] is not None and inspection["longitude"] is not None
    ways = [way for way, shown in (("GPS", gps), ("扫码", bool(scans))) if shown]
    return {"gps": gps, "scans": len(scans), "ways": ways,
            "label": " / ".join(ways) if ways else "未取得凭证（没有定位，也没有扫码）"}


def rechecks(db, user: dict, today: date | None = None, limit: int = RECHECKS_SHOWN) -> list[dict]:
    """待复查: the hazards government found (reported by a government account) in the user's territory that are
    being fixed or wait for acceptance, by deadline (none last); each says whether this person may accept it now."""
    today = today or local_now().date()
    where, params = scope.enterprise_where(user)
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if "g." in where else ""
    government = ",".join("?" * len(scope.GOVERNMENT))
    found = rows(db, "SELECT h.id, h.enterprise_id, h.unit_id, h.description, h.level, h.status, h.deadline,"
                     " h.reported_by, h.reported_at, h.owner_id, h.rectified_by, h.rectified_at,"
                     " e.name AS enterprise_name, r.name AS reporter_name, r.role AS reporter_role"
                     f" FROM enterprises e{grids} JOIN hazards h ON h.enterprise_id = e.id"
                     f" AND h.status IN ({','.join('?' * len(RECHECK_STATUSES))})"
                     f" JOIN users r ON r.id = h.reported_by AND r.role IN ({government})"
                     f" WHERE ({where}) ORDER BY h.deadline IS NULL, h.deadline, h.id LIMIT ?",
                 [*RECHECK_STATUSES, *scope.GOVERNMENT, *params, limit])
    for h in found:
        h["overdue"] = hazards.is_overdue(h, today)
        h["ready"] = h["status"] == "rectified" and scope.may_verify(db, user, h)
        h["days_left"] = (date.fromisoformat(h["deadline"]) - today).days if h["deadline"] else None
    return found

