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
login_manager.session_protection = "basic"  # phones change IP between 4G and Wi-Fi


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


def deadline(moment) -> str:
    """A period end as people say it: a midnight end is the whole previous day ('11月30日'), else the time."""
    from datetime import timedelta

    if moment.hour == 0 and moment.minute == 0:
        day = moment - timedelta(days=1)
        return f"{day.month}月{day.day}日"
    return when(moment)


def install(app) -> None:
    """Template filters and the labels every page may use."""
    from . import library

    app.add_template_filter(when)
    app.add_template_filter(deadline)
    app.context_processor(lambda: {"FREQ": library.FREQUENCIES, "TIERS": library.TIERS})
