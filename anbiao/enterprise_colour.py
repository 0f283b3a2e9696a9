"""The enterprise's overall risk colour (整体安全风险等级): rolled up from its risk points and its hazard state by the
rule in inspect/reference/enterprise_colour.toml, with the reasons shown; a supervisor may set it otherwise with a
written reason (整体评估, 动态调整). Every change of the colour in force is kept with its date."""

import json

from . import library
from .db import now, one, rows
from .due import local_now
from .hazards import OPEN
from .risk import COLOUR_NAMES


def rules(db) -> list[dict]:
    """The rule, first match wins: [{code, colour, measure, at_least, at_most, name}]."""
    out = []
    for item in library.reference(db, "colour_rule"):
        extra = json.loads(item["extra"] or "{}")
        out.append({"code": item["code"], "name": item["name"], "colour": extra["colour"],
                    "measure": extra["measure"], "at_least": extra["at_least"], "at_most": extra.get("at_most")})
    return out


def facts(db, enterprise_id: int, today: str | None = None) -> dict:
    """What the rule looks at, counted from the points in force and the open hazards (each an indexed count)."""
    today = today or local_now().date().isoformat()
    counts = {f"{c}_points": 0 for c in COLOUR_NAMES}
    for r in rows(db, "SELECT colour, COUNT(*) AS n FROM risk_points WHERE enterprise_id = ? AND retired_at IS NULL"
                      " GROUP BY colour", (enterprise_id,)):
        counts[f"{r['colour']}_points"] = r["n"]
    counts["points"] = sum(counts.values())
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


def refresh(db, enterprise_id: int, *, by=None, today: str | None = None) -> str:
    """Roll the colour up again; when the colour in force changes, keep the change. Returns the colour in force."""
    computed, reasons = decide(facts(db, enterprise_id, today), rules(db))
    ent = one(db, "SELECT colour, colour_override, colour_reasons FROM enterprises WHERE id = ?", (enterprise_id,))
    in_force = ent["colour_override"] or computed
    text = json.dumps(reasons, ensure_ascii=False)
    if ent["colour"] != in_force:
        db.execute("INSERT INTO enterprise_colours (enterprise_id, colour, computed, reasons, changed_by, at)"
                   " VALUES (?,?,?,?,?,?)", (enterprise_id, in_force, computed, text, by, now()))
    if ent["colour"] != in_force or ent["colour_reasons"] != text:
        db.execute("UPDATE enterprises SET colour = ?, colour_reasons = ? WHERE id = ?",
                   (in_force, text, enterprise_id))
    return in_force
