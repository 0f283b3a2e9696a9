"""回头看: re-verification of closed hazards drawn at random, and the government's look-back items."""

from flask import Blueprint

bp = Blueprint("reverify", __name__)
