"""六有 signs and the notices of 三级警示公告 (岗位安全风险告知卡, 安全风险公告栏): a record at each unit, each with a
permanent QR token.

A sign's token is printed as `/q/<token>` and stays valid as long as the sign exists, through renames and moves; a
damaged label is reissued with a new token, and the old one still finds the sign and says it was replaced. Each
label also carries a short code to type when the QR cannot be read. What kinds exist, where each may be placed
and which take a GB 2894 class is data (inspect/reference/signs.toml, sign_classes.toml).
"""

import io
import json
import secrets

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

from . import audit, library, units
from .db import now, one, rows
from .refusal import Refused

TOKEN_BYTES = 16  # 128 bits from `secrets`: unguessable, so a label reveals no other sign
# The short code avoids 0/O and 1/I/L, which a scuffed label or a hurried thumb confuses; 31^8 ≈ 8.5 × 10^11.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
STATES = {"intact": "完好", "damaged": "破损", "missing": "缺失"}
WORST_FIRST = ("missing", "damaged", "intact")  # a kind is as good as its worst sign
LEVELS = {"enterprise": "企业", "workshop": "车间", "post": "岗位"}
# A risk card's fields, in the order the card prints them; a later risk-point register fills the same keys.
RISK_FIELDS = {"main_risks": "主要安全风险", "hazard_types": "可能引发的事故隐患类别", "consequences": "事故后果",
               "controls": "管控措施", "emergency": "应急措施", "report": "报告方式", "phones": "应急电话"}
TEXT_FIELDS = {"title": ("标识名称", 60, True), "place": ("设置位置", 100, False),
               "equipment": ("所在设备", 60, False), "content": ("标识内容", 1000, False)}
RISK_CHARS = 500
# Level Q restores a quarter of the code: a scuffed or stained label still reads. A four-module quiet zone is what
# the QR standard asks, so a label cut close or a sheet's border never touches the code.
QR_CORRECTION = ERROR_CORRECT_Q
QR_BORDER = 4


def kinds(db) -> dict[str, dict]:
    """Every kind of sign by code: its name, the levels it is set at, whether it takes a class, whether 六有."""
    out = {}
    for item in library.reference(db, "signs"):
        extra = json.loads(item["extra"] or "{}")
        out[item["code"]] = {"name": item["name"], "content": item["content"], "levels": extra.get("levels", []),
                             "classed": bool(extra.get("classed")), "liuyou": bool(extra.get("liuyou")),
                             "short": extra.get("short") or item["name"],
                             "hazard_category": extra.get("hazard_category", "thing")}
    return out


def classes(db) -> dict[str, dict]:
    """The GB 2894 classes by code: 禁止, 警告, 指令, 提示 with their colours."""
    return {i["code"]: {"name": i["name"], "colour": json.loads(i["extra"] or "{}").get("colour")}
            for i in library.reference(db, "sign_classes")}


def level_of(unit: dict | None) -> str:
    """Where a sign stands: the whole enterprise, a workshop or a post."""
    return "enterprise" if unit is None else unit["kind"]


def _text(fields: dict, name: str) -> str | None:
    label, size, required = TEXT_FIELDS[name]
    value = " ".join(str(fields.get(name) or "").split()) if name != "content" else str(fields.get(name) or "").strip()
    if required and not value:
        raise Refused(f"请填写{label}", name)
    if len(value) > size:
        raise Refused(f"{label}不能超过 {size} 个字", name)
    return value or None


def _risk(fields: dict) -> str:
    risk = {}
    for key, label in RISK_FIELDS.items():
        value = str((fields.get("risk") or {}).get(key) or "").strip()
        if len(value) > RISK_CHARS:
            raise Refused(f"{label}不能超过 {RISK_CHARS} 个字", f"risk_{key}")
        if value:
            risk[key] = value
    return json.dumps(risk, ensure_ascii=False)


def refuse_stray_risk(kind: str, risk: dict) -> None:
    """Risk-card text given for another kind is refused rather than dropped: nothing typed is lost silently."""
    given = [key for key, value in (risk or {}).items() if str(value or "").strip()]
    if kind != "risk_card" and given:
        named = "、".join(RISK_FIELDS[key] for key in given if key in RISK_FIELDS)
        raise Refused(f"只有岗位安全风险告知卡填写{named}，请清空或把种类改为岗位安全风险告知卡", f"risk_{given[0]}")


def _in_use(sign: dict) -> None:
    if sign["retired_at"]:
        raise Refused("该标识已撤除，不能再修改")


def _placeable(db, kind: str, unit: dict | None) -> dict:
    """The kinds, once this one is known to stand at this unit's level; raises Refused."""
    known = kinds(db)
    if kind not in known:
        raise Refused("请选择标识种类", "kind")
    if level_of(unit) not in known[kind]["levels"]:
        places = "、".join(LEVELS[level] for level in known[kind]["levels"])
        raise Refused(f"{known[kind]['name']}只能设在{places}", "unit_id")
    return known


