"""Demo data that shows the product: two enterprises in two grids, their people, checklists and history.

Only for `make run` on a new database and for tests; production start never calls it.
"""

import random
from datetime import UTC, timedelta

from . import (
    accounts,
    checklists,
    credit_code,
    draws,
    due,
    enforcement,
    enterprises,
    five_s,
    gradings,
    hazards,
    library,
    monthly_reports,
    papers,
    photos,
    public_reports,
    reverify,
    risk_maps,
    risk_points,
    self_assessment,
    signs,
    supervision,
    units,
)
from .db import one, rows

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


def _unit_id(db, enterprise_id, name):
    return one(db, "SELECT id FROM units WHERE enterprise_id = ? AND name = ?", (enterprise_id, name))["id"]


def _users(db, grid_ids, ent_ids):
    e1, e2 = ent_ids
    people = [
        ("admin", "系统管理员", "admin", {}),
        ("supervisor", "郑监管（市城管局）", "supervisor", {}),
        ("town1", "林安办（东海街道）", "supervisor", {"scope_county": GRIDS[0][1], "scope_township": GRIDS[0][2]}),
        ("grid1", "王网格（东海街道）", "grid_worker", {"grid_id": grid_ids[0]}),
        ("grid2", "吴网格（安海镇）", "grid_worker", {"grid_id": grid_ids[1]}),
        ("manager1", "陈建国", "manager", {"enterprise_id": e1}),
        ("head1", "蔡站长（储配站）", "workshop_head", {"unit_id": _unit_id(db, e1, "储配站")}),
        ("leader1", "苏班长（充装班）", "team_leader", {"unit_id": _unit_id(db, e1, "充装班")}),
        ("leader1b", "李班长（运行班）", "team_leader", {"unit_id": _unit_id(db, e1, "运行班")}),
        ("manager2", "黄志明", "manager", {"enterprise_id": e2}),
        ("head2", "洪主任（机加工车间）", "workshop_head", {"unit_id": _unit_id(db, e2, "机加工车间")}),
        ("leader2", "庄班长（车床班）", "team_leader", {"unit_id": _unit_id(db, e2, "车床班")}),
    ]
    return {u: accounts.create(db, username=u, password=PASSWORD, name=n, role=r, **w) for u, n, r, w in people}


def _setup_checklists(db, ent, people, rng):
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


def _backdate(db, stamp):
    """Make every row written so far look made at `stamp`, so past periods are owed."""
    db.execute("UPDATE checklists SET created_at = ?", (stamp,))
    db.execute("UPDATE checklist_items SET created_at = ?, updated_at = ?", (stamp, stamp))


def _history(db, ent, people, rng, current):
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


def _grid_visits(db, ent, grid_worker_id, days_ago, rng, current):
    """The grid worker's past visits with the grid guide kept at the enterprise."""
    checklist = checklists.grid_checklist(db, ent["id"])
    for days in days_ago:
        _inspect(db, checklist, grid_worker_id, checklists.get_items(db, checklist["id"]),
                 (current - timedelta(days=days)).replace(hour=10, minute=30), rng)


HAZARDS = [
    # (enterprise, unit, description, category, level, stage, days ago)
    (0, "运行班", "可燃气体报警器探头积尘，超过标定周期未标定", "thing", "general", "overdue", 12),
    (0, "巡线班", "巡线发现第三方施工机械在中压管道上方作业，未设警示", "environment", "major", "assigned", 3),
    (0, "储配站", "储罐区消防通道堆放空钢瓶", "environment", "general", "rectified", 5),
    (0, None, "一名特种作业人员证书已过期仍在岗", "management", "general", "reported", 1),
    (0, "运行班", "调压撬区的正压式空气呼吸器气压不足", "thing", "general", "closed", 20),
    (1, "车床班", "车床卡盘防护罩缺失", "thing", "general", "assigned", 2),
    (1, "冲压班", "冲床双手操纵按钮被短接", "human", "major", "reported", 1),
    (1, "焊接班", "焊接区灭火器未放在定置位置", "thing", "general", "on_the_spot", 4),
]


