"""The four-colour risk map (四色安全风险空间分布图): a floor plan of the site or of a workshop, each risk point of its
units marked where it is, its area drawn as a zone in the point's colour.

Positions are fractions (0–1) of the plan's width and height, so a replaced plan keeps the marks and the drawing
fits any size. The map is drawn as SVG by the server (templates/risk_maps/_svg.html) from `drawing`; the points
offered are those in force at the map's units, so a retired point vanishes from it.
"""

import json
import math

from . import audit, photos, risk, risk_points
from .db import now, one, rows
from .photos import PhotoError
from .refusal import Refused

TITLE_CHARS = 60
MAX_VERTICES = 60
# The SVG is drawn 1000 units wide (the plan's height follows its aspect), so sizes below read as per-mille.
WIDTH = 1000
MARKER_RADIUS = 28
ZONE_STROKE = 5
ZONE_OPACITY = 0.35
# The four colours as drawn, the same as the colour chips everywhere else (static/app.css .badge.risk-*), each with
# its marker's text colour.
HEX = {"red": "#d32f2f", "orange": "#f57c00", "yellow": "#fbc02d", "blue": "#1976d2"}
INK = {"red": "#ffffff", "orange": "#ffffff", "yellow": "#1c2430", "blue": "#ffffff"}
WHAT = {"place": "标注位置", "zone": "画区域", "clear_zone": "清除区域", "unmark": "移除标注"}


def legend(db) -> list[dict]:
    """The four colours with their level names from the library: 红 重大风险 … 蓝 低风险."""
    names = risk_points.control(db)
    return [{"colour": c, "colour_name": n, "name": names.get(c, {}).get("name", ""), "hex": HEX[c]}
            for c, n in risk.COLOUR_NAMES.items()]


def _title(value) -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise Refused("请填写分布图名称", "title")
    if len(title) > TITLE_CHARS:
        raise Refused(f"分布图名称不能超过 {TITLE_CHARS} 个字", "title")
    return title


def workshop(db, enterprise_id: int, unit_id) -> dict | None:
    """The workshop a map covers (None: the whole site); raises Refused for anything but a workshop in use here."""
    if unit_id in (None, ""):
        return None
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise Refused("请选择全厂或一个车间", "unit_id") from None
    found = one(db, "SELECT * FROM units WHERE id = ? AND enterprise_id = ? AND kind = 'workshop'"
                    " AND archived_at IS NULL", (unit_id, enterprise_id))
    if found is None:
        raise Refused("请选择本企业在用的车间（分布图画全厂或一个车间）", "unit_id")
    return found


def plan(uploads: list[tuple[bytes, bytes | None]]) -> photos.Prepared:
    """The one plan image uploaded (its bytes, and the EXIF the phone sent beside a shrunk copy), checked by its
    content like any photo; raises Refused in Chinese."""
    if not uploads:
        raise Refused("请拍照或选择平面图图片", "plan")
    if len(uploads) > 1:
        raise Refused("平面图只能选一张图片", "plan")
    try:
        return photos.prepare(*uploads[0])
    except PhotoError as exc:
        raise Refused(f"平面图有问题：{exc}（请重新选择图片）", "plan") from exc


