"""The demo's walls and floors: 六有 signs, 5S scores, risk points and the risk maps on their plans."""

import random
from datetime import UTC, timedelta

from .. import (
    checklists,
    due,
    five_s,
    photos,
    public_reports,
    risk_maps,
    risk_points,
    signs,
)
from ..db import one
from .loop import picture
from .world import unit_named


def put_up_signs(db, ent_ids, people):
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
        signs.create(db, enterprise_id, unit_named(db, enterprise_id, unit) if unit else None, kind, fields, by=manager)
    # A passer-by scanned the 禁止烟火 sign and reported what they saw: 待核实 for the manager and the grid worker.
    sign = one(db, "SELECT * FROM signs WHERE title = '禁止烟火'")
    public_reports.submit(db, sign, description="充装区门口的禁止烟火牌被货车刮掉了一半，字看不清", phone=None,
                          pictures=[picture("orange", 17, due.local_now())])


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


def score_five_s(db, ent_ids, people, current):
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


def assess_risk_points(db, ent_ids, people):
    """Each enterprise's risk points (the gas company's filling is red, the works' are orange at most)."""
    for manager, unit, fields in RISK_POINTS:
        enterprise_id = ent_ids[0] if manager == "manager1" else ent_ids[1]
        risk_points.create(db, enterprise_id, dict(fields, unit_id=unit_named(db, enterprise_id, unit)),
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

    from ..sign_labels import font_file

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


def draw_risk_maps(db, ent_ids, people):
    """Each enterprise's risk map on a drawn plan, its points placed and zoned; the 储配站 shows one without a zone."""
    for ent_index, unit, title, rooms, placed in RISK_MAPS:
        enterprise_id = ent_ids[ent_index]
        by = people["manager1" if ent_index == 0 else "manager2"]
        unit_id = unit_named(db, enterprise_id, unit) if unit else None
        found = risk_maps.get(db, risk_maps.create(db, enterprise_id, unit_id, title,
                                                   photos.prepare(plan_image(rooms)), by=by))
        for name, (x, y), zone in placed:
            point_id = one(db, "SELECT id FROM risk_points WHERE enterprise_id = ? AND name = ?",
                           (enterprise_id, name))["id"]
            risk_maps.place(db, found, point_id, x, y, by=by)
            if zone:
                risk_maps.draw_zone(db, found, point_id, zone, by=by)
