"""监管看板: a supervisor's or a town's figures at a glance — coverage this month, overdue hazards by age, 重大隐患 and
their 挂牌督办, the colour distribution, standardization and stars, 六有 and 5S — each one the count of a list.

Every figure is a sum over the per-grid-and-industry rows of area_overview (a county reads a few hundred rows, never
its enterprises one by one); the enterprise-level columns behind them are kept in enterprise_overview by `keep`, which
anbiao/overview.py runs whenever it recomputes a row (at least daily, so ages and the month roll over). The list behind
a figure is the enterprise list (/enterprises) with the same condition on those rows (DRILLS), so it adds up to it.
"""

import json
from datetime import UTC, date, datetime, time, timedelta

from flask import abort

from . import enterprises, five_s, library, scope, signs, visit_plan
from .db import one, rows
from .due import TZ
from .risk import COLOUR_NAMES

# The overview's columns of hazards by days past their deadline; their bands are data (inspect/reference/overdue_ages).
AGE_COLUMNS = tuple(f"late_{code}" for code in library.OVERDUE_AGES)
COLOURS = tuple(COLOUR_NAMES)  # red, orange, yellow, blue
STARS = {0: "未评星", 1: "一星", 2: "二星", 3: "三星"}
LIUYOU = 6  # 六有 is six kinds by name (地上有标线 … 重要阀门或开关有挂牌): all six on the walls is 齐全

# What area_overview sums per grid and industry beside the overview's own sums (anbiao/overview.py _recount_areas).
AREA = {
    **{f"colour_{c}": f"SUM(colour = '{c}')" for c in COLOURS},
    **{f"star_{n}": f"SUM(star_rating = {n})" for n in (1, 2, 3)},
    "month_due": "SUM(month_due)", "month_visited": "SUM(month_visited)",
    **{column: f"SUM({column})" for column in AGE_COLUMNS},
    "liuyou_full": f"SUM(sign_kinds >= {LIUYOU})", "liuyou_none": "SUM(sign_kinds = 0)",
    "five_s_posts": "SUM(five_s_posts)", "five_s_sum": "SUM(five_s_sum)", "five_s_low": "SUM(five_s_low)",
}

# The lists behind the figures: `only` codes of the enterprise list, each (heading, condition on the overview row `e`,
# the row's column that adds up to the figure and how a row shows it, or None when the figure counts the enterprises).
DRILLS = {
    "month_due": ("本月应检查的企业", "e.month_due = 1", None, None),
    "month_visited": ("本月已检查的企业", "e.month_visited = 1", None, None),
    "month_missed": ("本月应检查、尚未检查的企业", "e.month_due = 1 AND e.month_visited = 0", None, None),
    # {age} is the band's words, filled in by `drills` from the library.
    **{column: ("有逾期 {age}的隐患的企业", f"e.{column} > 0", column, "逾期 {age}的隐患 {} 条")
       for column in AGE_COLUMNS},
    "uncoloured": ("风险等级未评定的企业", "e.colour IS NULL", None, None),
    **{f"standard_{code}": (f"标准化：{label}", f"e.standard_status = '{code}'", None, None)
       for code, label in enterprises.STANDARD_STATUS.items()},
    **{f"star_{n}": (f"星级：{label}", f"e.star_rating = {n}", None, None) for n, label in STARS.items()},
    "liuyou_full": ("六有齐全的企业", f"e.sign_kinds >= {LIUYOU}", None, None),
    "liuyou_part": ("六有缺项的企业", f"e.sign_kinds BETWEEN 1 AND {LIUYOU - 1}", None, None),
    "liuyou_none": ("未登记六有标识的企业", "e.sign_kinds = 0", None, None),
    "five_s_scored": ("有 5S 考评得分的企业", "e.five_s_posts > 0", "five_s_posts", "有 5S 得分的岗位 {} 个"),
    "five_s_low": ("有 5S 得分低于及格线的岗位的企业", "e.five_s_low > 0", "five_s_low",
                   "5S 得分低于及格线的岗位 {} 个"),
}
# The column each list's rows add up to, for the enterprise list's own filters too (anbiao/overview.py FILTERS).
FIGURES = {"major": "major_hazards", "late": "overdue_hazards", "overdue": "overdue", "open": "open_hazards",
           **{code: drill[2] for code, drill in DRILLS.items() if drill[2]}}


def ages(db) -> list[tuple[str, str, int, int | None]]:
    """The overdue bands as (overview column, words, first day, last day or None for the open last band)."""
    return [(f"late_{i['code']}", i["name"], *json.loads(i["extra"])["days"], None)[:4]
            for i in library.reference(db, "overdue_ages")]


def drills(db) -> dict:
    """DRILLS with the overdue bands' words filled in."""
    words = {column: label for column, label, *_ in ages(db)}
    return {code: tuple(part.replace("{age}", words.get(code, "")) if isinstance(part, str) else part
                        for part in drill) for code, drill in DRILLS.items()}


