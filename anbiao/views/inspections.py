"""Filling a checklist on a phone, and reading a filled one."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import (
    checklists,
    db,
    five_s,
    grid_day,
    hazards,
    inspections,
    risk_feed,
    scope,
    sign_checks,
    signs,
    units,
)
from ..photos import PhotoError, from_request
from ..web import place_from
from . import five_s as five_s_pages
from . import form_flow

bp = Blueprint("inspections", __name__)


def _fillable(conn, checklist_id):
    found = scope.checklist(conn, current_user, checklist_id)
    scope.require(scope.may_fill(conn, current_user, found))
    if found["archived_at"]:
        abort(404)
    return found


def _page(conn, checklist, problems=(), reasons=None, status=200, previous=None):
    previous = previous or {}
    items = checklists.get_items(conn, checklist["id"])
    return render_template(
        "inspections/fill.html", checklist=checklist, items=items,
        colours=risk_feed.item_colours(conn, [i["id"] for i in items if i["risk_measure_id"]]),
        unit_label=units.label(conn, checklist["unit_id"]), categories=hazards.categories(conn),
        levels=hazards.LEVELS, problems=problems, reasons=reasons or {}, previous=previous, form=request.form,
        corrects=request.values.get("corrects", type=int),
        walk=sign_checks.round_of(conn, checklist, current_user["id"]), SIGN_STATES=signs.STATES,
    ), status


@bp.get("/checklists/<int:checklist_id>/fill")
@login_required
def fill(checklist_id):
    conn = db.get()
    checklist = _fillable(conn, checklist_id)
    if checklist["kind"] == "five_s":
        # A post's 5S 考评 is filled at the same address (the home lists and 离线准备 keep it), as its scoring form.
        return five_s_pages.form_page(conn, checklist)
    previous = {}
    corrects = request.args.get("corrects", type=int)
    if corrects:
        old = inspections.get(conn, corrects)
        if not old or old["checklist_id"] != checklist_id:
            abort(404)
        previous = {r["checklist_item_id"]: r["result"] for r in inspections.results(conn, corrects)}
    return _page(conn, checklist, previous=previous)


def _answers(items):
    """The form's answers; photos are read only for failed items, and a refused photo names its item."""
    answers = {}
    form = request.form
    for number, item in enumerate(items, 1):
        n = item["id"]
        answer = inspections.Answer(result=form.get(f"result_{n}"))
        if answer.result == "hazard":
            answer.description = form.get(f"description_{n}", "")
            answer.category = form.get(f"category_{n}", "")
            answer.level = form.get(f"level_{n}", "")
            answer.on_the_spot = bool(form.get(f"on_the_spot_{n}"))
            try:
                answer.before = from_request(request.files, f"photos_{n}")
                answer.after = from_request(request.files, f"after_photos_{n}") if answer.on_the_spot else []
            except PhotoError as exc:
                raise inspections.Refused([f"第 {number} 项照片有问题：{exc}（未提交，请重新选择照片）"],
                                          {n: [f"照片有问题：{exc}（请重新选择照片）"]}) from exc
        answers[n] = answer
    return answers


def _recorded(conn, checklist, items, answers) -> str:
    """Save the inspection (a grid visit marked 四不两直 if so sent) and give the address of its record."""
    form = request.form
    inspection_id = inspections.submit(conn, checklist, current_user["id"], answers, place_from(form),
                                       corrects_id=form.get("corrects", type=int), items=items)
    if checklist["tier"] == "grid" and form.get("unannounced"):
        grid_day.mark_unannounced(conn, inspection_id, current_user["id"])
    # The record's own address, so reloading it or going back never shows the form again; it says 已保存 itself,
    # so the answer carries no flash and re-signs no session cookie.
    return url_for("inspections.show", inspection_id=inspection_id, saved=1)


@bp.post("/checklists/<int:checklist_id>/inspections")
@login_required
def submit(checklist_id):
    conn = db.get()
    checklist = _fillable(conn, checklist_id)
    if checklist["kind"] == "five_s":
        abort(404)  # a 5S score is sent to its own address, with its deductions
    items = checklists.get_items(conn, checklist_id)
    return form_flow.filled(conn, checklist, items, _answers, _recorded, _page)


@bp.get("/inspections/<int:inspection_id>")
@login_required
def show(inspection_id):
    conn = db.get()
    scope.inspection(conn, current_user, inspection_id)
    found = inspections.get(conn, inspection_id)
    checklist = scope.checklist(conn, current_user, found["checklist_id"])
    score = checklist["kind"] == "five_s" and five_s.of_inspection(conn, inspection_id)
    if score and scope.sees_five_s(conn, current_user, score["unit_id"]):
        return redirect(url_for("five_s.show", score_id=score["id"]))
    results = inspections.results(conn, inspection_id)
    scans = sign_checks.of_inspection(conn, found)
    return render_template("inspections/show.html", inspection=found, checklist=checklist, results=results,
                           saved=request.args.get("saved") == "1",
                           failed=sum(r["result"] == "hazard" for r in results),
                           RESULTS=inspections.RESULTS, unit_label=units.label(conn, checklist["unit_id"]),
                           may_fill=scope.may_fill(conn, current_user, checklist),
                           presence=scans, SIGN_STATES=signs.STATES,
                           visit=grid_day.presence(found, scans) if checklist["tier"] == "grid" else None)


@bp.post("/enterprises/<int:enterprise_id>/grid-inspection")
@login_required
def start_grid(enterprise_id):
    conn = db.get()
    scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_fill_grid_guide(conn, current_user, enterprise_id))
    try:
        checklist = checklists.grid_checklist(conn, enterprise_id)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("enterprises.show", enterprise_id=enterprise_id))
    return redirect(url_for("inspections.fill", checklist_id=checklist["id"]))
