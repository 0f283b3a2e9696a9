"""The forms' shared flow: a form opened at an enterprise where this person has somewhere to record, and a form sent:
checked, saved with its idempotency key in one transaction (a retry is answered with the same redirect,
anbiao/idempotency.py), then said and redirected, or shown again with the reasons beside its fields (422)."""

from flask import flash, redirect, request
from flask_login import current_user

from .. import db, idempotency, inspections, scope
from ..refusal import Refused


def opened(enterprise_id: int, choices):
    """The connection, the enterprise and `choices(conn, ent)`, the places this person may record at there; 403
    when there are none."""
    conn = db.get()
    ent = scope.enterprise(conn, current_user, enterprise_id)
    found = choices(conn, ent)
    scope.require(bool(found))
    return conn, ent, found


def refusal(exc: Refused | None, field: str | None = None) -> dict:
    """The page's words for a refusal (none when `exc` is None): at the top, and beside `field` (by default the
    field it names)."""
    if exc is None:
        return {"problems": [], "reasons": {}}
    field = field or exc.field
    return {"problems": [str(exc)], "reasons": {field: [str(exc)]} if field else {}}


def saved(conn, write, said: str | None = None):
    """Run `write()`, which saves and returns the address of what it saved, with the submission's key in one
    transaction, then redirect there (saying `said`, if any); whatever it raises leaves nothing written."""
    with conn.atomic():
        idempotency.claim(conn)
        target = write()
        idempotency.settle(conn, 302, target)
    if said:
        flash(said, "ok")
    return redirect(target)


def sent(conn, target: str, save, said, refused, check=lambda: None):
    """A form sent: `check()`, then `save(checked)` `saved` on to `target`, and `said(what it saved)` flashed; a
    Refused from either is answered by `refused(exc)`, with nothing written."""
    made = []
    try:
        # Checked before the transaction, so no other write waits on the checking.
        checked = check()
        answer = saved(conn, lambda: made.append(save(checked)) or target)
    except Refused as exc:
        return refused(exc)
    flash(said(made[0]), "ok")
    return answer


def filled(conn, checklist, items, read, write, page):
    """A checklist's form sent (an inspection, a 5S score): `read(items)` takes it apart before the transaction, so
    no other write waits on its photos, and `write(conn, checklist, items, what was read)` is `saved`; when either
    refuses, the form again as `page(conn, checklist, problems, reasons, 422)`, with nothing written."""
    try:
        found = read(items)
        return saved(conn, lambda: write(conn, checklist, items, found))
    except inspections.Refused as exc:
        return page(conn, checklist, exc.problems, exc.reasons, 422)


def new(enterprise_id: int, choices, page, check, save, target: str, said, preset=None):
    """A 新增 form at an enterprise, 403 unless `choices(conn, ent)` offers somewhere to record: GET shows
    `page(conn, ent, form)` with the query's presets (as `preset(conn, args, choices)` has them, when given); POST
    is `sent` with `check(conn, form, choices)`, `save(conn, checked)` (the new record's id) and `said(conn, id)`,
    or shows the page again with the refusal."""
    conn, ent, found = opened(enterprise_id, choices)
    if request.method == "GET":
        return page(conn, ent, preset(conn, request.args, found) if preset else request.args)
    form = request.form
    return sent(conn, target, lambda checked: save(conn, checked), lambda made: said(conn, made),
                lambda exc: page(conn, ent, form, refused=exc), lambda: check(conn, form, found))