def _picture(colour: str, seed: int, taken) -> "photos.Prepared":
    """A stand-in photo: a coloured scene with a mark, unique per hazard and stage, with its capture time."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), (90 + seed * 7 % 60, 100, 110))
    ImageDraw.Draw(image).rectangle((300 + seed * 10, 250, 900, 650), fill=colour, outline="white", width=12)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return photos.prepare(out.getvalue())


def _backdate_hazard(db, hazard_id, found_at):
    """Spread a demo hazard's steps over the days since it was found, as they would have happened."""
    def stamp(moment):
        return moment.astimezone(UTC).isoformat(timespec="seconds")

    steps = rows(db, "SELECT id, action FROM hazard_events WHERE hazard_id = ? ORDER BY id", (hazard_id,))
    offsets = {"report": timedelta(0), "on_the_spot": timedelta(minutes=15), "assign": timedelta(hours=3),
               "rectify": timedelta(days=1, hours=2), "verify_pass": timedelta(days=1, hours=5)}
    for step in steps:
        db.execute("UPDATE hazard_events SET at = ? WHERE id = ?",
                   (stamp(found_at + offsets[step["action"]]), step["id"]))
    db.execute("UPDATE hazards SET reported_at = ?, assigned_at = CASE WHEN assigned_at IS NULL THEN NULL ELSE ? END,"
               " rectified_at = CASE WHEN rectified_at IS NULL THEN NULL ELSE ? END,"
               " closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE ? END WHERE id = ?",
               (stamp(found_at), stamp(found_at + offsets["assign"]), stamp(found_at + offsets["rectify"]),
                stamp(found_at + (offsets["verify_pass"] if hazards.get(db, hazard_id)["verified_by"]
                                  else offsets["on_the_spot"])), hazard_id))


def _hazards(db, ent_ids, people, current):
    """Hazards at every stage of the loop, so each role has something to do."""
    for n, (ent_index, unit_name, text, category, level, stage, days) in enumerate(HAZARDS):
        enterprise_id = ent_ids[ent_index]
        unit_id = _unit_id(db, enterprise_id, unit_name) if unit_name else None
        staff = {u["role"] + (str(u["unit_id"]) if u["unit_id"] else ""): u["id"] for u in rows(
            db, "SELECT id, role, unit_id FROM users WHERE enterprise_id = ?", (enterprise_id,))}
        manager = staff["manager"]
        reporter = staff.get(f"team_leader{unit_id}") or staff.get(f"workshop_head{unit_id}") or manager
        values = {"description": text, "category": category, "level": level, "on_the_spot": stage == "on_the_spot"}
        found_at = (current - timedelta(days=days)).replace(hour=9, minute=20 + n)
        spot = [_picture("seagreen", n, found_at + timedelta(minutes=15))] if stage == "on_the_spot" else []
        hazard_id = hazards.create(db, enterprise_id=enterprise_id, unit_id=unit_id, source="report", values=values,
                                   by=reporter, before=[_picture("firebrick", n, found_at)], after=spot)
        hazard = hazards.get(db, hazard_id)
        if stage not in ("reported", "on_the_spot"):
            owner = reporter if reporter != manager else staff.get("workshop_head" + str(
                one(db, "SELECT parent_id FROM units WHERE id = ?", (unit_id,))["parent_id"] if unit_id else ""),
                manager)
            deadline = (current + timedelta(days=10)).date().isoformat()
            hazards.assign(db, hazard, owner_id=owner, measure="落实整改并复查", money="800", deadline=deadline,
                           plan="设置警戒区，专人监护，制定专项应急处置方案" if level == "major" else None, by=manager)
            if stage in ("rectified", "closed"):
                fixed = _picture("seagreen", n, found_at + timedelta(days=1, hours=2))
                hazards.rectify(db, hazards.get(db, hazard_id), note="已整改完毕", after=[fixed],
                                by=owner)
            if stage == "closed":
                hazards.verify(db, hazards.get(db, hazard_id), result="pass", note="复查合格", evidence=[], by=manager)
        _backdate_hazard(db, hazard_id, found_at)
        if stage == "overdue":
            db.execute("UPDATE hazards SET deadline = ? WHERE id = ?",
                       ((current - timedelta(days=2)).date().isoformat(), hazard_id))


