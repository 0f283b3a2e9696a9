"""5S scoring (整理 整顿 清扫 清洁 素养) per post and person: add it to a post, score on a phone (offline through the
outbox), read a score, a post's latest scores and trends, a workshop's and an enterprise's rankings, the A4 trend."""

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import checklists, db, five_s, hazards, inspections, scope, units
from ..db import now
from ..photos import PhotoError, from_request
from ..web import place_from, when
from . import form_flow
from .hazards import send_photo

bp = Blueprint("five_s", __name__)


def _unit(conn, unit_id, in_use=True):
    """A unit whose 5S scores the user reads (one still in use, unless `in_use` is off), or 404."""
    unit = scope.unit(conn, current_user, unit_id)
    if (in_use and unit["archived_at"]) or not scope.sees_five_s(conn, current_user, unit_id):
        abort(404)
    return unit


@bp.post("/units/<int:unit_id>/five-s/setup")
@login_required
def setup(unit_id):
    conn = db.get()
    unit = scope.unit(conn, current_user, unit_id)
    ent = scope.enterprise(conn, current_user, unit["enterprise_id"])
    scope.require(scope.may_manage_checklists(conn, current_user, ent, unit_id))
    try:
        return form_flow.saved(conn, lambda: url_for("checklists.show", checklist_id=checklists.add_five_s(
            conn, ent, unit, current_user["id"])), f"已为“{unit['name']}”添加 5S 考评：请设定考评频次和责任人")
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("checklists.index", enterprise_id=ent["id"]))


def form_page(conn, checklist, problems=(), reasons=None, status=200):
    """The scoring form of a post's 5S 考评 (also what its fill address shows, so it is kept for offline use)."""
    items = five_s.criteria(conn, checklist)
    return render_template(
        "five_s/score.html", checklist=checklist, items=items, full=sum(i["points"] for i in items),
        threshold=five_s.threshold(conn, checklist), unit_label=units.label(conn, checklist["unit_id"]),
        people=five_s.people(conn, checklist["unit_id"]), categories=hazards.categories(conn), levels=hazards.LEVELS,
        problems=problems, reasons=reasons or {}, form=request.form, WHOM=five_s.WHOM,
    ), status


def _scorable(conn, checklist_id):
    found = scope.checklist(conn, current_user, checklist_id)
    if found["kind"] != "five_s" or found["archived_at"]:
        abort(404)
    scope.require(scope.may_fill(conn, current_user, found))
    return found


def _deductions(items):
    """The form's deductions; photos are read only for items with points taken, and a refused photo names its item."""
    form, found = request.form, {}
    for number, item in enumerate(items, 1):
        n = item["id"]
        entry = five_s.Deduction(points=form.get(f"deduct_{n}", ""), note=form.get(f"note_{n}", ""),
                                 hazard=bool(form.get(f"hazard_{n}")), category=form.get(f"category_{n}", ""),
                                 level=form.get(f"level_{n}", "general"))
        if five_s.amount(entry.points):
            try:
                entry.photos = from_request(request.files, f"photos_{n}")
            except PhotoError as exc:
                said = f"照片有问题：{exc}（请重新选择照片）"
                raise inspections.Refused([f"第 {number} 项（{item['aspect']}）{said}"], {n: [said]}) from exc
        found[n] = entry
    return found


def _scored(conn, checklist, items, deductions) -> str:
    """Save the score and give the address of its page, which says 已保存 when asked (?saved=1): no flash, so a
    replay answers the same."""
    form = request.form
    score_id = five_s.score(conn, checklist, current_user["id"], whom=form.get("whom"), person=form.get("person"),
                            deductions=deductions, place=place_from(form), items=items)
    return url_for("five_s.show", score_id=score_id, saved=1)


@bp.post("/checklists/<int:checklist_id>/five-s")
@login_required
def submit(checklist_id):
    conn = db.get()
    checklist = _scorable(conn, checklist_id)
    items = five_s.criteria(conn, checklist)
    return form_flow.filled(conn, checklist, items, _deductions, _scored, form_page)


def _score(conn, score_id):
    found = five_s.get(conn, score_id)
    if not found:
        abort(404)
    _unit(conn, found["unit_id"], in_use=False)  # a record stays readable after its post is archived
    return found


