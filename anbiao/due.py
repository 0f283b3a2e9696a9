"""What is due: the periods of each frequency in Asia/Shanghai time, and who owes which checklist."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .db import rows

TZ = ZoneInfo("Asia/Shanghai")
RECENT = 7  # how many past periods the state of a checklist looks back over


def local_now() -> datetime:
    """The current time in Asia/Shanghai."""
    return datetime.now(TZ)


def parse_shifts(text: str) -> list[time]:
    """'08:00,20:00' as sorted start times."""
    return sorted(time.fromisoformat(part) for part in (text or "08:00,20:00").split(","))


def period(frequency: str, at: datetime, shifts: list[time] | None = None) -> tuple[datetime, datetime]:
    """The [start, end) of the period of a frequency that contains `at`, in Shanghai time."""
    at = at.astimezone(TZ)
    midnight = datetime.combine(at.date(), time(0), TZ)
    if frequency == "daily":
        return midnight, midnight + timedelta(days=1)
    if frequency == "weekly":
        start = midnight - timedelta(days=at.weekday())
        return start, start + timedelta(days=7)
    if frequency in ("monthly", "quarterly"):
        first_month = at.month if frequency == "monthly" else 3 * ((at.month - 1) // 3) + 1
        start = midnight.replace(month=first_month, day=1)
        months = 1 if frequency == "monthly" else 3
        year, month = divmod(start.month - 1 + months, 12)
        return start, start.replace(year=start.year + year, month=month + 1)
    if frequency == "shift":
        starts = [datetime.combine(at.date() + timedelta(days=d), s, TZ)
                  for d in (-1, 0, 1) for s in (shifts or parse_shifts(""))]
        start = max(s for s in starts if s <= at)
        return start, min(s for s in starts if s > at)
    raise ValueError(f"unknown frequency {frequency}")


def as_local(stamp: str) -> datetime:
    """A stored UTC timestamp in Shanghai time."""
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(TZ)


@dataclass
class Status:
    """Where one checklist stands now."""

    state: str  # 'done' this period, or 'due'
    overdue: bool  # the last period it was owed for ended without an inspection
    start: datetime
    deadline: datetime
    missed: int  # owed past periods without an inspection, among the last RECENT
    last_done: datetime | None


def status(frequency: str, shifts: list[time], created_at: str, done_at: list[str], now: datetime) -> Status:
    """The state of a checklist from its inspection times; a period is owed once the checklist existed at its start."""
    created = as_local(created_at)
    done = sorted(as_local(d) for d in done_at)
    start, end = period(frequency, now, shifts)
    state = "done" if any(start <= d < end for d in done) else "due"
    missed, overdue, cursor = 0, False, start
    for back in range(RECENT):
        p_start, p_end = period(frequency, cursor - timedelta(seconds=1), shifts)
        cursor = p_start
        if p_start < created:
            break
        if not any(p_start <= d < p_end for d in done):
            missed += 1
            overdue = overdue or back == 0
    return Status(state, overdue, start, end, missed, done[-1] if done else None)


def _horizon(frequencies, now: datetime) -> datetime:
    """The earliest moment `status` looks at for these frequencies: RECENT periods before the current one."""
    earliest = now
    for frequency in frequencies:
        cursor = period(frequency, now)[0]
        for _ in range(RECENT):
            cursor = period(frequency, cursor - timedelta(seconds=1))[0]
        earliest = min(earliest, cursor - timedelta(days=1))  # a day's margin for shift boundaries
    return earliest


def _statuses(db, checklists: list[dict], now: datetime) -> list[dict]:
    """Attach a Status to each checklist, reading all their inspections in one query."""
    if not checklists:
        return []
    ids = [c["id"] for c in checklists]
    since = _horizon({c["frequency"] for c in checklists}, now).astimezone(UTC).isoformat(timespec="seconds")
    found: dict[int, list[str]] = {i: [] for i in ids}
    for row in rows(db, f"SELECT checklist_id, submitted_at FROM inspections WHERE submitted_at >= ? "
                        f"AND checklist_id IN ({','.join('?' * len(ids))})", [since, *ids]):
        found[row["checklist_id"]].append(row["submitted_at"])
    shifts: dict[int, list[time]] = {}
    out = []
    for c in checklists:
        if c["enterprise_id"] not in shifts:
            shifts[c["enterprise_id"]] = parse_shifts(
                db.execute("SELECT shifts FROM enterprises WHERE id = ?", (c["enterprise_id"],)).fetchone()[0])
        out.append(dict(c, status=status(c["frequency"], shifts[c["enterprise_id"]], c["created_at"],
                                         found[c["id"]], now)))
    return out


_CHECKLISTS = ("SELECT c.*, u.name AS unit_name, p.name AS parent_unit_name, e.name AS enterprise_name"
               " FROM checklists c JOIN enterprises e ON e.id = c.enterprise_id"
               " LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN units p ON p.id = u.parent_id"
               " WHERE c.archived_at IS NULL AND (u.id IS NULL OR u.archived_at IS NULL) AND ")


def mine(db, user, now: datetime | None = None) -> list[dict]:
    """The checklists a person must fill themselves, with their status, most urgent first."""
    now = now or local_now()
    role = user["role"]
    if role == "team_leader":
        where, params = "(c.unit_id = ? OR c.responsible_user_id = ?)", [user["unit_id"], user["id"]]
    elif role == "workshop_head":
        where, params = "(c.unit_id = ? OR c.responsible_user_id = ?)", [user["unit_id"], user["id"]]
    elif role == "manager":
        # `+c.unit_id`: the whole-enterprise lists are found by enterprise, never by walking every unit-less one.
        where = ("((+c.unit_id IS NULL AND c.enterprise_id = ? AND c.tier IN ('enterprise','lookback'))"
                 " OR c.responsible_user_id = ?)")
        params = [user["enterprise_id"], user["id"]]
    else:
        return []
    found = _statuses(db, rows(db, _CHECKLISTS + where + " ORDER BY c.id", params), now)
    return sorted(found, key=lambda c: (c["status"].state == "done", not c["status"].overdue,
                                        c["status"].deadline))


def below(db, user, now: datetime | None = None) -> list[dict]:
    """The checklists of the units under a person (a head's posts, a manager's workshops and posts)."""
    now = now or local_now()
    if user["role"] == "workshop_head":
        where, params = "u.parent_id = ?", [user["unit_id"]]
    elif user["role"] == "manager":
        where, params = "c.enterprise_id = ? AND c.unit_id IS NOT NULL", [user["enterprise_id"]]
    else:
        return []
    order = " ORDER BY p.position, u.position, c.id"
    return _statuses(db, rows(db, _CHECKLISTS + where + order, params), now)


def of_unit(db, unit_id: int, now: datetime | None = None) -> list[dict]:
    """The checklists kept at one unit (a post's cards, a workshop's 表册), with their status, most urgent first."""
    found = _statuses(db, rows(db, _CHECKLISTS + "c.unit_id = ? ORDER BY c.id", [unit_id]), now or local_now())
    return sorted(found, key=lambda c: (c["status"].state == "done", not c["status"].overdue, c["status"].deadline))


def summary(items: list[dict]) -> dict:
    """Counts a head or manager reads at a glance."""
    return {
        "total": len(items),
        "done": sum(c["status"].state == "done" for c in items),
        "overdue": sum(c["status"].overdue for c in items),
        "missed": sum(c["status"].missed for c in items),
    }
