"""企业检查情况 at city scale: one row per enterprise with its checklists done and overdue and its open
hazards, refreshed in SQL when stale, so government pages read counts instead of recomputing them."""

import threading
from datetime import UTC, datetime, time, timedelta

from . import dashboard, db, due, library, visit_plan
from .db import one, rows
from .enterprises import STANDARD_STATUS
from .hazards import OPEN

FREQUENCIES = ("shift", "daily", "weekly", "monthly", "quarterly")
WORST = "e.major_hazards DESC, e.overdue_hazards DESC, e.overdue DESC, e.open_hazards DESC, e.id DESC"
WORST_KEY = ("major_hazards", "overdue_hazards", "overdue", "open_hazards", "id")
# The drill-down lists a supervisor opens from the summary: each a condition on the overview row.
FILTERS = {
    "major": ("有重大隐患", "e.major_hazards > 0"),
    "late": ("有逾期隐患", "e.overdue_hazards > 0"),
    "overdue": ("有漏检清单", "e.overdue > 0"),
    "open": ("有未闭环隐患", "e.open_hazards > 0"),
}
# Every `only` an enterprise list takes: its own filters above and the lists behind the dashboard's figures.
LISTS = {**FILTERS, **dashboard.DRILLS}
PAGE = 50
STANDARD = tuple(STANDARD_STATUS)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _periods(shift_texts, now: datetime) -> list[tuple]:
    """(frequency, shifts, current start, previous start, next start) for every frequency, in stored UTC text."""
    found = []
    for frequency in FREQUENCIES:
        for text in (shift_texts if frequency == "shift" else [""]):
            shifts = due.parse_shifts(text) if frequency == "shift" else None
            start, end = due.period(frequency, now, shifts)
            previous = due.period(frequency, start - timedelta(seconds=1), shifts)[0]
            found.append((frequency, text, _utc(start), _utc(previous), _utc(end)))
    return found


def refresh(db, now: datetime | None = None, *, grace: int = 0, batch: int = 2000) -> int:
    """Recompute the rows whose data changed, and those a period boundary passed more than `grace` seconds
    ago, `batch` enterprises per short transaction so a page never waits long behind it; returns how many."""
    now = now or due.local_now()
    stamp, done = _utc(now - timedelta(seconds=grace)), 0
    while True:
        ids = [r["id"] for r in rows(db, "SELECT id FROM enterprise_overview WHERE valid_until <= ? LIMIT ?",
                                     (stamp, batch))]
        if not ids:
            if one(db, "SELECT 1 AS x FROM area_stale LIMIT 1"):  # a grid left by a moved enterprise
                with db.atomic():
                    _recount_areas(db, [])
            return done
        _recompute(db, ids, now)
        done += len(ids)


def _recompute(db, ids: list[int], now: datetime) -> None:
    """Due, done and overdue checklists and open hazards of these enterprises, as of `now`, in one statement; then
    their colours and next grid visits from those counts (anbiao/visit_plan.py)."""
    marks = ",".join("?" * len(ids))
    shift_texts = [r["shifts"] for r in rows(db, f"SELECT DISTINCT shifts FROM enterprises WHERE id IN ({marks})",
                                             ids)]
    periods = _periods(shift_texts, now)
    midnight = _utc(datetime.combine(now.date() + timedelta(days=1), time(0), due.TZ))
    values = ", ".join("(?, ?, ?, ?, ?)" for _ in periods)
    sql = f"""
    WITH periods(frequency, shifts, cur, prev, next) AS (VALUES {values}),
    stale AS (SELECT id FROM enterprise_overview WHERE id IN ({marks})),
    lists AS (
        SELECT c.enterprise_id AS id, c.tier, c.last_done_at, p.next,
            COALESCE(c.last_done_at >= p.cur, 0) AS done,
            p.prev >= c.created_at AND COALESCE(CASE
                WHEN c.last_done_at < p.cur THEN c.last_done_at
                WHEN c.prior_done_at < p.cur THEN c.prior_done_at
                ELSE (SELECT MAX(i.submitted_at) FROM inspections i
                      WHERE i.checklist_id = c.id AND i.submitted_at < p.cur) END, '') < p.prev AS overdue
        FROM stale JOIN enterprises e ON e.id = stale.id
        JOIN checklists c ON c.enterprise_id = stale.id
        LEFT JOIN units u ON u.id = c.unit_id
        JOIN periods p ON p.frequency = c.frequency
            AND p.shifts = CASE WHEN c.frequency = 'shift' THEN e.shifts ELSE '' END
        WHERE c.archived_at IS NULL AND (u.id IS NULL OR u.archived_at IS NULL)),
    totals AS (
        SELECT id, COUNT(*) FILTER (WHERE tier != 'grid') AS n, SUM(done) FILTER (WHERE tier != 'grid') AS done,
            SUM(overdue) FILTER (WHERE tier != 'grid') AS overdue,
            MAX(last_done_at) FILTER (WHERE tier = 'grid') AS grid_done_at, MIN(next) AS next
        FROM lists GROUP BY id),
    open AS (
        SELECT h.enterprise_id AS id, COUNT(*) AS n, SUM(h.level = 'major') AS major,
            SUM(h.status = 'assigned' AND h.deadline < ?) AS late
        FROM stale JOIN hazards h ON h.enterprise_id = stale.id AND h.status IN {OPEN}
        GROUP BY h.enterprise_id)
    UPDATE enterprise_overview SET
        checklists = COALESCE(totals.n, 0), done = COALESCE(totals.done, 0), overdue = COALESCE(totals.overdue, 0),
        grid_done_at = totals.grid_done_at, open_hazards = COALESCE(open.n, 0),
        major_hazards = COALESCE(open.major, 0), overdue_hazards = COALESCE(open.late, 0),
        valid_until = MIN(COALESCE(totals.next, ?), ?)
    FROM stale LEFT JOIN totals ON totals.id = stale.id LEFT JOIN open ON open.id = stale.id
    WHERE enterprise_overview.id = stale.id
    """
    params = [v for p in periods for v in p] + ids + [now.date().isoformat(), midnight, midnight]
    if db.conn.in_transaction:
        db.execute(sql, params)
        visit_plan.keep(db, ids, now)
        dashboard.keep(db, ids, now)
        _recount_areas(db, ids)
        return
    # IMMEDIATE: two workers refreshing at once take turns instead of one failing to upgrade its read.
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        db.execute(sql, params)
        visit_plan.keep(db, ids, now)  # the colours and next visits, from the hazard counts just written
        dashboard.keep(db, ids, now)  # the dashboard's columns, from those and the next visits
        _recount_areas(db, ids)
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


