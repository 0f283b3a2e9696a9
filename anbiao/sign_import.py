"""Many signs at once from an xlsx sheet: every row is checked and every bad row named, then all are saved or none.

The sheet is read and its header checked by anbiao/sheets.py; each row then goes through `signs.create` itself, so a
sheet is held to exactly the rules of the form.
"""

import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from . import sheets, signs
from .enterprises import quote
from .sheets import MAX_ROWS, Checked, places

WHOLE = ("", "全厂")  # what the 位置 column says for a sign of the whole enterprise (the gate's notice board)
UNIT, KIND, CLASS = "位置", "种类", "类别"
# The columns by their header, in the template's order; a star marks a required one in the template.
COLUMNS = {UNIT: "unit", KIND: "kind", CLASS: "sign_class",
           **{label: name for name, (label, _, _) in signs.TEXT_FIELDS.items()},
           **{label: f"risk_{key}" for key, label in signs.RISK_FIELDS.items()}}
REQUIRED = (KIND, signs.TEXT_FIELDS["title"][0])


def _unit(typed: str, known: dict[str, int], allowed: Callable) -> int | None:
    """The unit a 位置 cell names, if this person may set signs there; raises Refused."""
    if typed in WHOLE:
        if allowed(None):
            return None
        raise signs.Refused("只能登记你管理的车间或岗位的标识，请填写位置", "unit_id")
    path = sheets.path(typed)
    unit_id = known.get(path)
    if unit_id is not None and allowed(unit_id):
        return unit_id
    if not allowed(None):
        # Someone confined to a workshop hears the same answer whether or not the place exists elsewhere.
        raise signs.Refused(f"“{quote(typed)}”不是你管理的车间或岗位", "unit_id")
    posts = [name for name in known if "/" in name and name.split("/")[1] == path]
    if posts:
        raise signs.Refused(f"“{quote(typed)}”是岗位，请写成“{posts[0]}”", "unit_id")
    raise signs.Refused(f"找不到“{quote(typed)}”，车间写车间名称，岗位写成“车间/岗位”，全厂的留空", "unit_id")


def _lookup(db) -> tuple[dict[str, str], dict[str, str], str]:
    """Kinds and classes by every name a person may write (the full name, the short one, the code), and the kinds'
    names as a refusal lists them."""
    kinds = {}
    for code, kind in signs.kinds(db).items():
        kinds.update({code: code, kind["short"]: code, kind["name"]: code})
    classes = {}
    for code, sign_class in signs.classes(db).items():
        classes.update({code: code, sign_class["name"]: code, f"{sign_class['name']}标志": code})
    return kinds, classes, "、".join(kind["name"] for kind in signs.kinds(db).values())


def _row(number: int, cells: dict, known: dict, names: tuple, allowed: Callable) -> tuple[dict, list]:
    """One data row as the arguments of signs.create, and what is wrong with it before that is tried."""
    kinds, classes, listed = names
    sign = {"row": number, "unit": cells.get("unit", ""), "kind": kinds.get(cells.get("kind", "")), "fields": {
        **{name: cells.get(name, "") for name in signs.TEXT_FIELDS},
        "sign_class": classes.get(cells.get("sign_class", "")),
        "risk": {key: cells.get(f"risk_{key}", "") for key in signs.RISK_FIELDS}}}
    wrong = []
    try:
        sign["unit_id"] = _unit(sign["unit"], known, allowed)
    except signs.Refused as exc:
        wrong.append(str(exc))
    if sign["kind"] is None:
        wrong.append(f"种类“{quote(cells['kind'])}”不对，应为：{listed}" if cells.get("kind") else "请填写种类")
    if cells.get("sign_class") and sign["fields"]["sign_class"] is None:
        wrong.append(f"类别“{quote(cells['sign_class'])}”不对，应为禁止、警告、指令或提示")
    try:
        if sign["kind"] is not None:
            signs.refuse_stray_risk(sign["kind"], sign["fields"]["risk"])
    except signs.Refused as exc:
        wrong.append(str(exc))
    return sign, wrong


