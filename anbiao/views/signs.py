"""Signs inside the app (an enterprise's list, each label's QR) and the addresses printed on their labels: /q/<token>
and the short code typed when a QR cannot be read."""

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, scope, signs

bp = Blueprint("signs", __name__)


@bp.get("/q/<token>")
def scan(token):
    """Anyone who scans a label sees what is printed on the wall, and nothing the enterprise keeps inside."""
    conn = db.get()
    found = signs.scanned(conn, token)
    if found is None:
        abort(404)
    sign, label = found
    return render_template("signs/public.html", notice=signs.public(conn, sign), replaced=bool(label["replaced_at"]),
                           retired=bool(sign["retired_at"]))


@bp.get("/q")
def typed():
    """The short code under the QR, typed by hand: case, spaces and dashes do not matter."""
    code = request.args.get("code", "")
    found = signs.typed(db.get(), code) if code else None
    if found:
        return redirect(url_for("signs.scan", token=found["token"]))
    return render_template("signs/typed.html", code=code, missing=bool(code)), (404 if code else 200)


def public_url() -> str:
    """The base URL labels print: ANBIAO_PUBLIC_URL in production (a label outlives any address typed by chance),
    else this server's own."""
    return current_app.config.get("PUBLIC_URL") or request.url_root


@bp.get("/enterprises/<int:enterprise_id>/signs")
@login_required
def index(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    return render_template("signs/index.html", ent=ent, groups=signs.by_unit(conn, enterprise_id,
                                                                              scope.unit_ids(conn, current_user)),
                           kinds=signs.kinds(conn), classes=signs.classes(conn), STATES=signs.STATES)


@bp.get("/signs/<int:sign_id>/qr.<any(svg, png):kind>")
@login_required
def qr(sign_id, kind):
    """The QR of the label in use, encoding its permanent public address."""
    conn = db.get()
    scope.sign(conn, current_user, sign_id)
    label = signs.current(conn, sign_id)
    text = signs.address(public_url(), label["token"])
    body = signs.qr_svg(text) if kind == "svg" else signs.qr_png(text)
    return Response(body, mimetype="image/svg+xml" if kind == "svg" else "image/png",
                    headers={"Content-Disposition": f"inline; filename=sign-{label['code']}.{kind}",
                             "Cache-Control": "private, max-age=3600"})
