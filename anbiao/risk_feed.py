"""Risk points feed the three lists: a unit's 表册 or 卡片 (and the enterprise's 检查清单) is offered the control
measures of the points it covers, each marked by its point's colour, and a point whose measures are checked at no
level that controls it (分级管控) is flagged."""

from . import checklists, risk_points
from .db import rows
from .risk import COLOUR_NAMES

TIER_LEVEL = {"enterprise": "enterprise", "workshop": "workshop", "post": "post"}


def covered_units(db, enterprise_id: int, unit: dict | None) -> list[int] | None:
    """The units whose points a list covers: the whole enterprise (None), a workshop and its posts, or one post."""
    if unit is None:
        return None
    if unit["kind"] == "post":
        return [unit["id"]]
    return [unit["id"], *(r["id"] for r in rows(db, "SELECT id FROM units WHERE parent_id = ? AND archived_at IS NULL",
                                                  (unit["id"],)))]


def offered(db, enterprise_id: int, unit: dict | None, checklist_id: int | None = None) -> list[dict]:
    """The points a list at this unit covers, worst first, each with its measures and whether this level controls
    it (then its measures are picked by default); measures already in `checklist_id` are marked as such."""
    units = covered_units(db, enterprise_id, unit)
    points = risk_points.of_enterprise(db, enterprise_id) if units is None else risk_points.of_units(db, units)
    level = "enterprise" if unit is None else unit["kind"]
    control = risk_points.control(db)
    found = risk_points.measures(db, [p["id"] for p in points])
    present = set()
    if checklist_id is not None:
        present = {r["risk_measure_id"] for r in rows(
            db, "SELECT risk_measure_id FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL"
                " AND risk_measure_id IS NOT NULL", (checklist_id,))}
    for point in points:
        point["controlled_here"] = level in control.get(point["colour"], {}).get("levels", [])
        point["measures"] = [dict(m, present=m["id"] in present) for m in found[point["id"]]]
    return [p for p in points if p["measures"]]


def items(db, enterprise_id: int, unit: dict | None, measure_ids) -> list[dict]:
    """Checklist items made from picked measures (a measure of a point the list does not cover is refused)."""
    wanted = [int(m) for m in measure_ids]
    if not wanted:
        return []
    by_id = {m["id"]: (p, m) for p in offered(db, enterprise_id, unit) for m in p["measures"]}
    out = []
    for measure_id in wanted:
        if measure_id not in by_id:
            raise ValueError("所选管控措施不属于本单位的风险点")
        point, measure = by_id[measure_id]
        out.append({"aspect": risk_points.MEASURE_ASPECTS[measure["kind"]],
                    "content": f"{point['name']}：{measure['content']}", "section": "风险点管控措施",
                    "risk_measure_id": measure_id})
    return out


def add_to(db, checklist: dict, measure_ids, by=None) -> int:
    """Add picked measures to an existing list (one not already in it); returns how many were added."""
    unit = None
    if checklist["unit_id"] is not None:
        unit = rows(db, "SELECT * FROM units WHERE id = ?", (checklist["unit_id"],))[0]
    present = {r["risk_measure_id"] for r in rows(
        db, "SELECT risk_measure_id FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL",
        (checklist["id"],))}
    made = [i for i in items(db, checklist["enterprise_id"], unit, measure_ids) if i["risk_measure_id"] not in present]
    if not made:
        raise ValueError("请至少选择一条尚未列入的管控措施")
    with db.atomic():
        for item in made:
            checklists.add_item(db, checklist, aspect=item["aspect"], content=item["content"], by=by,
                                risk_measure_id=item["risk_measure_id"], section=item["section"])
    return len(made)


def coverage(db, enterprise_id: int) -> dict[int, dict]:
    """For every point in force: the levels whose active lists check one of its measures, the levels that should
    and do not, and whether none checks it at all."""
    control = risk_points.control(db)
    checked: dict[int, set] = {}
    for r in rows(db, "SELECT DISTINCT m.point_id, c.tier FROM risk_measures m"
                      " JOIN checklist_items i ON i.risk_measure_id = m.id AND i.removed_at IS NULL"
                      " JOIN checklists c ON c.id = i.checklist_id AND c.archived_at IS NULL"
                      " JOIN risk_points p ON p.id = m.point_id"
                      " WHERE p.enterprise_id = ? AND p.retired_at IS NULL AND m.removed_at IS NULL",
                  (enterprise_id,)):
        if r["tier"] in TIER_LEVEL:
            checked.setdefault(r["point_id"], set()).add(TIER_LEVEL[r["tier"]])
    out = {}
    for p in rows(db, "SELECT id, colour FROM risk_points WHERE enterprise_id = ? AND retired_at IS NULL",
                  (enterprise_id,)):
        levels = control.get(p["colour"], {}).get("levels", [])
        done = checked.get(p["id"], set())
        out[p["id"]] = {"checked": [lv for lv in risk_points.LEVEL_NAMES if lv in done],
                        "missing": [lv for lv in levels if lv not in done], "nowhere": not done}
    return out


def item_colours(db, item_ids) -> dict[int, dict]:
    """The colour of the point behind each checklist item made from a measure: {item_id: {colour, name, point}}."""
    ids = [int(i) for i in item_ids]
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {r["id"]: {"colour": r["colour"], "colour_name": COLOUR_NAMES[r["colour"]], "point_id": r["point_id"],
                      "point": r["name"]}
            for r in rows(db, "SELECT i.id, p.id AS point_id, p.colour, p.name FROM checklist_items i JOIN"
                              " risk_measures m ON m.id = i.risk_measure_id JOIN risk_points p ON p.id = m.point_id"
                              f" WHERE i.id IN ({marks})", ids)}