AREA_SUMS = ("checklists", "done", "overdue", "open_hazards", "overdue_hazards", "major_hazards")
AREA_WITH = {"with_major": "major_hazards", "with_late": "overdue_hazards", "with_overdue": "overdue",
             "with_open": "open_hazards"}


def _recount_areas(db, ids: list[int]) -> None:
    """The per-grid-and-industry sums of the grids these enterprises are in, and of any grid left stale."""
    marks = ",".join("?" * len(ids))
    db.execute(f"INSERT OR IGNORE INTO area_stale SELECT DISTINCT COALESCE(grid_id, 0) FROM enterprise_overview"
               f" WHERE id IN ({marks})", ids)
    columns = ["enterprises", *AREA_SUMS, *AREA_WITH, *(f"standard_{code}" for code in STANDARD)]
    sums = ["COUNT(*)", *(f"SUM({c})" for c in AREA_SUMS), *(f"SUM({c} > 0)" for c in AREA_WITH.values()),
            *(f"SUM(standard_status = '{code}')" for code in STANDARD)]
    columns, sums = columns + list(dashboard.AREA), sums + list(dashboard.AREA.values())  # the dashboard's sums
    db.execute("DELETE FROM area_overview WHERE grid_id IN (SELECT grid_id FROM area_stale)")
    db.execute(f"INSERT INTO area_overview (grid_id, industry, {', '.join(columns)})"
               f" SELECT COALESCE(grid_id, 0), industry, {', '.join(sums)} FROM enterprise_overview"
               " WHERE COALESCE(grid_id, 0) IN (SELECT grid_id FROM area_stale) GROUP BY 1, 2")
    db.execute("DELETE FROM area_stale")


def _scoped(where: str) -> str:
    # Grids are joined only when the scope names them: a county-wide sum then reads one table.
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if "g." in where else ""
    return f"FROM enterprise_overview e{grids} WHERE ({where})"


def totals(db, where: str, params: list) -> dict:
    """Counts over the enterprises a government account sees (`where` from scope.enterprise_where, which names
    only the grid, the industry and the grid's county: the keys of the per-area sums)."""
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if "g." in where else ""
    columns = ["enterprises", *AREA_SUMS, *AREA_WITH, *(f"standard_{code}" for code in STANDARD)]
    found = one(db, f"SELECT {', '.join(f'COALESCE(SUM(e.{c}), 0) AS {c}' for c in columns)}"
                    f" FROM area_overview e{grids} WHERE ({where})", params)
    found["by_standard"] = {code: found.pop(f"standard_{code}") for code in STANDARD}
    return found


def rebuild(db) -> None:
    """Each checklist's two latest inspections read afresh, and every row stale (after a bulk load)."""
    db.execute("UPDATE checklists SET last_done_at = (SELECT MAX(submitted_at) FROM inspections i"
               " WHERE i.checklist_id = checklists.id)")
    db.execute("UPDATE checklists SET prior_done_at = (SELECT MAX(submitted_at) FROM inspections i"
               " WHERE i.checklist_id = checklists.id AND i.submitted_at < checklists.last_done_at)"
               " WHERE last_done_at IS NOT NULL")
    db.execute("INSERT OR IGNORE INTO enterprise_overview (id, name, industry, grid_id, standard_status)"
               " SELECT id, name, industry, grid_id, standard_status FROM enterprises")
    db.execute("UPDATE enterprise_overview SET valid_until = ''")
    db.execute("INSERT OR IGNORE INTO area_stale SELECT DISTINCT COALESCE(grid_id, 0) FROM enterprise_overview")


