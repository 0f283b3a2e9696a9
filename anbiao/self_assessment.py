"""安全生产标准化自评 against GB/T 33000-2016's eight elements (inspect/reference/self_assessment.toml).

An enterprise's manager starts a self-assessment on the newest standard and scores each item one element at a time:
符合, 扣分 (0.5 up to its points, by half points, with the reason) or 不适用. Evidence is linked to each deduction (an
inspection or a hazard of the enterprise, a document named, a photo); a failed item may be raised as a hazard of the
enterprise; then it is submitted. Score = points kept ÷ applicable points × 100, one decimal, where an item marked
不适用 counts in neither; each element is scored the same way. A submitted self-assessment is frozen (hazards may still
be raised from its failed items) and an enterprise with no standardization status becomes 自评.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import audit, hazards, library, photos
from .db import now, one, rows
from .five_s import amount  # a deduction as typed, read the same way as a 5S one
from .inspections import Refused

STEP = 0.5  # deductions go by half points, as on the paper 评分表
MAX_NOTE = 500
RESULTS = {"full": "符合", "deduct": "扣分", "na": "不适用"}
EVIDENCE = {"inspection": "检查记录", "hazard": "隐患", "document": "文件资料", "photo": "照片"}
CHOICES = 30  # recent inspections and hazards offered as evidence
CHOICE_DAYS = 90


@dataclass
class Entry:
    """What the scorer entered for one item: 符合 / 扣分 / 不适用, the points as typed and why."""

    result: str = ""
    points: str = ""
    note: str = ""


def percent(kept: float, applicable: float) -> float | None:
    """The score: points kept ÷ applicable points × 100, one decimal; None when nothing applies."""
    return round(kept / applicable * 100, 1) if applicable else None


def points_text(value) -> str:
    """A score or a deduction as people write it: 92, 92.5."""
    return f"{value:g}" if isinstance(value, int | float) else "—"


def standard(db) -> dict | None:
    """The newest self-assessment standard in the library."""
    return next(iter(library.current_docs(db, "self_assessment")), None)


def criteria(db, doc_id: int) -> list[dict]:
    """A standard's items in order, each with its element code and name and its points."""
    found = library.items(db, doc_id)
    for item in found:
        extra = json.loads(item.pop("extra") or "{}")
        item["element"] = extra.get("element")
        item["element_name"] = library.ELEMENTS.get(item["element"], "")
        item["points"] = extra.get("points") or 0
    return found


def elements(items: list[dict]) -> list[dict]:
    """The items grouped by element, in the standard's order."""
    found: dict = {}
    for item in items:
        found.setdefault(item["element"], {"code": item["element"], "name": item["element_name"], "items": []})
        found[item["element"]]["items"].append(item)
    return list(found.values())


def start(db, enterprise_id: int, doc_id: int, by: int) -> int:
    """A new self-assessment of an enterprise on a standard; an unsubmitted one already open is returned instead."""
    found = one(db, "SELECT id FROM self_assessments WHERE enterprise_id = ? AND submitted_at IS NULL"
                    " ORDER BY id DESC LIMIT 1", (enterprise_id,))
    if found:
        return found["id"]
    assessment_id = db.execute(
        "INSERT INTO self_assessments (enterprise_id, library_doc_id, started_by, started_at) VALUES (?,?,?,?)",
        (enterprise_id, doc_id, by, now())).lastrowid
    audit.record(db, by, "self_assess_start", "enterprise", enterprise_id, {"self_assessment": assessment_id})
    return assessment_id


def get(db, assessment_id) -> dict | None:
    """One self-assessment with its standard's title and who started and submitted it."""
    return one(db, "SELECT a.*, d.title AS standard_title, d.version AS standard_version, s.name AS starter_name,"
                   " b.name AS submitter_name FROM self_assessments a JOIN library_docs d ON d.id = a.library_doc_id"
                   " LEFT JOIN users s ON s.id = a.started_by LEFT JOIN users b ON b.id = a.submitted_by"
                   " WHERE a.id = ?", (assessment_id,))


def of_enterprise(db, enterprise_id: int) -> list[dict]:
    """An enterprise's self-assessments, newest first."""
    return rows(db, "SELECT a.*, s.name AS starter_name, b.name AS submitter_name FROM self_assessments a"
                    " LEFT JOIN users s ON s.id = a.started_by LEFT JOIN users b ON b.id = a.submitted_by"
                    " WHERE a.enterprise_id = ? ORDER BY a.id DESC", (enterprise_id,))


