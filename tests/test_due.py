"""What is due: periods in Asia/Shanghai time and the state of each checklist, pure and from the database."""

from datetime import UTC, datetime, time, timedelta

import pytest

from anbiao import due, overview, scope

TZ = due.TZ
TWO_SHIFTS = [time(8), time(20)]
THREE_SHIFTS = [time(0), time(8), time(16)]


def local(*args):
    """A Shanghai wall-clock time."""
    return datetime(*args, tzinfo=TZ)


def utc(moment):
    """A moment as the UTC ISO text inspections are stored with."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def user(conn, name):
    return dict(conn.execute("SELECT * FROM users WHERE username = ?", (name,)).fetchone())


def unit_id(conn, name):
    return conn.execute("SELECT id FROM units WHERE name = ?", (name,)).fetchone()[0]


# ---- periods ----

def test_daily_period_runs_from_local_midnight_to_the_next():
    """A day is [00:00, 24:00) Shanghai time."""
    start, end = due.period("daily", local(2026, 3, 1, 13, 5))
    assert (start, end) == (local(2026, 3, 1), local(2026, 3, 2))


def test_one_second_before_local_midnight_and_midnight_are_different_days():
    """23:59:59 belongs to the day ending, 00:00:00 starts the next one."""
    before = due.period("daily", local(2026, 3, 1, 23, 59, 59))
    after = due.period("daily", local(2026, 3, 2, 0, 0, 0))
    assert before[0] == local(2026, 3, 1)
    assert after[0] == local(2026, 3, 2)
    assert before[1] == after[0]


def test_utc_instant_after_16_00z_is_the_next_local_day():
    """16:30Z is 00:30 the next day in Shanghai."""
    start, end = due.period("daily", datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    assert start == local(2026, 3, 2)
    assert end == local(2026, 3, 3)


def test_period_bounds_are_in_shanghai_time():
    """The returned bounds carry the Shanghai zone, whatever zone `at` came in."""
    start, end = due.period("daily", datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    assert start.utcoffset() == timedelta(hours=8)
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)


def test_week_starts_monday_at_local_midnight():
    """A week is Monday 00:00 to the next Monday 00:00."""
    start, end = due.period("weekly", local(2026, 11, 19, 10))  # a Thursday
    assert start == local(2026, 11, 16)
    assert start.weekday() == 0
    assert end == local(2026, 11, 23)


def test_sunday_2359_belongs_to_the_week_before_monday():
    """Sunday 23:59 is the end of its week; Monday 00:00 begins the next."""
    sunday = due.period("weekly", local(2026, 11, 22, 23, 59))
    monday = due.period("weekly", local(2026, 11, 23, 0, 0))
    assert sunday == (local(2026, 11, 16), local(2026, 11, 23))
    assert monday == (local(2026, 11, 23), local(2026, 11, 30))


def test_monday_itself_starts_its_own_week():
    """At Monday 00:00 the week is that Monday's."""
    assert due.period("weekly", local(2026, 11, 16))[0] == local(2026, 11, 16)


def test_sunday_evening_utc_that_is_monday_in_shanghai_is_the_new_week():
    """Sunday 16:30Z is Monday 00:30 in Shanghai."""
    start, _ = due.period("weekly", datetime(2026, 11, 22, 16, 30, tzinfo=UTC))
    assert start == local(2026, 11, 23)


def test_month_runs_from_the_first_to_the_first():
    """A month is [1st 00:00, next 1st 00:00)."""
    assert due.period("monthly", local(2026, 4, 30, 23, 59)) == (local(2026, 4, 1), local(2026, 5, 1))


def test_december_ends_on_the_first_of_january_next_year():
    """The month rolls the year over."""
    assert due.period("monthly", local(2026, 12, 15)) == (local(2026, 12, 1), local(2027, 1, 1))
    assert due.period("monthly", local(2027, 1, 1)) == (local(2027, 1, 1), local(2027, 2, 1))


def test_february_of_a_leap_year_has_29_days():
    """29 February 2028 is still February; 1 March starts March."""
    start, end = due.period("monthly", local(2028, 2, 29, 12))
    assert (start, end) == (local(2028, 2, 1), local(2028, 3, 1))
    assert (end - start).days == 29
    assert due.period("monthly", local(2027, 2, 28))[1] == local(2027, 3, 1)


