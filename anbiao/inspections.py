"""检查: one filling of a checklist by one person; never edited, a correction is a new entry linked to the old."""

from dataclasses import dataclass, field

from . import audit, checklists, hazards
from .db import now, one, rows

RESULTS = {"ok": "合格", "hazard": "不合格", "na": "不适用"}


@dataclass
class Answer:
    """What the inspector said of one item."""

    result: str | None
    description: str = ""
    category: str = ""
    level: str = ""
    on_the_spot: bool = False
    before: list = field(default_factory=list)
    after: list = field(default_factory=list)


def _numbers(positions) -> str:
    return "、".join(str(p) for p in positions)


class Refused(ValueError):
    """A form refused: its problems in Chinese for the page, and each item's own reasons by item id."""

    def __init__(self, problems: list[str], reasons: dict[int, list[str]] | None = None):
        super().__init__("；".join(problems))
        self.problems = problems
        self.reasons = reasons or {}


def check(db, items: list[dict], answers: dict[int, Answer]) -> tuple[list[str], dict[int, list[str]]]:
    """Every problem with a filled form by item number, and the same by item id to show beside each item."""
    missing = [(n, item["id"]) for n, item in enumerate(items, 1)
               if answers.get(item["id"], Answer(None)).result not in RESULTS]
    problems = [f"还有 {len(missing)} 项未作答（第 {_numbers(n for n, _ in missing)} 项）"] if missing else []
    reasons = {item_id: ["此项未作答：请选合格、不合格或不适用"] for _, item_id in missing}
    for number, item in enumerate(items, 1):
        answer = answers.get(item["id"])
        if answer and answer.result == "hazard":
            try:
                hazards.check_report(db, description=answer.description, category=answer.category,
                                     level=answer.level, on_the_spot=answer.on_the_spot, before=answer.before,
                                     after=answer.after)
            except ValueError as exc:
                problems.append(f"第 {number} 项不合格：{exc}")
                reasons.setdefault(item["id"], []).append(str(exc))
    return problems, reasons


def submit(db, checklist: dict, inspector_id: int, answers: dict[int, Answer], place: dict | None = None,
           corrects_id: int | None = None, items: list[dict] | None = None) -> int:
    """Record the inspection and one hazard per failed item, all or nothing; raises Refused listing the problems."""
    items = items if items is not None else checklists.get_items(db, checklist["id"])
    problems, reasons = check(db, items, answers)
    if corrects_id is not None:
        old = one(db, "SELECT checklist_id FROM inspections WHERE id = ?", (corrects_id,))
        if not old or old["checklist_id"] != checklist["id"]:
            problems.append("要更正的检查记录不属于这份清单")
    if problems:
        raise Refused(problems, reasons)
    place = place or {}
    with db.atomic():
        cur = db.execute(
            "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at, client_time,"
            " latitude, longitude, accuracy, corrects_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (checklist["id"], checklist["enterprise_id"], checklist["unit_id"], inspector_id, now(),
             place.get("client_time"), place.get("latitude"), place.get("longitude"), place.get("accuracy"),
             corrects_id),
        )
        inspection_id = cur.lastrowid
        db.conn.executemany(
            "INSERT INTO inspection_results (inspection_id, checklist_item_id, position, aspect, content, result,"
            " note) VALUES (?,?,?,?,?,?,?)",
            [(inspection_id, item["id"], item["position"], item["aspect"], item["content"], answers[item["id"]].result,
              answers[item["id"]].description if answers[item["id"]].result == "hazard" else "") for item in items],
        )
        for item in items:
            answer = answers[item["id"]]
            if answer.result == "hazard":
                values = hazards.check_report(db, description=answer.description, category=answer.category,
                                              level=answer.level, on_the_spot=answer.on_the_spot,
                                              before=answer.before, after=answer.after)
                hazards.create(db, enterprise_id=checklist["enterprise_id"], unit_id=checklist["unit_id"],
                               source="inspection", values=values, by=inspector_id, before=answer.before,
                               after=answer.after, place=place, inspection_id=inspection_id,
                               checklist_item_id=item["id"])
        audit.record(db, inspector_id, "submit", "inspection", inspection_id,
                     {"checklist": checklist["id"], "corrects": corrects_id,
                      "failed": sum(a.result == "hazard" for a in answers.values())})
    return inspection_id


def get(db, inspection_id) -> dict | None:
    """An inspection with its checklist, inspector and whether a later entry corrects it."""
    return one(db, "SELECT i.*, c.title, c.tier, u.name AS inspector_name,"
                   " (SELECT MIN(id) FROM inspections x WHERE x.corrects_id = i.id) AS corrected_by"
                   " FROM inspections i JOIN checklists c ON c.id = i.checklist_id"
                   " JOIN users u ON u.id = i.inspector_id WHERE i.id = ?", (inspection_id,))


def results(db, inspection_id) -> list[dict]:
    """The answers as filled, with the words of the items at the time, and the hazard each failure made."""
    return rows(db, "SELECT r.*, h.id AS hazard_id, h.status AS hazard_status FROM inspection_results r"
                    " LEFT JOIN hazards h ON h.inspection_id = r.inspection_id"
                    " AND h.checklist_item_id = r.checklist_item_id WHERE r.inspection_id = ? ORDER BY r.position",
                (inspection_id,))


def history(db, checklist_id, limit=30, where=("1", ())) -> list[dict]:
    """The latest inspections of a checklist with their failure counts; `where` narrows to what a person sees."""
    condition, params = where
    return rows(db, "SELECT i.*, u.name AS inspector_name, (SELECT COUNT(*) FROM inspection_results r"
                    " WHERE r.inspection_id = i.id AND r.result = 'hazard') AS failed"
                    " FROM inspections i JOIN users u ON u.id = i.inspector_id"
                    f" WHERE i.checklist_id = ? AND {condition}"
                    " ORDER BY i.submitted_at DESC, i.id DESC LIMIT ?", (checklist_id, *params, limit))