def _signs(db, ent_ids, people):
    """A few 六有 signs and the 三级警示公告 of each enterprise, each with its QR label."""
    gas, works = ent_ids
    card = {"main_risks": "液化石油气泄漏、静电火花、钢瓶超装", "hazard_types": "泄漏、火灾、爆炸、物体打击",
            "consequences": "火灾爆炸、人员伤亡", "controls": "充装前检漏；接地夹可靠连接；按充装量充装并复秤",
            "emergency": "立即关闭气源和紧急切断阀，疏散人员，禁止一切火源",
            "report": "立即报告站长，站长报告公司安全部",
            "phones": "站长 0595-22000001；火警 119；急救 120"}
    made = [
        (gas, None, "notice_board", {"title": "公司大门安全风险公告栏", "place": "公司大门东侧"}),
        (gas, "储配站", "floor_line", {"title": "储配站地面标线", "place": "储罐区、充装区通道",
                                       "sign_class": "warning"}),
        (gas, "充装班", "risk_card", {"title": "充装岗位安全风险告知卡", "place": "充装台东侧立柱", "risk": card}),
        (gas, "充装班", "post_warning", {"title": "禁止烟火", "place": "充装台入口", "sign_class": "prohibition",
                                         "content": "充装区内严禁烟火，严禁携带火种、穿带钉鞋进入"}),
        (gas, "运行班", "valve_tag", {"title": "1号储罐出液阀", "equipment": "1号储罐", "sign_class": "warning",
                                      "content": "常开；检修时挂牌上锁"}),
        (works, "车床班", "risk_card", {"title": "车床岗位安全风险告知卡", "place": "车床区入口", "risk": {
            "main_risks": "旋转部件卷入、切屑飞溅", "controls": "扎紧袖口，戴护目镜，禁戴手套"}}),
        (works, "机加工车间", "notice_board", {"title": "机加工车间安全风险公告栏", "place": "车间大门"}),
    ]
    for enterprise_id, unit, kind, fields in made:
        manager = people["manager1" if enterprise_id == gas else "manager2"]
        signs.create(db, enterprise_id, _unit_id(db, enterprise_id, unit) if unit else None, kind, fields, by=manager)
    # A passer-by scanned the 禁止烟火 sign and reported what they saw: 待核实 for the manager and the grid worker.
    sign = one(db, "SELECT * FROM signs WHERE title = '禁止烟火'")
    public_reports.submit(db, sign, description="充装区门口的禁止烟火牌被货车刮掉了一半，字看不清", phone=None,
                          pictures=[_picture("orange", 17, due.local_now())])


# 5S 考评 (seed 001 §三(五)): the works' four posts and one post of the gas company score monthly for a year, the post
# and two people each, so the trends and the rankings show: (post, enterprise, scorer, the post's mean total a year ago
# and now, the two people). Deduction photos are a handful of small pictures shared by the demo's scores.
FIVE_S = [
    ("车床班", 1, "head2", 78, 92, ("庄班长（车床班）", "王建伟")),
    ("冲压班", 1, "head2", 86, 84, ("李春生", "黄丽娟")),
    ("焊接班", 1, "manager2", 70, 88, ("吴志明", "郑海燕")),
    ("装配班", 1, "manager2", 90, 91, ("许文华", "蔡小红")),
    ("抢修班", 0, "manager1", 80, 86, ("林国栋", "陈少杰")),
]
FIVE_S_NOTES = {"整理": "作业区堆放待报废的工装夹具", "整顿": "工件未按定置线摆放，压通道标线",
                "清扫": "设备导轨和地面有油污未清理", "清洁": "本周点检表未填写", "素养": "一人作业时未戴防护眼镜"}


