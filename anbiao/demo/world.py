"""The demo's world: its grids, enterprises, people, checklists, their history and the grid workers' visits."""

from datetime import UTC, timedelta

from .. import (
    accounts,
    checklists,
    due,
    library,
    units,
)
from ..db import one, rows

PASSWORD = "demo1234"

GRIDS = [("丰泽区东海街道第一网格", "丰泽区", "东海街道"), ("晋江市安海镇第三网格", "晋江市", "安海镇")]

ENTERPRISES = [
    {
        "name": "泉州市安泰燃气有限公司", "code17": "91350503MA31ABCD2", "industry": "城镇燃气",
        "size_class": "medium", "grid": GRIDS[0][0], "address": "泉州市丰泽区东海街道通港西街 88 号",
        "principal_name": "陈建国", "principal_phone": "13905951001", "safety_manager_name": "林晓峰",
        "safety_manager_phone": "13905951002", "standard_status": "national", "standard_grade": 3,
        "benchmark_level": "county", "star_rating": 2, "notice_delivered_on": "2024-02-20",
        "commitment_signed_on": "2024-02-26", "shifts": "08:00,20:00",
        "units": {"储配站": ["充装班", "运行班"], "管网运行部": ["巡线班", "抢修班"]},
    },
    {
        "name": "晋江市恒力机械制造有限公司", "code17": "91350582MA32EFGH3", "industry": "工贸",
        "size_class": "above_scale", "grid": GRIDS[1][0], "address": "晋江市安海镇前蔡工业区 16 号",
        "principal_name": "黄志明", "principal_phone": "13905952001", "safety_manager_name": "许丽华",
        "safety_manager_phone": "0595-85761234", "standard_status": "self_assessed", "standard_grade": None,
        "benchmark_level": "none", "star_rating": 1, "notice_delivered_on": "2024-03-04",
        "commitment_signed_on": None, "shifts": "08:00,16:00,00:00",
        "units": {"机加工车间": ["车床班", "冲压班"], "装配车间": ["焊接班", "装配班"]},
    },
]


def unit_named(db, enterprise_id, name):
    return one(db, "SELECT id FROM units WHERE enterprise_id = ? AND name = ?", (enterprise_id, name))["id"]


def users(db, grid_ids, ent_ids):
    e1, e2 = ent_ids
    people = [
        ("admin", "系统管理员", "admin", {}),
        ("supervisor", "郑监管（市城管局）", "supervisor", {}),
        ("town1", "林安办（东海街道）", "supervisor", {"scope_county": GRIDS[0][1], "scope_township": GRIDS[0][2]}),
        ("grid1", "王网格（东海街道）", "grid_worker", {"grid_id": grid_ids[0]}),
        ("grid2", "吴网格（安海镇）", "grid_worker", {"grid_id": grid_ids[1]}),
        ("manager1", "陈建国", "manager", {"enterprise_id": e1}),
        ("head1", "蔡站长（储配站）", "workshop_head", {"unit_id": unit_named(db, e1, "储配站")}),
        ("leader1", "苏班长（充装班）", "team_leader", {"unit_id": unit_named(db, e1, "充装班")}),
        ("leader1b", "李班长（运行班）", "team_leader", {"unit_id": unit_named(db, e1, "运行班")}),
        ("manager2", "黄志明", "manager", {"enterprise_id": e2}),
        ("head2", "洪主任（机加工车间）", "workshop_head", {"unit_id": unit_named(db, e2, "机加工车间")}),
        ("leader2", "庄班长（车床班）", "team_leader", {"unit_id": unit_named(db, e2, "车床班")}),
    ]
    return {u: accounts.create(db, username=u, password=PASSWORD, name=n, role=r, **w) for u, n, r, w in people}


