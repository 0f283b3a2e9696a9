"""告知书 and 承诺书: printed per enterprise, delivery and signature recorded, the towns' missing lists."""

from flask import Blueprint

bp = Blueprint("papers", __name__)