def _five_s_photo(colour) -> "photos.Prepared":
    """A small stand-in photo of a 5S finding."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 180), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 200, 140), outline="white", width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return photos.prepare(out.getvalue())


def _five_s(db, ent_ids, people, current):
    """Each listed post's 5S 考评 with a year of monthly scores of the post and two people, dated as made."""
    from datetime import datetime, time

    rng = random.Random(5)  # its own, so the rest of the demo draws the same numbers as before
    colours = {"整理": "sienna", "整顿": "steelblue", "清扫": "darkkhaki", "清洁": "slategray", "素养": "darkcyan"}
    pictures = {group: _five_s_photo(colour) for group, colour in colours.items()}
    first = current.date().replace(day=1)
    months = []
    for back in range(12, -1, -1):
        year, month = divmod(first.month - 1 - back, 12)
        months.append(first.replace(year=first.year + year, month=month + 1))
    for post, ent_index, scorer, then, now_mean, names in FIVE_S:
        ent = one(db, "SELECT * FROM enterprises WHERE id = ?", (ent_ids[ent_index],))
        unit = one(db, "SELECT * FROM units WHERE enterprise_id = ? AND name = ?", (ent["id"], post))
        checklist_id = checklists.add_five_s(db, ent, unit, by=people["manager2" if ent_index else "manager1"])
        checklist = one(db, "SELECT * FROM checklists WHERE id = ?", (checklist_id,))
        items = five_s.criteria(db, checklist)
        for index, day in enumerate(months):
            moment = datetime.combine(day.replace(day=10), time(10, rng.randint(0, 50)), due.TZ)
            if moment > current:
                continue
            mean = then + (now_mean - then) * index / (len(months) - 1)
            for offset, person in enumerate((None, *names)):
                target = max(0.0, min(40.0, round((100 - mean + rng.uniform(-4, 4)) * 2) / 2))
                deductions, left = {}, target
                for item in rng.sample(items, len(items)):
                    if left <= 0:
                        break
                    take = min(item["points"], left, rng.choice((1, 1.5, 2, 3)))
                    left -= take
                    deductions[item["id"]] = five_s.Deduction(
                        points=str(take), note=FIVE_S_NOTES[item["aspect"]], photos=[pictures[item["aspect"]]])
                score_id = five_s.score(db, checklist, people[scorer], whom="person" if person else "post",
                                        person=person, deductions=deductions, items=items)
                stamp = (moment + timedelta(minutes=20 * offset)).astimezone(UTC).isoformat(timespec="seconds")
                db.execute("UPDATE five_s_scores SET scored_at = ? WHERE id = ?", (stamp, score_id))
                db.execute("UPDATE inspections SET submitted_at = ?, client_time = ? WHERE id ="
                           " (SELECT inspection_id FROM five_s_scores WHERE id = ?)", (stamp, stamp, score_id))
        created = datetime.combine(months[0], time(9), due.TZ).astimezone(UTC).isoformat(timespec="seconds")
        db.execute("UPDATE checklists SET created_at = ? WHERE id = ?", (created, checklist_id))
        db.execute("UPDATE checklist_items SET created_at = ?, updated_at = ? WHERE checklist_id = ?",
                   (created, created, checklist_id))
    # The scores were dated after they were written: each list's last two inspections follow the dates.
    db.execute("UPDATE checklists SET last_done_at = (SELECT MAX(submitted_at) FROM inspections i"
               " WHERE i.checklist_id = checklists.id) WHERE kind = 'five_s'")
    db.execute("UPDATE checklists SET prior_done_at = (SELECT MAX(submitted_at) FROM inspections i"
               " WHERE i.checklist_id = checklists.id AND i.submitted_at < checklists.last_done_at)"
               " WHERE kind = 'five_s'")


