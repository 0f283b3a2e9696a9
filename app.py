"""The Flask application of 安标巡检: `create_app()` and the `app` that servers load."""

import os
import secrets
from pathlib import Path

from flask import Flask, render_template, request, send_from_directory, session
from flask_compress import Compress
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from anbiao import accounts, assets, cli, db, idempotency, overview, storage, throttle
from anbiao.views import register
from anbiao.web import csrf, install, login_manager

ROOT = Path(__file__).resolve().parent
# Only this site's own files run or load: no inline script, no inline style, no other origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"), ("Content-Security-Policy", CSP)]


def _secret_key(instance: Path) -> str:
    """The signing key: from the environment, else made once and kept beside the database."""
    if os.environ.get("ANBIAO_SECRET_KEY"):
        return os.environ["ANBIAO_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests pass DATABASE and friends)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"))
    instance = Path(app.instance_path)
    secure = os.environ.get("ANBIAO_SECURE_COOKIES", "1") != "0"
    app.config.update(
        DATABASE=os.environ.get("ANBIAO_DB", str(instance / "anbiao.db")),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 14,
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * 30,
        WTF_CSRF_TIME_LIMIT=60 * 60 * 12,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        LOGIN_LIMIT=os.environ.get("ANBIAO_LOGIN_LIMIT", "5 per minute;30 per hour"),
        LOGIN_ADDRESS_LIMIT=os.environ.get("ANBIAO_LOGIN_ADDRESS_LIMIT", "60 per minute"),
        # The public's reports from a sign's QR page: a person reports a few things, a script is stopped.
        REPORT_ADDRESS_LIMIT=os.environ.get("ANBIAO_REPORT_ADDRESS_LIMIT", "5 per 10 minutes;20 per day"),
        REPORT_SIGN_LIMIT=os.environ.get("ANBIAO_REPORT_SIGN_LIMIT", "30 per day"),
        REPORT_LOOKUP_LIMIT=os.environ.get("ANBIAO_REPORT_LOOKUP_LIMIT", "30 per 10 minutes"),
        RATELIMIT_STORAGE_URI=os.environ.get("ANBIAO_RATELIMIT_STORAGE"),
        # The address QR labels print (https://…): labels stay on walls for years, so it is set once, not guessed.
        PUBLIC_URL=os.environ.get("ANBIAO_PUBLIC_URL"),
        # Photos in S3-compatible object storage when ANBIAO_S3_BUCKET (and its endpoint, keys, region) is set.
        S3=storage.s3_settings(),
        # How many reverse proxies (nginx…) stand in front: their X-Forwarded-For then names the phone, so the
        # limits per address count each phone, not the proxy. 0 when gunicorn faces the phones itself.
        PROXIES=int(os.environ.get("ANBIAO_PROXIES", "0")),
        # Seconds a page lets a period boundary pass before it refreshes the overview itself (a background
        # refresher, when running, does it at the boundary; see overview.refresh).
        OVERVIEW_GRACE=120 if os.environ.get("ANBIAO_REFRESHER") == "1" else 0,
    )
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    db.configure(app.config["DATABASE"])
    storage.configure(app.config.get("PHOTO_DIR") or Path(app.config["DATABASE"]).parent / "photos",
                      s3=app.config.get("S3"))

    # Phones on weak 4G get pages, CSS and scripts compressed (brotli, else gzip); photos and spreadsheets
    # already are. Installed first so that it runs last, on the response every other hook has finished.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/manifest+json", "image/svg+xml", "text/plain"])
    Compress(app)
    if app.config["PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"], x_proto=app.config["PROXIES"],
                                x_host=app.config["PROXIES"])
    assets.init_app(app, {"offline": ROOT / "offline"})
    csrf.init_app(app)
    # Sign-in counts live beside the database, so every worker of this server shares them.
    throttle.configure(app.config["RATELIMIT_STORAGE_URI"]
                       or f"sqlite://{Path(app.config['DATABASE']).resolve().parent / 'ratelimits.db'}")
    login_manager.init_app(app)
    login_manager.user_loader(lambda user_id: accounts.load(db.get(), user_id))
    register(app)
    install(app)
    cli.register(app)
    if os.environ.get("ANBIAO_REFRESHER") == "1":
        overview.keep_fresh(app.logger)

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        # submit.js sees the header, fetches a fresh token and sends the same submission again by itself.
        page = render_template("error.html", title="页面已过期",
                               message="页面停留太久，安全校验已过期，本次未保存。请点浏览器“返回”，重新提交。")
        return page, 400, {"X-CSRF-Expired": "1"}

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    @app.errorhandler(429)
    @app.errorhandler(500)
    def http_error(error):
        code = getattr(error, "code", 500)
        messages = {
            400: ("请求有误", "提交的内容不完整或格式不对，请返回重试。"),
            403: ("没有权限", "您的账号不能进行这项操作。"),
            404: ("找不到页面", "该页面不存在，或不在您的查看范围内。"),
            405: ("操作方式不对", "请从页面上的按钮进行操作。"),
            413: ("文件太大", "上传的文件太大，请压缩后重试（不超过 20 MB）。"),
            429: ("操作太频繁", "尝试次数过多，请稍等几分钟再试。"),
            500: ("系统出错", "系统出了点问题，您填写的内容没有保存，请稍后重试。"),
        }
        title, message = messages.get(code, messages[500])
        return render_template("error.html", title=title, message=message), code

    @app.errorhandler(storage.StorageError)
    def store_unreachable(error):
        # Nothing was written (the photos go first, inside the record's transaction); the phone's outbox keeps the
        # submission and sends it again after its back-off, as for any 5xx.
        app.logger.warning("photo store: %s", error.__cause__ or error)
        return render_template("error.html", title="照片存储暂时不可用", message=str(error)), 503, {"Retry-After": "60"}

    app.before_request(lambda: idempotency.before(db.get()))
    app.after_request(lambda response: idempotency.after(db.get(), response))
    app.register_error_handler(idempotency.Twin, lambda error: idempotency.answer_twin(db.get()))

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=60 * 60 * 24 * 7)

    @app.after_request
    def headers(response):
        # Submissions sent in a row (an outbox emptying) would pile flashes into the cookie past 4 KB.
        if len(session.get("_flashes", ())) > 3:
            session["_flashes"] = session["_flashes"][-3:]
        if request.endpoint in ("static", "favicon") and response.mimetype != "image/svg+xml":
            # A script, style or picture is no document: the document's headers would cost a phone ~0.3 KB a file
            # on first load, a dozen files on a form's page.
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response
        # Pages that htmx may fetch as fragments must not be cached as whole pages, nor vice versa.
        response.vary.add("HX-Request")
        # No view sets these itself: added in one step (five lookups in the headers cost a cheap page a tenth).
        response.headers.extend(SECURITY_HEADERS)
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


app = create_app()
