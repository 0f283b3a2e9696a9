"""Browsing the inspection library: its checklists and reference lists, by version."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .. import db, library, scope

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("")
@login_required
def index():
    conn = db.get()
    return render_template("library/index.html", docs=scope.library_docs(conn, current_user),
                           tiers=library.TIERS, frequencies=library.FREQUENCIES)


@bp.get("/<int:doc_id>")
@login_required
def doc(doc_id):
    conn = db.get()
    found = scope.library_doc(conn, current_user, doc_id)
    return render_template("library/doc.html", doc=found, items=library.items(conn, doc_id), tiers=library.TIERS,
                           frequencies=library.FREQUENCIES,
                           source=library.readable(found["source"], library.titles(conn)))