def entries(db, assessment_id: int) -> dict[int, dict]:
    """What was entered for each item scored so far, by library item id."""
    return {r["library_item_id"]: r for r in rows(
        db, "SELECT * FROM self_assessment_items WHERE assessment_id = ?", (assessment_id,))}


def check(items: list[dict], answers: dict[int, Entry]) -> list[dict]:
    """An element's form checked: each item's result, deduction and note; raises Refused naming every item."""
    problems: list[str] = []
    reasons: dict = {}
    found = []
    for item in items:
        entry = answers.get(item["id"]) or Entry()
        label, top = f"{item['code']} {item['name']}", points_text(item["points"])
        said = []
        note = " ".join(str(entry.note or "").split())
        points = 0.0
        if entry.result not in RESULTS:
            said.append("请选择 符合、扣分 或 不适用")
        elif entry.result == "deduct":
            points = amount(entry.points)
            if points is None:
                said.append(f"扣分请填数字：0.5 到 {top} 分")
            elif not 0 < points <= item["points"]:
                said.append(f"扣分应在 0.5 到 {top} 分之间（本条 {top} 分）")
            elif points % STEP:
                said.append(f"扣分按 {points_text(STEP)} 分一档，如 1、1.5、2")
            if not note:
                said.append("扣了分，请写明扣分原因")
        if len(note) > MAX_NOTE:
            said.append(f"说明不超过{MAX_NOTE}字")
        for reason in said:
            problems.append(f"{label}：{reason}")
            reasons.setdefault(item["id"], []).append(reason)
        found.append({"item": item, "deducted": points if entry.result == "deduct" else 0.0,
                      "not_applicable": entry.result == "na", "note": note})
    if problems:
        raise Refused(problems, reasons)
    return found


def save_element(db, assessment: dict, items: list[dict], answers: dict[int, Entry], by: int) -> None:
    """Record one element's scores (all or nothing); raises Refused, writing nothing, when any is wrong."""
    if assessment["submitted_at"]:
        raise Refused(["自评已提交，不能再修改"])
    found = check(items, answers)
    with db.atomic():
        for f in found:
            db.execute(
                "INSERT INTO self_assessment_items (assessment_id, library_item_id, deducted, not_applicable, note)"
                " VALUES (?,?,?,?,?) ON CONFLICT (assessment_id, library_item_id) DO UPDATE SET"
                " deducted = excluded.deducted, not_applicable = excluded.not_applicable, note = excluded.note",
                (assessment["id"], f["item"]["id"], f["deducted"], int(f["not_applicable"]), f["note"]))
        audit.record(db, by, "self_assess_score", "enterprise", assessment["enterprise_id"],
                     {"self_assessment": assessment["id"], "element": items[0]["element"] if items else None,
                      "deducted": sum(f["deducted"] for f in found)})


def tally(items: list[dict], entered: dict[int, dict]) -> dict:
    """The score of a set of items: points, applicable points, deductions, kept, the percentage, and how many items
    are entered; an item not entered yet counts as applicable and full."""
    points = sum(i["points"] for i in items)
    na = sum(i["points"] for i in items if entered.get(i["id"], {}).get("not_applicable"))
    deducted = sum(entered[i["id"]]["deducted"] for i in items
                   if i["id"] in entered and not entered[i["id"]]["not_applicable"])
    applicable = points - na
    kept = applicable - deducted
    return {"points": points, "applicable": applicable, "deducted": deducted, "kept": kept,
            "score": percent(kept, applicable), "entered": sum(i["id"] in entered for i in items),
            "count": len(items)}


def summary(db, assessment: dict) -> dict:
    """Every element's tally and the whole's, with the items (each with what was entered, its evidence and hazard)."""
    items = criteria(db, assessment["library_doc_id"])
    entered = entries(db, assessment["id"])
    proofs = evidence_of(db, assessment["id"])
    for item in items:
        item["entry"] = entered.get(item["id"])
        item["evidence"] = proofs.get(item["id"], [])
    groups = elements(items)
    for group in groups:
        group["tally"] = tally(group["items"], entered)
    return {"elements": groups, "items": items, "tally": tally(items, entered)}


# ---- evidence ----

