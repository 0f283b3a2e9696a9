"""An enterprise's own checklists (一企一策): adopt from the library, adapt, derive down the tiers."""

import json

from . import audit, library
from .db import now, one, rows

UNIT_TIER = {None: "enterprise", "workshop": "workshop", "post": "post"}
TIER_ROLE = {"enterprise": "manager", "workshop": "workshop_head", "post": "team_leader"}
MAX_TEXT = 500


def get_items(db, checklist_id: int) -> list[dict]:
    """The items in force, in order."""
    return rows(db, "SELECT * FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL "
                    "ORDER BY position, id", (checklist_id,))


# A group that fits about one phone screen stays open on the derive page; longer ones start folded.
SHORT_GROUP = 10


def by_aspect(items, picked=()) -> list[dict]:
    """Items grouped by aspect (方面) in the library's order; a long group opens only if something in it is picked."""
    picked = {str(p) for p in picked}
    groups: dict = {aspect: [] for aspect in library.ASPECTS}
    for item in items:
        groups.setdefault(item["aspect"] or "其他", []).append(item)
    return [{"aspect": aspect, "rows": found,
             "picked": sum(str(i["id"]) in picked for i in found),
             "open": len(found) <= SHORT_GROUP or any(str(i["id"]) in picked for i in found)}
            for aspect, found in groups.items() if found]


def of_enterprise(db, enterprise_id: int, only_units: set[int] | None = None) -> list[dict]:
    """The active checklists of an enterprise with their unit names and item counts."""
    found = rows(
        db,
        "SELECT c.*, u.name AS unit_name, u.kind AS unit_kind, p.name AS parent_unit_name,"
        " (SELECT COUNT(*) FROM checklist_items i WHERE i.checklist_id = c.id AND i.removed_at IS NULL)"
        " AS item_count, r.name AS responsible_name"
        " FROM checklists c LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN units p ON p.id = u.parent_id"
        " LEFT JOIN users r ON r.id = c.responsible_user_id"
        " WHERE c.enterprise_id = ? AND c.archived_at IS NULL"
        " ORDER BY CASE c.tier WHEN 'enterprise' THEN 0 WHEN 'workshop' THEN 1 ELSE 2 END,"
        " p.position, u.position, c.id",
        (enterprise_id,),
    )
    if only_units is not None:
        found = [c for c in found if c["unit_id"] in only_units]
    return found


def _text(value, label, required=True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValueError(f"请填写{label}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{label}不超过{MAX_TEXT}字")
    return text or None


def _aspect(value) -> str:
    if value not in library.ASPECTS:
        raise ValueError(f"请选择检查方面：{'、'.join(library.ASPECTS)}")
    return value


def _frequency(value) -> str:
    if value not in library.FREQUENCIES:
        raise ValueError(f"请选择检查频次：{'、'.join(library.FREQUENCIES.values())}")
    return value


def _insert_items(db, checklist_id, items) -> None:
    stamp = now()
    for position, item in enumerate(items, start=1):
        db.execute(
            "INSERT INTO checklist_items (checklist_id, position, aspect, section, content, method, basis,"
            " library_item_id, parent_item_id, risk_measure_id, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (checklist_id, position, item["aspect"], item.get("section"), item["content"], item.get("method"),
             item.get("basis"), item.get("library_item_id"), item.get("parent_item_id"), item.get("risk_measure_id"),
             stamp, stamp),
        )


def _insert(db, *, enterprise_id, unit_id, tier, title, frequency, responsible_title, on_failure,
            library_doc_id=None, parent_id=None, responsible_user_id=None) -> int:
    cur = db.execute(
        "INSERT INTO checklists (enterprise_id, unit_id, tier, title, library_doc_id, parent_id, frequency,"
        " responsible_title, responsible_user_id, on_failure, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (enterprise_id, unit_id, tier, title, library_doc_id, parent_id, frequency, responsible_title,
         responsible_user_id, on_failure, now()),
    )
    return cur.lastrowid


