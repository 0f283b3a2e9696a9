"""Enforcement actions recorded against an enterprise (罚款, 约谈…), which the monthly report counts."""

from flask import Blueprint

bp = Blueprint("enforcement", __name__)
