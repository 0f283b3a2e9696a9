"""Requests that can be retried: a client-made key per submission; the same key and content answer the
first result again and change nothing, the same key with other content is refused (409)."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

from flask import make_response, render_template, request
from flask_login import current_user

from .db import now, one

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
# Fields that may differ between two sendings of the same submission (time of sending, a later GPS fix).
VOLATILE = {"csrf_token", FIELD, "client_time", "latitude", "longitude", "accuracy"}
MAX_BODY = 512 * 1024
STUCK_MINUTES = 5  # longer than any request may run (gunicorn's timeout is 30 s)


def _minutes_ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


def required(view):
    """Mark a view whose requests must carry a key."""
    view.idempotent = True
    return view


def _key() -> str | None:
    return request.headers.get(HEADER) or request.form.get(FIELD) or None


def fingerprint() -> str:
    """What the submission says, independent of when it was sent."""
    digest = hashlib.sha256(f"{request.method} {request.path}".encode())
    for name in sorted(request.form):
        if name not in VOLATILE:
            for value in request.form.getlist(name):
                digest.update(f"\n{name}={value}".encode())
    for name in sorted(request.files):
        for upload in request.files.getlist(name):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"\n{name}:".encode() + hashlib.sha256(content).digest())
    return digest.hexdigest()


def _refuse(message: str, status: int = 409):
    return render_template("error.html", title="重复提交", message=message), status


def before(db):
    """Replay, refuse, or claim the key before the view runs."""
    if request.method != "POST" or not current_user.is_authenticated:
        return None
    view = request.url_rule and request.url_rule.endpoint
    needs = bool(view) and getattr(_view_function(view), "idempotent", False)
    key = _key()
    if key is None:
        return _refuse("缺少提交编号，请刷新页面后重新填写提交。", 400) if needs else None
    if not _KEY.match(key):
        return _refuse("提交编号格式不正确，请刷新页面后重新提交。", 400)
    mark = fingerprint()
    with db.atomic():  # claim the key in one statement; only a key seen before costs a second look
        claimed = db.execute("INSERT INTO idempotency (key, user_id, request_hash, created_at) VALUES (?,?,?,?)"
                             " ON CONFLICT DO NOTHING", (key, current_user["id"], mark, now())).rowcount
    if claimed:
        request.environ["anbiao.idempotency"] = (key, current_user["id"])
        return None
    found = one(db, "SELECT * FROM idempotency WHERE key = ? AND user_id = ?", (key, current_user["id"]))
    if found:
        if found["request_hash"] != mark:
            return _refuse("这个提交编号已用于另一份不同的内容，本次未保存。请刷新页面后重新填写。")
        if found["status"] is None and found["created_at"] < _minutes_ago(STUCK_MINUTES):
            # The worker that claimed it died mid-request (no teardown ran): this sending takes over.
            with db.atomic():
                taken = db.execute("UPDATE idempotency SET created_at = ? WHERE key = ? AND user_id = ?"
                                   " AND status IS NULL AND created_at = ?",
                                   (now(), key, current_user["id"], found["created_at"])).rowcount
            if taken:  # only one of two sendings arriving together takes over
                request.environ["anbiao.idempotency"] = (key, current_user["id"])
                return None
        if found["status"] is None:
            return _refuse("这份内容正在提交中，请稍候刷新查看结果，不要重复提交。")
        response = make_response(found["body"] or b"", found["status"])
        if found["location"]:
            response.headers["Location"] = found["location"]
        if found["content_type"]:
            response.headers["Content-Type"] = found["content_type"]
        response.headers["Idempotent-Replay"] = "true"
        return response
    return None


def after(db, response):
    """Keep a success as the answer to the key; release the key after a refusal so a corrected form may reuse it."""
    claim = request.environ.pop("anbiao.idempotency", None)
    if claim is None:
        return response
    if 200 <= response.status_code < 400:
        body = b"" if response.is_streamed else response.get_data()
        db.execute(
            "UPDATE idempotency SET status = ?, location = ?, body = ?, content_type = ? WHERE key = ? AND user_id = ?",
            (response.status_code, response.headers.get("Location"), body[:MAX_BODY], response.content_type, *claim))
    else:
        db.execute("DELETE FROM idempotency WHERE key = ? AND user_id = ? AND status IS NULL", claim)
    db.conn.commit()
    return response


def release(db):
    """On an exception the claim is dropped, so the same key can be sent again."""
    claim = request.environ.pop("anbiao.idempotency", None)
    if claim is not None:
        db.execute("DELETE FROM idempotency WHERE key = ? AND user_id = ? AND status IS NULL", claim)
        db.conn.commit()


def _view_function(endpoint):
    from flask import current_app

    return current_app.view_functions.get(endpoint)
