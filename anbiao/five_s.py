"""5S 考评 (整理 整顿 清扫 清洁 素养) per post and per person (seed 001 §三(五)).

A post's 5S 考评 is a checklist of kind five_s (checklists.add_five_s) holding the library standard's items, each with
its points (100 in all). A score is an inspection of that checklist, so who scores, how often, due and overdue work as
for any checklist; beside it a five_s_scores row (the post itself, or one person at it), its deductions (each more
than 0 and at most its item's points, with a note and at least one photo) and their photos. Total = full marks −
deductions. A deduction may be raised as a hazard of the post with its photo. Read back: each post's and person's
latest score, their monthly averages over the last year, and rankings within a workshop.
"""

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from . import audit, hazards, library, photos
from .db import now, one, rows
from .due import TZ, as_local, local_now
from .inspections import Refused

GROUPS = {"sort": "整理", "set_in_order": "整顿", "shine": "清扫", "standardize": "清洁", "sustain": "素养"}
WHOM = {"post": "本岗位", "person": "个人"}
STEP = 0.5  # deductions go by half points, as on the paper 考评表
MONTHS = 12  # the trend and the rankings look back a year
MAX_NAME = 40
MAX_NOTE = 500


@dataclass
class Deduction:
    """What the scorer entered against one item: the points as typed (empty is none), why, the photos, and whether
    it is raised as a hazard (with its category and level)."""

    points: str = ""
    note: str = ""
    photos: list = field(default_factory=list)
    hazard: bool = False
    category: str = ""
    level: str = "general"