def _values(db, kind: str, unit: dict | None, fields: dict) -> dict:
    """The columns of a sign of this kind at this unit, checked; raises Refused."""
    known = _placeable(db, kind, unit)
    sign_class = fields.get("sign_class") or None
    if sign_class is not None and (not known[kind]["classed"] or sign_class not in classes(db)):
        raise Refused("这种标识不分禁止、警告、指令、提示" if not known[kind]["classed"]
                      else "标志类别应为禁止、警告、指令或提示", "sign_class")
    refuse_stray_risk(kind, fields.get("risk"))
    values = {name: _text(fields, name) for name in TEXT_FIELDS}
    values.update(kind=kind, sign_class=sign_class, risk=_risk(fields) if kind == "risk_card" else "{}")
    return values


def _unit_of(db, enterprise_id: int, unit_id) -> dict | None:
    if unit_id is None:
        return None
    unit = one(db, "SELECT * FROM units WHERE id = ? AND enterprise_id = ? AND archived_at IS NULL",
               (unit_id, enterprise_id))
    if unit is None:
        raise Refused("请选择本企业在用的车间或岗位", "unit_id")
    return unit


def _new_code(db) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not one(db, "SELECT 1 AS x FROM sign_tokens WHERE code = ?", (code,)):
            return code


def _issue(db, sign_id: int, by) -> dict:
    token = {"token": secrets.token_urlsafe(TOKEN_BYTES), "code": _new_code(db)}
    db.execute("INSERT INTO sign_tokens (token, sign_id, code, issued_at, issued_by) VALUES (?,?,?,?,?)",
               (token["token"], sign_id, token["code"], now(), by))
    return token


def create(db, enterprise_id: int, unit_id, kind: str, fields: dict, by=None) -> int:
    """A new sign with its first label's token; raises Refused in Chinese and then writes nothing."""
    values = _values(db, kind, _unit_of(db, enterprise_id, unit_id), fields)
    stamp = now()
    with db.atomic():
        sign_id = db.execute(
            "INSERT INTO signs (enterprise_id, unit_id, kind, sign_class, title, place, equipment, content, risk,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (enterprise_id, unit_id, values["kind"], values["sign_class"], values["title"], values["place"],
             values["equipment"], values["content"], values["risk"], stamp, stamp)).lastrowid
        token = _issue(db, sign_id, by)
        audit.record(db, by, "create", "sign", sign_id, {"kind": kind, "title": values["title"], "code": token["code"]})
    return sign_id


def update(db, sign: dict, fields: dict, by=None) -> None:
    """New wording, class or risk card of a sign; its token stays."""
    _in_use(sign)
    values = _values(db, sign["kind"], _unit_of(db, sign["enterprise_id"], sign["unit_id"]), fields)
    changed = {k: v for k, v in values.items() if sign.get(k) != v}
    if not changed:
        return
    with db.atomic():
        db.execute(f"UPDATE signs SET {', '.join(f'{k} = ?' for k in changed)}, updated_at = ? WHERE id = ?",
                   (*changed.values(), now(), sign["id"]))
        audit.record(db, by, "update", "sign", sign["id"], changed)


def move(db, sign: dict, unit_id, by=None) -> None:
    """To another unit of the same enterprise where its kind may stand; the printed token stays valid."""
    _in_use(sign)
    _placeable(db, sign["kind"], _unit_of(db, sign["enterprise_id"], unit_id))
    with db.atomic():
        db.execute("UPDATE signs SET unit_id = ?, updated_at = ? WHERE id = ?", (unit_id, now(), sign["id"]))
        audit.record(db, by, "move", "sign", sign["id"], {"from": units.label(db, sign["unit_id"]),
                                                          "to": units.label(db, unit_id)})


def retire(db, sign: dict, by=None) -> None:
    """Taken down: kept with its history; its tokens then say so."""
    with db.atomic():
        db.execute("UPDATE signs SET retired_at = ?, updated_at = ? WHERE id = ? AND retired_at IS NULL",
                   (now(), now(), sign["id"]))
        audit.record(db, by, "retire", "sign", sign["id"], {"title": sign["title"]})


def reissue(db, sign: dict, by=None) -> dict:
    """A new label for a damaged one: a new token and code; the old ones are marked replaced."""
    _in_use(sign)
    with db.atomic():
        db.execute("UPDATE sign_tokens SET replaced_at = ? WHERE sign_id = ? AND replaced_at IS NULL",
                   (now(), sign["id"]))
        token = _issue(db, sign["id"], by)
        audit.record(db, by, "reissue", "sign", sign["id"], {"code": token["code"]})
    return token


