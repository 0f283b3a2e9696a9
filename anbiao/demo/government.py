"""The demo's government side: standardization, 回头看, the 双随机 draw, 挂牌督办, papers, enforcement, reports."""

from datetime import timedelta

from .. import (
    draws,
    enforcement,
    gradings,
    hazards,
    monthly_reports,
    papers,
    reverify,
    self_assessment,
    supervision,
)
from ..db import one, rows
from .loop import backdate_hazard, picture
from .world import unit_named


def list_supervisions(db, people, current):
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
                                 evidence=[picture("steelblue", 40 + n, current - timedelta(days=1))])


def draw_inspections(db, people, rng, current):
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


def papers_and_enforcement(db, ent_ids, people, current):
    """告知书/承诺书 as the enterprise files say: the gas company has both (the signed 承诺书 photographed), the machine
    works only the 告知书, so 安海镇 misses one 承诺书; and a 约谈警示 of the machine works this month."""
    from datetime import date

    gas, works = (one(db, "SELECT * FROM enterprises WHERE id = ?", (i,)) for i in ent_ids)
    for ent, kind, person, by, photo in (
            (gas, "notice", "林晓峰（安全管理员）", "grid1", None), (gas, "commitment", "陈建国", "grid1", "ivory"),
            (works, "notice", "许丽华（安全管理员）", "grid2", None)):
        on_date = date.fromisoformat(ent[papers.COLUMNS[kind]])
        signed = picture(photo, 51 + len(person), current.replace(year=on_date.year, month=on_date.month,
                                                                  day=on_date.day)) if photo else None
        papers.record(db, ent, kind, {"on_date": on_date, "person": person, "picture": signed}, people[by])
    enforcement.record(db, works["id"], {"kind": "interview", "name": "约谈警示", "amount": None,
                                         "on_date": (current - timedelta(days=1)).date(),
                                         "note": "约谈主要负责人：冲压班安全防护装置缺失，限期整改"},
                       people["supervisor"])


def reverify_draw(db, people, current):
    """回头看: the city supervisor's draw of the hazards closed in the last month, each waiting for its grid
    worker's revisit."""
    supervisor = one(db, "SELECT * FROM users WHERE id = ?", (people["supervisor"],))
    start = (current - timedelta(days=30)).date().isoformat()
    reverify.draw(db, supervisor, {"start": start, "end": current.date().isoformat(), "size": 20})


SELF_ASSESSMENT_DEDUCTIONS = {  # the machine works' submitted 自评: item → (points, reason, evidence kind, note)
    "5.4.4": (5, "冲压车间部分设备未设置安全警示标志", "photo", "冲压车间 3 号冲床旁无警示标志"),
    "5.6.1.4": (4, "本年度仅开展一次综合应急演练，一线员工参与不足", "document", "《2024 年应急演练记录》第 2 页"),
}


def standardization(db, ent_ids, people, current):
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
                    pictures=[picture("gold", 37, current - timedelta(days=3))] if taken[2] == "photo" else [])
        self_assessment.submit(db, found, people[manager], confirmed=True)


def monthly_report(db, people, current):
    """The city supervisor has handed in last month's 附件3 (frozen as it was); 附件4 is still to do."""
    supervisor = one(db, "SELECT * FROM users WHERE id = ?", (people["supervisor"],))
    monthly_reports.submit(db, supervisor, "annex3", monthly_reports.last_month(current.date()),
                           {"unit_name": "泉州市城市管理局", "person": "郑监管", "phone": "0595-22581234"})


def government_finding(db, ent_ids, people, current):
    """A hazard grid1 found at the gas company's 运行班 on a visit, fixed by its owner and now waiting for grid1's
    复查 (their day's 待复查); made last, so the ids of everything before stay as they were."""
    gas = ent_ids[0]
    found_at = (current - timedelta(days=6)).replace(hour=10, minute=40)
    values = {"description": "调压撬静电接地夹锈蚀，接地电阻超过一年未检测", "category": "thing", "level": "general",
              "on_the_spot": False}
    hazard_id = hazards.create(db, enterprise_id=gas, unit_id=unit_named(db, gas, "运行班"), source="report",
                               values=values, by=people["grid1"], before=[picture("firebrick", 58, found_at)])
    hazards.assign(db, hazards.get(db, hazard_id), owner_id=people["leader1b"], measure="更换接地夹并检测接地电阻",
                   money="300", deadline=(current + timedelta(days=4)).date().isoformat(), plan=None,
                   by=people["manager1"])
    hazards.rectify(db, hazards.get(db, hazard_id), note="已更换接地夹，接地电阻检测合格",
                    after=[picture("seagreen", 58, found_at + timedelta(days=1, hours=2))], by=people["leader1b"])
    backdate_hazard(db, hazard_id, found_at)
