"""Risk points (风险点) at workshops and posts: what can go wrong there, its assessment (LEC or LS, anbiao/risk.py),
its control measures under the five kinds, and who controls it (分级管控, inspect/reference/risk_control.toml).

A point keeps its current state in one row; every assessment and reassessment is added to its history with a
snapshot of the whole point. Measures keep their ids across reassessments while their wording stays, so the checklist
items offered from them stay tied to them.
"""

import json
from datetime import date

from . import audit, enterprise_colour, library, risk
from .db import now, one, rows
from .due import local_now
from .refusal import Refused

FACTORS = {"person": "人的因素", "thing": "物的因素", "environment": "环境因素", "management": "管理因素"}
MEASURE_KINDS = {"engineering": "工程技术措施", "management": "管理措施", "training": "培训教育措施",
                 "ppe": "个体防护措施", "emergency": "应急处置措施"}
# Where an item offered from a measure goes among the four aspects of a checklist (seed 002).
MEASURE_ASPECTS = {"engineering": "设备设施", "management": "基础管理", "training": "基础管理",
                   "ppe": "作业行为", "emergency": "基础管理"}
TEXTS = {"name": ("风险点名称", 60, True), "place": ("所在位置", 100, False),
         "activity": ("作业活动或设备设施", 100, True), "accident_types": ("可能导致的事故类型", 200, True),
         "consequences": ("可能的后果", 500, False), "responsible_name": ("管控责任人", 30, False)}
FACTOR_CHARS = 500
MEASURE_CHARS = 200
MEASURES_PER_KIND = 20
LEVEL_NAMES = {"enterprise": "企业", "workshop": "车间", "post": "岗位"}
# How each method's score is written where it shows: D = L×E×C, R = L×S.
SCORE_SYMBOLS = {"lec": "D", "ls": "R"}
# What each factor's letter stands for, beside its table of values (the same letter reads the same in both methods).
FACTOR_NAMES = {"L": "事故发生的可能性", "E": "暴露于危险环境的频繁程度", "C": "发生事故的后果", "S": "后果的严重程度"}
REASON_CHARS = 200


def control(db) -> dict[str, dict]:
    """Who controls each colour: {colour: {name, content, levels}} from the library."""
    return {i["code"]: {"name": i["name"], "content": i["content"],
                        "levels": json.loads(i["extra"] or "{}").get("levels", [])}
            for i in library.reference(db, "risk_control")}


def control_label(db, colour: str) -> str:
    """The levels that control a colour, as read: 企业、车间."""
    return "、".join(LEVEL_NAMES[level] for level in control(db).get(colour, {}).get("levels", []))


def _text(fields: dict, name: str) -> str:
    label, size, required = TEXTS[name]
    value = " ".join(str(fields.get(name) or "").split())
    if required and not value:
        raise Refused(f"请填写{label}", name)
    if len(value) > size:
        raise Refused(f"{label}不能超过 {size} 个字", name)
    return value


def _factors(fields: dict) -> dict:
    given = fields.get("factors") or {}
    found = {}
    for key, label in FACTORS.items():
        value = str(given.get(key) or "").strip()
        if len(value) > FACTOR_CHARS:
            raise Refused(f"{label}不能超过 {FACTOR_CHARS} 个字", f"factor_{key}")
        if value:
            found[key] = value
    if not found:
        raise Refused("请至少从人、物、环境、管理中的一个方面写明危险有害因素", "factor_person")
    return found


def _measures(fields: dict) -> dict[str, list[str]]:
    """Each kind's measures, one per line as typed; at least one measure in all."""
    given = fields.get("measures") or {}
    found = {}
    for kind, label in MEASURE_KINDS.items():
        value = given.get(kind) or []
        lines = value.splitlines() if isinstance(value, str) else [str(v) for v in value]
        lines = [" ".join(line.split()) for line in lines if line.strip()]
        if len(lines) > MEASURES_PER_KIND:
            raise Refused(f"{label}最多 {MEASURES_PER_KIND} 条", f"measures_{kind}")
        for line in lines:
            if len(line) > MEASURE_CHARS:
                raise Refused(f"{label}每条不能超过 {MEASURE_CHARS} 个字", f"measures_{kind}")
        if lines:
            found[kind] = lines
    if not found:
        raise Refused("请至少填写一条管控措施", "measures_engineering")
    return found


def _review_on(value) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise Refused("复评日期应为 年-月-日，例如 2027-06-30", "review_on") from None


