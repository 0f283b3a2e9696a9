"""Browsing the inspection library: its checklists and reference lists, by version."""

from flask import Blueprint, abort, render_template
from flask_login import login_required

from .. import db, library
from ..db import one, rows

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("")
@login_required
def index():
    conn = db.get()
    docs = rows(conn, "SELECT d.*, (SELECT COUNT(*) FROM library_items i WHERE i.doc_id = d.id) AS item_count,"
                      " (SELECT MAX(version) FROM library_docs x WHERE x.code = d.code) AS latest"
                      " FROM library_docs d ORDER BY d.kind, d.industry, d.code, d.version DESC")
    return render_template("library/index.html", docs=docs, tiers=library.TIERS, frequencies=library.FREQUENCIES)


@bp.get("/<int:doc_id>")
@login_required
def doc(doc_id):
    conn = db.get()
    found = one(conn, "SELECT * FROM library_docs WHERE id = ?", (doc_id,))
    if not found:
        abort(404)
    return render_template("library/doc.html", doc=found, items=library.items(conn, doc_id), tiers=library.TIERS,
                           frequencies=library.FREQUENCIES)
