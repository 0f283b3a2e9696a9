"""The public's reports (随手拍 / 举报) from a sign's QR page, made without an account: kept as 待核实 for the
enterprise's manager and its grid worker, who confirm one into a hazard or dismiss it with a reason; the reporter
follows it by a receipt code that shows only its state and the public reply."""

import re
import secrets

from . import audit, hazards, photos, signs
from .db import now, one, rows
from .refusal import Refused

STATES = {"pending": "待核实", "confirmed": "已核实，列入隐患整改", "dismissed": "经核实不属实或已处理"}
DESCRIPTION_CHARS = (5, 500)
REPLY_CHARS = 300
RECEIPT_LENGTH = 10  # 31^10 ≈ 8 × 10^14, and lookups are rate-limited: a receipt cannot be guessed
PHONE = re.compile(r"^[0-9+\- ]{7,20}$")


def _receipt(db) -> str:
    while True:
        code = "".join(secrets.choice(signs.CODE_ALPHABET) for _ in range(RECEIPT_LENGTH))
        if not one(db, "SELECT 1 AS x FROM public_reports WHERE receipt = ?", (code,)):
            return code


def check(description, phone, pictures) -> dict:
    """A report's fields, checked; raises Refused in Chinese naming the field."""
    text = (description or "").strip()
    least, most = DESCRIPTION_CHARS
    if len(text) < least:
        raise Refused(f"请描述看到的问题（至少 {least} 个字）", "description")
    if len(text) > most:
        raise Refused(f"问题描述不能超过 {most} 个字", "description")
    phone = " ".join((phone or "").split())
    if phone and not PHONE.match(phone):
        raise Refused("联系电话只能填数字（可留空）", "phone")
    if len(pictures) > 1:
        raise Refused("只能附一张照片", "photo")
    return {"description": text, "phone": phone or None}


def submit(db, sign: dict, *, description, phone, pictures) -> str:
    """Keep a report as 待核实 at the sign's unit; nothing else changes. Returns the receipt code."""
    values = check(description, phone, pictures)
    with db.atomic():
        photo_id = photos.save(db, pictures[0], None) if pictures else None
        receipt = _receipt(db)
        db.execute("INSERT INTO public_reports (receipt, sign_id, enterprise_id, unit_id, description, phone, photo_id,"
                   " created_at) VALUES (?,?,?,?,?,?,?,?)",
                   (receipt, sign["id"], sign["enterprise_id"], sign["unit_id"], values["description"],
                    values["phone"], photo_id, now()))
    return receipt


def get(db, report_id: int) -> dict | None:
    return one(db, "SELECT r.*, s.title AS sign_title, s.place AS sign_place, p.hash AS photo_hash"
                   " FROM public_reports r JOIN signs s ON s.id = r.sign_id LEFT JOIN photos p ON p.id = r.photo_id"
                   " WHERE r.id = ?", (report_id,))


def of_enterprise(db, enterprise_id: int, state: str | None = "pending", limit: int = 100) -> list[dict]:
    """An enterprise's reports (待核实 by default), newest first."""
    where, params = ("AND r.state = ?", [state]) if state else ("", [])
    return rows(db, "SELECT r.*, s.title AS sign_title, s.place AS sign_place, p.hash AS photo_hash"
                    " FROM public_reports r JOIN signs s ON s.id = r.sign_id LEFT JOIN photos p ON p.id = r.photo_id"
                    f" WHERE r.enterprise_id = ? {where} ORDER BY r.id DESC LIMIT ?", [enterprise_id, *params, limit])


def _reply(reply, required: bool) -> str | None:
    text = (reply or "").strip()
    if required and not text:
        raise Refused("请填写给举报人的答复（将显示给举报人）", "reply")
    if len(text) > REPLY_CHARS:
        raise Refused(f"答复不能超过 {REPLY_CHARS} 个字", "reply")
    return text or None


def _pending(report: dict) -> None:
    if report["state"] != "pending":
        raise Refused("这条举报已经核实处理过了")


def confirm(db, report: dict, *, category, level, reply, by, place=None) -> int:
    """Confirmed on site: the report becomes a hazard of the sign's unit (扫码举报) that runs the normal loop."""
    _pending(report)
    if category not in hazards.categories(db):
        raise Refused("请选择隐患类别", "category")
    if level not in hazards.LEVELS:
        raise Refused("请选择一般隐患或重大隐患", "level")
    text = _reply(reply, False) or "已核实，已列入隐患整改。"
    values = {"description": f"扫码举报：{report['description']}", "category": category, "level": level,
              "on_the_spot": False}
    with db.atomic():
        hazard_id = hazards.create(db, enterprise_id=report["enterprise_id"], unit_id=report["unit_id"], source="qr",
                                   values=values, by=by, before=[], place=place,
                                   kept_photos=[report["photo_id"]] if report["photo_id"] else [])
        db.execute("UPDATE public_reports SET state = 'confirmed', reply = ?, hazard_id = ?, reviewed_by = ?,"
                   " reviewed_at = ? WHERE id = ?", (text, hazard_id, by, now(), report["id"]))
        audit.record(db, by, "confirm", "sign", report["sign_id"],
                     {"report": report["receipt"], "hazard_id": hazard_id})
    return hazard_id


def dismiss(db, report: dict, *, reply, by) -> None:
    """Not a hazard (or already dealt with): closed with a reason the reporter reads."""
    _pending(report)
    text = _reply(reply, True)
    with db.atomic():
        db.execute("UPDATE public_reports SET state = 'dismissed', reply = ?, reviewed_by = ?, reviewed_at = ?"
                   " WHERE id = ?", (text, by, now(), report["id"]))
        audit.record(db, by, "dismiss", "sign", report["sign_id"], {"report": report["receipt"], "reply": text})


def receipt(db, code: str) -> dict | None:
    """What a reporter may know of their report: its state and the public reply, nothing else."""
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(code) != RECEIPT_LENGTH:
        return None
    found = one(db, "SELECT r.state, r.reply, r.created_at, r.reviewed_at, h.status AS hazard_status"
                    " FROM public_reports r LEFT JOIN hazards h ON h.id = r.hazard_id WHERE r.receipt = ?", (code,))
    if found is None:
        return None
    fixed = found["hazard_status"] == "closed"
    return {"receipt": code, "state": STATES[found["state"]] + ("，已整改完毕" if fixed else ""),
            "reply": found["reply"], "created_at": found["created_at"], "reviewed_at": found["reviewed_at"]}


def pending_by_enterprise(db, where: str, params: list) -> list[dict]:
    """待核实 per enterprise of a territory (`where` on `e` and `g`), most waiting first."""
    return rows(db, "SELECT e.id, e.name, COUNT(*) AS n FROM public_reports r"
                    " JOIN enterprises e ON e.id = r.enterprise_id LEFT JOIN grids g ON g.id = e.grid_id"
                    f" WHERE r.state = 'pending' AND ({where})"
                    " GROUP BY e.id ORDER BY n DESC, e.name LIMIT 50", params)
