"""挂牌督办, the government side: a 重大隐患 listed for supervision with its level, supervising unit, listing date and
deadline; its 五落实 as five recorded checks with a note and an evidence photo; 销号 only once the hazard is verified
closed and all five are done. The listing is read on the hazard's page by everyone who sees the hazard."""

from datetime import date

from . import audit, photos
from .db import now, one, rows
from .due import as_local, local_now
from .hazards import OPEN, STATUS
from .refusal import Refused

LEVELS = {"county": "县级", "city": "市级", "province": "省级"}
# The higher the supervising level, the worse a listing reads on the list.
LEVEL_RANK = "CASE s.level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END"
CHECKS = {"goal": "目标任务", "funds": "经费物资", "people": "机构人员", "time": "时间要求", "plan": "安全措施应急预案"}
STATES = {"active": "督办中", "removed": "已销号"}
UNIT_CHARS = 60
NOTE_CHARS = 500
PAGE = 50
WAITING_SHOWN = 20  # open major hazards not yet listed, on the list page


def _today() -> date:
    return local_now().date()


def _text(value, label, field, limit) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise Refused(f"请填写{label}", field)
    if len(text) > limit:
        raise Refused(f"{label}不能超过 {limit} 个字", field)
    return text


def _day(value, label, field) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Refused(f"请填写{label}（日期，如 {_today().isoformat()}）", field) from None


def of_hazard(db, hazard_id: int) -> dict | None:
    """A hazard's listing with its five checks and progress, or None when it is not listed."""
    found = one(db, "SELECT s.*, a.name AS listed_by_name, r.name AS removed_by_name FROM supervisions s"
                    " LEFT JOIN users a ON a.id = s.listed_by LEFT JOIN users r ON r.id = s.removed_by"
                    " WHERE s.hazard_id = ?", (hazard_id,))
    return _complete(db, found) if found else None


def get(db, supervision_id: int) -> dict | None:
    """One listing by its id, as `of_hazard` gives it."""
    found = one(db, "SELECT hazard_id FROM supervisions WHERE id = ?", (supervision_id,))
    return of_hazard(db, found["hazard_id"]) if found else None


def _complete(db, listing: dict) -> dict:
    """A listing with its checks in the order of 五落实 (an unrecorded one is not done), progress and state."""
    recorded = {c["item"]: c for c in rows(
        db, "SELECT c.*, u.name AS checked_by_name, p.hash AS photo_hash FROM supervision_checks c"
            " LEFT JOIN users u ON u.id = c.checked_by LEFT JOIN photos p ON p.id = c.photo_id"
            " WHERE c.supervision_id = ?", (listing["id"],))}
    listing["checks"] = [{"item": item, "name": name, "done": 0, "note": "", **recorded.get(item, {})}
                         for item, name in CHECKS.items()]
    listing["done_checks"] = sum(1 for c in listing["checks"] if c["done"])
    return _state(listing)


def _state(listing: dict) -> dict:
    listing["removed"] = listing["removed_on"] is not None
    listing["overdue"] = not listing["removed"] and bool(listing["deadline"]) and \
        listing["deadline"] < _today().isoformat()
    listing["level_name"] = LEVELS[listing["level"]]
    return listing


def check_listing(db, hazard: dict, *, level, unit, listed_on, deadline) -> dict:
    """The fields of a new listing, checked against the hazard; raises Refused in Chinese, naming the field."""
    if hazard["level"] != "major":
        raise Refused("只有重大隐患才能挂牌督办，这是一般隐患")
    existing = of_hazard(db, hazard["id"])
    if existing:
        raise Refused(f"该隐患已于 {existing['listed_on']} 挂牌督办（{existing['level_name']}，{existing['unit']}），"
                      "不能重复挂牌")
    if hazard["status"] == "closed":
        raise Refused("该隐患已验收闭环，不需要再挂牌督办")
    if level not in LEVELS:
        raise Refused("请选择督办级别（县级、市级或省级）", "level")
    unit = _text(unit, "督办单位", "unit", UNIT_CHARS)
    listed = _day(listed_on, "挂牌日期", "listed_on")
    found = as_local(hazard["reported_at"]).date()
    if listed > _today():
        raise Refused("挂牌日期不能晚于今天", "listed_on")
    if listed < found:
        raise Refused(f"挂牌日期不能早于隐患发现的日期（{found.isoformat()}）", "listed_on")
    until = _day(deadline, "督办期限", "deadline")
    if until < listed:
        raise Refused("督办期限不能早于挂牌日期", "deadline")
    return {"level": level, "unit": unit, "listed_on": listed.isoformat(), "deadline": until.isoformat()}