def adopt(db, enterprise: dict, doc_id: int, by=None) -> int:
    """Copy a library checklist into the enterprise as its own enterprise-level checklist."""
    doc = one(db, "SELECT * FROM library_docs WHERE id = ? AND kind = 'checklist'", (doc_id,))
    if not doc or doc["tier"] not in ("enterprise", "lookback"):
        raise ValueError("只能采用企业级检查清单或回头看清单")
    if doc["industry"] not in (enterprise["industry"], library.GENERAL):
        raise ValueError(f"该清单属于{doc['industry']}，与本企业行业（{enterprise['industry']}）不符")
    taken = one(db, "SELECT c.id FROM checklists c JOIN library_docs d ON d.id = c.library_doc_id"
                    " WHERE c.enterprise_id = ? AND d.code = ? AND c.unit_id IS NULL AND c.archived_at IS NULL",
                (enterprise["id"], doc["code"]))
    if taken:
        raise ValueError("本企业已采用该清单，可直接调整条目")
    items = [dict(i, library_item_id=i["id"]) for i in library.items(db, doc_id)]
    with db.atomic():
        checklist_id = _insert(
            db, enterprise_id=enterprise["id"], unit_id=None, tier=doc["tier"], title=doc["title"],
            frequency=doc["frequency"], responsible_title=doc["responsible"], on_failure=doc["on_failure"],
            library_doc_id=doc_id,
        )
        _insert_items(db, checklist_id, items)
        audit.record(db, by, "adopt", "checklist", checklist_id, {"library": doc["code"],
                                                                  "version": doc["version"]})
    return checklist_id


def kept_grid_checklist(db, enterprise_id: int) -> dict | None:
    """The grid guide already kept at an enterprise, if a grid worker has visited it; never makes one."""
    return one(db, "SELECT * FROM checklists WHERE enterprise_id = ? AND tier = 'grid' AND archived_at IS NULL"
                   " ORDER BY id LIMIT 1", (enterprise_id,))


def grid_checklist(db, enterprise_id: int) -> dict:
    """The grid guide kept at an enterprise for grid workers' visits, made from the newest guide on first use."""
    found = kept_grid_checklist(db, enterprise_id)
    if found:
        return found
    guide = next((d for d in library.current_docs(db) if d["tier"] == "grid"), None)
    if guide is None:
        raise ValueError("检查库中没有网格员检查导则")
    with db.atomic():
        checklist_id = _insert(
            db, enterprise_id=enterprise_id, unit_id=None, tier="grid", title=guide["title"],
            frequency=guide["frequency"], responsible_title=guide["responsible"], on_failure=guide["on_failure"],
            library_doc_id=guide["id"])
        _insert_items(db, checklist_id, [dict(i, library_item_id=i["id"]) for i in library.items(db, guide["id"])])
        audit.record(db, None, "adopt", "checklist", checklist_id, {"library": guide["code"]})
    return one(db, "SELECT * FROM checklists WHERE id = ?", (checklist_id,))


FIVE_S_DEFAULTS = {"frequency": "monthly", "responsible_title": "车间主任",
                   "on_failure": "扣分项当场指出、限期整改；严重的列为隐患，按隐患整改验收"}


def five_s_of(db, unit_id: int) -> dict | None:
    """A post's 5S 考评 (its checklist of kind five_s), if it has one."""
    return one(db, "SELECT * FROM checklists WHERE unit_id = ? AND kind = 'five_s' AND archived_at IS NULL"
                   " ORDER BY id LIMIT 1", (unit_id,))


def add_five_s(db, enterprise: dict, unit: dict, by=None) -> int:
    """A post's 5S 考评 (岗位达标): the library's 5S standard copied as its items, one per post; who scores and how
    often are then set as for any checklist, and a score is an inspection of it, so due and overdue work unchanged."""
    if unit["kind"] != "post" or unit["enterprise_id"] != enterprise["id"] or unit["archived_at"]:
        raise ValueError("5S 考评按岗位（班组）进行，请选择本企业的一个岗位")
    if five_s_of(db, unit["id"]):
        raise ValueError(f"“{unit['name']}”已有 5S 考评，可直接设定考评频次和责任人")
    standard = next(iter(library.current_docs(db, "five_s")), None)
    if standard is None:
        raise ValueError("检查库中没有 5S 考评标准，请先载入检查库")
    # The threshold item is a rule about the total, not a scored line.
    items = [dict(i, aspect=i["name"], library_item_id=i["id"]) for i in library.items(db, standard["id"])
             if json.loads(i["extra"]).get("group") != "threshold"]
    with db.atomic():
        checklist_id = _insert(db, enterprise_id=enterprise["id"], unit_id=unit["id"], tier="post",
                               title=f"{unit['name']} 5S 考评", library_doc_id=standard["id"], **FIVE_S_DEFAULTS)
        db.execute("UPDATE checklists SET kind = 'five_s' WHERE id = ?", (checklist_id,))
        _insert_items(db, checklist_id, items)
        audit.record(db, by, "adopt", "checklist", checklist_id, {"library": standard["code"],
                                                                  "version": standard["version"], "unit": unit["name"]})
    return checklist_id


