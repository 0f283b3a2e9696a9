"""A generated county at city scale, in its own database: for measuring pages as a whole county uses them."""

import io
import json
import math
import random
import sqlite3
import time as clock
from datetime import UTC, datetime, timedelta

from PIL import Image
from werkzeug.security import generate_password_hash

from . import credit_code, db, library, overview, photos, risk, storage
from .due import TZ, parse_shifts

PASSWORD = "demo1234"
GRID_SIZE = 300  # enterprises per grid, as the grid workers of a county are given them
GRIDS_PER_TOWN = 8
TOWNS_PER_COUNTY = 12
SHIFTS = ["08:00,20:00", "08:00,20:00", "08:00,16:00,00:00"]
INDUSTRIES = ["工贸"] * 4 + ["城镇燃气"]  # most enterprises of a county are 工贸
SIZES = ["small_micro"] * 6 + ["medium"] * 3 + ["above_scale"]
STANDARD = ["none"] * 5 + ["self_assessed"] * 3 + ["local", "provincial", "national"]
DONE = 0.93  # share of owed periods that were inspected
HAZARD_RATE = 0.004  # share of item results found as a hazard
REPORTS_PER_DAY = 0.4  # 随手拍 per enterprise per day
NAMES = "安泰 恒力 鑫源 华达 永盛 宏发 金盛 同创 立信 嘉隆 锦程 东升 福顺 汇丰 兴旺 泰和".split()
TRADES = {"工贸": ["机械制造", "五金加工", "纺织", "鞋业", "食品", "家具", "石材", "包装印刷"],
          "城镇燃气": ["燃气", "液化气"]}
WORKSHOPS = {"工贸": ["机加工车间", "装配车间", "仓储部"], "城镇燃气": ["储配站", "管网运行部", "客服抢修部"]}
POSTS = {"工贸": ["车床班", "冲压班", "焊接班"], "城镇燃气": ["充装班", "运行班", "巡线班"]}
# Risk points per enterprise (a few, at its posts) and the LEC values that give each colour's share of them.
RISK_POINTS = (0, 4)
RISK_VALUES = [({"L": 6, "E": 6, "C": 15}, 3), ({"L": 3, "E": 6, "C": 15}, 12), ({"L": 3, "E": 6, "C": 7}, 40),
               ({"L": 1, "E": 6, "C": 7}, 45)]  # D 540 red, 270 orange, 126 yellow, 42 blue; weights in %
RISK_TEXT = [("设备检修作业", "机械伤害、触电"), ("叉车搬运", "车辆伤害"), ("配电房", "触电、火灾"),
             ("气瓶存放区", "火灾、爆炸"), ("高处作业", "高处坠落"), ("有限空间作业", "中毒和窒息")]
HAZARD_TEXT = ["消防通道堆放杂物", "灭火器压力不足", "配电箱门未关闭，线路裸露", "安全警示标志缺失", "防护罩缺失",
               "劳保用品未按规定佩戴", "气瓶未固定", "可燃气体报警器失效"]


class Writer:
    """Batched inserts into one table, with explicit ids so rows can point at each other before they are written."""

    def __init__(self, conn, table: str, columns: list[str]):
        self.conn, self.rows, self.next_id = conn, [], 1
        self.sql = f"INSERT INTO {table} (id, {', '.join(columns)}) VALUES ({', '.join('?' * (len(columns) + 1))})"
        self.written = 0

    def add(self, *values) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.rows.append((row_id, *values))
        if len(self.rows) >= 50_000:
            self.flush()
        return row_id

    def flush(self) -> None:
        self.conn.executemany(self.sql, self.rows)
        self.written += len(self.rows)
        self.rows = []


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _credit_code(number: int) -> str:
    first17 = f"91350{number:012d}"
    return first17 + credit_code.check_char(first17)


