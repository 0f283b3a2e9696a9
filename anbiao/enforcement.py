"""Enforcement actions against an enterprise (罚款, 责令停产停业整顿, 约谈, 激励…), kinds as library data
(inspect/reference/enforcement.toml), counted per month for the report form 附件4."""

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from . import audit, library
from .db import now, rows
from .papers import parse_day
from .refusal import Refused

NOTE_CHARS = 500
MAX_AMOUNT = Decimal("1000000")  # 100 亿元 in 万元, or a million people: beyond it a figure is a typo
PAGE = 50


def kinds(db) -> dict[str, dict]:
    """The kinds of action in the report's order: {code: {name, column, columns, counts, amount, content}}."""
    found = {}
    for item in library.reference(db, "enforcement"):
        extra = json.loads(item["extra"] or "{}")
        found[item["code"]] = {"code": item["code"], "name": item["name"], "content": item["content"],
                               "column": extra.get("column", item["name"]), "columns": extra.get("columns"),
                               "counts": extra.get("counts", ["actions"]), "amount": extra.get("amount")}
    return found


def _amount(raw, spec: dict, field: str) -> float:
    """A kind's amount (万元, persons) from a form: positive, within its decimals."""
    text = (raw or "").strip().replace(",", "").replace("，", "")
    label = f"{spec['label']}（{spec['unit']}）"
    if not text:
        raise Refused(f"请填写{label}", field)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Refused(f"{label}应为数字", field) from None
    if not value.is_finite() or value <= 0:
        raise Refused(f"{label}应大于 0", field)
    if value > MAX_AMOUNT:
        raise Refused(f"{label}过大，请核对", field)
    if value != value.quantize(Decimal(1).scaleb(-spec["decimals"])):
        raise Refused(f"{label}应为整数" if spec["decimals"] == 0
                      else f"{label}最多 {spec['decimals']} 位小数", field)
    return float(value)


def clean(db, form) -> dict:
    """An action from its form: kind, date, the kind's amount and a note, each refused in Chinese when wrong."""
    known = kinds(db)
    kind = form.get("kind") or ""
    if kind not in known:
        raise Refused("请选择措施种类", "kind")
    on_date = parse_day(form.get("on_date"), "日期", "on_date", required=True, past=True)
    spec = known[kind]["amount"]
    amount = _amount(form.get(f"amount_{kind}"), spec, f"amount_{kind}") if spec else None
    for other, found in known.items():  # a figure typed under another kind would be silently lost
        if other != kind and found["amount"] and (form.get(f"amount_{other}") or "").strip():
            raise Refused(f"{found['amount']['label']}只在选“{found['name']}”时填写，请清空或改选种类",
                          f"amount_{other}")
    note = (form.get("note") or "").strip()
    if len(note) > NOTE_CHARS:
        raise Refused(f"说明不超过 {NOTE_CHARS} 个字", "note")
    return {"kind": kind, "name": known[kind]["name"], "on_date": on_date, "amount": amount, "note": note}


def record(db, enterprise_id: int, cleaned: dict, by: int) -> int:
    """Save an action against an enterprise; returns its id. Actions are never changed: a correction is a new one."""
    cur = db.execute(
        "INSERT INTO enforcement_actions (enterprise_id, kind, on_date, amount, note, recorded_by, recorded_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (enterprise_id, cleaned["kind"], cleaned["on_date"].isoformat(), cleaned["amount"], cleaned["note"], by,
         now()))
    audit.record(db, by, "enforcement", "enterprise", enterprise_id,
                 {"kind": cleaned["kind"], "name": cleaned["name"], "on_date": cleaned["on_date"].isoformat(),
                  "amount": cleaned["amount"], "action": cur.lastrowid})
    return cur.lastrowid


def of_enterprise(db, enterprise_id: int, limit: int = PAGE) -> list[dict]:
    """An enterprise's latest actions, newest date first, with who recorded them."""
    return rows(
        db,
        "SELECT a.*, u.name AS recorder FROM enforcement_actions a LEFT JOIN users u ON u.id = a.recorded_by"
        " WHERE a.enterprise_id = ? ORDER BY a.on_date DESC, a.id DESC LIMIT ?", (enterprise_id, limit))


def _day(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def counts(db, where: str, params: list, month_start, month_end) -> dict[str, tuple[int, int, float]]:
    """{kind: (actions, enterprises, amount)} of the actions dated month_start ≤ on_date < month_end (end exclusive:
    the next month's first day) at the enterprises `where` (scope.enterprise_where) selects; every kind present."""
    found = {code: (0, 0, 0.0) for code in kinds(db)}
    for row in rows(
            db,
            "SELECT a.kind, COUNT(*) AS actions, COUNT(DISTINCT a.enterprise_id) AS enterprises,"
            " COALESCE(SUM(a.amount), 0) AS amount FROM enforcement_actions a"
            " JOIN enterprises e ON e.id = a.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
            f" WHERE a.on_date >= ? AND a.on_date < ? AND ({where}) GROUP BY a.kind",
            [_day(month_start), _day(month_end), *params]):
        found[row["kind"]] = (row["actions"], row["enterprises"], round(float(row["amount"]), 4))
    return found


def listed(db, where: str, params: list, start, end, kind: str | None = None, after: int | None = None,
           limit: int = PAGE) -> tuple[list[dict], int | None]:
    """The actions behind a count (start ≤ on_date < end, a kind or all), newest first, one page; and the id the next
    page starts before."""
    sql, args = ["a.on_date >= ?", "a.on_date < ?", f"({where})"], [_day(start), _day(end), *params]
    if kind:
        sql.append("a.kind = ?")
        args.append(kind)
    if after:
        sql.append("a.id < ?")
        args.append(after)
    found = rows(
        db,
        "SELECT a.*, e.name AS enterprise_name, u.name AS recorder FROM enforcement_actions a"
        " JOIN enterprises e ON e.id = a.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
        " LEFT JOIN users u ON u.id = a.recorded_by"
        f" WHERE {' AND '.join(sql)} ORDER BY a.id DESC LIMIT ?", [*args, limit + 1])
    return found[:limit], (found[limit - 1]["id"] if len(found) > limit else None)