def list_hazard(db, hazard: dict, *, by, **fields) -> int:
    """挂牌督办: list a 重大隐患, in the caller's transaction (so the duplicate check and the row are one step)."""
    values = check_listing(db, hazard, **fields)
    with db.atomic():
        cur = db.execute("INSERT INTO supervisions (hazard_id, level, unit, listed_on, deadline, listed_by)"
                         " VALUES (?,?,?,?,?,?)", (hazard["id"], *values.values(), by))
        audit.record(db, by, "list", "hazard", hazard["id"], {
            "note": f"{LEVELS[values['level']]}挂牌督办 · {values['unit']} · 期限 {values['deadline']}", **values})
    return cur.lastrowid


def _open(listing: dict) -> None:
    if listing["removed"]:
        raise Refused(f"该隐患已于 {listing['removed_on']} 销号，督办记录不能再修改")


def record_check(db, listing: dict, item: str, *, done, note, evidence: list, by) -> None:
    """One of the 五落实 recorded: 已落实 with a note and one evidence photo, or 未落实 with a note saying why.
    Recording it again replaces the row; the audit log keeps every version."""
    _open(listing)
    if item not in CHECKS:
        raise Refused("没有这一项五落实")
    if done not in ("1", "0"):
        raise Refused("请选择已落实或未落实", f"done_{item}")
    note = _text(note, f"{CHECKS[item]}的落实情况", f"note_{item}", NOTE_CHARS)
    if len(evidence) > 1:
        raise Refused("每项只能上传一张证据照片", f"photo_{item}")
    if done == "1" and not evidence:
        raise Refused(f"{CHECKS[item]}已落实，请拍照或上传证据照片", f"photo_{item}")
    with db.atomic():
        photo_id = photos.save(db, evidence[0], by) if evidence else None
        db.execute("INSERT INTO supervision_checks (supervision_id, item, done, note, photo_id, checked_by, checked_at)"
                   " VALUES (?,?,?,?,?,?,?) ON CONFLICT (supervision_id, item) DO UPDATE SET done = excluded.done,"
                   " note = excluded.note, photo_id = excluded.photo_id, checked_by = excluded.checked_by,"
                   " checked_at = excluded.checked_at", (listing["id"], item, int(done), note, photo_id, by, now()))
        audit.record(db, by, "supervise_check", "hazard", listing["hazard_id"], {
            "note": f"五落实 · {CHECKS[item]}：{'已落实' if done == '1' else '未落实'}，{note}", "item": item,
            "done": done == "1", "photo_id": photo_id})


def remove(db, listing: dict, hazard: dict, *, note, by) -> None:
    """销号: only once the hazard is verified closed and all five checks are done; records the date, who, a note."""
    _open(listing)
    if hazard["status"] != "closed":
        raise Refused(f"隐患还没有验收闭环（现在：{STATUS[hazard['status']]}），不能销号")
    missing = [c["name"] for c in listing["checks"] if not c["done"]]
    if missing:
        raise Refused(f"五落实还有 {len(missing)} 项未落实（{'、'.join(missing)}），不能销号")
    note = _text(note, "销号意见", "removal_note", NOTE_CHARS)
    today = _today().isoformat()
    with db.atomic():
        db.execute("UPDATE supervisions SET removed_on = ?, removed_by = ?, removal_note = ? WHERE id = ?",
                   (today, by, note, listing["id"]))
        audit.record(db, by, "delist", "hazard", listing["hazard_id"], {"note": f"销号：{note}", "on": today})