def _sample_photo(by: int) -> tuple[str, tuple]:
    """One real photo stored like an upload, shared by every generated hazard (lists show its thumbnail)."""
    image = Image.new("RGB", (640, 480), (200, 120, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    prepared = photos.prepare(out.getvalue())
    for size in ("original", "display", "thumb"):
        storage.put(photos.key(prepared.hash, size), getattr(prepared, size))
    return prepared.hash, (prepared.hash, prepared.format, prepared.width, prepared.height, len(prepared.original),
                           None, None, None, by)


def _periods(frequency: str, shifts, first: datetime, now: datetime):
    """The start of every period of a frequency from `first` up to now (the current one included)."""
    day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= now:
        if frequency == "shift":
            for s in shifts:
                start = day.replace(hour=s.hour, minute=s.minute)
                if first <= start <= now:
                    yield start
        elif frequency == "daily" or (frequency == "weekly" and day.weekday() == 0) or (
                frequency == "monthly" and day.day == 1) or (
                frequency == "quarterly" and day.day == 1 and day.month in (1, 4, 7, 10)):
            yield day
        day += timedelta(days=1)


def generate(path, *, enterprises: int, days: int, seed: int = 1, progress=print) -> dict:
    """Build a county of `enterprises` with `days` of history into a new database at `path`; returns row counts."""
    rng = random.Random(seed)
    started = clock.monotonic()
    db.configure(path)
    conn = db.get()
    db.migrate(conn)
    library.load(conn)
    raw: sqlite3.Connection = conn.conn
    # A throwaway build: no journal, a big page cache; the file is switched back to WAL when done.
    raw.execute("PRAGMA journal_mode=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-400000")
    raw.execute("PRAGMA foreign_keys=OFF")  # batches land in any order; checked once at the end instead
    docs = {(d["industry"], d["tier"]): d for d in library.current_docs(conn) if d["kind"] == "checklist"}
    general = {d["tier"]: d for d in library.current_docs(conn) if d["kind"] == "checklist" and d["tier"] in
               ("grid", "lookback")}
    items = {d["id"]: library.items(conn, d["id"]) for d in [*docs.values(), *general.values()]}
    categories = [row[0] for row in raw.execute(
        "SELECT i.code FROM library_items i JOIN library_docs d ON d.id = i.doc_id WHERE d.kind = 'hazard_categories'")]
    now = datetime.now(TZ)
    first = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    created = _iso(first - timedelta(days=1))
    hashed = generate_password_hash(PASSWORD)  # one hash for every generated account: scrypt per row would take hours

    w = {name: Writer(raw, name, cols) for name, cols in {
        "grids": ["name", "county", "township"],
        "enterprises": ["name", "credit_code", "industry", "size_class", "grid_id", "address", "principal_name",
                        "principal_phone", "standard_status", "shifts", "created_at", "updated_at"],
        "units": ["enterprise_id", "parent_id", "kind", "name", "position", "created_at"],
        "users": ["username", "password_hash", "name", "role", "enterprise_id", "unit_id", "grid_id", "created_at",
                  "session_token"],
        "checklists": ["enterprise_id", "unit_id", "tier", "title", "library_doc_id", "parent_id", "frequency",
                       "responsible_title", "responsible_user_id", "on_failure", "created_at"],
        "checklist_items": ["checklist_id", "position", "aspect", "section", "content", "method", "basis",
                            "library_item_id", "parent_item_id", "created_at", "updated_at"],
        "inspections": ["checklist_id", "enterprise_id", "unit_id", "inspector_id", "submitted_at", "client_time"],
        "hazards": ["enterprise_id", "unit_id", "inspection_id", "checklist_item_id", "source", "description",
                    "category", "level", "status", "reported_by", "reported_at", "owner_id", "measure", "deadline",
                    "supervised", "assigned_by", "assigned_at", "rectified_by", "rectified_at", "verified_by",
                    "closed_at"],
        "hazard_events": ["hazard_id", "at", "user_id", "action", "note"],
        "hazard_photos": ["hazard_id", "event_id", "photo_id", "stage"],
        "photos": ["hash", "format", "width", "height", "bytes", "taken_at", "latitude", "longitude", "uploaded_by",
                   "uploaded_at"],
    }.items()}
    token = 0

    def user(username, name, role, enterprise_id=None, unit_id=None, grid_id=None):
        nonlocal token
        token += 1
        return w["users"].add(username, hashed, name, role, enterprise_id, unit_id, grid_id, created,
                              f"{seed:08x}{token:024x}")

    admin = user("admin", "系统管理员", "admin")
    user("supervisor", "县应急管理局", "supervisor")
    _, photo_row = _sample_photo(admin)
    photo_id = w["photos"].add(*photo_row, created)

    def checklist(ent_id, unit_id, doc, parent_id, responsible_id, parent_items):
        cid = w["checklists"].add(ent_id, unit_id, doc["tier"], doc["title"], doc["id"], parent_id, doc["frequency"],
                                  doc["responsible"] or "", responsible_id, doc["on_failure"] or "", created)
        made = []
        for position, item in enumerate(items[doc["id"]], start=1):
            parent_item = parent_items[position % len(parent_items)] if parent_items else None
            item_id = w["checklist_items"].add(cid, position, item["aspect"] or "其他", item["section"],
                                               item["content"], item["method"], item["basis"], item["id"],
                                               parent_item[0] if parent_item else None, created, created)
            made.append((item_id, position, item["aspect"] or "其他", item["content"]))
        return cid, made

    def hazard(ent_id, unit_id, inspection_id, item_id, source, reported, reporter, owner, manager):
        age = (now - reported).days
        stage = rng.random()
        status = ("closed" if stage < 0.55 + 0.03 * age else "rectified" if stage < 0.7 + 0.02 * age
                  else "assigned" if stage < 0.9 else "reported")
        status = status if age > 0 or status == "reported" else "assigned"
        major = rng.random() < 0.02
        assigned = reported + timedelta(hours=rng.randint(1, 30)) if status != "reported" else None
        deadline = (assigned + timedelta(days=rng.choice([3, 7, 15]))).date().isoformat() if assigned else None
        rectified = assigned + timedelta(days=rng.randint(0, 6)) if status in ("rectified", "closed") else None
        closed = rectified + timedelta(hours=rng.randint(2, 48)) if status == "closed" else None
        stamps = [s if s is None or s < now else now for s in (assigned, rectified, closed)]
        assigned, rectified, closed = stamps
        hid = w["hazards"].add(
            ent_id, unit_id, inspection_id, item_id, source, rng.choice(HAZARD_TEXT), rng.choice(categories),
            "major" if major else "general", status, reporter, _iso(reported), owner if assigned else None,
            "立即清理并落实专人负责" if assigned else None, deadline, 1 if major else 0,
            manager if assigned else None, _iso(assigned) if assigned else None,
            owner if rectified else None, _iso(rectified) if rectified else None,
            manager if closed else None, _iso(closed) if closed else None)
        event = w["hazard_events"].add(hid, _iso(reported), reporter, "report", "")
        w["hazard_photos"].add(hid, event, photo_id, "before")
        for action, at, by in (("assign", assigned, manager), ("rectify", rectified, owner),
                               ("verify_pass", closed, manager)):
            if at:
                event = w["hazard_events"].add(hid, _iso(at), by, action, "")
                if action == "rectify":
                    w["hazard_photos"].add(hid, event, photo_id, "after")

    results, found = [], []

    def write_results():
        """Each inspection's results copied from its checklist's items inside SQLite, then the failed ones marked."""
        for writer in w.values():
            writer.flush()
        raw.executemany("INSERT INTO inspection_results (inspection_id, checklist_item_id, position, aspect, content,"
                        " result) SELECT ?, id, position, aspect, content, 'ok' FROM checklist_items"
                        " WHERE checklist_id = ? ORDER BY position", results)
        raw.executemany("UPDATE inspection_results SET result = 'hazard'"
                        " WHERE inspection_id = ? AND checklist_item_id = ?", found)
        results.clear()
        found.clear()

    grids = math.ceil(enterprises / GRID_SIZE)
    grid_workers = {}
    for g in range(1, grids + 1):
        county = f"第{(g - 1) // (GRIDS_PER_TOWN * TOWNS_PER_COUNTY) + 1}县"
        town = f"第{(g - 1) // GRIDS_PER_TOWN + 1}镇"
        grid_id = w["grids"].add(f"{county}{town}第{g}网格", county, town)
        grid_workers[grid_id] = user(f"grid{g}", f"网格员{g}", "grid_worker", grid_id=grid_id)

    for n in range(1, enterprises + 1):
        industry = rng.choice(INDUSTRIES)
        grid_id = (n - 1) // GRID_SIZE + 1
        shifts_text = rng.choice(SHIFTS)
        shifts = parse_shifts(shifts_text)
        name = f"{rng.choice(NAMES)}{rng.choice(TRADES[industry])}有限公司（{n}号）"
        ent = w["enterprises"].add(name, _credit_code(n), industry, rng.choice(SIZES), grid_id, f"工业区{n}号",
                                   f"负责人{n}", f"139{n:08d}", rng.choice(STANDARD), shifts_text, created, created)
        manager = user(f"m{n}", f"负责人{n}", "manager", enterprise_id=ent)
        top, top_items = checklist(ent, None, docs[(industry, "enterprise")], None, manager, None)
        lists = [(top, top_items, "monthly", None, manager)]
        for kind in ("grid", "lookback"):
            cid, made = checklist(ent, None, general[kind], None, None, None)
            if kind == "grid":
                lists.append((cid, made, "monthly", None, grid_workers[grid_id]))
        for wi, workshop_name in enumerate(WORKSHOPS[industry], start=1):
            workshop = w["units"].add(ent, None, "workshop", workshop_name, wi, created)
            head = user(f"h{n}_{wi}", f"{workshop_name}主任{n}", "workshop_head", enterprise_id=ent, unit_id=workshop)
            ws, ws_items = checklist(ent, workshop, docs[(industry, "workshop")], top, head, top_items)
            lists.append((ws, ws_items, "weekly", workshop, head))
            for pi, post_name in enumerate(POSTS[industry], start=1):
                post = w["units"].add(ent, workshop, "post", post_name, pi, created)
                leader = user(f"l{n}_{wi}_{pi}", f"{post_name}班长{n}", "team_leader", enterprise_id=ent,
                              unit_id=post)
                card, card_items = checklist(ent, post, docs[(industry, "post")], ws, leader, ws_items)
                lists.append((card, card_items, "shift", post, leader))
        for cid, made, frequency, unit_id, inspector in lists:
            for start in _periods(frequency, shifts, first, now):
                if rng.random() > DONE:
                    continue
                at = start + timedelta(minutes=rng.randint(5, 240))
                if at >= now:
                    continue
                inspection = w["inspections"].add(cid, ent, unit_id, inspector, _iso(at), at.isoformat())
                results.append((inspection, cid))
                # One draw per inspection for how many items failed, instead of one per item.
                if rng.random() < HAZARD_RATE * len(made):
                    item_id = rng.choice(made)[0]
                    found.append((inspection, item_id))
                    hazard(ent, unit_id, inspection, item_id, "inspection", at, inspector, inspector, manager)
        for day in range(days):
            if rng.random() < REPORTS_PER_DAY:
                at = first + timedelta(days=day, minutes=rng.randint(480, 1080))
                if at < now:
                    hazard(ent, None, None, None, "report", at, manager, manager, manager)
        if n % 1000 == 0 or n == enterprises:
            write_results()
            progress(f"{n}/{enterprises} 家企业，{clock.monotonic() - started:.0f} 秒")
    progress(f"风险点 {add_risk_points(conn, seed):,} 个，{clock.monotonic() - started:.0f} 秒")
    overview.rebuild(conn)
    raw.commit()
    progress(f"企业检查情况汇总，{clock.monotonic() - started:.0f} 秒")
    overview.refresh(conn)
    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"生成的数据有 {len(broken)} 处引用错误，例如 {tuple(broken[0])}")
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("ANALYZE")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    counts = {name: writer.written for name, writer in w.items()}
    counts["inspection_results"] = raw.execute("SELECT MAX(id) FROM inspection_results").fetchone()[0] or 0
    seconds = clock.monotonic() - started
    counts["seconds"] = round(seconds, 1)
    counts["rows_per_second"] = round(sum(v for k, v in counts.items() if k != "seconds") / seconds)
    return counts


def add_risk_points(conn, seed: int = 1) -> int:
    """A few risk points at each enterprise's posts, of mixed colours, each with its first assessment and a measure,
    written straight into the tables; the enterprises' colours follow at the overview's next refresh (their rows are
    marked stale). Also tops up a county generated before risk points existed. Returns how many were written."""
    rng = random.Random(seed)
    raw: sqlite3.Connection = conn.conn
    lec = risk.methods(conn)["lec"]
    assessed = [(values, risk.level(lec, values["L"] * values["E"] * values["C"]), weight)
                for values, weight in RISK_VALUES]
    posts: dict[int, list[int]] = {}
    for unit_id, enterprise_id in raw.execute("SELECT id, enterprise_id FROM units WHERE kind = 'post'"
                                              " AND archived_at IS NULL ORDER BY id"):
        posts.setdefault(enterprise_id, []).append(unit_id)
    stamp = _iso(datetime.now(TZ))
    point_id = raw.execute("SELECT MAX(id) FROM risk_points").fetchone()[0] or 0
    points, assessments, measures = [], [], []

    def flush():
        raw.executemany("INSERT INTO risk_points (id, enterprise_id, unit_id, name, place, activity, factors,"
                        " accident_types, method, factor_values, score, colour, level_name, assessed_at, created_at,"
                        " updated_at) VALUES (?,?,?,?,?,?,?,?,'lec',?,?,?,?,?,?,?)", points)
        raw.executemany("INSERT INTO risk_assessments (point_id, method, factor_values, score, colour, level_name,"
                        " assessed_at) VALUES (?,'lec',?,?,?,?,?)", assessments)
        raw.executemany("INSERT INTO risk_measures (point_id, kind, content, position) VALUES (?,'engineering',?,1)",
                        measures)
        for batch in (points, assessments, measures):
            batch.clear()

    written = 0
    for enterprise_id, units in posts.items():
        for _ in range(rng.randint(*RISK_POINTS)):
            values, level, _ = rng.choices(assessed, weights=[w for _, _, w in assessed])[0]
            activity, accidents = rng.choice(RISK_TEXT)
            point_id += 1
            written += 1
            score = values["L"] * values["E"] * values["C"]
            factor_values = json.dumps(values)
            points.append((point_id, enterprise_id, rng.choice(units), activity, "作业现场", activity,
                           '{"thing": "设备设施缺陷"}', accidents, factor_values, score, level["colour"], level["name"],
                           stamp, stamp, stamp))
            assessments.append((point_id, factor_values, score, level["colour"], level["name"], stamp))
            measures.append((point_id, f"{activity}前检查防护设施"))
        if len(points) >= 50_000:
            flush()
    flush()
    raw.execute("UPDATE enterprise_overview SET valid_until = ''")
    raw.commit()
    return written