def get(db, sign_id: int) -> dict | None:
    return one(db, "SELECT * FROM signs WHERE id = ?", (sign_id,))


def of_enterprise(db, enterprise_id: int, only: set[int] | None = None) -> list[dict]:
    """An enterprise's signs in use (of the units in `only` when given), with their current label's token and who
    checked them last."""
    found = rows(db, "SELECT s.*, t.token, t.code, u.name AS checked_by_name FROM signs s JOIN sign_tokens t"
                     " ON t.sign_id = s.id AND t.replaced_at IS NULL LEFT JOIN users u ON u.id = s.checked_by"
                     " WHERE s.enterprise_id = ? AND s.retired_at IS NULL ORDER BY s.id", (enterprise_id,))
    return [s for s in found if only is None or s["unit_id"] in only]


def by_unit(db, enterprise_id: int, only: set[int] | None = None) -> list[dict]:
    """The signs grouped as the unit tree reads: the whole enterprise first, then each workshop and its posts."""
    found = of_enterprise(db, enterprise_id, only)
    groups = [{"unit_id": None, "label": units.label(db, None)}]
    for workshop in units.tree(db, enterprise_id):
        groups.append({"unit_id": workshop["id"], "label": workshop["name"]})
        groups += [{"unit_id": post["id"], "label": f"{workshop['name']} / {post['name']}"}
                   for post in workshop["posts"]]
    for group in groups:
        group["signs"] = [s for s in found if s["unit_id"] == group["unit_id"]]
    return [g for g in groups if g["signs"]]


def current(db, sign_id: int) -> dict:
    """The token and code on the label in use."""
    return one(db, "SELECT * FROM sign_tokens WHERE sign_id = ? AND replaced_at IS NULL", (sign_id,))


def scanned(db, token: str) -> tuple[dict, dict] | None:
    """The sign a scanned token belongs to and the token's own row (replaced or not); None for an unknown token."""
    found = one(db, "SELECT * FROM sign_tokens WHERE token = ?", (token,))
    return (get(db, found["sign_id"]), found) if found else None


def typed(db, code: str) -> dict | None:
    """The token row of a short code typed from a label: case, spaces and dashes do not matter."""
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return one(db, "SELECT * FROM sign_tokens WHERE code = ?", (code,)) if len(code) == CODE_LENGTH else None


def public(db, sign: dict) -> dict:
    """Exactly what is printed on the wall: nothing about its state, checks, people or records."""
    kind = kinds(db).get(sign["kind"], {"name": sign["kind"]})
    sign_class = classes(db).get(sign["sign_class"]) if sign["sign_class"] else None
    enterprise = one(db, "SELECT name FROM enterprises WHERE id = ?", (sign["enterprise_id"],))
    risk = json.loads(sign["risk"] or "{}")
    return {"title": sign["title"], "kind": kind["name"], "class": sign_class, "place": sign["place"],
            "equipment": sign["equipment"], "content": sign["content"], "enterprise": enterprise["name"],
            "unit": units.label(db, sign["unit_id"]),
            "risk": [(label, risk[key]) for key, label in RISK_FIELDS.items() if risk.get(key)]}


def address(base_url: str, token: str) -> str:
    """The short permanent address a label encodes: the public base URL and /q/<token>."""
    return f"{base_url.rstrip('/')}/q/{token}"


def _qr(text: str, **kwargs):
    code = qrcode.QRCode(error_correction=QR_CORRECTION, border=QR_BORDER, **kwargs)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_svg(text: str) -> bytes:
    """The QR of an address as SVG, for print: one path, sharp at any size."""
    out = io.BytesIO()
    _qr(text, image_factory=qrcode.image.svg.SvgPathImage).make_image().save(out)
    return out.getvalue()


def qr_png(text: str, box: int = 10) -> bytes:
    """The same QR as PNG, `box` pixels a module."""
    out = io.BytesIO()
    _qr(text, box_size=box).make_image().save(out, format="PNG")
    return out.getvalue()


def coverage(db, enterprise_id: int) -> list[dict]:
    """六有 per workshop, its posts included: each kind's worst state (缺失, 破损, 完好), or None if never recorded."""
    six = [code for code, kind in kinds(db).items() if kind["liuyou"]]
    found = of_enterprise(db, enterprise_id)
    out = []
    for workshop in units.tree(db, enterprise_id):
        here = {workshop["id"], *(post["id"] for post in workshop["posts"])}
        states = {}
        for code in six:
            seen = {s["state"] for s in found if s["kind"] == code and s["unit_id"] in here}
            states[code] = next((state for state in WORST_FIRST if state in seen), None)
        out.append({"unit_id": workshop["id"], "label": workshop["name"], "states": states})
    return out
