"""5S scoring (整理 整顿 清扫 清洁 素养) per post and person: score, latest, trend and ranking."""

from flask import Blueprint

bp = Blueprint("five_s", __name__)
