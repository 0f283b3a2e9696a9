"""The unit tree of an enterprise: workshops (车间/部门) and the posts (岗位/班组) inside them."""

import unicodedata

from . import audit
from .db import now, one, rows

KINDS = {"workshop": "车间（部门）", "post": "岗位（班组）"}
MAX_NAME = 40


def tree(db, enterprise_id: int, only: set[int] | None = None) -> list[dict]:
    """Workshops in order, each with its posts under `posts`; archived units left out."""
    units = rows(
        db,
        "SELECT * FROM units WHERE enterprise_id = ? AND archived_at IS NULL ORDER BY position, id",
        (enterprise_id,),
    )
    workshops = [dict(u, posts=[]) for u in units if u["kind"] == "workshop"]
    by_id = {w["id"]: w for w in workshops}
    for u in units:
        if u["kind"] == "post" and u["parent_id"] in by_id:
            by_id[u["parent_id"]]["posts"].append(u)
    if only is not None:
        workshops = [dict(w, posts=[p for p in w["posts"] if p["id"] in only])
                     for w in workshops if w["id"] in only or any(p["id"] in only for p in w["posts"])]
    return workshops


def counts(db, enterprise_id: int) -> dict:
    """Active people and checklists per unit of an enterprise (key None: the enterprise level), from SQL."""
    found: dict = {}
    for kind, sql in (
        ("people", "SELECT unit_id, COUNT(*) AS n FROM users WHERE enterprise_id = ? AND active = 1 GROUP BY unit_id"),
        ("checklists", "SELECT unit_id, COUNT(*) AS n FROM checklists WHERE enterprise_id = ? AND archived_at IS NULL"
                       " GROUP BY unit_id"),
    ):
        for row in rows(db, sql, (enterprise_id,)):
            found.setdefault(row["unit_id"], {"people": 0, "checklists": 0})[kind] = row["n"]
    return found


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValueError("请填写名称")
    if len(name) > MAX_NAME:
        raise ValueError(f"名称不超过{MAX_NAME}个字")
    return name


def same_name(a: str, b: str) -> bool:
    """Whether two unit names would be confused: compared without spaces, width or letter case."""
    def key(name):
        return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()

    return key(a) == key(b)


def _clash(db, enterprise_id, parent_id, name, except_id=None, where=None):
    """Refuse a name already used by an active sibling: two 充装班 under one workshop cannot be told apart."""
    siblings = rows(
        db,
        "SELECT id, name FROM units WHERE enterprise_id = ? AND parent_id IS ? AND archived_at IS NULL",
        (enterprise_id, parent_id),
    )
    for sibling in siblings:
        if sibling["id"] != except_id and same_name(sibling["name"], name):
            if parent_id is None:
                raise ValueError(f"本企业已有车间“{sibling['name']}”")
            raise ValueError(f"{where or '同一车间下'}已有岗位“{sibling['name']}”")


def add(db, enterprise_id: int, kind: str, name: str, parent_id=None, by=None) -> int:
    """Add a workshop, or a post under a workshop of the same enterprise."""
    name = _name(name)
    if kind == "workshop":
        parent_id = None
    elif kind == "post":
        parent = one(db, "SELECT * FROM units WHERE id = ? AND archived_at IS NULL", (parent_id,))
        if not parent or parent["kind"] != "workshop" or parent["enterprise_id"] != enterprise_id:
            raise ValueError("请选择岗位所属的车间")
    else:
        raise ValueError("单元类型不正确")
    _clash(db, enterprise_id, parent_id, name)
    with db.atomic():
        position = db.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM units WHERE enterprise_id = ? AND parent_id IS ?",
            (enterprise_id, parent_id),
        ).fetchone()[0]
        cur = db.execute(
            "INSERT INTO units (enterprise_id, parent_id, kind, name, position, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (enterprise_id, parent_id, kind, name, position, now()),
        )
        audit.record(db, by, "create", "unit", cur.lastrowid, {"kind": kind, "name": name})
    return cur.lastrowid


def rename(db, unit: dict, name: str, by=None) -> None:
    """Rename a unit; its checklists and history stay attached."""
    name = _name(name)
    if name == unit["name"]:
        return
    _clash(db, unit["enterprise_id"], unit["parent_id"], name, except_id=unit["id"])
    with db.atomic():
        db.execute("UPDATE units SET name = ? WHERE id = ?", (name, unit["id"]))
        audit.record(db, by, "rename", "unit", unit["id"], {"from": unit["name"], "to": name})


def move(db, unit: dict, workshop_id, by=None) -> None:
    """Move a post to another workshop of the same enterprise; its cards and history go with it."""
    if unit["kind"] != "post":
        raise ValueError("只有岗位可以调到别的车间")
    target = one(db, "SELECT * FROM units WHERE id = ? AND kind = 'workshop' AND archived_at IS NULL",
                 (workshop_id,))
    if not target or target["enterprise_id"] != unit["enterprise_id"]:
        raise ValueError("请选择本企业的车间")
    if target["id"] == unit["parent_id"]:
        return
    _clash(db, unit["enterprise_id"], target["id"], unit["name"], where=f"“{target['name']}”下")
    with db.atomic():
        db.execute("UPDATE units SET parent_id = ? WHERE id = ?", (target["id"], unit["id"]))
        audit.record(db, by, "move", "unit", unit["id"], {"from": unit["parent_id"], "to": target["id"]})


def archive(db, unit: dict, by=None) -> None:
    """Retire a unit (and a workshop's posts); nothing is deleted, past inspections keep it."""
    if unit["kind"] == "workshop" and one(
        db, "SELECT id FROM units WHERE parent_id = ? AND archived_at IS NULL", (unit["id"],)
    ):
        raise ValueError("请先停用该车间下的岗位")
    if one(db, "SELECT id FROM users WHERE unit_id = ? AND active = 1", (unit["id"],)):
        raise ValueError("该单元仍有在岗账号，请先调整账号")
    with db.atomic():
        stamp = now()
        db.execute("UPDATE units SET archived_at = ? WHERE id = ?", (stamp, unit["id"]))
        db.execute("UPDATE checklists SET archived_at = ? WHERE unit_id = ? AND archived_at IS NULL",
                   (stamp, unit["id"]))
        audit.record(db, by, "archive", "unit", unit["id"], {"name": unit["name"]})


def label(db, unit_id) -> str:
    """'机加工车间 / 车床班' for a post, the name for a workshop, '全厂' for none."""
    if unit_id is None:
        return "全厂"
    unit = one(db, "SELECT u.name, p.name AS parent FROM units u LEFT JOIN units p ON p.id = u.parent_id "
               "WHERE u.id = ?", (unit_id,))
    return f"{unit['parent']} / {unit['name']}" if unit["parent"] else unit["name"]
