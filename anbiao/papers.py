"""告知书 and 承诺书 (seed 001 附件1, 附件2): their texts filled in for an enterprise, delivery and signature recorded
with a photo of the signed page, and which enterprises of each town still miss them."""

from datetime import date

from . import audit, library
from .db import now, one, rows
from .due import local_now
from .refusal import Refused

KINDS = {"notice": "告知书", "commitment": "承诺书"}
# What a record of each paper says, and the enterprise column it keeps current (shown on the enterprise file).
RECORDED = {"notice": ("送达", "接收人"), "commitment": ("签订", "签字人")}
COLUMNS = {"notice": "notice_delivered_on", "commitment": "commitment_signed_on"}
# A photo of the signed page is the evidence of a 承诺书; a 告知书's receipt may have one.
PHOTO_REQUIRED = {"notice": False, "commitment": True}
BLANK_DATE = "      年    月    日"  # left for handwriting, as on the seed's forms
BLANK = "________"
PERSON_CHARS = 40
TOWN_DEFAULT = "乡镇（街道、园区）"
PAGE = 50  # enterprises on one page of a town's missing list
BATCH = 100  # letters in one batch print


def texts(db) -> dict[str, dict]:
    """The two texts as the library holds them: {kind: {name, heading, particulars, blocks}}."""
    import json

    found = {}
    for item in library.reference(db, "papers"):
        extra = json.loads(item["extra"] or "{}")
        found[item["code"]] = {"name": item["name"], "heading": extra.get("heading", item["name"]),
                               "particulars": extra.get("particulars", ""), "blocks": extra.get("blocks", [])}
    return found


def written(day: date | None) -> str:
    """A date as a letter writes it ('2024年3月1日'), or the blank the seed leaves for handwriting."""
    return f"{day.year}年{day.month}月{day.day}日" if day else BLANK_DATE


def values(ent: dict, township: str | None, issued_on: date | None, deadline: date | None) -> dict:
    """What fills the placeholders for one enterprise."""
    return {"enterprise": ent["name"], "credit_code": ent["credit_code"], "address": ent["address"] or BLANK,
            "principal": ent["principal_name"] or BLANK, "issuer": township or TOWN_DEFAULT,
            "issued_on": written(issued_on), "deadline": written(deadline),
            "year": str((issued_on or local_now().date()).year)}


def filled(text: dict, fill: dict) -> dict:
    """One paper's text with its placeholders filled, ready to print."""
    return {"heading": text["heading"], "particulars": text["particulars"].format_map(fill),
            "blocks": [{"style": b["style"], "lines": [line.format_map(fill) for line in b["lines"]]}
                       for b in text["blocks"]]}


def printed(db, ent: dict, kind: str, issued_on: date | None = None, deadline: date | None = None) -> dict:
    """An enterprise's 告知书 or 承诺书 as it prints, with the issuing town from its grid."""
    town = one(db, "SELECT township FROM grids WHERE id = ?", (ent["grid_id"],)) if ent.get("grid_id") else None
    return filled(texts(db)[kind], values(ent, town["township"] if town else None, issued_on, deadline))


def parse_day(raw, label: str, field: str, *, required: bool = False, past: bool = False) -> date | None:
    """A date from a form ('2024-03-01'); refused in Chinese when malformed, missing or (for what happened) ahead."""
    text = (raw or "").strip()
    if not text:
        if required:
            raise Refused(f"请填写{label}", field)
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Refused(f"{label}格式不正确，应为 2024-03-01 这样的日期", field) from None
    if day.year < 2000:
        raise Refused(f"{label}不能早于 2000 年", field)
    if past and day > local_now().date():
        raise Refused(f"{label}不能晚于今天", field)
    return day


def clean(kind: str, form, pictures: list) -> dict:
    """A delivery or signature from its form: date, person and photo, each refused in Chinese when wrong."""
    if kind not in KINDS:
        raise Refused("请选择告知书或承诺书", "kind")
    what, who = RECORDED[kind]
    on_date = parse_day(form.get("on_date"), f"{what}日期", "on_date", required=True, past=True)
    person = " ".join((form.get("person") or "").split())
    if not person:
        raise Refused(f"请填写{who}", "person")
    if len(person) > PERSON_CHARS:
        raise Refused(f"{who}不超过 {PERSON_CHARS} 个字", "person")
    if PHOTO_REQUIRED[kind] and not pictures:
        raise Refused(f"请拍摄签字盖章后的{KINDS[kind]}照片", "photo")
    if len(pictures) > 1:
        raise Refused("只需一张签字页照片，请只选一张", "photo")
    return {"on_date": on_date, "person": person, "picture": pictures[0] if pictures else None}


