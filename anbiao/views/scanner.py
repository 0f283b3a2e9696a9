"""扫一扫: the in-app scanner. The camera and the decoding run on the phone (static/scan.js); a decoded label opens
its /q/<token> page on this origin, so the service worker can answer it from the phone when there is no signal."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("scanner", __name__)


@bp.get("/scan")
@login_required
def page():
    return render_template("scan.html")