RISK_POINTS = [
    ("manager1", "充装班", {
        "name": "液化石油气钢瓶充装", "place": "储配站充装台", "activity": "钢瓶充装作业",
        "factors": {"person": "未检漏即充装、超装", "thing": "充装枪、钢瓶阀门泄漏",
                    "environment": "静电、明火进入充装区"},
        "accident_types": "火灾、爆炸、中毒和窒息", "consequences": "群死群伤，充装站损毁",
        "method": "lec", "values": {"L": 6, "E": 6, "C": 15},
        "measures": {"engineering": "充装台设可燃气体报警器并与紧急切断阀联锁\n充装秤设超装自动切断",
                     "management": "充装前逐瓶检漏并复秤记录", "ppe": "穿防静电工作服，进站前触摸静电释放器",
                     "emergency": "泄漏时立即关闭紧急切断阀并疏散"},
        "responsible_name": "蔡站长", "review_on": "2027-06-30"}),
    ("manager1", "储配站", {
        "name": "液化石油气储罐区", "place": "储配站储罐区", "activity": "储罐储存与倒罐",
        "factors": {"thing": "储罐、管道腐蚀泄漏", "management": "安全阀未按期校验"},
        "accident_types": "火灾、爆炸", "consequences": "储罐区火灾，波及周边",
        "method": "lec", "values": {"L": 3, "E": 6, "C": 15},
        "measures": {"engineering": "储罐设液位、压力远传和高低限报警", "management": "安全阀每年校验并记录",
                     "training": "倒罐作业人员持证上岗"},
        "responsible_name": "蔡站长", "review_on": "2027-06-30"}),
    ("manager2", "冲压班", {
        "name": "冲床冲压作业", "place": "机加工车间冲压区", "activity": "开式压力机冲压",
        "factors": {"person": "手伸入模具区", "thing": "光电保护失效"},
        "accident_types": "机械伤害", "consequences": "手指或手掌截断",
        "method": "lec", "values": {"L": 3, "E": 6, "C": 7},
        "measures": {"engineering": "冲床装光电保护装置并每班试验", "ppe": "使用专用送料工具，禁止手伸入模具区"},
        "responsible_name": "洪主任"}),
    ("manager2", "焊接班", {
        "name": "电焊作业", "place": "装配车间焊接区", "activity": "手工电弧焊",
        "factors": {"thing": "焊机外壳漏电", "environment": "焊接烟尘"},
        "accident_types": "触电、火灾、职业危害", "consequences": "人员触电伤亡",
        "method": "ls", "values": {"L": 3, "S": 3},
        "measures": {"engineering": "焊机外壳可靠接地", "ppe": "戴焊接面罩和绝缘手套"}}),
]


def _risk_points(db, ent_ids, people):
    """Each enterprise's risk points (the gas company's filling is red, the works' are orange at most)."""
    for manager, unit, fields in RISK_POINTS:
        enterprise_id = ent_ids[0] if manager == "manager1" else ent_ids[1]
        risk_points.create(db, enterprise_id, dict(fields, unit_id=_unit_id(db, enterprise_id, unit)),
                           by=people[manager])


