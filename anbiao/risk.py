"""Assessing a risk point by LEC (D = L × E × C) or by the LS matrix (R = L × S): the factors' tables and the
thresholds that give its level and colour are data (inspect/reference/risk_*.toml), never numbers written here."""

import json
import math

from . import library
from .refusal import Refused

COLOUR_NAMES = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}


def methods(db) -> dict[str, dict]:
    """Each method by code: its title and source, each factor's values with their meanings, its thresholds."""
    out = {}
    for doc in library.current_docs(db, "risk_method"):
        factors, thresholds = {}, []
        for item in library.items(db, doc["id"]):
            extra = json.loads(item["extra"] or "{}")
            if extra.get("group") == "threshold":
                thresholds.append({"colour": item["code"], "at_least": extra["at_least"], "name": item["name"]})
            else:
                factors.setdefault(extra["group"], []).append({"value": extra["value"], "name": item["name"]})
        out[doc["code"]] = {"title": doc["title"], "source": doc["source"], "factors": factors,
                            "thresholds": thresholds}
    return out


def level(method: dict, score: float) -> dict:
    """The first threshold, worst first, that the score reaches: {colour, colour_name, name}."""
    for threshold in method["thresholds"]:
        if score >= threshold["at_least"]:
            return {"colour": threshold["colour"], "colour_name": COLOUR_NAMES[threshold["colour"]],
                    "name": threshold["name"]}
    lowest = method["thresholds"][-1]
    return {"colour": lowest["colour"], "colour_name": COLOUR_NAMES[lowest["colour"]], "name": lowest["name"]}


def assess(db, method_code: str, chosen: dict) -> dict:
    """The score (the product of the chosen factor values), level and colour; each value must be one of its table."""
    found = methods(db).get(method_code)
    if found is None:
        raise Refused("请选择评价方法（LEC 或 LS）", "method")
    values = {}
    for group, table in found["factors"].items():
        try:
            value = float(chosen.get(group))
        except (TypeError, ValueError):
            value = None
        if value is None or not any(math.isclose(value, row["value"]) for row in table):
            raise Refused(f"请为 {group} 选择表中的一个分值", group)
        values[group] = value
    score = round(math.prod(values.values()), 4)
    return {"method": method_code, "values": values, "score": score, **level(found, score)}