def points_text(value) -> str:
    """A score or deduction as people write it: 92, 92.5."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def criteria(db, checklist: dict) -> list[dict]:
    """The items of a 5S 考评 in order, each with its points and group from the standard it was copied from."""
    found = rows(db, "SELECT i.*, l.extra FROM checklist_items i LEFT JOIN library_items l ON l.id = i.library_item_id"
                     " WHERE i.checklist_id = ? AND i.removed_at IS NULL ORDER BY i.position, i.id",
                 (checklist["id"],))
    for item in found:
        extra = json.loads(item.pop("extra") or "{}")
        item["points"] = extra.get("points") or 0
        item["group"] = extra.get("group")
    return found


def _threshold_of(db, doc_id) -> dict | None:
    for item in library.items(db, doc_id):
        extra = json.loads(item["extra"] or "{}")
        if extra.get("group") == "threshold" and isinstance(extra.get("below"), int | float):
            return {"below": extra["below"], "name": item["name"]}
    return None


def threshold(db, checklist: dict) -> dict | None:
    """The total below which a hazard is suggested: the threshold item of the checklist's standard, else of the
    newest standard (a checklist made before thresholds existed)."""
    found = _threshold_of(db, checklist["library_doc_id"]) if checklist.get("library_doc_id") else None
    if found is None:
        newest = next(iter(library.current_docs(db, "five_s")), None)
        found = _threshold_of(db, newest["id"]) if newest else None
    return found


def people(db, unit_id: int) -> list[str]:
    """Names to suggest when scoring a person at a post: its accounts, then the names scored there this year."""
    accounts = [r["name"] for r in rows(db, "SELECT name FROM users WHERE unit_id = ? AND active = 1 ORDER BY name",
                                        (unit_id,))]
    scored = [r["person"] for r in rows(
        db, "SELECT person, MAX(scored_at) AS at FROM five_s_scores WHERE unit_id = ? AND scored_at >= ?"
            " AND person IS NOT NULL GROUP BY person ORDER BY at DESC LIMIT 50", (unit_id, _since()))]
    return list(dict.fromkeys(accounts + scored))


def amount(text) -> float | None:
    """A deduction as typed: empty is 0; None when it is not a number."""
    text = str(text or "").strip().replace("，", ".").replace(",", ".")
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check(db, items: list[dict], *, whom, person, deductions: dict[int, Deduction]) -> dict:
    """A filled 5S form checked: who is scored, the deductions taken and the total; raises Refused with every problem
    naming its item (and each item's own reasons by item id, the person's under "whom" and "person")."""
    problems: list[str] = []
    reasons: dict = {}

    def refuse(key, message, said):
        problems.append(message)
        reasons.setdefault(key, []).append(said)

    name = None
    if whom not in WHOM:
        refuse("whom", "请选择考评对象：本岗位或个人", "请选择本岗位或个人")
    elif whom == "person":
        name = " ".join(str(person or "").split())
        if not name:
            refuse("person", "请填写被考评人姓名", "请填写被考评人姓名")
        elif len(name) > MAX_NAME:
            refuse("person", f"被考评人姓名不超过{MAX_NAME}字", f"姓名不超过{MAX_NAME}字")
    categories = hazards.categories(db)
    taken = []
    for number, item in enumerate(items, 1):
        entry = deductions.get(item["id"]) or Deduction()
        label, top = f"第 {number} 项（{item['aspect']}）", points_text(item["points"])
        points = amount(entry.points)
        said = []
        if points is None:
            said.append(f"扣分请填数字：0 到 {top} 分")
        elif not 0 <= points <= item["points"]:
            said.append(f"扣分应在 0 到 {top} 分之间（本项 {top} 分）")
        elif points % STEP:
            said.append(f"扣分按 {points_text(STEP)} 分一档，如 1、1.5、2")
        elif points > 0:
            note = str(entry.note or "").strip()
            if not note:
                said.append("扣了分，请写明扣分原因")
            elif len(note) > MAX_NOTE:
                said.append(f"扣分原因不超过{MAX_NOTE}字")
            if not entry.photos:
                said.append("扣了分，请拍照留证")
            if entry.hazard and entry.category not in categories:
                said.append("列为隐患，请选择隐患类别")
            if entry.hazard and entry.level not in hazards.LEVELS:
                said.append("列为隐患，请选择一般隐患或重大隐患")
            taken.append({"item": item, "points": points, "note": note, "photos": entry.photos,
                          "hazard": bool(entry.hazard), "category": entry.category, "level": entry.level})
        for reason in said:
            refuse(item["id"], f"{label}{reason}", reason)
    if problems:
        raise Refused(problems, reasons)
    full = sum(item["points"] for item in items)
    return {"whom": whom, "person": name, "deductions": taken,
            "total": round(full - sum(t["points"] for t in taken), 1), "full": full}


def score(db, checklist: dict, by: int, *, whom, person, deductions: dict[int, Deduction], place=None,
          items: list[dict] | None = None) -> int:
    """Record one 5S score, all or nothing: the inspection of the post's 5S 考评 with a result per item, the score,
    each deduction with its photos, and a hazard of the post for each deduction raised as one. Returns the score's id;
    raises Refused listing every problem, writing nothing."""
    items = items if items is not None else criteria(db, checklist)
    found = check(db, items, whom=whom, person=person, deductions=deductions)
    place = place or {}
    stamp = now()
    who = found["person"]
    with db.atomic():
        inspection_id = db.execute(
            "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at, client_time,"
            " latitude, longitude, accuracy, note) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (checklist["id"], checklist["enterprise_id"], checklist["unit_id"], by, stamp, place.get("client_time"),
             place.get("latitude"), place.get("longitude"), place.get("accuracy"),
             f"5S 考评 · {who or WHOM['post']} · {points_text(found['total'])} 分")).lastrowid
        # The inspection's own page and counts read its results: a deducted item is 不合格, with why.
        deducted = {t["item"]["id"]: t for t in found["deductions"]}
        db.conn.executemany(
            "INSERT INTO inspection_results (inspection_id, checklist_item_id, position, aspect, content, result,"
            " note) VALUES (?,?,?,?,?,?,?)",
            [(inspection_id, item["id"], item["position"], item["aspect"], item["content"],
              "hazard" if item["id"] in deducted else "ok",
              f"扣 {points_text(deducted[item['id']]['points'])} 分：{deducted[item['id']]['note']}"
              if item["id"] in deducted else "") for item in items])
        account = one(db, "SELECT id FROM users WHERE unit_id = ? AND name = ? AND active = 1 ORDER BY id LIMIT 1",
                      (checklist["unit_id"], who)) if who else None
        score_id = db.execute(
            "INSERT INTO five_s_scores (inspection_id, enterprise_id, unit_id, person, person_user_id, total,"
            " scored_by, scored_at) VALUES (?,?,?,?,?,?,?,?)",
            (inspection_id, checklist["enterprise_id"], checklist["unit_id"], who, account and account["id"],
             found["total"], by, stamp)).lastrowid
        for taken in found["deductions"]:
            photo_ids = list(dict.fromkeys(photos.save(db, p, by) for p in taken["photos"]))
            hazard_id = None
            if taken["hazard"]:
                values = hazards.check_report(
                    db, description=f"5S 考评扣分（{taken['item']['aspect']}）：{taken['note']}",
                    category=taken["category"], level=taken["level"], before=taken["photos"])
                # The deduction's own photos are the hazard's before-photos: stored once, kept by both.
                hazard_id = hazards.create(
                    db, enterprise_id=checklist["enterprise_id"], unit_id=checklist["unit_id"], source="inspection",
                    values=values, by=by, before=[], place=place, inspection_id=inspection_id,
                    checklist_item_id=taken["item"]["id"], kept_photos=photo_ids)
            deduction_id = db.execute(
                "INSERT INTO five_s_deductions (score_id, checklist_item_id, points, note, hazard_id)"
                " VALUES (?,?,?,?,?)", (score_id, taken["item"]["id"], taken["points"], taken["note"],
                                        hazard_id)).lastrowid
            db.conn.executemany("INSERT INTO five_s_photos (deduction_id, photo_id) VALUES (?,?)",
                                [(deduction_id, photo_id) for photo_id in photo_ids])
        audit.record(db, by, "score", "inspection", inspection_id,
                     {"five_s": score_id, "person": who, "total": found["total"],
                      "deductions": len(found["deductions"]),
                      "hazards": sum(t["hazard"] for t in found["deductions"])})
    return score_id


_SCORE = ("SELECT s.*, u.name AS unit_name, u.parent_id AS workshop_id, w.name AS workshop_name,"
          " b.name AS scorer_name, i.checklist_id, i.client_time, i.latitude, i.longitude, i.accuracy"
          " FROM five_s_scores s JOIN units u ON u.id = s.unit_id LEFT JOIN units w ON w.id = u.parent_id"
          " JOIN users b ON b.id = s.scored_by JOIN inspections i ON i.id = s.inspection_id")


def get(db, score_id) -> dict | None:
    """One score with its post, workshop, scorer and the inspection's time and place."""
    return one(db, _SCORE + " WHERE s.id = ?", (score_id,))


