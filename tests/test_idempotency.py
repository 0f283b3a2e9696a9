"""Retried submissions: the same key and content answer the first result again and change nothing; the same key
with other content is refused; keys are per person, released after a refusal, and required on every step."""

import io
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from anbiao import db, idempotency
from anbiao.due import local_now

from .loop_helpers import card

WRITTEN = ("inspections", "inspection_results", "hazards", "hazard_events", "hazard_photos", "photos", "audit_log")
_seeds = iter(range(1, 1_000_000))


def jpeg() -> bytes:
    """A small JPEG, different every call."""
    seed = next(_seeds)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 41 % 256, seed * 83 % 256, seed * 29 % 256)).save(out, "JPEG")
    return out.getvalue()


def new_key() -> str:
    return uuid.uuid4().hex


def uid(conn, username) -> int:
    return conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]


def ent_id(conn) -> int:
    return conn.execute("SELECT id FROM enterprises WHERE name = '泉州市安泰燃气有限公司'").fetchone()[0]


def unit_id(conn, name) -> int:
    return conn.execute("SELECT id FROM units WHERE name = ?", (name,)).fetchone()[0]


def counts(conn) -> dict:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in WRITTEN}


def hazard(conn, hazard_id) -> dict:
    return dict(conn.execute("SELECT * FROM hazards WHERE id = ?", (hazard_id,)).fetchone())


class Form:
    """One submission that can be sent again: the same fields and the same photo bytes each time."""

    def __init__(self, path, fields, photos=None):
        self.path, self.fields, self.photos = path, dict(fields), dict(photos or {})

    def data(self, **changes):
        data = dict(self.fields)
        data.update({name: (io.BytesIO(content), "photo.jpg") for name, content in self.photos.items()})
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    def send(self, client, key=None, header=False, **changes):
        data = self.data(**changes)
        headers = {}
        if key is not None and header:
            headers[idempotency.HEADER] = key
        elif not header:
            data[idempotency.FIELD] = key  # None: send no key at all
        return client.post(self.path, data, content_type="multipart/form-data", headers=headers)


def card_form(conn, post="充装班", description="充装台静电接地线断开") -> Form:
    checklist_id, rows = card(conn, post)
    items = [item["id"] for item in rows]
    fields = {f"result_{i}": "ok" for i in items}
    first = items[0]
    fields.update({f"result_{first}": "hazard", f"description_{first}": description,
                   f"category_{first}": "thing", f"level_{first}": "general",
                   "client_time": "2024-05-06T07:08:09+08:00", "latitude": "24.91", "longitude": "118.59",
                   "accuracy": "10"})
    return Form(f"/checklists/{checklist_id}/inspections", fields, {f"photos_{first}": jpeg()})


def report_form(conn, description="随手拍：钢瓶倒地未固定") -> Form:
    return Form(f"/enterprises/{ent_id(conn)}/hazards/new",
                {"unit_id": str(unit_id(conn, "充装班")), "description": description, "category": "thing",
                 "level": "general", "client_time": "2024-05-06T07:08:09+08:00"}, {"photos": jpeg()})


def assign_form(conn, hazard_id, measure="更换接地线") -> Form:
    deadline = (local_now().date() + timedelta(days=7)).isoformat()
    return Form(f"/hazards/{hazard_id}/assign", {"owner_id": str(uid(conn, "leader1")), "measure": measure,
                                                 "money": "800", "deadline": deadline})


def rectify_form(hazard_id, note="已整改") -> Form:
    return Form(f"/hazards/{hazard_id}/rectify", {"note": note}, {"photos": jpeg()})


def verify_form(hazard_id, note="复查合格") -> Form:
    return Form(f"/hazards/{hazard_id}/verify", {"result": "pass", "note": note})


@pytest.fixture
def people(signed_in):
    return {name: signed_in(name) for name in ("leader1", "head1", "manager1")}


def _new_hazard(people, conn, stage):
    """A fresh hazard at 充装班 brought to `stage` (reported, assigned or rectified)."""
    response = report_form(conn, f"准备：{stage}").send(people["leader1"], new_key())
    hazard_id = int(re.search(r"/hazards/(\d+)$", response.headers["Location"]).group(1))
    if stage in ("assigned", "rectified"):
        assert assign_form(conn, hazard_id).send(people["head1"], new_key()).status_code == 302
    if stage == "rectified":
        assert rectify_form(hazard_id).send(people["leader1"], new_key()).status_code == 302
    return hazard_id


# Each state-changing step: who sends it, at what stage the hazard must be, and its form.
STEPS = {
    "inspection": ("leader1", None, lambda conn, h: card_form(conn)),
    "report": ("leader1", None, lambda conn, h: report_form(conn)),
    "assign": ("head1", "reported", assign_form),
    "rectify": ("leader1", "assigned", lambda conn, h: rectify_form(h)),
    "verify": ("manager1", "rectified", lambda conn, h: verify_form(h)),
}


