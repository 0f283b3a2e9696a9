"""挂牌督办, the government side: listing a 重大隐患, its 五落实 checks, and 销号 after verification."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import dashboard, db, hazards, idempotency, scope, supervision
from ..due import local_now
from ..photos import PhotoError, from_request
from ..refusal import Refused
from .hazards import send_photo

bp = Blueprint("supervision", __name__)


def _refusal(exc: Refused | None, part: str = "") -> dict:
    """What a page shows of a refusal: the problems at the top of the form `part`, the reasons beside the field."""
    if exc is None:
        return {"problems": [], "reasons": {}, "refused_part": None}
    return {"problems": [str(exc)], "reasons": {exc.field: [str(exc)]} if exc.field else {}, "refused_part": part}


@bp.get("/supervision")
@login_required
def index():
    scope.require(scope.may_supervise(current_user))
    conn, args = db.get(), request.args
    # A dashboard figure of one town links here with the town, so the list adds up to it.
    where, params, town = dashboard.within(conn, current_user, args.get("town"))
    filters = {"level": args.get("level") or None, "state": args.get("state") or None,
               "overdue": args.get("overdue") == "1"}
    page = max(args.get("page", 1, type=int), 1)
    found, total = supervision.search(conn, where, params, page=page, **filters)
    waiting, waiting_total = supervision.waiting(conn, where, params)
    return render_template("supervision/index.html", listings=found, total=total, page=page,
                           pages=max((total + supervision.PAGE - 1) // supervision.PAGE, 1), args=args,
                           waiting=waiting, waiting_total=waiting_total, town=town, LEVELS=supervision.LEVELS,
                           STATES=supervision.STATES, STATUS=hazards.STATUS, CHECKS=supervision.CHECKS)


@bp.route("/hazards/<int:hazard_id>/supervision", methods=["GET", "POST"])
@login_required
def new(hazard_id):
    conn = db.get()
    hazard = scope.hazard(conn, current_user, hazard_id)
    scope.require(scope.may_supervise(current_user))
    listing = supervision.of_hazard(conn, hazard_id)
    if request.method == "GET" and listing:
        return redirect(url_for("supervision.show", supervision_id=listing["id"]))
    refused = None
    if request.method == "POST":
        form = request.form
        try:
            with conn.atomic():
                idempotency.claim(conn)
                supervision_id = supervision.list_hazard(
                    conn, hazard, by=current_user["id"], level=form.get("level"), unit=form.get("unit"),
                    listed_on=form.get("listed_on"), deadline=form.get("deadline"))
                target = url_for("supervision.show", supervision_id=supervision_id)
                idempotency.settle(conn, 302, target)
        except Refused as exc:
            refused = exc
        else:
            flash(f"已挂牌督办（{supervision.LEVELS[form['level']]}）", "ok")
            return redirect(target)
    form = request.form if request.method == "POST" else {"listed_on": local_now().date().isoformat(),
                                                           "deadline": hazard["deadline"] or ""}
    return render_template("supervision/new.html", h=hazard, form=form, LEVELS=supervision.LEVELS,
                           today=local_now().date().isoformat(), **_refusal(refused)), (422 if refused else 200)


def _listing(conn, supervision_id):
    """A listing and its hazard, for those who see the hazard; else 404."""
    listing = supervision.get(conn, supervision_id)
    if not listing:
        abort(404)
    return listing, scope.hazard(conn, current_user, listing["hazard_id"])


def _show(conn, listing, hazard, refused=None, part=""):
    return render_template("supervision/show.html", s=listing, h=hazard, STATUS=hazards.STATUS,
                           may_supervise=scope.may_supervise(current_user) and not listing["removed"],
                           **_refusal(refused, part)), (422 if refused else 200)


@bp.get("/supervision/<int:supervision_id>")
@login_required
def show(supervision_id):
    conn = db.get()
    return _show(conn, *_listing(conn, supervision_id))


@bp.post("/supervision/<int:supervision_id>/checks/<item>")
@login_required
def check(supervision_id, item):
    conn = db.get()
    listing, hazard = _listing(conn, supervision_id)
    if item not in supervision.CHECKS:
        abort(404)
    scope.require(scope.may_supervise(current_user))
    target = url_for("supervision.show", supervision_id=supervision_id)
    form = request.form
    try:
        try:  # photos are read before the transaction, so no write waits on decoding them
            evidence = from_request(request.files, f"photo_{item}")
        except PhotoError as exc:
            raise Refused(f"证据照片有问题：{exc}（请重新选择照片）", f"photo_{item}") from exc
        with conn.atomic():
            idempotency.claim(conn)
            supervision.record_check(conn, listing, item, done=form.get(f"done_{item}"),
                                     note=form.get(f"note_{item}"), evidence=evidence, by=current_user["id"])
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _show(conn, listing, hazard, exc, item)
    flash(f"已记录五落实 · {supervision.CHECKS[item]}", "ok")
    return redirect(target)


@bp.post("/supervision/<int:supervision_id>/remove")
@login_required
def remove(supervision_id):
    conn = db.get()
    listing, hazard = _listing(conn, supervision_id)
    scope.require(scope.may_supervise(current_user))
    target = url_for("supervision.show", supervision_id=supervision_id)
    try:
        with conn.atomic():
            idempotency.claim(conn)
            supervision.remove(conn, listing, hazard, note=request.form.get("removal_note"), by=current_user["id"])
            idempotency.settle(conn, 302, target)
    except Refused as exc:
        return _show(conn, listing, hazard, exc, "remove")
    flash("已销号", "ok")
    return redirect(target)


@bp.get("/supervision/<int:supervision_id>/photos/<photo_hash>/<size>.jpg")
@login_required
def photo(supervision_id, photo_hash, size):
    """A 五落实 evidence photo, for those who see the hazard."""
    conn = db.get()
    _listing(conn, supervision_id)
    if size not in ("display", "thumb") or not supervision.holds_photo(conn, supervision_id, photo_hash):
        abort(404)
    return send_photo(photo_hash, size)
