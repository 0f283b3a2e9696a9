"""Hazards and their loop: 隐患 → 整改 (四定) → 验收 → 闭环, until every unit is 清零."""

import json
from datetime import date

from . import audit, library, photos
from .db import now, one, rows
from .due import local_now
from .refusal import Refused

LEVELS = {"general": "一般", "major": "重大"}
STATUS = {"reported": "待分派", "assigned": "整改中", "rectified": "待验收", "closed": "已闭环"}
SOURCES = {"inspection": "检查发现", "report": "随手拍", "qr": "扫码举报"}
MAX_TEXT = 1000
MAX_MONEY = 100_000_000
OPEN = "('reported','assigned','rectified')"  # as an IN list, so the (enterprise, status) index is used


def categories(db) -> dict[str, str]:
    """The hazard categories of the library: code → name."""
    return {i["code"]: i["name"] for i in library.reference(db, "hazard_categories")}


def _text(value, label, required=True, limit=MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValueError(f"请填写{label}")
    if len(text) > limit:
        raise ValueError(f"{label}不超过{limit}字")
    return text


def _not_reshot(before_hashes, after) -> None:
    """整改靠补拍: an 'after' photo that is the very 'before' photo proves nothing."""
    if any(p.hash in before_hashes for p in after):
        raise ValueError("整改后照片不能与整改前照片相同，请拍摄整改后的现场")


def check_report(db, *, description, category, level, on_the_spot=False, before=(), after=()) -> dict:
    """The fields of a new hazard, checked; raises Refused in Chinese, naming the field."""
    if category not in categories(db):
        raise Refused("请选择隐患类别", "category")
    if level not in LEVELS:
        raise Refused("请选择一般隐患或重大隐患", "level")
    if not before:
        raise Refused("请拍照或上传隐患照片", "photos")
    if on_the_spot and level == "major":
        raise Refused("重大隐患不能立行立改，须列入整改清单", "on_the_spot")
    if on_the_spot and not after:
        raise Refused("立行立改须上传整改后照片", "after_photos")
    try:
        if on_the_spot:
            _not_reshot({p.hash for p in before}, after)
    except ValueError as exc:
        raise Refused(str(exc), "after_photos") from exc
    try:
        text = _text(description, "隐患描述")
    except ValueError as exc:
        raise Refused(str(exc), "description") from exc
    return {"description": text, "category": category, "level": level, "on_the_spot": bool(on_the_spot)}


def _where(place: dict) -> tuple:
    return (place.get("client_time"), place.get("latitude"), place.get("longitude"), place.get("accuracy"))


def _event(db, hazard_id, by, action, note="", place=None, detail=None) -> int:
    place = place or {}
    cur = db.execute(
        "INSERT INTO hazard_events (hazard_id, at, user_id, action, note, client_time, latitude, longitude,"
        " accuracy, detail) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (hazard_id, now(), by, action, note, *_where(place), json.dumps(detail or {}, ensure_ascii=False)),
    )
    audit.record(db, by, action, "hazard", hazard_id, {"note": note, **(detail or {})})
    return cur.lastrowid


def _attach(db, hazard_id, event_id, prepared, stage, by) -> None:
    for item in prepared:
        photo_id = photos.save(db, item, by)
        db.execute("INSERT INTO hazard_photos (hazard_id, event_id, photo_id, stage) VALUES (?,?,?,?)",
                   (hazard_id, event_id, photo_id, stage))


def create(db, *, enterprise_id, unit_id, source, values, by, before, after=(), place=None, inspection_id=None,
           checklist_item_id=None, kept_photos=(), risk_point_id=None) -> int:
    """Record a checked hazard with its photos, in the caller's transaction; 立行立改 closes it at once. A hazard
    found at an item made from a risk point's measure belongs to that point."""
    place = place or {}
    stamp = now()
    spot = values["on_the_spot"]
    cur = db.execute(
        "INSERT INTO hazards (enterprise_id, unit_id, inspection_id, checklist_item_id, source, description, category,"
        " level, status, reported_by, reported_at, client_time, latitude, longitude, accuracy, rectified_by,"
        " rectified_at, closed_at, on_the_spot, supervised) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (enterprise_id, unit_id, inspection_id, checklist_item_id, source, values["description"], values["category"],
         values["level"], "closed" if spot else "reported", by, stamp, *_where(place), by if spot else None,
         stamp if spot else None, stamp if spot else None, 1 if spot else 0,
         # A major hazard is listed for 挂牌督办 from the moment it is reported, not from its assignment.
         1 if values["level"] == "major" else 0),
    )
    hazard_id = cur.lastrowid
    if risk_point_id is None and checklist_item_id is not None:
        found = one(db, "SELECT m.point_id FROM checklist_items i JOIN risk_measures m ON m.id = i.risk_measure_id"
                        " WHERE i.id = ?", (checklist_item_id,))
        risk_point_id = found["point_id"] if found else None
    if risk_point_id is not None:
        db.execute("UPDATE hazards SET risk_point_id = ? WHERE id = ?", (risk_point_id, hazard_id))
    event = _event(db, hazard_id, by, "report", values["description"], place,
                   {"level": values["level"], "category": values["category"], "source": source})
    _attach(db, hazard_id, event, before, "before", by)
    for photo_id in kept_photos:  # photos already stored (a public report's), now evidence of the hazard
        db.execute("INSERT INTO hazard_photos (hazard_id, event_id, photo_id, stage) VALUES (?,?,?,'before')",
                   (hazard_id, event, photo_id))
    if spot:
        event = _event(db, hazard_id, by, "on_the_spot", "立行立改", place)
        _attach(db, hazard_id, event, after, "after", by)
    return hazard_id


