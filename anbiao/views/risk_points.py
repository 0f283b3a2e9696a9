"""Risk points: the register per enterprise, 新增/重新评估/撤销, history, and the xlsx import."""

from flask import Blueprint

bp = Blueprint("risk_points", __name__)