def of_inspection(db, inspection_id) -> dict | None:
    """The score an inspection of a 5S 考评 recorded."""
    return one(db, "SELECT id, unit_id FROM five_s_scores WHERE inspection_id = ?", (inspection_id,))


def deductions_of(db, score_id) -> list[dict]:
    """A score's deductions in the items' order, with the item's words and points, the photos and any hazard."""
    found = rows(db, "SELECT d.*, i.aspect, i.content, i.position, l.extra, h.status AS hazard_status"
                     " FROM five_s_deductions d JOIN checklist_items i ON i.id = d.checklist_item_id"
                     " LEFT JOIN library_items l ON l.id = i.library_item_id LEFT JOIN hazards h ON h.id = d.hazard_id"
                     " WHERE d.score_id = ? ORDER BY i.position, d.id", (score_id,))
    pictures = rows(db, "SELECT f.deduction_id, p.hash, p.taken_at FROM five_s_deductions d"
                        " JOIN five_s_photos f ON f.deduction_id = d.id JOIN photos p ON p.id = f.photo_id"
                        " WHERE d.score_id = ? ORDER BY p.id", (score_id,))
    for d in found:
        d["item_points"] = json.loads(d.pop("extra") or "{}").get("points")
        d["photos"] = [p for p in pictures if p["deduction_id"] == d["id"]]
    return found


def holds_photo(db, score_id, photo_hash) -> bool:
    """Whether a photo is evidence of one of a score's deductions."""
    return bool(one(db, "SELECT 1 AS x FROM five_s_deductions d JOIN five_s_photos f ON f.deduction_id = d.id"
                        " JOIN photos p ON p.id = f.photo_id WHERE d.score_id = ? AND p.hash = ?",
                    (score_id, photo_hash)))


# ---- reading back: trends and rankings ----