def evidence_choices(db, enterprise_id: int) -> dict:
    """The enterprise's recent inspections (of the last CHOICE_DAYS days, read checklist by checklist through their
    index) and hazards, offered as evidence."""
    since = (datetime.now(UTC) - timedelta(days=CHOICE_DAYS)).isoformat(timespec="seconds")
    return {
        "inspection": rows(db, "SELECT i.id, i.submitted_at, c.title FROM checklists c"
                               " JOIN inspections i ON i.checklist_id = c.id AND i.submitted_at >= ?"
                               " WHERE c.enterprise_id = ? ORDER BY i.submitted_at DESC LIMIT ?",
                           (since, enterprise_id, CHOICES)),
        "hazard": rows(db, "SELECT id, description, reported_at, status FROM hazards WHERE enterprise_id = ?"
                           " ORDER BY id DESC LIMIT ?", (enterprise_id, CHOICES)),
    }


def add_evidence(db, assessment: dict, item: dict, *, kind, ref, note, pictures, by) -> int:
    """Link one piece of evidence to an item's deduction: an inspection or hazard of the enterprise, a document named in
    the note, or a photo; raises Refused (with the field) writing nothing."""
    if assessment["submitted_at"]:
        raise Refused(["自评已提交，不能再添加证据"])
    entry = one(db, "SELECT * FROM self_assessment_items WHERE assessment_id = ? AND library_item_id = ?",
                (assessment["id"], item["id"]))
    if not entry or not entry["deducted"]:
        raise Refused(["本条没有扣分：证据附在扣分上，请先在要素评分中扣分并写明原因"])
    note = " ".join(str(note or "").split())
    if kind not in EVIDENCE:
        raise Refused(["请选择证据类型：检查记录、隐患、文件资料或照片"], {"kind": ["请选择证据类型"]})
    if len(note) > MAX_NOTE:
        raise Refused([f"说明不超过{MAX_NOTE}字"], {"note": [f"说明不超过{MAX_NOTE}字"]})
    ref_id = None
    if kind in ("inspection", "hazard"):
        table = "inspections" if kind == "inspection" else "hazards"
        ref_id = int(ref) if str(ref or "").isdigit() else None
        if ref_id is None or not one(db, f"SELECT 1 AS x FROM {table} WHERE id = ? AND enterprise_id = ?",
                                     (ref_id, assessment["enterprise_id"])):
            said = f"请从本企业的{EVIDENCE[kind]}中选择一条"
            raise Refused([said], {"ref": [said]})
    if kind == "document" and not note:
        raise Refused(["请写明文件资料的名称、编号或页码"], {"note": ["请写明文件资料的名称、编号或页码"]})
    if kind == "photo" and not pictures:
        raise Refused(["请拍照或选择照片"], {"photo": ["请拍照或选择照片"]})
    with db.atomic():
        photo_ids = [photos.save(db, p, by) for p in pictures] if kind == "photo" else [None]
        first = None
        for photo_id in dict.fromkeys(photo_ids):
            evidence_id = db.execute(
                "INSERT INTO self_assessment_evidence (assessment_id, library_item_id, kind, ref_id, note, photo_id,"
                " added_by, added_at) VALUES (?,?,?,?,?,?,?,?)",
                (assessment["id"], item["id"], kind, ref_id, note, photo_id, by, now())).lastrowid
            first = first or evidence_id
        audit.record(db, by, "self_assess_evidence", "enterprise", assessment["enterprise_id"],
                     {"self_assessment": assessment["id"], "item": item["code"], "kind": kind})
    return first


def evidence_of(db, assessment_id: int) -> dict[int, list[dict]]:
    """Each item's evidence in the order it was added, with what it points at named."""
    found = rows(db, "SELECT v.*, p.hash AS photo_hash, p.taken_at, u.name AS added_by_name,"
                     " c.title AS inspection_title, i.submitted_at AS inspected_at,"
                     " h.description AS hazard_description, h.status AS hazard_status"
                     " FROM self_assessment_evidence v LEFT JOIN photos p ON p.id = v.photo_id"
                     " LEFT JOIN users u ON u.id = v.added_by"
                     " LEFT JOIN inspections i ON v.kind = 'inspection' AND i.id = v.ref_id"
                     " LEFT JOIN checklists c ON c.id = i.checklist_id"
                     " LEFT JOIN hazards h ON v.kind = 'hazard' AND h.id = v.ref_id"
                     " WHERE v.assessment_id = ? ORDER BY v.id", (assessment_id,))
    out: dict = {}
    for f in found:
        out.setdefault(f["library_item_id"], []).append(f)
    return out


