"""The web views, one blueprint per part of the domain; each view is thin."""

from . import (
    audit,
    auth,
    checklists,
    dashboard,
    draws,
    enforcement,
    enterprise_colour,
    enterprises,
    five_s,
    gradings,
    grid_day,
    hazards,
    health,
    home,
    inspections,
    library,
    monthly_reports,
    offline,
    papers,
    people,
    prepare,
    public_reports,
    reverify,
    risk_maps,
    risk_points,
    scanner,
    self_assessment,
    sign_forms,
    sign_print,
    signs,
    supervision,
    units,
)


def register(app) -> None:
    """Attach every blueprint."""
    for module in (auth, home, health, enterprises, units, checklists, inspections, hazards, library, people, audit,
                   offline, prepare, signs, public_reports, scanner, sign_print,
                   sign_forms, risk_points, risk_maps, enterprise_colour, five_s, grid_day, draws, papers, enforcement,
                   self_assessment, gradings, reverify, supervision, dashboard, monthly_reports):
        app.register_blueprint(module.bp)
