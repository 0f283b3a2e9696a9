"""The enterprise file (一企一档): its fields, their rules, and saving them."""

import re
from datetime import date, datetime

from . import audit, credit_code, library
from .db import now, one

SIZE_CLASSES = {"above_scale": "规模以上", "medium": "中等", "small_micro": "小微"}
STANDARD_STATUS = {"none": "未创建", "self_assessed": "自评", "national": "国标", "provincial": "省标",
                   "local": "地标"}
GRADES = {1: "一级", 2: "二级", 3: "三级"}
QUOTE_CHARS = 20  # how much of a user's value an error message repeats
BENCHMARK = {"none": "无", "township": "乡级", "county": "县级", "city": "市级"}

def quote(value) -> str:
    """A user's value as an error message repeats it: the first few characters, and … when there is more."""
    text = "" if value is None else str(value)
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


# (field, label, required): the order of the form, the file page and the import sheet.
FIELDS = [
    ("name", "企业名称", True),
    ("credit_code", "统一社会信用代码", True),
    ("industry", "行业领域", True),
    ("size_class", "企业类型", True),
    ("grid", "所属网格", True),
    ("address", "地址", False),
    ("principal_name", "主要负责人", False),
    ("principal_phone", "主要负责人电话", False),
    ("safety_manager_name", "安全管理员", False),
    ("safety_manager_phone", "安全管理员电话", False),
    ("standard_status", "标准化状态", False),
    ("standard_grade", "达标等级", False),
    ("benchmark_level", "标杆层级", False),
    ("showcase", "精品企业", False),
    ("star_rating", "星级", False),
    ("notice_delivered_on", "告知书送达日期", False),
    ("commitment_signed_on", "承诺书签订日期", False),
    ("shifts", "班次开始时间", False),
]
LABELS = {key: label for key, label, _ in FIELDS}
MAX_TEXT = 200
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_SHIFT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _choice(value, choices, label, errors, key, default=None):
    """Accept a code or its Chinese label."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return default
    for code, name in choices.items():
        if text in (str(code), name):
            return code
    errors[key] = f"{label}“{quote(text)}”不正确，可选：{'、'.join(choices.values())}"
    return default


def _date(value, label, errors, key):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip().replace("/", "-").replace(".", "-")
        try:
            parsed = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            errors[key] = f"{label}“{quote(value)}”不是有效日期，请写成 2024-03-15"
            return None
    if parsed > date.today():
        errors[key] = f"{label}不能晚于今天"
    return parsed.isoformat()


def _phone(value, label, errors, key):
    text = re.sub(r"[\s()（）]", "", str(value or ""))
    if text.endswith(".0"):  # spreadsheets store phone numbers as floats
        text = text[:-2]
    if text and not _PHONE.match(text):
        errors[key] = f"{label}“{quote(value)}”不是有效的手机号或座机号（如 13905951234 或 0595-22530717）"
    return text


def _shifts(value, errors):
    text = str(value or "").replace("，", ",").replace(" ", "")
    if not text:
        return "08:00,20:00"
    parts = text.split(",")
    if not all(_SHIFT.match(p) for p in parts) or len(set(parts)) != len(parts) or len(parts) > 4:
        errors["shifts"] = "班次开始时间应写成 08:00,20:00（最多4个班次，24小时制）"
        return text
    return ",".join(sorted(parts))


def _grid(db, value, errors):
    text = str(value or "").strip()
    if not text:
        errors["grid"] = "请选择所属网格"
        return None
    found = one(db, "SELECT id FROM grids WHERE CAST(id AS TEXT) = ? OR name = ?", (text, text))
    if not found:
        errors["grid"] = f"网格“{quote(text)}”不存在"
        return None
    return found["id"]


def clean(db, raw: dict, enterprise_id=None) -> tuple[dict, dict]:
    """Check one enterprise's fields; return (values for the database, {field: Chinese error})."""
    errors: dict[str, str] = {}
    text = {k: ("" if raw.get(k) is None else str(raw.get(k)).strip()) for k, _, _ in FIELDS}
    for key, label, required in FIELDS:
        if required and not text[key]:
            errors[key] = f"请填写{label}"
        elif len(text[key]) > MAX_TEXT:
            errors[key] = f"{label}不超过{MAX_TEXT}个字"
    values = {
        "name": text["name"],
        "address": text["address"],
        "principal_name": text["principal_name"],
        "safety_manager_name": text["safety_manager_name"],
    }
    code = credit_code.normalize(text["credit_code"])
    if text["credit_code"] and (msg := credit_code.problem(code)):
        errors["credit_code"] = msg
    elif code:
        taken = one(db, "SELECT id, name FROM enterprises WHERE credit_code = ?", (code,))
        if taken and taken["id"] != enterprise_id:
            errors["credit_code"] = f"该统一社会信用代码已登记为“{quote(taken['name'])}”"
    values["credit_code"] = code
    industries = library.industries(db)
    if text["industry"] and text["industry"] not in industries:
        errors["industry"] = f"行业领域“{quote(text['industry'])}”不在目录中，可选：{'、'.join(industries)}"
    values["industry"] = text["industry"]
    values["size_class"] = _choice(raw.get("size_class"), SIZE_CLASSES, "企业类型", errors, "size_class")
    if text["grid"]:
        values["grid_id"] = _grid(db, raw.get("grid"), errors)
    for key in ("principal_phone", "safety_manager_phone"):
        values[key] = _phone(raw.get(key), LABELS[key], errors, key)
    status = _choice(raw.get("standard_status"), STANDARD_STATUS, "标准化状态", errors,
                     "standard_status", "none")
    grade = _choice(_int_text(raw.get("standard_grade")), GRADES, "达标等级", errors, "standard_grade")
    if status in ("national", "provincial") and grade is None and "standard_grade" not in errors:
        errors["standard_grade"] = "国标、省标达标须填写达标等级（一级、二级、三级）"
    if status not in ("national", "provincial") and grade is not None:
        errors["standard_grade"] = "只有国标、省标达标才分等级（地标达标不分级）"
    values["standard_status"], values["standard_grade"] = status, grade
    values["benchmark_level"] = _choice(raw.get("benchmark_level"), BENCHMARK, "标杆层级", errors,
                                        "benchmark_level", "none")
    values["showcase"] = 1 if text["showcase"] in ("1", "是", "on", "true", "True") else 0
    if text["showcase"] not in ("", "0", "1", "是", "否", "on", "true", "True", "false", "False"):
        errors["showcase"] = "精品企业请填“是”或“否”"
    star = _int_text(raw.get("star_rating")) or "0"
    values["star_rating"] = int(star) if star in ("0", "1", "2", "3") else 0
    if star not in ("0", "1", "2", "3"):
        errors["star_rating"] = "星级应为 0 到 3"
    for key in ("notice_delivered_on", "commitment_signed_on"):
        values[key] = _date(raw.get(key), LABELS[key], errors, key)
    values["shifts"] = _shifts(raw.get("shifts"), errors)
    return values, errors


