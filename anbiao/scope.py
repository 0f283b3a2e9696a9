"""The one place that decides what a user may see and change.

Everything outside a user's scope is answered as if it did not exist (404), so that
ids cannot be probed.
"""

from flask import abort

from .db import one, rows

ROLES = {
    "admin": "系统管理员",
    "supervisor": "监管人员",
    "grid_worker": "网格员",
    "manager": "企业负责人",
    "workshop_head": "车间主任",
    "team_leader": "班组长",
}
GOVERNMENT = ("admin", "supervisor", "grid_worker")
ENTERPRISE_STAFF = ("manager", "workshop_head", "team_leader")


def enterprise_where(user) -> tuple[str, list]:
    """SQL condition on `enterprises e` (joined with `grids g`) for the enterprises a user sees."""
    role = user["role"]
    if role == "admin":
        return "1", []
    if role == "supervisor":
        parts, params = ["1"], []
        if user.get("scope_industry"):
            parts.append("e.industry = ?")
            params.append(user["scope_industry"])
        if user.get("scope_county"):
            parts.append("g.county = ?")
            params.append(user["scope_county"])
        if user.get("scope_township"):  # a town's (乡镇、街道) 安办 sees only its own town
            parts.append("g.township = ?")
            params.append(user["scope_township"])
        return " AND ".join(parts), params
    if role == "grid_worker":
        return "e.grid_id = ?", [user["grid_id"]]
    return "e.id = ?", [user["enterprise_id"]]


def enterprises(db, user) -> list[dict]:
    """The enterprises a user sees, by name."""
    where, params = enterprise_where(user)
    return rows(
        db,
        f"SELECT e.*, g.name AS grid_name FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id "
        f"WHERE {where} ORDER BY e.name",
        params,
    )


def drawn_to(db, user, enterprise_id) -> bool:
    """Whether a 双随机 draw sends a government user to an enterprise (a task not called off), wherever it lies."""
    if user["role"] not in ("supervisor", "grid_worker"):
        return False
    return bool(one(db, "SELECT 1 AS x FROM inspection_tasks WHERE inspector_id = ? AND enterprise_id = ?"
                        " AND cancelled_at IS NULL", (user["id"], enterprise_id)))


def enterprise(db, user, enterprise_id) -> dict:
    """One enterprise the user sees (in their territory, or drawn to it), or 404."""
    where, params = enterprise_where(user)
    select = "SELECT e.*, g.name AS grid_name FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id WHERE e.id = ?"
    found = one(db, f"{select} AND ({where})", [enterprise_id, *params])
    # A drawn inspector sees the one enterprise they are sent to, never the lists and figures of its territory.
    if not found and drawn_to(db, user, enterprise_id):
        found = one(db, select, (enterprise_id,))
    if not found:
        abort(404)
    return found


def sees_enterprise(db, user, enterprise_id) -> bool:
    """Whether a user sees an enterprise (as `enterprise` would answer it, without the 404)."""
    where, params = enterprise_where(user)
    sql = f"SELECT 1 AS x FROM enterprises e LEFT JOIN grids g ON g.id = e.grid_id WHERE e.id = ? AND ({where})"
    return bool(one(db, sql, [enterprise_id, *params])) or drawn_to(db, user, enterprise_id)


def unit_ids(db, user) -> set[int] | None:
    """The units a user is confined to inside their enterprise; None means all units."""
    if user["role"] == "team_leader":
        return {user["unit_id"]}
    if user["role"] == "workshop_head":
        below = rows(db, "SELECT id FROM units WHERE parent_id = ?", (user["unit_id"],))
        return {user["unit_id"], *(r["id"] for r in below)}
    return None


def sees_unit(db, user, unit_id) -> bool:
    """Whether a user may see a unit of an enterprise they already see."""
    allowed = unit_ids(db, user)
    return allowed is None or unit_id in allowed


def _seen(db, user, found, visible: bool) -> dict:
    """A record of an enterprise the user sees, when it is `visible` to them; else 404."""
    if not found or not visible:
        abort(404)
    enterprise(db, user, found["enterprise_id"])
    return found