def holds_photo(db, supervision_id: int, photo_hash: str) -> bool:
    """Whether a photo is the evidence of one of a listing's checks."""
    return bool(one(db, "SELECT 1 AS x FROM supervision_checks c JOIN photos p ON p.id = c.photo_id"
                        " WHERE c.supervision_id = ? AND p.hash = ?", (supervision_id, photo_hash)))


def _filtered(where: str, params: list, *, level=None, state=None, overdue=False) -> tuple[str, list]:
    """The list's conditions: `where` on `e` and `g` (a scope's territory) and the filters the list offers."""
    parts, args = [where], list(params)
    if level in LEVELS:
        parts.append("s.level = ?")
        args.append(level)
    if state == "active":
        parts.append("s.removed_on IS NULL")
    elif state == "removed":
        parts.append("s.removed_on IS NOT NULL")
    if overdue:
        parts.append("s.removed_on IS NULL AND s.deadline < ?")
        args.append(_today().isoformat())
    # Listings come first (CROSS JOIN keeps that order): there are few of them, the territory's hazards are many.
    sql = (" FROM supervisions s CROSS JOIN hazards h ON h.id = s.hazard_id"
           " JOIN enterprises e ON e.id = h.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
           " WHERE " + " AND ".join(f"({p})" for p in parts))
    return sql, args


def search(db, where: str, params: list, *, page: int = 1, **filters) -> tuple[list[dict], int]:
    """One page of listings in a territory, worst first (those in supervision before those removed, overdue first,
    the higher level first, the nearest deadline first), and how many there are in all."""
    sql, args = _filtered(where, params, **filters)
    total = db.execute("SELECT COUNT(*)" + sql, args).fetchone()[0]
    found = rows(db, "SELECT s.*, h.description, h.status, h.enterprise_id, e.name AS enterprise_name,"
                     " (SELECT COUNT(*) FROM supervision_checks c WHERE c.supervision_id = s.id AND c.done = 1)"
                     " AS done_checks" + sql +
                     f" ORDER BY s.removed_on IS NOT NULL, CASE WHEN s.removed_on IS NULL AND s.deadline < ? THEN 0"
                     f" ELSE 1 END, {LEVEL_RANK}, s.deadline, s.id LIMIT ? OFFSET ?",
                     [*args, _today().isoformat(), PAGE, (max(page, 1) - 1) * PAGE])
    return [_state(f) for f in found], total


def waiting(db, where: str, params: list, limit: int = WAITING_SHOWN) -> tuple[list[dict], int]:
    """Open major hazards in a territory not yet listed (the oldest first), and how many there are."""
    sql = (" FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
           f" WHERE ({where}) AND h.level = 'major' AND h.status IN {OPEN}"
           " AND NOT EXISTS (SELECT 1 FROM supervisions s WHERE s.hazard_id = h.id)")
    total = db.execute("SELECT COUNT(*)" + sql, params).fetchone()[0]
    found = rows(db, "SELECT h.id, h.description, h.status, h.reported_at, e.name AS enterprise_name" + sql +
                 " ORDER BY h.id LIMIT ?", [*params, limit])
    return found, total


def of_hazards(db, hazard_ids: list[int]) -> dict[int, dict]:
    """The listings of a page of hazards (the home page's major ones), by hazard id, in one query."""
    if not hazard_ids:
        return {}
    found = rows(db, "SELECT s.*, (SELECT COUNT(*) FROM supervision_checks c WHERE c.supervision_id = s.id"
                     " AND c.done = 1) AS done_checks FROM supervisions s"
                     f" WHERE s.hazard_id IN ({','.join('?' * len(hazard_ids))})", hazard_ids)
    return {f["hazard_id"]: _state(f) for f in found}
