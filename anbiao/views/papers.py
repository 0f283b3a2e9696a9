"""告知书 and 承诺书: printed per enterprise, delivery and signature recorded, the towns' missing lists."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, idempotency, papers, scope
from ..due import local_now
from ..photos import PhotoError, from_request
from ..refusal import Refused
from .hazards import send_photo

bp = Blueprint("papers", __name__)


def _kind(kind: str) -> str:
    if kind not in papers.KINDS:
        abort(404)
    return kind


@bp.get("/enterprises/<int:enterprise_id>/papers")
@login_required
def enterprise(enterprise_id):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    return render_template("papers/enterprise.html", ent=ent, records=papers.of_enterprise(conn, enterprise_id),
                           kinds=papers.KINDS, recorded=papers.RECORDED, columns=papers.COLUMNS,
                           may_record=scope.may_record_papers(conn, current_user, ent))


@bp.route("/enterprises/<int:enterprise_id>/papers/<kind>/record", methods=["GET", "POST"])
@login_required
def record(enterprise_id, kind):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    _kind(kind)
    scope.require(scope.may_record_papers(conn, current_user, ent))
    problems, reasons = [], {}
    if request.method == "POST":
        try:
            try:  # photos are checked before the transaction, so no write waits on decoding them
                pictures = from_request(request.files, "photo")
            except PhotoError as exc:
                raise Refused(f"签字页照片有问题：{exc}（请重新选择照片）", "photo") from exc
            cleaned = papers.clean(kind, request.form, pictures)
            target = url_for("papers.enterprise", enterprise_id=enterprise_id)
            with conn.atomic():
                idempotency.claim(conn)
                papers.record(conn, ent, kind, cleaned, current_user["id"])
                idempotency.settle(conn, 302, target)
        except Refused as exc:
            problems = [str(exc)]
            reasons = {exc.field: problems} if exc.field else {}
        else:
            what, who = papers.RECORDED[kind]
            flash(f"已记录：{papers.KINDS[kind]}{what}（{cleaned['on_date'].isoformat()}，{who}{cleaned['person']}）",
                  "ok")
            return redirect(target)
    return render_template("papers/record.html", ent=ent, kind=kind, kinds=papers.KINDS,
                           recorded=papers.RECORDED[kind], photo_required=papers.PHOTO_REQUIRED[kind],
                           form=request.form, problems=problems, reasons=reasons,
                           today=local_now().date().isoformat()), (422 if problems else 200)


def _dates() -> tuple[dict, list[str]]:
    """The print's optional 落款日期 and 自评期限 from the query string; a malformed one is named, not guessed."""
    found, problems = {}, []
    for field, label in (("issued_on", "落款日期"), ("deadline", "自评完成期限")):
        try:
            found[field] = papers.parse_day(request.args.get(field), label, field)
        except Refused as exc:
            found[field] = None
            problems.append(str(exc))
    return found, problems


@bp.get("/enterprises/<int:enterprise_id>/papers/<kind>/print")
@login_required
def print_one(enterprise_id, kind):
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    _kind(kind)
    dates, problems = _dates()
    letters = [] if problems else [{"ent": ent, **papers.printed(conn, ent, kind, **dates)}]
    return render_template("papers/print.html", title=f"打印{papers.KINDS[kind]}：{ent['name']}", kind=kind,
                           kinds=papers.KINDS, letters=letters, problems=problems, ent=ent, args=request.args,
                           back=url_for("papers.enterprise", enterprise_id=enterprise_id)), (422 if problems else 200)


def _town(conn, where, params) -> tuple[dict | None, list[dict]]:
    """The towns a person sees with their counts, and the one the query string names (404 when not theirs)."""
    towns = papers.towns(conn, where, params)
    township = (request.args.get("township") or "").strip()
    if not township:
        return None, towns
    county = (request.args.get("county") or "").strip() or None
    chosen = [t for t in towns if t["township"] == township and (county is None or t["county"] == county)]
    if not chosen:
        abort(404)  # a town outside one's scope is answered as if it did not exist
    if len(chosen) == 1:
        return chosen[0], towns
    # The same township name in two counties: both, added up, until a county is chosen.
    return {"county": None, "township": township,
            **{k: sum(t[k] for t in chosen) for k in ("total", "no_notice", "no_commitment", "missing")}}, towns


@bp.get("/papers")
@login_required
def index():
    scope.require(scope.may_follow_papers(current_user))
    conn = db.get()
    where, params = scope.enterprise_where(current_user)
    town, towns = _town(conn, where, params)
    only = request.args.get("only") if request.args.get("only") in papers.MISSING else "any"
    found, more = ([], None) if town is None else papers.missing(
        conn, where, params, town["county"], town["township"], only, after=request.args.get("after", type=int))
    return render_template("papers/index.html", towns=towns, town=town, only=only, missing=found, more=more,
                           filters=papers.MISSING, kinds=papers.KINDS)


@bp.get("/papers/print")
@login_required
def print_batch():
    scope.require(scope.may_follow_papers(current_user))
    conn = db.get()
    where, params = scope.enterprise_where(current_user)
    town, _ = _town(conn, where, params)
    kind = request.args.get("kind")
    dates, problems = _dates()
    if town is None:
        problems.insert(0, "请选择乡镇（街道）")
    if kind not in papers.KINDS:
        problems.insert(0, "请选择告知书或承诺书")
    letters, more = [], None
    if not problems:
        found, more = papers.batch(conn, where, params, town["county"], town["township"], kind,
                                   after=request.args.get("after", 0, type=int))
        letters = [{"ent": ent, **papers.printed(conn, ent, kind, **dates)} for ent in found]
    what = papers.KINDS.get(kind, "告知书、承诺书")
    return render_template("papers/print.html", title=f"批量打印{what}", kind=kind, kinds=papers.KINDS,
                           letters=letters, problems=problems, town=town, more=more, args=request.args,
                           back=url_for("papers.index", township=town["township"], county=town["county"])
                           if town else url_for("papers.index")), (422 if problems else 200)


@bp.get("/papers/records/<int:record_id>/<size>")
@login_required
def photo(record_id, size):
    """The photo of a signed page, for those who see the enterprise."""
    if size not in ("display", "thumb"):
        abort(404)
    conn = db.get()
    found = papers.get(conn, record_id)
    if found is None or not found["photo_hash"]:
        abort(404)
    scope.enterprise(conn, current_user, found["enterprise_id"])
    return send_photo(found["photo_hash"], size)