def report(db, *, enterprise_id, unit_id, fields, before, after, by, place=None, risk_point_id=None) -> int:
    """随手拍: a hazard reported on its own, at a chosen unit (and, if the reporter says so, of a risk point)."""
    values = check_report(db, before=before, after=after, **fields)
    with db.atomic():
        return create(db, enterprise_id=enterprise_id, unit_id=unit_id, source="report", values=values, by=by,
                      before=before, after=after, place=place, risk_point_id=risk_point_id)


def get(db, hazard_id) -> dict | None:
    """One hazard with its people and place names, and the risk point it belongs to."""
    found = one(db, SELECT + " WHERE h.id = ?", (hazard_id,))
    if found and found["risk_point_id"]:
        point = one(db, "SELECT name, colour FROM risk_points WHERE id = ?", (found["risk_point_id"],))
        found.update(risk_point_name=point["name"], risk_point_colour=point["colour"])
    return found


# Public: hazard_lists reads many hazards with the same columns and joins as `get` reads one.
COLUMNS = (
    "h.*, e.name AS enterprise_name, u.name AS unit_name, p.name AS parent_unit_name,"
    " r.name AS reporter_name, r.role AS reporter_role, o.name AS owner_name, x.name AS rectifier_name,"
    " v.name AS verifier_name"
)
SELECT = (
    f"SELECT {COLUMNS}"
    " FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id LEFT JOIN units u ON u.id = h.unit_id"
    " LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN users r ON r.id = h.reported_by"
    " LEFT JOIN users o ON o.id = h.owner_id LEFT JOIN users x ON x.id = h.rectified_by"
    " LEFT JOIN users v ON v.id = h.verified_by"
)


def owners(db, hazard) -> list[dict]:
    """Who may be named to fix a hazard: the enterprise's people whose unit covers it."""
    unit = one(db, "SELECT * FROM units WHERE id = ?", (hazard["unit_id"],)) if hazard["unit_id"] else None
    covering = [u for u in (unit and unit["id"], unit and unit["parent_id"]) if u]
    marks = ",".join("?" * len(covering)) or "NULL"
    return rows(db, f"SELECT id, name, role FROM users WHERE active = 1 AND enterprise_id = ?"
                    f" AND (role = 'manager' OR unit_id IN ({marks})) ORDER BY role, name",
                [hazard["enterprise_id"], *covering])


def _deadline(value) -> str:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise ValueError("请填写整改期限（日期）") from exc
    if day < local_now().date():
        raise ValueError("整改期限不能早于今天")
    return day.isoformat()


