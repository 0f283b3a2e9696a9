"""The PWA layer's addresses: the service worker at /sw.js, the web app manifest, and the offline page."""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for

bp = Blueprint("offline", __name__)

OFFLINE = Path(__file__).resolve().parents[2] / "offline"


@bp.get("/offline")
def page():
    # The same for everyone and cached by the service worker at install: nothing personal on it.
    return render_template("offline.html")


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
              f"const PRECACHE = {json.dumps(precache)};\n{source}")
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
