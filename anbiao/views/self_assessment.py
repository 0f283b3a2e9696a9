"""Self-assessment against GB/T 33000's eight elements, its evidence, hazards and the printable 自评报告."""

from flask import Blueprint

bp = Blueprint("self_assessment", __name__)
