"""The four-colour risk map (四色安全风险空间分布图): upload a plan, place points and zones, print A4 landscape; and
the map a posted notice board shows to anyone who scans it, reached by the sign's token, never by the map's id."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, idempotency, risk_maps, scope, signs, units
from ..due import local_now
from ..refusal import Refused
from .hazards import send_photo

bp = Blueprint("risk_maps", __name__)

# What each button of the marks form does with the point chosen and the form's fields.
STEPS = {"place": lambda conn, found, form, by: risk_maps.place(conn, found, form.get("point_id"), *_position(form),
                                                                by=by),
         "zone": lambda conn, found, form, by: risk_maps.draw_zone(conn, found, form.get("point_id"), form.get("zone"),
                                                                   by=by),
         "clear_zone": lambda conn, found, form, by: risk_maps.clear_zone(conn, found, form.get("point_id"), by=by),
         "unmark": lambda conn, found, form, by: risk_maps.unmark(conn, found, form.get("point_id"), by=by)}
DONE = {"place": "已保存位置", "zone": "已保存区域", "clear_zone": "已清除区域", "unmark": "已移除标注"}


def _choices(conn, ent) -> list[dict]:
    """What this person may draw a map of: the whole site (the manager), their workshops."""
    found = [{"id": None, "label": "全厂"}] + [{"id": w["id"], "label": w["name"]} for w in units.tree(conn, ent["id"])]
    return [c for c in found if scope.may_manage_risk_points(conn, current_user, ent, c["id"])]


def _refusal(exc) -> dict:
    """The page's words for a refusal: at the top, and beside its field if it names one."""
    if exc is None:
        return {"problems": [], "reasons": {}}
    return {"problems": [str(exc)], "reasons": {exc.field: [str(exc)]} if exc.field else {}}


def _plan_upload():
    """The uploaded plan image, checked by its content; raises Refused."""
    uploads = [f for f in request.files.getlist("plan") if f and f.filename]
    exifs = request.files.getlist("plan_exif")
    return risk_maps.plan([(upload.read(), exifs[n].read() if n < len(exifs) else None)
                           for n, upload in enumerate(uploads)])


