"""双随机 draws: N enterprises from a chosen population and M inspectors from a chosen pool, paired by a recorded seed.

Anyone can replay a draw from what is stored with it, and must get the same pairs:

    rng = random.Random(seed)                       # seed: the stored hex text
    enterprises = rng.sample(sorted(population_ids), N)
    inspectors = rng.sample(sorted(pool_ids), M)
    then each drawn enterprise, those with the fewest eligible inspectors first (ties in drawn order), gets its team
    (one or two) of the eligible inspectors with the fewest enterprises so far (ties: the earlier drawn); an
    inspector is not eligible for an enterprise of their own grid when conflicts are excluded.

The grids that decide conflicts are stored with the draw as they were when it was made, so a later change of grid
does not change a replay.
"""

import json
import random
import secrets
from datetime import date

from . import audit, scope
from .db import now, one, rows
from .due import local_now
from .refusal import Refused

TEAM_SIZES = {1: "每家一人", 2: "每家两人一组"}
MAX_PURPOSE = 200
PAGE = 30  # draws on one page of the list


# -- who and what may be drawn --------------------------------------------------------------------------------------

def candidates(db, user) -> list[dict]:
    """The inspectors a user may put in a pool: the grid workers of grids holding enterprises they see, and the
    supervisors whose scope lies inside theirs (themselves included)."""
    where, params = scope.enterprise_where(user)
    grid_workers = rows(
        db,
        "SELECT u.id, u.name, u.role, u.grid_id, gg.name AS grid_name FROM users u JOIN grids gg ON gg.id = u.grid_id"
        " WHERE u.role = 'grid_worker' AND u.active = 1 AND EXISTS (SELECT 1 FROM enterprises e"
        f" LEFT JOIN grids g ON g.id = e.grid_id WHERE e.grid_id = u.grid_id AND ({where}))"
        " ORDER BY gg.name, u.name", params)
    # A narrower supervisor (a town's 安办 inside a county's) may be sent; a wider one is not theirs to send.
    keys = [k for k in ("scope_industry", "scope_county", "scope_township") if user["role"] != "admin" and user.get(k)]
    supervisors = rows(
        db,
        "SELECT u.id, u.name, u.role, NULL AS grid_id, NULL AS grid_name FROM users u"
        " WHERE u.role = 'supervisor' AND u.active = 1"
        + "".join(f" AND u.{k} IS ?" for k in keys) + " ORDER BY u.name",
        [user[k] for k in keys])
    return grid_workers + supervisors


def choices(db, user) -> dict:
    """What the population form offers: industries, colours, size classes."""
    from . import enterprises, library

    return {"industries": library.industries(db), "sizes": enterprises.SIZE_CLASSES}


def population(db, user, filters: dict) -> list[int]:
    """The ids, in order, of the enterprises in the user's scope that the filters (industry, colour, size) select."""
    where, params = scope.enterprise_where(user)
    sql, values = [f"({where})"], list(params)
    for key in ("industry", "colour", "size_class"):
        if filters.get(key) == "none" and key == "colour":
            sql.append("e.colour IS NULL")  # not yet graded: a population of its own
        elif filters.get(key):
            sql.append(f"e.{key} = ?")
            values.append(filters[key])
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if "g." in where else ""
    return [r["id"] for r in rows(
        db, f"SELECT e.id FROM enterprise_overview e{grids} WHERE {' AND '.join(sql)} ORDER BY e.id", values)]


# -- the draw itself: a pure function of what is stored ---------------------------------------------------------------

def pair(seed: str, population_ids, pool_ids, n: int, m: int, team: int, grid_of_enterprise=None,
         grid_of_inspector=None, exclude_own_grid: bool = True) -> list[tuple[int, int]]:
    """The drawn (enterprise, inspector) pairs, enterprises in drawn order; `grid_of_*` give the grids for conflicts
    (a callable or a dict; the enterprise one is asked only about drawn enterprises)."""
    rng = random.Random(seed)
    drawn = rng.sample(sorted(population_ids), n)
    inspectors = rng.sample(sorted(pool_ids), m)
    ent_grid = _lookup(grid_of_enterprise)
    insp_grid = _lookup(grid_of_inspector)

    def eligible(enterprise_id):
        if not exclude_own_grid:
            return list(inspectors)
        own = ent_grid(enterprise_id)
        return [i for i in inspectors if own is None or insp_grid(i) != own]

    options = {e: eligible(e) for e in drawn}
    load = dict.fromkeys(inspectors, 0)
    rank = {i: k for k, i in enumerate(inspectors)}
    teams = {}
    # The most constrained enterprises are served first, so the loads stay even around them.
    for e in sorted(drawn, key=lambda x: (len(options[x]), drawn.index(x))):
        if len(options[e]) < team:
            raise Refused("抽中的检查人员中，能回避本网格的人数不够组队，请增加抽取的检查人员人数", "inspectors")
        chosen = sorted(options[e], key=lambda i: (load[i], rank[i]))[:team]
        for i in chosen:
            load[i] += 1
        teams[e] = sorted(chosen, key=rank.get)
    return [(e, i) for e in drawn for i in teams[e]]


