"""Editing an enterprise's unit tree: workshops and the posts under them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, scope, units
from ..web import is_htmx

bp = Blueprint("units", __name__, url_prefix="/enterprises/<int:enterprise_id>/units")


def _page(conn, ent, status=200):
    template = "units/_tree.html" if is_htmx() else "units/edit.html"
    return render_template(template, ent=ent, tree=units.tree(conn, ent["id"])), status


def _editable(conn, enterprise_id):
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_edit_enterprise(current_user, ent))
    return ent


@bp.get("")
@login_required
def edit(enterprise_id):
    conn = db.get()
    return _page(conn, _editable(conn, enterprise_id))


def _act(conn, ent, action, success):
    try:
        action()
    except ValueError as exc:
        flash(str(exc), "error")
        if is_htmx():
            return _page(conn, ent, 422)
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
    return _act(conn, ent, lambda: units.add(conn, ent["id"], kind, request.form.get("name"), parent_id,
                                             current_user["id"]),
                f"已添加{units.KINDS.get(kind, '')}")


def _on_unit(enterprise_id, unit_id, change, message):
    """Apply `change(conn, unit)` to one unit of an enterprise the user may edit."""
    conn = db.get()
    ent = _editable(conn, enterprise_id)
    unit = scope.unit(conn, current_user, unit_id)
    if unit["enterprise_id"] != ent["id"]:
        abort(404)
    return _act(conn, ent, lambda: change(conn, unit), message(unit))


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
