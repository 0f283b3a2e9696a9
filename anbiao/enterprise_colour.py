"""The enterprise's overall risk colour (整体安全风险等级): rolled up from its risk points and its hazard state by the
rule in inspect/reference/enterprise_colour.toml, with the reasons shown; a supervisor may set it otherwise with a
written reason (整体评估, 动态调整). Every change of the colour in force is kept with its date.

Two paths reach the same rule: `refresh` for one enterprise right after its points change (anbiao/risk_points.py),
and `roll_up` for the enterprises the overview recomputes (anbiao/visit_plan.py), whose hazards changed or whose
deadlines passed; that one reads the hazard counts the overview row has just been given."""

import json

from . import audit, library
from .db import now, one, rows
from .due import local_now
from .hazards import OPEN
from .refusal import Refused
from .risk import COLOUR_NAMES

# The glossary's words for the four levels (红 重大 / 橙 较大 / 黄 一般 / 蓝 低).
LEVEL_NAMES = {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险"}
FACT_NAMES = {"red_points": "红色风险点", "orange_points": "橙色风险点", "yellow_points": "黄色风险点",
              "blue_points": "蓝色风险点", "points": "风险点合计", "open_major_hazards": "未闭环重大隐患",
              "overdue_hazards": "逾期未整改隐患"}
REASON_CHARS = 200
RULE = "rule"  # the form's value for lifting the override: back to the rule
# How a lifted override reads in the history: its row has the reason, and says what was done.
LIFTED = "取消改定，恢复按规则判定："
HISTORY = 50


def label(colour: str | None) -> str:
    """The chip's words: 「红 · 重大风险」; an enterprise not rolled up yet is 未评定."""
    return f"{COLOUR_NAMES[colour]} · {LEVEL_NAMES[colour]}" if colour in COLOUR_NAMES else "未评定"


def rules(db) -> list[dict]:
    """The rule, first match wins: [{code, colour, measure, at_least, at_most, name}]."""
    out = []
    for item in library.reference(db, "colour_rule"):
        extra = json.loads(item["extra"] or "{}")
        out.append({"code": item["code"], "name": item["name"], "colour": extra["colour"],
                    "measure": extra["measure"], "at_least": extra["at_least"], "at_most": extra.get("at_most")})
    return out


def _points(db, ids: list[int]) -> dict[int, dict]:
    """Each enterprise's points in force counted by colour, from the partial index risk_points_current."""
    out = {i: {f"{c}_points": 0 for c in COLOUR_NAMES} for i in ids}
    marks = ",".join("?" * len(ids)) or "NULL"
    for r in rows(db, "SELECT enterprise_id, colour, COUNT(*) AS n FROM risk_points"
                      f" WHERE enterprise_id IN ({marks}) AND retired_at IS NULL GROUP BY enterprise_id, colour", ids):
        out[r["enterprise_id"]][f"{r['colour']}_points"] = r["n"]
    for counts in out.values():
        counts["points"] = sum(counts.values())
    return out


def facts(db, enterprise_id: int, today: str | None = None) -> dict:
    """What the rule looks at, counted from the points in force and the open hazards (each an indexed count)."""
    today = today or local_now().date().isoformat()
    counts = _points(db, [enterprise_id])[enterprise_id]
    hazards = one(db, "SELECT COALESCE(SUM(level = 'major'), 0) AS major,"
                      " COALESCE(SUM(status = 'assigned' AND deadline < ?), 0) AS late"
                      f" FROM hazards WHERE enterprise_id = ? AND status IN {OPEN}", (today, enterprise_id))
    counts.update(open_major_hazards=hazards["major"], overdue_hazards=hazards["late"])
    return counts


def decide(found: dict, rule: list[dict]) -> tuple[str, list[str]]:
    """The colour the first matching rule gives, with every matching rule of that colour as its reasons."""
    matching = [r for r in rule if found[r["measure"]] >= r["at_least"]
                and (r["at_most"] is None or found[r["measure"]] <= r["at_most"])]
    colour = matching[0]["colour"]
    return colour, [r["name"] for r in matching if r["colour"] == colour]


def _change(ent: dict, computed: str, reasons: list[str], by, stamp: str) -> tuple[tuple | None, tuple | None]:
    """What a roll-up writes for one enterprise: (its history row when the colour in force changes, its new
    colour and reasons when either changed); (None, None) when nothing did."""
    in_force = ent["colour_override"] or computed
    text = json.dumps(reasons, ensure_ascii=False)
    kept = (ent["id"], in_force, computed, text, by, stamp) if ent["colour"] != in_force else None
    update = (in_force, text, ent["id"]) if kept or ent["colour_reasons"] != text else None
    return kept, update


def _write(db, kept: list[tuple], updates: list[tuple]) -> None:
    db.conn.executemany("INSERT INTO enterprise_colours (enterprise_id, colour, computed, reasons, changed_by, at)"
                   " VALUES (?,?,?,?,?,?)", kept)
    db.conn.executemany("UPDATE enterprises SET colour = ?, colour_reasons = ? WHERE id = ?", updates)


def refresh(db, enterprise_id: int, *, by=None, today: str | None = None) -> str:
    """Roll the colour up again; when the colour in force changes, keep the change. Returns the colour in force."""
    computed, reasons = decide(facts(db, enterprise_id, today), rules(db))
    ent = one(db, "SELECT id, colour, colour_override, colour_reasons FROM enterprises WHERE id = ?",
              (enterprise_id,))
    kept, update = _change(ent, computed, reasons, by, now())
    _write(db, [kept] if kept else [], [update] if update else [])
    return ent["colour_override"] or computed


def current(db, ent: dict) -> dict:
    """An enterprise's row (as scope gives it) about to be shown with its colour: rolled up again, and the change kept,
    only if its points or hazards moved the colour since the last roll-up (the overview's refresh would catch it
    too, a little later)."""
    rule = rules(db)
    if not rule:
        return ent
    computed, reasons = decide(facts(db, ent["id"]), rule)
    if not _change(ent, computed, reasons, None, "")[1]:
        return ent
    with db.atomic():
        refresh(db, ent["id"])
    return dict(ent, **one(db, "SELECT colour, colour_override, colour_reasons FROM enterprises WHERE id = ?",
                           (ent["id"],)))


def roll_up(db, hazards: dict[int, dict], today: str) -> tuple[dict[int, dict], set[int]]:
    """The colours of many enterprises at once, in the caller's transaction. `hazards` maps each id to its counts
    (major_hazards, overdue_hazards, as the overview row has them). Returns each enterprise's row with the colour in
    force, and the ids whose row was written (the overview's triggers then marked them stale)."""
    ids = list(hazards)
    marks = ",".join("?" * len(ids)) or "NULL"
    ents = {e["id"]: e for e in rows(db, "SELECT id, colour, colour_override, colour_reasons, size_class, created_at"
                                         f" FROM enterprises WHERE id IN ({marks})", ids)}
    rule = rules(db)
    if not rule:  # a database whose library is not loaded yet has no rule to apply
        return ents, set()
    points, stamp = _points(db, ids), now()
    kept, updates = [], []
    for enterprise_id, ent in ents.items():
        found = dict(points[enterprise_id], open_major_hazards=hazards[enterprise_id]["major_hazards"],
                     overdue_hazards=hazards[enterprise_id]["overdue_hazards"])
        computed, reasons = decide(found, rule)
        history, update = _change(ent, computed, reasons, None, stamp)
        kept += [history] if history else []
        updates += [update] if update else []
        ent["colour"] = ent["colour_override"] or computed
    _write(db, kept, updates)
    return ents, {u[2] for u in updates}


def _reason(value) -> str:
    reason = " ".join(str(value or "").split())
    if not reason:
        raise Refused("请写明理由（整体评估的依据）", "reason")
    if len(reason) > REASON_CHARS:
        raise Refused(f"理由不能超过 {REASON_CHARS} 个字", "reason")
    return reason


def set_override(db, enterprise_id: int, colour, reason, by) -> str:
    """整体评估: set the colour in force otherwise than the rule gives (colour), or lift that (RULE), with a written
    reason; the change is kept with who made it. Raises Refused and writes nothing. Returns the colour in force."""
    colour = str(colour or "").strip()
    ent = one(db, "SELECT id, colour, colour_override FROM enterprises WHERE id = ?", (enterprise_id,))
    if colour == RULE:
        if ent["colour_override"] is None:
            raise Refused("目前没有改定，风险等级已按规则判定", "colour")
    elif colour not in COLOUR_NAMES:
        raise Refused("请选择风险等级", "colour")
    reason = _reason(reason)
    computed, reasons = decide(facts(db, enterprise_id), rules(db))
    override = None if colour == RULE else colour
    in_force = override or computed
    with db.atomic():
        db.execute("UPDATE enterprises SET colour_override = ?, colour = ?, colour_reasons = ? WHERE id = ?",
                   (override, in_force, json.dumps(reasons, ensure_ascii=False), enterprise_id))
        db.execute("INSERT INTO enterprise_colours (enterprise_id, colour, computed, reasons, override_reason,"
                   " changed_by, at) VALUES (?,?,?,?,?,?,?)",
                   (enterprise_id, in_force, computed, json.dumps(reasons, ensure_ascii=False),
                    reason if override else LIFTED + reason, by, now()))
        audit.record(db, by, "set_colour", "enterprise", enterprise_id,
                     {"from": ent["colour"], "to": in_force, "override": override, "computed": computed,
                      "reason": reason})
    return in_force


def summary(db, ent: dict) -> dict:
    """What the enterprise file shows: the colour in force and its reasons; when a supervisor set it, their reason
    and what the rule gives now."""
    found = {"colour": ent["colour"], "label": label(ent["colour"]), "override": ent["colour_override"],
             "reasons": json.loads(ent["colour_reasons"] or "[]")}
    if ent["colour_override"]:
        latest = one(db, "SELECT c.override_reason, c.at, u.name AS user_name FROM enterprise_colours c"
                         " LEFT JOIN users u ON u.id = c.changed_by WHERE c.enterprise_id = ? ORDER BY c.id DESC"
                         " LIMIT 1", (ent["id"],))
        found.update(override_reason=latest["override_reason"] if latest else "", set_by=latest and latest["user_name"],
                     set_at=latest and latest["at"])
        found["computed"], found["reasons"] = decide(facts(db, ent["id"]), rules(db))
    return found


def history(db, enterprise_id: int, limit: int = HISTORY) -> list[dict]:
    """The changes of the colour in force, newest first, each with who made it (none: the rule, by the system)."""
    found = rows(db, "SELECT c.*, u.name AS user_name FROM enterprise_colours c"
                     " LEFT JOIN users u ON u.id = c.changed_by WHERE c.enterprise_id = ? ORDER BY c.id DESC LIMIT ?",
                 (enterprise_id, limit))
    for entry in found:
        entry["reasons"] = json.loads(entry["reasons"] or "[]")
    return found
