"""Dashboards for supervisors and towns: coverage, overdue, supervised hazards, colours, standardization, 六有, 5S."""

from urllib.parse import quote

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from .. import charts, dashboard, db, due, enterprises, five_s, hazards, overview, scope, supervision
from ..enterprise_colour import label as colour_label

bp = Blueprint("dashboard", __name__)

# The government's other pages, reached from here (the menu's 监管): (endpoint, words).
WORK = (("supervision.index", "挂牌督办"), ("draws.index", "双随机抽查"), ("reverify.index", "回头看"),
        ("papers.index", "告知书 / 承诺书"), ("gradings.ledgers", "达标与星级台账"), ("enforcement.index", "执法记录"),
        ("monthly_reports.index", "月报表"))


def _board() -> dict:
    """Everything the dashboard shows, for the screen and for paper alike."""
    # The people who answer for the monthly report forms are those who read their figures here.
    scope.require(scope.may_view_dashboard(current_user))
    conn, now = db.get(), due.local_now()
    overview.refresh(conn, now, grace=current_app.config["OVERVIEW_GRACE"])
    where, params, town = dashboard.within(conn, current_user, request.args.get("town"))
    if town:
        figures, by_town = dashboard.figures(conn, where, params), []
        towns = dashboard.towns(conn, *scope.enterprise_where(current_user))
    else:  # the whole scope: its figures and its towns' from one pass over the area rows
        figures, by_town = dashboard.by_town(conn, where, params)
        towns = by_town
    ages = dashboard.ages(conn)

    lists, quoted = url_for("enterprises.index"), {}

    def link(only=None, colour=None, key=None):
        """The enterprise list behind a figure, in the same town (a colour worst first, as its filter lists it)."""
        # Written out rather than by url_for: a county's towns table holds hundreds of these links.
        key = key or (town["key"] if town else None)
        parts = [f"only={only}"] if only else []  # the codes and colours are plain ASCII words
        parts += [f"colour={colour}", "order=worst"] if colour else []
        if key:
            parts.append("town=" + (quoted.get(key) or quoted.setdefault(key, quote(key, safe="/"))))
        return f"{lists}?{'&'.join(parts)}" if parts else lists

    def listings(**filters):
        """The 挂牌督办 list behind a figure (anbiao/views/supervision.py)."""
        return url_for("supervision.index", state="active", town=town["key"] if town else None, **filters)

    return {
        "f": figures, "town": town, "now": now, "month": dashboard.month_of(now.date()),
        "towns": towns, "by_town": by_town,
        "supervised": dashboard.supervised(conn, where, params, now.date()),
        "charts": _charts(figures, link, ages), "link": link, "listings": listings, "AGES": ages,
        "STANDARD": enterprises.STANDARD_STATUS, "STARS": dashboard.STARS, "LEVELS": supervision.LEVELS,
        "work": [(endpoint, words) for endpoint, words in WORK if endpoint in current_app.view_functions],
        "STATUS": hazards.STATUS, "below": (five_s.threshold(conn, {}) or {}).get("below"),
    }


def _charts(f: dict, link, ages) -> dict:
    """The dashboard's charts, each part linked to the list behind it."""
    colours = [{"label": colour_label(c), "value": f[f"colour_{c}"], "tone": c, "href": link(colour=c)}
               for c in dashboard.COLOURS]
    colours.append({"label": "未评定", "value": f["colour_none"], "tone": "none", "href": link("uncoloured")})
    return {
        "coverage": charts.stacked([
            {"label": "本月已检查", "value": f["month_visited"], "tone": "ok", "href": link("month_visited")},
            {"label": "应检未检", "value": f["month_missed"], "tone": "bad", "href": link("month_missed")}]),
        "ages": charts.bars([{"label": f"逾期 {label}", "value": f[column],
                              "tone": "bad" if column in dashboard.AGE_COLUMNS[2:] else "due",
                              "href": link(column)} for column, label, *_ in ages]),
        "colours": charts.donut(colours),
        "standard": charts.stacked([{"label": name, "value": f[f"standard_{code}"], "tone": f"standard-{code}",
                                     "href": link(f"standard_{code}")}
                                    for code, name in enterprises.STANDARD_STATUS.items()]),
        "stars": charts.bars([{"label": name, "value": f[f"star_{n}"], "tone": f"star-{n}",
                               "href": link(f"star_{n}")} for n, name in dashboard.STARS.items()]),
        "liuyou": charts.stacked([
            {"label": "六有齐全", "value": f["liuyou_full"], "tone": "ok", "href": link("liuyou_full")},
            {"label": "缺项", "value": f["liuyou_part"], "tone": "due", "href": link("liuyou_part")},
            {"label": "未登记", "value": f["liuyou_none"], "tone": "bad", "href": link("liuyou_none")}]),
    }


@bp.get("/dashboard")
@login_required
def index():
    return render_template("dashboard/index.html", **_board())


@bp.get("/dashboard/print")
@login_required
def print_page():
    return render_template("dashboard/print.html", **_board())