def _unit(db, enterprise_id: int, unit_id) -> dict:
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise Refused("请选择风险点所在的车间或岗位", "unit_id") from None
    unit = one(db, "SELECT * FROM units WHERE id = ? AND enterprise_id = ? AND archived_at IS NULL",
               (unit_id, enterprise_id))
    if unit is None:
        raise Refused("请选择本企业在用的车间或岗位", "unit_id")
    return unit


def _responsible(db, enterprise_id: int, fields: dict) -> int | None:
    value = str(fields.get("responsible_user_id") or "").strip()
    if not value:
        return None
    found = one(db, "SELECT id FROM users WHERE id = ? AND enterprise_id = ? AND active = 1",
                (value if value.isdigit() else -1, enterprise_id))
    if found is None:
        raise Refused("管控责任人应为本企业在用的账号", "responsible_user_id")
    return found["id"]


def check(db, enterprise_id: int, fields: dict) -> dict:
    """The columns of a point from a form or a sheet row, with its assessment; raises Refused and writes nothing."""
    unit = _unit(db, enterprise_id, fields.get("unit_id"))
    values = {name: _text(fields, name) for name in TEXTS}
    assessed = risk.assess(db, str(fields.get("method") or ""), fields.get("values") or {})
    values.update(
        unit_id=unit["id"], factors=_factors(fields), measures=_measures(fields),
        responsible_user_id=_responsible(db, enterprise_id, fields), review_on=_review_on(fields.get("review_on")),
        method=assessed["method"], factor_values=assessed["values"], score=assessed["score"],
        colour=assessed["colour"], level_name=assessed["name"])
    return values


COLUMNS = ("unit_id", "name", "place", "activity", "accident_types", "consequences", "responsible_name",
           "responsible_user_id", "review_on", "method", "score", "colour", "level_name")


def _row(values: dict) -> dict:
    out = {k: values[k] for k in COLUMNS}
    out.update(factors=json.dumps(values["factors"], ensure_ascii=False),
               factor_values=json.dumps(values["factor_values"]))
    return out


def _history(db, point_id: int, values: dict, reason: str, by, stamp: str) -> None:
    db.execute(
        "INSERT INTO risk_assessments (point_id, method, factor_values, score, colour, level_name, snapshot, reason,"
        " assessed_by, assessed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (point_id, values["method"], json.dumps(values["factor_values"]), values["score"], values["colour"],
         values["level_name"], json.dumps(values, ensure_ascii=False, default=str), reason, by, stamp))


def _keep_measures(db, point_id: int, measures: dict[str, list[str]], stamp: str) -> None:
    """Measures whose kind and wording stay keep their ids; the others are removed or added."""
    kept = {(m["kind"], m["content"]): m for m in rows(
        db, "SELECT * FROM risk_measures WHERE point_id = ? AND removed_at IS NULL", (point_id,))}
    wanted = [(kind, line) for kind in MEASURE_KINDS for line in measures.get(kind, [])]
    for position, key in enumerate(wanted, start=1):
        if key in kept:
            db.execute("UPDATE risk_measures SET position = ? WHERE id = ?", (position, kept.pop(key)["id"]))
        else:
            db.execute("INSERT INTO risk_measures (point_id, kind, content, position) VALUES (?,?,?,?)",
                       (point_id, *key, position))
    for gone in kept.values():
        db.execute("UPDATE risk_measures SET removed_at = ? WHERE id = ?", (stamp, gone["id"]))


def insert(db, enterprise_id: int, values: dict, by) -> int:
    """Write a checked point (from `check`) in the caller's transaction."""
    stamp = now()
    row = _row(values)
    point_id = db.execute(
        f"INSERT INTO risk_points (enterprise_id, {', '.join(row)}, assessed_by, assessed_at, created_at, updated_at)"
        f" VALUES ({', '.join('?' * (len(row) + 5))})",
        (enterprise_id, *row.values(), by, stamp, stamp, stamp)).lastrowid
    _keep_measures(db, point_id, values["measures"], stamp)
    _history(db, point_id, values, "", by, stamp)
    audit.record(db, by, "create", "risk_point", point_id, {"name": values["name"], "colour": values["colour"],
                                                           "score": values["score"]})
    return point_id


def create(db, enterprise_id: int, fields: dict, by=None) -> int:
    """A new point and its first assessment; raises Refused in Chinese and then writes nothing."""
    values = check(db, enterprise_id, fields)
    with db.atomic():
        point_id = insert(db, enterprise_id, values, by)
        enterprise_colour.refresh(db, enterprise_id, by=by)
    return point_id