def _not_five_s(checklist) -> None:
    """A 5S 考评's items are the library standard's, each with its points: they are not edited one by one."""
    if checklist.get("kind") == "five_s":
        raise ValueError("5S 考评的条目和分值按检查库的考评标准，不能在此增删改")


def candidates(db, enterprise: dict, unit: dict) -> dict:
    """What a unit's checklist may be built from: its parent checklist's items and the library's."""
    parent = parent_for(db, enterprise, unit)
    template = library.industry_set(db, enterprise["industry"]).get(unit["kind"])
    return {
        "parent": parent,
        "parent_items": get_items(db, parent["id"]) if parent else [],
        "template": template,
        "template_items": library.items(db, template["id"]) if template else [],
    }


def parent_for(db, enterprise: dict, unit: dict) -> dict | None:
    """A post card derives from its workshop's register, else from the enterprise checklist."""
    if unit["kind"] == "post":
        register = one(db, "SELECT * FROM checklists WHERE unit_id = ? AND tier = 'workshop'"
                           " AND archived_at IS NULL ORDER BY id LIMIT 1", (unit["parent_id"],))
        if register:
            return register
    return one(db, "SELECT c.* FROM checklists c WHERE c.enterprise_id = ? AND c.tier = 'enterprise'"
                   " AND c.unit_id IS NULL AND c.archived_at IS NULL ORDER BY c.id LIMIT 1",
               (enterprise["id"],))


def derive(db, enterprise: dict, unit: dict, *, parent_item_ids=(), library_item_ids=(), own=(), risk_items=(),
           title=None, frequency=None, responsible_title=None, responsible_user_id=None,
           on_failure=None, by=None) -> int:
    """Create a unit's 表册 or 卡片 from picked parent items, library items, its risk points' measures (made into
    items by risk_feed.items) and its own items."""
    tier = UNIT_TIER[unit["kind"]]
    source = candidates(db, enterprise, unit)
    if source["parent"] is None:
        raise ValueError("请先采用本企业的安全生产检查清单，再分解到车间、岗位")
    parent_items = {i["id"]: i for i in source["parent_items"]}
    template_items = {i["id"]: i for i in source["template_items"]}
    picked = []
    for item_id in parent_item_ids:
        if int(item_id) not in parent_items:
            raise ValueError("所选条目不属于上级清单")
        item = parent_items[int(item_id)]
        picked.append(dict(item, parent_item_id=item["id"]))
    for item_id in library_item_ids:
        if int(item_id) not in template_items:
            raise ValueError("所选条目不属于行业模板")
        picked.append(dict(template_items[int(item_id)], library_item_id=int(item_id)))
    picked += risk_items
    for entry in own:
        picked.append({"aspect": _aspect(entry.get("aspect")), "content": _text(entry.get("content"), "条目内容")})
    if not picked:
        raise ValueError("请至少选择或添加一个检查条目")
    template = source["template"] or {}
    kind_title = library.TIERS[tier]
    title = _text(title, "名称", required=False) or f"{unit['name']}{kind_title}"
    user_id = _responsible_user(db, enterprise, unit, tier, responsible_user_id)
    if one(db, "SELECT id FROM checklists WHERE unit_id = ? AND title = ? AND archived_at IS NULL",
           (unit["id"], title)):
        raise ValueError(f"“{title}”已存在，请直接调整它的条目")
    with db.atomic():
        checklist_id = _insert(
            db, enterprise_id=enterprise["id"], unit_id=unit["id"], tier=tier, title=title,
            frequency=_frequency(frequency or template.get("frequency") or ("shift" if tier == "post" else "weekly")),
            responsible_title=_text(responsible_title, "责任人", required=False)
            or template.get("responsible") or ("班组长" if tier == "post" else "车间主任"),
            on_failure=_text(on_failure, "整改要求", required=False) or template.get("on_failure")
            or source["parent"]["on_failure"],
            library_doc_id=template.get("id"), parent_id=source["parent"]["id"], responsible_user_id=user_id,
        )
        _insert_items(db, checklist_id, picked)
        audit.record(db, by, "derive", "checklist", checklist_id,
                     {"unit": unit["name"], "from": source["parent"]["id"], "items": len(picked)})
    return checklist_id


