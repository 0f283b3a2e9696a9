"""Recording and keeping signs: 新增标识, 编辑, 调整位置, 撤除, 补发标签, and 批量导入 from an xlsx sheet."""

import json

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, risk_notices, risk_points, scope, sign_import, signs, units
from . import form_flow, sheet_upload

bp = Blueprint("sign_forms", __name__)


def _choices(conn, ent) -> list[dict]:
    """The places this person may set signs at, as the unit tree reads: the whole enterprise, workshops, posts."""
    only = scope.unit_ids(conn, current_user)
    found = [{"id": None, "label": units.label(conn, None), "level": "enterprise"}] if only is None else []
    for workshop in units.tree(conn, ent["id"], only):
        found.append({"id": workshop["id"], "label": workshop["name"], "level": "workshop"})
        found += [{"id": post["id"], "label": f"{workshop['name']} / {post['name']}", "level": "post"}
                  for post in workshop["posts"]]
    return [c for c in found if scope.may_manage_signs(conn, current_user, ent, c["id"])]


def _place(raw, choices, missing="请选择标识所在的位置") -> int | None:
    """The chosen place ('' is the whole enterprise), one of `choices`; raises Refused."""
    if raw is None:
        raise signs.Refused(missing, "unit_id")
    unit_id = int(raw) if raw.isdigit() else None
    if (raw and unit_id is None) or unit_id not in {c["id"] for c in choices}:
        raise signs.Refused("请选择你管理的车间或岗位", "unit_id")
    return unit_id


def _fields(form) -> dict:
    """A sign's wording as signs.create and signs.update take it."""
    return {**{name: form.get(name) for name in signs.TEXT_FIELDS}, "sign_class": form.get("sign_class") or None,
            "risk": {key: form.get(f"risk_{key}") for key in signs.RISK_FIELDS}}


def _typed(sign) -> dict:
    """A saved sign as its form shows it."""
    risk = json.loads(sign["risk"] or "{}")
    return {**{name: sign[name] or "" for name in signs.TEXT_FIELDS}, "sign_class": sign["sign_class"] or "",
            **{f"risk_{key}": risk.get(key, "") for key in signs.RISK_FIELDS}}


def _pointed(conn, ent) -> list[dict]:
    """The posts this person manages that have risk points, to fill a risk card from."""
    found = {p["unit_id"] for p in risk_points.of_enterprise(conn, ent["id"])}
    return [c for c in _choices(conn, ent) if c["level"] == "post" and c["id"] in found]


def _from_points(conn, form, unit_id, choices) -> dict:
    """The form with its risk-card fields written from the post's risk points, when asked (?from_points=1) for a
    post this person manages; what the points do not say (报告方式, 应急电话) stays as it was."""
    post = next((c for c in choices if str(c["id"]) == str(unit_id) and c["level"] == "post"), None)
    if not form.get("from_points") or post is None:
        return form
    filled = {f"risk_{key}": text for key, text in risk_notices.risk_card(conn, post["id"]).items()}
    title = form.get("title") or f"{post['label'].split(' / ')[-1]}岗位安全风险告知卡"
    return {**form, "kind": "risk_card", "title": title, **filled}


def _code(code: str) -> str:
    """A label's code as printed: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def _page(conn, ent, form, sign=None, posted="sign", refused=None):
    """The form page (新增 when no sign, else 编辑 with its other actions); 422 with the reasons when refused, shown
    in the form that was `posted` (sign, move, reissue, retire)."""
    return render_template(
        "signs/form.html", ent=ent, sign=sign, form=form, posted=posted, choices=_choices(conn, ent),
        kinds=signs.kinds(conn), classes=signs.classes(conn), LEVELS=signs.LEVELS, RISK_FIELDS=signs.RISK_FIELDS,
        label=signs.current(conn, sign["id"]) if sign else None, code=_code,
        pointed=_pointed(conn, ent),
        where=units.label(conn, sign["unit_id"]) if sign else None, **form_flow.refusal(refused),
    ), (422 if refused else 200)


def _placed(conn, form, choices) -> tuple:
    """A new sign's place, kind and wording, as signs.create takes them; raises Refused."""
    return _place(form.get("unit_id"), choices), form.get("kind") or "", _fields(form)


def _recorded(conn, sign_id) -> str:
    """What 新增 says once the sign is recorded, with its label's code."""
    return f"已登记“{signs.get(conn, sign_id)['title']}”，标签编号 {_code(signs.current(conn, sign_id)['code'])}"