def _reason(value) -> str:
    reason = " ".join(str(value or "").split())
    if len(reason) > REASON_CHARS:
        raise Refused(f"重新评估的原因不能超过 {REASON_CHARS} 个字", "reason")
    return reason


def reassess(db, point: dict, fields: dict, by=None) -> None:
    """A new assessment of a point (its wording, measures and scores as now given), added to its history."""
    if point["retired_at"]:
        raise Refused("该风险点已撤销，不能再评估")
    values = check(db, point["enterprise_id"], fields)
    reason = _reason(fields.get("reason"))
    stamp = now()
    row = _row(values)
    with db.atomic():
        db.execute(f"UPDATE risk_points SET {', '.join(f'{k} = ?' for k in row)}, assessed_by = ?, assessed_at = ?,"
                   f" updated_at = ? WHERE id = ?", (*row.values(), by, stamp, stamp, point["id"]))
        _keep_measures(db, point["id"], values["measures"], stamp)
        _history(db, point["id"], values, reason, by, stamp)
        audit.record(db, by, "reassess", "risk_point", point["id"],
                     {"from": point["colour"], "to": values["colour"], "score": values["score"], "reason": reason})
        enterprise_colour.refresh(db, point["enterprise_id"], by=by)


def retire(db, point: dict, reason: str = "", by=None) -> None:
    """No longer a risk point (the equipment is gone, the activity stopped): kept with its history."""
    if point["retired_at"]:
        raise Refused("该风险点已撤销")
    reason = _reason(reason)
    # The reason is the record of why a hazard source left the register; it also stands for "are you sure".
    if not reason:
        raise Refused("请写明撤销的原因，例如设备已拆除、作业已停止", "reason")
    with db.atomic():
        db.execute("UPDATE risk_points SET retired_at = ?, updated_at = ? WHERE id = ? AND retired_at IS NULL",
                   (now(), now(), point["id"]))
        audit.record(db, by, "retire", "risk_point", point["id"], {"name": point["name"], "reason": reason})
        enterprise_colour.refresh(db, point["enterprise_id"], by=by)


def _decoded(point: dict | None) -> dict | None:
    if point is not None:
        point["factors"] = json.loads(point["factors"] or "{}")
        point["factor_values"] = json.loads(point["factor_values"] or "{}")
        point["colour_name"] = risk.COLOUR_NAMES[point["colour"]]
    return point


_WITH_UNITS = ("SELECT p.*, u.name AS unit_name, u.kind AS unit_kind, w.id AS workshop_id, w.name AS workshop_name"
               " FROM risk_points p JOIN units u ON u.id = p.unit_id LEFT JOIN units w ON w.id = u.parent_id")


def get(db, point_id) -> dict | None:
    """One point with its unit's names, or None."""
    return _decoded(one(db, f"{_WITH_UNITS} WHERE p.id = ?", (point_id,)))


COLOUR_ORDER = "CASE p.colour WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END"


def of_enterprise(db, enterprise_id: int, only: set[int] | None = None, *, colours=None) -> list[dict]:
    """The points in force, worst first, then by workshop and post; `only` confines them to some units."""
    found = rows(db, f"{_WITH_UNITS} WHERE p.enterprise_id = ? AND p.retired_at IS NULL"
                     f" ORDER BY {COLOUR_ORDER}, p.score DESC, p.id", (enterprise_id,))
    return [_decoded(p) for p in found if (only is None or p["unit_id"] in only)
            and (colours is None or p["colour"] in colours)]


def of_units(db, unit_ids: list[int]) -> list[dict]:
    """The points in force at these units, worst first."""
    marks = ",".join("?" * len(unit_ids)) or "NULL"
    return [_decoded(p) for p in rows(
        db, "SELECT p.*, u.name AS unit_name, u.kind AS unit_kind FROM risk_points p JOIN units u ON u.id = p.unit_id"
            f" WHERE p.unit_id IN ({marks}) AND p.retired_at IS NULL ORDER BY {COLOUR_ORDER}, p.score DESC, p.id",
        unit_ids)]