@bp.get("/enterprises/<int:enterprise_id>/risk-maps")
@login_required
def index(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    return render_template("risk_maps/index.html", ent=ent, maps=risk_maps.of_enterprise(conn, ent["id"]),
                           may_create=bool(_choices(conn, ent)))


@bp.route("/enterprises/<int:enterprise_id>/risk-maps/new", methods=["GET", "POST"])
@login_required
def new(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    choices = _choices(conn, ent)
    scope.require(bool(choices))
    refused = None
    if request.method == "POST":
        form = request.form
        try:
            raw = form.get("unit_id")
            if raw is None or (raw or None) not in {str(c["id"]) if c["id"] else None for c in choices}:
                raise Refused("请选择你管理的全厂或车间", "unit_id")
            prepared = _plan_upload()
            with conn.atomic():
                idempotency.claim(conn)
                map_id = risk_maps.create(conn, ent["id"], raw or None, form.get("title"), prepared,
                                          by=current_user["id"])
                target = url_for("risk_maps.show", map_id=map_id)
                idempotency.settle(conn, 302, target)
        except Refused as exc:
            refused = exc
        else:
            flash("已建立分布图：在列表中选风险点，再点图上的位置", "ok")
            return redirect(target)
    form = request.form if request.method == "POST" else request.args
    return render_template("risk_maps/new.html", ent=ent, choices=choices, form=form,
                           **_refusal(refused)), (422 if refused else 200)


def _page(conn, found, refused=None, posted="marks", status=200):
    """The map page; a refusal is said in the form that was `posted` (marks, plan, retire)."""
    ent = scope.enterprise(conn, current_user, found["enterprise_id"])
    drawing = risk_maps.drawing(conn, found)
    chosen = request.form.get("point_id") if request.method == "POST" else request.args.get("point")
    return render_template(
        "risk_maps/show.html", ent=ent, d=drawing, legend=risk_maps.legend(conn), posted=posted,
        # The phone copy: a plan is the page's heaviest part; print and the map opened alone keep the display copy.
        plan_url=url_for("risk_maps.plan", map_id=found["id"], v=drawing["hash"][:12], size="phone"),
        where=units.label(conn, found["unit_id"]), chosen=chosen or "",
        may_manage=scope.may_manage_risk_points(conn, current_user, ent, found["unit_id"]),
        action=request.form.get("do") if request.method == "POST" else "", **_refusal(refused),
    ), status


@bp.get("/risk-maps/<int:map_id>")
@login_required
def show(map_id):
    conn = db.get()
    return _page(conn, scope.risk_map(conn, current_user, map_id))


def _managed(conn, map_id) -> tuple[dict, dict]:
    """A map this person sees (else 404) and may draw on (else 403), with its enterprise."""
    found = scope.risk_map(conn, current_user, map_id)
    ent = scope.enterprise(conn, current_user, found["enterprise_id"])
    scope.require(scope.may_manage_risk_points(conn, current_user, ent, found["unit_id"]))
    return found, ent


def _change(map_id, posted, action, message, target=None, upload=None):
    """One change to a map: its key and writes in one transaction, then back to the map (or on to `target`). An
    `upload` is read and checked first, so no other write waits on decoding an image."""
    conn = db.get()
    found, ent = _managed(conn, map_id)
    try:
        ready = upload() if upload else None
        with conn.atomic():
            idempotency.claim(conn)
            done = action(conn, found, ready)
            to = target(ent) if target else url_for("risk_maps.show", map_id=map_id, **(done or {}))
            idempotency.settle(conn, 302, to)
    except Refused as exc:
        return _page(conn, found, exc, posted, 422)
    flash(message, "ok")
    return redirect(to)


@bp.post("/risk-maps/<int:map_id>/marks")
@login_required
def mark(map_id):
    """保存位置, 完成区域, 清除区域, 移除标注 for the point chosen in the list: the button pressed (`do`) names the step
    (not `action`, which would hide the form's own action from scripts)."""
    form = request.form
    chosen = form.get("do") or ""

    def action(conn, found, _):
        if not form.get("point_id"):
            raise Refused("请先在列表中选择一个风险点", "point_id")
        if chosen not in STEPS:
            raise Refused("请点“保存位置”“完成区域”“清除区域”或“移除标注”")
        STEPS[chosen](conn, found, form, current_user["id"])
        return {"point": form.get("point_id")}

    return _change(map_id, "marks", action, DONE.get(chosen, "已保存"))


def _position(form) -> tuple:
    """The tapped position (fractions, filled by static/risk_map.js), else the percentages typed without it."""
    x, y = form.get("x"), form.get("y")
    if not x and not y and (form.get("x_pct") or form.get("y_pct")):
        try:
            return float(form.get("x_pct")) / 100, float(form.get("y_pct")) / 100
        except (TypeError, ValueError):
            raise Refused("位置请填 0 到 100 之间的数（从左、从上量起的百分比）", "x") from None
    return x, y


@bp.post("/risk-maps/<int:map_id>/plan")
@login_required
def replace_plan(map_id):
    def action(conn, found, prepared):
        risk_maps.replace_plan(conn, found, prepared, by=current_user["id"])

    return _change(map_id, "plan", action, "已更换平面图，标注位置不变；请核对各风险点的位置", upload=_plan_upload)


@bp.post("/risk-maps/<int:map_id>/retire")
@login_required
def retire(map_id):
    def action(conn, found, _):
        if request.form.get("confirm") != "1":
            raise Refused("请展开“撤销分布图”，看清说明后点确认")
        risk_maps.retire(conn, found, by=current_user["id"])

    return _change(map_id, "retire", action, "已撤销分布图，记录保留",
                   target=lambda ent: url_for("risk_maps.index", enterprise_id=ent["id"]))


@bp.get("/risk-maps/<int:map_id>/plan.jpg")
@login_required
def plan(map_id):
    """The plan image (the display copy, or `?size=phone`), for those who see the map."""
    conn = db.get()
    found = scope.risk_map(conn, current_user, map_id)
    return send_photo(risk_maps.drawing(conn, found)["hash"], "phone" if request.args.get("size") == "phone"
                      else "display")


@bp.get("/risk-maps/<int:map_id>/print")
@login_required
def print_map(map_id):
    """The map on A4 landscape: title with the enterprise and the date, the map large, legend and point list."""
    conn = db.get()
    found = scope.risk_map(conn, current_user, map_id)
    ent = scope.enterprise(conn, current_user, found["enterprise_id"])
    drawing = risk_maps.drawing(conn, found)
    today = local_now().date()
    return render_template("risk_maps/print.html", ent=ent, d=drawing, legend=risk_maps.legend(conn),
                           where=units.label(conn, found["unit_id"]),
                           today=f"{today.year}年{today.month}月{today.day}日",
                           plan_url=url_for("risk_maps.plan", map_id=found["id"], v=drawing["hash"][:12]))


def _posted(token) -> tuple[dict, dict]:
    """The map a scanned notice board shows, by the label's token; 404 for any other sign or none."""
    conn = db.get()
    scanned = signs.scanned(conn, token)
    found = risk_maps.of_notice_board(conn, scanned[0]) if scanned else None
    if found is None:
        abort(404)
    return found, risk_maps.drawing(conn, found)


@bp.get("/q/<token>/map.svg")
def public_map(token):
    """The notice board's map alone, to open large and zoom on a phone."""
    _, drawing = _posted(token)
    body = render_template("risk_maps/_svg.html", d=drawing, interactive=False,
                           plan_url=url_for("risk_maps.public_plan", token=token, v=drawing["hash"][:12])).strip()
    return body, 200, {"Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "no-cache"}


@bp.get("/q/<token>/plan.jpg")
def public_plan(token):
    """The plan image of the notice board's map."""
    _, drawing = _posted(token)
    return send_photo(drawing["hash"], "display")


def posted_map(conn, sign, token) -> dict | None:
    """What a scanned notice board shows of its map (templates/risk_maps/_public.html), or None."""
    found = risk_maps.of_notice_board(conn, sign)
    if found is None:
        return None
    drawing = risk_maps.drawing(conn, found)
    return {"d": drawing, "legend": risk_maps.legend(conn), "svg_url": url_for("risk_maps.public_map", token=token),
            "plan_url": url_for("risk_maps.public_plan", token=token, v=drawing["hash"][:12])}