@pytest.mark.parametrize("at, start, end", [
    ((2026, 1, 1), (2026, 1, 1), (2026, 4, 1)),
    ((2026, 3, 31, 23, 59), (2026, 1, 1), (2026, 4, 1)),
    ((2026, 4, 1), (2026, 4, 1), (2026, 7, 1)),
    ((2026, 8, 20), (2026, 7, 1), (2026, 10, 1)),
    ((2026, 10, 1), (2026, 10, 1), (2027, 1, 1)),
    ((2026, 12, 31, 23, 59, 59), (2026, 10, 1), (2027, 1, 1)),
])
def test_quarters_start_in_january_april_july_october(at, start, end):
    """Quarters are calendar quarters; Q4 ends on 1 January of the next year."""
    assert due.period("quarterly", local(*at)) == (local(*start), local(*end))


def test_shift_before_the_morning_start_belongs_to_last_nights_shift():
    """At 07:59 the 20:00 shift of the previous day is still running."""
    start, end = due.period("shift", local(2026, 3, 2, 7, 59), TWO_SHIFTS)
    assert (start, end) == (local(2026, 3, 1, 20), local(2026, 3, 2, 8))


def test_shift_start_time_exactly_begins_a_new_shift():
    """08:00 sharp is the day shift, not the night shift."""
    assert due.period("shift", local(2026, 3, 2, 8, 0), TWO_SHIFTS) == (local(2026, 3, 2, 8), local(2026, 3, 2, 20))


def test_night_shift_crossing_midnight_belongs_to_the_evening_it_started():
    """23:30 and 02:00 are the same shift, started at 20:00."""
    late = due.period("shift", local(2026, 3, 1, 23, 30), TWO_SHIFTS)
    early = due.period("shift", local(2026, 3, 2, 2, 0), TWO_SHIFTS)
    assert late == early == (local(2026, 3, 1, 20), local(2026, 3, 2, 8))


def test_shift_defaults_to_0800_and_2000():
    """Without shift times the default two shifts apply."""
    assert due.period("shift", local(2026, 3, 2, 7, 59)) == (local(2026, 3, 1, 20), local(2026, 3, 2, 8))


@pytest.mark.parametrize("at, start, end", [
    ((2026, 3, 2, 0, 0), (2026, 3, 2, 0), (2026, 3, 2, 8)),
    ((2026, 3, 2, 7, 59), (2026, 3, 2, 0), (2026, 3, 2, 8)),
    ((2026, 3, 2, 8, 0), (2026, 3, 2, 8), (2026, 3, 2, 16)),
    ((2026, 3, 2, 15, 59, 59), (2026, 3, 2, 8), (2026, 3, 2, 16)),
    ((2026, 3, 2, 16, 0), (2026, 3, 2, 16), (2026, 3, 3, 0)),
    ((2026, 3, 2, 23, 59, 59), (2026, 3, 2, 16), (2026, 3, 3, 0)),
])
def test_three_shifts_at_0000_0800_1600(at, start, end):
    """Three eight-hour shifts split the day at midnight, 08:00 and 16:00."""
    assert due.period("shift", local(*at), THREE_SHIFTS) == (local(*start), local(*end))


def test_parse_shifts_sorts_start_times():
    """'08:00,16:00,00:00' as the enterprise stores it gives 00:00, 08:00, 16:00."""
    assert due.parse_shifts("08:00,16:00,00:00") == THREE_SHIFTS
    assert due.parse_shifts("") == TWO_SHIFTS


def test_unknown_frequency_is_refused():
    """A frequency the product does not know is an error, not a guess."""
    with pytest.raises(ValueError):
        due.period("hourly", local(2026, 3, 1))


def test_stored_utc_text_is_read_as_shanghai_time():
    """'2026-11-22T05:29:10+00:00' is 13:29:10 in Shanghai; naive text counts as UTC."""
    assert due.as_local("2026-11-22T05:29:10+00:00") == local(2026, 11, 22, 13, 29, 10)
    assert due.as_local("2026-11-22T05:29:10") == local(2026, 11, 22, 13, 29, 10)


# ---- status ----

NOW = local(2026, 11, 22, 13, 29, 10)  # a Sunday afternoon
LONG_AGO = "2025-01-01T00:00:00+00:00"


