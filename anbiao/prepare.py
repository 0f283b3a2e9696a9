"""离线准备: the pages one person needs on the phone today, so the day's work opens where there is no signal.

Each page is an address, a title and the heading it is listed under. Every one comes from the person's own
lists (due, the hazard loop, their grid), which scope already confines, and each fill page is checked once
more with scope: the list never names a page the person could not open. The phone fetches and keeps them
(offline/prepare.js asks the service worker). The signs of the person's units (a grid worker: of the day's
enterprises) are kept too, with the 扫一扫 page, so a label scanned in the app opens with no signal.
"""

from dataclasses import dataclass
from datetime import datetime

from . import checklists, due, hazard_lists, overview, scope, signs, visit_plan
from . import grid_day as day_plan

GRID_DAY = 8  # enterprises a grid worker makes ready at once: they walk maybe 5–10 a day, not the whole grid
HAZARD_PAGES = 10  # open hazards kept per enterprise of a grid worker's day; the enterprise's list names the rest
BELOW_DUE = 20  # a manager's due registers and cards; more than a morning's walk, the rest waits for signal
LOOP_PAGES = 30  # hazards of a person's to-do loop (四定, 整改, 验收), overdue first
TITLE_CHARS = 40  # a hazard's description as a title: enough to tell two apart on a phone
# Sign pages kept per list (the person's units, or one enterprise of a grid worker's day): a post or a workshop has
# a handful, a whole enterprise may have hundreds of valve tags; the rest wait for signal and the heading says so.
SIGN_PAGES = 30

HOME, OUTBOX, SCAN = "/", "/outbox", "/scan"
MINE, BELOW_HEAD, BELOW_MANAGER = "我的检查", "本车间岗位卡片", "车间表册与岗位卡片"
LOOP, REPORT, ALWAYS = "待办隐患", "随手拍", "首页、扫一扫与待同步"
RECHECK = "待复查"
SIGNS = "本单位标识（扫码可离线打开）"
REPORT_TITLE = "随手拍 · 报告隐患"


@dataclass(frozen=True)
class Page:
    """One page to keep on the phone, and the heading it is listed under."""

    url: str
    title: str
    group: str


def for_today(db, user, now: datetime | None = None, *, grace: int = 0) -> list[Page]:
    """Everything the person needs today, in the order the list shows it; each address once."""
    now = now or due.local_now()
    role = user["role"]
    pages: list[Page] = []
    if role in scope.ENTERPRISE_STAFF:
        pages += _checklists(db, user, due.mine(db, user, now), MINE)
    if role == "workshop_head":
        pages += _checklists(db, user, due.below(db, user, now), BELOW_HEAD, only_due=False)
    if role == "manager":
        pages += _checklists(db, user, due.below(db, user, now), BELOW_MANAGER)[:BELOW_DUE]
    if role == "grid_worker":
        for ent in grid_day(db, user, now, grace=grace):
            pages += _visit(db, ent)
            pages += _signs(db, ent["id"], None, f"标识：{ent['name']}")
        # 复查 ready to accept on the way: the hazard page carries the acceptance form.
        pages += [Page(f"/hazards/{h['id']}", _short(h["description"]), RECHECK)
                  for h in day_plan.rechecks(db, user, now.date()) if h["ready"]]
    pages += _loop(db, user)
    if role in scope.ENTERPRISE_STAFF:
        pages.append(Page(_report_url(user["enterprise_id"]), REPORT_TITLE, REPORT))
        pages += _signs(db, user["enterprise_id"], scope.unit_ids(db, user), SIGNS)
    pages += [Page(HOME, "待办（首页）", ALWAYS), Page(SCAN, "扫一扫", ALWAYS), Page(OUTBOX, "待同步", ALWAYS)]
    return _once(pages)


def _fill_url(checklist_id: int) -> str:
    return f"/checklists/{checklist_id}/fill"


