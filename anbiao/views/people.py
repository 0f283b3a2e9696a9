"""Accounts and grids: admins manage everyone and the grids, managers their own enterprise's staff."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import accounts, db, grids, scope, units

bp = Blueprint("people", __name__)


def _manager_or_admin():
    scope.require(current_user["role"] in ("admin", "manager"))


def _unit_choices(conn):
    """Units a new head or leader may be placed in."""
    if current_user["role"] == "manager":
        ents = [scope.enterprise(conn, current_user, current_user["enterprise_id"])]
    else:
        ents = scope.enterprises(conn, current_user)
    return [(e, units.tree(conn, e["id"])) for e in ents]


@bp.route("/people", methods=["GET", "POST"])
@login_required
def index():
    _manager_or_admin()
    conn, form, error = db.get(), request.form, None
    if request.method == "POST":
        role = form.get("role", "")
        if role not in accounts.assignable_roles(current_user):
            abort(403)
        where = {"grid_id": form.get("grid_id", type=int), "unit_id": form.get("unit_id", type=int),
                 "enterprise_id": form.get("enterprise_id", type=int), "scope_industry": form.get("scope_industry")
                 or None, "scope_county": form.get("scope_county") or None}
        if current_user["role"] == "manager":
            where = {"enterprise_id": current_user["enterprise_id"], "unit_id": where["unit_id"]}
            if where["unit_id"]:
                scope.unit(conn, current_user, where["unit_id"])
        elif where["enterprise_id"]:
            scope.enterprise(conn, current_user, where["enterprise_id"])
        try:
            accounts.create(conn, username=form.get("username"), password=form.get("password"),
                            name=form.get("name"), role=role, by=current_user["id"], **where)
        except ValueError as exc:
            error = str(exc)
        else:
            flash(f"已建立账号 {form.get('username')}", "ok")
            return redirect(url_for("people.index"))
    return render_template("people/index.html", people=accounts.visible(conn, current_user), form=form, error=error,
                           roles=accounts.assignable_roles(current_user), units=_unit_choices(conn),
                           grids=grids.all_grids(conn), enterprises=scope.enterprises(conn, current_user)), (
        422 if error else 200)


def _account(conn, account_id):
    found = next((a for a in accounts.visible(conn, current_user) if a["id"] == account_id), None)
    if not found:
        abort(404)
    return found


def _account_change(account_id, action, success):
    """Run one change to an account the user manages; errors come back in Chinese."""
    _manager_or_admin()
    conn = db.get()
    account = _account(conn, account_id)
    try:
        action(conn, account)
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        flash(success(account), "ok")
    return redirect(url_for("people.index"))


@bp.post("/people/<int:account_id>/active")
@login_required
def set_active(account_id):
    active = request.form.get("active") == "1"
    return _account_change(account_id, lambda conn, a: accounts.set_active(conn, a, active, current_user["id"]),
                           lambda a: f"已{'恢复' if active else '停用'}账号 {a['username']}")


@bp.post("/people/<int:account_id>/password")
@login_required
def set_password(account_id):
    password = request.form.get("password")
    return _account_change(account_id, lambda conn, a: accounts.set_password(conn, a, password, current_user["id"]),
                           lambda a: f"已为 {a['username']} 设置新密码")


@bp.route("/grids", methods=["GET", "POST"])
@login_required
def grid_index():
    scope.require(current_user["role"] == "admin")
    conn, error = db.get(), None
    if request.method == "POST":
        try:
            grids.create(conn, name=request.form.get("name"), county=request.form.get("county"),
                         township=request.form.get("township"), by=current_user["id"])
        except ValueError as exc:
            error = str(exc)
        else:
            flash("已添加网格", "ok")
            return redirect(url_for("people.grid_index"))
    return render_template("people/grids.html", grids=grids.all_grids(conn), form=request.form, error=error), (
        422 if error else 200)


