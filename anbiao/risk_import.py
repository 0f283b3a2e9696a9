"""Many risk points at once from an xlsx sheet: every row goes through risk_points.check (the form's own rules) and
every bad row is named; then all are created in one transaction or none, and the enterprise's colour is rolled up
once at the end.

The sheet is read and its header checked by anbiao/sheets.py.
"""

import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import enterprise_colour, risk, risk_points, sheets
from .due import local_now
from .enterprises import quote
from .refusal import Refused
from .sheets import MAX_ROWS, Checked, places

UNIT, METHOD = "车间/岗位", "评价方法"
FACTOR_GROUPS = ("L", "E", "C", "S")  # every factor column of the sheet; each method uses some of them
# The columns by their header, in the template's order.
COLUMNS = {UNIT: "unit", "风险点名称": "name", "位置": "place", "作业活动或设备设施": "activity",
           **{label: f"factor_{key}" for key, label in risk_points.FACTORS.items()},
           "事故类型": "accident_types", "后果": "consequences", METHOD: "method",
           **{group: f"value_{group}" for group in FACTOR_GROUPS},
           **{label: f"measures_{kind}" for kind, label in risk_points.MEASURE_KINDS.items()},
           "责任人": "responsible", "复评日期": "review_on"}
REQUIRED = (UNIT, "风险点名称", "作业活动或设备设施", "事故类型", METHOD)
# What the template's header says beyond the label; a header is read without it.
HEADER_NOTES = {METHOD: "(LEC/LS)"}
MEASURE_SPLIT = re.compile(r"[\n；;]+")
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _unit(typed: str, known: dict[str, int], allowed: Callable[[int], bool]) -> int:
    """The unit a 车间/岗位 cell names — '车间 / 岗位', a workshop, or a post's own name when only one post has it —
    if this person may record points there; raises Refused."""
    if not typed:
        raise Refused("请填写车间/岗位")
    path = sheets.path(typed)
    unit_id = known.get(path)
    if unit_id is None:
        posts = [uid for name, uid in known.items() if "/" in name and name.split("/")[1] == path]
        unit_id = posts[0] if len(posts) == 1 else None
        if len(posts) > 1:
            raise Refused(f"有几个岗位都叫“{quote(typed)}”，请写成“车间/岗位”")
    if unit_id is not None and allowed(unit_id):
        return unit_id
    if unit_id is not None or not allowed(None):
        # Someone confined to a workshop hears the same answer whether or not the place exists elsewhere.
        raise Refused(f"“{quote(typed)}”不是你管理的车间或岗位")
    raise Refused(f"找不到“{quote(typed)}”：车间写车间名称，岗位写成“车间/岗位”")