def holds_photo(db, assessment_id: int, photo_hash: str) -> bool:
    """Whether a photo is evidence in a self-assessment."""
    return bool(one(db, "SELECT 1 AS x FROM self_assessment_evidence v JOIN photos p ON p.id = v.photo_id"
                        " WHERE v.assessment_id = ? AND p.hash = ?", (assessment_id, photo_hash)))


# ---- a failed item becomes a hazard ----

def raise_hazard(db, assessment: dict, item: dict, *, unit_id, description, category, level, pictures, by,
                 place=None) -> int:
    """A failed (deducted) item raised as a hazard of the enterprise, named after the item, its photos new or the item's
    photo evidence; one hazard per item. Returns the hazard's id; raises Refused writing nothing."""
    entry = one(db, "SELECT * FROM self_assessment_items WHERE assessment_id = ? AND library_item_id = ?",
                (assessment["id"], item["id"]))
    if not entry or not entry["deducted"]:
        raise Refused(["本条没有扣分，不能列为隐患"])
    if entry["hazard_id"]:
        raise Refused(["本条已列为隐患"])
    kept = [r["photo_id"] for r in rows(
        db, "SELECT DISTINCT photo_id FROM self_assessment_evidence WHERE assessment_id = ? AND library_item_id = ?"
            " AND photo_id IS NOT NULL ORDER BY photo_id", (assessment["id"], item["id"]))]
    words = " ".join(str(description or "").split()) or entry["note"]
    try:
        # The reporter's photos, or the item's photo evidence, are the hazard's before-photos.
        values = hazards.check_report(db, description=f"标准化自评 {item['code']} {item['name']}：{words}",
                                      category=category, level=level, before=pictures or kept)
    except hazards.Refused as exc:
        raise Refused([str(exc)], {exc.field: [str(exc)]} if exc.field else {}) from exc
    with db.atomic():
        hazard_id = hazards.create(db, enterprise_id=assessment["enterprise_id"], unit_id=unit_id, source="report",
                                   values=values, by=by, before=pictures, place=place,
                                   kept_photos=[] if pictures else kept)
        db.execute("UPDATE self_assessment_items SET hazard_id = ? WHERE assessment_id = ? AND library_item_id = ?",
                   (hazard_id, assessment["id"], item["id"]))
    return hazard_id


def raised(db, assessment_id: int) -> list[dict]:
    """The hazards raised from a self-assessment's items, with their item and state."""
    return rows(db, "SELECT s.library_item_id, l.code, l.name AS item_name, h.id, h.description, h.level, h.status,"
                    " h.reported_at FROM self_assessment_items s JOIN hazards h ON h.id = s.hazard_id"
                    " JOIN library_items l ON l.id = s.library_item_id WHERE s.assessment_id = ? ORDER BY l.position",
                (assessment_id,))


# ---- submitting ----

def submit(db, assessment: dict, by: int, *, confirmed: bool) -> float:
    """Submit a self-assessment: every item scored, every deduction with its evidence; the score is kept and an
    enterprise with no standardization status becomes 自评. Returns the score; raises Refused writing nothing."""
    if assessment["submitted_at"]:
        raise Refused(["自评已提交"])
    found = summary(db, assessment)
    problems = []
    if not confirmed:
        problems.append("请勾选确认：以上自评如实反映本企业情况")
    missing = [g for g in found["elements"] if g["tally"]["entered"] < g["tally"]["count"]]
    problems += [f"{g['code']} {g['name']}：还有 {g['tally']['count'] - g['tally']['entered']} 条未评分"
                 for g in missing]
    bare = [i for i in found["items"] if i["entry"] and i["entry"]["deducted"] and not i["evidence"]]
    problems += [f"{i['code']} {i['name']}：扣了分，请附上证据" for i in bare]
    if problems:
        raise Refused(problems)
    whole = found["tally"]
    stamp = now()
    with db.atomic():
        db.execute("UPDATE self_assessments SET submitted_by = ?, submitted_at = ?, score = ?, full_score = ?"
                   " WHERE id = ?", (by, stamp, whole["score"], whole["applicable"], assessment["id"]))
        db.execute("UPDATE enterprises SET standard_status = 'self_assessed', updated_at = ?"
                   " WHERE id = ? AND standard_status = 'none'", (stamp, assessment["enterprise_id"]))
        audit.record(db, by, "self_assess_submit", "enterprise", assessment["enterprise_id"],
                     {"self_assessment": assessment["id"], "score": whole["score"]})
    return whole["score"]