def _report_url(enterprise_id: int) -> str:
    return f"/enterprises/{enterprise_id}/hazards/new"


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def _checklists(db, user, found: list[dict], group: str, only_due: bool = True) -> list[Page]:
    """The fill pages of checklists (those still due this period unless `only_due` is off), due ones first,
    only those the person may open and fill."""
    found = sorted(found, key=lambda c: (c["status"].state == "done", not c["status"].overdue,
                                         c["status"].deadline))
    return [Page(_fill_url(c["id"]), c["title"], group) for c in found
            if (not only_due or c["status"].state != "done")
            and scope.sees_checklist(db, user, c) and scope.may_fill(db, user, c)]


def grid_day(db, user, now: datetime, *, grace: int = 0) -> list[dict]:
    """The enterprises of the grid worker's 今日计划 in its order (anbiao/grid_day.py), then those due for a visit
    by today, as the plan orders them (overdue first, the worse colour first on the same date;
    anbiao/visit_plan.py), up to GRID_DAY in all (the picked ones always)."""
    where, params = scope.enterprise_where(user)
    overview.refresh(db, now, grace=grace)
    picked = day_plan.planned(db, user, now.date())
    chosen = {e["id"] for e in picked}
    owed = [e for e in visit_plan.due_by(db, where, params, now.date(), GRID_DAY) if e["id"] not in chosen]
    return picked + owed[:max(0, GRID_DAY - len(picked))]


def _visit(db, ent: dict) -> list[Page]:
    """A grid worker's visit: the grid guide to fill (kept at the enterprise, made now on its first visit), the
    enterprise's page with its units, its open hazards and their pages, and the 随手拍 form."""
    group = f"今日企业：{ent['name']}"
    pages = []
    try:
        guide = checklists.grid_checklist(db, ent["id"])
        pages.append(Page(_fill_url(guide["id"]), guide["title"], group))
    except ValueError:
        pass  # no grid guide in the library yet: the enterprise's own pages are still worth keeping
    pages.append(Page(f"/enterprises/{ent['id']}", "企业档案与车间岗位", group))
    found = hazard_lists.search(db, "h.enterprise_id = ?", [ent["id"]], status="open", limit=HAZARD_PAGES)
    # The address the enterprise page links to: the open list while any are open, else the whole list.
    listing = f"/enterprises/{ent['id']}/hazards" + ("?status=open" if found else "")
    pages.append(Page(listing, "未闭环隐患清单" if found else "隐患清单（已清零）", group))
    pages += [Page(f"/hazards/{h['id']}", _short(h["description"]), group) for h in found]
    pages.append(Page(_report_url(ent["id"]), REPORT_TITLE, group))
    return pages


def _signs(db, enterprise_id: int, only: set[int] | None, group: str) -> list[Page]:
    """The public pages of an enterprise's signs in use (of the units in `only` when given) as their current labels
    address them, so a label scanned in the app opens from the phone; at most SIGN_PAGES, the heading says if more."""
    found = signs.of_enterprise(db, enterprise_id, only)
    if len(found) > SIGN_PAGES:
        group = f"{group}（共 {len(found)} 个，先准备前 {SIGN_PAGES} 个）"
    return [Page(signs.address("", s["token"]), _short(" · ".join(filter(None, (s["title"], s["place"])))), group)
            for s in found[:SIGN_PAGES]]


def _loop(db, user) -> list[Page]:
    """The hazards waiting for this person's 四定, 整改 or 验收, as the home page lists them: their forms must
    be fillable with no signal."""
    work = hazard_lists.for_person(db, user, scope.unit_ids(db, user))
    found = [h for key in ("overdue", "fix", "assign", "verify") for h in work[key]]
    return _once([Page(f"/hazards/{h['id']}", _short(h["description"]), LOOP) for h in found])[:LOOP_PAGES]


def _once(pages: list[Page]) -> list[Page]:
    """Each address once, where it first appears."""
    seen: set[str] = set()
    out = []
    for page in pages:
        if page.url not in seen:
            seen.add(page.url)
            out.append(page)
    return out
