"""The grid worker's day: today's plan from the grid's due list, 四不两直 visits and 复查."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, grid_day, idempotency, scope
from ..refusal import Refused

bp = Blueprint("grid_day", __name__)


def _plan_changed(enterprise_id, change):
    """One change to today's plan, for an enterprise of the person's grid (else 404): whoever may fill the grid guide
    there plans the visit (else 403). A refused change is a 422 that says why, and changes nothing."""
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_fill_grid_guide(conn, current_user, ent["id"]))
    try:
        with conn.atomic():
            idempotency.claim(conn)
            change(conn, ent)
            target = url_for("home.index", _anchor="today")
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return render_template("error.html", title="今日计划未改变", message=str(exc)), 422
    return redirect(target)


@bp.post("/enterprises/<int:enterprise_id>/day-plan")
@login_required
def add(enterprise_id):
    return _plan_changed(enterprise_id, lambda conn, ent: grid_day.add(
        conn, current_user, ent, request.form.get("day")))


@bp.post("/enterprises/<int:enterprise_id>/day-plan/remove")
@login_required
def remove(enterprise_id):
    return _plan_changed(enterprise_id, lambda conn, ent: grid_day.remove(
        conn, current_user, ent, request.form.get("day")))


@bp.post("/enterprises/<int:enterprise_id>/day-plan/move")
@login_required
def move(enterprise_id):
    return _plan_changed(enterprise_id, lambda conn, ent: grid_day.move(
        conn, current_user, ent, request.form.get("day"), request.form.get("direction")))
