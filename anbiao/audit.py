"""The audit log: every change, who made it and when; rows are only ever added."""

import json
from datetime import UTC, date, datetime, time, timedelta

from . import db as database
from . import scope
from .due import TZ, as_local
from .library import FREQUENCIES
from .risk import COLOUR_NAMES

PAGE = 30
ENTITIES = {"enterprise": "企业档案", "unit": "车间/岗位", "user": "账号", "checklist": "检查清单",
            "inspection": "检查记录", "hazard": "隐患", "grid": "网格", "sign": "标识",
            "risk_point": "风险点", "risk_map": "风险分布图", "draw": "双随机抽取"}
ACTIONS = {
    "create": "新建", "update": "修改", "rename": "改名", "move": "调动", "archive": "停用",
    "activate": "启用账号", "deactivate": "停用账号", "set_password": "重设密码",
    "adopt": "采用清单", "derive": "分解生成", "assign": "调整责任/频次", "add_item": "增加条目",
    "reword_item": "改写条目", "remove_item": "移除条目", "submit": "提交检查",
    "report": "上报隐患", "on_the_spot": "立行立改", "rectify": "提交整改", "verify_pass": "验收通过",
    "verify_fail": "验收退回", "retire": "撤除", "reissue": "补发标签", "found_again": "再次发现",
    "check": "现场检查", "confirm": "核实为隐患", "dismiss": "核实不属实",
    "reassess": "重新评估", "place": "标注位置", "set_colour": "改定风险等级", "score": "5S 考评",
    "self_assess_start": "开始标准化自评", "self_assess_score": "标准化自评评分",
    "self_assess_evidence": "添加自评证据",
    "self_assess_submit": "提交标准化自评", "grade": "记录达标评定", "star": "记录星级评定",
    "draw": "抽取", "redraw": "重新抽取",
    "notice": "送达告知书", "commitment": "签订承诺书", "enforcement": "执法激励约束",
}
# The same word means another thing on another record.
ENTITY_ACTIONS = {("hazard", "assign"): "指派整改（四定）", ("enterprise", "create"): "建档"}
ENTITY_ACTIONS[("inspection", "unannounced")] = "四不两直（未提前通知）"  # a grid visit (anbiao/grid_day.py)
# 挂牌督办 (anbiao/supervision.py) is kept on the hazard's record, so its enterprise reads it with the hazard.
ENTITY_ACTIONS.update({("hazard", "list"): "挂牌督办", ("hazard", "supervise_check"): "五落实",
                       ("hazard", "delist"): "督办销号"})
CHECKLIST_FIELDS = {"frequency": "检查频次", "responsible_title": "检查责任", "responsible_user_id": "责任人",
                    "on_failure": "整改要求"}
# How each kind of record is named on the page; a post reads with its workshop, as everywhere else.
NAMES = {
    "enterprise": "SELECT id, name AS label FROM enterprises WHERE id IN",
    "user": "SELECT id, name AS label FROM users WHERE id IN",
    "checklist": "SELECT id, title AS label FROM checklists WHERE id IN",
    "hazard": "SELECT id, description AS label FROM hazards WHERE id IN",
    "grid": "SELECT id, name AS label FROM grids WHERE id IN",
    "sign": "SELECT id, title AS label FROM signs WHERE id IN",
    "risk_point": "SELECT id, name AS label FROM risk_points WHERE id IN",
    "risk_map": "SELECT id, title AS label FROM risk_maps WHERE id IN",
    "draw": "SELECT id, purpose AS label FROM draws WHERE id IN",
    "inspection": "SELECT i.id, c.title AS label FROM inspections i JOIN checklists c ON c.id = i.checklist_id"
                  " WHERE i.id IN",
    "unit": "SELECT u.id, COALESCE(p.name || ' / ', '') || u.name AS label FROM units u"
            " LEFT JOIN units p ON p.id = u.parent_id WHERE u.id IN",
}
# 回头看 (anbiao/reverify.py): a draw of closed hazards is its own record; each revisit is kept on its hazard's.
ENTITIES["reverify_draw"] = "回头看抽查"
NAMES["reverify_draw"] = ("SELECT id, '闭环于 ' || period_start || ' 至 ' || period_end AS label FROM reverify_draws"
                          " WHERE id IN")
