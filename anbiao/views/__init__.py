"""The web views, one blueprint per part of the domain; each view is thin."""

from . import (
    audit,
    auth,
    checklists,
    enterprises,
    hazards,
    home,
    inspections,
    library,
    offline,
    people,
    prepare,
    signs,
    units,
)


def register(app) -> None:
    """Attach every blueprint."""
    for module in (auth, home, enterprises, units, checklists, inspections, hazards, library, people, audit,
                   offline, prepare, signs):
        app.register_blueprint(module.bp)