def measures(db, point_ids: list[int]) -> dict[int, list[dict]]:
    """The measures in force of these points, by point, in order, each with its kind's name."""
    marks = ",".join("?" * len(point_ids)) or "NULL"
    out: dict[int, list[dict]] = {pid: [] for pid in point_ids}
    for m in rows(db, f"SELECT * FROM risk_measures WHERE point_id IN ({marks}) AND removed_at IS NULL"
                      " ORDER BY point_id, position", point_ids):
        out[m["point_id"]].append(dict(m, kind_name=MEASURE_KINDS[m["kind"]]))
    return out


def measures_text(found: list[dict]) -> dict[str, str]:
    """A point's measures as the form shows them: one text per kind, a measure per line."""
    out = {kind: "" for kind in MEASURE_KINDS}
    for m in found:
        out[m["kind"]] += m["content"] + "\n"
    return {k: v.strip() for k, v in out.items()}


def history(db, point_id: int) -> list[dict]:
    """Every assessment of a point, newest first, with who made it."""
    found = rows(db, "SELECT a.*, u.name AS user_name FROM risk_assessments a LEFT JOIN users u ON u.id = a.assessed_by"
                     " WHERE a.point_id = ? ORDER BY a.id DESC", (point_id,))
    for entry in found:
        entry["factor_values"] = json.loads(entry["factor_values"])
        entry["snapshot"] = json.loads(entry["snapshot"])
        entry["colour_name"] = risk.COLOUR_NAMES[entry["colour"]]
    return found


def form_values(db, point: dict) -> dict:
    """A point as its form fills in again (for a reassessment)."""
    return {**{name: point[name] or "" for name in TEXTS}, "unit_id": point["unit_id"], "method": point["method"],
            "values": point["factor_values"], "factors": point["factors"], "review_on": point["review_on"] or "",
            "responsible_user_id": point["responsible_user_id"] or "",
            "measures": measures_text(measures(db, [point["id"]])[point["id"]])}


def counts(db, enterprise_id: int, only: set[int] | None = None) -> dict[str, int]:
    """Points in force per colour, worst first and zero included; `only` confines them to some units (one SQL count)."""
    sql, params = "SELECT colour, COUNT(*) AS n FROM risk_points WHERE enterprise_id = ? AND retired_at IS NULL", [
        enterprise_id]
    if only is not None:
        sql += f" AND unit_id IN ({','.join('?' * len(only)) or 'NULL'})"
        params += sorted(only)
    found = dict.fromkeys(risk.COLOUR_NAMES, 0)
    for r in rows(db, sql + " GROUP BY colour", params):
        found[r["colour"]] = r["n"]
    return found


def accounts(db, enterprise_id: int) -> list[dict]:
    """The enterprise's active accounts, any of whom may be named a point's responsible person."""
    return rows(db, "SELECT id, name, username FROM users WHERE enterprise_id = ? AND active = 1 ORDER BY name, id",
                (enterprise_id,))


def annotated(db, points: list[dict], today: str | None = None) -> list[dict]:
    """Points with who answers for them (`responsible`: the account's name, else the name typed) and whether their
    review date has passed (`review_overdue`)."""
    today = today or local_now().date().isoformat()
    ids = sorted({p["responsible_user_id"] for p in points if p["responsible_user_id"]})
    names = {r["id"]: r["name"] for r in rows(
        db, f"SELECT id, name FROM users WHERE id IN ({','.join('?' * len(ids)) or 'NULL'})", ids)}
    for p in points:
        p["responsible"] = names.get(p["responsible_user_id"]) or p["responsible_name"]
        p["review_overdue"] = bool(p["review_on"]) and not p["retired_at"] and p["review_on"] < today
    return points


def register(db, enterprise_id: int, only: set[int] | None = None, *, unit_id=None, today=None) -> list[dict]:
    """The points in force a person sees, worst first, annotated; `unit_id` narrows them to one unit (a workshop
    with its posts)."""
    found = [p for p in of_enterprise(db, enterprise_id, only)
             if unit_id is None or unit_id in (p["unit_id"], p["workshop_id"])]
    return annotated(db, found, today)


def meanings(db) -> dict[str, dict[str, dict[float, str]]]:
    """What each factor value means, for reading an assessment again: {method: {factor: {value: meaning}}}."""
    return {code: {group: {float(v["value"]): v["name"] for v in table} for group, table in method["factors"].items()}
            for code, method in risk.methods(db).items()}


def tied_hazards(db, point_id: int) -> list[dict]:
    """The hazards tied to a point, newest first (the caller keeps those the person may see)."""
    return rows(db, "SELECT * FROM hazards WHERE risk_point_id = ? ORDER BY id DESC LIMIT 100", (point_id,))
