"""What happens at a sign on site: a check (完好, 破损, 缺失) that turns a 破损/缺失 sign into a hazard of its unit,
and presence — a signed-in person's scan, kept with time and GPS and shown on the inspection it belongs to."""

from datetime import UTC, datetime, timedelta

from . import audit, hazards, signs
from .db import now, one, rows
from .due import local_now

NOTE_CHARS = 500
# An inspection gathers the scans its inspector made at that enterprise in the hours before it was submitted.
INSPECTION_WINDOW = timedelta(hours=12)


def _place(place: dict | None) -> tuple:
    place = place or {}
    return (place.get("client_time"), place.get("latitude"), place.get("longitude"), place.get("accuracy"))


def record_presence(db, sign: dict, by: int, place: dict | None = None, at: str | None = None) -> int:
    """One scan of a sign by a signed-in person: when, who, and where the phone was when it said."""
    return db.execute(
        "INSERT INTO sign_presence (sign_id, enterprise_id, user_id, at, client_time, latitude, longitude, accuracy)"
        " VALUES (?,?,?,?,?,?,?,?)", (sign["id"], sign["enterprise_id"], by, at or now(), *_place(place))).lastrowid


def _open_hazard(db, sign_id: int) -> dict | None:
    """The hazard an earlier check of this sign raised, while it is still open."""
    return one(db, f"SELECT h.* FROM sign_checks c JOIN hazards h ON h.id = c.hazard_id WHERE c.sign_id = ?"
                   f" AND h.status IN {hazards.OPEN} ORDER BY c.id DESC LIMIT 1", (sign_id,))


def check(db, sign: dict, state: str, note: str, photos: list, by: int, place: dict | None = None) -> dict:
    """Record a check on the spot; 破损/缺失 needs a photo and becomes a hazard of the sign's unit (or joins the one
    an earlier check raised). Raises signs.Refused in Chinese and then writes nothing."""
    if state not in signs.STATES:
        raise signs.Refused("请选择完好、破损或缺失", "state")
    note = (note or "").strip()
    if len(note) > NOTE_CHARS:
        raise signs.Refused(f"说明不能超过 {NOTE_CHARS} 个字", "note")
    if state != "intact" and not photos:
        raise signs.Refused(f"标识{signs.STATES[state]}时请拍照留证", "photos")
    kind = signs.kinds(db).get(sign["kind"], {})
    hazard_id = None
    with db.atomic():
        if state != "intact":
            words = f"{kind.get('name', '标识')}“{sign['title']}”{signs.STATES[state]}"
            where = sign["place"] or sign["equipment"]
            description = f"{words}{f'（{where}）' if where else ''}{f'：{note}' if note else ''}"
            earlier = _open_hazard(db, sign["id"])
            if earlier:
                hazard_id = earlier["id"]
                hazards.add_evidence(db, earlier, note=description, photos=photos, by=by, place=place)
            else:
                values = {"description": description, "category": kind.get("hazard_category", "thing"),
                          "level": "general", "on_the_spot": False}
                hazard_id = hazards.create(db, enterprise_id=sign["enterprise_id"], unit_id=sign["unit_id"],
                                           source="inspection", values=values, by=by, before=photos, place=place)
        stamp = now()
        check_id = db.execute(
            "INSERT INTO sign_checks (sign_id, enterprise_id, state, note, hazard_id, checked_by, checked_at,"
            " client_time, latitude, longitude, accuracy) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (sign["id"], sign["enterprise_id"], state, note, hazard_id, by, stamp, *_place(place))).lastrowid
        db.execute("UPDATE signs SET state = ?, checked_at = ?, checked_by = ? WHERE id = ?",
                   (state, stamp, by, sign["id"]))
        record_presence(db, sign, by, place, at=stamp)
        audit.record(db, by, "check", "sign", sign["id"], {"state": signs.STATES[state], "hazard_id": hazard_id})
    return {"id": check_id, "hazard_id": hazard_id}


def last_check(db, sign_id: int) -> dict | None:
    """The latest check of a sign, with who made it."""
    return one(db, "SELECT c.*, u.name AS user_name FROM sign_checks c JOIN users u ON u.id = c.checked_by"
                   " WHERE c.sign_id = ? ORDER BY c.id DESC LIMIT 1", (sign_id,))


def of_inspection(db, inspection: dict) -> list[dict]:
    """The signs its inspector scanned or checked at that enterprise in the hours before submitting it, in order:
    the proof of having been there."""
    end = inspection["submitted_at"]
    start = (datetime.fromisoformat(end) - INSPECTION_WINDOW).isoformat(timespec="seconds")
    found = rows(db, "SELECT p.*, s.title, s.place, s.unit_id, s.kind FROM sign_presence p JOIN signs s"
                     " ON s.id = p.sign_id WHERE p.user_id = ? AND p.enterprise_id = ? AND p.at > ? AND p.at <= ?"
                     " ORDER BY p.at", (inspection["inspector_id"], inspection["enterprise_id"], start, end))
    checks = rows(db, "SELECT sign_id, state, hazard_id, checked_at FROM sign_checks WHERE checked_by = ?"
                      " AND enterprise_id = ? AND checked_at > ? AND checked_at <= ?",
                  (inspection["inspector_id"], inspection["enterprise_id"], start, end))
    states = {(c["sign_id"], c["checked_at"]): c for c in checks}
    for row in found:
        row["check"] = states.get((row["sign_id"], row["at"]))
    return found


def round_of(db, checklist: dict, user_id: int) -> list[dict] | None:
    """The signs a workshop 表册 (its workshop and posts) or a grid inspection (the whole enterprise) checks by
    scanning them, each with when this person scanned it today; None for other checklists."""
    if checklist["tier"] not in ("workshop", "grid"):
        return None
    only = None
    if checklist["tier"] == "workshop":
        only = {checklist["unit_id"], *(u["id"] for u in rows(db, "SELECT id FROM units WHERE parent_id = ?",
                                                                (checklist["unit_id"],)))}
    midnight = local_now().replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    found = signs.of_enterprise(db, checklist["enterprise_id"], only)
    seen = {r["sign_id"]: r["at"] for r in rows(
        db, "SELECT sign_id, MAX(at) AS at FROM sign_presence WHERE user_id = ? AND enterprise_id = ? AND at >= ?"
            " GROUP BY sign_id", (user_id, checklist["enterprise_id"], midnight.isoformat(timespec="seconds")))}
    for sign in found:
        sign["scanned_at"] = seen.get(sign["id"])
    return found