# The floor plans of the demo's risk maps: (enterprise, workshop or None for the site, title, rooms as fractions
# of the plan with their names, and each point placed: its name, the marker and the zone's corners).
RISK_MAPS = [
    (0, None, "全厂四色安全风险分布图", [
        ("储罐区", (0.05, 0.08, 0.40, 0.55)), ("充装区", (0.48, 0.08, 0.78, 0.45)),
        ("钢瓶库", (0.81, 0.08, 0.95, 0.45)), ("办公楼", (0.05, 0.72, 0.35, 0.92)),
        ("管网运行部", (0.45, 0.72, 0.75, 0.92)), ("门卫", (0.85, 0.80, 0.95, 0.92))], [
        ("液化石油气钢瓶充装", (0.63, 0.36), [[0.48, 0.08], [0.78, 0.08], [0.78, 0.45], [0.48, 0.45]]),
        ("液化石油气储罐区", (0.22, 0.42), [[0.05, 0.08], [0.40, 0.08], [0.40, 0.55], [0.05, 0.55]])]),
    (0, "储配站", "储配站四色安全风险分布图", [
        ("1号储罐", (0.08, 0.12, 0.32, 0.42)), ("2号储罐", (0.08, 0.55, 0.32, 0.85)),
        ("充装台", (0.45, 0.15, 0.92, 0.50)), ("值班室", (0.45, 0.65, 0.70, 0.88))], [
        ("液化石油气钢瓶充装", (0.68, 0.32), [[0.45, 0.15], [0.92, 0.15], [0.92, 0.50], [0.45, 0.50]]),
        ("液化石油气储罐区", (0.20, 0.48), [])]),
    (1, "机加工车间", "机加工车间四色安全风险分布图", [
        ("车床区", (0.05, 0.10, 0.45, 0.50)), ("冲压区", (0.55, 0.10, 0.95, 0.50)),
        ("物料区", (0.05, 0.65, 0.45, 0.90)), ("模具库", (0.55, 0.65, 0.95, 0.90))], [
        ("冲床冲压作业", (0.75, 0.40), [[0.55, 0.10], [0.95, 0.10], [0.95, 0.50], [0.55, 0.50]])]),
]


def plan_image(rooms, size=(1600, 1000)) -> bytes:
    """A floor plan in greys (walls, rooms named in a CJK font when one is installed, the road), as PNG bytes."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from .sign_labels import font_file

    width, height = size
    image = Image.new("RGB", size, "white")
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, int(height * 0.60), width, int(height * 0.67)), fill=(225, 225, 225))  # the road
    found = font_file()
    font = ImageFont.truetype(str(found), 40) if found else None
    for name, (left, top, right, bottom) in rooms:
        box = (int(left * width), int(top * height), int(right * width), int(bottom * height))
        pen.rectangle(box, fill=(244, 244, 244), outline=(90, 90, 90), width=6)
        if font:
            pen.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), name, font=font, fill=(70, 70, 70),
                     anchor="mm")
    pen.rectangle((0, 0, width - 1, height - 1), outline=(40, 40, 40), width=14)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _risk_maps(db, ent_ids, people):
    """Each enterprise's risk map on a drawn plan, its points placed and zoned; the 储配站 shows one without a zone."""
    for ent_index, unit, title, rooms, placed in RISK_MAPS:
        enterprise_id = ent_ids[ent_index]
        by = people["manager1" if ent_index == 0 else "manager2"]
        unit_id = _unit_id(db, enterprise_id, unit) if unit else None
        found = risk_maps.get(db, risk_maps.create(db, enterprise_id, unit_id, title,
                                                   photos.prepare(plan_image(rooms)), by=by))
        for name, (x, y), zone in placed:
            point_id = one(db, "SELECT id FROM risk_points WHERE enterprise_id = ? AND name = ?",
                           (enterprise_id, name))["id"]
            risk_maps.place(db, found, point_id, x, y, by=by)
            if zone:
                risk_maps.draw_zone(db, found, point_id, zone, by=by)