def _detail(db, found: list[dict]) -> list[dict]:
    """The page's overview rows with what the lists show of each enterprise, in the same order."""
    if not found:
        return []
    marks = ",".join("?" * len(found))
    more = {r["id"]: r for r in rows(db, "SELECT e.*, g.name AS grid_name FROM enterprises e"
                                         f" LEFT JOIN grids g ON g.id = e.grid_id WHERE e.id IN ({marks})",
                                         [r["id"] for r in found])}
    return [dict(more[r["id"]], **r) for r in found]


def key(db, enterprise_id: int | None, *, worst: bool) -> tuple | None:
    """The keyset position of an enterprise in a list (worst first, or by name), from its current row."""
    if not enterprise_id:
        return None
    found = one(db, "SELECT * FROM enterprise_overview WHERE id = ?", (enterprise_id,))
    if not found:
        return None
    return tuple(found[k] for k in WORST_KEY) if worst else (found["name"], found["id"])


def worst(db, where: str, params: list, *, only: str | None = None, colour: str | None = None,
          after: tuple | None = None, limit: int = PAGE) -> tuple[list[dict], int | None]:
    """Enterprises worst first (major hazards, overdue hazards, overdue checklists, open hazards), of one risk
    colour when given, a page after the key `after`; returns the page and the id to continue after, if there is more."""
    conditions, args = [where], list(params)
    if only in LISTS:
        conditions.append(LISTS[only][1])
    if colour:
        conditions.append("e.colour = ?")
        args.append(colour)
    if after:
        conditions.append(f"({', '.join('e.' + k for k in WORST_KEY)}) < ({', '.join('?' * len(WORST_KEY))})")
        args += list(after)
    found = rows(db, "SELECT e.* " + _scoped(" AND ".join(f"({c})" for c in conditions))
                 + f" ORDER BY {WORST} LIMIT ?", [*args, limit + 1])
    more = found[limit - 1]["id"] if len(found) > limit else None
    return _detail(db, found[:limit]), more


def by_name(db, where: str, params: list, *, search: str = "", colour: str | None = None,
            after: tuple | None = None, limit: int = PAGE) -> tuple[list[dict], int | None]:
    """Enterprises by name, those whose name contains `search` and of one risk colour when given, a page after the
    key `after`."""
    conditions, args = [where], list(params)
    if search:
        conditions.append("instr(e.name, ?) > 0")
        args.append(search)
    if colour:
        conditions.append("e.colour = ?")
        args.append(colour)
    if after:
        conditions.append("(e.name, e.id) > (?, ?)")
        args += list(after)
    found = rows(db, "SELECT e.* " + _scoped(" AND ".join(f"({c})" for c in conditions))
                 + " ORDER BY e.name, e.id LIMIT ?", [*args, limit + 1])
    more = found[limit - 1]["id"] if len(found) > limit else None
    return _detail(db, found[:limit]), more


def grid(db, where: str, params: list, now: datetime | None = None) -> list[dict]:
    """A grid worker's enterprises (`where` from scope), those not visited this period of the grid guide first,
    then by last visit."""
    now = now or due.local_now()
    guide = next((d for d in library.current_docs(db) if d["tier"] == "grid"), None)
    start, end = due.period(guide["frequency"] if guide else "monthly", now)
    found = _detail(db, rows(db, "SELECT e.*, COALESCE(e.grid_done_at >= ?, 0) AS visited FROM enterprise_overview e"
                                 f" WHERE ({where}) ORDER BY visited, e.grid_done_at, e.name",
                             [_utc(start), *params]))
    for e in found:
        e["visited"] = bool(e["visited"])
        e["last_local"] = due.as_local(e["grid_done_at"]) if e["grid_done_at"] else None
        e["deadline"] = end
    return found


def keep_fresh(log, stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread that refreshes the rows a period boundary made stale as it passes, so that no page
    waits for a county's worth of them; pages still refresh the few rows their own data changed."""

    stop = stop or threading.Event()

    def run():
        while not stop.is_set():
            wait = 60
            try:
                conn = db.get()
                refresh(conn)
                soonest = one(conn, "SELECT MIN(valid_until) AS at FROM enterprise_overview WHERE valid_until > ''")
                if soonest and soonest["at"]:
                    ahead = (datetime.fromisoformat(soonest["at"]) - datetime.now(UTC)).total_seconds()
                    wait = min(max(ahead + 1, 1), 60)
            except Exception:  # a locked or missing database must not end the thread: try again later
                log.exception("overview refresh failed")
            stop.wait(wait)
        db.close()

    thread = threading.Thread(target=run, name="overview-refresher", daemon=True)
    thread.start()
    return thread
