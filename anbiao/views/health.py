"""运行状况: the operator's page of the server's health (anbiao/health.py measures it)."""

from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from .. import db, health, scope
from ..due import local_now

bp = Blueprint("health", __name__)


@bp.get("/system")
@login_required
def index():
    scope.require(scope.may_see_health(current_user))
    config = current_app.config
    path = Path(config["DATABASE"])
    folder = Path(config.get("PHOTO_DIR") or path.parent / "photos")
    parts = health.report(db.get(), path, config.get("S3"), folder, health.record_path(path),
                          local_now())
    return render_template("health.html", parts=parts, now=local_now())
