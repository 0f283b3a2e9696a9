"""Browsing the inspection library: its checklists and reference lists, by version."""

import json
import math

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import db, enterprises, library, risk, risk_points, scope

bp = Blueprint("library", __name__, url_prefix="/library")

# What an enterprise-colour rule counts, as read (anbiao/enterprise_colour.py counts them).
COLOUR_MEASURES = {"red_points": "红色风险点", "orange_points": "橙色风险点", "yellow_points": "黄色风险点",
                   "blue_points": "蓝色风险点", "points": "现行风险点", "open_major_hazards": "未闭环的重大隐患",
                   "overdue_hazards": "超过整改期限未闭环的隐患"}


@bp.get("")
@login_required
def index():
    conn = db.get()
    return render_template("library/index.html", docs=scope.library_docs(conn, current_user),
                           tiers=library.TIERS, frequencies=library.FREQUENCIES)


@bp.get("/<int:doc_id>")
@login_required
def doc(doc_id):
    conn = db.get()
    found = scope.library_doc(conn, current_user, doc_id)
    items = library.items(conn, doc_id)
    return render_template("library/doc.html", doc=found, items=items, tiers=library.TIERS,
                           frequencies=library.FREQUENCIES, tables=_tables(found, items),
                           source=library.readable(found["source"], library.titles(conn)))


def _tables(doc: dict, items: list[dict]) -> dict | None:
    """The four-colour reference documents as tables (this version's items, not the newest); None for the rest."""
    extras = [json.loads(item["extra"] or "{}") for item in items]
    if doc["kind"] == "risk_method":
        return _method(doc, items, extras)
    if doc["kind"] == "risk_control":
        return {"rows": [{"colour": i["code"], "name": i["name"], "content": i["content"],
                          "levels": "、".join(risk_points.LEVEL_NAMES.get(lv, lv) for lv in e.get("levels", []))}
                         for i, e in zip(items, extras, strict=True)]}
    if doc["kind"] == "colour_rule":
        return {"rows": [{"colour": e["colour"], "name": i["name"], "when": _condition(e)}
                         for i, e in zip(items, extras, strict=True)]}
    if doc["kind"] == "visit_frequency":
        return {"sizes": enterprises.SIZE_CLASSES,
                "rows": [{"colour": i["code"], "name": i["name"], "months": e.get("months", {})}
                         for i, e in zip(items, extras, strict=True)]}
    return None


def _method(doc: dict, items: list[dict], extras: list[dict]) -> dict:
    """A risk method: each factor's values with their meanings, the thresholds as ranges, and for a method of two
    factors (LS) its matrix coloured by level."""
    symbol = risk_points.SCORE_SYMBOLS.get(doc["code"], "分值")
    factors, thresholds = {}, []
    for item, extra in zip(items, extras, strict=True):
        if extra.get("group") == "threshold":
            thresholds.append({"colour": item["code"], "at_least": extra["at_least"], "name": item["name"]})
        else:
            factors.setdefault(extra["group"], []).append({"value": extra["value"], "name": item["name"]})
    for index, threshold in enumerate(thresholds):
        low, high = f"{threshold['at_least']:g}", thresholds[index - 1]["at_least"] if index else None
        if high is None:
            threshold["range"] = f"{symbol} ≥ {low}"
        elif index == len(thresholds) - 1:
            threshold["range"] = f"{symbol} < {high:g}"
        else:
            threshold["range"] = f"{low} ≤ {symbol} < {high:g}"
    matrix = None
    if len(factors) == 2 and thresholds:
        (rows_group, down), (columns_group, across) = factors.items()
        method = {"thresholds": thresholds}
        matrix = {"rows": rows_group, "columns": columns_group,
                  "across": sorted(row["value"] for row in across),
                  "cells": [(r["value"], [(v, risk.level(method, math.prod((r["value"], v)))["colour"])
                                          for v in sorted(row["value"] for row in across)])
                            for r in sorted(down, key=lambda row: -row["value"])]}
    return {"symbol": symbol, "formula": f"{symbol} = {' × '.join(factors)}", "factors": factors,
            "names": risk_points.FACTOR_NAMES, "thresholds": thresholds, "matrix": matrix}


def _condition(rule: dict) -> str:
    """When an enterprise-colour rule holds, as read: 红色风险点 ≥ 1 个."""
    what, low, high = COLOUR_MEASURES.get(rule["measure"], rule["measure"]), rule["at_least"], rule.get("at_most")
    unit = "项" if rule["measure"].endswith("hazards") else "个"
    if rule["measure"] == "points" and low == 0 and high is None:
        return "以上各条都不成立时"
    if high is None:
        return f"{what} ≥ {low} {unit}"
    if low == high:
        return f"{what}为 {low} {unit}"
    return f"{what} {low}–{high} {unit}"