def _supervisions(db, people, current):
    """挂牌督办: the gas company's major hazard listed by the district, two of its 五落实 done with evidence photos;
    the machine works' major hazard is left for a supervisor to list."""
    hazard = hazards.get(db, one(db, "SELECT h.id FROM hazards h JOIN units u ON u.id = h.unit_id"
                                     " WHERE u.name = '巡线班' AND h.level = 'major'", ())["id"])
    by = people["supervisor"]
    listing_id = supervision.list_hazard(
        db, hazard, by=by, level="county", unit="丰泽区安全生产委员会办公室",
        listed_on=(current - timedelta(days=2)).date().isoformat(),
        deadline=(current + timedelta(days=10)).date().isoformat())
    for n, (item, note) in enumerate((("goal", "停止管道上方机械作业，恢复管道保护范围，10 日内消除"),
                                      ("funds", "企业安排警示桩、围挡和监护费用 2 万元，已到位"))):
        supervision.record_check(db, supervision.get(db, listing_id), item, done="1", note=note, by=by,
                                 evidence=[_picture("steelblue", 40 + n, current - timedelta(days=1))])


def _draw(db, people, rng, current):
    """A 双随机 draw by the city supervisor: both enterprises, grid1 and grid2 as the pool, each kept off their own
    grid, so grid1 has 晋江恒力 on their home and grid2 安泰燃气; due in two weeks."""
    supervisor = one(db, "SELECT * FROM users WHERE id = ?", (people["supervisor"],))
    pool = [people["grid1"], people["grid2"]]
    settings = {"purpose": "本季度双随机抽查（演示）", "filters": {},
                "population_ids": draws.population(db, supervisor, {}), "pool_ids": sorted(pool),
                "n": 2, "m": 2, "team": 1, "exclude": True,
                "due_on": (current.date() + timedelta(days=14)).isoformat(),
                "pool_grids": {r["id"]: r["grid_id"] for r in rows(
                    db, "SELECT id, grid_id FROM users WHERE id IN (?, ?)", pool)}}
    draws.make(db, supervisor, settings, seed=f"{rng.getrandbits(64):016x}")


def _papers_and_enforcement(db, ent_ids, people, current):
    """告知书/承诺书 as the enterprise files say: the gas company has both (the signed 承诺书 photographed), the machine
    works only the 告知书, so 安海镇 misses one 承诺书; and a 约谈警示 of the machine works this month."""
    from datetime import date

    gas, works = (one(db, "SELECT * FROM enterprises WHERE id = ?", (i,)) for i in ent_ids)
    for ent, kind, person, by, photo in (
            (gas, "notice", "林晓峰（安全管理员）", "grid1", None), (gas, "commitment", "陈建国", "grid1", "ivory"),
            (works, "notice", "许丽华（安全管理员）", "grid2", None)):
        on_date = date.fromisoformat(ent[papers.COLUMNS[kind]])
        picture = _picture(photo, 51 + len(person), current.replace(year=on_date.year, month=on_date.month,
                                                                    day=on_date.day)) if photo else None
        papers.record(db, ent, kind, {"on_date": on_date, "person": person, "picture": picture}, people[by])
    enforcement.record(db, works["id"], {"kind": "interview", "name": "约谈警示", "amount": None,
                                         "on_date": (current - timedelta(days=1)).date(),
                                         "note": "约谈主要负责人：冲压班安全防护装置缺失，限期整改"},
                       people["supervisor"])


def _reverify(db, people, current):
    """回头看: the city supervisor's draw of the hazards closed in the last month, each waiting for its grid
    worker's revisit."""
    supervisor = one(db, "SELECT * FROM users WHERE id = ?", (people["supervisor"],))
    start = (current - timedelta(days=30)).date().isoformat()
    reverify.draw(db, supervisor, {"start": start, "end": current.date().isoformat(), "size": 20})


SELF_ASSESSMENT_DEDUCTIONS = {  # the machine works' submitted 自评: item → (points, reason, evidence kind, note)
    "5.4.4": (5, "冲压车间部分设备未设置安全警示标志", "photo", "冲压车间 3 号冲床旁无警示标志"),
    "5.6.1.4": (4, "本年度仅开展一次综合应急演练，一线员工参与不足", "document", "《2024 年应急演练记录》第 2 页"),
}


