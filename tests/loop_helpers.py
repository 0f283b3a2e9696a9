"""Helpers for the hazard-loop tests: forms to send, hazards to make, rows to read."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw

from anbiao.due import local_now

APPEND_ONLY = ("inspections", "inspection_results", "hazard_events", "hazard_photos", "photos", "audit_log")
EVIDENCE = (*APPEND_ONLY, "hazards")
CLIENT_TIME = "2020-01-01T08:00:00+08:00"  # a phone whose clock is years behind
_photo_seeds = iter(range(1, 1_000_000))


def photo() -> bytes:
    """A small JPEG, different every call (so each upload is its own photo)."""
    seed = next(_photo_seeds)
    image = Image.new("RGB", (96, 72), (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256))
    ImageDraw.Draw(image).text((4, 4), str(seed), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(data=None, name="photo.jpg"):
    return (io.BytesIO(data if data is not None else photo()), name)


def key() -> str:
    return uuid.uuid4().hex


def uid(conn, username) -> int:
    return conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]


def ent_id(conn, name="泉州市安泰燃气有限公司") -> int:
    return conn.execute("SELECT id FROM enterprises WHERE name = ?", (name,)).fetchone()[0]


def unit_id(conn, name) -> int:
    return conn.execute("SELECT id FROM units WHERE name = ?", (name,)).fetchone()[0]


def card(conn, post="充装班"):
    """The post's card and its current items, in order."""
    checklist_id = conn.execute(
        "SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id WHERE u.name = ? AND c.tier = 'post'"
        " AND c.kind = 'check'"
        " AND c.archived_at IS NULL", (post,)).fetchone()[0]
    items = [dict(r) for r in conn.execute(
        "SELECT * FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL ORDER BY position",
        (checklist_id,))]
    return checklist_id, items


def card_form(items, failed=None, **extra) -> dict:
    """Every item 合格 except `failed` ({index: fields}); a failed item gets a full hazard unless overridden."""
    data = {f"result_{item['id']}": "ok" for item in items}
    for index, fields in (failed or {}).items():
        n = items[index]["id"]
        full = {"result": "hazard", "description": f"第{index + 1}项发现的隐患", "category": "thing",
                "level": "general", "photos": upload()}
        full.update(fields)
        for name, value in full.items():
            if value is not None:
                data[f"{name}_{n}"] = value
    data.setdefault("idempotency_key", key())
    data.update(extra)
    return data


def post(client, path, data, **kwargs):
    data = dict(data)
    data.setdefault("idempotency_key", key())
    return client.post(path, data, content_type="multipart/form-data", **kwargs)


def submit_card(client, conn, failed=None, post_name="充装班", **extra):
    checklist_id, items = card(conn, post_name)
    return post(client, f"/checklists/{checklist_id}/inspections", card_form(items, failed, **extra))


def inspection_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/inspections/(\d+)", response.headers["Location"]).group(1))


def hazard_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/hazards/(\d+)$", response.headers["Location"]).group(1))


def row(conn, table, id_) -> dict:
    found = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (id_,)).fetchone()
    return dict(found) if found else None


def call_off_draws(conn) -> None:
    """Call off every 双随机 task, as a redraw would: the demo's draw sends each grid worker to the other grid's
    enterprise, which a test of "another grid does not exist for them" must first take back."""
    conn.execute("UPDATE inspection_tasks SET cancelled_at = '2000-01-01T00:00:00' WHERE cancelled_at IS NULL")
    conn.commit()


def counts(conn, tables=EVIDENCE) -> dict:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def snapshot(conn) -> dict:
    """Every row of the append-only tables, by table and id."""
    return {t: {r["id"]: tuple(r) for r in conn.execute(f"SELECT * FROM {t}")} for t in APPEND_ONLY}


def report(client, conn, post_name="充装班", level="general", description="随手拍：充装台灭火器压力不足", **extra):
    """随手拍 at a post; returns the response."""
    data = {"unit_id": unit_id(conn, post_name), "description": description, "category": "thing", "level": level,
            "photos": upload(), **extra}
    return post(client, f"/enterprises/{ent_id(conn)}/hazards/new", data)


def reported(client, conn, **kwargs) -> int:
    return hazard_of(report(client, conn, **kwargs))


def future(days=7) -> str:
    return (local_now().date() + timedelta(days=days)).isoformat()


def assign(client, conn, hazard_id, owner="leader1", **fields):
    data = {"owner_id": uid(conn, owner), "measure": "更换静电接地线并检测", "money": "1500", "deadline": future()}
    data.update(fields)
    return post(client, f"/hazards/{hazard_id}/assign", {k: v for k, v in data.items() if v is not None})


def rectify(client, hazard_id, with_photo=True, note="已更换接地线，检测合格"):
    data = {"note": note}
    if with_photo:
        data["photos"] = upload()
    return post(client, f"/hazards/{hazard_id}/rectify", data)


def verify(client, hazard_id, result="pass", note=""):
    return post(client, f"/hazards/{hazard_id}/verify", {"result": result, "note": note})


def listed(html) -> set[int]:
    return {int(n) for n in re.findall(r'<a class="row" href="/hazards/(\d+)"', html)}


def events(conn, hazard_id) -> list[str]:
    return [r[0] for r in conn.execute("SELECT action FROM hazard_events WHERE hazard_id = ? ORDER BY id",
                                       (hazard_id,))]


def stages(conn, hazard_id) -> list[str]:
    return [r[0] for r in conn.execute("SELECT stage FROM hazard_photos WHERE hazard_id = ? ORDER BY id",
                                       (hazard_id,))]


def server_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
