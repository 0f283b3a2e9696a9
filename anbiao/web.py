"""Shared web plumbing: the extensions and the small helpers every view uses."""

from flask import current_app, flash, redirect, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "strong"


def login_limit() -> str:
    """The sign-in throttle, from the configuration."""
    return current_app.config["LOGIN_LIMIT"]


def login_key() -> str:
    """Throttle sign-in per address and per account name, so one phone cannot lock out a whole site."""
    return f"{get_remote_address()}|{(request.form.get('username') or '').strip().lower()}"


def is_htmx() -> bool:
    """Whether htmx asked for a fragment."""
    return request.headers.get("HX-Request") == "true"


def done(message: str, endpoint: str, **values):
    """Flash a success message and go on (POST → redirect → GET)."""
    flash(message, "ok")
    return redirect(url_for(endpoint, **values))


def when(moment) -> str:
    """A Shanghai time as people read it: '11月22日 20:00'."""
    if moment is None:
        return "—"
    from .due import TZ, as_local

    moment = as_local(moment) if isinstance(moment, str) else moment.astimezone(TZ)
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def install(app) -> None:
    """Template filters and the labels every page may use."""
    from . import library

    app.add_template_filter(when)
    app.context_processor(lambda: {"FREQ": library.FREQUENCIES, "TIERS": library.TIERS})
