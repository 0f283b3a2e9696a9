"""The government's 达标 grading and 星级评定 records, and the ledgers made from them."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from .. import db, gradings, idempotency, overview, scope
from ..due import local_now
from ..enterprises import GRADES, STANDARD_STATUS
from ..inspections import Refused
from ..sheets import saved

bp = Blueprint("gradings", __name__)


def _page(conn, ent, problems=(), reasons=None, part="", status=200):
    return render_template("gradings/index.html", ent=ent, history=gradings.history(conn, ent["id"]),
                           may_grade=scope.may_grade(current_user), problems=problems, reasons=reasons or {},
                           part=part, form=request.form if request.method == "POST" else {},
                           STANDARD_STATUS=STANDARD_STATUS, GRADES=GRADES, STARS=gradings.STARS), status


@bp.get("/enterprises/<int:enterprise_id>/gradings")
@login_required
def index(enterprise_id):
    conn = db.get()
    return _page(conn, scope.enterprise(conn, current_user, enterprise_id))


def _record(enterprise_id, kind):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_grade(current_user))
    try:
        with conn.atomic():
            idempotency.claim(conn)
            gradings.record(conn, ent, kind, request.form, current_user["id"])
            target = url_for("gradings.index", enterprise_id=enterprise_id)
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _page(conn, ent, exc.problems, exc.reasons, kind, 422)
    flash(f"已记录{gradings.KINDS[kind]}", "ok")
    return redirect(target)


@bp.post("/enterprises/<int:enterprise_id>/gradings/grade")
@login_required
def grade(enterprise_id):
    return _record(enterprise_id, "grade")


@bp.post("/enterprises/<int:enterprise_id>/gradings/star")
@login_required
def star(enterprise_id):
    return _record(enterprise_id, "star")


def _ledger_args(conn):
    scope.require(scope.may_grade(current_user))
    kind = request.args.get("kind") or "graded"
    if kind not in gradings.LEDGERS:
        abort(404)
    start, end, problems = gradings.period(request.args)
    where, params = scope.enterprise_where(current_user)
    return kind, start, end, problems, where, params


@bp.get("/ledgers")
@login_required
def ledgers():
    conn = db.get()
    kind, start, end, problems, where, params = _ledger_args(conn)
    overview.refresh(conn, grace=current_app.config["OVERVIEW_GRACE"])
    totals = overview.totals(conn, where, params)
    after = request.args.get("after", type=int)
    found, more = gradings.ledger(conn, kind, where, params, start=start, end=end, after=after)
    return render_template("gradings/ledgers.html", kind=kind, start=start, end=end, problems=problems, found=found,
                           more=more, after=after, LEDGERS=gradings.LEDGERS, STARS=gradings.STARS,
                           counts=gradings.counts(conn, where, params, totals, start=start, end=end))


def date_today() -> str:
    return local_now().date().isoformat()


@bp.get("/ledgers.xlsx")
@login_required
def ledger_export():
    conn = db.get()
    kind, start, end, problems, where, params = _ledger_args(conn)
    if problems:
        flash("；".join(problems), "error")
        return redirect(url_for("gradings.ledgers", kind=kind))
    found = gradings.ledger_all(conn, kind, where, params, start=start, end=end)
    title = f"{gradings.LEDGERS[kind]}基础台账"
    heading = f"新增期间：{start.isoformat()} 至 {end.isoformat()}" if kind == "new" else f"导出于 {date_today()}"
    book = gradings.workbook(title, heading, found)
    return send_file(saved(book), as_attachment=True, download_name=f"{title}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
