"""The monthly report forms 附件3 and 附件4: filled from the data, frozen when submitted, as xlsx."""

from flask import Blueprint

bp = Blueprint("monthly_reports", __name__)
