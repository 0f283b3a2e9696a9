"""The monthly report forms 附件3 and 附件4: filled from the data, frozen when submitted, as xlsx."""

from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import db, due, enterprises, idempotency, monthly_report_xlsx, monthly_reports, scope
from ..risk import COLOUR_NAMES

bp = Blueprint("monthly_reports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choice(args) -> tuple[str, str, list[str]]:
    """The form and month a page asks for (last month's 附件3 by default), and what was wrong with them."""
    problems = []
    form = args.get("form") or "annex3"
    if form not in monthly_reports.FORMS:
        problems.append("报表应为 附件3（月报表一）或 附件4（月报表二）")
        form = "annex3"
    month = monthly_reports.last_month(due.local_now().date())
    if args.get("month"):
        try:
            month = monthly_reports.parse_month(args["month"])
        except monthly_reports.Refused as exc:
            problems.append(str(exc))
    return form, month, problems


def _page(form, month, problems, reasons, status):
    conn = db.get()
    report = monthly_reports.draft(conn, current_user, form, month)
    found = report["scope"]
    heading = request.form if request.method == "POST" else {"unit_name": monthly_reports.scope_label(found)}
    return render_template(
        "monthly_reports/index.html", report=report, grid=monthly_reports.table(report["layout"], report["values"],
                                                                                 report["unit"]),
        forms=monthly_reports.FORMS, problems=problems, reasons=reasons, heading=heading,
        scope_label=monthly_reports.scope_label(found), done=monthly_reports.submitted(conn, current_user, month),
        history=monthly_reports.submitted(conn, current_user)), status


@bp.get("/reports/monthly")
@login_required
def index():
    scope.require(scope.may_report(current_user))
    form, month, problems = _choice(request.args)
    return _page(form, month, problems, {}, 422 if problems else 200)


@bp.post("/reports/monthly")
@login_required
def submit():
    scope.require(scope.may_report(current_user))
    conn = db.get()
    form, month, problems = _choice(request.form)
    reasons = {}
    if not request.form.get("form") or not request.form.get("month"):
        problems.append("请先选择报表和月份")
    if not problems:
        try:
            with conn.atomic():
                idempotency.claim(conn)
                report_id = monthly_reports.submit(conn, current_user, form, month, request.form)
                target = url_for("monthly_reports.show", report_id=report_id)
                idempotency.settle(conn, 302, target)
        except monthly_reports.Refused as exc:
            problems = [str(exc)]
            reasons = {exc.field: problems} if exc.field else {}
            # Every missing heading field at once, not one per try.
            for field, message in monthly_reports.heading_problems(request.form)[1:]:
                problems.append(message)
                reasons.setdefault(field, []).append(message)
        else:
            flash("已上报：报表已按提交时的数据保存，以后数据变化不影响已上报的数字", "ok")
            return redirect(target)
    return _page(form, month, problems, reasons, 422)


@bp.get("/reports/monthly/draft.xlsx")
@login_required
def draft_xlsx():
    scope.require(scope.may_report(current_user))
    form, month, problems = _choice(request.args)
    if problems:
        return render_template("error.html", title="无法导出报表", message="；".join(problems)), 422
    report = monthly_reports.draft(db.get(), current_user, form, month)
    return _download(report)


def _report(report_id) -> dict:
    scope.require(scope.may_report(current_user))
    found = monthly_reports.get(db.get(), current_user, report_id)
    if not found:
        abort(404)
    return found


@bp.get("/reports/monthly/<int:report_id>")
@login_required
def show(report_id):
    report = _report(report_id)
    return render_template("monthly_reports/show.html", report=report, forms=monthly_reports.FORMS,
                           grid=monthly_reports.table(report["layout"], report["values"], report["unit"]),
                           scope_label=monthly_reports.scope_label(report["scope"]))


@bp.get("/reports/monthly/<int:report_id>/xlsx")
@login_required
def download(report_id):
    return _download(_report(report_id))


def _download(report):
    name = monthly_report_xlsx.filename(report)
    return monthly_report_xlsx.xlsx(report), 200, {
        "Content-Type": XLSX, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


@bp.get("/reports/monthly/records")
@login_required
def records():
    """The records behind one figure of a form: what a cell counts, one link each."""
    scope.require(scope.may_report(current_user))
    conn = db.get()
    form, month, problems = _choice(request.args)
    frozen = None
    if request.args.get("report", type=int):
        frozen = _report(request.args.get("report", type=int))
        form, month = frozen["form"], frozen["month"]
    figure = request.args.get("figure") or ""
    lay = frozen["layout"] if frozen else monthly_reports.layout(conn, form)
    if figure not in monthly_reports.figures_of(lay):
        problems.append("请从报表中点选一个数字查看其明细")
    if problems:
        return render_template("error.html", title="无法列出明细", message="；".join(problems)), 422
    found = monthly_reports.records(conn, monthly_reports.scope_of(current_user) if not frozen else frozen["scope"],
                                    month, figure)
    return render_template("monthly_reports/records.html", found=found, figure=figure, form=form, month=month,
                           frozen=frozen, label=monthly_reports.label(lay, figure), forms=monthly_reports.FORMS,
                           SIZES=enterprises.SIZE_CLASSES, STANDARD=enterprises.STANDARD_STATUS,
                           COLOURS=COLOUR_NAMES, kinds=monthly_reports.action_kinds(conn))