def _review_on(value) -> str:
    """A date cell as 2027-06-30 (Excel's dates, 2027/6/30, 2027年6月30日); anything else as typed, for check to
    refuse."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = sheets.text(value)
    found = DATE.fullmatch(text)
    if found:
        try:
            return date(*map(int, found.groups())).isoformat()
        except ValueError:
            return text
    return text


def _values(method_code: str, method: dict, cells: dict) -> tuple[dict, list[str]]:
    """The factor values a row gives for its method, and what is wrong with them (a value not in the table, a
    column of the other method filled in)."""
    name, wrong, chosen = method_code.upper(), [], {}
    for group in FACTOR_GROUPS:
        typed = cells.get(f"value_{group}", "")
        table = method["factors"].get(group)
        if table is None:
            if typed:
                wrong.append(f"评价方法为 {name} 时 {group} 列应留空")
            continue
        allowed = "、".join(f"{row['value']:g}" for row in table)
        try:
            value = float(typed)
        except ValueError:
            wrong.append(f"{group} 的分值“{quote(typed)}”不对，{name} 法可填：{allowed}" if typed
                         else f"请填写 {group} 的分值（{name} 法可填：{allowed}）")
            continue
        if not any(abs(value - row["value"]) < 1e-9 for row in table):
            wrong.append(f"{group} 的分值“{quote(typed)}”不在 {name} 法的表中，可填：{allowed}")
        chosen[group] = value
    return chosen, wrong


def _responsible(typed: str, people: list[dict]) -> dict:
    """The 责任人 cell as an account of the enterprise when it names exactly one (by name or username), else as a
    name typed."""
    found = [p for p in people if typed and typed in (p["name"], p["username"])]
    if len(found) == 1:
        return {"responsible_user_id": found[0]["id"], "responsible_name": ""}
    return {"responsible_user_id": "", "responsible_name": typed}


def _fields(db, enterprise_id: int, cells: dict, raw: dict, context: dict) -> tuple[dict | None, list[str]]:
    """One data row as risk_points.check takes it, and what is wrong with it."""
    wrong = []
    try:
        unit_id = _unit(cells.get("unit", ""), context["known"], context["allowed"])
    except Refused as exc:
        wrong.append(str(exc))
        unit_id = None
    method_code = cells.get("method", "").lower()
    method = context["methods"].get(method_code)
    chosen = {}
    if method is None:
        listed = "、".join(code.upper() for code in context["methods"])
        wrong.append(f"评价方法“{quote(cells['method'])}”不对，应为 {listed}" if cells.get("method")
                     else f"请填写评价方法（{listed}）")
    else:
        chosen, bad = _values(method_code, method, cells)
        wrong += bad
    if wrong:
        return None, wrong
    fields = {**{name: cells.get(name, "") for name in risk_points.TEXTS}, "unit_id": unit_id,
              "method": method_code, "values": chosen,
              "factors": {key: cells.get(f"factor_{key}", "") for key in risk_points.FACTORS},
              "measures": {kind: [m for m in MEASURE_SPLIT.split(cells.get(f"measures_{kind}", "")) if m.strip()]
                           for kind in risk_points.MEASURE_KINDS},
              "review_on": _review_on(raw.get("review_on")),
              **_responsible(cells.get("responsible", ""), context["people"])}
    try:
        risk_points.check(db, enterprise_id, fields)
    except Refused as exc:
        return None, [str(exc)]
    return fields, []


def check(db, enterprise_id: int, table: list[list], allowed: Callable[[int | None], bool]) -> Checked:
    """Each data row as a point to create, or its problems; `allowed(unit_id)` says where this person may record
    points (scope.may_manage_risk_points). Rejected when the sheet as a whole cannot be imported."""
    keys = sheets.header(table, COLUMNS, REQUIRED, "车间/岗位、风险点名称")
    body = sheets.body(table, "风险点")
    context = {"known": places(db, enterprise_id), "allowed": allowed, "methods": risk.methods(db),
               "people": risk_points.accounts(db, enterprise_id)}
    checked = Checked()
    for number, row in body:
        raw = {key: row[i] if i < len(row) else None for i, key in enumerate(keys) if key}
        cells = {key: sheets.text(value) for key, value in raw.items()}
        fields, wrong = _fields(db, enterprise_id, cells, raw, context)
        checked.problems += [(number, message) for message in wrong]
        if fields is not None:
            checked.rows.append((number, fields))
    return checked


def save(db, enterprise_id: int, checked: Checked, by) -> int:
    """Create every checked row inside the caller's transaction and roll the enterprise's colour up once; Rejected
    (which rolls it all back) if any row is bad. One audit entry per point, written by risk_points.insert."""
    problems = list(checked.problems)
    found = []
    for number, fields in checked.rows:
        try:  # checked again inside the transaction: a unit or an account may have changed since
            found.append(risk_points.check(db, enterprise_id, fields))
        except Refused as exc:
            problems.append((number, str(exc)))
    sheets.refuse(problems)
    for values in found:
        risk_points.insert(db, enterprise_id, values, by)
    enterprise_colour.refresh(db, enterprise_id, by=by)
    return len(found)


def _where(db, enterprise_id: int, allowed: Callable) -> list[str]:
    """The units this person may record points at, as the sheet writes them."""
    return [path for path, unit_id in places(db, enterprise_id).items() if allowed(unit_id)]


def _example(where: list[str], people: list[dict]) -> list:
    """One row that imports as it stands (an LEC point, D = 3 × 6 × 7 = 126, yellow) at a unit this person manages."""
    place = next((path for path in where if "/" in path), where[0] if where else "")
    review = (local_now().date() + timedelta(days=365)).isoformat()
    cells = {"unit": place, "name": "叉车装卸作业", "place": "仓库装卸区", "activity": "叉车装卸货物",
             "factor_person": "无证驾驶、超速行驶", "factor_thing": "制动失灵、货叉磨损",
             "factor_environment": "通道狭窄、照明不足", "factor_management": "未按期检验",
             "accident_types": "车辆伤害、物体打击", "consequences": "人员重伤", "method": "LEC",
             "value_L": 3, "value_E": 6, "value_C": 7,
             "measures_engineering": "叉车装倒车报警和限速装置", "measures_management": "每班作业前点检\n按期检验",
             "measures_training": "叉车司机持证上岗", "measures_ppe": "穿反光背心",
             "measures_emergency": "发生碰撞立即停车、报告并救治伤员",
             "responsible": people[0]["name"] if people else "", "review_on": review}
    return [cells.get(key, "") for key in COLUMNS.values()]


def template(db, enterprise_id: int, allowed: Callable[[int | None], bool]) -> io.BytesIO:
    """The sheet to fill: the header (required columns starred), one example row and drop-downs, with a 说明 sheet
    giving each method's values and meanings, the thresholds, and the units this person may use."""
    methods, people = risk.methods(db), risk_points.accounts(db, enterprise_id)
    where = _where(db, enterprise_id, allowed)
    book = Workbook()
    sheet = book.active
    sheet.title = "风险点"
    sheet.append([("*" if label in REQUIRED else "") + label + HEADER_NOTES.get(label, "") for label in COLUMNS])
    sheet.append(_example(where, people))
    letters = {key: get_column_letter(i) for i, key in enumerate(COLUMNS.values(), start=1)}
    for letter in letters.values():
        sheet.column_dimensions[letter].width = 18
    sheet.column_dimensions[letters["review_on"]].width = 14
    # Long lists live on a hidden sheet: a list typed into the rule itself may not pass 255 characters.
    options = book.create_sheet("选项")
    options.sheet_state = "hidden"
    lists = {"unit": where, "responsible": [p["name"] for p in people]}
    for column, values in enumerate(lists.values(), start=1):
        for row, value in enumerate(values, start=1):
            options.cell(row=row, column=column, value=value)
    for column, (key, values) in enumerate(lists.items(), start=1):
        if values:
            letter = get_column_letter(column)
            # 责任人 may also be someone without an account: the list helps, it does not forbid.
            rule = DataValidation(type="list", formula1=f"'选项'!${letter}$1:${letter}${len(values)}",
                                  allow_blank=True, showErrorMessage=key == "unit")
            rule.add(f"{letters[key]}2:{letters[key]}{MAX_ROWS + 1}")
            sheet.add_data_validation(rule)
    values = {group: sorted({row["value"] for m in methods.values() for row in m["factors"].get(group, [])})
              for group in FACTOR_GROUPS}
    for key, choices in [("method", [code.upper() for code in methods]),
                         *((f"value_{group}", [f"{v:g}" for v in values[group]]) for group in FACTOR_GROUPS)]:
        if choices:
            rule = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
            rule.add(f"{letters[key]}2:{letters[key]}{MAX_ROWS + 1}")
            sheet.add_data_validation(rule)
    _notes(book.create_sheet("说明", 1), methods, where, people)
    return sheets.saved(book)


