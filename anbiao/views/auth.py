"""Sign in and out, and change one's own password."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .. import accounts, db, throttle

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a path on this site after signing in (no open redirect)."""
    home = url_for("home.index")
    # Browsers drop tabs and newlines inside addresses ("/\t/evil" becomes "//evil"), so any is refused.
    if not target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    return target


def keep_signed_in(conn, user_id: int) -> None:
    """Sign the current person in again after their own sessions were ended, keeping remember-me if they had it."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    user = accounts.load(conn, accounts.session_of(conn, user_id))
    if user:
        login_user(user, remember=remembered)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    if request.method == "POST":
        if not throttle.sign_in_allowed():
            abort(429)
        user = accounts.authenticate(db.get(), request.form.get("username"), request.form.get("password"))
        if user:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")))
        flash("用户名或密码不正确", "error")
        return render_template("login.html", username=request.form.get("username", "")[:100]), 401
    return render_template("login.html", username="")


@bp.post("/logout")
@login_required
def logout():
    # Signing out ends every session of the account, on every phone, remember-me included.
    conn = db.get()
    with conn.atomic():
        accounts.end_sessions(conn, current_user["id"])
    logout_user()
    flash("已退出登录", "ok")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    error = None
    if request.method == "POST":
        conn, form = db.get(), request.form
        try:
            accounts.change_own_password(conn, current_user, form.get("current"), form.get("new"), form.get("again"))
        except ValueError as exc:
            error = str(exc)
        else:
            keep_signed_in(conn, current_user["id"])
            flash("密码已修改，其他设备上的登录已退出", "ok")
            return redirect(url_for("home.index"))
    return render_template("password.html", error=error, minimum=accounts.MIN_PASSWORD,
                           maximum=accounts.MAX_PASSWORD), (422 if error else 200)
