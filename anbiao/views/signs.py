"""The addresses printed on the QR labels of signs: /q/<token> and the short code typed when a QR cannot be read."""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from .. import db, signs

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