def _step(people, conn, name):
    who, stage, make = STEPS[name]
    hazard_id = _new_hazard(people, conn, stage) if stage else None
    return people[who], make(conn, hazard_id), hazard_id


# ---- replay -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STEPS))
def test_same_key_and_same_content_replays_the_first_answer_and_writes_nothing(people, conn, name):
    """Sent twice with one key: the second answer is the first (302 to the same place, marked as a replay)."""
    client, form, hazard_id = _step(people, conn, name)
    key = new_key()
    first = form.send(client, key)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert first.headers.get("Idempotent-Replay") is None
    written = counts(conn)
    state = hazard(conn, hazard_id) if hazard_id else None
    again = form.send(client, key)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replay"] == "true"
    assert counts(conn) == written
    if hazard_id:
        assert hazard(conn, hazard_id) == state


def test_many_retries_still_make_one_inspection(people, conn):
    """A phone that sends the same queued card five times makes one inspection and one hazard."""
    form, key = card_form(conn), new_key()
    before = counts(conn)
    locations = {form.send(people["leader1"], key).headers["Location"] for _ in range(5)}
    assert len(locations) == 1
    after = counts(conn)
    assert after["inspections"] == before["inspections"] + 1
    assert after["hazards"] == before["hazards"] + 1
    assert after["photos"] == before["photos"] + 1


def test_retry_that_differs_only_in_time_and_gps_counts_as_the_same_content(people, conn):
    """A resend with a later phone time and a new GPS fix is the same submission: replayed, nothing new."""
    form, key = card_form(conn), new_key()
    first = form.send(people["leader1"], key)
    assert first.status_code == 302
    written = counts(conn)
    again = form.send(people["leader1"], key, client_time="2024-05-06T09:30:00+08:00", latitude="24.95",
                      longitude="118.61", accuracy="3")
    assert again.status_code == 302
    assert again.headers["Idempotent-Replay"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert counts(conn) == written


def test_retry_without_time_and_gps_counts_as_the_same_content(people, conn):
    """A resend that lost its time and GPS fields altogether is still the same submission."""
    form, key = report_form(conn), new_key()
    first = form.send(people["leader1"], key)
    written = counts(conn)
    again = form.send(people["leader1"], key, client_time=None)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert counts(conn) == written


# ---- same key, other content ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STEPS))
def test_same_key_with_different_content_is_refused_409_in_chinese(people, conn, name):
    """The key of one submission sent with other content: 409 with a Chinese message, nothing written."""
    client, form, hazard_id = _step(people, conn, name)
    key = new_key()
    first = form.send(client, key)
    assert first.status_code == 302
    written = counts(conn)
    state = hazard(conn, hazard_id) if hazard_id else None
    changed = {"inspection": "description", "report": "description", "assign": "measure", "rectify": "note",
               "verify": "note"}[name]
    field = next(f for f in form.fields if f.startswith(changed))
    other = form.send(client, key, **{field: "另一份不同的内容"})
    assert other.status_code == 409
    html = other.get_data(as_text=True)
    assert "已用于另一份不同的内容" in html
    assert "未保存" in html
    assert counts(conn) == written
    if hazard_id:
        assert hazard(conn, hazard_id) == state


def test_same_key_with_a_different_photo_is_different_content(people, conn):
    """Same words, another photo: refused, because the photo is part of what was submitted."""
    form, key = report_form(conn), new_key()
    assert form.send(people["leader1"], key).status_code == 302
    written = counts(conn)
    form.photos["photos"] = jpeg()
    assert form.send(people["leader1"], key).status_code == 409
    assert counts(conn) == written


def test_same_key_on_another_route_is_different_content(people, conn):
    """A key used for a 随手拍 cannot be spent again on an inspection."""
    key = new_key()
    assert report_form(conn).send(people["leader1"], key).status_code == 302
    written = counts(conn)
    assert card_form(conn).send(people["leader1"], key).status_code == 409
    assert counts(conn) == written


def test_conflict_does_not_spoil_the_first_answer(people, conn):
    """After a 409 the key still replays the first submission's answer."""
    form, key = report_form(conn), new_key()
    first = form.send(people["leader1"], key)
    assert form.send(people["leader1"], key, description="改过的描述").status_code == 409
    again = form.send(people["leader1"], key)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]


# ---- per person --------------------------------------------------------------------------------------------------