def _standardization(db, ent_ids, people, current):
    """The gas company's 达标 and 星级 as its file says (国标三级, 二星 with its 公示), recorded by the supervisor; the
    machine works' submitted 自评 with two deductions and their evidence, and the gas company's 自评 under way."""
    gas = one(db, "SELECT * FROM enterprises WHERE id = ?", (ent_ids[0],))
    gradings.record(db, gas, "grade", {"standard_status": "national", "standard_grade": "3", "on_date": "2023-12-15",
                                       "note": "泉应急〔2023〕标准化达标公告"}, people["supervisor"])
    gradings.record(db, gas, "star", {"star_rating": "2", "on_date": "2024-06-20", "publicised_on": "2024-06-10"},
                    people["supervisor"])
    standard = self_assessment.standard(db)
    items = self_assessment.criteria(db, standard["id"])
    for index, manager in ((1, "manager2"), (0, "manager1")):
        assessment_id = self_assessment.start(db, ent_ids[index], standard["id"], people[manager])
        found = self_assessment.get(db, assessment_id)
        # The gas company has scored only 目标职责 so far, all of it 符合.
        for group in self_assessment.elements(items)[: 8 if index else 1]:
            answers = {}
            for item in group["items"]:
                taken = SELF_ASSESSMENT_DEDUCTIONS.get(item["code"]) if index else None
                answers[item["id"]] = self_assessment.Entry(
                    result="deduct" if taken else "full", points=str(taken[0]) if taken else "",
                    note=taken[1] if taken else "")
            self_assessment.save_element(db, found, group["items"], answers, people[manager])
        if not index:
            continue
        for item in items:
            taken = SELF_ASSESSMENT_DEDUCTIONS.get(item["code"])
            if taken:
                self_assessment.add_evidence(
                    db, found, item, kind=taken[2], ref=None, note=taken[3], by=people[manager],
                    pictures=[_picture("gold", 37, current - timedelta(days=3))] if taken[2] == "photo" else [])
        self_assessment.submit(db, found, people[manager], confirmed=True)


def _monthly_report(db, people, current):
    """The city supervisor has handed in last month's 附件3 (frozen as it was); 附件4 is still to do."""
    supervisor = one(db, "SELECT * FROM users WHERE id = ?", (people["supervisor"],))
    monthly_reports.submit(db, supervisor, "annex3", monthly_reports.last_month(current.date()),
                           {"unit_name": "泉州市城市管理局", "person": "郑监管", "phone": "0595-22581234"})


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
        people = _users(db, grid_ids, ent_ids)
        visits = {ent_ids[0]: ("grid1", (40, 12)), ent_ids[1]: ("grid2", (33,))}
        for enterprise_id in ent_ids:
            ent = one(db, "SELECT * FROM enterprises WHERE id = ?", (enterprise_id,))
            _setup_checklists(db, ent, people, rng)
            grid_user, days_ago = visits[enterprise_id]
            _grid_visits(db, ent, people[grid_user], days_ago, rng, current)
        _backdate(db, (current - timedelta(days=45)).astimezone(UTC).isoformat(timespec="seconds"))
        for enterprise_id in ent_ids:
            _history(db, one(db, "SELECT * FROM enterprises WHERE id = ?", (enterprise_id,)), people, rng, current)
        _hazards(db, ent_ids, people, current)
        _signs(db, ent_ids, people)
        _five_s(db, ent_ids, people, current)
        _risk_points(db, ent_ids, people)
        _risk_maps(db, ent_ids, people)
        _standardization(db, ent_ids, people, current)
        _reverify(db, people, current)
        _draw(db, people, rng, current)
        _supervisions(db, people, current)
        _papers_and_enforcement(db, ent_ids, people, current)
        _monthly_report(db, people, current)
