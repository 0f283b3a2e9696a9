"""Accounts and grids: admins manage everyone and the grids, managers their own enterprise's staff."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import accounts, credit_code, db, grids, scope, units
from ..db import one, rows

bp = Blueprint("people", __name__)

# Heads and leaders are placed in a unit, which only their own enterprise's manager picks from its unit tree;
# the admin makes the government accounts and each enterprise's first manager.
UNIT_ROLES = ("workshop_head", "team_leader")


def _manager_or_admin():
    scope.require(current_user["role"] in ("admin", "manager"))


def _new_account_roles() -> dict:
    """The roles the user's new-account form offers."""
    roles = accounts.assignable_roles(current_user)
    if current_user["role"] == "admin":
        return {code: label for code, label in roles.items() if code not in UNIT_ROLES}
    return roles


def _listed_roles() -> dict:
    """The roles the list can be filtered by."""
    if current_user["role"] == "admin":
        return scope.ROLES
    return {code: scope.ROLES[code] for code in scope.ENTERPRISE_STAFF}


def _grid_choices(conn) -> list[dict]:
    """The grids a grid worker may be placed in: a county has a few hundred, so all of them, without counts."""
    return rows(conn, "SELECT id, name, county, township FROM grids ORDER BY county, township, name")


def _enterprise_by_code(conn, typed) -> dict:
    """The enterprise a 统一社会信用代码 names (its unique index); raises ValueError in Chinese."""
    code = credit_code.normalize(typed)
    if problem := credit_code.problem(code):
        raise ValueError(problem)
    found = one(conn, "SELECT id, name FROM enterprises WHERE credit_code = ?", (code,))
    if not found:
        raise ValueError(f"没有统一社会信用代码为 {code} 的企业，请核对，或先建立该企业的档案")
    return found


def _where_new_account_belongs(conn, form, role) -> dict:
    """The enterprise, unit, grid or supervision scope of a new account, from the form; ValueError in Chinese."""
    if current_user["role"] == "manager":
        unit_id = form.get("unit_id", type=int)
        if unit_id:
            scope.unit(conn, current_user, unit_id)
        return {"enterprise_id": current_user["enterprise_id"], "unit_id": unit_id}
    if role in UNIT_ROLES:
        raise ValueError(f"{scope.ROLES[role]}由本企业的企业负责人在“账号”页建立")
    if role == "manager":
        return {"enterprise_id": _enterprise_by_code(conn, form.get("credit_code"))["id"]}
    if role == "grid_worker":
        grid_id = form.get("grid_id", type=int)
        if grid_id and not one(conn, "SELECT id FROM grids WHERE id = ?", (grid_id,)):
            raise ValueError("所选网格不存在，请重新选择")
        return {"grid_id": grid_id}
    if role == "supervisor":
        return {"scope_industry": form.get("scope_industry", "").strip() or None,
                "scope_county": form.get("scope_county", "").strip() or None,
                "scope_township": form.get("scope_township", "").strip() or None}
    return {}


@bp.route("/people", methods=["GET", "POST"])
@login_required
def index():
    _manager_or_admin()
    conn, form, error = db.get(), request.form, None
    if request.method == "POST":
        role = form.get("role", "")
        if role not in accounts.assignable_roles(current_user):
            abort(403)
        try:
            where = _where_new_account_belongs(conn, form, role)
            accounts.create(conn, username=form.get("username"), password=form.get("password"),
                            name=form.get("name"), role=role, by=current_user["id"], **where)
        except ValueError as exc:
            error = str(exc)
        else:
            username = form.get("username", "").strip()
            flash(f"已建立账号 {username}", "ok")
            # Straight to the new account: at a county's size it would otherwise be pages away.
            return redirect(url_for("people.index", q=username))
    args = request.args
    role = args.get("role") if args.get("role") in _listed_roles() else None
    search = args.get("q", "").strip()[:50]
    people, more = accounts.visible(conn, current_user, search=search, role=role, after=args.get("after"))
    filters = {key: value for key, value in (("q", search), ("role", role)) if value}
    manager = current_user["role"] == "manager"
    return render_template(
        "people/index.html", people=people, filters=filters, listed_roles=_listed_roles(), all_roles=scope.ROLES,
        next_url=url_for("people.index", **filters, after=more) if more else None, paged="after" in args,
        form=form, error=error, roles=_new_account_roles(),
        units=units.tree(conn, current_user["enterprise_id"]) if manager else [],
        grids=[] if manager else _grid_choices(conn),
    ), (422 if error else 200)


def _account(conn, account_id):
    found = accounts.managed(conn, current_user, account_id)
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
    # Back to the account itself, which a county's list would otherwise bury pages deep.
    return redirect(url_for("people.index", q=account["username"]))


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