def _utc(day: date) -> str:
    """The stored (UTC) time at which a Beijing date begins."""
    return datetime.combine(day, time(0), TZ).astimezone(UTC).isoformat(timespec="seconds")


def month_of(today: date) -> tuple[date, date]:
    """The first and last day of the month `today` is in."""
    first = today.replace(day=1)
    return first, visit_plan.add_months(first, 1) - timedelta(days=1)


def keep(db, ids: list[int], now: datetime) -> None:
    """The dashboard's columns of these overview rows as of `now` (in the caller's transaction, after the hazard counts
    and next visits were written): star rating, grid visit due and done this month, overdue hazards by age, 六有 kinds
    on the walls, and the count, sum and low ones of the posts' latest 5S scores of the last year."""
    if not ids:
        return
    today = now.astimezone(TZ).date() if now.tzinfo else now.date()
    first, last = month_of(today)
    six = sorted(code for code, kind in signs.kinds(db).items() if kind["liuyou"])
    below = (five_s.threshold(db, {}) or {}).get("below")
    since = _utc(visit_plan.add_months(first, 1 - five_s.MONTHS))
    cut = [(today - timedelta(days=end)).isoformat() for _, _, _, end in ages(db)[:-1]]  # deadline ≥ cut: in the bucket
    marks, kinds = ",".join("?" * len(ids)), ",".join("?" * len(six)) or "NULL"
    db.execute(f"""
    WITH ids AS (SELECT id FROM enterprise_overview WHERE id IN ({marks})),
    late AS (
        SELECT h.enterprise_id AS id, SUM(h.deadline >= ?) AS week, SUM(h.deadline < ? AND h.deadline >= ?) AS month,
            SUM(h.deadline < ? AND h.deadline >= ?) AS quarter, SUM(h.deadline < ?) AS older
        FROM ids JOIN hazards h ON h.enterprise_id = ids.id AND h.status = 'assigned'
        WHERE h.deadline < ? GROUP BY h.enterprise_id),
    walls AS (
        SELECT s.enterprise_id AS id, COUNT(DISTINCT s.kind) AS kinds
        FROM ids JOIN signs s ON s.enterprise_id = ids.id
        WHERE s.retired_at IS NULL AND s.state != 'missing' AND s.kind IN ({kinds}) GROUP BY s.enterprise_id),
    latest AS (
        SELECT s.enterprise_id AS id, s.total,
            ROW_NUMBER() OVER (PARTITION BY s.unit_id ORDER BY s.scored_at DESC, s.id DESC) AS n
        FROM ids JOIN five_s_scores s ON s.enterprise_id = ids.id JOIN units u ON u.id = s.unit_id
        WHERE s.person IS NULL AND s.scored_at >= ? AND u.archived_at IS NULL),
    scores AS (
        SELECT id, COUNT(*) AS posts, SUM(total) AS total, COALESCE(SUM(total < ?), 0) AS low
        FROM latest WHERE n = 1 GROUP BY id)
    UPDATE enterprise_overview SET
        star_rating = (SELECT x.star_rating FROM enterprises x WHERE x.id = enterprise_overview.id),
        month_visited = COALESCE(grid_done_at >= ?, 0),
        month_due = COALESCE(grid_done_at >= ?, 0) OR COALESCE(next_visit_on <= ?, 0),
        late_week = COALESCE(late.week, 0), late_month = COALESCE(late.month, 0),
        late_quarter = COALESCE(late.quarter, 0), late_older = COALESCE(late.older, 0),
        sign_kinds = COALESCE(walls.kinds, 0), five_s_posts = COALESCE(scores.posts, 0),
        five_s_sum = COALESCE(scores.total, 0), five_s_low = COALESCE(scores.low, 0)
    FROM ids LEFT JOIN late ON late.id = ids.id LEFT JOIN walls ON walls.id = ids.id
        LEFT JOIN scores ON scores.id = ids.id
    WHERE enterprise_overview.id = ids.id
    """, [*ids, cut[0], cut[0], cut[1], cut[1], cut[2], cut[2], today.isoformat(), *six, since,
          below if below is not None else -1, _utc(first), _utc(first), last.isoformat()])


# ---- reading the figures ----

def _areas(where: str) -> str:
    # Grids are joined only when the scope or the town names them: a county-wide sum then reads one small table.
    grids = " LEFT JOIN grids g ON g.id = e.grid_id" if "g." in where else ""
    return f"FROM area_overview e{grids} WHERE ({where})"


def towns(db, where: str, params: list) -> list[dict]:
    """The towns (乡镇、街道) with enterprises in a scope, by county then name, each with its key `county/township`."""
    found = rows(db, "SELECT DISTINCT g.county, g.township FROM area_overview e JOIN grids g ON g.id = e.grid_id"
                     f" WHERE ({where}) AND g.township != '' ORDER BY g.county, g.township", params)
    for t in found:
        t["key"] = f"{t['county']}/{t['township']}"
        t["label"] = f"{t['county']} · {t['township']}" if t["county"] else t["township"]
    return found