def _lookup(source):
    if source is None:
        return lambda key: None
    if callable(source):
        return source
    return lambda key: source.get(str(key), source.get(key))


def replay(db, draw: dict) -> list[tuple[int, int]]:
    """The pairs a stored draw gives when computed again from its stored population, pool and seed."""
    population_info, pool_info = json.loads(draw["population"]), json.loads(draw["pool"])
    return pair(draw["seed"], json.loads(draw["population_ids"]), json.loads(draw["pool_ids"]), draw["enterprises"],
                draw["inspectors"], pool_info.get("team", 1), population_info.get("grids", {}),
                pool_info.get("grids", {}), bool(draw["exclude_own_grid"]))


def stored_pairs(db, draw_id: int) -> list[tuple[int, int]]:
    """The pairs a draw made, as its tasks were written."""
    return [(r["enterprise_id"], r["inspector_id"]) for r in rows(
        db, "SELECT enterprise_id, inspector_id FROM inspection_tasks WHERE draw_id = ? ORDER BY id", (draw_id,))]


# -- reading a form into a draw ---------------------------------------------------------------------------------------

def clean(db, user, form, today: date) -> dict:
    """A draw's settings from a submitted form; Refused names the first field that cannot be taken."""
    purpose = (form.get("purpose") or "").strip()
    if not purpose:
        raise Refused("请写明抽取事由（如：2024年第四季度燃气企业双随机抽查）", "purpose")
    if len(purpose) > MAX_PURPOSE:
        raise Refused(f"抽取事由最多 {MAX_PURPOSE} 字", "purpose")
    filters = {}
    picked = choices(db, user)
    industry = (form.get("industry") or "").strip()
    if industry and industry not in picked["industries"]:
        raise Refused("请从列表中选择行业领域", "industry")
    colour = (form.get("colour") or "").strip()
    if colour and colour not in (*_colours(), "none"):
        raise Refused("请从列表中选择风险等级", "colour")
    size = (form.get("size_class") or "").strip()
    if size and size not in picked["sizes"]:
        raise Refused("请从列表中选择企业类型", "size_class")
    for key, value in (("industry", industry), ("colour", colour), ("size_class", size)):
        if value:
            filters[key] = value
    n = _count(form.get("enterprises"), "抽取企业数", "enterprises")
    m = _count(form.get("inspectors"), "抽取检查人员数", "inspectors")
    team = int(form["team"]) if (form.get("team") or "").isdigit() else None
    if team not in TEAM_SIZES:
        raise Refused("请选择每家企业派几人", "team")
    pool = candidates(db, user)
    allowed = {c["id"]: c for c in pool}
    chosen = []
    for raw in form.getlist("pool"):
        if not raw.isdigit() or int(raw) not in allowed:
            raise Refused("检查人员名单中有不在您范围内的人员，请重新勾选", "pool")
        chosen.append(int(raw))
    chosen = sorted(set(chosen))
    if not chosen:
        raise Refused("请至少勾选一名可抽取的检查人员", "pool")
    if m > len(chosen):
        raise Refused(f"只勾选了 {len(chosen)} 名检查人员，抽取人数不能多于此数", "inspectors")
    if team > m:
        raise Refused("两人一组时，抽取的检查人员至少 2 名", "team")
    due = (form.get("due_on") or "").strip()
    try:
        due_on = date.fromisoformat(due)
    except ValueError:
        raise Refused("请选择完成期限（日期）", "due_on") from None
    if due_on < today:
        raise Refused("完成期限不能早于今天", "due_on")
    exclude = bool(form.get("exclude_own_grid"))
    ids = population(db, user, filters)
    if not ids:
        raise Refused("按所选条件，您的范围内没有企业，请放宽条件", "enterprises")
    if n > len(ids):
        raise Refused(f"按所选条件共有 {len(ids)} 家企业，抽取企业数不能多于此数", "enterprises")
    grids = {c["id"]: c["grid_id"] for c in pool if c["id"] in chosen and c["grid_id"]}
    if exclude:
        _enough_after_conflicts(db, ids, grids, m, team)
    return {"purpose": purpose, "filters": filters, "population_ids": ids, "pool_ids": chosen, "n": n, "m": m,
            "team": team, "exclude": exclude, "due_on": due_on.isoformat(), "pool_grids": grids}


