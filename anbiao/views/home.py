"""The home screen: what is due now and what is overdue, for each kind of user."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from .. import (
    db,
    draws,
    due,
    enterprises,
    grid_day,
    hazard_lists,
    monthly_reports,
    overview,
    public_reports,
    reverify,
    scope,
    supervision,
    visit_plan,
)

bp = Blueprint("home", __name__)
WORST_SHOWN = 10  # enterprises a supervisor sees on the home page; the rest are a tap away
SUPERVISED_SHOWN = 20


@bp.get("/")
@login_required
def index():
    conn, user = db.get(), current_user
    now = due.local_now()
    role = user["role"]
    context = {"now": now, "work": hazard_lists.for_person(conn, user, scope.unit_ids(conn, user))}
    if role in scope.ENTERPRISE_STAFF:
        context["mine"] = due.mine(conn, user, now)
        context["report_to"] = user["enterprise_id"]
    if role in ("workshop_head", "manager"):
        context["below"] = due.below(conn, user, now)
        context["below_summary"] = due.summary(context["below"])
    if role in ("manager", "grid_worker", "admin"):
        context["reports"] = public_reports.pending_by_enterprise(conn, *scope.enterprise_where(user))
    if role in scope.GOVERNMENT:
        where, params = scope.enterprise_where(user)
        overview.refresh(conn, now, grace=current_app.config["OVERVIEW_GRACE"])
        context["totals"] = overview.totals(conn, where, params)
        context["STANDARD"] = enterprises.STANDARD_STATUS
        context["supervised"] = hazard_lists.supervised(conn, where, params, SUPERVISED_SHOWN)
        # 月报表 are due by the 3rd: from the 1st, last month's forms not yet submitted for this scope.
        context["monthly_reminder"] = monthly_reports.reminder(conn, user, now.date())
        context["MONTHLY_FORMS"] = monthly_reports.FORMS
        # 双随机检查任务 (draws.py): the enterprises drawn for this person, until their grid guide is submitted.
        context["draw_tasks"] = draws.for_inspector(conn, user, now.date().isoformat())
        context["listings"] = supervision.of_hazards(conn, [h["id"] for h in context["supervised"]])
        context["may_supervise"] = scope.may_supervise(user)
        if role == "grid_worker":
            # The grid's plan: who is due for a visit, by the date their colour and size set, overdue first.
            context["plan"] = visit_plan.plan(conn, where, params, now.date())
            context["SIZES"] = enterprises.SIZE_CLASSES
            # The day (grid_day.py): today's plan picked from it, and the 复查 of what government found, which
            # holds the fixes waiting for this person's acceptance too, so 待我验收 is not listed twice.
            grid_day.decorate(conn, context["plan"]["rows"])
            context["today_plan"] = grid_day.today_plan(conn, user, now.date())
            context["planned"] = {e["id"] for e in context["today_plan"]}
            context["plan_day"] = now.date().isoformat()
            context["rechecks"] = grid_day.rechecks(conn, user, now.date())
            context["work"] = {**context["work"], "verify": []}
            # 回头看 (reverify.py): closed hazards drawn at random, waiting for this person's revisit with a new photo.
            context["revisits"] = reverify.due_for(conn, user)
        else:
            context["worst"], context["more_worst"] = overview.worst(conn, where, params, limit=WORST_SHOWN)
    return render_template("home.html", **context)


@bp.get("/healthz")
def healthz():
    db.get().execute("SELECT 1")
    return {"ok": True}
