"""The government's 达标 grading and 星级评定 records, and the ledgers made from them."""

from flask import Blueprint

bp = Blueprint("gradings", __name__)
