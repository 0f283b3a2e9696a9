"""The enterprise file pages: list, create, view, edit, import."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from .. import (
    audit,
    checklists,
    dashboard,
    db,
    enterprise_colour,
    enterprises,
    grids,
    hazard_lists,
    importer,
    library,
    overview,
    public_reports,
    scope,
    signs,
    units,
)
from ..web import done
from . import sheet_upload

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")


def _form_context(conn, raw, errors):
    return {
        "raw": raw, "errors": errors, "fields": enterprises.FIELDS, "grids": grids.all_grids(conn),
        "industries": library.industries(conn), "sizes": enterprises.SIZE_CLASSES,
        "statuses": enterprises.STANDARD_STATUS, "grades": enterprises.GRADES,
        "benchmarks": enterprises.BENCHMARK,
    }


@bp.get("")
@login_required
def index():
    conn, args = db.get(), request.args
    overview.refresh(conn, grace=current_app.config["OVERVIEW_GRACE"])
    # One town of the scope when a dashboard figure of that town was followed (anbiao/dashboard.py).
    where, params, town = dashboard.within(conn, current_user, args.get("town"))
    only = args.get("only") if args.get("only") in overview.LISTS else None
    colour = args.get("colour") if args.get("colour") in enterprise_colour.LEVEL_NAMES else None
    worst = bool(only) or args.get("order") == "worst"
    after = args.get("after", type=int)
    # Keyset pages: the next page starts after the last enterprise shown, by its key in this order.
    if worst:
        found, more = overview.worst(conn, where, params, only=only, colour=colour,
                                     after=overview.key(conn, after, worst=True))
    else:
        found, more = overview.by_name(conn, where, params, search=(args.get("q") or "").strip()[:50], colour=colour,
                                       after=overview.key(conn, after, worst=False))
    return render_template("enterprises/list.html", enterprises=found, more=more, only=only, worst=worst,
                           args=args, filters=overview.FILTERS, may_create=scope.may_create_enterprises(current_user),
                           labels=enterprises, colour=colour, colours=enterprise_colour.LEVEL_NAMES,
                           lists={**overview.FILTERS, **dashboard.drills(conn)}, town=town,
                           figure=dashboard.FIGURES.get(only))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope.require(scope.may_create_enterprises(current_user))
    conn = db.get()
    raw, errors = {}, {}
    if request.method == "POST":
        raw = request.form.to_dict()
        values, errors = enterprises.clean(conn, raw)
        if not errors:
            with conn.atomic():
                enterprise_id = enterprises.create(conn, values, current_user["id"])
            return done("企业档案已建立", "enterprises.show", enterprise_id=enterprise_id)
    return render_template("enterprises/form.html", title="新建企业档案", **_form_context(conn, raw, errors)), (
        422 if errors else 200)


@bp.get("/<int:enterprise_id>")
@login_required
def show(enterprise_id):
    conn = db.get()
    # A hazard changed since the last roll-up already shows in the colour.
    ent = enterprise_colour.current(conn, scope.enterprise(conn, current_user, enterprise_id))
    only = scope.unit_ids(conn, current_user)
    may_grid_guide = scope.may_fill_grid_guide(conn, current_user, enterprise_id)
    return render_template(
        "enterprises/show.html", ent=ent, labels=enterprises, tree=units.tree(conn, enterprise_id, only),
        checklists=checklists.of_enterprise(conn, enterprise_id, only),
        may_edit=scope.may_edit_enterprise(current_user, ent),
        counts=hazard_lists.open_counts(conn, enterprise_id, only, current_user["id"]),
        may_report=current_user["role"] != "supervisor",
        may_manage=scope.may_manage_checklists(conn, current_user, ent),
        sees_five_s=scope.sees_five_s(conn, current_user, None),
        # A kept guide is a plain link, which opens offline from the phone's copy; the POST that makes the guide
        # on a first visit cannot.
        may_grid_guide=may_grid_guide,
        grid_guide=checklists.kept_grid_checklist(conn, enterprise_id) if may_grid_guide else None,
        history=audit.history(conn, "enterprise", enterprise_id, 10)
        if scope.may_edit_enterprise(current_user, ent) else [],
        # 六有 at a glance for those who see the whole enterprise; a leader or head sees their own signs' list.
        liuyou=signs.coverage(conn, enterprise_id) if only is None else None,
        sign_kinds=signs.kinds(conn), sign_states=signs.STATES, colour=enterprise_colour.summary(conn, ent),
        waiting_reports=len(public_reports.of_enterprise(conn, enterprise_id))
        if scope.may_review_reports(conn, current_user, ent) else None,
    )


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    scope.require(scope.may_edit_enterprise(current_user, ent))
    raw, errors = enterprises.form_values(ent), {}
    if request.method == "POST":
        raw = request.form.to_dict()
        values, errors = enterprises.clean(conn, raw, enterprise_id=enterprise_id)
        if not errors:
            enterprises.update(conn, enterprise_id, values, current_user["id"])
            return done("已保存", "enterprises.show", enterprise_id=enterprise_id)
    return render_template("enterprises/form.html", title=f"编辑：{ent['name']}", ent=ent,
                           **_form_context(conn, raw, errors)), (422 if errors else 200)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_sheet():
    scope.require(scope.may_create_enterprises(current_user))
    conn = db.get()
    problems, count = [], None
    if request.method == "POST":
        upload = request.files.get("sheet")
        if not upload or not upload.filename:
            problems = [(None, "请选择要导入的 xlsx 或 CSV 文件")]
        else:
            problems, count = importer.import_file(conn, upload.filename, upload.read(), current_user["id"])
        if not problems:
            return done(f"已导入 {count} 家企业", "enterprises.index")
    return render_template("enterprises/import.html", problems=problems, fields=enterprises.FIELDS), (
        422 if problems else 200)


@bp.get("/import/template.xlsx")
@login_required
def import_template():
    if not scope.may_create_enterprises(current_user):
        abort(403)
    return sheet_upload.download(importer.template(), "企业导入模板.xlsx")