ENTITY_ACTIONS.update({("reverify_draw", "draw"): "抽取复查样本", ("hazard", "reverify_held"): "回头看：整改有效",
                       ("hazard", "reopen"): "回头看：整改失效，重新打开"})
ENTITIES["monthly_report"] = "月报表"  # a submitted 附件3/附件4, frozen (anbiao/monthly_reports.py)
NAMES["monthly_report"] = "SELECT id, month || ' ' || form AS label FROM monthly_reports WHERE id IN"
ENTITY_ACTIONS[("monthly_report", "submit")] = "上报月报表"
# Clock steps and writers racing by a second must not drop an entry at a date's edge (see _id_bounds).
SLACK = timedelta(minutes=1)


def record(db, user_id, action: str, entity: str, entity_id, detail=None) -> None:
    """Write one audit row in the caller's transaction, stamped with its record's enterprise."""
    db.execute(
        "INSERT INTO audit_log (at, user_id, action, entity, entity_id, detail, enterprise_id)"
        " VALUES (?,?,?,?,?,?,?)",
        (database.now(), user_id, action, entity, entity_id,
         json.dumps(detail or {}, ensure_ascii=False, default=str),
         scope.audit_enterprise(db, entity, entity_id)),
    )


def history(db, entity: str, entity_id: int, limit: int = 50) -> list[dict]:
    """The latest changes to one record, newest first."""
    return database.rows(
        db,
        "SELECT a.*, u.name AS user_name FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
        "WHERE entity = ? AND entity_id = ? ORDER BY a.id DESC LIMIT ?",
        (entity, entity_id, limit),
    )


def action_label(entity: str, action: str) -> str:
    """An action in Chinese, as it reads on that kind of record."""
    return ENTITY_ACTIONS.get((entity, action)) or ACTIONS.get(action) or "其他操作"


def parse_filters(db, args) -> tuple[dict, list[str]]:
    """The log's filters from a query string: (values for `page`, Chinese problems); bad values filter nothing."""
    found, problems = {}, []
    entity = (args.get("entity") or "").strip()
    if entity:
        if entity in ENTITIES:
            found["entity"] = entity
        else:
            problems.append("记录类型不正确")
    record_id = (args.get("entity_id") or "").strip()
    if record_id:
        if not record_id.isdigit():
            problems.append("记录编号应为数字")
        elif "entity" not in found:
            problems.append("按记录编号查找时，请先选择记录类型")
        else:
            found["entity_id"] = int(record_id)
    person = (args.get("person") or "").strip()
    if person:
        user = database.one(db, "SELECT id FROM users WHERE username = ?", (person,))
        if user:
            found["user_id"] = user["id"]
        else:
            problems.append(f"没有账号“{person}”")
    for key, label in (("from", "开始日期"), ("to", "结束日期")):
        text = (args.get(key) or "").strip()
        if text:
            try:
                found[key] = date.fromisoformat(text)
            except ValueError:
                problems.append(f"{label}格式不正确，应为 2024-11-22 这样的日期")
    if found.get("from") and found.get("to") and found["from"] > found["to"]:
        problems.append("开始日期不能晚于结束日期")
    before = (args.get("before") or "").strip()
    if before.isdigit():
        found["before"] = int(before)
    return found, problems


def _stamp(day: date) -> str:
    """The UTC time of record at which a Beijing date begins, as stored."""
    moment = datetime.combine(day, time(0), TZ).astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def _id_bounds(db, start: str | None, end: str | None) -> tuple[int, int] | None:
    """The id range that holds [start, end), found through the index on `at`; None when it is empty."""
    # Ids follow the server clock, so a date range is an id range and a page walks the primary key in
    # order instead of sorting a day's entries; the range is widened by SLACK and the exact times are
    # checked on every row too.
    low, high = 0, None
    if start:
        edge = (datetime.fromisoformat(start) - SLACK).isoformat(timespec="seconds")
        row = database.one(db, "SELECT id FROM audit_log WHERE at >= ? ORDER BY at, id LIMIT 1", (edge,))
        if not row:
            return None
        low = row["id"]
    if end:
        edge = (datetime.fromisoformat(end) + SLACK).isoformat(timespec="seconds")
        row = database.one(db, "SELECT id FROM audit_log WHERE at < ? ORDER BY at DESC, id DESC LIMIT 1", (edge,))
        if not row:
            return None
        high = row["id"]
    return low, high if high is not None else 2**62