def _colours():
    from .library import RISK_COLOURS

    return RISK_COLOURS


def _count(raw, label, field) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or int(text) < 1:
        raise Refused(f"{label}应为正整数", field)
    if int(text) > 10000:
        raise Refused(f"{label}不能超过 10000", field)
    return int(text)


def _enough_after_conflicts(db, population_ids, pool_grids, m, team) -> None:
    """Refuse, whatever the seed, settings under which some draw could leave an enterprise without its team."""
    # Counting the pool's grid workers per grid of the population: with M drawn, up to that many may be of one
    # enterprise's own grid, so M minus the largest such count must still make a team. Checked before drawing, so
    # a refusal never depends on the seed (no silent re-roll through a refused attempt).
    per_grid: dict = {}
    for grid_id in pool_grids.values():
        per_grid[grid_id] = per_grid.get(grid_id, 0) + 1
    if not per_grid:
        return
    marks = ",".join("?" * len(per_grid))
    present = rows(db, "SELECT DISTINCT e.grid_id FROM json_each(?) j JOIN enterprises e ON e.id = j.value"
                       f" WHERE e.grid_id IN ({marks})", [json.dumps(population_ids), *per_grid])
    worst = max((per_grid[r["grid_id"]] for r in present), default=0)
    if m - worst < team:
        raise Refused(f"为回避本网格，检查人员至少应抽取 {worst + team} 名（名单中同一网格的网格员最多 {worst} 名）",
                      "inspectors")


# -- writing ---------------------------------------------------------------------------------------------------------

def make(db, user, settings: dict, *, seed: str | None = None, redraw_of: dict | None = None,
         reason: str | None = None) -> int:
    """Draw with a fresh recorded seed, keep the draw and its tasks; a redraw supersedes the old draw and cancels its
    open tasks. Runs in the caller's transaction."""
    seed = seed or secrets.token_hex(16)
    ids, pool = settings["population_ids"], settings["pool_ids"]
    grids_of = _enterprise_grids(db)
    pairs = pair(seed, ids, pool, settings["n"], settings["m"], settings["team"], grids_of, settings["pool_grids"],
                 settings["exclude"])
    drawn = sorted({e for e, _ in pairs})
    population_info = {"filters": settings["filters"], "grids": {str(e): grids_of(e) for e in drawn}}
    pool_info = {"team": settings["team"], "grids": {str(k): v for k, v in settings["pool_grids"].items()}}
    stamp = now()
    draw_id = db.execute(
        "INSERT INTO draws (purpose, seed, population, population_ids, pool, pool_ids, enterprises, inspectors,"
        " exclude_own_grid, redraw_of, redraw_reason, drawn_by, drawn_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (settings["purpose"], seed, json.dumps(population_info, ensure_ascii=False), json.dumps(ids),
         json.dumps(pool_info), json.dumps(pool), settings["n"], settings["m"], int(settings["exclude"]),
         redraw_of["id"] if redraw_of else None, reason, user["id"], stamp)).lastrowid
    for e, i in pairs:
        db.execute("INSERT INTO inspection_tasks (draw_id, enterprise_id, inspector_id, due_on, created_at)"
                   " VALUES (?,?,?,?,?)", (draw_id, e, i, settings["due_on"], stamp))
    if redraw_of:
        db.execute("UPDATE draws SET superseded_at = ? WHERE id = ?", (stamp, redraw_of["id"]))
        # The old tasks nobody has done yet are called off; done ones stay as the evidence they are.
        db.execute(f"UPDATE inspection_tasks SET cancelled_at = ? WHERE draw_id = ? AND cancelled_at IS NULL"
                   f" AND NOT {DONE}", (stamp, redraw_of["id"]))
    audit.record(db, user["id"], "redraw" if redraw_of else "draw", "draw", draw_id,
                 {"enterprises": settings["n"], "inspectors": settings["m"], "population": len(ids),
                  "pool": len(pool), "seed": seed, "reason": reason, "redraw_of": redraw_of and redraw_of["id"]})
    return draw_id


