"""Dashboards for supervisors and towns: coverage, overdue, supervised hazards, colours, standardization, 六有, 5S."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
