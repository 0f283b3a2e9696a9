"""双随机 draws: enterprises and inspectors drawn with a recorded seed, their tasks and results."""

from flask import Blueprint

bp = Blueprint("draws", __name__)
