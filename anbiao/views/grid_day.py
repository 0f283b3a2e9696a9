"""The grid worker's day: today's plan from the grid's due list, 四不两直 visits and 复查."""

from flask import Blueprint

bp = Blueprint("grid_day", __name__)
