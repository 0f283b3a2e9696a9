"""The enterprise's overall colour: its reasons and history, and a supervisor's 整体评估 with a written reason."""

from flask import Blueprint

bp = Blueprint("enterprise_colour", __name__)