def _money(value) -> float:
    text = (value or "").strip().replace(",", "").replace("，", "")
    if not text:
        return 0.0
    try:
        money = float(text)
    except ValueError as exc:
        raise ValueError("整改资金请填写金额（元），如 1500") from exc
    if not 0 <= money <= MAX_MONEY:
        raise ValueError("整改资金应在 0 到 1 亿元之间")
    return round(money, 2)


def assign(db, hazard, *, owner_id, measure, money, deadline, plan, by, place=None) -> None:
    """四定: owner, measure, money, deadline; a major one also needs its plan (五落实) and is listed for 挂牌督办."""
    if hazard["status"] not in ("reported", "assigned"):
        raise ValueError("该隐患已整改，不能再分派")
    if not any(o["id"] == owner_id for o in owners(db, hazard)):
        raise ValueError("请选择本单元的整改责任人")
    values = {"owner_id": owner_id, "measure": _text(measure, "整改措施"), "money": _money(money),
              "deadline": _deadline(deadline), "plan": _text(plan, "应急预案（重大隐患须有预案）",
                                                             required=hazard["level"] == "major") or None}
    values["supervised"] = 1 if hazard["level"] == "major" else 0
    with db.atomic():
        db.execute("UPDATE hazards SET owner_id = ?, measure = ?, money = ?, deadline = ?, plan = ?, supervised = ?,"
                   " status = 'assigned', assigned_by = ?, assigned_at = ? WHERE id = ?",
                   (*values.values(), by, now(), hazard["id"]))
        _event(db, hazard["id"], by, "assign", values["measure"], place, values)


def rectify(db, hazard, *, note, after, by, place=None) -> None:
    """The owner reports the fix with after-photos; it then waits for someone else to verify it."""
    if hazard["status"] != "assigned":
        raise ValueError("该隐患不在整改中")
    note = _text(note, "整改情况")
    if not after:
        raise ValueError("请上传整改后照片")
    _not_reshot({p["hash"] for p in pictures(db, hazard["id"])["before"]}, after)
    if any(p.hash in _before_reopen(db, hazard["id"]) for p in after):
        raise ValueError("该隐患回头看复查时整改失效，请拍摄重新整改后的现场，不能沿用原来的照片")
    with db.atomic():
        db.execute("UPDATE hazards SET status = 'rectified', rectified_by = ?, rectified_at = ? WHERE id = ?",
                   (by, now(), hazard["id"]))
        event = _event(db, hazard["id"], by, "rectify", note, place)
        _attach(db, hazard["id"], event, after, "after", by)


def verify(db, hazard, *, result: str, note, evidence, by, place=None) -> None:
    """验收 by someone other than the rectifier: pass closes the hazard, fail sends it back with the reason."""
    if result not in ("pass", "fail"):
        raise ValueError("请选择验收通过或退回整改")
    passed = result == "pass"
    if hazard["status"] != "rectified":
        raise ValueError("该隐患还没有提交整改，不能验收")
    if hazard["rectified_by"] == by:
        raise ValueError("整改人不能验收自己的整改，请由其他人验收")
    note = _text(note, "退回原因", required=not passed)
    with db.atomic():
        if passed:
            db.execute("UPDATE hazards SET status = 'closed', verified_by = ?, closed_at = ? WHERE id = ?",
                       (by, now(), hazard["id"]))
        else:
            db.execute("UPDATE hazards SET status = 'assigned', rectified_by = NULL, rectified_at = NULL"
                       " WHERE id = ?", (hazard["id"],))
        event = _event(db, hazard["id"], by, "verify_pass" if passed else "verify_fail", note, place)
        _attach(db, hazard["id"], event, evidence, "verify", by)


def timeline(db, hazard_id) -> list[dict]:
    """Every event of a hazard with its photos, oldest first."""
    events = rows(db, "SELECT ev.*, u.name AS user_name FROM hazard_events ev LEFT JOIN users u ON u.id = ev.user_id"
                      " WHERE hazard_id = ? ORDER BY ev.id", (hazard_id,))
    pictures = rows(db, "SELECT hp.event_id, hp.stage, ph.hash, ph.taken_at, ph.width, ph.height FROM hazard_photos hp"
                        " JOIN photos ph ON ph.id = hp.photo_id WHERE hp.hazard_id = ? ORDER BY hp.id", (hazard_id,))
    fix = []
    for event in events:
        event["photos"] = [p for p in pictures if p["event_id"] == event["id"]]
        if event["action"] in ("rectify", "on_the_spot"):
            fix = [dict(p, uploaded_at=event["at"]) for p in event["photos"] if p["stage"] == "after"]
        elif event["action"] in REVISITS:
            # 回头看: the photos of the fix that was revisited, to be set beside the new ones.
            event["fix_photos"] = fix
            event["revisit_photos"] = [dict(p, uploaded_at=event["at"]) for p in event["photos"]]
    return events


