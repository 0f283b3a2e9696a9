"""双随机 draws: enterprises and inspectors drawn with a recorded seed, their tasks and results."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from .. import checklists, db, draws, due, enterprises, scope
from ..refusal import Refused
from . import form_flow

bp = Blueprint("draws", __name__)


def _form_page(conn, template_form, old=None, refused=None):
    """The draw form (new, or a redraw prefilled from `old`); 422 with the reasons when `refused`."""
    return render_template(
        "draws/new.html", form=template_form, old=old, **form_flow.refusal(refused),
        pool=draws.candidates(conn, current_user), TEAM_SIZES=draws.TEAM_SIZES, **draws.choices(conn, current_user),
        today=due.local_now().date().isoformat()), (422 if refused else 200)


def _drawing(conn, old=None):
    """The draw form, and once sent the draw made (a redraw of `old`, for the reason given) and its page."""
    if request.method == "GET":
        return _form_page(conn, draws.prefill(conn, old) if old else MultiDict(), old)
    try:
        reason = draws.clean_reason(request.form.get("reason")) if old else None
        settings = draws.clean(conn, current_user, request.form, due.local_now().date())
        said = ("已重新抽取：原抽取结果保留并标明已作废，其未完成的任务已取消" if old else
                f"已抽取：{settings['n']} 家企业、{settings['m']} 名检查人员，任务已发到检查人员首页")
        return form_flow.saved(conn, lambda: url_for("draws.show", draw_id=draws.make(
            conn, current_user, settings, redraw_of=old, reason=reason)), said)
    except Refused as exc:
        return _form_page(conn, request.form, old, exc)


@bp.get("/draws")
@login_required
def index():
    conn = db.get()
    scope.require(scope.may_draw(current_user))
    found, more = draws.listing(conn, current_user, request.args.get("before", type=int))
    return render_template("draws/index.html", draws=found, more=more)


@bp.route("/draws/new", methods=["GET", "POST"])
@login_required
def new():
    conn = db.get()
    scope.require(scope.may_draw(current_user))
    return _drawing(conn)


def _draw(conn, draw_id) -> dict:
    scope.require(scope.may_draw(current_user))
    found = draws.get(conn, current_user, draw_id)
    if found is None:
        abort(404)
    return found


@bp.get("/draws/<int:draw_id>")
@login_required
def show(draw_id):
    conn = db.get()
    draw = _draw(conn, draw_id)
    tasks = draws.tasks(conn, draw_id)
    return render_template(
        "draws/show.html", d=draw, tasks=tasks, tally=draws.tally(conn, draw_id), settings=draws.described(draw),
        replayed=draws.replay(conn, draw) == draws.stored_pairs(conn, draw_id),
        replaced_by=draws.redraws(conn, draw_id),
        earlier=draws.get(conn, current_user, draw["redraw_of"]) if draw["redraw_of"] else None,
        SIZES=enterprises.SIZE_CLASSES)


@bp.route("/draws/<int:draw_id>/redraw", methods=["GET", "POST"])
@login_required
def redraw(draw_id):
    conn = db.get()
    old = _draw(conn, draw_id)
    if old["superseded_at"]:
        flash("这次抽取已被重新抽取取代，只能对最新的抽取重新抽取", "error")
        return redirect(url_for("draws.show", draw_id=draw_id))
    return _drawing(conn, old)


@bp.post("/tasks/<int:task_id>/start")
@login_required
def start(task_id):
    """Open the enterprise's grid guide for one's own open task."""
    conn = db.get()
    task = draws.task(conn, current_user, task_id)
    if task is None:
        abort(404)
    if task["cancelled_at"]:
        flash("这项任务所属的抽取已重新抽取，任务已取消", "error")
        return redirect(url_for("home.index"))
    # The guide is made only once the person may fill it (an open task grants it), so a refusal leaves nothing behind.
    scope.require(scope.may_fill_grid_guide(conn, current_user, task["enterprise_id"]))
    try:
        checklist = checklists.grid_checklist(conn, task["enterprise_id"])
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("home.index"))
    return redirect(url_for("inspections.fill", checklist_id=checklist["id"]))
