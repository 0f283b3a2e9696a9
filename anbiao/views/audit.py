"""Reading the audit log (操作记录): admins all of it, managers their own enterprise's entries."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, db, scope
from ..db import rows
from ..web import is_htmx

bp = Blueprint("audit", __name__, url_prefix="/audit")
FILTERS = ("entity", "entity_id", "person", "from", "to")


@bp.get("")
@login_required
def index():
    conn = db.get()
    where = scope.audit_where(current_user)
    filters, problems = audit.parse_filters(conn, request.args)
    entries, more = [], None
    if not problems:
        entries, more = audit.page(conn, where, before=filters.get("before"), entity=filters.get("entity"),
                                   entity_id=filters.get("entity_id"), user_id=filters.get("user_id"),
                                   start=filters.get("from"), end=filters.get("to"))
    args = {key: request.args[key] for key in FILTERS if request.args.get(key)}
    context = {"entries": entries, "args": args, "problems": problems, "first": "before" not in filters,
               "more_url": url_for("audit.index", before=more, **args) if more else None}
    if is_htmx():
        return render_template("audit/_rows.html", **context)
    # A manager picks among the people of their enterprise; an admin types an account name.
    people = rows(conn, "SELECT username, name FROM users WHERE enterprise_id = ? ORDER BY name",
                  (current_user["enterprise_id"],)) if current_user["role"] == "manager" else []
    return render_template("audit/index.html", entities=audit.ENTITIES, people=people, **context)