def _enterprise_grids(db):
    def grid_of(enterprise_id):
        found = one(db, "SELECT grid_id FROM enterprises WHERE id = ?", (enterprise_id,))
        return found["grid_id"] if found else None
    return grid_of


def clean_reason(raw) -> str:
    """A redraw's reason: required, so a draw is never redrawn silently."""
    reason = (raw or "").strip()
    if not reason:
        raise Refused("重新抽取必须写明原因（原抽取结果会保留并标明已作废）", "reason")
    if len(reason) > MAX_PURPOSE:
        raise Refused(f"原因最多 {MAX_PURPOSE} 字", "reason")
    return reason


# -- reading ---------------------------------------------------------------------------------------------------------

# A task is done once its inspector has submitted an inspection with the enterprise's grid guide after the draw;
# computed when read (the grid guide's inspections are found through the checklist index), never stored by triggers.
DONE = ("EXISTS (SELECT 1 FROM checklists c JOIN inspections i ON i.checklist_id = c.id"
        " WHERE c.enterprise_id = inspection_tasks.enterprise_id AND c.tier = 'grid'"
        " AND i.inspector_id = inspection_tasks.inspector_id"
        " AND i.submitted_at >= (SELECT drawn_at FROM draws WHERE draws.id = inspection_tasks.draw_id))")
FIRST_INSPECTION = (
    "(SELECT i.id FROM checklists c JOIN inspections i ON i.checklist_id = c.id"
    " WHERE c.enterprise_id = t.enterprise_id AND c.tier = 'grid' AND i.inspector_id = t.inspector_id"
    " AND i.submitted_at >= d.drawn_at ORDER BY i.submitted_at, i.id LIMIT 1)")


def get(db, user, draw_id) -> dict | None:
    """One draw the user sees (with who drew it), or None."""
    where, params = scope.draw_where(user)
    return one(db, "SELECT d.*, u.name AS drawn_by_name FROM draws d LEFT JOIN users u ON u.id = d.drawn_by"
                   f" WHERE d.id = ? AND ({where})", [draw_id, *params])


def listing(db, user, before: int | None = None, limit: int = PAGE) -> tuple[list[dict], int | None]:
    """A page of the draws a user sees, newest first, with their task tallies, and where the next page starts."""
    where, params = scope.draw_where(user)
    found = rows(
        db,
        "SELECT d.id, d.purpose, d.enterprises, d.inspectors, d.drawn_at, d.superseded_at, d.redraw_of,"
        " u.name AS drawn_by_name FROM draws d LEFT JOIN users u ON u.id = d.drawn_by"
        f" WHERE ({where}) AND d.id < ? ORDER BY d.id DESC LIMIT ?",
        [*params, before or 2**62, limit + 1])
    more = found[limit - 1]["id"] if len(found) > limit else None
    found = found[:limit]
    for d in found:
        d.update(tally(db, d["id"]))
    return found, more


def tally(db, draw_id: int) -> dict:
    """A draw's tasks: all, done, cancelled, pending; and the hazards its inspections found (all, major)."""
    counts = one(db, f"SELECT COUNT(*) AS tasks, COALESCE(SUM({DONE}), 0) AS done,"
                     " COALESCE(SUM(cancelled_at IS NOT NULL), 0) AS cancelled FROM inspection_tasks"
                     " WHERE draw_id = ?", (draw_id,))
    counts["pending"] = counts["tasks"] - counts["done"] - counts["cancelled"]
    found = one(db, _hazard_sql(), (draw_id,))
    counts.update(found)
    return counts


def _hazard_sql() -> str:
    """Hazards found by the inspections that did a draw's tasks."""
    return ("SELECT COUNT(h.id) AS hazards, COALESCE(SUM(h.level = 'major'), 0) AS major"
            " FROM inspection_tasks t JOIN draws d ON d.id = t.draw_id"
            " JOIN checklists c ON c.enterprise_id = t.enterprise_id AND c.tier = 'grid'"
            " JOIN inspections i ON i.checklist_id = c.id AND i.inspector_id = t.inspector_id"
            " AND i.submitted_at >= d.drawn_at"
            " JOIN hazards h ON h.inspection_id = i.id WHERE t.draw_id = ?")