def unit(db, user, unit_id) -> dict:
    """One unit the user sees, or 404."""
    found = one(db, "SELECT * FROM units WHERE id = ?", (unit_id,))
    return _seen(db, user, found, bool(found) and sees_unit(db, user, unit_id))


def sees_checklist(db, user, checklist) -> bool:
    """Whether a user may see an enterprise's checklist."""
    allowed = unit_ids(db, user)
    if allowed is None:
        return True
    # Confined users see their own units' checklists and the ones those were derived from.
    if checklist["unit_id"] in allowed:
        return True
    return checklist["tier"] in ("enterprise", "workshop") and _is_ancestor_of_own(db, checklist, allowed)


def _is_ancestor_of_own(db, checklist, allowed) -> bool:
    marks = ",".join("?" * len(allowed))
    found = one(
        db,
        f"WITH RECURSIVE up(id, parent_id) AS ("
        f" SELECT id, parent_id FROM checklists WHERE unit_id IN ({marks})"
        f" UNION SELECT c.id, c.parent_id FROM checklists c JOIN up ON c.id = up.parent_id)"
        f" SELECT 1 FROM up WHERE id = ?",
        [*allowed, checklist["id"]],
    )
    return bool(found)


def checklist(db, user, checklist_id) -> dict:
    """One checklist the user sees, or 404."""
    found = one(db, "SELECT * FROM checklists WHERE id = ?", (checklist_id,))
    if not found:
        abort(404)
    enterprise(db, user, found["enterprise_id"])
    if not sees_checklist(db, user, found):
        abort(404)
    return found


def sees_inspection(db, user, inspection) -> bool:
    """An inspection is seen with its unit, as hazards are; its inspector always sees it."""
    if inspection["inspector_id"] == user["id"]:
        return True
    allowed = unit_ids(db, user)
    return allowed is None or inspection["unit_id"] in allowed


def inspection(db, user, inspection_id) -> dict:
    """One inspection the user sees (with its checklist in view), or 404."""
    found = one(db, "SELECT * FROM inspections WHERE id = ?", (inspection_id,))
    if not found:
        abort(404)
    checklist(db, user, found["checklist_id"])
    if not sees_inspection(db, user, found):
        abort(404)
    return found


def inspection_where(db, user) -> tuple[str, list]:
    """SQL condition on `inspections i` for the inspections a user sees inside a checklist they see."""
    allowed = unit_ids(db, user)
    if allowed is None:
        return "1", []
    marks = ",".join("?" * len(allowed)) or "NULL"
    return f"(i.unit_id IN ({marks}) OR i.inspector_id = ?)", [*allowed, user["id"]]


def may_edit_enterprise(user, ent) -> bool:
    """Who may change an enterprise's file: admins, supervisors in scope, its own manager."""
    return user["role"] in ("admin", "supervisor") or (
        user["role"] == "manager" and user["enterprise_id"] == ent["id"]
    )


def may_create_enterprises(user) -> bool:
    """Who may enrol enterprises (摸清底数): government accounts above the grid."""
    return user["role"] in ("admin", "supervisor")


def may_manage_checklists(db, user, ent, unit_id=None) -> bool:
    """Who may adopt, adapt and derive checklists: the manager for all, a head for their posts' cards."""
    if user["role"] == "admin":
        return True
    if user["role"] == "manager":
        return user["enterprise_id"] == ent["id"]
    if user["role"] == "workshop_head" and unit_id is not None and unit_id != user["unit_id"]:
        return user["enterprise_id"] == ent["id"] and unit_id in (unit_ids(db, user) or ())
    return False


def may_manage_checklist(db, user, checklist) -> bool:
    """Who may change one checklist: the grid guide kept at an enterprise is the government's, not theirs."""
    if checklist["tier"] == "grid":
        return user["role"] == "admin"
    ent = {"id": checklist["enterprise_id"]}
    return may_manage_checklists(db, user, ent, checklist["unit_id"])