def _notes(notes, methods: dict, where: list[str], people: list[dict]) -> None:
    """The 说明 sheet: how to fill each column, each method's values with their meanings, the thresholds."""
    notes.append(["每行一个风险点；第 2 行是示例，请改成实际内容或删除。所有行都正确才会导入，有错的行会逐行列出。"])
    notes.append([f"一次最多 {MAX_ROWS} 行；带 * 的列必填；人、物、环境、管理四个因素至少填一项，"
                  "五类管控措施至少填一条。"])
    notes.append(["管控措施：一格里可写几条，每条一行（Alt+回车换行）或用“；”隔开。"])
    notes.append(["责任人：填本企业账号的姓名，或直接写姓名。复评日期：年-月-日，例如 2027-06-30。"])
    notes.append([])
    notes.append([UNIT, "车间写车间名称，岗位写成“车间/岗位”（岗位名称在企业里唯一时也可只写岗位名称）。可填写："])
    for path in where:
        notes.append(["", path])
    for code, method in methods.items():
        symbol = risk_points.SCORE_SYMBOLS.get(code, "分值")
        groups = list(method["factors"])
        notes.append([])
        notes.append([f"{method['title']}：评价方法填 {code.upper()}，{symbol} = {' × '.join(groups)}，"
                      f"填 {'、'.join(groups)} 列，其余分值列留空"])
        for group, table in method["factors"].items():
            notes.append([group, "；".join(f"{row['value']:g} {row['name']}" for row in table)])
        levels = method["thresholds"]
        ranges = [f"{symbol} ≥ {t['at_least']:g}" for t in levels]
        if len(levels) > 1:
            ranges[-1] = f"{symbol} < {levels[-2]['at_least']:g}"
        notes.append(["分级", "；".join(f"{where} {risk.COLOUR_NAMES[t['colour']]}色 {t['name']}"
                                      for where, t in zip(ranges, levels, strict=True))])
    if people:
        notes.append([])
        notes.append(["本企业账号", "、".join(p["name"] for p in people)])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 100
