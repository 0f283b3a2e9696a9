"""The web views, one blueprint per part of the domain; each view is thin."""

from . import (
    audit,
    auth,
    checklists,
    enterprise_colour,
    enterprises,
    five_s,
    hazards,
    home,
    inspections,
    library,
    offline,
    people,
    prepare,
    public_reports,
    risk_maps,
    risk_points,
    scanner,
    sign_forms,
    sign_print,
    signs,
    units,
)


def register(app) -> None:
    """Attach every blueprint."""
    for module in (auth, home, enterprises, units, checklists, inspections, hazards, library, people, audit,
                   offline, prepare, signs, public_reports, scanner, sign_print,
                   sign_forms, risk_points, risk_maps, enterprise_colour, five_s):
        app.register_blueprint(module.bp)
