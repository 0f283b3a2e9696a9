"""The PWA layer's addresses: the service worker at /sw.js, the web app manifest, the offline page, and the
outbox's side of the server: the 待同步 page, a fresh token before a replay, and the answer a replay gets."""

import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from .. import db, photos

bp = Blueprint("offline", __name__)

OFFLINE = Path(__file__).resolve().parents[2] / "offline"
# Sent by the outbox (offline/outbox.js) with every replay: it reads the answer as data, not as a page.
OUTBOX_HEADER = "X-Anbiao-Outbox"


@bp.get("/offline")
def page():
    # The same for everyone and cached by the service worker at install: nothing personal on it. Rendered without
    # the context processors, which load the user and so re-sign the session cookie: this request starts in the
    # background on the sign-in page, and its answer arriving after the sign-in's would sign the person out.
    html = current_app.jinja_env.get_template("offline.html").render(url_for=url_for)
    return Response(html, mimetype="text/html")


@bp.get("/sw.js")
def service_worker():
    assets = current_app.extensions["assets"]
    names = [name for name in assets.cacheable() if name != "offline/sw.js"]  # itself, served here
    precache = [url_for("static", filename=name) for name in names]
    source = (OFFLINE / "sw.js").read_text(encoding="utf-8")
    template = Path(current_app.template_folder, "offline.html").read_text(encoding="utf-8")
    # The same bytes for every request of a release (a browser takes any change as a new worker): the worker,
    # the offline page's template and the hashed name of every file it keeps.
    version = hashlib.sha256("\n".join([source, template, *(assets.url_name(n) for n in names)]).encode())
    script = (f"const VERSION = {json.dumps(version.hexdigest()[:12])};\n"
              f"const PRECACHE = {json.dumps(precache)};\n"
              f"const OUTBOX_SCRIPT = {json.dumps(url_for('static', filename='offline/outbox.js'))};\n{source}")
    # Browsers look for a new worker at each visit; no-cache makes them ask this server, not a cache.
    return Response(script, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/manifest.webmanifest")
def manifest():
    icon = lambda name, size, purpose="any": {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png",
        "purpose": purpose}
    body = {
        "name": "安标巡检：安全生产标准化现场应用", "short_name": "安标巡检", "lang": "zh-CN",
        "description": "岗位卡片、车间表册、检查清单，隐患整改验收闭环；车间里没有信号也能填写，有网时自动同步。",
        "start_url": "/", "scope": "/", "display": "standalone", "theme_color": "#0b5cab",
        "background_color": "#ffffff",
        "icons": [icon("icon-192.png", 192), icon("icon-512.png", 512), icon("maskable-512.png", 512, "maskable")],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})


@bp.get("/outbox")
@login_required
def outbox():
    # The list itself lives on the phone (IndexedDB); offline/pending.js draws it into this page.
    return render_template("outbox.html")


@bp.get("/outbox/token")
@login_required
def token():
    """A fresh CSRF token before a replay, and whose session this is (items go only with their owner)."""
    return jsonify(user=str(current_user["id"]), token=generate_csrf())


@bp.after_app_request
def answer_replay(response):
    """A replay from the outbox is answered as data: 401 when signed out (the items wait), and for a saved
    submission its record and how many of its photos the server holds, so the phone forgets it only then."""
    if not request.headers.get(OUTBOX_HEADER) or not 300 <= response.status_code < 400:
        return response
    location = response.headers.get("Location") or ""
    if urlsplit(location).path == url_for("auth.login"):
        signed_out = jsonify(signed_out=True)
        signed_out.status_code = 401
        return signed_out
    if request.method != "POST":
        return response
    held, sent = photos.held(db.get(), request.files)
    # The record's page is never opened, so the success message meant for it must not wait in the session.
    session.pop("_flashes", None)
    return jsonify(saved=True, location=location, photos=held, sent=sent)