def test_key_is_per_user(people, conn):
    """leader1's key reused by head1 is independent: head1's submission is new, not a replay nor a conflict."""
    key = new_key()
    first = report_form(conn, "同一编号：班组长").send(people["leader1"], key)
    assert first.status_code == 302
    before = counts(conn)
    other = report_form(conn, "同一编号：车间主任").send(people["head1"], key)
    assert other.status_code == 302
    assert other.headers.get("Idempotent-Replay") is None
    assert other.headers["Location"] != first.headers["Location"]
    assert counts(conn)["hazards"] == before["hazards"] + 1
    reporters = {r[0] for r in conn.execute(
        "SELECT reported_by FROM hazards WHERE description LIKE '同一编号：%'")}
    assert reporters == {uid(conn, "leader1"), uid(conn, "head1")}


def test_same_content_and_key_from_another_user_is_their_own_submission(people, conn):
    """Identical content under the same key from two people makes two hazards."""
    form, key = report_form(conn, "两人同报"), new_key()
    assert form.send(people["leader1"], key).status_code == 302
    second = form.send(people["head1"], key)
    assert second.status_code == 302
    assert second.headers.get("Idempotent-Replay") is None
    assert conn.execute("SELECT COUNT(*) FROM hazards WHERE description = '两人同报'").fetchone()[0] == 2


# ---- refusals release the key -------------------------------------------------------------------------------------


def test_refused_submission_releases_the_key_so_the_corrected_form_succeeds(people, conn):
    """A 422 (description missing) does not spend the key: the corrected card with the same key is saved."""
    form, key = card_form(conn), new_key()
    field = next(f for f in form.fields if f.startswith("description_"))
    before = counts(conn)
    refused = form.send(people["leader1"], key, **{field: ""})
    assert refused.status_code == 422
    assert counts(conn) == before
    corrected = form.send(people["leader1"], key)
    assert corrected.status_code == 302, corrected.get_data(as_text=True)[:2000]
    assert corrected.headers.get("Idempotent-Replay") is None
    assert counts(conn)["inspections"] == before["inspections"] + 1


def test_refused_photo_releases_the_key(people, conn):
    """A photo refused (not an image) does not spend the key; the same key with a real photo is saved."""
    form, key = report_form(conn), new_key()
    good = form.photos["photos"]
    form.photos["photos"] = b"not a photo at all"
    assert form.send(people["leader1"], key).status_code == 422
    form.photos["photos"] = good
    response = form.send(people["leader1"], key)
    assert response.status_code == 302
    assert response.headers.get("Idempotent-Replay") is None


def test_refused_step_of_the_loop_releases_the_key(people, conn):
    """A fix sent without its after-photo is refused; the same key with the photo is then accepted."""
    hazard_id = _new_hazard(people, conn, "assigned")
    form, key = rectify_form(hazard_id), new_key()
    photo = form.photos.pop("photos")
    assert form.send(people["leader1"], key).status_code == 422
    assert hazard(conn, hazard_id)["status"] == "assigned"
    form.photos["photos"] = photo
    assert form.send(people["leader1"], key).status_code == 302
    assert hazard(conn, hazard_id)["status"] == "rectified"


def test_forbidden_step_releases_the_key(people, signed_in, conn):
    """A step refused for rights (403) keeps nothing under the key."""
    hazard_id = _new_hazard(people, conn, "reported")
    form, key = assign_form(conn, hazard_id), new_key()
    assert form.send(people["leader1"], key).status_code == 403
    assert conn.execute("SELECT COUNT(*) FROM idempotency WHERE key = ?", (key,)).fetchone()[0] == 0


# ---- the key is required and well formed --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STEPS))
def test_missing_key_is_a_400_in_chinese_and_writes_nothing(people, conn, name):
    """Every state-changing step without a key is refused with a Chinese message."""
    client, form, hazard_id = _step(people, conn, name)
    before = counts(conn)
    state = hazard(conn, hazard_id) if hazard_id else None
    response = form.send(client, None)
    assert response.status_code == 400
    assert "缺少提交编号" in response.get_data(as_text=True)
    assert counts(conn) == before
    if hazard_id:
        assert hazard(conn, hazard_id) == state


BAD_KEYS = ["x", "short", "a" * 101, "has spaces in it", "../../etc/pw"]


@pytest.mark.parametrize("bad,header", [
    *((bad, False) for bad in [*BAD_KEYS, "编号编号编号编号编号"]),
    *((bad, True) for bad in BAD_KEYS),  # HTTP headers carry ASCII only
])
def test_malformed_key_is_a_400_in_chinese_and_writes_nothing(people, conn, bad, header):
    """A key that is not 8–100 letters, digits, - or _ is refused, as a field or as a header."""
    before = counts(conn)
    response = report_form(conn).send(people["leader1"], bad, header=header)
    assert response.status_code == 400
    assert "提交编号格式不正确" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_empty_key_counts_as_missing(people, conn):
    """An empty key field is the same as none."""
    response = report_form(conn).send(people["leader1"], "")
    assert response.status_code == 400
    assert "缺少提交编号" in response.get_data(as_text=True)