def record(db, ent: dict, kind: str, cleaned: dict, by: int) -> int:
    """Save a delivery or signature as a new record and keep the enterprise's date current; returns the record id.

    Records are never changed: a correction is another record, and the newest one's date is the enterprise's."""
    from . import photos

    photo_id = photos.save(db, cleaned["picture"], by) if cleaned["picture"] else None
    stamp = now()
    cur = db.execute(
        "INSERT INTO enterprise_papers (enterprise_id, kind, on_date, person, photo_id, recorded_by, recorded_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (ent["id"], kind, cleaned["on_date"].isoformat(), cleaned["person"], photo_id, by, stamp))
    column = COLUMNS[kind]
    db.execute(f"UPDATE enterprises SET {column} = ?, updated_at = ? WHERE id = ?",
               (cleaned["on_date"].isoformat(), stamp, ent["id"]))
    audit.record(db, by, kind, "enterprise", ent["id"],
                 {"on_date": cleaned["on_date"].isoformat(), "person": cleaned["person"], "photo": bool(photo_id),
                  "record": cur.lastrowid})
    return cur.lastrowid


def of_enterprise(db, enterprise_id: int) -> list[dict]:
    """Every delivery and signature recorded for an enterprise, newest first, with its photo and recorder."""
    return rows(
        db,
        "SELECT r.*, p.hash AS photo_hash, p.taken_at AS photo_taken_at, u.name AS recorder FROM enterprise_papers r"
        " LEFT JOIN photos p ON p.id = r.photo_id LEFT JOIN users u ON u.id = r.recorded_by"
        " WHERE r.enterprise_id = ? ORDER BY r.id DESC", (enterprise_id,))


def get(db, record_id: int) -> dict | None:
    """One record with its photo's hash."""
    return one(db, "SELECT r.*, p.hash AS photo_hash FROM enterprise_papers r LEFT JOIN photos p ON p.id = r.photo_id"
                   " WHERE r.id = ?", (record_id,))


MISSING = {"any": ("缺告知书或承诺书", "(e.notice_delivered_on IS NULL OR e.commitment_signed_on IS NULL)"),
           "notice": ("未送达告知书", "e.notice_delivered_on IS NULL"),
           "commitment": ("未签订承诺书", "e.commitment_signed_on IS NULL")}


def towns(db, where: str, params: list) -> list[dict]:
    """Per town (county and township of the grids) in a scope: enterprises, and how many miss each paper."""
    # Reads the index enterprises_papers alone, grid by grid (no enterprise row is fetched); enterprises outside any
    # grid have no town.
    return rows(
        db,
        "SELECT g.county, g.township, COUNT(*) AS total, SUM(e.notice_delivered_on IS NULL) AS no_notice,"
        " SUM(e.commitment_signed_on IS NULL) AS no_commitment,"
        " SUM(e.notice_delivered_on IS NULL OR e.commitment_signed_on IS NULL) AS missing"
        f" FROM grids g JOIN enterprises e ON e.grid_id = g.id WHERE ({where})"
        " GROUP BY g.county, g.township ORDER BY g.county, g.township", params)


def town_where(county: str | None, township: str) -> tuple[str, list]:
    """SQL condition on `g` for one town (a township name may recur in another county)."""
    if county:
        return "g.county = ? AND g.township = ?", [county, township]
    return "g.township = ?", [township]


def missing(db, where: str, params: list, county: str | None, township: str, only: str = "any",
            after: int | None = None, limit: int = PAGE) -> tuple[list[dict], int | None]:
    """One page of a town's enterprises missing a paper, by name; and the enterprise the next page starts after."""
    town, town_params = town_where(county, township)
    sql, args = [f"({where})", town, MISSING[only][1]], [*params, *town_params]
    last = one(db, "SELECT name, id FROM enterprises WHERE id = ?", (after,)) if after else None
    if last:
        sql.append("(e.name, e.id) > (?, ?)")
        args += [last["name"], last["id"]]
    found = rows(
        db,
        "SELECT e.id, e.name, e.credit_code, e.address, e.principal_name, e.notice_delivered_on,"
        " e.commitment_signed_on, g.name AS grid_name FROM grids g JOIN enterprises e ON e.grid_id = g.id"
        f" WHERE {' AND '.join(sql)} ORDER BY e.name, e.id LIMIT ?", [*args, limit + 1])
    more = found[limit - 1]["id"] if len(found) > limit else None
    return found[:limit], more


def batch(db, where: str, params: list, county: str | None, township: str, kind: str,
          after: int = 0, limit: int = BATCH) -> tuple[list[dict], int | None]:
    """A town's enterprises still missing one paper, by id, for a batch print; and the id the next batch starts
    after."""
    town, town_params = town_where(county, township)
    found = rows(
        db,
        "SELECT e.* FROM grids g JOIN enterprises e ON e.grid_id = g.id"
        f" WHERE ({where}) AND {town} AND {MISSING[kind][1]} AND e.id > ? ORDER BY e.id LIMIT ?",
        [*params, *town_params, after, limit + 1])
    return found[:limit], (found[limit - 1]["id"] if len(found) > limit else None)
