"""The unit tree of an enterprise: read first, then edit one workshop or post at a time."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, scope, units
from ..web import is_htmx

bp = Blueprint("units", __name__, url_prefix="/enterprises/<int:enterprise_id>/units")


def _page(conn, ent, editing=None, problem=None):
    """The tree (a page, or the #unit-tree fragment for htmx), with one unit open for editing."""
    template = "units/_tree.html" if is_htmx() else "units/edit.html"
    return render_template(template, ent=ent, tree=units.tree(conn, ent["id"]), counts=units.counts(conn, ent["id"]),
                           editing=editing, problem=problem or {})


def _editable(conn, enterprise_id):
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_edit_enterprise(current_user, ent))
    return ent


def _unit_of(conn, ent, unit_id):
    unit = scope.unit(conn, current_user, unit_id)
    if unit["enterprise_id"] != ent["id"] or unit["archived_at"]:
        abort(404)
    return unit


@bp.get("")
@login_required
def edit(enterprise_id):
    conn = db.get()
    return _page(conn, _editable(conn, enterprise_id))


@bp.get("/<int:unit_id>/edit")
@login_required
def edit_unit(enterprise_id, unit_id):
    conn = db.get()
    ent = _editable(conn, enterprise_id)
    return _page(conn, ent, editing=_unit_of(conn, ent, unit_id)["id"])


def _act(conn, ent, action, success, place, editing=None):
    """Run one change; a refusal comes back in Chinese where it was made, with what was typed."""
    try:
        action()
    except ValueError as exc:
        if is_htmx():
            # htmx swaps only 2xx answers: a 422 here would leave the form silent on the phone.
            return _page(conn, ent, editing, {"at": place, "message": str(exc), "name": request.form.get("name")})
        flash(str(exc), "error")
        if editing:
            return redirect(url_for("units.edit_unit", enterprise_id=ent["id"], unit_id=editing))
        return redirect(url_for("units.edit", enterprise_id=ent["id"]))
    flash(success, "ok")
    if is_htmx():
        return _page(conn, ent)
    return redirect(url_for("units.edit", enterprise_id=ent["id"]))


@bp.post("/add")
@login_required
def add(enterprise_id):
    conn = db.get()
    ent = _editable(conn, enterprise_id)
    kind = request.form.get("kind", "")
    parent_id = request.form.get("parent_id", type=int)
    place = f"add-{parent_id}" if kind == "post" else "add-workshop"
    return _act(conn, ent, lambda: units.add(conn, ent["id"], kind, request.form.get("name"), parent_id,
                                             current_user["id"]),
                f"已添加{units.KINDS.get(kind, '')}", place)


def _on_unit(enterprise_id, unit_id, change, message):
    """Apply `change(conn, unit)` to one unit of an enterprise the user may edit."""
    conn = db.get()
    ent = _editable(conn, enterprise_id)
    unit = scope.unit(conn, current_user, unit_id)
    if unit["enterprise_id"] != ent["id"]:
        abort(404)
    return _act(conn, ent, lambda: change(conn, unit), message(unit), f"unit-{unit['id']}",
                editing=unit["id"] if not unit["archived_at"] else None)


@bp.post("/<int:unit_id>/rename")
@login_required
def rename(enterprise_id, unit_id):
    return _on_unit(enterprise_id, unit_id,
                    lambda conn, unit: units.rename(conn, unit, request.form.get("name"), current_user["id"]),
                    lambda unit: "已改名")


@bp.post("/<int:unit_id>/move")
@login_required
def move(enterprise_id, unit_id):
    return _on_unit(enterprise_id, unit_id, lambda conn, unit: units.move(
        conn, unit, request.form.get("workshop_id", type=int), current_user["id"]),
        lambda unit: f"已调动“{unit['name']}”")


@bp.post("/<int:unit_id>/archive")
@login_required
def archive(enterprise_id, unit_id):
    return _on_unit(enterprise_id, unit_id, lambda conn, unit: units.archive(conn, unit, current_user["id"]),
                    lambda unit: f"已停用“{unit['name']}”")
