"""The four-colour risk map (四色安全风险空间分布图): upload a plan, place points and zones, print A4 landscape."""

from flask import Blueprint

bp = Blueprint("risk_maps", __name__)
