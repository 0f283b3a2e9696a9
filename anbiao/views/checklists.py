"""An enterprise's checklists: adopt from the library, adapt the items, derive down to units."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, checklists, db, inspections, library, risk_feed, scope, units
from ..db import one
from ..web import done

bp = Blueprint("checklists", __name__)


@bp.get("/enterprises/<int:enterprise_id>/checklists")
@login_required
def index(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    only = scope.unit_ids(conn, current_user)
    adoptable = [d for d in library.current_docs(conn)
                 if d["tier"] in ("enterprise", "lookback") and d["industry"] in (ent["industry"], library.GENERAL)]
    return render_template(
        "checklists/list.html", ent=ent, checklists=checklists.of_enterprise(conn, enterprise_id, only),
        adoptable=adoptable, tree=units.tree(conn, enterprise_id, only),
        may_manage=scope.may_manage_checklists(conn, current_user, ent), tiers=library.TIERS,
        frequencies=library.FREQUENCIES, may_derive=lambda unit_id: scope.may_manage_checklists(
            conn, current_user, ent, unit_id),
    )


@bp.post("/enterprises/<int:enterprise_id>/checklists/adopt")
@login_required
def adopt(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_manage_checklists(conn, current_user, ent))
    try:
        checklist_id = checklists.adopt(conn, ent, request.form.get("doc_id", type=int), current_user["id"])
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("checklists.index", enterprise_id=enterprise_id))
    return done("已采用，可按本企业实际调整条目（一企一策）", "checklists.show", checklist_id=checklist_id)


def _managed(conn, checklist_id):
    found = scope.checklist(conn, current_user, checklist_id)
    ent = scope.enterprise(conn, current_user, found["enterprise_id"])
    return found, ent, scope.may_manage_checklist(conn, current_user, found)


@bp.get("/checklists/<int:checklist_id>")
@login_required
def show(checklist_id):
    conn = db.get()
    found, ent, may_manage = _managed(conn, checklist_id)
    parent = _row(conn, found["parent_id"]) if found["parent_id"] else None
    if parent and not scope.sees_checklist(conn, current_user, parent):
        parent = None
    doc = one(conn, "SELECT id, title, version FROM library_docs WHERE id = ?",
              (found["library_doc_id"],)) if found["library_doc_id"] else None
    items = checklists.get_items(conn, checklist_id)
    unit = one(conn, "SELECT * FROM units WHERE id = ?", (found["unit_id"],)) if found["unit_id"] else None
    offer = may_manage and found["kind"] == "check" and found["tier"] in risk_feed.TIER_LEVEL
    return render_template(
        "checklists/show.html", checklist=found, ent=ent, items=items,
        colours=risk_feed.item_colours(conn, [i["id"] for i in items if i["risk_measure_id"]]),
        points=risk_feed.offered(conn, ent["id"], unit, checklist_id) if offer else [],
        may_manage=may_manage, unit_label=units.label(conn, found["unit_id"]), parent=parent,
        tiers=library.TIERS, frequencies=library.FREQUENCIES, aspects=library.ASPECTS,
        people=checklists.responsible_choices(conn, found),
        doc=doc, doc_link=bool(doc) and scope.sees_library_doc(conn, current_user, doc),
        history=audit.history(conn, "checklist", checklist_id, 20) if may_manage else [],
        may_fill=scope.may_fill(conn, current_user, found),
        recent=inspections.history(conn, checklist_id, 10, scope.inspection_where(conn, current_user)),
    )


def _row(conn, checklist_id):
    return dict(conn.execute("SELECT * FROM checklists WHERE id = ?", (checklist_id,)).fetchone())


def _change(checklist_id, action, success):
    """Run one change to a checklist a manager may manage; errors return to the page in Chinese."""
    conn = db.get()
    found, _, may_manage = _managed(conn, checklist_id)
    scope.require(may_manage)
    try:
        action(conn, found)
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        flash(success, "ok")
    return redirect(url_for("checklists.show", checklist_id=checklist_id))


@bp.post("/checklists/<int:checklist_id>/assignment")
@login_required
def assignment(checklist_id):
    form = request.form
    return _change(checklist_id, lambda conn, c: checklists.set_assignment(
        conn, c, frequency=form.get("frequency"), responsible_title=form.get("responsible_title"),
        responsible_user_id=form.get("responsible_user_id", type=int), on_failure=form.get("on_failure"),
        by=current_user["id"]), "检查责任、频次和整改要求已保存")


@bp.post("/checklists/<int:checklist_id>/items")
@login_required
def add_item(checklist_id):
    form = request.form
    return _change(checklist_id, lambda conn, c: checklists.add_item(
        conn, c, aspect=form.get("aspect"), content=form.get("content"), method=form.get("method"),
        basis=form.get("basis"), by=current_user["id"]), "已添加条目")


@bp.post("/checklists/<int:checklist_id>/measures")
@login_required
def add_measures(checklist_id):
    return _change(checklist_id, lambda conn, c: risk_feed.add_to(
        conn, c, request.form.getlist("measure", type=int), by=current_user["id"]), "已增加所选管控措施")


@bp.post("/checklists/<int:checklist_id>/items/<int:item_id>")
@login_required
def reword_item(checklist_id, item_id):
    form = request.form
    return _change(checklist_id, lambda conn, c: checklists.reword_item(
        conn, c, item_id, aspect=form.get("aspect"), content=form.get("content"), method=form.get("method"),
        basis=form.get("basis"), by=current_user["id"]), "条目已修改")


@bp.post("/checklists/<int:checklist_id>/items/<int:item_id>/remove")
@login_required
def remove_item(checklist_id, item_id):
    return _change(checklist_id, lambda conn, c: checklists.remove_item(conn, c, item_id, current_user["id"]),
                   "条目已移除（已填写的检查记录不受影响）")


@bp.route("/enterprises/<int:enterprise_id>/units/<int:unit_id>/derive", methods=["GET", "POST"])
@login_required
def derive(enterprise_id, unit_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    unit = scope.unit(conn, current_user, unit_id)
    if unit["enterprise_id"] != ent["id"] or unit["archived_at"]:
        abort(404)
    scope.require(scope.may_manage_checklists(conn, current_user, ent, unit_id))
    source = checklists.candidates(conn, ent, unit)
    form, error = request.form, None
    if request.method == "POST":
        own = [{"aspect": a, "content": c} for a, c in zip(form.getlist("own_aspect"), form.getlist("own_content"),
                                                           strict=False) if c.strip()]
        try:
            checklist_id = checklists.derive(
                conn, ent, unit, risk_items=risk_feed.items(conn, ent["id"], unit, form.getlist("measure", type=int)),
                parent_item_ids=form.getlist("parent_item", type=int),
                library_item_ids=form.getlist("library_item", type=int), own=own, title=form.get("title"),
                frequency=form.get("frequency"), responsible_title=form.get("responsible_title"),
                responsible_user_id=form.get("responsible_user_id", type=int), on_failure=form.get("on_failure"),
                by=current_user["id"])
        except ValueError as exc:
            error = str(exc)
        else:
            return done("已分解生成", "checklists.show", checklist_id=checklist_id)
    tier = checklists.UNIT_TIER[unit["kind"]]
    groups = {"parent": checklists.by_aspect(source["parent_items"], form.getlist("parent_item")),
              "library": checklists.by_aspect(source["template_items"], form.getlist("library_item"))}
    return render_template(
        "checklists/derive.html", ent=ent, unit=unit, unit_label=units.label(conn, unit_id), source=source,
        groups=groups, points=risk_feed.offered(conn, ent["id"], unit),
        tier=tier, tiers=library.TIERS, frequencies=library.FREQUENCIES, aspects=library.ASPECTS, form=form,
        error=error, people=checklists.responsible_choices(conn, {"tier": tier, "unit_id": unit_id,
                                                                  "enterprise_id": ent["id"]}),
    ), (422 if error else 200)
