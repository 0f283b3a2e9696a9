"""Printing signs on A4 from a desktop browser: label sheets chosen by unit or kind, a risk card or notice board as
a poster, one label alone, and one label as a PNG drawn on the server."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import db, scope, sign_labels, signs, units
from .signs import public_url

bp = Blueprint("sign_print", __name__)

POSTER_KINDS = ("risk_card", "notice_board")


def _label(conn, sign: dict) -> dict:
    """What one label prints, with its QR as inline SVG."""
    label = sign_labels.printed(conn, sign, public_url())
    return {**label, "qr": Markup(sign_labels.qr_inline(label["address"]))}


def _in_use(conn, sign_id: int) -> dict:
    """A sign in use that the person sees, with its current token and code; a retired one is not printed."""
    sign = scope.sign(conn, current_user, sign_id)
    if sign["retired_at"]:
        abort(404)
    label = signs.current(conn, sign_id)
    return {**sign, "token": label["token"], "code": label["code"]}


@bp.get("/enterprises/<int:enterprise_id>/signs/print")
@login_required
def sheet(enterprise_id):
    """The labels of the signs the person sees, 8 to an A4 page; a unit (with its posts) or a kind narrows them."""
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    only = scope.unit_ids(conn, current_user)
    args = request.args
    problem, chosen = None, []
    try:
        unit_id, kind = sign_labels.filters(conn, ent["id"], only, args.get("unit_id"), args.get("kind"))
        chosen = sign_labels.choose(conn, ent["id"], only, unit_id, kind)
    except sign_labels.Refused as exc:
        problem = str(exc)
    labels = [_label(conn, sign) for sign in chosen]
    page = render_template("signs/print_labels.html", ent=ent, sheets=sign_labels.sheets(labels), count=len(labels),
                           tree=units.tree(conn, ent["id"], only), kinds=signs.kinds(conn), args=args,
                           problem=problem)
    return page, 422 if problem else 200


@bp.get("/signs/<int:sign_id>/label")
@login_required
def label(sign_id):
    """One label alone, large."""
    conn = db.get()
    sign = _in_use(conn, sign_id)
    return render_template("signs/print_label.html", label=_label(conn, sign), sign=sign, poster=sign["kind"]
                           in POSTER_KINDS)


@bp.get("/signs/<int:sign_id>/poster")
@login_required
def poster(sign_id):
    """A risk card or notice board as its A4 poster; any other sign is printed as its label."""
    conn = db.get()
    sign = _in_use(conn, sign_id)
    if sign["kind"] not in POSTER_KINDS:
        return redirect(url_for("sign_print.label", sign_id=sign_id))
    label = _label(conn, sign)
    return render_template("signs/print_poster.html", label=label, sign=sign,
                           density=sign_labels.poster_density(label))


@bp.get("/signs/<int:sign_id>/label.png")
@login_required
def label_png(sign_id):
    """The label as an image drawn on the server, Chinese in a CJK font; without one, a Chinese error, not boxes."""
    conn = db.get()
    label = sign_labels.printed(conn, _in_use(conn, sign_id), public_url())
    try:
        body = sign_labels.draw(label)
    except sign_labels.FontMissing as exc:
        return render_template("error.html", title="无法生成标签图片", message=str(exc)), 503
    return Response(body, mimetype="image/png", headers={
        "Content-Disposition": f"inline; filename=label-{label['code']}.png",
        "Cache-Control": "private, no-cache"})  # a reissued or renamed sign must not show its old label
