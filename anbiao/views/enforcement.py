"""Enforcement actions recorded against an enterprise (罚款, 约谈…), which the monthly report counts."""

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, enforcement, idempotency, scope
from ..due import local_now
from ..refusal import Refused

bp = Blueprint("enforcement", __name__)


@bp.route("/enterprises/<int:enterprise_id>/enforcement", methods=["GET", "POST"])
@login_required
def enterprise(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    may_record = scope.may_record_enforcement(current_user)
    problems, reasons = [], {}
    if request.method == "POST":
        scope.require(may_record)
        target = url_for("enforcement.enterprise", enterprise_id=enterprise_id)
        try:
            cleaned = enforcement.clean(conn, request.form)
            with conn.atomic():
                idempotency.claim(conn)
                enforcement.record(conn, enterprise_id, cleaned, current_user["id"])
                idempotency.settle(conn, 302, target)
        except Refused as exc:
            problems = [str(exc)]
            reasons = {exc.field: problems} if exc.field else {}
        else:
            flash(f"已记录：{cleaned['name']}（{cleaned['on_date'].isoformat()}）", "ok")
            return redirect(target)
    kinds = enforcement.kinds(conn)
    # The form's fields in page order: the page opens on the first one refused.
    fields = ["kind", "on_date", *(f"amount_{code}" for code, k in kinds.items() if k["amount"]), "note"]
    return render_template("enforcement/enterprise.html", ent=ent, kinds=kinds, fields=fields,
                           actions=enforcement.of_enterprise(conn, enterprise_id), may_record=may_record,
                           form=request.form, problems=problems, reasons=reasons,
                           today=local_now().date().isoformat()), (422 if problems else 200)


def _month(text: str | None) -> tuple[date, date] | None:
    """A month ('2024-03') as its first day and the next month's first day; None when malformed."""
    try:
        start = date.fromisoformat(f"{(text or '').strip()}-01")
    except ValueError:
        return None
    return start, date(start.year + start.month // 12, start.month % 12 + 1, 1)


@bp.get("/enforcement")
@login_required
def index():
    """The actions of a month in the person's scope, by kind: the records behind the monthly report's figures."""
    scope.require(scope.may_record_enforcement(current_user) or scope.may_report(current_user))
    conn = db.get()
    kinds = enforcement.kinds(conn)
    month = request.args.get("month") or local_now().strftime("%Y-%m")
    kind = request.args.get("kind") or None
    problems = []
    bounds = _month(month)
    if bounds is None:
        problems.append("月份格式不正确，应为 2024-03 这样的年月")
    if kind is not None and kind not in kinds:
        problems.append("请选择措施种类")
    found, more, counts = [], None, {}
    if not problems:
        where, params = scope.enterprise_where(current_user)
        counts = enforcement.counts(conn, where, params, *bounds)
        found, more = enforcement.listed(conn, where, params, *bounds, kind=kind,
                                         after=request.args.get("before", type=int))
    return render_template("enforcement/index.html", kinds=kinds, month=month, kind=kind, actions=found, more=more,
                           counts=counts, problems=problems), (422 if problems else 200)
