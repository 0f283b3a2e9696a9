"""Self-assessment against GB/T 33000's eight elements, its evidence, hazards and the printable 自评报告."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, hazards, idempotency, library, scope, units
from .. import self_assessment as sa
from ..db import now
from ..due import as_local
from ..inspections import Refused
from ..photos import PhotoError, from_request
from ..web import place_from, when
from .hazards import send_photo

bp = Blueprint("self_assessment", __name__)


def _enterprise(conn, enterprise_id):
    """An enterprise whose self-assessments the user reads: those who see all of it (as for its 5S standing), or 404."""
    ent = scope.enterprise(conn, current_user, enterprise_id)
    if not scope.sees_self_assessment(conn, current_user):
        abort(404)
    return ent


def _assessment(conn, assessment_id):
    found = sa.get(conn, assessment_id)
    if not found:
        abort(404)
    return found, _enterprise(conn, found["enterprise_id"])


def _item(conn, assessment, item_id):
    found = next((i for i in sa.criteria(conn, assessment["library_doc_id"]) if i["id"] == item_id), None)
    if not found:
        abort(404)
    return found


def _may_edit(conn, assessment, ent) -> bool:
    return scope.may_self_assess(conn, current_user, ent) and not assessment["submitted_at"]


@bp.get("/enterprises/<int:enterprise_id>/self-assessments")
@login_required
def index(enterprise_id):
    conn = db.get()
    ent = _enterprise(conn, enterprise_id)
    return render_template("self_assessment/index.html", ent=ent, assessments=sa.of_enterprise(conn, enterprise_id),
                           standard=sa.standard(conn), may_start=scope.may_self_assess(conn, current_user, ent),
                           problems=[])


@bp.post("/enterprises/<int:enterprise_id>/self-assessments/new")
@login_required
def start(enterprise_id):
    conn = db.get()
    ent = _enterprise(conn, enterprise_id)
    scope.require(scope.may_self_assess(conn, current_user, ent))
    standard = sa.standard(conn)
    if not standard or request.form.get("library_doc_id") != str(standard["id"]):
        return render_template("self_assessment/index.html", ent=ent, assessments=sa.of_enterprise(conn, ent["id"]),
                               standard=standard, may_start=True,
                               problems=["请确认自评所依据的标准（页面可能已过期，请刷新后重试）"]), 422
    with conn.atomic():
        idempotency.claim(conn)
        assessment_id = sa.start(conn, ent["id"], standard["id"], current_user["id"])
        target = url_for("self_assessment.show", assessment_id=assessment_id)
        idempotency.settle(conn, 302, target)
    return redirect(target)


@bp.get("/self-assessments/<int:assessment_id>")
@login_required
def show(assessment_id):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    return _show_page(conn, assessment, ent)


def _show_page(conn, assessment, ent, problems=(), status=200):
    return render_template("self_assessment/show.html", a=assessment, ent=ent, found=sa.summary(conn, assessment),
                           raised=sa.raised(conn, assessment["id"]), may_edit=_may_edit(conn, assessment, ent),
                           problems=problems, points=sa.points_text), status


@bp.route("/self-assessments/<int:assessment_id>/elements/<element>", methods=["GET", "POST"])
@login_required
def element(assessment_id, element):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    if element not in library.ELEMENTS:
        abort(404)
    items = [i for i in sa.criteria(conn, assessment["library_doc_id"]) if i["element"] == element]
    if not items:
        abort(404)
    problems, reasons, form = [], {}, None
    if request.method == "POST":
        scope.require(scope.may_self_assess(conn, current_user, ent))
        form = request.form
        answers = {i["id"]: sa.Entry(result=form.get(f"result_{i['id']}", ""), points=form.get(f"deduct_{i['id']}"),
                                     note=form.get(f"note_{i['id']}", "")) for i in items}
        try:
            with conn.atomic():
                idempotency.claim(conn)
                sa.save_element(conn, assessment, items, answers, current_user["id"])
                target = url_for("self_assessment.show", assessment_id=assessment_id, _anchor=f"e{element}")
                idempotency.settle(conn, 302, target)
        except Refused as exc:
            problems, reasons = exc.problems, exc.reasons
        else:
            flash(f"已保存：{element} {library.ELEMENTS[element]}", "ok")
            return redirect(target)
    entered = sa.entries(conn, assessment_id)
    return render_template("self_assessment/element.html", a=assessment, ent=ent, code=element,
                           name=library.ELEMENTS[element], items=items, entered=entered,
                           tally=sa.tally(items, entered), may_edit=_may_edit(conn, assessment, ent),
                           problems=problems, reasons=reasons, form=form, RESULTS=sa.RESULTS,
                           points=sa.points_text), 422 if problems else 200


def _item_page(conn, assessment, ent, item, problems=(), reasons=None, part="", status=200):
    entered = sa.entries(conn, assessment["id"]).get(item["id"])
    only = scope.unit_ids(conn, current_user)
    return render_template(
        "self_assessment/item.html", a=assessment, ent=ent, item=item, entry=entered,
        evidence=sa.evidence_of(conn, assessment["id"]).get(item["id"], []),
        choices=sa.evidence_choices(conn, ent["id"]),
        hazard=hazards.get(conn, entered["hazard_id"]) if entered and entered["hazard_id"] else None,
        may_edit=_may_edit(conn, assessment, ent),
        may_raise=scope.may_self_assess(conn, current_user, ent) and bool(entered and entered["deducted"]),
        tree=units.tree(conn, ent["id"], only), categories=hazards.categories(conn), levels=hazards.LEVELS,
        EVIDENCE=sa.EVIDENCE, problems=problems, reasons=reasons or {}, part=part,
        form=request.form if request.method == "POST" else {}, points=sa.points_text), status


@bp.get("/self-assessments/<int:assessment_id>/items/<int:item_id>")
@login_required
def item(assessment_id, item_id):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    return _item_page(conn, assessment, ent, _item(conn, assessment, item_id))


@bp.post("/self-assessments/<int:assessment_id>/items/<int:item_id>/evidence")
@login_required
def evidence(assessment_id, item_id):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    found = _item(conn, assessment, item_id)
    scope.require(scope.may_self_assess(conn, current_user, ent))
    form = request.form
    try:
        try:
            pictures = from_request(request.files, "photo") if form.get("kind") == "photo" else []
        except PhotoError as exc:
            said = f"照片有问题：{exc}（请重新选择照片）"
            raise Refused([said], {"photo": [said]}) from exc
        with conn.atomic():
            idempotency.claim(conn)
            sa.add_evidence(conn, assessment, found, kind=form.get("kind"), ref=form.get(f"ref_{form.get('kind')}"),
                            note=form.get("note"), pictures=pictures, by=current_user["id"])
            target = url_for("self_assessment.item", assessment_id=assessment_id, item_id=item_id)
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _item_page(conn, assessment, ent, found, exc.problems, exc.reasons, "evidence", 422)
    flash("已添加证据", "ok")
    return redirect(target)


@bp.post("/self-assessments/<int:assessment_id>/items/<int:item_id>/hazard")
@login_required
def hazard(assessment_id, item_id):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    found = _item(conn, assessment, item_id)
    scope.require(scope.may_self_assess(conn, current_user, ent))
    form = request.form
    tree = units.tree(conn, ent["id"])
    allowed = {w["id"] for w in tree} | {p["id"] for w in tree for p in w["posts"]}
    unit_id = form.get("unit_id", type=int)
    try:
        if unit_id is not None and unit_id not in allowed:
            raise Refused(["请选择隐患所在的车间或岗位"], {"unit_id": ["请选择隐患所在的车间或岗位"]})
        try:
            pictures = from_request(request.files, "photos")
        except PhotoError as exc:
            said = f"隐患照片有问题：{exc}（请重新选择照片）"
            raise Refused([said], {"photos": [said]}) from exc
        with conn.atomic():
            idempotency.claim(conn)
            hazard_id = sa.raise_hazard(conn, assessment, found, unit_id=unit_id, description=form.get("description"),
                                        category=form.get("category"), level=form.get("level"), pictures=pictures,
                                        by=current_user["id"], place=place_from(form))
            target = url_for("hazards.show", hazard_id=hazard_id)
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _item_page(conn, assessment, ent, found, exc.problems, exc.reasons, "hazard", 422)
    flash(f"已列为隐患：{found['code']} {found['name']}", "ok")
    return redirect(target)


@bp.post("/self-assessments/<int:assessment_id>/submit")
@login_required
def submit(assessment_id):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    scope.require(scope.may_self_assess(conn, current_user, ent))
    try:
        with conn.atomic():
            idempotency.claim(conn)
            score = sa.submit(conn, assessment, current_user["id"], confirmed=bool(request.form.get("confirm")))
            target = url_for("self_assessment.show", assessment_id=assessment_id)
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _show_page(conn, assessment, ent, exc.problems, 422)
    flash(f"已提交自评：得分 {sa.points_text(score)}", "ok")
    return redirect(target)


@bp.get("/self-assessments/<int:assessment_id>/report")
@login_required
def report(assessment_id):
    conn = db.get()
    assessment, ent = _assessment(conn, assessment_id)
    found = sa.summary(conn, assessment)
    return render_template("self_assessment/report.html", a=assessment, ent=ent, found=found,
                           deductions=[i for i in found["items"] if i["entry"] and i["entry"]["deducted"]],
                           na=[i for i in found["items"] if i["entry"] and i["entry"]["not_applicable"]],
                           raised=sa.raised(conn, assessment_id), points=sa.points_text, printed=when(now()),
                           EVIDENCE=sa.EVIDENCE, STATUS=hazards.STATUS, LEVELS=hazards.LEVELS,
                           day=lambda stamp: f"{as_local(stamp):%Y年%-m月%-d日}")


@bp.get("/self-assessments/<int:assessment_id>/photos/<photo_hash>/<size>.jpg")
@login_required
def photo(assessment_id, photo_hash, size):
    """An evidence photo, for those who read the self-assessment."""
    conn = db.get()
    _assessment(conn, assessment_id)
    if size not in ("display", "thumb") or not sa.holds_photo(conn, assessment_id, photo_hash):
        abort(404)
    return send_photo(photo_hash, size)
