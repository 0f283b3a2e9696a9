"""Shared web plumbing: the extensions and the small helpers every view uses."""

from flask import flash, redirect, request, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "basic"  # phones change IP between 4G and Wi-Fi


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


def phone_time(client_time) -> str:
    """The phone's own time of a record, read in Beijing time to the second: '11月22日 20:03:15'."""
    from datetime import datetime

    from .due import TZ

    try:
        moment = datetime.fromisoformat((client_time or "").replace("Z", "+00:00"))
    except ValueError:
        return "—"
    if moment.tzinfo is None:
        return "—"  # a time with no zone cannot be placed; the form always sends one
    moment = moment.astimezone(TZ)
    # A phone whose clock is in another year says so; otherwise the year is noise.
    year = f"{moment.year}年" if moment.year != datetime.now(TZ).year else ""
    return f"{year}{moment.month}月{moment.day}日 {moment:%H:%M:%S}"


def clock_gap(client_time, server_time) -> str:
    """How far the phone's clock was from the server's, in words; empty when within two minutes."""
    from datetime import datetime

    try:
        phone = datetime.fromisoformat((client_time or "").replace("Z", "+00:00"))
        server = datetime.fromisoformat(server_time)
        seconds = (phone - server).total_seconds()
    except (ValueError, TypeError):
        return ""
    if abs(seconds) <= 120:
        return ""
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if abs(seconds) >= size:
            amount = round(abs(seconds) / size)
            return f"手机时钟比服务器{'快' if seconds > 0 else '慢'} {amount} {unit}"
    return ""


def install(app) -> None:
    """Template filters and the labels every page may use."""
    from . import library, risk

    app.add_template_filter(when)
    app.add_template_filter(deadline)
    app.add_template_filter(clock_gap)
    app.add_template_filter(phone_time)
    app.context_processor(lambda: {"FREQ": library.FREQUENCIES, "TIERS": library.TIERS})
    app.jinja_env.globals["new_key"] = new_key  # globals reach imported form macros
    app.jinja_env.globals["RISK_COLOURS"] = risk.COLOUR_NAMES


def place_from(form) -> dict:
    """The phone's time and GPS fix sent with a submission; anything malformed is dropped, never trusted."""
    def number(name, low, high):
        try:
            value = float(form.get(name) or "")
        except ValueError:
            return None
        return value if low <= value <= high else None

    client_time = (form.get("client_time") or "").strip()[:40]
    try:
        from datetime import datetime

        datetime.fromisoformat(client_time.replace("Z", "+00:00"))
    except ValueError:
        client_time = None
    return {"client_time": client_time, "latitude": number("latitude", -90, 90),
            "longitude": number("longitude", -180, 180), "accuracy": number("accuracy", 0, 100_000)}


def new_key() -> str:
    """An idempotency key for a form being opened."""
    import uuid

    return uuid.uuid4().hex