def may_fill(db, user, checklist) -> bool:
    """Who fills a checklist: the people of its unit and those above them; grid workers the grid guide."""
    if checklist["tier"] == "grid":
        return may_fill_grid_guide(db, user, checklist["enterprise_id"])
    if user["role"] not in ENTERPRISE_STAFF or user["enterprise_id"] != checklist["enterprise_id"]:
        return False
    if checklist["responsible_user_id"] == user["id"] or user["role"] == "manager":
        return True
    allowed = unit_ids(db, user)
    return checklist["unit_id"] is not None and checklist["unit_id"] in allowed


def may_fill_grid_guide(db, user, enterprise_id) -> bool:
    """Who inspects an enterprise with the grid guide (and plans the visit): the grid worker of its grid, and any
    government user a 双随机 draw sends there."""
    own = user["role"] == "grid_worker" and bool(
        one(db, "SELECT 1 AS x FROM enterprises WHERE id = ? AND grid_id = ?", (enterprise_id, user["grid_id"])))
    return own or drawn_to(db, user, enterprise_id)


def sees_hazard(db, user, hazard) -> bool:
    """A hazard is seen with its unit; its reporter and owner always see it."""
    if user["id"] in (hazard["reported_by"], hazard["owner_id"]):
        return True
    if not sees_enterprise(db, user, hazard["enterprise_id"]):
        return False
    allowed = unit_ids(db, user)
    return allowed is None or hazard["unit_id"] in allowed


def hazard(db, user, hazard_id) -> dict:
    """One hazard the user sees, or 404."""
    from . import hazards

    found = hazards.get(db, hazard_id)
    if not found or not sees_hazard(db, user, found):
        abort(404)
    return found


def may_assign(db, user, hazard) -> bool:
    """Who sets the 四定: the enterprise's manager, the head of the hazard's workshop, an admin."""
    if user["role"] == "admin":
        return True
    if user["role"] == "manager":
        return user["enterprise_id"] == hazard["enterprise_id"]
    if user["role"] == "workshop_head":
        return user["enterprise_id"] == hazard["enterprise_id"] and hazard["unit_id"] in unit_ids(db, user)
    return False


def may_rectify(db, user, hazard) -> bool:
    """The owner reports the fix (or whoever may assign it, when the owner cannot)."""
    return hazard["owner_id"] == user["id"] or may_assign(db, user, hazard)


def may_verify(db, user, hazard) -> bool:
    """Who may accept a fix: those who may assign it; government users for hazards government found
    (复查 of their own findings); never the rectifier."""
    if hazard["rectified_by"] == user["id"]:
        return False
    if user["role"] in ("grid_worker", "supervisor"):
        return hazard["reporter_role"] in GOVERNMENT and sees_hazard(db, user, hazard)
    return may_assign(db, user, hazard)


def require(condition: bool) -> None:
    """Answer 403 with the Chinese page when a seen thing may not be changed."""
    if not condition:
        abort(403)


def library_where(user) -> tuple[str, list]:
    """SQL condition on `library_docs d` for the library documents a user may read."""
    # A team leader can use only the post cards of their enterprise's industry (or general ones);
    # the rest of the library is noise on the shop floor, so for them it does not exist.
    if user["role"] != "team_leader":
        return "1", []
    return ("d.kind = 'checklist' AND d.tier = 'post' AND d.industry IN"
            " ((SELECT industry FROM enterprises WHERE id = ?), '通用')", [user["enterprise_id"]])


def library_docs(db, user) -> list[dict]:
    """Every version of the library documents a user may read, with item counts and the newest version."""
    where, params = library_where(user)
    return rows(
        db,
        "SELECT d.*, (SELECT COUNT(*) FROM library_items i WHERE i.doc_id = d.id) AS item_count,"
        " (SELECT MAX(version) FROM library_docs x WHERE x.code = d.code) AS latest"
        f" FROM library_docs d WHERE {where} ORDER BY d.kind, d.industry, d.code, d.version DESC",
        params,
    )


def sees_library_doc(db, user, doc) -> bool:
    """Whether a user may read one library document."""
    where, params = library_where(user)
    return bool(one(db, f"SELECT 1 AS x FROM library_docs d WHERE d.id = ? AND ({where})", [doc["id"], *params]))