def _int_text(value) -> str:
    """'2', 2, 2.0 and '二级' style values as the digit text or the label, for choice matching."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return text.removesuffix("星") if text.endswith("星") else text


def create(db, values: dict, by) -> int:
    """Insert a cleaned enterprise; returns its id."""
    stamp = now()
    row = {**values, "created_at": stamp, "updated_at": stamp}
    cur = db.execute(
        f"INSERT INTO enterprises ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    audit.record(db, by, "create", "enterprise", cur.lastrowid, values)
    return cur.lastrowid


def update(db, enterprise_id: int, values: dict, by) -> None:
    """Save changed fields of a cleaned enterprise, recording old and new values."""
    before = one(db, "SELECT * FROM enterprises WHERE id = ?", (enterprise_id,))
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    if not changed:
        return
    with db.atomic():
        sets = ", ".join(f"{k} = ?" for k in changed)
        db.execute(f"UPDATE enterprises SET {sets}, updated_at = ? WHERE id = ?",
                   [*changed.values(), now(), enterprise_id])
        audit.record(db, by, "update", "enterprise", enterprise_id,
                     {k: [before.get(k), v] for k, v in changed.items()})


def form_values(ent: dict) -> dict:
    """An enterprise row as the raw values its edit form shows."""
    raw = {key: ent.get(key) or "" for key, _, _ in FIELDS}
    raw["grid"] = str(ent.get("grid_id") or "")
    raw["standard_grade"] = str(ent.get("standard_grade") or "")
    raw["star_rating"] = str(ent.get("star_rating") or 0)
    raw["showcase"] = "1" if ent.get("showcase") else ""
    return raw


def standard_label(ent: dict) -> str:
    """'国标二级', '地标', '自评', '未创建'."""
    label = STANDARD_STATUS[ent["standard_status"]]
    return label + GRADES[ent["standard_grade"]] if ent.get("standard_grade") else label
