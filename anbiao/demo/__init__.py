"""Demo data that shows the product: two enterprises in two grids, their people, checklists and history.

Only for `make run` on a new database and for tests; production start never calls it.
"""

import random
from datetime import UTC, timedelta

from .. import credit_code, due, enterprises, units
from ..db import one
from .government import (
    draw_inspections,
    government_finding,
    list_supervisions,
    monthly_report,
    papers_and_enforcement,
    reverify_draw,
    standardization,
)
from .loop import hazard_loop
from .walls import assess_risk_points, draw_risk_maps, plan_image, put_up_signs, score_five_s
from .world import ENTERPRISES, GRIDS, PASSWORD, backdate, grid_visits, history, setup_checklists, users

__all__ = ["PASSWORD", "load", "plan_image"]


def load(db, seed: int = 2024) -> None:
    """Fill a new database with the demo world; everything in one transaction."""
    rng = random.Random(seed)
    current = due.local_now()
    with db.atomic():
        grid_ids = [db.execute("INSERT INTO grids (name, county, township) VALUES (?,?,?)", g).lastrowid
                    for g in GRIDS]
        ent_ids = []
        for spec in ENTERPRISES:
            raw = {k: v for k, v in spec.items() if k not in ("code17", "units")}
            raw["credit_code"] = spec["code17"] + credit_code.check_char(spec["code17"])
            values, errors = enterprises.clean(db, raw)
            assert not errors, errors
            enterprise_id = enterprises.create(db, values, None)
            ent_ids.append(enterprise_id)
            for workshop, posts in spec["units"].items():
                workshop_id = units.add(db, enterprise_id, "workshop", workshop)
                for post in posts:
                    units.add(db, enterprise_id, "post", post, workshop_id)
        people = users(db, grid_ids, ent_ids)
        visits = {ent_ids[0]: ("grid1", (40, 12)), ent_ids[1]: ("grid2", (33,))}
        for enterprise_id in ent_ids:
            ent = one(db, "SELECT * FROM enterprises WHERE id = ?", (enterprise_id,))
            setup_checklists(db, ent, people, rng)
            grid_user, days_ago = visits[enterprise_id]
            grid_visits(db, ent, people[grid_user], days_ago, rng, current)
        backdate(db, (current - timedelta(days=45)).astimezone(UTC).isoformat(timespec="seconds"))
        for enterprise_id in ent_ids:
            history(db, one(db, "SELECT * FROM enterprises WHERE id = ?", (enterprise_id,)), people, rng, current)
        hazard_loop(db, ent_ids, people, current)
        put_up_signs(db, ent_ids, people)
        score_five_s(db, ent_ids, people, current)
        assess_risk_points(db, ent_ids, people)
        draw_risk_maps(db, ent_ids, people)
        standardization(db, ent_ids, people, current)
        reverify_draw(db, people, current)
        draw_inspections(db, people, rng, current)
        list_supervisions(db, people, current)
        papers_and_enforcement(db, ent_ids, people, current)
        monthly_report(db, people, current)
        government_finding(db, ent_ids, people, current)
