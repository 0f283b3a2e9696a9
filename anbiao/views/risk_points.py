"""Risk points: the register per enterprise, 新增/重新评估/撤销, the point's page with its history, and the xlsx
import."""

import json

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, db, risk, risk_feed, risk_import, risk_points, scope, units
from ..due import as_local
from ..hazards import STATUS
from ..refusal import Refused
from ..web import is_htmx
from . import form_flow, sheet_upload

bp = Blueprint("risk_points", __name__)


@bp.app_template_global()
def risk_point_counts(enterprise_id: int) -> dict[str, int]:
    """The points in force the signed-in person sees at an enterprise, per colour (for links to the register)."""
    conn = db.get()
    return risk_points.counts(conn, enterprise_id, scope.unit_ids(conn, current_user))


def _choices(conn, ent) -> list[dict]:
    """The workshops and posts this person may record points at, as the unit tree reads."""
    found = []
    for workshop in units.tree(conn, ent["id"], scope.unit_ids(conn, current_user)):
        found.append({"id": workshop["id"], "label": workshop["name"]})
        found += [{"id": post["id"], "label": f"{workshop['name']} / {post['name']}"} for post in workshop["posts"]]
    return [c for c in found if scope.may_manage_risk_points(conn, current_user, ent, c["id"])]


def _controls(conn) -> dict[str, str]:
    """Who controls each colour, as read (企业、车间)."""
    return {colour: risk_points.control_label(conn, colour) for colour in risk.COLOUR_NAMES}


@bp.get("/enterprises/<int:enterprise_id>/risk-points")
@login_required
def index(enterprise_id):
    """The register: the points in force this person sees, worst first, narrowed by unit and colour."""
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    only = scope.unit_ids(conn, current_user)
    tree = units.tree(conn, enterprise_id, only)
    unit_id = request.args.get("unit_id", type=int)
    if unit_id not in {w["id"] for w in tree} | {p["id"] for w in tree for p in w["posts"]}:
        unit_id = None
    colour = request.args.get("colour") if request.args.get("colour") in risk.COLOUR_NAMES else None
    found = risk_points.register(conn, enterprise_id, only, unit_id=unit_id)
    counts = {c: sum(p["colour"] == c for p in found) for c in risk.COLOUR_NAMES}
    context = {"ent": ent, "points": [p for p in found if colour is None or p["colour"] == colour], "counts": counts,
               "tree": tree, "unit_id": unit_id, "colour": colour, "controls": _controls(conn),
               "SYMBOLS": risk_points.SCORE_SYMBOLS, "may_manage": bool(_choices(conn, ent)),
               "coverage": risk_feed.coverage(conn, enterprise_id), "LEVELS": risk_points.LEVEL_NAMES}
    # A history restore htmx could not serve from its cache asks for the whole page.
    if is_htmx() and not request.headers.get("HX-History-Restore-Request"):
        return render_template("risk_points/_register.html", **context)
    return render_template("risk_points/index.html", **context)


def _number(value) -> str:
    """A factor value as the form's options write it: 6, 0.5."""
    return f"{float(value):g}"


def _typed(values: dict) -> dict:
    """A point's form_values under the form's field names."""
    method = values["method"]
    return {**{name: values[name] for name in risk_points.TEXTS}, "unit_id": str(values["unit_id"]),
            "method": method, "review_on": values["review_on"],
            "responsible_user_id": str(values["responsible_user_id"] or ""),
            **{f"{method}_{group}": _number(value) for group, value in values["values"].items()},
            **{f"factor_{key}": values["factors"].get(key, "") for key in risk_points.FACTORS},
            **{f"measures_{kind}": text for kind, text in values["measures"].items()}}


def _fields(conn, form, choices) -> dict:
    """The form as risk_points.check takes it; the unit must be one this person manages (else Refused)."""
    raw = form.get("unit_id") or ""
    if not raw.isdigit() or int(raw) not in {c["id"] for c in choices}:
        raise Refused("请选择你管理的车间或岗位" if raw else "请选择风险点所在的车间或岗位", "unit_id")
    method = form.get("method") or ""
    groups = risk.methods(conn).get(method, {}).get("factors", {})
    return {**{name: form.get(name) for name in risk_points.TEXTS}, "unit_id": raw, "method": method,
            "values": {group: form.get(f"{method}_{group}") for group in groups},
            "factors": {key: form.get(f"factor_{key}") for key in risk_points.FACTORS},
            "measures": {kind: form.get(f"measures_{kind}") or "" for kind in risk_points.MEASURE_KINDS},
            "responsible_user_id": form.get("responsible_user_id"), "review_on": form.get("review_on"),
            "reason": form.get("reason")}


def _refusal(exc, method: str = "", factors=()) -> dict:
    """The page's words for a refusal: at the top, and beside its field; a factor's value (L) is a select named
    with its method (lec_L)."""
    return form_flow.refusal(exc, f"{method}_{exc.field}" if exc is not None and exc.field in factors else None)


def _page(conn, ent, form, point=None, refused=None):
    """新增 (no point) or 重新评估 (a point) on one form; 422 with the reasons when refused."""
    methods, method = risk.methods(conn), form.get("method") or ""
    return render_template(
        "risk_points/form.html", ent=ent, point=point, form=form, choices=_choices(conn, ent), methods=methods,
        accounts=risk_points.accounts(conn, ent["id"]), FACTORS=risk_points.FACTORS,
        MEASURE_KINDS=risk_points.MEASURE_KINDS, TEXTS=risk_points.TEXTS, SYMBOLS=risk_points.SCORE_SYMBOLS,
        FACTOR_NAMES=risk_points.FACTOR_NAMES, controls=_controls(conn), REASON_CHARS=risk_points.REASON_CHARS,
        FACTOR_CHARS=risk_points.FACTOR_CHARS,
        **_refusal(refused, method, methods.get(method, {}).get("factors", {})),
    ), (422 if refused else 200)


