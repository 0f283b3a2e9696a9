"""The demo's hazards at every stage of the loop (隐患 → 整改 → 验收), with their photos."""

from datetime import UTC, timedelta

from .. import (
    hazards,
    photos,
)
from ..db import one, rows
from .world import unit_named

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


def picture(colour: str, seed: int, taken) -> "photos.Prepared":
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


def backdate_hazard(db, hazard_id, found_at):
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


def hazard_loop(db, ent_ids, people, current):
    """Hazards at every stage of the loop, so each role has something to do."""
    for n, (ent_index, unit_name, text, category, level, stage, days) in enumerate(HAZARDS):
        enterprise_id = ent_ids[ent_index]
        unit_id = unit_named(db, enterprise_id, unit_name) if unit_name else None
        staff = {u["role"] + (str(u["unit_id"]) if u["unit_id"] else ""): u["id"] for u in rows(
            db, "SELECT id, role, unit_id FROM users WHERE enterprise_id = ?", (enterprise_id,))}
        manager = staff["manager"]
        reporter = staff.get(f"team_leader{unit_id}") or staff.get(f"workshop_head{unit_id}") or manager
        values = {"description": text, "category": category, "level": level, "on_the_spot": stage == "on_the_spot"}
        found_at = (current - timedelta(days=days)).replace(hour=9, minute=20 + n)
        spot = [picture("seagreen", n, found_at + timedelta(minutes=15))] if stage == "on_the_spot" else []
        hazard_id = hazards.create(db, enterprise_id=enterprise_id, unit_id=unit_id, source="report", values=values,
                                   by=reporter, before=[picture("firebrick", n, found_at)], after=spot)
        hazard = hazards.get(db, hazard_id)
        if stage not in ("reported", "on_the_spot"):
            owner = reporter if reporter != manager else staff.get("workshop_head" + str(
                one(db, "SELECT parent_id FROM units WHERE id = ?", (unit_id,))["parent_id"] if unit_id else ""),
                manager)
            deadline = (current + timedelta(days=10)).date().isoformat()
            hazards.assign(db, hazard, owner_id=owner, measure="落实整改并复查", money="800", deadline=deadline,
                           plan="设置警戒区，专人监护，制定专项应急处置方案" if level == "major" else None, by=manager)
            if stage in ("rectified", "closed"):
                fixed = picture("seagreen", n, found_at + timedelta(days=1, hours=2))
                hazards.rectify(db, hazards.get(db, hazard_id), note="已整改完毕", after=[fixed],
                                by=owner)
            if stage == "closed":
                hazards.verify(db, hazards.get(db, hazard_id), result="pass", note="复查合格", evidence=[], by=manager)
        backdate_hazard(db, hazard_id, found_at)
        if stage == "overdue":
            db.execute("UPDATE hazards SET deadline = ? WHERE id = ?",
                       ((current - timedelta(days=2)).date().isoformat(), hazard_id))