def test_inspection_in_the_current_period_makes_the_checklist_done():
    """Filled today → done for a daily checklist."""
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, ["2026-11-22T05:29:10+00:00"], NOW)
    assert s.state == "done"
    assert s.last_done == local(2026, 11, 22, 13, 29, 10)


def test_nothing_this_period_is_due_with_the_period_end_as_deadline():
    """Not filled today → due by local midnight."""
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, ["2026-11-21T03:00:00+00:00"], NOW)
    assert s.state == "due"
    assert s.deadline == local(2026, 11, 23)
    assert s.start == local(2026, 11, 22)


def test_inspection_just_before_local_midnight_counts_for_that_day_not_the_next():
    """15:59:59Z is 23:59:59 local: it fills the day before, not today."""
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, ["2026-11-21T15:59:59+00:00"], NOW)
    assert s.state == "due"
    assert not s.overdue
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, ["2026-11-21T16:00:00+00:00"], NOW)
    assert s.state == "done"


def test_previous_period_without_inspection_is_overdue():
    """Yesterday owed and not filled → overdue."""
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, ["2026-11-20T03:00:00+00:00"], NOW)
    assert s.overdue is True


def test_previous_period_filled_is_not_overdue():
    """Yesterday filled → not overdue, even with nothing today."""
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, ["2026-11-21T03:00:00+00:00"], NOW)
    assert s.overdue is False
    assert s.state == "due"


def test_checklist_created_in_the_middle_of_the_previous_period_does_not_owe_it():
    """Created yesterday noon: yesterday is not owed, so nothing is overdue or missed."""
    s = due.status("daily", TWO_SHIFTS, "2026-11-21T04:00:00+00:00", [], NOW)
    assert s.overdue is False
    assert s.missed == 0
    assert s.state == "due"


def test_checklist_created_exactly_at_the_previous_period_start_owes_it():
    """Created at yesterday's 00:00 local: yesterday is owed."""
    s = due.status("daily", TWO_SHIFTS, "2026-11-20T16:00:00+00:00", [], NOW)
    assert s.overdue is True
    assert s.missed == 1


def test_missed_counts_owed_empty_periods_among_the_last_recent():
    """Never filled and old → every one of the RECENT past periods is missed."""
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, [], NOW)
    assert s.missed == due.RECENT
    assert s.overdue is True
    assert s.last_done is None


def test_missed_skips_periods_that_were_filled():
    """Filled on two of the last seven days → five missed."""
    filled = [utc(local(2026, 11, 21, 9)), utc(local(2026, 11, 18, 9))]
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, filled, NOW)
    assert s.missed == due.RECENT - 2
    assert s.overdue is False


def test_missed_counts_only_periods_after_creation():
    """Created three days ago at midnight → at most three missed."""
    created = utc(local(2026, 11, 19))
    s = due.status("daily", TWO_SHIFTS, created, [], NOW)
    assert s.missed == 3


def test_two_inspections_in_one_period_do_not_fill_another():
    """Filling twice today does not make up for yesterday."""
    filled = [utc(local(2026, 11, 22, 9)), utc(local(2026, 11, 22, 10))]
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, filled, NOW)
    assert s.state == "done"
    assert s.overdue is True


def test_shift_status_uses_the_night_shift_that_started_yesterday():
    """At 07:00 an inspection made at 21:00 the evening before fills the current shift."""
    at = local(2026, 11, 22, 7, 0)
    s = due.status("shift", TWO_SHIFTS, LONG_AGO, [utc(local(2026, 11, 21, 21, 0))], at)
    assert s.state == "done"
    assert s.deadline == local(2026, 11, 22, 8)


def test_weekly_status_deadline_is_next_monday():
    """A weekly checklist due this week is due by Monday 00:00."""
    s = due.status("weekly", TWO_SHIFTS, LONG_AGO, [utc(local(2026, 11, 10, 9))], NOW)
    assert s.state == "due"
    assert s.deadline == local(2026, 11, 23)
    assert s.overdue is False


def test_monthly_status_counts_months():
    """A monthly checklist filled in October and not yet in November is due, not overdue."""
    s = due.status("monthly", TWO_SHIFTS, "2026-01-01T00:00:00+00:00", [utc(local(2026, 10, 5, 9))], NOW)
    assert s.state == "due"
    assert s.deadline == local(2026, 12, 1)
    assert s.overdue is False
    # April to October are all owed; only October was filled.
    assert s.missed == due.RECENT - 1