def library_doc(db, user, doc_id) -> dict:
    """One library document the user may read, or 404."""
    found = one(db, "SELECT * FROM library_docs WHERE id = ?", (doc_id,))
    if not found or not sees_library_doc(db, user, found):
        abort(404)
    return found


# An audit entry belongs to the enterprise of the record it is about; records with no enterprise
# (grids, government accounts) belong to none and only admins read them.
AUDIT_RECORDS = {"unit": "units", "user": "users", "checklist": "checklists", "inspection": "inspections",
                 "hazard": "hazards", "sign": "signs", "risk_point": "risk_points", "risk_map": "risk_maps"}


def audit_enterprise(db, entity: str, entity_id) -> int | None:
    """The enterprise an audit entry is attributed to, looked up when it is written."""
    if entity == "enterprise":
        return entity_id
    table = AUDIT_RECORDS.get(entity)
    if table is None or entity_id is None:
        return None
    found = one(db, f"SELECT enterprise_id FROM {table} WHERE id = ?", (entity_id,))
    return found["enterprise_id"] if found else None


def may_read_audit(user) -> bool:
    """Who reads the audit log: admins all of it, managers their own enterprise's part."""
    return user["role"] in ("admin", "manager")


def audit_where(user) -> tuple[str, list]:
    """SQL condition on `audit_log a` for the entries a user reads; 403 for anyone else."""
    require(may_read_audit(user))
    if user["role"] == "admin":
        return "1", []
    return "a.enterprise_id = ?", [user["enterprise_id"]]


def sees_sign(db, user, sign) -> bool:
    """Whether a user sees a sign of an enterprise they already see: a leader their post's, a head their workshop's."""
    return sees_unit(db, user, sign["unit_id"])


def holds_sign(db, user, sign) -> bool:
    """Whether a signed-in person's scope holds a scanned sign: its enterprise and its unit."""
    return sees_enterprise(db, user, sign["enterprise_id"]) and sees_sign(db, user, sign)


def sign(db, user, sign_id) -> dict:
    """One sign the user sees inside the app, or 404 (anyone may still read its public notice by scanning it)."""
    found = one(db, "SELECT * FROM signs WHERE id = ?", (sign_id,))
    return _seen(db, user, found, bool(found) and sees_sign(db, user, found))


def may_manage_signs(db, user, ent, unit_id=None) -> bool:
    """Who records, edits, moves, retires and reissues signs: the manager anywhere in the enterprise, a workshop head
    in their workshop and its posts, an admin."""
    if user["role"] == "admin":
        return True
    if user["role"] == "manager":
        return user["enterprise_id"] == ent["id"]
    if user["role"] == "workshop_head":
        return user["enterprise_id"] == ent["id"] and unit_id is not None and unit_id in unit_ids(db, user)
    return False


def may_check_sign(db, user, sign) -> bool:
    """Who checks a sign on the spot (完好, 破损, 缺失): everyone who sees it and works on site; supervisors read."""
    return user["role"] != "supervisor" and sees_sign(db, user, sign)


def may_review_reports(db, user, ent) -> bool:
    """Who confirms or dismisses the public's reports of an enterprise: its manager and its grid worker (and admins)."""
    if user["role"] == "admin":
        return True
    if user["role"] == "manager":
        return user["enterprise_id"] == ent["id"]
    return user["role"] == "grid_worker" and user["grid_id"] == ent["grid_id"]


def may_manage_risk_points(db, user, ent, unit_id=None) -> bool:
    """Who records, reassesses and retires risk points and draws the risk map: as for signs, the manager anywhere in
    the enterprise, a workshop head in their workshop and its posts, an admin (unit_id None: the whole site)."""
    return may_manage_signs(db, user, ent, unit_id)


def risk_point(db, user, point_id) -> dict:
    """One risk point (its row) the user sees (a leader their post's, a head their workshop's), or 404."""
    found = one(db, "SELECT * FROM risk_points WHERE id = ?", (point_id,))
    return _seen(db, user, found, bool(found) and sees_unit(db, user, found["unit_id"]))


