"""Signs from risk points: a post's 岗位安全风险告知卡 filled from its points, and the red and orange points a
workshop's or the enterprise's 安全风险公告栏 lists (seed 001 §三(六))."""

import re

from . import risk_feed, risk_points
from .db import one

BOARD_COLOURS = ("red", "orange")


def _joined(parts) -> str:
    seen = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return "；".join(seen)


def risk_card(db, unit_id: int) -> dict:
    """The risk card's fields (signs.RISK_FIELDS keys) written from a post's points in force, worst first; the
    report line and phones are the enterprise's own and stay as typed."""
    points = risk_points.of_units(db, [unit_id])
    found = risk_points.measures(db, [p["id"] for p in points])
    kinds = [m for p in points for m in found[p["id"]]]
    types = [t for p in points for t in re.split(r"[、，,；;\s]+", p["accident_types"]) if t]
    return {"main_risks": _joined(f"{p['name']}（{p['colour_name']}色 {p['level_name']}）" for p in points),
            "hazard_types": "、".join(dict.fromkeys(types)),
            "consequences": _joined(p["consequences"] for p in points),
            "controls": _joined(m["content"] for m in kinds if m["kind"] != "emergency"),
            "emergency": _joined(m["content"] for m in kinds if m["kind"] == "emergency")}


def board(db, sign: dict) -> list[dict]:
    """The red and orange points a notice board lists: the enterprise's (a board for the whole site) or its
    workshop's and that workshop's posts', each with its controls."""
    unit = one(db, "SELECT * FROM units WHERE id = ?", (sign["unit_id"],)) if sign["unit_id"] else None
    units = risk_feed.covered_units(db, sign["enterprise_id"], unit)
    points = (risk_points.of_enterprise(db, sign["enterprise_id"], colours=BOARD_COLOURS) if units is None
              else [p for p in risk_points.of_units(db, units) if p["colour"] in BOARD_COLOURS])
    found = risk_points.measures(db, [p["id"] for p in points])
    for point in points:
        point["controls"] = [m["content"] for m in found[point["id"]]]
    return points