def _months(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` months, this one last."""
    firsts, year, month = [], today.year, today.month
    for _ in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def _utc(day: date) -> str:
    """The stored (UTC) time at which a Beijing date begins."""
    return datetime.combine(day, time(0), TZ).astimezone(UTC).isoformat(timespec="seconds")


def _since(today: date | None = None) -> str:
    return _utc(_months(today or local_now().date())[0])


def trends(db, unit_id: int, today: date | None = None) -> dict:
    """A post's monthly averages over the last MONTHS months: its own (`post`) and each person's (`people`, by name,
    best latest first); a month without a score has average None."""
    firsts = _months(today or local_now().date())
    found = rows(db, "SELECT id, person, total, scored_at FROM five_s_scores WHERE unit_id = ? AND scored_at >= ?"
                     " ORDER BY scored_at, id", (unit_id, _utc(firsts[0])))
    buckets: dict = {}
    latest: dict = {}
    for r in found:
        day = as_local(r["scored_at"]).date()
        index = (day.year - firsts[0].year) * 12 + day.month - firsts[0].month
        if 0 <= index < len(firsts):
            buckets.setdefault(r["person"], [[] for _ in firsts])[index].append(r["total"])
            latest[r["person"]] = r

    def series(months):
        return [{"month": f"{first:%Y-%m}", "label": f"{first.month}月", "count": len(totals),
                 "average": round(sum(totals) / len(totals), 1) if totals else None}
                for first, totals in zip(firsts, months, strict=True)]

    people = sorted((name for name in buckets if name is not None), key=lambda n: (-latest[n]["total"], n))
    return {"post": series(buckets.get(None) or [[] for _ in firsts]),
            "people": [{"person": name, "latest": latest[name], "series": series(buckets[name])} for name in people]}


def _ranked(found: list[dict]) -> list[dict]:
    """Best total first, each with its rank (equal totals share one: 1, 2, 2, 4)."""
    found = sorted(found, key=lambda s: (-s["total"], s.get("person") or "", s["unit_name"]))
    for index, s in enumerate(found):
        s["rank"] = found[index - 1]["rank"] if index and s["total"] == found[index - 1]["total"] else index + 1
    return found


def _latest(db, unit_ids: list[int], people: bool, since: str) -> list[dict]:
    """The latest score this year of each post (or of each person at them), read through the (unit, time) index."""
    if not unit_ids:
        return []
    marks = ",".join("?" * len(unit_ids))
    who = "s.person IS NOT NULL" if people else "s.person IS NULL"
    return rows(db, "SELECT * FROM (SELECT s.*, u.name AS unit_name, ROW_NUMBER() OVER (PARTITION BY s.unit_id,"
                    " s.person ORDER BY s.scored_at DESC, s.id DESC) AS n FROM five_s_scores s"
                    f" JOIN units u ON u.id = s.unit_id WHERE s.unit_id IN ({marks}) AND {who} AND s.scored_at >= ?)"
                    " WHERE n = 1", [*unit_ids, since])


def workshop(db, workshop_id: int, today: date | None = None) -> dict:
    """A workshop's 5S standing: its posts ranked by their latest score (posts with a 5S 考评 but no score this year
    after them, and how many have none), its people ranked by their latest score, and the posts' average."""
    since = _since(today)
    posts = rows(db, "SELECT u.id, u.name, (SELECT c.id FROM checklists c WHERE c.unit_id = u.id AND c.kind = 'five_s'"
                     " AND c.archived_at IS NULL LIMIT 1) AS checklist_id FROM units u"
                     " WHERE u.parent_id = ? AND u.kind = 'post' AND u.archived_at IS NULL ORDER BY u.position, u.id",
                 (workshop_id,))
    ids = [p["id"] for p in posts]
    scored = _ranked(_latest(db, ids, False, since))
    seen = {s["unit_id"] for s in scored}
    waiting = [p for p in posts if p["checklist_id"] and p["id"] not in seen]
    return {"posts": scored, "waiting": waiting, "without": [p for p in posts if not p["checklist_id"]],
            "people": _ranked(_latest(db, ids, True, since)),
            "average": round(sum(s["total"] for s in scored) / len(scored), 1) if scored else None}


def latest(db, unit_id: int, today: date | None = None) -> dict | None:
    """A post's own latest score this year."""
    found = _latest(db, [unit_id], False, _since(today))
    return found[0] if found else None


# ---- the chart, drawn by the server as SVG ----

def chart(series: list[dict], *, width=360, height=180, below=None, small=False) -> dict:
    """Where to draw a month-by-month line chart: each month's point (the line broken where a month has no score), the
    scale from a round value under the lowest average (and the threshold) up to 100, its ticks, and the threshold."""
    left, right, top, bottom = (3, 3, 3, 3) if small else (30, 18, 10, 24)
    values = [p["average"] for p in series if p["average"] is not None]
    low = min([60, *(v - 5 for v in values), *([below - 10] if below is not None else [])])
    low = max(0, math.floor(low / 10) * 10)
    plot_h = height - top - bottom
    step_x = (width - left - right) / max(1, len(series) - 1)

    def y(value):
        return round(top + (100 - value) / (100 - low) * plot_h, 1)

    segments, current, dots = [], [], []
    for index, point in enumerate(series):
        x = round(left + index * step_x, 1)
        point = dict(point, x=x)
        if point["average"] is None:
            if current:
                segments.append(current)
            current = []
            continue
        point["y"] = y(point["average"])
        current.append(point)
        dots.append(point)
    if current:
        segments.append(current)
    tick = 10 if 100 - low <= 40 else 20
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "bottom": height - bottom, "low": low, "small": small,
        "lines": [" ".join(f"{p['x']},{p['y']}" for p in s) for s in segments],
        "dots": dots, "months": [dict(p, x=round(left + i * step_x, 1)) for i, p in enumerate(series)],
        "ticks": [{"value": v, "y": y(v)} for v in range(low, 101, tick)],
        "threshold": {"value": below, "y": y(below)} if below is not None and low <= below <= 100 else None,
    }
