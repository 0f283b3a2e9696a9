"""Hazard pages: report (随手拍), the loop's steps, the 隐患清单 and 整改清单, and their photos."""

import io
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from .. import db, exports, hazard_lists, hazards, idempotency, photos, risk_points, scope, storage, supervision, units
from ..db import rows
from ..due import TZ
from ..photos import PhotoError, from_request
from ..web import place_from

PAGE = 50  # hazards on one page of a list

bp = Blueprint("hazards", __name__)


def _unit_choices(conn, ent):
    """Where a reporter may place a hazard: their own units, or any unit for people above the units."""
    only = scope.unit_ids(conn, current_user)
    return units.tree(conn, ent["id"], only), only is None


def _photos(name, label):
    """The photos of one field; a refusal names the field so the page can say it beside it."""
    try:
        return from_request(request.files, name)
    except PhotoError as exc:
        raise hazards.Refused(f"{label}有问题：{exc}（请重新选择照片）", name) from exc


@bp.route("/enterprises/<int:enterprise_id>/hazards/new", methods=["GET", "POST"])
@login_required
def report(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    tree, whole = _unit_choices(conn, ent)
    scope.require(current_user["role"] != "supervisor")
    problems, reasons = [], {}
    points = risk_points.of_enterprise(conn, enterprise_id, scope.unit_ids(conn, current_user))
    if request.method == "POST":
        form = request.form
        unit_id = form.get("unit_id", type=int)
        allowed = {w["id"] for w in tree} | {p["id"] for w in tree for p in w["posts"]}
        try:
            if (unit_id is None and not whole) or (unit_id is not None and unit_id not in allowed):
                raise hazards.Refused("请选择隐患所在的车间或岗位", "unit_id")
            point_id = _risk_point(form.get("risk_point_id"), unit_id, points)
            before = _photos("photos", "隐患照片")
            after = _photos("after_photos", "整改后照片") if form.get("on_the_spot") else []
            with conn.atomic():
                idempotency.claim(conn)
                hazard_id = hazards.report(
                    conn, enterprise_id=enterprise_id, unit_id=unit_id, by=current_user["id"],
                    place=place_from(form), before=before, after=after, risk_point_id=point_id,
                    fields={"description": form.get("description"), "category": form.get("category"),
                            "level": form.get("level"), "on_the_spot": bool(form.get("on_the_spot"))})
                target = url_for("hazards.show", hazard_id=hazard_id)
                idempotency.settle(conn, 302, target)
        except ValueError as exc:
            problems = [str(exc)]
            field = getattr(exc, "field", None)
            reasons = {field: problems} if field else {}
        else:
            flash("已保存：已立行立改，隐患已闭环" if form.get("on_the_spot") else "已保存：隐患已上报", "ok")
            return redirect(target)
    return render_template("hazards/report.html", ent=ent, tree=tree, whole=whole, problems=problems, points=points,
                           reasons=reasons, categories=hazards.categories(conn), levels=hazards.LEVELS,
                           # A link may fill the unit and description in (在此上报 from a scanned sign).
                           form=request.form if request.method == "POST" else request.args), (422 if problems else 200)


def _risk_point(raw, unit_id, points) -> int | None:
    """The risk point a reporter ties the hazard to (optional): one they see, at the hazard's unit or a post of it."""
    if not raw:
        return None
    point = next((p for p in points if str(p["id"]) == raw), None)
    if point is None:
        raise hazards.Refused("请从列表中选择风险点", "risk_point_id")
    if unit_id is not None and unit_id != point["unit_id"] and unit_id != point.get("workshop_id"):
        raise hazards.Refused(f"风险点“{point['name']}”不在所选车间/岗位", "risk_point_id")
    return point["id"]


@bp.get("/hazards/<int:hazard_id>")
@login_required
def show(hazard_id):
    conn = db.get()
    hazard = scope.hazard(conn, current_user, hazard_id)
    hazard["overdue"] = hazards.is_overdue(hazard)
    return render_template(
        "hazards/show.html", h=hazard, events=hazards.timeline(conn, hazard_id),
        pictures=hazards.pictures(conn, hazard_id), categories=hazards.categories(conn), LEVELS=hazards.LEVELS,
        STATUS=hazards.STATUS, SOURCES=hazards.SOURCES, owners=hazards.owners(conn, hazard),
        may_assign=scope.may_assign(conn, current_user, hazard) and hazard["status"] in ("reported", "assigned"),
        may_rectify=scope.may_rectify(conn, current_user, hazard) and hazard["status"] == "assigned",
        may_verify=scope.may_verify(conn, current_user, hazard) and hazard["status"] == "rectified",
        today=datetime.now(TZ).date().isoformat(),
        # 挂牌督办: the listing's state for everyone who sees the hazard; listing it is the supervisor's.
        listing=supervision.of_hazard(conn, hazard_id) if hazard["level"] == "major" else None,
        may_list=scope.may_supervise(current_user) and hazard["level"] == "major" and hazard["status"] != "closed",
    )


def _step(hazard_id, allowed, action, success, photos_field=None):
    """One step of the loop: check the right, run it with its key in one transaction, come back to the hazard."""
    conn = db.get()
    hazard = scope.hazard(conn, current_user, hazard_id)
    scope.require(allowed(conn, current_user, hazard))
    target = url_for("hazards.show", hazard_id=hazard_id)
    try:
        # Photos are checked before the transaction, so no write waits on decoding them.
        pictures = from_request(request.files, photos_field) if photos_field else []
        with conn.atomic():
            idempotency.claim(conn)
            action(conn, hazard, place_from(request.form), pictures)
            idempotency.settle(conn, 302, target)
    except PhotoError as exc:
        return _refused(conn, hazard, f"照片有问题：{exc}（请重新选择照片）")
    except ValueError as exc:
        return _refused(conn, hazard, str(exc))
    flash(success, "ok")
    return redirect(target)


def _refused(conn, hazard, message):
    flash(message, "error")
    response = show(hazard["id"])
    return response, 422


@bp.post("/hazards/<int:hazard_id>/assign")
@login_required
def assign(hazard_id):
    form = request.form
    return _step(hazard_id, scope.may_assign, lambda conn, h, place, _: hazards.assign(
        conn, h, owner_id=form.get("owner_id", type=int), measure=form.get("measure"), money=form.get("money"),
        deadline=form.get("deadline"), plan=form.get("plan"), by=current_user["id"], place=place),
        "已分派整改（四定已落实）")


@bp.post("/hazards/<int:hazard_id>/rectify")
@login_required
def rectify(hazard_id):
    return _step(hazard_id, scope.may_rectify, lambda conn, h, place, after: hazards.rectify(
        conn, h, note=request.form.get("note"), after=after, by=current_user["id"], place=place),
        "已提交整改，等待验收", photos_field="photos")


@bp.post("/hazards/<int:hazard_id>/verify")
@login_required
def verify(hazard_id):
    result = request.form.get("result")
    return _step(hazard_id, scope.may_verify, lambda conn, h, place, evidence: hazards.verify(
        conn, h, result=result, note=request.form.get("note"), evidence=evidence, by=current_user["id"],
        place=place), "验收通过，隐患已闭环" if result == "pass" else "已退回重新整改", photos_field="photos")


def _filters():
    args = request.args
    return {"unit_id": args.get("unit", type=int), "status": args.get("status") or None,
            "level": args.get("level") or None, "overdue": args.get("overdue") == "1",
            "since": _utc(args.get("from")), "until": _utc(args.get("to"), 1)}


def _utc(text, shift=0):
    """A Beijing date as the UTC instant its day starts (the database keeps UTC)."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    start = datetime.combine(day + timedelta(days=shift), datetime.min.time(), TZ)
    return start.astimezone(UTC).isoformat(timespec="seconds")


def _listing(enterprise_id, kind):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    units = scope.unit_ids(conn, current_user)
    filters = dict(_filters(), units=units, viewer_id=current_user["id"], rectifications=kind == "rectifications")
    if request.args.get("format") == "xlsx":
        return _export(conn, ent, filters, kind)
    # Keyset pages: the next page starts below the last id shown, however many hazards are added meanwhile.
    found = hazard_lists.search(conn, "h.enterprise_id = ?", [ent["id"]], before=request.args.get("before", type=int),
                                limit=PAGE + 1, **filters)
    more = found[PAGE - 1]["id"] if len(found) > PAGE else None
    found = found[:PAGE]
    tree, _ = _unit_choices(conn, ent)
    return render_template("hazards/list.html", ent=ent, hazards_=found, pictures=hazards.pictures_of(
                               conn, [h["id"] for h in found]), kind=kind, tree=tree, more=more,
                           total=hazard_lists.count(conn, "h.enterprise_id = ?", [ent["id"]], **filters),
                           args=request.args, LEVELS=hazards.LEVELS, STATUS=hazards.STATUS,
                           categories=hazards.categories(conn), counts=hazard_lists.open_counts(
                               conn, ent["id"], units, current_user["id"]))


def _export(conn, ent, filters, kind):
    """Every hazard of the filtered list as xlsx for printing, read in keyset pages and written row by row to a
    temporary file that is then streamed; with photos=1 each hazard's before and after photos under its row."""
    with_photos = request.args.get("photos") == "1"
    where, params = "h.enterprise_id = ?", [ent["id"]]
    make = exports.hazard_list if kind == "hazards" else exports.rectification_list
    try:
        # Counted first: a list too long for one request is refused with its size, never cut short.
        exports.check_size(hazard_lists.count(conn, where, params, **filters), with_photos)
        book = make(ent, exports.pages(conn, hazard_lists, where, params, **filters), hazards,
                    conn if with_photos else None)
    except (exports.CaptionFontMissing, exports.TooMany) as exc:
        flash(str(exc), "error")
        return redirect(url_for(request.endpoint, enterprise_id=ent["id"],
                                **{k: v for k, v in request.args.items() if k not in ("format", "photos")}))
    title = ("隐患清单" if kind == "hazards" else "整改清单") + ("（含照片）" if with_photos else "")
    size = book.seek(0, 2)  # the length lets the browser show how far the download has come
    book.seek(0)
    response = send_file(book, as_attachment=True, download_name=f"{ent['name']}{title}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.content_length = size
    return response


@bp.get("/enterprises/<int:enterprise_id>/hazards")
@login_required
def hazard_list(enterprise_id):
    return _listing(enterprise_id, "hazards")


@bp.get("/enterprises/<int:enterprise_id>/rectifications")
@login_required
def rectification_list(enterprise_id):
    return _listing(enterprise_id, "rectifications")


@bp.get("/photos/<photo_hash>/<size>.jpg")
@login_required
def photo(photo_hash, size):
    """A photo's served copy, only for people who may see a hazard it belongs to."""
    if size not in ("display", "thumb") or len(photo_hash) != 64:
        abort(404)
    conn = db.get()
    owners = rows(conn, "SELECT DISTINCT hp.hazard_id FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                        " WHERE p.hash = ?", (photo_hash,))
    if not any(scope.sees_hazard(conn, current_user, hazards.get(conn, o["hazard_id"])) for o in owners):
        abort(404)
    return send_photo(photo_hash, size)


def send_photo(photo_hash, size):
    """A stored photo's served copy, once the caller has checked who may see it."""
    key = photos.key(photo_hash, size)
    if not storage.exists(key) and not photos.remade(photo_hash, size):
        abort(404)
    # From the disk as a file; from a bucket streamed through the app, after the caller's check of who may see it.
    local = storage.local(key)
    response = send_file(local if local is not None else io.BytesIO(storage.read(key)), mimetype="image/jpeg",
                         max_age=31536000, conditional=True, etag=f"{photo_hash}-{size}")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