def create(db, enterprise_id: int, unit_id, title, prepared: photos.Prepared, by=None) -> int:
    """A new map of the site (unit_id None) or a workshop, on its plan; raises Refused and then writes nothing."""
    title = _title(title)
    unit = workshop(db, enterprise_id, unit_id)
    stamp = now()
    with db.atomic():
        photo_id = photos.save(db, prepared, by)
        map_id = db.execute(
            "INSERT INTO risk_maps (enterprise_id, unit_id, title, photo_id, created_by, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (enterprise_id, unit["id"] if unit else None, title, photo_id, by, stamp, stamp)).lastrowid
        audit.record(db, by, "create", "risk_map", map_id, {"title": title, "plan": prepared.hash[:12]})
    return map_id


def _in_use(found: dict) -> None:
    if found["retired_at"]:
        raise Refused("该分布图已撤销，不能再修改")


def replace_plan(db, found: dict, prepared: photos.Prepared, by=None) -> None:
    """A new plan image (a redrawn or clearer one); the marks stay where they are on it."""
    _in_use(found)
    with db.atomic():
        photo_id = photos.save(db, prepared, by)
        db.execute("UPDATE risk_maps SET photo_id = ?, updated_at = ? WHERE id = ?", (photo_id, now(), found["id"]))
        audit.record(db, by, "update", "risk_map", found["id"], {"plan": prepared.hash[:12]})


def retire(db, found: dict, by=None) -> None:
    """No longer in use (the site was rebuilt): kept with its marks, gone from lists and notice boards."""
    with db.atomic():
        db.execute("UPDATE risk_maps SET retired_at = ?, updated_at = ? WHERE id = ? AND retired_at IS NULL",
                   (now(), now(), found["id"]))
        audit.record(db, by, "retire", "risk_map", found["id"], {"title": found["title"]})


def get(db, map_id) -> dict | None:
    return one(db, "SELECT * FROM risk_maps WHERE id = ?", (map_id,))


def unit_ids(db, found: dict) -> set[int] | None:
    """The units whose points belong on a map: a workshop and its posts; None for the site (every unit)."""
    if found["unit_id"] is None:
        return None
    return {found["unit_id"], *(r["id"] for r in rows(db, "SELECT id FROM units WHERE parent_id = ?",
                                                        (found["unit_id"],)))}


def offered(db, found: dict) -> list[dict]:
    """The points in force at the map's units, worst first, each with its number on the map and its unit's label."""
    points = risk_points.of_enterprise(db, found["enterprise_id"], unit_ids(db, found))
    for number, point in enumerate(points, start=1):
        point["number"] = number
        point["unit_label"] = (f"{point['workshop_name']} / {point['unit_name']}" if point["workshop_name"]
                               else point["unit_name"])
    return points


def _point(db, found: dict, point_id) -> dict:
    """One point in force at the map's units; raises Refused."""
    try:
        point_id = int(point_id)
    except (TypeError, ValueError):
        raise Refused("请先在列表中选择一个风险点", "point_id") from None
    point = next((p for p in offered(db, found) if p["id"] == point_id), None)
    if point is None:
        raise Refused("这个风险点不在本分布图的范围内（或已撤销），请重新选择", "point_id")
    return point


def _fraction(value, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise Refused("位置应在平面图上：请在图上点一下风险点所在的地方", field)
    return round(number, 4)


def zone_of(value) -> list[list[float]]:
    """A zone from its JSON ([[x, y], …] in fractions): at least 3 corners on the plan, not all on one line."""
    try:
        corners = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        corners = None
    if not isinstance(corners, list) or len(corners) < 3:
        raise Refused("区域至少要有 3 个点：请在图上依次点出区域的各个角", "zone")
    if len(corners) > MAX_VERTICES:
        raise Refused(f"区域最多 {MAX_VERTICES} 个点", "zone")
    out = []
    for corner in corners:
        if not isinstance(corner, list | tuple) or len(corner) != 2 or any(isinstance(v, bool) for v in corner):
            raise Refused("区域的点格式不对，请重新画", "zone")
        try:
            out.append([_fraction(corner[0], "zone"), _fraction(corner[1], "zone")])
        except Refused:
            raise Refused("区域的每个点都应在平面图上，请重新画", "zone") from None
    if abs(_area(out)) < 1e-5:
        raise Refused("区域的点不能都在一条线上，请重新画", "zone")
    return out


def _area(corners) -> float:
    """The polygon's signed area (shoelace), in plan fractions."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True)) / 2


def _mark(db, map_id: int, point_id: int) -> dict | None:
    return one(db, "SELECT * FROM risk_map_marks WHERE map_id = ? AND point_id = ?", (map_id, point_id))


def _note(db, by, found: dict, point: dict, what: str, extra=None) -> None:
    audit.record(db, by, "place", "risk_map", found["id"],
                 {"point": point["name"], "what": WHAT[what], **(extra or {})})


def place(db, found: dict, point_id, x, y, by=None) -> None:
    """Put a point's marker at (x, y) of the plan; its zone, if drawn, stays."""
    _in_use(found)
    point = _point(db, found, point_id)
    x, y = _fraction(x, "x"), _fraction(y, "y")
    with db.atomic():
        db.execute("INSERT INTO risk_map_marks (map_id, point_id, x, y, placed_by, placed_at) VALUES (?,?,?,?,?,?)"
                   " ON CONFLICT (map_id, point_id) DO UPDATE SET x = excluded.x, y = excluded.y,"
                   " placed_by = excluded.placed_by, placed_at = excluded.placed_at",
                   (found["id"], point["id"], x, y, by, now()))
        _note(db, by, found, point, "place", {"x": x, "y": y})


def _centre(corners) -> tuple[float, float]:
    """Where a zone's marker goes when the point was not placed first: the middle of its corners."""
    return (round(sum(c[0] for c in corners) / len(corners), 4), round(sum(c[1] for c in corners) / len(corners), 4))


def draw_zone(db, found: dict, point_id, zone, by=None) -> None:
    """A point's area as a polygon; a point not yet marked gets its marker in the middle of it."""
    _in_use(found)
    point = _point(db, found, point_id)
    corners = zone_of(zone)
    x, y = _centre(corners)
    with db.atomic():
        db.execute("INSERT INTO risk_map_marks (map_id, point_id, x, y, zone, placed_by, placed_at)"
                   " VALUES (?,?,?,?,?,?,?) ON CONFLICT (map_id, point_id) DO UPDATE SET zone = excluded.zone,"
                   " placed_by = excluded.placed_by, placed_at = excluded.placed_at",
                   (found["id"], point["id"], x, y, json.dumps(corners), by, now()))
        _note(db, by, found, point, "zone", {"corners": len(corners)})


def _marked(db, found: dict, point_id) -> tuple[dict, dict]:
    point = _point(db, found, point_id)
    mark = _mark(db, found["id"], point["id"])
    if mark is None:
        raise Refused(f"“{point['name']}”还没有标在图上", "point_id")
    return point, mark


def clear_zone(db, found: dict, point_id, by=None) -> None:
    """Take a point's zone off the map; its marker stays."""
    _in_use(found)
    point, mark = _marked(db, found, point_id)
    if mark["zone"] in ("", "[]"):
        raise Refused(f"“{point['name']}”还没有画区域", "point_id")
    with db.atomic():
        db.execute("UPDATE risk_map_marks SET zone = '[]', placed_by = ?, placed_at = ? WHERE map_id = ?"
                   " AND point_id = ?", (by, now(), found["id"], point["id"]))
        _note(db, by, found, point, "clear_zone")


def unmark(db, found: dict, point_id, by=None) -> None:
    """Take a point off the map, marker and zone (the audit log keeps where it was)."""
    _in_use(found)
    point, mark = _marked(db, found, point_id)
    with db.atomic():
        db.execute("DELETE FROM risk_map_marks WHERE map_id = ? AND point_id = ?", (found["id"], point["id"]))
        _note(db, by, found, point, "unmark", {"x": mark["x"], "y": mark["y"], "zone": json.loads(mark["zone"])})


def drawing(db, found: dict) -> dict:
    """Everything the SVG and the point list show: the plan's size in drawing units, every point offered (numbered),
    and the placed ones with their marker and zone in drawing units."""
    photo = one(db, "SELECT hash, width, height FROM photos WHERE id = ?", (found["photo_id"],))
    height = max(1, round(WIDTH * photo["height"] / photo["width"]))
    points = offered(db, found)
    marks = {m["point_id"]: m for m in rows(db, "SELECT * FROM risk_map_marks WHERE map_id = ?", (found["id"],))}
    placed = []
    for point in points:
        mark = marks.get(point["id"])
        point["placed"] = mark is not None
        point["zoned"] = bool(mark and json.loads(mark["zone"]))
        point["hex"] = HEX[point["colour"]]
        if mark is None:
            continue
        zone = json.loads(mark["zone"])
        placed.append({
            "number": point["number"], "point_id": point["id"], "name": point["name"], "colour": point["colour"],
            "colour_name": point["colour_name"], "level_name": point["level_name"], "hex": HEX[point["colour"]],
            "ink": INK[point["colour"]], "x": mark["x"], "y": mark["y"],
            "cx": round(mark["x"] * WIDTH, 1), "cy": round(mark["y"] * height, 1),
            "zone": zone, "zone_points": " ".join(f"{round(x * WIDTH, 1)},{round(y * height, 1)}" for x, y in zone)})
    # Zones are drawn largest first, so a small zone inside a large one stays visible and tappable.
    zones = sorted((m for m in placed if m["zone"]), key=lambda m: -abs(_area(m["zone"])))
    return {"map": found, "width": WIDTH, "height": height, "hash": photo["hash"], "points": points,
            "placed": placed, "zones": zones, "radius": MARKER_RADIUS, "stroke": ZONE_STROKE,
            "opacity": ZONE_OPACITY, "font": round(MARKER_RADIUS * 1.15)}


def of_enterprise(db, enterprise_id: int) -> list[dict]:
    """An enterprise's maps in use, the site's first then by workshop, each with its unit's name and marks placed."""
    return rows(db, "SELECT m.*, u.name AS unit_name, (SELECT COUNT(*) FROM risk_map_marks k JOIN risk_points p"
                    " ON p.id = k.point_id AND p.retired_at IS NULL WHERE k.map_id = m.id) AS marks"
                    " FROM risk_maps m LEFT JOIN units u ON u.id = m.unit_id"
                    " WHERE m.enterprise_id = ? AND m.retired_at IS NULL ORDER BY m.unit_id IS NOT NULL, u.position,"
                    " m.unit_id, m.id", (enterprise_id,))


NOTICE_KIND = "notice_board"


def of_notice_board(db, sign: dict) -> dict | None:
    """The map a posted notice board shows: its workshop's (or, at the enterprise, the site's) newest map in use;
    None for any other sign, a retired one, or a unit without a map."""
    if sign["kind"] != NOTICE_KIND or sign["retired_at"]:
        return None
    return one(db, "SELECT * FROM risk_maps WHERE enterprise_id = ? AND unit_id IS ? AND retired_at IS NULL"
                   " ORDER BY id DESC LIMIT 1", (sign["enterprise_id"], sign["unit_id"]))