def _responsible_user(db, enterprise, unit, tier, user_id):
    if not user_id:
        return None
    user = one(db, "SELECT * FROM users WHERE id = ? AND active = 1", (user_id,))
    wanted = TIER_ROLE.get(tier)
    if not user or user["enterprise_id"] != enterprise["id"] or user["role"] != wanted or (
        unit is not None and user["unit_id"] != unit["id"]
    ):
        raise ValueError("责任人须是本单元的在岗人员")
    return user["id"]


def responsible_choices(db, checklist: dict) -> list[dict]:
    """The accounts that may be named responsible for a checklist."""
    role = TIER_ROLE.get(checklist["tier"])
    if checklist["unit_id"] is None:
        return rows(db, "SELECT id, name FROM users WHERE enterprise_id = ? AND role = ? AND active = 1",
                    (checklist["enterprise_id"], role))
    return rows(db, "SELECT id, name FROM users WHERE unit_id = ? AND role = ? AND active = 1",
                (checklist["unit_id"], role))


def set_assignment(db, checklist: dict, *, frequency, responsible_title, responsible_user_id, on_failure,
                   by=None) -> None:
    """Who checks, how often, and what a failure requires."""
    unit = one(db, "SELECT * FROM units WHERE id = ?", (checklist["unit_id"],)) if checklist["unit_id"] else None
    enterprise = {"id": checklist["enterprise_id"]}
    values = {
        "frequency": _frequency(frequency),
        "responsible_title": _text(responsible_title, "责任人"),
        "responsible_user_id": _responsible_user(db, enterprise, unit, checklist["tier"], responsible_user_id),
        "on_failure": _text(on_failure, "整改要求"),
    }
    changed = {k: v for k, v in values.items() if checklist.get(k) != v}
    if not changed:
        return
    with db.atomic():
        db.execute(f"UPDATE checklists SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?",
                   [*changed.values(), checklist["id"]])
        audit.record(db, by, "assign", "checklist", checklist["id"],
                     {k: [checklist.get(k), v] for k, v in changed.items()})


def add_item(db, checklist: dict, *, aspect, content, method=None, basis=None, by=None, section=None,
             risk_measure_id=None) -> int:
    """Add the enterprise's own item (or a risk point's measure) at the end."""
    _not_five_s(checklist)
    values = (_aspect(aspect), _text(content, "条目内容"), _text(method, "检查方法", False),
              _text(basis, "依据", False), section, risk_measure_id)
    with db.atomic():
        position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM checklist_items WHERE checklist_id = ?",
                              (checklist["id"],)).fetchone()[0]
        stamp = now()
        cur = db.execute(
            "INSERT INTO checklist_items (checklist_id, position, aspect, content, method, basis, section,"
            " risk_measure_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (checklist["id"], position, *values, stamp, stamp))
        audit.record(db, by, "add_item", "checklist", checklist["id"], {"item": cur.lastrowid, "content": values[1]})
    return cur.lastrowid


def _item(db, checklist, item_id) -> dict:
    _not_five_s(checklist)
    item = one(db, "SELECT * FROM checklist_items WHERE id = ? AND checklist_id = ? AND removed_at IS NULL",
               (item_id, checklist["id"]))
    if not item:
        raise ValueError("该条目不存在或已移除")
    return item


def reword_item(db, checklist: dict, item_id: int, *, aspect, content, method=None, basis=None, by=None) -> None:
    """Change an item's words; inspections already filled keep the words they were filled against."""
    item = _item(db, checklist, item_id)
    values = {"aspect": _aspect(aspect), "content": _text(content, "条目内容"),
              "method": _text(method, "检查方法", False), "basis": _text(basis, "依据", False)}
    changed = {k: v for k, v in values.items() if item.get(k) != v}
    if not changed:
        return
    with db.atomic():
        db.execute(f"UPDATE checklist_items SET {', '.join(f'{k} = ?' for k in changed)}, updated_at = ?"
                   " WHERE id = ?", [*changed.values(), now(), item_id])
        audit.record(db, by, "reword_item", "checklist", checklist["id"],
                     {"item": item_id, **{k: [item.get(k), v] for k, v in changed.items()}})


def remove_item(db, checklist: dict, item_id: int, by=None) -> None:
    """Take an item out of use; it stays in the record for the inspections that used it."""
    item = _item(db, checklist, item_id)
    if len(get_items(db, checklist["id"])) <= 1:
        raise ValueError("清单至少保留一个条目")
    with db.atomic():
        db.execute("UPDATE checklist_items SET removed_at = ? WHERE id = ?", (now(), item_id))
        audit.record(db, by, "remove_item", "checklist", checklist["id"],
                     {"item": item_id, "content": item["content"]})
