"""The public's reports from a sign's QR page (no account), their receipts, and their 核实 by the enterprise's
manager and its grid worker."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, hazards, idempotency, photos, public_reports, scope, signs, throttle
from ..photos import PhotoError, from_request
from ..web import place_from
from .hazards import send_photo

bp = Blueprint("public_reports", __name__)
HONEYPOT = "website"  # hidden from people; a script filling every field fills it
MAX_REQUEST = photos.MAX_BYTES + 256 * 1024  # one photo and a few short fields


def _sign(token):
    found = signs.scanned(db.get(), token)
    if found is None or found[0]["retired_at"]:
        abort(404)
    return found


def _form(sign, token, problems=(), reasons=None, status=200):
    return render_template("public_reports/new.html", notice=signs.public(db.get(), sign), token=token,
                           problems=list(problems), reasons=reasons or {}, form=request.form), status


@bp.route("/q/<token>/report", methods=["GET", "POST"])
def new(token):
    """随手拍 / 举报 from a sign's QR page: a description, one optional photo and an optional phone number."""
    sign, _ = _sign(token)
    if request.method == "GET":
        return _form(sign, token)
    if not throttle.report_allowed(sign["id"]):
        return _form(sign, token, ["提交太频繁，请稍后再试。紧急情况请直接拨打企业或 119、120 电话。"], status=429)
    if request.form.get(HONEYPOT) or (request.content_length or 0) > MAX_REQUEST:
        return _form(sign, token, ["提交未被接受：内容过大或格式不正确。"], status=422)
    conn = db.get()
    try:
        pictures = from_request(request.files, "photo")
        receipt = public_reports.submit(conn, sign, description=request.form.get("description"),
                                        phone=request.form.get("phone"), pictures=pictures)
    except PhotoError as exc:
        return _form(sign, token, [f"照片有问题：{exc}（请重新选择照片）"], {"photo": [str(exc)]}, 422)
    except public_reports.Refused as exc:
        return _form(sign, token, [str(exc)], {exc.field: [str(exc)]} if exc.field else {}, 422)
    return render_template("public_reports/received.html", receipt=receipt, notice=signs.public(conn, sign))


@bp.get("/r")
def receipt():
    """A reporter looks up what became of their report: its state and the public reply, nothing else."""
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("public_reports/receipt.html", code="", found=None)
    if not throttle.lookup_allowed():
        return render_template("public_reports/receipt.html", code=code, found=None, busy=True), 429
    found = public_reports.receipt(db.get(), code)
    return render_template("public_reports/receipt.html", code=code, found=found,
                           STATES=public_reports.STATES), (200 if found else 404)


def _reviewed_enterprise(conn, enterprise_id):
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_review_reports(conn, current_user, ent))
    return ent


@bp.get("/enterprises/<int:enterprise_id>/reports")
@login_required
def index(enterprise_id):
    """待核实: the public's reports waiting for the manager or the grid worker, then those already handled."""
    conn = db.get()
    ent = _reviewed_enterprise(conn, enterprise_id)
    return _list(conn, ent)


def _list(conn, ent, problems=(), at=None, status=200):
    handled = [r for r in public_reports.of_enterprise(conn, ent["id"], None, limit=50) if r["state"] != "pending"]
    return render_template("public_reports/index.html", ent=ent, pending=public_reports.of_enterprise(conn, ent["id"]),
                           handled=handled, categories=hazards.categories(conn), levels=hazards.LEVELS,
                           STATES=public_reports.STATES, problems=list(problems), at=at, form=request.form), status


def _review(report_id, action, success):
    """Confirm or dismiss one report, with its key, in one transaction; a refusal comes back beside it."""
    conn = db.get()
    report = public_reports.get(conn, report_id)
    if report is None:
        abort(404)
    ent = _reviewed_enterprise(conn, report["enterprise_id"])
    target = url_for("public_reports.index", enterprise_id=ent["id"])
    try:
        with conn.atomic():
            idempotency.claim(conn)
            hazard_id = action(conn, report)
            if hazard_id:
                target = url_for("hazards.show", hazard_id=hazard_id)
            idempotency.settle(conn, 302, target)
    except public_reports.Refused as exc:
        return _list(conn, ent, [str(exc)], report_id, 422)
    flash(success, "ok")
    return redirect(target)


@bp.post("/reports/<int:report_id>/confirm")
@login_required
def confirm(report_id):
    form = request.form
    return _review(report_id, lambda conn, report: public_reports.confirm(
        conn, report, category=form.get("category"), level=form.get("level"), reply=form.get("reply"),
        by=current_user["id"], place=place_from(form)), "已核实：已列为隐患，进入整改")


@bp.post("/reports/<int:report_id>/dismiss")
@login_required
def dismiss(report_id):
    return _review(report_id, lambda conn, report: public_reports.dismiss(
        conn, report, reply=request.form.get("reply"), by=current_user["id"]), "已处理：已答复举报人")


@bp.get("/reports/<int:report_id>/photo/<any(display, thumb):size>.jpg")
@login_required
def photo(report_id, size):
    """A report's photo, for those who review the enterprise's reports."""
    conn = db.get()
    report = public_reports.get(conn, report_id)
    if report is None or not report["photo_hash"]:
        abort(404)
    _reviewed_enterprise(conn, report["enterprise_id"])
    return send_photo(report["photo_hash"], size)