# 回头看 (anbiao/reverify.py): a closed hazard revisited; a fix that held keeps it closed, one that did not reopens it.
REVISITS = {"reverify_held": "回头看复查：整改有效", "reopen": "回头看复查：整改失效，重新打开"}


def revisit(db, hazard, *, held: bool, note, evidence, by, place=None, detail=None) -> int:
    """A closed hazard seen again with new photos (stage 'verify', with their times), in the caller's transaction.
    A fix that did not hold reopens the hazard at 'reported' (待分派): the enterprise sets a new 四定 and the loop
    runs again to a new verification. Returns the event."""
    if hazard["status"] != "closed":
        raise ValueError("该隐患已不在闭环状态，不能复查")
    if not evidence:
        raise ValueError("请拍摄复查现场照片")
    known = {p["hash"] for stage in pictures(db, hazard["id"]).values() for p in stage}
    if any(p.hash in known for p in evidence):
        raise ValueError("复查照片不能沿用该隐患已有的照片，请拍摄现场")
    note = _text(note, "整改失效的情况", required=not held)
    if not held:
        db.execute("UPDATE hazards SET status = 'reported', rectified_by = NULL, rectified_at = NULL,"
                   " verified_by = NULL, closed_at = NULL WHERE id = ?", (hazard["id"],))
    event = _event(db, hazard["id"], by, "reverify_held" if held else "reopen", note, place,
                   {"held": held, **(detail or {})})
    _attach(db, hazard["id"], event, evidence, "verify", by)
    return event


def _before_reopen(db, hazard_id) -> set[str]:
    """The photos a hazard had when it was last reopened: a new fix must show new ones."""
    last = one(db, "SELECT MAX(id) AS id FROM hazard_events WHERE hazard_id = ? AND action = 'reopen'", (hazard_id,))
    if not last or last["id"] is None:
        return set()
    return {r["hash"] for r in rows(db, "SELECT ph.hash FROM hazard_photos hp JOIN photos ph ON ph.id = hp.photo_id"
                                        " WHERE hp.hazard_id = ? AND hp.event_id <= ?", (hazard_id, last["id"]))}


def pictures(db, hazard_id) -> dict[str, list[dict]]:
    """A hazard's photos by stage, with their capture and upload times."""
    return pictures_of(db, [hazard_id])[hazard_id]


def pictures_of(db, hazard_ids: list[int]) -> dict[int, dict[str, list[dict]]]:
    """The photos of a page of hazards by stage, in one query."""
    found = {h: {stage: [] for stage in ("before", "after", "verify")} for h in hazard_ids}
    if hazard_ids:
        for p in rows(db, "SELECT hp.hazard_id, hp.stage, ph.hash, ph.taken_at, ev.at AS uploaded_at"
                          " FROM hazard_photos hp JOIN photos ph ON ph.id = hp.photo_id"
                          " JOIN hazard_events ev ON ev.id = hp.event_id"
                          f" WHERE hp.hazard_id IN ({','.join('?' * len(hazard_ids))}) ORDER BY hp.id", hazard_ids):
            found[p.pop("hazard_id")][p["stage"]].append(p)
    return found


def is_overdue(hazard, today: date | None = None) -> bool:
    """Still being fixed after its deadline (Beijing date); one waiting for verification is not the owner's delay."""
    today = today or local_now().date()
    return hazard["status"] == "assigned" and date.fromisoformat(hazard["deadline"]) < today


def add_evidence(db, hazard, *, note, photos, by, place=None) -> None:
    """The same hazard found again (a sign checked 破损 twice): new photos join it instead of a second hazard."""
    event = _event(db, hazard["id"], by, "found_again", note, place)
    _attach(db, hazard["id"], event, photos, "before", by)