def setup_checklists(db, ent, people, rng):
    """Adopt the industry set, derive each workshop's register and each post's card."""
    docs = library.industry_set(db, ent["industry"])
    enterprise_checklist = checklists.adopt(db, ent, docs["enterprise"]["id"])
    lookback = next(d for d in library.current_docs(db) if d["tier"] == "lookback")
    checklists.adopt(db, ent, lookback["id"])
    for workshop in units.tree(db, ent["id"]):
        source = checklists.candidates(db, ent, workshop)
        head = one(db, "SELECT id FROM users WHERE unit_id = ? AND role = 'workshop_head'", (workshop["id"],))
        checklists.derive(
            db, ent, workshop,
            parent_item_ids=[i["id"] for i in source["parent_items"] if i["aspect"] != "基础管理"][:6],
            library_item_ids=[i["id"] for i in source["template_items"]][:10],
            responsible_user_id=head["id"] if head else None)
        for post in workshop["posts"]:
            source = checklists.candidates(db, ent, post)
            leader = one(db, "SELECT id FROM users WHERE unit_id = ? AND role = 'team_leader'", (post["id"],))
            checklists.derive(
                db, ent, post,
                library_item_ids=[i["id"] for i in source["template_items"]][:8],
                own=[{"aspect": "作业现场", "content": f"{post['name']}作业区域通道畅通，物料定置摆放（5S）"}],
                responsible_user_id=leader["id"] if leader else None)
    return enterprise_checklist


def backdate(db, stamp):
    """Make every row written so far look made at `stamp`, so past periods are owed."""
    db.execute("UPDATE checklists SET created_at = ?", (stamp,))
    db.execute("UPDATE checklist_items SET created_at = ?, updated_at = ?", (stamp, stamp))


def history(db, ent, people, rng, current):
    """A few weeks of past inspections: mostly on time, some missed, a few failed items."""
    shifts = due.parse_shifts(ent["shifts"])
    for checklist in rows(db, "SELECT * FROM checklists WHERE enterprise_id = ? AND tier != 'grid'", (ent["id"],)):
        if checklist["tier"] == "lookback":
            continue
        inspector = checklist["responsible_user_id"] or one(
            db, "SELECT id FROM users WHERE enterprise_id = ? AND role = 'manager'", (ent["id"],))["id"]
        items = checklists.get_items(db, checklist["id"])
        start, _ = due.period(checklist["frequency"], current, shifts)
        for _ in range(40):
            start, end = due.period(checklist["frequency"], start - timedelta(seconds=1), shifts)
            if start < current - timedelta(days=42):
                break
            if rng.random() < 0.15:
                continue  # missed: shows up as 漏检
            moment = _working_moment(checklist["frequency"], start, end, rng)
            _inspect(db, checklist, inspector, items, moment, rng)


def _working_moment(frequency, start, end, rng):
    """When a person would have filled it: early in the shift, or in office hours on a weekday of the period."""
    if frequency == "shift":
        return start + timedelta(minutes=rng.randint(10, 90))
    days = max(1, int((end - start).days * 0.6))
    day = start + timedelta(days=rng.randrange(days))
    while day.weekday() >= 5 and day + timedelta(days=1) < end and frequency != "daily":
        day += timedelta(days=1)
    return day.replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59))


def _inspect(db, checklist, inspector_id, items, moment, rng):
    stamp = moment.astimezone(UTC).isoformat(timespec="seconds")
    cur = db.execute(
        "INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at, client_time)"
        " VALUES (?,?,?,?,?,?)",
        (checklist["id"], checklist["enterprise_id"], checklist["unit_id"], inspector_id, stamp, stamp))
    for item in items:
        # Failed items come with their hazards, which the hazard loop's demo adds; history here passes.
        result = rng.choices(["ok", "na"], weights=[95, 5])[0]
        db.execute(
            "INSERT INTO inspection_results (inspection_id, checklist_item_id, position, aspect, content, result)"
            " VALUES (?,?,?,?,?,?)", (cur.lastrowid, item["id"], item["position"], item["aspect"], item["content"],
                                      result))


def grid_visits(db, ent, grid_worker_id, days_ago, rng, current):
    """The grid worker's past visits with the grid guide kept at the enterprise."""
    checklist = checklists.grid_checklist(db, ent["id"])
    for days in days_ago:
        _inspect(db, checklist, grid_worker_id, checklists.get_items(db, checklist["id"]),
                 (current - timedelta(days=days)).replace(hour=10, minute=30), rng)
