"""离线准备: the pages the home page's button makes ready on this phone for today (offline/prepare.js)."""

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify
from flask_login import current_user, login_required

from .. import db, due, prepare

bp = Blueprint("prepare", __name__)


@bp.post("/offline/prepare")
@login_required
def today():
    # A POST: a grid worker's first visit of the period makes the enterprise's grid guide on the way.
    now = due.local_now()
    pages = prepare.for_today(db.get(), current_user, now, grace=current_app.config["OVERVIEW_GRACE"])
    return jsonify(at=now.isoformat(timespec="seconds"), pages=[asdict(page) for page in pages])