def tasks(db, draw_id: int) -> list[dict]:
    """A draw's tasks in drawn order, with enterprise, inspector, state and the inspection that did it."""
    today = local_now().date().isoformat()
    found = rows(
        db,
        "SELECT t.*, e.name AS enterprise_name, e.industry, e.size_class, e.colour, g.name AS grid_name,"
        " u.name AS inspector_name, u.role AS inspector_role,"
        f" {FIRST_INSPECTION} AS done_by_inspection FROM inspection_tasks t JOIN draws d ON d.id = t.draw_id"
        " JOIN enterprises e ON e.id = t.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
        " JOIN users u ON u.id = t.inspector_id WHERE t.draw_id = ? ORDER BY t.id", (draw_id,))
    for t in found:
        t["state"] = _state(t, today)
    return found


def _state(task: dict, today: str) -> str:
    if task.get("done_by_inspection"):
        return "done"
    if task["cancelled_at"]:
        return "cancelled"
    return "overdue" if task["due_on"] and task["due_on"] < today else "pending"


def redraws(db, draw_id: int) -> list[dict]:
    """The draws that replaced this one (normally at most one)."""
    return rows(db, "SELECT id, purpose, drawn_at, redraw_reason FROM draws WHERE redraw_of = ? ORDER BY id",
                (draw_id,))


def for_inspector(db, user, today: str) -> list[dict]:
    """An inspector's open 双随机 tasks (not cancelled, not yet done), soonest due first."""
    found = rows(
        db,
        "SELECT t.id, t.enterprise_id, t.due_on, t.draw_id, d.purpose, e.name AS enterprise_name, e.address,"
        f" e.industry, {FIRST_INSPECTION} AS done_by_inspection FROM inspection_tasks t"
        " JOIN draws d ON d.id = t.draw_id JOIN enterprises e ON e.id = t.enterprise_id"
        " WHERE t.inspector_id = ? AND t.done_at IS NULL AND t.cancelled_at IS NULL ORDER BY t.due_on, t.id",
        (user["id"],))
    open_ = [t for t in found if not t["done_by_inspection"]]
    for t in open_:
        t["overdue"] = bool(t["due_on"] and t["due_on"] < today)
    return open_


def task(db, user, task_id: int) -> dict | None:
    """One of the user's own tasks (open, done or cancelled), or None."""
    found = one(db, "SELECT t.*, d.drawn_at FROM inspection_tasks t JOIN draws d ON d.id = t.draw_id"
                    " WHERE t.id = ? AND t.inspector_id = ?", (task_id, user["id"]))
    return found


def described(draw: dict) -> dict:
    """A draw's settings in Chinese words, for its page."""
    from .enterprises import SIZE_CLASSES
    from .risk import COLOUR_NAMES

    filters = json.loads(draw["population"]).get("filters", {})
    pool_info = json.loads(draw["pool"])
    colour = filters.get("colour")
    parts = [filters.get("industry") or "全部行业",
             "未定风险等级" if colour == "none" else f"{COLOUR_NAMES[colour]}色企业" if colour else "全部风险等级",
             f"{SIZE_CLASSES[filters['size_class']]}企业" if filters.get("size_class") else "全部企业类型"]
    return {"population": "，".join(parts), "population_size": len(json.loads(draw["population_ids"])),
            "pool_size": len(json.loads(draw["pool_ids"])), "team": TEAM_SIZES.get(pool_info.get("team", 1), ""),
            "exclude": bool(draw["exclude_own_grid"])}


def prefill(db, draw: dict):
    """A redraw's form, filled with the settings of the draw it replaces."""
    from werkzeug.datastructures import MultiDict

    filters = json.loads(draw["population"]).get("filters", {})
    due = one(db, "SELECT due_on FROM inspection_tasks WHERE draw_id = ? ORDER BY id LIMIT 1", (draw["id"],))
    values = [("purpose", draw["purpose"]), ("enterprises", str(draw["enterprises"])),
              ("inspectors", str(draw["inspectors"])), ("team", str(json.loads(draw["pool"]).get("team", 1))),
              ("due_on", (due or {}).get("due_on") or ""), *((k, v) for k, v in filters.items()),
              *(("pool", str(i)) for i in json.loads(draw["pool_ids"]))]
    if draw["exclude_own_grid"]:
        values.append(("exclude_own_grid", "1"))
    return MultiDict(values)
