"""The xlsx import pages' shared flow: the sheet uploaded, read and checked, then saved in one transaction or not at
all (signs, risk points), and the template sent to fill (those and the enterprises')."""

import io

from flask import flash, redirect, render_template, request, send_file
from flask_login import current_user

from .. import idempotency, sheets
from . import form_flow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def opened(enterprise_id: int, choices, may):
    """The connection, the enterprise and `allowed(unit_id)` by `may` (a scope.may_manage_* rule) for an import
    page; 403 unless `choices(conn, ent)` offers this person somewhere to import to."""
    conn, ent, _ = form_flow.opened(enterprise_id, choices)
    return conn, ent, lambda unit_id: may(conn, current_user, ent, unit_id)


def upload(conn, ent, importer, allowed, target: str, done: str, page: str):
    """The import page `page`; on POST the sheet imported by `importer` (a module with check, save, COLUMNS,
    REQUIRED, MAX_ROWS) where `allowed(unit_id)`, then a redirect to `target` with `done` ({count} filled in), or
    the page again with the problems (422)."""
    problems = []
    if request.method == "POST":
        sheet = request.files.get("sheet")
        try:
            if not sheet or not sheet.filename:
                raise sheets.Rejected([(None, "请选择要导入的 xlsx 文件")])
            # The sheet is read and checked before the transaction, so no other write waits on parsing it.
            checked = importer.check(conn, ent["id"], sheets.read(sheet.filename, sheet.read()), allowed)
            with conn.atomic():
                idempotency.claim(conn)
                count = importer.save(conn, ent["id"], checked, current_user["id"])
                idempotency.settle(conn, 302, target)
        except sheets.Rejected as exc:
            problems = exc.problems
        else:
            flash(done.format(count=count), "ok")
            return redirect(target)
    return render_template(page, ent=ent, problems=problems, columns=importer.COLUMNS, required=importer.REQUIRED,
                           MAX_ROWS=importer.MAX_ROWS), (422 if problems else 200)


def download(book: io.BytesIO, name: str):
    """A template workbook sent as the file `name`."""
    return send_file(book, as_attachment=True, download_name=name, mimetype=XLSX)