def risk_map(db, user, map_id) -> dict:
    """One risk map; it hangs on the wall, so everyone who sees the enterprise sees it; else 404."""
    found = one(db, "SELECT * FROM risk_maps WHERE id = ? AND retired_at IS NULL", (map_id,))
    return _seen(db, user, found, bool(found))


def may_set_colour(user) -> bool:
    """Who may set an enterprise's overall colour otherwise than the rule gives (整体评估): supervisors and admins,
    for enterprises they already see."""
    return user["role"] in ("admin", "supervisor")


def sees_five_s(db, user, unit_id) -> bool:
    """Whose 5S scores a user reads: those of the posts they see (a leader their own post, a head their workshop's)."""
    return sees_unit(db, user, unit_id)


# Government supervision (issue 11): each right is the government's, inside the enterprises the user already sees.

def may_follow_papers(user) -> bool:
    """Who follows which enterprises still lack a 告知书 or 承诺书, town by town: government users."""
    return user["role"] in GOVERNMENT


def may_view_dashboard(user) -> bool:
    """Who reads the supervisors' dashboard: those who answer for an area's figures (supervisors, admins)."""
    return may_report(user)


def sees_self_assessment(db, user) -> bool:
    """Who reads an enterprise's self-assessments (it sees): those who see the whole enterprise, not one unit of it."""
    return sees_unit(db, user, None)


def draw_where(user) -> tuple[str, list]:
    """SQL condition on `draws d` for the 双随机 draws a user sees: those whose whole population lies in their
    territory."""
    where, params = enterprise_where(user)
    if where == "1":
        return "1", []
    # The first enterprise outside the territory ends the search, so a city-wide draw is ruled out for a town at once.
    return (f"NOT EXISTS (SELECT 1 FROM json_each(d.population_ids) j JOIN enterprises e ON e.id = j.value"
            f" LEFT JOIN grids g ON g.id = e.grid_id WHERE NOT COALESCE(({where}), 0))", params)


def sees_reverify_draw(db, user, draw, sampled_here) -> bool:
    """Whether a user sees a re-verification draw, given its sampled hazards in their territory: its drawer; else
    those it reaches who draw themselves or may revisit one of them."""
    if draw["drawn_by"] == user["id"]:
        return True
    return bool(sampled_here) and (may_draw(user) or any(may_reverify(db, user, h) for h in sampled_here))


def may_draw(user) -> bool:
    """Who draws 双随机 samples (of enterprises and inspectors, and of closed hazards to re-verify)."""
    return user["role"] in ("admin", "supervisor")


def may_record_papers(db, user, ent) -> bool:
    """Who records a 告知书 delivered or a 承诺书 signed: the grid worker of its grid, supervisors, admins."""
    if user["role"] in ("admin", "supervisor"):
        return True
    return user["role"] == "grid_worker" and user["grid_id"] == ent["grid_id"]


def may_self_assess(db, user, ent) -> bool:
    """Who scores the enterprise against GB/T 33000: its manager (and admins)."""
    return user["role"] == "admin" or (user["role"] == "manager" and user["enterprise_id"] == ent["id"])


def may_grade(user) -> bool:
    """Who records a 达标 grading or a 星级评定: supervisors and admins."""
    return user["role"] in ("admin", "supervisor")


def may_reverify(db, user, hazard) -> bool:
    """Who revisits a closed hazard drawn for re-verification: government users who see it."""
    return user["role"] in GOVERNMENT and sees_hazard(db, user, hazard)


def may_supervise(user) -> bool:
    """Who lists a 重大隐患 for 挂牌督办, records its 五落实 and removes it (销号): supervisors and admins."""
    return user["role"] in ("admin", "supervisor")


def may_record_enforcement(user) -> bool:
    """Who records enforcement actions (罚款, 约谈…): supervisors and admins."""
    return user["role"] in ("admin", "supervisor")


def may_see_health(user) -> bool:
    """Who reads the server's 运行状况 (database, photo store, backups): the operator, an admin."""
    return user["role"] == "admin"


def may_report(user) -> bool:
    """Who fills and submits the monthly report forms (附件3, 附件4): supervisors and admins."""
    return user["role"] in ("admin", "supervisor")
