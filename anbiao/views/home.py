"""The home screen: what is due now and what is overdue, for each kind of user."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import db, due, hazards, scope

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    conn, user = db.get(), current_user
    now = due.local_now()
    context = {"now": now, "mine": due.mine(conn, user, now)}
    if user["role"] in ("workshop_head", "manager"):
        context["below"] = due.below(conn, user, now)
        context["below_summary"] = due.summary(context["below"])
    if user["role"] == "grid_worker":
        context["grid"] = due.grid_enterprises(conn, user, now)
    if user["role"] in ("admin", "supervisor"):
        context["overview"] = due.by_enterprise(conn, scope.enterprises(conn, user), now)
    visible = scope.enterprises(conn, user)
    context["work"] = hazards.for_person(conn, user, [e["id"] for e in visible], scope.unit_ids(conn, user))
    if user["role"] in scope.GOVERNMENT:
        # 挂牌督办: open major hazards in the user's territory, overdue first.
        majors = hazards.search(conn, [e["id"] for e in visible], level="major", status="open")
        context["supervised"] = sorted(majors, key=lambda h: (not h["overdue"], h["deadline"] or "9999"))
    context["report_to"] = visible[0]["id"] if user["role"] in scope.ENTERPRISE_STAFF and visible else None
    return render_template("home.html", **context)


@bp.get("/healthz")
def healthz():
    db.get().execute("SELECT 1")
    return {"ok": True}