@bp.route("/enterprises/<int:enterprise_id>/signs/new", methods=["GET", "POST"])
@login_required
def new(enterprise_id):
    """新增标识; ?kind= and ?unit_id= preselect, &from_points=1 fills a risk card from the post's risk points."""
    return form_flow.new(enterprise_id, _choices, _page, _placed,
                         lambda conn, placed: signs.create(conn, enterprise_id, *placed, by=current_user["id"]),
                         url_for("signs.index", enterprise_id=enterprise_id), _recorded,
                         lambda conn, args, choices: _from_points(conn, args, args.get("unit_id"), choices))


def _managed(conn, sign_id) -> tuple[dict, dict]:
    """A sign this person sees (else 404) and may manage (else 403), with its enterprise."""
    sign = scope.sign(conn, current_user, sign_id)
    ent = scope.enterprise(conn, current_user, sign["enterprise_id"])
    scope.require(scope.may_manage_signs(conn, current_user, ent, sign["unit_id"]))
    return sign, ent


def _change(sign_id, posted, action, message, to_list=False):
    """One change to a sign in use: its key and its writes in one transaction, then on to the sign's edit page (or
    the enterprise's list); a refusal comes back on the edit page, beside the form that was sent."""
    conn = db.get()
    sign, ent = _managed(conn, sign_id)
    target = (url_for("signs.index", enterprise_id=ent["id"]) if to_list
              else url_for("sign_forms.edit", sign_id=sign_id))
    return form_flow.sent(
        conn, target, lambda _: action(conn, sign, ent), lambda done: message(conn, sign, done),
        lambda exc: _page(conn, ent, request.form if posted == "sign" else _typed(sign), sign, posted, exc))


@bp.route("/signs/<int:sign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(sign_id):
    if request.method == "GET":
        conn = db.get()
        sign, ent = _managed(conn, sign_id)
        typed = _typed(sign)
        if sign["kind"] == "risk_card":
            typed = _from_points(conn, dict(typed, from_points=request.args.get("from_points")), sign["unit_id"],
                                 _choices(conn, ent))
        return _page(conn, ent, typed, sign)
    return _change(sign_id, "sign",
                   lambda conn, sign, _: signs.update(conn, sign, _fields(request.form), by=current_user["id"]),
                   lambda conn, sign, _: f"已保存“{signs.get(conn, sign['id'])['title']}”；标签不变，不用重新打印",
                   to_list=True)


@bp.post("/signs/<int:sign_id>/move")
@login_required
def move(sign_id):
    def action(conn, sign, ent):
        unit_id = _place(request.form.get("unit_id"), _choices(conn, ent), "请选择新的位置")
        if unit_id == sign["unit_id"]:
            raise signs.Refused(f"标识已在“{units.label(conn, unit_id)}”，请选择新的位置", "unit_id")
        signs.move(conn, sign, unit_id, by=current_user["id"])
        return units.label(conn, unit_id)

    return _change(sign_id, "move", action, lambda conn, sign, where: f"已调整到“{where}”；标签不变，不用重新打印")


def _confirmed(what: str) -> None:
    """The second step of a change that cannot be taken back: the page's 确认 button sends confirm=1."""
    if request.form.get("confirm") != "1":
        raise signs.Refused(f"请展开“{what}”，看清说明后点确认")


@bp.post("/signs/<int:sign_id>/retire")
@login_required
def retire(sign_id):
    def action(conn, sign, _):
        _confirmed("撤除")
        signs.retire(conn, sign, by=current_user["id"])

    return _change(sign_id, "retire", action,
                   lambda conn, sign, _: f"已撤除“{sign['title']}”；扫它的标签会显示“该标识已撤除”", to_list=True)


@bp.post("/signs/<int:sign_id>/reissue")
@login_required
def reissue(sign_id):
    def action(conn, sign, _):
        _confirmed("补发标签")
        return signs.reissue(conn, sign, by=current_user["id"])

    return _change(sign_id, "reissue", action, lambda conn, sign, token: (
        f"已补发新标签，新编号 {_code(token['code'])}。请打印新标签到现场换贴；旧标签扫码会显示“已更换”"))


@bp.route("/enterprises/<int:enterprise_id>/signs/import", methods=["GET", "POST"])
@login_required
def import_sheet(enterprise_id):
    conn, ent, allowed = sheet_upload.opened(enterprise_id, _choices, scope.may_manage_signs)
    return sheet_upload.upload(conn, ent, sign_import, allowed, url_for("signs.index", enterprise_id=enterprise_id),
                               "已导入 {count} 个标识，每个都有了自己的标签编号", "signs/import.html")


@bp.get("/enterprises/<int:enterprise_id>/signs/template.xlsx")
@login_required
def template(enterprise_id):
    conn, _, allowed = sheet_upload.opened(enterprise_id, _choices, scope.may_manage_signs)
    return sheet_upload.download(sign_import.template(conn, enterprise_id, allowed), "标识导入模板.xlsx")