def _said(point: dict) -> str:
    """A point's assessment as a sentence: 红 · 重大风险（D=540）."""
    symbol = risk_points.SCORE_SYMBOLS.get(point["method"], "分值")
    return f"{risk.COLOUR_NAMES[point['colour']]} · {point['level_name']}（{symbol}={point['score']:g}）"


def _recorded(conn, point_id) -> str:
    """What 新增 says once the point is recorded."""
    point = risk_points.get(conn, point_id)
    return f"已登记风险点“{point['name']}”：{_said(point)}"


@bp.route("/enterprises/<int:enterprise_id>/risk-points/new", methods=["GET", "POST"])
@login_required
def new(enterprise_id):
    """新增风险点; ?unit_id= preselects the unit."""
    return form_flow.new(enterprise_id, _choices, _page, _fields,
                         lambda conn, fields: risk_points.create(conn, enterprise_id, fields, by=current_user["id"]),
                         url_for("risk_points.index", enterprise_id=enterprise_id), _recorded)


def _managed(conn, point_id) -> tuple[dict, dict]:
    """A point this person sees (else 404) and may manage (else 403), with its enterprise."""
    point = scope.risk_point(conn, current_user, point_id)
    ent = scope.enterprise(conn, current_user, point["enterprise_id"])
    scope.require(scope.may_manage_risk_points(conn, current_user, ent, point["unit_id"]))
    return risk_points.get(conn, point_id), ent


@bp.get("/risk-points/<int:point_id>")
@login_required
def show(point_id):
    conn = db.get()
    found = scope.risk_point(conn, current_user, point_id)
    return _show(conn, found)


def _show(conn, found, refused=None):
    """The point's page: all it says, its measures, who controls it, its history and its hazards; 撤销 below."""
    ent = scope.enterprise(conn, current_user, found["enterprise_id"])
    point = risk_points.annotated(conn, [risk_points.get(conn, found["id"])])[0]
    history = risk_points.history(conn, point["id"])
    for entry in history:
        entry["on"] = as_local(entry["assessed_at"]).date().isoformat()
    retired = next((a for a in audit.history(conn, "risk_point", point["id"], 20) if a["action"] == "retire"), None)
    return render_template(
        "risk_points/show.html", ent=ent, point=point, where=units.label(conn, point["unit_id"]),
        measures=risk_points.measures(conn, [point["id"]])[point["id"]], MEASURE_KINDS=risk_points.MEASURE_KINDS,
        FACTORS=risk_points.FACTORS, control=risk_points.control(conn).get(point["colour"], {}),
        control_label=risk_points.control_label(conn, point["colour"]), history=history,
        meanings=risk_points.meanings(conn), SYMBOLS=risk_points.SCORE_SYMBOLS,
        hazards=[h for h in risk_points.tied_hazards(conn, point["id"]) if scope.sees_hazard(conn, current_user, h)],
        STATUS=STATUS, retired=retired, retired_reason=json.loads(retired["detail"] or "{}").get("reason", "")
        if retired else "",
        may_manage=scope.may_manage_risk_points(conn, current_user, ent, point["unit_id"]),
        cover=risk_feed.coverage(conn, ent["id"]).get(point["id"]), LEVELS=risk_points.LEVEL_NAMES,
        form=request.form, **_refusal(refused),
    ), (422 if refused else 200)


@bp.route("/risk-points/<int:point_id>/reassess", methods=["GET", "POST"])
@login_required
def reassess(point_id):
    conn = db.get()
    point, ent = _managed(conn, point_id)
    if request.method == "GET":
        return _page(conn, ent, _typed(risk_points.form_values(conn, point)), point)
    return form_flow.sent(
        conn, url_for("risk_points.show", point_id=point_id),
        lambda fields: risk_points.reassess(conn, point, fields, by=current_user["id"]),
        lambda _: f"已重新评估：{_said(risk_points.get(conn, point_id))}，已记入评估历史",
        lambda exc: _page(conn, ent, request.form, point, exc),
        lambda: _fields(conn, request.form, _choices(conn, ent)))


@bp.post("/risk-points/<int:point_id>/retire")
@login_required
def retire(point_id):
    conn = db.get()
    point, ent = _managed(conn, point_id)
    return form_flow.sent(
        conn, url_for("risk_points.index", enterprise_id=ent["id"]),
        lambda _: risk_points.retire(conn, point, request.form.get("reason"), by=current_user["id"]),
        lambda _: f"已撤销风险点“{point['name']}”：不再列入风险点清单和企业风险等级，记录保留",
        lambda exc: _show(conn, point, exc))


@bp.route("/enterprises/<int:enterprise_id>/risk-points/import", methods=["GET", "POST"])
@login_required
def import_sheet(enterprise_id):
    conn, ent, allowed = sheet_upload.opened(enterprise_id, _choices, scope.may_manage_risk_points)
    return sheet_upload.upload(conn, ent, risk_import, allowed,
                               url_for("risk_points.index", enterprise_id=enterprise_id),
                               "已导入 {count} 个风险点，企业风险等级已重新判定", "risk_points/import.html")


@bp.get("/enterprises/<int:enterprise_id>/risk-points/template.xlsx")
@login_required
def template(enterprise_id):
    conn, _, allowed = sheet_upload.opened(enterprise_id, _choices, scope.may_manage_risk_points)
    return sheet_upload.download(risk_import.template(conn, enterprise_id, allowed), "风险点导入模板.xlsx")
