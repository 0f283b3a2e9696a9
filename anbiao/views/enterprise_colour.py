"""The enterprise's overall colour: its reasons and history, and a supervisor's 整体评估 with a written reason."""

import json
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, enterprise_colour, idempotency, scope
from ..db import one
from ..refusal import Refused

bp = Blueprint("enterprise_colour", __name__)


@bp.app_template_global()
def colour_label(colour) -> str:
    """「红 · 重大风险」 for any page's colour chip (templates/enterprise_colour/_colour.html)."""
    return enterprise_colour.label(colour)


@bp.app_template_global()
def colour_why(ent) -> str:
    """Why an enterprise has its colour, in one line, from its row (colour_override, colour_reasons)."""
    if ent.get("colour_override"):
        return "监管人员整体评估改定"
    return "；".join(json.loads(ent.get("colour_reasons") or "[]"))


def _page(conn, ent, form, refused=None):
    """The colour page; 422 with the reasons beside their fields when an assessment was refused."""
    rule = enterprise_colour.rules(conn)
    found = enterprise_colour.facts(conn, ent["id"])
    computed, reasons = enterprise_colour.decide(found, rule)
    plan = one(conn, "SELECT next_visit_on, grid_done_at FROM enterprise_overview WHERE id = ?", (ent["id"],))
    if plan and plan["next_visit_on"]:
        plan["next_on"] = date.fromisoformat(plan["next_visit_on"])
    return render_template(
        "enterprise_colour/page.html", ent=ent, summary=enterprise_colour.summary(conn, ent), computed=computed,
        reasons=reasons, facts=found, rule=rule, FACT_NAMES=enterprise_colour.FACT_NAMES,
        history=enterprise_colour.history(conn, ent["id"]), may_set=scope.may_set_colour(current_user),
        plan=plan, form=form, RULE=enterprise_colour.RULE,
        COLOURS=list(enterprise_colour.LEVEL_NAMES), REASON_CHARS=enterprise_colour.REASON_CHARS,
        problems=[str(refused)] if refused else [],
        reasons_by_field={refused.field: [str(refused)]} if refused and refused.field else {},
    ), (422 if refused else 200)


@bp.route("/enterprises/<int:enterprise_id>/colour", methods=["GET", "POST"])
@login_required
def page(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    if request.method == "GET":
        return _page(conn, enterprise_colour.current(conn, ent), {})  # a hazard changed since shows at once
    scope.require(scope.may_set_colour(current_user))
    target = url_for("enterprise_colour.page", enterprise_id=enterprise_id)
    try:
        with conn.atomic():
            idempotency.claim(conn)
            colour = enterprise_colour.set_override(conn, enterprise_id, request.form.get("colour"),
                                                    request.form.get("reason"), current_user["id"])
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _page(conn, ent, request.form, exc)
    lifted = request.form.get("colour") == enterprise_colour.RULE
    flash(("已取消改定，按规则判定为" if lifted else "已改定为") + f"「{enterprise_colour.label(colour)}」", "ok")
    return redirect(target)
