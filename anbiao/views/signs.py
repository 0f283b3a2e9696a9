"""Signs inside the app (an enterprise's list, each label's QR) and the addresses printed on their labels: /q/<token>
and the short code typed when a QR cannot be read."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import checklists, db, due, hazard_lists, hazards, idempotency, risk_notices, scope, sign_checks, signs
from ..photos import PhotoError, from_request
from ..web import place_from
from .risk_maps import posted_map

bp = Blueprint("signs", __name__)


@bp.get("/q/<token>")
def scan(token):
    """Anyone who scans a label sees what is printed on the wall, and nothing the enterprise keeps inside."""
    conn = db.get()
    found = signs.scanned(conn, token)
    if found is None:
        abort(404)
    sign, label = found
    return _page(conn, sign, label)


def _page(conn, sign, label, problems=(), status=200):
    """The public notice, and below it what a signed-in person whose scope holds the sign may do there."""
    inside = _inside(conn, sign) if not sign["retired_at"] else None
    return render_template("signs/public.html", notice=signs.public(conn, sign), replaced=bool(label["replaced_at"]),
                           retired=bool(sign["retired_at"]), inside=inside, problems=list(problems),
                           form=request.form, token=label["token"],
                           board=risk_notices.board(conn, sign) if sign["kind"] == "notice_board" else [],
                           posted_map=posted_map(conn, sign, label["token"])), status


def _inside(conn, sign) -> dict | None:
    """检查此标识, the unit's due cards, 在此上报 and its open hazards — or None for anyone outside its scope."""
    if not current_user.is_authenticated or not scope.holds_sign(conn, current_user, sign):
        return None
    unit_id = sign["unit_id"]
    cards = [c for c in due.of_unit(conn, unit_id) if scope.may_fill(conn, current_user, c)] if unit_id else []
    guide = checklists.kept_grid_checklist(conn, sign["enterprise_id"])
    if guide and scope.may_fill(conn, current_user, guide):
        cards.append(dict(guide, status=None))
    found = hazard_lists.search(conn, "h.enterprise_id = ?", [sign["enterprise_id"]], limit=20,
                                units=scope.unit_ids(conn, current_user), viewer_id=current_user["id"],
                                unit_id=unit_id, status="open")
    return {"sign": sign, "last": sign_checks.last_check(conn, sign["id"]), "cards": cards, "hazards": found,
            "may_check": scope.may_check_sign(conn, current_user, sign),
            "may_report": current_user["role"] != "supervisor", "STATES": signs.STATES, "STATUS": hazards.STATUS}


@bp.post("/signs/<int:sign_id>/check")
@login_required
def check(sign_id):
    """检查此标识 on the spot: 完好, or 破损/缺失 with a photo, which becomes a hazard of the sign's unit."""
    conn = db.get()
    sign = scope.sign(conn, current_user, sign_id)
    scope.require(scope.may_check_sign(conn, current_user, sign) and not sign["retired_at"])
    label = signs.current(conn, sign_id)
    target = url_for("signs.scan", token=label["token"])
    try:
        pictures = from_request(request.files, "photos")
        with conn.atomic():
            idempotency.claim(conn)
            done = sign_checks.check(conn, sign, request.form.get("state", ""), request.form.get("note"), pictures,
                                     current_user["id"], place_from(request.form))
            if done["hazard_id"]:
                target = url_for("hazards.show", hazard_id=done["hazard_id"])
            idempotency.settle(conn, 302, target)
    except PhotoError as exc:
        return _page(conn, sign, label, [f"照片有问题：{exc}（请重新选择照片）"], 422)
    except signs.Refused as exc:
        return _page(conn, sign, label, [str(exc)], 422)
    state = signs.STATES[request.form["state"]]
    flash(f"已保存：标识{state}，已列为隐患，请安排整改" if done["hazard_id"] else f"已保存：标识{state}", "ok")
    return redirect(target)


@bp.post("/signs/<int:sign_id>/presence")
@login_required
def presence(sign_id):
    """A signed-in scan, sent by the page (through the outbox when offline): who was at this sign, when and where."""
    conn = db.get()
    sign = scope.sign(conn, current_user, sign_id)
    label = signs.current(conn, sign_id)
    target = url_for("signs.scan", token=label["token"])
    with conn.atomic():
        idempotency.claim(conn)
        sign_checks.record_presence(conn, sign, current_user["id"], place_from(request.form))
        idempotency.settle(conn, 303, target)
    return redirect(target, 303)


@bp.get("/q")
def typed():
    """The short code under the QR, typed by hand: case, spaces and dashes do not matter."""
    code = request.args.get("code", "")
    found = signs.typed(db.get(), code) if code else None
    if found:
        return redirect(url_for("signs.scan", token=found["token"]))
    return render_template("signs/typed.html", code=code, missing=bool(code)), (404 if code else 200)


def public_url() -> str:
    """The base URL labels print: ANBIAO_PUBLIC_URL in production (a label outlives any address typed by chance),
    else this server's own."""
    return current_app.config.get("PUBLIC_URL") or request.url_root


@bp.get("/enterprises/<int:enterprise_id>/signs")
@login_required
def index(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    return render_template("signs/index.html", ent=ent, groups=signs.by_unit(conn, enterprise_id,
                                                                              scope.unit_ids(conn, current_user)),
                           kinds=signs.kinds(conn), classes=signs.classes(conn), STATES=signs.STATES,
                           may_manage=scope.may_manage_signs(conn, current_user, ent, current_user["unit_id"]))


@bp.get("/signs/<int:sign_id>/qr.<any(svg, png):kind>")
@login_required
def qr(sign_id, kind):
    """The QR of the label in use, encoding its permanent public address."""
    conn = db.get()
    scope.sign(conn, current_user, sign_id)
    label = signs.current(conn, sign_id)
    text = signs.address(public_url(), label["token"])
    body = signs.qr_svg(text) if kind == "svg" else signs.qr_png(text)
    return Response(body, mimetype="image/svg+xml" if kind == "svg" else "image/png",
                    headers={"Content-Disposition": f"inline; filename=sign-{label['code']}.{kind}",
                             "Cache-Control": "private, max-age=3600"})