def test_last_done_is_the_latest_inspection():
    """last_done is the newest inspection whatever order they come in."""
    filled = [utc(local(2026, 11, 22, 9)), utc(local(2026, 11, 20, 9)), utc(local(2026, 11, 21, 9))]
    s = due.status("daily", TWO_SHIFTS, LONG_AGO, filled, NOW)
    assert s.last_done == local(2026, 11, 22, 9)


# ---- from the database (demo data) ----

def _card_of(items, unit_name):
    return [c for c in items if c["unit_name"] == unit_name]


def test_team_leader_sees_their_post_card_and_no_other_posts(conn):
    """leader1 (充装班) owes the 充装班 card only."""
    leader = user(conn, "leader1")
    found = due.mine(conn, leader, due.local_now())
    assert found
    assert {c["unit_id"] for c in found} == {leader["unit_id"]}
    assert all(c["tier"] == "post" for c in found)
    assert _card_of(found, "充装班")
    assert not _card_of(found, "运行班")


def test_filling_the_card_this_period_makes_it_done(conn):
    """An inspection now makes leader1's card done."""
    leader = user(conn, "leader1")
    now = due.local_now()
    card = due.mine(conn, leader, now)[0]
    assert card["status"].state == "due"
    conn.execute(
        "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at)"
        " VALUES (?,?,?,?,?)", (card["id"], card["enterprise_id"], card["unit_id"], leader["id"], utc(now)))
    after = {c["id"]: c for c in due.mine(conn, leader, now)}
    assert after[card["id"]]["status"].state == "done"


def test_inspection_of_another_post_does_not_fill_leader1s_card(conn):
    """Only an inspection of that card counts for it."""
    leader = user(conn, "leader1")
    now = due.local_now()
    other = conn.execute("SELECT * FROM checklists WHERE unit_id = ?", (unit_id(conn, "运行班"),)).fetchone()
    conn.execute(
        "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at)"
        " VALUES (?,?,?,?,?)", (other["id"], other["enterprise_id"], other["unit_id"], leader["id"], utc(now)))
    assert all(c["status"].state == "due" for c in due.mine(conn, leader, now))


def test_manager_owes_the_enterprise_checklist_and_lookback(conn):
    """manager1 owes their own enterprise-level checklists, not the units'."""
    manager = user(conn, "manager1")
    found = due.mine(conn, manager, due.local_now())
    assert {c["tier"] for c in found} == {"enterprise", "lookback"}
    assert {c["enterprise_id"] for c in found} == {manager["enterprise_id"]}
    assert all(c["unit_id"] is None for c in found)


def test_grid_worker_and_admin_owe_no_enterprise_checklists(conn):
    """mine is empty for government accounts."""
    now = due.local_now()
    assert due.mine(conn, user(conn, "grid1"), now) == []
    assert due.mine(conn, user(conn, "admin"), now) == []


def test_head_sees_below_only_posts_of_their_workshop(conn):
    """head1 (储配站) sees the 充装班 and 运行班 cards and nothing of 管网运行部."""
    head = user(conn, "head1")
    found = due.below(conn, head, due.local_now())
    assert {c["unit_name"] for c in found} == {"充装班", "运行班"}
    assert {c["parent_unit_name"] for c in found} == {"储配站"}
    assert all(c["tier"] == "post" for c in found)


def test_manager_sees_below_workshop_registers_and_post_cards_of_their_enterprise_only(conn):
    """manager1 sees every unit checklist of enterprise 1 and none of enterprise 2."""
    manager = user(conn, "manager1")
    found = due.below(conn, manager, due.local_now())
    assert {c["enterprise_id"] for c in found} == {manager["enterprise_id"]}
    assert {c["tier"] for c in found} == {"workshop", "post"}
    assert {c["unit_name"] for c in found if c["tier"] == "workshop"} == {"储配站", "管网运行部"}
    assert {c["unit_name"] for c in found if c["tier"] == "post"} == {"充装班", "运行班", "巡线班", "抢修班"}
    assert not {"机加工车间", "车床班"} & {c["unit_name"] for c in found}


def test_team_leader_sees_nothing_below(conn):
    """below is empty for a team leader."""
    assert due.below(conn, user(conn, "leader1"), due.local_now()) == []