@bp.get("/five-s/scores/<int:score_id>")
@login_required
def show(score_id):
    conn = db.get()
    found = _score(conn, score_id)
    checklist = scope.checklist(conn, current_user, found["checklist_id"])
    deductions = five_s.deductions_of(conn, score_id)
    limit = five_s.threshold(conn, checklist)
    low = limit is not None and found["total"] < limit["below"]
    report = None
    if low and not any(d["hazard_id"] for d in deductions) and current_user["role"] != "supervisor":
        # A low score with nothing raised yet: the 随手拍 form, already at this post and saying why.
        words = "；".join(f"{d['aspect']}扣{five_s.points_text(d['points'])}分：{d['note']}" for d in deductions)
        report = url_for("hazards.report", enterprise_id=found["enterprise_id"]) + "?" + urlencode(
            {"unit_id": found["unit_id"], "description": f"5S 考评得分 {five_s.points_text(found['total'])} 分，"
                                                         f"{limit['name']}。{words}"})
    return render_template("five_s/show.html", score=found, deductions=deductions, threshold=limit, low=low,
                           report=report, saved=request.args.get("saved") == "1",
                           unit_label=units.label(conn, found["unit_id"]),
                           may_score=scope.may_fill(conn, current_user, checklist) and not checklist["archived_at"])


@bp.get("/five-s/scores/<int:score_id>/photos/<photo_hash>/<size>.jpg")
@login_required
def photo(score_id, photo_hash, size):
    """A deduction's photo, for those who read its score."""
    conn = db.get()
    _score(conn, score_id)
    if size not in ("display", "thumb") or not five_s.holds_photo(conn, score_id, photo_hash):
        abort(404)
    return send_photo(photo_hash, size)


def _post_page(conn, unit, template, size):
    checklist = checklists.five_s_of(conn, unit["id"])
    limit = five_s.threshold(conn, checklist) if checklist else None
    trends = five_s.trends(conn, unit["id"])
    below = limit["below"] if limit else None
    return render_template(
        template, unit=unit, unit_label=units.label(conn, unit["id"]), checklist=checklist, threshold=limit,
        latest=five_s.latest(conn, unit["id"]), trends=trends,
        chart=five_s.chart(trends["post"], below=below, width=size[0], height=size[1]),
        sparks={p["person"]: five_s.chart(p["series"], width=120, height=36, small=True) for p in trends["people"]},
        ent=scope.enterprise(conn, current_user, unit["enterprise_id"]),
        may_score=bool(checklist) and scope.may_fill(conn, current_user, checklist),
        may_setup=not checklist and scope.may_manage_checklists(
            conn, current_user, {"id": unit["enterprise_id"]}, unit["id"]),
        workshop=units.label(conn, unit["parent_id"]) if unit["parent_id"] else None,
        sees_workshop=bool(unit["parent_id"]) and scope.sees_five_s(conn, current_user, unit["parent_id"]),
        printed=when(now()),
    )


@bp.get("/units/<int:unit_id>/five-s")
@login_required
def unit(unit_id):
    conn = db.get()
    found = _unit(conn, unit_id)
    if found["kind"] == "post":
        return _post_page(conn, found, "five_s/post.html", (360, 180))
    return render_template("five_s/workshop.html", unit=found, standing=five_s.workshop(conn, unit_id),
                           ent=scope.enterprise(conn, current_user, found["enterprise_id"]),
                           sees_all=scope.sees_five_s(conn, current_user, None))


@bp.get("/units/<int:unit_id>/five-s/print")
@login_required
def print_trend(unit_id):
    conn = db.get()
    found = _unit(conn, unit_id)
    if found["kind"] != "post":
        abort(404)
    return _post_page(conn, found, "five_s/print.html", (680, 300))


@bp.get("/enterprises/<int:enterprise_id>/five-s")
@login_required
def enterprise(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    # The whole enterprise's standing is for those who see all its units (unit None, as for enterprise-wide signs).
    if not scope.sees_five_s(conn, current_user, None):
        abort(404)
    workshops = [dict(w, standing=five_s.workshop(conn, w["id"])) for w in units.tree(conn, enterprise_id)]
    return render_template("five_s/enterprise.html", ent=ent, workshops=workshops)