def page(db, where: tuple[str, list], *, before=None, entity=None, entity_id=None, user_id=None,
         start: date | None = None, end: date | None = None, limit: int = PAGE) -> tuple[list[dict], int | None]:
    """One page of the log (`where` from scope.audit_where), newest first, and the id the next page starts before."""
    # Filters: record kind and id, person, Beijing dates (both inclusive).
    sql, params = [where[0]], list(where[1])
    if before is not None:
        sql.append("a.id < ?")
        params.append(before)
    if entity:
        sql.append("a.entity = ?")
        params.append(entity)
    if entity_id is not None:
        sql.append("a.entity_id = ?")
        params.append(entity_id)
    if user_id is not None:
        sql.append("a.user_id = ?")
        params.append(user_id)
    since = _stamp(start) if start else None
    until = _stamp(end + timedelta(days=1)) if end else None
    if since or until:
        bounds = _id_bounds(db, since, until)
        if bounds is None:
            return [], None
        sql.append("a.id BETWEEN ? AND ?")
        params += bounds
        if since:
            sql.append("a.at >= ?")
            params.append(since)
        if until:
            sql.append("a.at < ?")
            params.append(until)
    found = database.rows(
        db,
        "SELECT a.*, u.name AS user_name, u.username FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
        f" WHERE {' AND '.join(f'({part})' for part in sql)} ORDER BY a.id DESC LIMIT ?",
        [*params, limit + 1],
    )
    more = found[limit - 1]["id"] if len(found) > limit else None
    return describe(db, found[:limit]), more


def _names(db, sql: str, ids) -> dict:
    """{id: label} for the ids of one kind of record; `sql` selects id and label and ends in `IN`."""
    ids = sorted({i for i in ids if isinstance(i, int)})
    if not ids:
        return {}
    return {r["id"]: r["label"] for r in database.rows(db, f"{sql} ({','.join('?' * len(ids))})", ids)}


def _short(text, size=40) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def describe(db, entries: list[dict]) -> list[dict]:
    """Add what a person reads to each entry: Chinese labels, the record's name and what changed."""
    # Names come a page at a time, one query per kind of record; codes never reach the page
    # (a library document is named by its title and version).
    for entry in entries:
        try:
            entry["data"] = json.loads(entry.get("detail") or "{}")
        except ValueError:
            entry["data"] = {}
        if not isinstance(entry["data"], dict):
            entry["data"] = {}
    by_kind: dict = {}
    for entry in entries:
        by_kind.setdefault(entry["entity"], set()).add(entry["entity_id"])
    by_kind.setdefault("unit", set()).update(
        e["data"].get("to") for e in entries if e["entity"] == "unit" and e["action"] == "move")
    names = {kind: _names(db, sql, by_kind.get(kind, ())) for kind, sql in NAMES.items()}
    libraries = {}
    for entry in entries:
        if entry["action"] != "adopt" or not entry["data"].get("library"):
            continue
        key = (entry["data"]["library"], entry["data"].get("version"))
        if key not in libraries:
            libraries[key] = database.one(
                db, "SELECT title, version FROM library_docs WHERE code = ? AND (version = ? OR ? IS NULL)"
                    " ORDER BY version DESC LIMIT 1", (key[0], key[1], key[1]))
    for entry in entries:
        kind = entry["entity"]
        entry["entity_label"] = ENTITIES.get(kind, "其他记录")
        entry["action_label"] = action_label(kind, entry["action"])
        label = names.get(kind, {}).get(entry["entity_id"])
        entry["record_label"] = _short(label, 30) if label else ""
        summary = _summary(entry, names["unit"], libraries)
        entry["summary"] = "" if summary == entry["action_label"] else summary
        entry["when"] = _when(entry["at"])
    return entries


def _when(stamp: str) -> str:
    moment = as_local(stamp)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M:%S}"


