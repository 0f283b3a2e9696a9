"""回头看: re-verification of closed hazards drawn at random, and the government's look-back items."""

from flask import Blueprint, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from .. import db, hazards, library, reverify, scope
from ..due import local_now
from ..photos import PhotoError, from_request
from ..refusal import Refused
from ..web import place_from
from . import form_flow

bp = Blueprint("reverify", __name__, url_prefix="/reverify")


def _page(conn, problems=(), reasons=None, form=None):
    """The 回头看 page: the library's look-back checklists to export; for those who draw, a new draw and the
    draws made; for those who revisit, the sampled hazards waiting for them."""
    user = current_user
    lookbacks = [d for d in scope.library_docs(conn, user)
                 if d["kind"] == "checklist" and d["tier"] in reverify.LOOKBACK_TIERS and d["version"] == d["latest"]]
    may_draw = scope.may_draw(user)
    return render_template(
        "reverify/index.html", lookbacks=lookbacks, may_draw=may_draw, problems=list(problems),
        reasons=reasons or {}, form=form or {}, MAX=reverify.MAX_SAMPLE, LEVELS=hazards.LEVELS,
        draws=reverify.draws_for(conn, user) if may_draw else [],
        industries=library.industries(conn) if may_draw else [],
        towns=reverify.townships(conn, user) if may_draw else [],
        visits=_revisits(conn), today=local_now().date().isoformat(),
    ), (422 if problems else 200)


def _revisits(conn) -> list[dict]:
    """The waiting revisits the signed-in person may make (never shown to the enterprise: it is not told before)."""
    return [v for v in reverify.due_for(conn, current_user)
            if scope.may_reverify(conn, current_user, hazards.get(conn, v["hazard_id"]))]


@bp.get("")
@login_required
def index():
    return _page(db.get())


@bp.post("/draws")
@login_required
def new_draw():
    conn = db.get()
    scope.require(scope.may_draw(current_user))
    form = request.form
    try:
        values = reverify.check_draw(conn, current_user, form)
        return form_flow.saved(conn, lambda: url_for("reverify.draw",
                                                     draw_id=reverify.draw(conn, current_user, values)),
                               "已抽取，抽中的隐患已列入网格员的回访")
    except Refused as exc:
        return _page(conn, form=form, **form_flow.refusal(exc))


@bp.get("/draws/<int:draw_id>")
@login_required
def draw(draw_id):
    conn = db.get()
    found, sampled = reverify.get_draw(conn, current_user, draw_id)
    return render_template("reverify/draw.html", d=found, sampled=sampled, share=reverify.shares(sampled),
                           replay_matches=reverify.replays(conn, found), scope_text=reverify.describe(found["scope"]),
                           STATUS=hazards.STATUS, LEVELS=hazards.LEVELS)


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@login_required
def visit(visit_id):
    conn = db.get()
    found, hazard = reverify.visit(conn, current_user, visit_id)
    refused = None
    if request.method == "POST":
        try:
            try:
                photos = from_request(request.files, "photos")
            except PhotoError as exc:
                raise Refused(f"复查照片有问题：{exc}（请重新选择照片）", "photos") from exc
            return form_flow.saved(conn, lambda: _revisited(conn, found, hazard, photos),
                                   "已复查：整改有效" if request.form.get("verdict") == "held" else
                                   "已复查：整改失效，隐患已重新打开，等待企业重新分派整改")
        except Refused as exc:
            refused = exc
    return render_template("reverify/visit.html", v=found, h=hazard, pictures=hazards.pictures(conn, hazard["id"]),
                           **form_flow.refusal(refused), form=request.form,
                           STATUS=hazards.STATUS, LEVELS=hazards.LEVELS), (422 if refused else 200)


def _revisited(conn, found, hazard, photos) -> str:
    """Record the revisit and give the address of its hazard."""
    form = request.form
    reverify.record(conn, found, hazard, verdict=form.get("verdict"), note=form.get("note"), photos=photos,
                    by=current_user["id"], place=place_from(form))
    return url_for("hazards.show", hazard_id=hazard["id"])


@bp.get("/lookback/<int:doc_id>.xlsx")
@login_required
def lookback_sheet(doc_id):
    conn = db.get()
    doc = reverify.lookback_doc(conn, current_user, doc_id)
    return send_file(reverify.lookback_sheet(doc, library.items(conn, doc_id)), as_attachment=True,
                     download_name=f"{doc['title']}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