def grid_of(conn, worker, now):
    """A grid worker's home list as the page reads it: the overview refreshed, then their grid."""
    overview.refresh(conn, now)
    return overview.grid(conn, *scope.enterprise_where(worker), now)


def test_grid_worker_sees_only_the_enterprises_of_their_grid(conn):
    """grid1 sees enterprise 1 only; grid2 sees enterprise 2 only."""
    now = due.local_now()
    mine = grid_of(conn, user(conn, "grid1"), now)
    assert [e["id"] for e in mine] == [user(conn, "manager1")["enterprise_id"]]
    assert mine[0]["grid_name"] == "丰泽区东海街道第一网格"
    other = grid_of(conn, user(conn, "grid2"), now)
    assert [e["id"] for e in other] == [user(conn, "manager2")["enterprise_id"]]


def test_grid_visit_this_month_marks_the_enterprise_done(conn):
    """A grid inspection now makes the enterprise done for the grid worker."""
    grid = user(conn, "grid1")
    now = due.local_now()
    ent = grid_of(conn, grid, now)[0]
    guide = conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'grid'", (ent["id"],)).fetchone()
    conn.execute(
        "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at)"
        " VALUES (?,?,?,?,?)", (guide["id"], ent["id"], None, grid["id"], utc(now)))
    again = grid_of(conn, grid, now)[0]
    assert again["visited"] is True
    assert again["deadline"] == due.period("monthly", now)[1]


def test_database_status_matches_the_pure_status_for_a_long_lived_monthly_checklist(conn):
    """A monthly checklist filled every month for a year is missing nothing, however old the inspections."""
    manager = user(conn, "manager1")
    now = due.local_now()
    checklist = conn.execute("SELECT * FROM checklists WHERE enterprise_id = ? AND tier = 'enterprise'"
                             " AND unit_id IS NULL", (manager["enterprise_id"],)).fetchone()
    created = now - timedelta(days=400)
    conn.execute("UPDATE checklists SET created_at = ? WHERE id = ?", (utc(created), checklist["id"]))
    start, _ = due.period("monthly", now)
    for _ in range(due.RECENT + 1):
        start, end = due.period("monthly", start - timedelta(seconds=1))
        conn.execute(
            "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at)"
            " VALUES (?,?,?,?,?)",
            (checklist["id"], checklist["enterprise_id"], None, manager["id"], utc(start + timedelta(days=2))))
    found = {c["id"]: c for c in due.mine(conn, manager, now)}[checklist["id"]]["status"]
    stamps = [r[0] for r in conn.execute("SELECT submitted_at FROM inspections WHERE checklist_id = ?",
                                         (checklist["id"],))]
    expected = due.status("monthly", due.parse_shifts(""), utc(created), stamps, now)
    assert found.missed == expected.missed == 0
    assert found.overdue is False


def test_summary_counts_done_overdue_and_missed():
    """summary adds up the statuses of a list."""
    s_done = due.status("daily", TWO_SHIFTS, LONG_AGO, [utc(local(2026, 11, 22, 9))], NOW)
    s_late = due.status("daily", TWO_SHIFTS, LONG_AGO, [], NOW)
    total = due.summary([{"status": s_done}, {"status": s_late}])
    assert total == {"total": 2, "done": 1, "overdue": 2, "missed": 2 * due.RECENT}


def test_lookback_filled_early_last_quarter_is_not_overdue(conn):
    """A quarterly look-back filled on the second day of last quarter owes nothing for that quarter."""
    manager = user(conn, "manager1")
    quarter_start, _ = due.period("quarterly", due.local_now())
    now = quarter_start + timedelta(days=20)
    checklist = conn.execute("SELECT * FROM checklists WHERE enterprise_id = ? AND tier = 'lookback'",
                             (manager["enterprise_id"],)).fetchone()
    last_start, _ = due.period("quarterly", quarter_start - timedelta(seconds=1))
    conn.execute("UPDATE checklists SET created_at = ? WHERE id = ?",
                 (utc(last_start - timedelta(days=1)), checklist["id"]))
    conn.execute(
        "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at)"
        " VALUES (?,?,?,?,?)",
        (checklist["id"], checklist["enterprise_id"], None, manager["id"], utc(last_start + timedelta(days=1))))
    found = {c["id"]: c for c in due.mine(conn, manager, now)}[checklist["id"]]["status"]
    assert found.overdue is False
    assert found.last_done == last_start + timedelta(days=1)