def _summary(entry: dict, units: dict, libraries: dict) -> str:
    """What changed, in a few Chinese words; unknown details are left out rather than shown as code."""
    from .enterprises import LABELS  # enterprises writes the log, so it is read here only when needed

    data, kind, action = entry["data"], entry["entity"], entry["action"]
    if kind == "enterprise" and action == "update":
        return "改了：" + "、".join(LABELS.get(k, "其他") for k in data)
    if kind == "enterprise" and action in ("grade", "star"):
        late = "" if data.get("current", True) else "，补录历史"
        return f"{data.get('label', '')}（{data.get('on_date', '')}）{late}"
    if kind == "enterprise" and action == "self_assess_submit":
        return f"自评得分 {data.get('score')}"
    if kind == "enterprise" and action == "self_assess_score":
        return f"要素 {data.get('element', '')}"
    if kind == "enterprise" and action in ("notice", "commitment"):  # anbiao/papers.py
        return f"{data.get('on_date', '')} · {data.get('person', '')}" + ("，附签字页照片" if data.get("photo") else "")
    if kind == "enterprise" and action == "enforcement":  # anbiao/enforcement.py; the kind's name is kept with it
        amount = f" {data['amount']:g}" if isinstance(data.get("amount"), float) else ""
        return f"{data.get('name', '')}（{data.get('on_date', '')}）{amount}"
    if kind == "enterprise" and action == "set_colour":
        to = COLOUR_NAMES.get(data.get("to"), "—")
        return f"整体风险等级定为{to}" + (f"：{_short(data.get('reason'))}" if data.get("reason") else "")
    if kind == "risk_point":
        if action == "reassess":
            return (f"{COLOUR_NAMES.get(data.get('from'), '—')} → {COLOUR_NAMES.get(data.get('to'), '—')}"
                    + (f"：{_short(data.get('reason'))}" if data.get("reason") else ""))
        return f"{data.get('name', '')}（{COLOUR_NAMES[data['colour']]}）" if data.get("colour") in COLOUR_NAMES \
            else _short(data.get("reason") or data.get("name") or "")
    if kind == "risk_map":
        return f"{data['what']}：{data.get('point', '')}" if data.get("what") else _short(data.get("title") or "")
    if kind == "unit":
        if action == "rename":
            return f"“{data.get('from', '')}”改为“{data.get('to', '')}”"
        if action == "move":
            return f"调到“{units.get(data.get('to'), '另一车间')}”"
        if action in ("create", "archive"):
            return data.get("name", "")
    if kind == "user" and action == "create":
        return f"{scope.ROLES.get(data.get('role'), '')}账号 {data.get('username', '')}".strip()
    if kind == "checklist":
        if action == "adopt":
            doc = libraries.get((data.get("library"), data.get("version")))
            return f"来自检查库：{doc['title']} 第 {doc['version']} 版" if doc else "来自检查库"
        if action == "derive":
            return f"为“{data.get('unit', '')}”生成，{data.get('items', 0)} 条"
        if action == "assign":
            parts = []
            for key, change in data.items():
                if key == "frequency" and isinstance(change, list) and len(change) == 2:
                    parts.append(f"检查频次 {FREQUENCIES.get(change[0], '—')} → {FREQUENCIES.get(change[1], '—')}")
                elif key in CHECKLIST_FIELDS:
                    parts.append(CHECKLIST_FIELDS[key])
            return "改了：" + "、".join(parts) if parts else ""
        if action in ("add_item", "remove_item"):
            return _short(data.get("content"))
        if action == "reword_item":
            content = data.get("content")
            return _short(content[1]) if isinstance(content, list) and len(content) == 2 else "改了检查方法或依据"
    if kind == "inspection" and action == "submit":
        failed = data.get("failed") or 0
        return ("更正此前的检查 · " if data.get("corrects") else "") + (f"不合格 {failed} 项" if failed else "全部合格")
    if kind == "hazard":
        return "" if action == "report" else _short(data.get("note"))  # a report's note is its description
    if kind == "grid":
        return data.get("name", "")
    if kind == "reverify_draw":
        return f"从 {data.get('population', 0)} 条已闭环隐患中抽取 {data.get('drawn', 0)} 条"
    if kind == "draw":
        return (f"{data.get('enterprises', 0)} 家企业、{data.get('inspectors', 0)} 名检查人员"
                + (f"；原因：{_short(data.get('reason'))}" if data.get("reason") else ""))
    if kind == "sign":
        if action == "check":
            return f"现场状态：{data.get('state', '—')}" + ("，已列为隐患" if data.get("hazard_id") else "")
        if action in ("confirm", "dismiss"):
            reply = data.get("reply")
            return f"扫码举报 {data.get('report', '')}" + (f"：{_short(reply)}" if reply else "")
        return _short(data.get("title") or data.get("code") or "")
    return ""