def within(db, user, town: str | None) -> tuple[str, list, dict | None]:
    """A user's scope (scope.enterprise_where), narrowed to one of its towns when `town` (`county/township`) is given;
    a town outside the scope is answered as if it did not exist (404)."""
    where, params = scope.enterprise_where(user)
    if not town:
        return where, params, None
    county, _, township = town.partition("/")
    found = one(db, "SELECT g.county, g.township FROM grids g WHERE g.county = ? AND g.township = ? LIMIT 1",
                (county, township))
    if not found or not one(db, "SELECT 1 AS x FROM area_overview e JOIN grids g ON g.id = e.grid_id"
                                f" WHERE ({where}) AND g.county = ? AND g.township = ? LIMIT 1",
                            [*params, county, township]):
        abort(404)
    found.update(key=town, label=f"{county} · {township}" if county else township)
    return f"({where}) AND g.county = ? AND g.township = ?", [*params, county, township], found


_SUMMED = ("enterprises", "major_hazards", "with_major", "overdue_hazards", "with_late",
           *(f"standard_{code}" for code in enterprises.STANDARD_STATUS), *AREA)


def _sums(columns=_SUMMED) -> str:
    return ", ".join(f"COALESCE(SUM(e.{c}), 0) AS {c}" for c in columns)


def _shaped(found: dict) -> dict:
    """One scope's (or town's) sums as the dashboard reads them: shares, the rest of each split, averages."""
    n = found["enterprises"]
    found["colour_none"] = n - sum(found[f"colour_{c}"] for c in COLOURS)
    found["star_0"] = n - sum(found[f"star_{s}"] for s in (1, 2, 3))
    found["liuyou_part"] = n - found["liuyou_full"] - found["liuyou_none"]
    found["month_missed"] = found["month_due"] - found["month_visited"]
    found["coverage"] = round(100 * found["month_visited"] / found["month_due"]) if found["month_due"] else None
    posts = found["five_s_posts"]
    found["five_s_average"] = round(found["five_s_sum"] / posts, 1) if posts else None
    found["five_s_low_share"] = round(100 * found["five_s_low"] / posts) if posts else None
    found["late_total"] = sum(found[column] for column in AGE_COLUMNS)
    return found


def figures(db, where: str, params: list) -> dict:
    """Every figure of the dashboard over a scope (`where` on e/g as scope.enterprise_where gives it)."""
    return _shaped(one(db, f"SELECT {_sums()} {_areas(where)}", params))


def by_town(db, where: str, params: list) -> tuple[dict, list[dict]]:
    """The figures of the whole scope and town by town, from one pass over the area rows; enterprises in no grid
    count in the whole but belong to no town."""
    found = rows(db, f"SELECT g.county, g.township, {_sums()} FROM area_overview e LEFT JOIN grids g"
                     f" ON g.id = e.grid_id WHERE ({where}) GROUP BY g.county, g.township"
                     " ORDER BY g.county, g.township", params)
    whole = {c: sum(t[c] for t in found) for c in _SUMMED}
    towns = [t for t in found if t["township"]]
    for t in towns:
        t["key"] = f"{t['county']}/{t['township']}"
        t["label"] = f"{t['county']} · {t['township']}" if t["county"] else t["township"]
    return _shaped(whole), [_shaped(t) for t in towns]


def supervised(db, where: str, params: list, today: date, limit: int = 10) -> dict:
    """挂牌督办 in a scope: listings still in supervision by level, those past their deadline and those with all five
    五落实 done, and the first `limit` by deadline with their done count (few rows: one per listed major hazard)."""
    sql = (" FROM supervisions s CROSS JOIN hazards h ON h.id = s.hazard_id"
           " JOIN enterprises e ON e.id = h.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
           f" WHERE s.removed_on IS NULL AND ({where})")
    done = "(SELECT COUNT(*) FROM supervision_checks c WHERE c.supervision_id = s.id AND c.done = 1)"
    counts = one(db, "SELECT COUNT(*) AS listed, COALESCE(SUM(s.level = 'county'), 0) AS county,"
                     " COALESCE(SUM(s.level = 'city'), 0) AS city, COALESCE(SUM(s.level = 'province'), 0) AS province,"
                     f" COALESCE(SUM(s.deadline < ?), 0) AS late, COALESCE(SUM({done} >= 5), 0) AS complete" + sql,
                 [today.isoformat(), *params])
    counts["rows"] = rows(db, f"SELECT s.*, h.description, h.status, e.name AS enterprise_name, {done} AS done" + sql
                          + " ORDER BY s.deadline IS NULL, s.deadline, s.id LIMIT ?", [*params, limit])
    for r in counts["rows"]:
        r["late"] = bool(r["deadline"] and r["deadline"] < today.isoformat())
    return counts
