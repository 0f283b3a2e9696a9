"""Requests that can be retried: a client-made key per submission; the same key and content answer the
first result again and change nothing, the same key with other content is refused (409).

The key is written in the same transaction as what the request changes (`claim` … `settle`), so a
submission is either saved together with its key or not at all: a worker dying half-way, a retry
racing the first sending, or a refused form all leave nothing behind that could block or duplicate.
"""

import hashlib
import re

from flask import make_response, render_template, request
from flask_login import current_user

from .db import now, one

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
# Fields that may differ between two sendings of the same submission (time of sending, a later GPS fix).
VOLATILE = {"csrf_token", FIELD, "client_time", "latitude", "longitude", "accuracy"}
MAX_BODY = 512 * 1024
_PENDING = "anbiao.idempotency"
_SETTLED = "anbiao.idempotency.settled"


class Twin(Exception):
    """Another sending with the same key was saved first; this one is answered with that result."""


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


def _answer(found: dict, mark: str):
    """The first result again, or a refusal when the same key came with other content."""
    if found["request_hash"] != mark:
        return _refuse("这个提交编号已用于另一份不同的内容，本次未保存。请刷新页面后重新填写。")
    response = make_response(found["body"] or b"", found["status"])
    if found["location"]:
        response.headers["Location"] = found["location"]
    if found["content_type"]:
        response.headers["Content-Type"] = found["content_type"]
    response.headers["Idempotent-Replay"] = "true"
    return response


def _stored(db, key, user_id):
    return one(db, "SELECT * FROM idempotency WHERE key = ? AND user_id = ? AND status IS NOT NULL",
               (key, user_id))


def before(db):
    """Every POST carries a key: answer a key seen before; otherwise remember it for this request."""
    if request.method != "POST":
        return None
    key = request.headers.get(HEADER) or request.form.get(FIELD) or None
    if key is None:
        return _refuse("缺少提交编号，请刷新页面后重新填写提交。", 400)
    if not _KEY.match(key):
        return _refuse("提交编号格式不正确，请刷新页面后重新提交。", 400)
    if not current_user.is_authenticated:
        return None  # signing in changes no record; the key is checked, not kept
    mark = fingerprint()
    found = _stored(db, key, current_user["id"])
    if found:
        return _answer(found, mark)
    request.environ[_PENDING] = (key, current_user["id"], mark)
    return None


def claim(db) -> None:
    """Inside the view's transaction, before its writes: take the key, or raise Twin if it was taken."""
    pending = request.environ.get(_PENDING)
    if pending is None:
        return
    taken = db.execute("INSERT INTO idempotency (key, user_id, request_hash, created_at) VALUES (?,?,?,?)"
                       " ON CONFLICT DO NOTHING", (*pending, now())).rowcount
    if not taken:
        raise Twin()


def settle(db, status: int, location: str) -> None:
    """Inside the same transaction, after the writes: record the answer a retry will get."""
    pending = request.environ.get(_PENDING)
    if pending is None:
        return
    db.execute("UPDATE idempotency SET status = ?, location = ? WHERE key = ? AND user_id = ?",
               (status, location, pending[0], pending[1]))
    request.environ[_SETTLED] = True


def answer_twin(db):
    """The response for a Twin: what the first sending got."""
    key, user_id, mark = request.environ[_PENDING]
    found = _stored(db, key, user_id)
    if found is None:
        return _refuse("这份内容正在提交中，请稍候刷新查看结果，不要重复提交。")
    return _answer(found, mark)


def after(db, response):
    """For forms that do not settle themselves: keep a success as the key's answer."""
    pending = request.environ.pop(_PENDING, None)
    if pending is None or request.environ.get(_SETTLED) or not 200 <= response.status_code < 400:
        return response
    body = b"" if response.is_streamed else response.get_data()
    with db.atomic():
        db.execute(
            "INSERT INTO idempotency (key, user_id, request_hash, status, location, body, content_type, created_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (*pending, response.status_code, response.headers.get("Location"), body[:MAX_BODY],
             response.content_type, now()))
    return response