def check(db, enterprise_id: int, table: list[list], allowed: Callable[[int | None], bool]) -> Checked:
    """Each data row as a sign to create, or its problems; `allowed(unit_id)` says where this person may set signs
    (scope.may_manage_signs). Rejected when the sheet as a whole cannot be imported."""
    keys = sheets.header(table, COLUMNS, REQUIRED, "位置、种类、标识名称")
    body = sheets.body(table, "标识")
    known, names = places(db, enterprise_id), _lookup(db)
    checked = Checked()
    for number, row in body:
        cells = {key: sheets.text(row[i]) if i < len(row) else "" for i, key in enumerate(keys) if key}
        sign, wrong = _row(number, cells, known, names, allowed)
        checked.problems += [(number, message) for message in wrong]
        if not wrong:
            checked.rows.append(sign)
    return checked


def _reason(sign: dict, exc: signs.Refused) -> str:
    """What signs.create said, with the place the row named when the place is the trouble."""
    if exc.field == "unit_id":
        return f"{exc}（本行位置：{sign['unit'] or '全厂'}）"
    return str(exc)


def save(db, enterprise_id: int, checked: Checked, by) -> int:
    """Create every checked row inside the caller's transaction; Rejected (which rolls it back) if any row, here or
    in `check`, is bad. One audit entry per sign, written by signs.create."""
    problems = list(checked.problems)
    for sign in checked.rows:
        try:
            signs.create(db, enterprise_id, sign["unit_id"], sign["kind"], sign["fields"], by=by)
        except signs.Refused as exc:
            problems.append((sign["row"], _reason(sign, exc)))
    sheets.refuse(problems)
    return len(checked.rows)


def _example(db, enterprise_id: int, allowed: Callable) -> list:
    """One row that imports as it stands for this person: a risk card at a post they manage, else a notice board."""
    where = [(path, unit_id) for path, unit_id in places(db, enterprise_id).items() if allowed(unit_id)]
    post = next((path for path, _ in where if "/" in path), None)
    if post:
        name = post.split("/")[1]
        return [post, "岗位安全风险告知卡", "", f"{name}岗位安全风险告知卡", f"{name}入口", "", "",
                "机械伤害、触电", "物的不安全状态、人的不安全行为", "人员伤亡", "按规程操作，设备防护装置齐全",
                "立即停机断电，救治伤员", "立即报告班组长和车间主任", "车间主任 0595-00000000；急救 120"]
    place = next((path for path, _ in where), "" if allowed(None) else None)
    return [place or "", "安全风险公告栏", "", f"{place or '公司大门'}安全风险公告栏", f"{place or '公司'}大门旁",
            "", "本区域主要安全风险、管控措施和应急电话"]


def template(db, enterprise_id: int, allowed: Callable[[int | None], bool]) -> io.BytesIO:
    """The sheet to fill: the header (required columns starred) and one example row, with a 说明 sheet listing the
    kinds, classes and the places this person may use."""
    book = Workbook()
    sheet = book.active
    sheet.title = "标识"
    sheet.append([("*" if label in REQUIRED else "") + label for label in COLUMNS])
    sheet.append(_example(db, enterprise_id, allowed))
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 20
    kinds, classes = signs.kinds(db), signs.classes(db)
    for letter, options in (("B", [k["name"] for k in kinds.values()]), ("C", [c["name"] for c in classes.values()])):
        choice = DataValidation(type="list", formula1=f'"{",".join(options)}"', allow_blank=True)
        choice.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(choice)
    notes = book.create_sheet("说明")
    notes.append(["每行一个标识；第 2 行是示例，请改成实际内容或删除。所有行都正确才会导入，有错的行会逐行列出。"])
    notes.append([f"一次最多 {MAX_ROWS} 行；带 * 的列必填。"])
    notes.append([])
    notes.append(["位置", "车间写车间名称，岗位写成“车间/岗位”，全厂（企业大门等）的留空。可填写："])
    for path, unit_id in places(db, enterprise_id).items():
        if allowed(unit_id):
            notes.append(["", path])
    if allowed(None):
        notes.append(["", "（留空）全厂"])
    notes.append([])
    notes.append(["种类", "可设置的位置", "分类别"])
    for kind in kinds.values():
        notes.append([kind["name"], "、".join(signs.LEVELS[level] for level in kind["levels"]),
                      "是" if kind["classed"] else "否"])
    notes.append([])
    notes.append(["类别", "禁止、警告、指令、提示；只有分类别的种类填写，其余留空"])
    notes.append(["风险告知", f"{'、'.join(signs.RISK_FIELDS.values())}：只有岗位安全风险告知卡填写"])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 40
    return sheets.saved(book)