# ---- header or field ----------------------------------------------------------------------------------------------


def test_key_sent_as_header_works_like_the_field(people, conn):
    """Idempotency-Key as a header: accepted, replayed on resend, refused with other content."""
    form, key = report_form(conn), new_key()
    first = form.send(people["leader1"], key, header=True)
    assert first.status_code == 302
    written = counts(conn)
    again = form.send(people["leader1"], key, header=True)
    assert again.status_code == 302
    assert again.headers["Idempotent-Replay"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    as_field = form.send(people["leader1"], key)
    assert as_field.headers.get("Idempotent-Replay") == "true"
    assert form.send(people["leader1"], key, header=True, description="别的内容").status_code == 409
    assert counts(conn) == written


def test_form_pages_carry_a_fresh_key_each_time_they_open(people, conn):
    """Opening the same form twice gives two different keys, each well formed."""
    path = f"/enterprises/{ent_id(conn)}/hazards/new"
    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', people["leader1"].get(path).get_data(as_text=True))
            .group(1) for _ in range(2)]
    assert keys[0] != keys[1]
    assert all(idempotency._KEY.match(k) for k in keys)


# ---- a submission still being handled --------------------------------------------------------------------------


def _holding_the_key(app, db_path, form, user, key):
    """Another connection in the middle of saving a submission under `key` (its transaction still open)."""
    with app.test_request_context(form.path, method="POST", data=form.data(),
                                  content_type="multipart/form-data"):
        mark = idempotency.fingerprint()
    other = db.connect(db_path)
    other.execute("BEGIN")
    other.execute("INSERT INTO idempotency (key, user_id, request_hash, created_at) VALUES (?,?,?,?)",
                  (key, uid(other, user), mark, datetime.now(UTC).isoformat(timespec="seconds")))
    return other


def test_resend_racing_the_first_sending_gets_its_answer_and_writes_nothing(app, people, conn, db_path):
    """A copy arriving while the first is being saved waits for it, then gets the first's answer: no duplicate."""
    form, key = report_form(conn), new_key()
    other = _holding_the_key(app, db_path, form, "leader1", key)
    before = counts(conn)
    answers = []
    racer = threading.Thread(target=lambda: answers.append(form.send(people["leader1"], key)))
    racer.start()
    # The first sending finishes: its answer is saved with the key, in its own transaction.
    other.execute("UPDATE idempotency SET status = 302, location = '/hazards/first' WHERE key = ?", (key,))
    other.execute("COMMIT")
    racer.join(timeout=30)
    assert answers and answers[0].status_code == 302
    assert answers[0].headers["Location"].endswith("/hazards/first")
    assert answers[0].headers.get("Idempotent-Replay") == "true"
    assert counts(conn) == before


def test_submission_whose_first_sending_died_can_be_sent_again(app, people, conn, db_path):
    """A sending that died before committing took its key with it: the resend is saved, once."""
    form, key = report_form(conn), new_key()
    other = _holding_the_key(app, db_path, form, "leader1", key)
    other.conn.close()  # the worker dies: SQLite rolls its open transaction back
    before = counts(conn)
    response = form.send(people["leader1"], key)
    assert response.status_code == 302
    assert counts(conn)["hazards"] == before["hazards"] + 1


def test_the_same_opened_form_sent_twice_saves_once(signed_in, conn):
    """Every form carries the key made when it opened: a double submit of the enterprise edit saves once."""
    manager = signed_in("manager1")
    e1 = conn.execute("SELECT id FROM enterprises WHERE name = '泉州市安泰燃气有限公司'").fetchone()[0]
    html = manager.get(f"/enterprises/{e1}/edit").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    form = dict(re.findall(r'<input id="f-\w+" name="(\w+)"[^>]*? value="([^"]*)"', html))
    form.update({"idempotency_key": key, "industry": "城镇燃气", "size_class": "medium", "standard_status": "national",
                 "standard_grade": "3", "benchmark_level": "county", "star_rating": "2", "showcase": "0",
                 "grid": str(conn.execute("SELECT grid_id FROM enterprises WHERE id = ?", (e1,)).fetchone()[0]),
                 "address": "泉州市丰泽区新地址 1 号"})
    first = manager.post(f"/enterprises/{e1}/edit", form)
    second = manager.post(f"/enterprises/{e1}/edit", form)
    assert first.status_code == second.status_code == 302
    assert second.headers.get("Idempotent-Replay") == "true"
    updates = conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'enterprise' AND entity_id = ?"
                           " AND action = 'update'", (e1,)).fetchone()[0]
    assert updates == 1
