"""The hazard loop over HTTP: a failed item or a 随手拍 becomes a hazard, gets its 四定, is fixed with an
after-photo, verified by someone else, and every step leaves evidence that is never deleted."""

import hashlib
import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw

from anbiao.due import local_now

APPEND_ONLY = ("inspections", "inspection_results", "hazard_events", "hazard_photos", "photos", "audit_log")
EVIDENCE = (*APPEND_ONLY, "hazards")
CLIENT_TIME = "2020-01-01T08:00:00+08:00"  # a phone whose clock is years behind
_photo_seeds = iter(range(1, 1_000_000))


# ---- helpers ------------------------------------------------------------------------------------------------------


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


@pytest.fixture
def leader(signed_in):
    return signed_in("leader1")


@pytest.fixture
def head(signed_in):
    return signed_in("head1")


@pytest.fixture
def manager(signed_in):
    return signed_in("manager1")


@pytest.fixture
def assigned(leader, head, conn):
    """A general hazard at 充装班 reported by leader1 and assigned by head1 to leader1."""
    hazard_id = reported(leader, conn)
    assert assign(head, conn, hazard_id).status_code == 302
    return hazard_id


@pytest.fixture
def rectified(assigned, leader):
    """The assigned hazard fixed by leader1 with an after-photo."""
    assert rectify(leader, assigned).status_code == 302
    return assigned


# ---- finding: the post card -------------------------------------------------------------------------------------


def test_failed_item_on_the_post_card_becomes_one_reported_hazard_with_its_photo(leader, conn):
    """One 不合格 item: one inspection, a result for every item, one reported hazard with the before photo."""
    checklist_id, items = card(conn)
    assert leader.get(f"/checklists/{checklist_id}/fill").status_code == 200
    before = counts(conn)
    started = server_now()
    picture = photo()
    response = post(leader, f"/checklists/{checklist_id}/inspections", card_form(
        items, {0: {"description": "充装台静电接地线断开", "photos": upload(picture)}},
        client_time=CLIENT_TIME, latitude="24.9123", longitude="118.5876", accuracy="12.5"))
    inspection_id = inspection_of(response)
    after = counts(conn)
    assert after["inspections"] == before["inspections"] + 1
    assert after["inspection_results"] == before["inspection_results"] + len(items)
    assert after["hazards"] == before["hazards"] + 1

    inspection = row(conn, "inspections", inspection_id)
    assert inspection["checklist_id"] == checklist_id
    assert inspection["inspector_id"] == uid(conn, "leader1")
    assert inspection["unit_id"] == unit_id(conn, "充装班")
    assert inspection["submitted_at"] >= started  # server time of record, not the phone's
    assert inspection["client_time"] == CLIENT_TIME
    assert inspection["latitude"] == pytest.approx(24.9123)
    assert inspection["longitude"] == pytest.approx(118.5876)
    assert inspection["accuracy"] == pytest.approx(12.5)

    results = {r["checklist_item_id"]: dict(r) for r in conn.execute(
        "SELECT * FROM inspection_results WHERE inspection_id = ?", (inspection_id,))}
    assert set(results) == {item["id"] for item in items}
    for item in items:
        got = results[item["id"]]
        assert (got["position"], got["aspect"], got["content"]) == (item["position"], item["aspect"], item["content"])
        assert got["result"] == ("hazard" if item is items[0] else "ok")
    assert results[items[0]["id"]]["note"] == "充装台静电接地线断开"

    hazard = dict(conn.execute("SELECT * FROM hazards WHERE inspection_id = ?", (inspection_id,)).fetchone())
    assert hazard["status"] == "reported"
    assert hazard["source"] == "inspection"
    assert hazard["checklist_item_id"] == items[0]["id"]
    assert hazard["description"] == "充装台静电接地线断开"
    assert (hazard["category"], hazard["level"]) == ("thing", "general")
    assert hazard["reported_by"] == uid(conn, "leader1")
    assert hazard["unit_id"] == unit_id(conn, "充装班")
    assert hazard["enterprise_id"] == ent_id(conn)
    assert hazard["reported_at"] >= started
    assert hazard["client_time"] == CLIENT_TIME
    assert hazard["latitude"] == pytest.approx(24.9123)
    assert hazard["longitude"] == pytest.approx(118.5876)
    assert hazard["accuracy"] == pytest.approx(12.5)
    assert hazard["on_the_spot"] == 0
    assert stages(conn, hazard["id"]) == ["before"]
    digest = conn.execute("SELECT p.hash FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                          " WHERE hp.hazard_id = ?", (hazard["id"],)).fetchone()[0]
    assert digest == hashlib.sha256(picture).hexdigest()
    assert events(conn, hazard["id"]) == ["report"]
    audited = {(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT action, entity, entity_id FROM audit_log WHERE user_id = ?", (uid(conn, "leader1"),))}
    assert ("submit", "inspection", inspection_id) in audited
    assert ("report", "hazard", hazard["id"]) in audited


def test_inspection_keeps_the_item_words_as_they_were_when_filled(leader, conn):
    """Rewording a checklist item later does not change what an earlier inspection says was checked."""
    _, items = card(conn)
    inspection_id = inspection_of(submit_card(leader, conn))
    old_words = items[1]["content"]
    conn.execute("UPDATE checklist_items SET content = '改写后的检查内容' WHERE id = ?", (items[1]["id"],))
    conn.conn.commit()
    html = leader.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert old_words in html
    assert "改写后的检查内容" not in html


def test_inspection_page_shows_server_time_and_phone_time(leader, conn):
    """The filled record shows who, the server's time and the phone's time side by side."""
    inspection_id = inspection_of(submit_card(leader, conn, client_time=CLIENT_TIME, latitude="24.9",
                                              longitude="118.6", accuracy="8"))
    html = leader.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "服务器时间" in html
    assert CLIENT_TIME in html
    assert "苏班长（充装班）" in html
    assert "24.90000, 118.60000" in html


@pytest.mark.parametrize("field,value", [
    ("latitude", "abc"), ("latitude", "91"), ("longitude", "181.5"), ("longitude", "东经118"),
    ("accuracy", "-3"), ("accuracy", "很准"),
])
def test_malformed_gps_from_the_phone_is_dropped_not_stored(leader, conn, field, value):
    """A malformed or impossible latitude, longitude or accuracy is not stored; the submission still succeeds."""
    place = {"client_time": CLIENT_TIME, "latitude": "24.9", "longitude": "118.6", "accuracy": "10"}
    place[field] = value
    inspection_id = inspection_of(submit_card(leader, conn, failed={0: {}}, **place))
    inspection = row(conn, "inspections", inspection_id)
    hazard = dict(conn.execute("SELECT * FROM hazards WHERE inspection_id = ?", (inspection_id,)).fetchone())
    for record in (inspection, hazard):
        assert record[field] is None
        for other in {"latitude", "longitude", "accuracy"} - {field}:
            assert record[other] is not None


@pytest.mark.parametrize("value", ["不是时间", "yesterday", "2024-13-45T99:99:99"])
def test_malformed_phone_time_is_dropped_not_stored(leader, conn, value):
    """A phone time that is not a time is not kept as if it were one."""
    inspection_id = inspection_of(submit_card(leader, conn, client_time=value))
    assert row(conn, "inspections", inspection_id)["client_time"] is None


def test_missing_place_is_stored_as_unknown(leader, conn):
    """No GPS from the phone: the place is empty, and the page says it was not obtained."""
    inspection_id = inspection_of(submit_card(leader, conn, client_time="", latitude="", longitude="",
                                              accuracy=""))
    inspection = row(conn, "inspections", inspection_id)
    assert (inspection["client_time"], inspection["latitude"], inspection["longitude"]) == (None, None, None)
    assert "未取得" in leader.get(f"/inspections/{inspection_id}").get_data(as_text=True)


def test_unanswered_items_are_refused_listing_them_and_nothing_is_written(leader, conn):
    """Items left unanswered: 422 naming how many and which, nothing written."""
    checklist_id, items = card(conn)
    data = card_form(items)
    del data[f"result_{items[1]['id']}"]
    del data[f"result_{items[2]['id']}"]
    before = snapshot(conn)
    response = post(leader, f"/checklists/{checklist_id}/inspections", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未作答" in html
    assert "第 2、3 项" in html
    assert snapshot(conn) == before


def test_an_answer_that_is_not_a_result_counts_as_unanswered(leader, conn):
    """A forged result value is refused like a missing one."""
    checklist_id, items = card(conn)
    data = card_form(items)
    data[f"result_{items[0]['id']}"] = "maybe"
    before = snapshot(conn)
    response = post(leader, f"/checklists/{checklist_id}/inspections", data)
    assert response.status_code == 422
    assert "未作答" in response.get_data(as_text=True)
    assert snapshot(conn) == before


@pytest.mark.parametrize("missing,message", [
    ("photos", "请拍照或上传隐患照片"),
    ("description", "请填写隐患描述"),
    ("category", "请选择隐患类别"),
    ("level", "请选择一般隐患或重大隐患"),
])
def test_failed_item_without_its_evidence_is_refused_naming_the_item(leader, conn, missing, message):
    """不合格 without photo, description, category or level: 422 naming the item number, nothing written."""
    before = snapshot(conn)
    hazards_before = counts(conn)["hazards"]
    response = submit_card(leader, conn, failed={2: {missing: None}})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 3 项不合格" in html
    assert message in html
    assert snapshot(conn) == before
    assert counts(conn)["hazards"] == hazards_before


def test_failed_item_with_an_unknown_category_is_refused(leader, conn):
    """A category that is not one of the four is refused."""
    before = counts(conn)
    response = submit_card(leader, conn, failed={0: {"category": "weather"}})
    assert response.status_code == 422
    assert "请选择隐患类别" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_major_hazard_cannot_be_fixed_on_the_spot(leader, conn):
    """重大隐患 with 立行立改 is refused: it must go on the rectification list."""
    before = counts(conn)
    response = submit_card(leader, conn, failed={0: {"level": "major", "on_the_spot": "1",
                                                     "after_photos": upload()}})
    assert response.status_code == 422
    assert "重大隐患不能立行立改" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_on_the_spot_fix_needs_an_after_photo(leader, conn):
    """立行立改 without the after photo is refused."""
    before = counts(conn)
    response = submit_card(leader, conn, failed={0: {"on_the_spot": "1"}})
    assert response.status_code == 422
    assert "立行立改须上传整改后照片" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_general_hazard_fixed_on_the_spot_is_closed_at_once_with_both_photos(leader, conn):
    """一般隐患 with 立行立改 and an after photo: closed immediately, on_the_spot=1, before and after kept."""
    response = submit_card(leader, conn, failed={0: {"on_the_spot": "1", "after_photos": upload()}})
    inspection_id = inspection_of(response)
    hazard = dict(conn.execute("SELECT * FROM hazards WHERE inspection_id = ?", (inspection_id,)).fetchone())
    assert hazard["status"] == "closed"
    assert hazard["on_the_spot"] == 1
    assert hazard["closed_at"] is not None
    assert hazard["rectified_by"] == uid(conn, "leader1")
    assert sorted(stages(conn, hazard["id"])) == ["after", "before"]
    assert events(conn, hazard["id"]) == ["report", "on_the_spot"]
    html = leader.get(f"/hazards/{hazard['id']}").get_data(as_text=True)
    assert "立行立改" in html and "已闭环" in html


def test_two_failed_items_make_two_hazards_in_one_inspection(leader, conn):
    """Each failed item becomes its own hazard, all in the same submission."""
    inspection_id = inspection_of(submit_card(leader, conn, failed={0: {}, 3: {}}))
    found = conn.execute("SELECT checklist_item_id FROM hazards WHERE inspection_id = ?", (inspection_id,)).fetchall()
    _, items = card(conn)
    assert sorted(r[0] for r in found) == sorted([items[0]["id"], items[3]["id"]])


def test_other_post_leader_cannot_fill_this_post_card(signed_in, conn):
    """leader1b (运行班) is not offered and may not submit 充装班's card."""
    checklist_id, _ = card(conn)
    other = signed_in("leader1b")
    assert other.get(f"/checklists/{checklist_id}/fill").status_code in (403, 404)
    before = counts(conn)
    assert submit_card(other, conn).status_code in (403, 404)
    assert counts(conn) == before


# ---- 随手拍 ------------------------------------------------------------------------------------------------------


def test_team_leader_reports_a_hazard_at_their_own_post(leader, conn):
    """随手拍 at one's own post creates a reported hazard with source report and the photo."""
    before = counts(conn)
    hazard_id = reported(leader, conn, client_time=CLIENT_TIME, latitude="24.91", longitude="118.59",
                         accuracy="20")
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["source"] == "report"
    assert hazard["status"] == "reported"
    assert hazard["unit_id"] == unit_id(conn, "充装班")
    assert hazard["reported_by"] == uid(conn, "leader1")
    assert hazard["inspection_id"] is None
    assert hazard["client_time"] == CLIENT_TIME
    assert hazard["latitude"] == pytest.approx(24.91)
    assert stages(conn, hazard_id) == ["before"]
    assert counts(conn)["inspections"] == before["inspections"]


@pytest.mark.parametrize("place", ["巡线班", "车床班"])
def test_team_leader_cannot_report_at_another_workshops_post(leader, conn, place):
    """A team leader places a 随手拍 only at their own post: another workshop's (or enterprise's) post is refused."""
    before = counts(conn)
    response = report(leader, conn, post_name=place)
    assert response.status_code in (404, 422)
    if response.status_code == 422:
        assert "请选择隐患所在的车间或岗位" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_report_without_a_photo_is_refused(leader, conn):
    """A 随手拍 needs its photo."""
    before = counts(conn)
    data = {"unit_id": unit_id(conn, "充装班"), "description": "无照片", "category": "thing", "level": "general"}
    response = post(leader, f"/enterprises/{ent_id(conn)}/hazards/new", data)
    assert response.status_code == 422
    assert "请拍照或上传隐患照片" in response.get_data(as_text=True)
    assert counts(conn) == before


def test_report_in_another_enterprise_is_not_found(leader, conn):
    """A team leader cannot even open the 随手拍 page of an enterprise that is not theirs."""
    other = ent_id(conn, "晋江市恒力机械制造有限公司")
    assert leader.get(f"/enterprises/{other}/hazards/new").status_code == 404


# ---- 四定: assigning ------------------------------------------------------------------------------------------


def test_workshop_head_assigns_owner_measure_money_and_deadline(leader, head, conn):
    """head1 sets the 四定: the hazard is assigned with owner, measure, money and deadline."""
    hazard_id = reported(leader, conn)
    deadline = future(10)
    response = assign(head, conn, hazard_id, money="1,500.50", deadline=deadline)
    assert hazard_of(response) == hazard_id
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["status"] == "assigned"
    assert hazard["owner_id"] == uid(conn, "leader1")
    assert hazard["measure"] == "更换静电接地线并检测"
    assert hazard["money"] == pytest.approx(1500.5)
    assert hazard["deadline"] == deadline
    assert hazard["assigned_by"] == uid(conn, "head1")
    assert hazard["supervised"] == 0
    assert events(conn, hazard_id) == ["report", "assign"]


def test_deadline_today_is_accepted(leader, head, conn):
    """A deadline of today (Beijing date) is allowed."""
    hazard_id = reported(leader, conn)
    today = local_now().date().isoformat()
    assert assign(head, conn, hazard_id, deadline=today).status_code == 302
    assert row(conn, "hazards", hazard_id)["deadline"] == today


@pytest.mark.parametrize("fields,message", [
    ({"deadline": "2000-01-01"}, "整改期限不能早于今天"),
    ({"deadline": "明天"}, "请填写整改期限"),
    ({"money": "-5"}, "整改资金应在 0 到 1 亿元之间"),
    ({"money": "一千五"}, "整改资金请填写金额"),
    ({"money": "abc"}, "整改资金请填写金额"),
    ({"money": "nan"}, "整改资金"),
    ({"owner": "leader2"}, "请选择本单元的整改责任人"),
    ({"owner": "leader1b"}, "请选择本单元的整改责任人"),
    ({"measure": ""}, "请填写整改措施"),
], ids=["past-deadline", "deadline-not-a-date", "negative-money", "money-in-words", "money-not-numeric",
        "money-nan", "owner-of-another-enterprise", "owner-of-another-post", "no-measure"])
def test_bad_assignment_is_refused_in_chinese_and_changes_nothing(leader, head, conn, fields, message):
    """A past deadline, bad money, an owner who cannot fix it or no measure: 422 in Chinese, the hazard untouched."""
    hazard_id = reported(leader, conn)
    before, kept = row(conn, "hazards", hazard_id), snapshot(conn)
    response = assign(head, conn, hazard_id, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert row(conn, "hazards", hazard_id) == before
    assert snapshot(conn) == kept


def test_major_hazard_needs_a_plan_and_is_then_listed_for_supervision(leader, head, conn):
    """重大隐患: assigning without 预案 is refused; with it the hazard is assigned and 挂牌督办 (supervised=1)."""
    hazard_id = reported(leader, conn, level="major", description="液化气储罐安全阀失效")
    refused = assign(head, conn, hazard_id)
    assert refused.status_code == 422
    assert "应急预案" in refused.get_data(as_text=True)
    assert row(conn, "hazards", hazard_id)["status"] == "reported"
    response = assign(head, conn, hazard_id, plan="停用该储罐，设置警戒区，专人监护")
    assert response.status_code == 302
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["status"] == "assigned"
    assert hazard["supervised"] == 1
    assert hazard["plan"] == "停用该储罐，设置警戒区，专人监护"
    assert "挂牌督办" in head.get(f"/hazards/{hazard_id}").get_data(as_text=True)


def test_team_leader_cannot_assign(leader, conn):
    """Assigning is for the head and the manager: a team leader gets 403 and nothing changes."""
    hazard_id = reported(leader, conn)
    assert assign(leader, conn, hazard_id).status_code == 403
    assert row(conn, "hazards", hazard_id)["status"] == "reported"


# ---- fixing and verifying -------------------------------------------------------------------------------------


def test_owner_rectifies_with_an_after_photo(assigned, leader, conn):
    """leader1 reports the fix with an after photo: the hazard waits for verification."""
    response = rectify(leader, assigned)
    assert hazard_of(response) == assigned
    hazard = row(conn, "hazards", assigned)
    assert hazard["status"] == "rectified"
    assert hazard["rectified_by"] == uid(conn, "leader1")
    assert hazard["rectified_at"] is not None
    assert stages(conn, assigned) == ["before", "after"]
    html = leader.get(f"/hazards/{assigned}").get_data(as_text=True)
    assert "整改前" in html and "整改后" in html and "待验收" in html


def test_rectification_without_an_after_photo_is_refused(assigned, leader, conn):
    """No after photo: 422 in Chinese, still being fixed."""
    kept = snapshot(conn)
    response = rectify(leader, assigned, with_photo=False)
    assert response.status_code == 422
    assert "请上传整改后照片" in response.get_data(as_text=True)
    assert row(conn, "hazards", assigned)["status"] == "assigned"
    assert snapshot(conn) == kept


def test_after_photo_identical_to_the_before_photo_is_refused(leader, head, conn):
    """整改靠补拍: the hazard's own before photo sent again as the after photo is not evidence of a fix."""
    picture = photo()
    hazard_id = hazard_of(post(leader, f"/enterprises/{ent_id(conn)}/hazards/new", {
        "unit_id": unit_id(conn, "充装班"), "description": "钢瓶未固定", "category": "thing", "level": "general",
        "photos": upload(picture)}))
    assert assign(head, conn, hazard_id).status_code == 302
    response = post(leader, f"/hazards/{hazard_id}/rectify", {"note": "已固定", "photos": upload(picture)})
    assert response.status_code == 422
    assert row(conn, "hazards", hazard_id)["status"] == "assigned"
    assert stages(conn, hazard_id) == ["before"]


def test_rectifier_cannot_verify_their_own_fix(leader, head, manager, conn):
    """manager1 fixes a hazard and then tries to accept it: refused in Chinese, status unchanged."""
    hazard_id = reported(leader, conn)
    assert assign(head, conn, hazard_id, owner="manager1").status_code == 302
    assert rectify(manager, hazard_id).status_code == 302
    kept = snapshot(conn)
    response = verify(manager, hazard_id, "pass", "自己验收")
    assert response.status_code in (403, 422)
    assert "不能" in response.get_data(as_text=True)
    hazard = row(conn, "hazards", hazard_id)
    assert hazard["status"] == "rectified"
    assert hazard["closed_at"] is None and hazard["verified_by"] is None
    assert snapshot(conn) == kept


def test_rectifier_on_behalf_of_the_owner_cannot_verify_it_either(assigned, manager, conn):
    """manager1 reports the fix for leader1's hazard; the same manager may not then accept it."""
    assert rectify(manager, assigned).status_code == 302
    response = verify(manager, assigned, "pass")
    assert response.status_code in (403, 422)
    assert row(conn, "hazards", assigned)["status"] == "rectified"


def test_manager_verifies_a_fix_by_the_owner_and_the_hazard_is_closed(rectified, manager, conn):
    """manager1 accepts leader1's fix: closed, with closed_at and the verifier."""
    response = verify(manager, rectified, "pass", "复查合格")
    assert hazard_of(response) == rectified
    hazard = row(conn, "hazards", rectified)
    assert hazard["status"] == "closed"
    assert hazard["closed_at"] is not None
    assert hazard["verified_by"] == uid(conn, "manager1")
    assert events(conn, rectified) == ["report", "assign", "rectify", "verify_pass"]


def test_failing_a_fix_needs_a_reason(rectified, manager, conn):
    """退回 without a reason is refused; the hazard still waits for verification."""
    kept = snapshot(conn)
    response = verify(manager, rectified, "fail", "")
    assert response.status_code == 422
    assert "退回原因" in response.get_data(as_text=True)
    assert row(conn, "hazards", rectified)["status"] == "rectified"
    assert snapshot(conn) == kept


def test_failed_fix_goes_back_to_the_owner_with_the_reason_on_the_timeline(rectified, manager, leader, conn):
    """退回 with a reason: back to 整改中, the reason shown on the timeline, and the owner can fix it again."""
    response = verify(manager, rectified, "fail", "接地电阻仍超标，需重新整改")
    assert response.status_code == 302
    hazard = row(conn, "hazards", rectified)
    assert hazard["status"] == "assigned"
    assert hazard["closed_at"] is None
    html = leader.get(f"/hazards/{rectified}").get_data(as_text=True)
    assert "退回整改" in html
    assert "接地电阻仍超标，需重新整改" in html
    assert rectify(leader, rectified).status_code == 302
    assert row(conn, "hazards", rectified)["status"] == "rectified"


def test_verifying_needs_a_result(rectified, manager, conn):
    """A verification that is neither pass nor fail is refused in Chinese and changes nothing."""
    kept = snapshot(conn)
    response = verify(manager, rectified, "maybe")
    assert response.status_code in (400, 422)
    assert re.search(r"[\u4e00-\u9fff]", response.get_data(as_text=True))
    assert row(conn, "hazards", rectified)["status"] == "rectified"
    assert snapshot(conn) == kept


def test_team_leader_cannot_verify(rectified, signed_in, conn):
    """Verification is not a team leader's: another post's leader does not even see the hazard."""
    other = signed_in("leader1b")
    assert verify(other, rectified).status_code == 404
    assert row(conn, "hazards", rectified)["status"] == "rectified"


def test_grid_worker_of_the_grid_may_verify(rectified, signed_in, conn):
    """The grid worker who sees the enterprise may accept a fix."""
    grid = signed_in("grid1")
    assert verify(grid, rectified, "pass", "网格员复查合格").status_code == 302
    assert row(conn, "hazards", rectified)["verified_by"] == uid(conn, "grid1")


def test_closed_hazard_cannot_be_rectified_or_reassigned(rectified, manager, head, leader, conn):
    """Once closed, the loop is over: no more fixes or assignments."""
    assert verify(manager, rectified).status_code == 302
    kept = row(conn, "hazards", rectified)
    assert rectify(leader, rectified).status_code in (403, 422)
    assert assign(head, conn, rectified).status_code in (403, 422)
    assert row(conn, "hazards", rectified) == kept


def test_every_step_writes_events_and_audit_and_nothing_is_deleted(leader, head, manager, conn):
    """Report → assign → fix → send back → fix → accept: each step adds an event and an audit row, none removed."""
    steps = [
        lambda h: assign(head, conn, h),
        lambda h: rectify(leader, h),
        lambda h: verify(manager, h, "fail", "照片看不清接地线"),
        lambda h: rectify(leader, h),
        lambda h: verify(manager, h, "pass", "复查合格"),
    ]
    first = snapshot(conn)
    hazard_id = reported(leader, conn)
    previous = snapshot(conn)
    _assert_kept(first, previous)
    for step in steps:
        response = step(hazard_id)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        current = snapshot(conn)
        _assert_kept(previous, current)
        assert len(set(current["hazard_events"]) - set(previous["hazard_events"])) == 1
        new_audit = set(current["audit_log"]) - set(previous["audit_log"])
        assert new_audit, "every step is in the audit log"
        audited = {r["entity"] for r in conn.execute(
            f"SELECT entity, entity_id FROM audit_log WHERE id IN ({','.join('?' * len(new_audit))})",
            sorted(new_audit))}
        assert "hazard" in audited
        previous = current
    assert events(conn, hazard_id) == ["report", "assign", "rectify", "verify_fail", "rectify", "verify_pass"]
    assert stages(conn, hazard_id) == ["before", "after", "after"]
    audit_rows = conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'hazard' AND entity_id = ?",
                              (hazard_id,)).fetchone()[0]
    assert audit_rows == 6


def _assert_kept(old, new):
    for table, records in old.items():
        for id_, values in records.items():
            assert new[table].get(id_) == values, f"{table} {id_} was changed or deleted"


def test_timeline_keeps_before_and_after_photos_side_by_side_with_times(rectified, manager, conn):
    """The hazard page shows before and after photos with their upload times, and every step on the timeline."""
    html = manager.get(f"/hazards/{rectified}").get_data(as_text=True)
    for word in ("整改前", "整改后", "发现", "分派", "整改", "上传"):
        assert word in html
    hashes = [r[0] for r in conn.execute("SELECT p.hash FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                                         " WHERE hp.hazard_id = ?", (rectified,))]
    assert len(hashes) == 2
    for digest in hashes:
        assert f"/photos/{digest}/thumb.jpg" in html


# ---- overdue, lists, filters, 清零 ------------------------------------------------------------------------------


def _past_deadline(conn, hazard_id):
    conn.execute("UPDATE hazards SET deadline = '2000-01-01' WHERE id = ?", (hazard_id,))
    conn.conn.commit()


def test_hazard_past_its_deadline_is_overdue_on_the_list_and_the_owners_home(assigned, leader, manager, conn):
    """A deadline now in the past: 逾期 on the 隐患清单, on the hazard page and on its owner's home page."""
    _past_deadline(conn, assigned)
    listing = manager.get(f"/enterprises/{ent_id(conn)}/hazards").get_data(as_text=True)
    entry = _entry(listing, assigned)
    assert "逾期" in entry and "2000-01-01" in entry
    assert "已逾期" in leader.get(f"/hazards/{assigned}").get_data(as_text=True)
    home = leader.get("/").get_data(as_text=True)
    section = home[home.index('id="loop-fix"'):]
    section = section[:section.index("</section>")]
    assert f"/hazards/{assigned}" in section
    assert "逾期" in section


def test_hazard_waiting_for_verification_is_not_the_owners_delay(rectified, manager, conn):
    """Past its deadline but already fixed: not shown as overdue."""
    _past_deadline(conn, rectified)
    listing = manager.get(f"/enterprises/{ent_id(conn)}/hazards").get_data(as_text=True)
    assert "逾期" not in _entry(listing, rectified)


def _entry(html, hazard_id) -> str:
    start = html.index(f'href="/hazards/{hazard_id}"')
    return html[start:html.index("</article>", start)]


@pytest.fixture
def spread(leader, head, signed_in, conn):
    """Hazards that differ in unit, status, level, deadline and day found."""
    other = signed_in("leader1b")
    old = reported(leader, conn, description="旧隐患：充装班")  # reported, general, 充装班
    # Found at 01:00 Beijing time on 2023-03-15, which is still 2023-03-14 in UTC.
    conn.execute("UPDATE hazards SET reported_at = '2023-03-14T17:00:00+00:00' WHERE id = ?", (old,))
    conn.conn.commit()
    major = reported(leader, conn, level="major", description="重大：充装班")
    assert assign(head, conn, major, plan="停用并监护").status_code == 302
    late = reported(other, conn, post_name="运行班", description="逾期：运行班")
    assert assign(head, conn, late, owner="leader1b").status_code == 302
    _past_deadline(conn, late)
    return {"old": old, "major": major, "late": late}


def _list(client, conn, query="", kind="hazards"):
    response = client.get(f"/enterprises/{ent_id(conn)}/{kind}{query}")
    assert response.status_code == 200
    return listed(response.get_data(as_text=True))


def test_list_filter_by_unit_narrows_to_that_unit_and_its_posts(spread, manager, conn):
    """unit=充装班 shows only 充装班; unit=储配站 shows the workshop and all its posts."""
    post_only = _list(manager, conn, f"?unit={unit_id(conn, '充装班')}")
    assert {spread["old"], spread["major"]} <= post_only
    assert spread["late"] not in post_only
    assert {row(conn, "hazards", h)["unit_id"] for h in post_only} == {unit_id(conn, "充装班")}
    workshop = _list(manager, conn, f"?unit={unit_id(conn, '储配站')}")
    assert set(spread.values()) <= workshop
    allowed = {unit_id(conn, n) for n in ("储配站", "充装班", "运行班")}
    assert {row(conn, "hazards", h)["unit_id"] for h in workshop} <= allowed
    assert not workshop & _list(manager, conn, f"?unit={unit_id(conn, '管网运行部')}")


def test_list_filter_by_status(spread, manager, conn):
    """status=assigned shows only 整改中; status=reported only 待分派; open hides closed ones."""
    assigned_only = _list(manager, conn, "?status=assigned")
    assert {spread["major"], spread["late"]} <= assigned_only
    assert spread["old"] not in assigned_only
    assert {row(conn, "hazards", h)["status"] for h in assigned_only} == {"assigned"}
    reported_only = _list(manager, conn, "?status=reported")
    assert spread["old"] in reported_only
    assert {row(conn, "hazards", h)["status"] for h in reported_only} == {"reported"}
    open_ones = _list(manager, conn, "?status=open")
    assert "closed" not in {row(conn, "hazards", h)["status"] for h in open_ones}


def test_list_filter_by_level(spread, manager, conn):
    """level=major shows only 重大隐患."""
    majors = _list(manager, conn, "?level=major")
    assert spread["major"] in majors
    assert spread["old"] not in majors
    assert {row(conn, "hazards", h)["level"] for h in majors} == {"major"}


def test_list_filter_overdue_shows_only_overdue(spread, manager, conn):
    """overdue=1 shows only hazards still being fixed after their deadline."""
    late = _list(manager, conn, "?overdue=1")
    assert spread["late"] in late
    assert spread["major"] not in late and spread["old"] not in late
    today = local_now().date().isoformat()
    for h in late:
        hazard = row(conn, "hazards", h)
        assert hazard["status"] == "assigned" and hazard["deadline"] < today


def test_list_filter_by_dates_uses_the_beijing_day(spread, manager, conn):
    """from/to are Beijing dates: a hazard found 01:00 Beijing on 3-15 (3-14 UTC) belongs to 3-15."""
    assert _list(manager, conn, "?from=2023-03-15&to=2023-03-15") == {spread["old"]}
    assert spread["old"] not in _list(manager, conn, "?to=2023-03-14")
    assert spread["old"] not in _list(manager, conn, "?from=2023-03-16")
    recent = _list(manager, conn, f"?from={local_now().date().isoformat()}")
    assert {spread["major"], spread["late"]} <= recent
    assert spread["old"] not in recent


def test_list_filters_combine(spread, manager, conn):
    """Filters narrow together: 充装班 and 重大 and 整改中 is just the major one."""
    found = _list(manager, conn, f"?unit={unit_id(conn, '充装班')}&level=major&status=assigned")
    assert spread["major"] in found
    assert all(row(conn, "hazards", h)["level"] == "major" for h in found)
    assert spread["old"] not in found and spread["late"] not in found


def test_unfiltered_list_shows_every_hazard_of_the_enterprise_to_its_manager(spread, manager, conn):
    """Without filters the manager sees all of the enterprise's hazards and none of another's."""
    everything = _list(manager, conn)
    mine = {r[0] for r in conn.execute("SELECT id FROM hazards WHERE enterprise_id = ?", (ent_id(conn),))}
    assert everything == mine


def test_team_leaders_list_shows_only_their_post(spread, signed_in, conn):
    """leader1b sees 运行班's hazards, not 充装班's."""
    seen = _list(signed_in("leader1b"), conn)
    assert spread["late"] in seen
    assert spread["old"] not in seen and spread["major"] not in seen


def test_enterprise_page_shows_cleared_units_and_open_counts(leader, manager, head, conn):
    """A unit with no open hazard shows 清零; one with open hazards shows how many."""
    hazard_id = reported(leader, conn)
    html = manager.get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
    open_by_unit = dict(conn.execute(
        "SELECT unit_id, COUNT(*) FROM hazards WHERE enterprise_id = ? AND status != 'closed' GROUP BY unit_id",
        (ent_id(conn),)).fetchall())
    posts = conn.execute("SELECT id, name FROM units WHERE enterprise_id = ? AND kind = 'post'",
                         (ent_id(conn),)).fetchall()
    cleared = 0
    for post_id, name in posts:
        shown = re.search(rf"<li>{name} <span class=\"(\w+)\">([^<]+)</span>", html)
        assert shown, name
        if open_by_unit.get(post_id):
            assert shown.group(2) == str(open_by_unit[post_id]), name
        else:
            assert shown.group(2) == "清零", name
            cleared += 1
    assert cleared, "at least one post is clear"
    assert re.search(r"<li>充装班 <span class=\"bad\">\d+</span>", html)
    workshop = re.search(r"<h3>储配站 <span class=\"badge (\w+)\">([^<]+)</span>", html)
    assert workshop and workshop.group(2).startswith("未闭环")
    # Close the hazard: 充装班 is clear again.
    assert assign(head, conn, hazard_id).status_code == 302
    assert rectify(leader, hazard_id).status_code == 302
    assert verify(manager, hazard_id).status_code == 302
    if not conn.execute("SELECT COUNT(*) FROM hazards WHERE unit_id = ? AND status != 'closed'",
                        (unit_id(conn, "充装班"),)).fetchone()[0]:
        html = manager.get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
        assert '<li>充装班 <span class="muted">清零</span>' in html


# ---- corrections ----------------------------------------------------------------------------------------------


def test_correction_is_a_new_inspection_linked_to_the_old_which_is_left_unchanged(leader, conn):
    """更正: a new inspection whose corrects_id is the old one; the old page says so; the old rows are untouched."""
    checklist_id, items = card(conn)
    old_id = inspection_of(submit_card(leader, conn))
    old_row = row(conn, "inspections", old_id)
    old_results = [tuple(r) for r in conn.execute("SELECT * FROM inspection_results WHERE inspection_id = ?"
                                                  " ORDER BY id", (old_id,))]
    form = leader.get(f"/checklists/{checklist_id}/fill?corrects={old_id}")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert f'name="corrects" value="{old_id}"' in page
    assert f"更正第 {old_id} 号检查记录" in page
    new_id = inspection_of(post(leader, f"/checklists/{checklist_id}/inspections",
                                card_form(items, {1: {}}, corrects=str(old_id))))
    assert new_id != old_id
    assert row(conn, "inspections", new_id)["corrects_id"] == old_id
    assert row(conn, "inspections", old_id) == old_row
    assert [tuple(r) for r in conn.execute("SELECT * FROM inspection_results WHERE inspection_id = ? ORDER BY id",
                                           (old_id,))] == old_results
    old_page = leader.get(f"/inspections/{old_id}").get_data(as_text=True)
    assert "更正" in old_page and f"/inspections/{new_id}" in old_page
    new_page = leader.get(f"/inspections/{new_id}").get_data(as_text=True)
    assert f"/inspections/{old_id}" in new_page


def test_correction_must_belong_to_the_same_checklist(leader, signed_in, conn):
    """Correcting an inspection of another checklist is refused and writes nothing."""
    other_checklist, _ = card(conn, "运行班")
    other_inspection = conn.execute("SELECT id FROM inspections WHERE checklist_id = ?",
                                    (other_checklist,)).fetchone()[0]
    checklist_id, items = card(conn)
    before = counts(conn)
    response = post(leader, f"/checklists/{checklist_id}/inspections",
                    card_form(items, corrects=str(other_inspection)))
    assert response.status_code == 422
    assert "不属于这份清单" in response.get_data(as_text=True)
    assert counts(conn) == before
    assert leader.get(f"/checklists/{checklist_id}/fill?corrects={other_inspection}").status_code == 404


# ---- exports --------------------------------------------------------------------------------------------------


HAZARD_COLUMNS = ["序号", "发现时间", "车间/岗位", "隐患描述", "类别", "等级", "来源", "发现人", "状态", "整改期限",
                  "是否逾期"]
RECTIFICATION_COLUMNS = ["序号", "隐患描述", "车间/岗位", "等级", "整改措施", "责任人", "资金(元)", "整改期限", "预案",
                         "挂牌督办", "状态", "整改完成", "验收人", "闭环时间"]


def _book(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data)).active


def _print_ready(sheet, columns):
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows in ("2:2", "$2:$2")
    assert [c.value for c in sheet[2]] == columns


def test_hazard_list_exports_to_a4_landscape_xlsx_one_row_per_hazard(spread, manager, conn):
    """隐患清单 xlsx: A4 landscape, header row repeated on every page, one row per listed hazard."""
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx")
    _print_ready(sheet, HAZARD_COLUMNS)
    shown = _list(manager, conn)
    records = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(records) == len(shown)
    assert [r[0] for r in records] == list(range(1, len(shown) + 1))
    by_description = {r[3]: r for r in records}
    late = by_description["逾期：运行班"]
    assert late[2] == "储配站 / 运行班"
    assert (late[4], late[5], late[6], late[8], late[9], late[10]) == (
        "物的不安全状态", "一般", "随手拍", "整改中", "2000-01-01", "逾期")
    assert late[7] == "李班长（运行班）"
    assert by_description["旧隐患：充装班"][1].startswith("2023-03-15 01:00")


def test_hazard_export_follows_the_filters(spread, manager, conn):
    """The export holds exactly what the filtered list shows."""
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx&level=major")
    descriptions = {r[3] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert "重大：充装班" in descriptions
    assert "旧隐患：充装班" not in descriptions
    assert len(descriptions) == len(_list(manager, conn, "?level=major"))


def test_rectification_list_exports_the_four_fixes_of_each_assigned_hazard(spread, manager, conn):
    """整改清单 xlsx: A4 landscape, repeated header, a row per hazard with an owner, with its 四定 and 预案."""
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/rectifications?format=xlsx")
    _print_ready(sheet, RECTIFICATION_COLUMNS)
    records = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    expected = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ? AND (owner_id IS NOT NULL"
                            " OR on_the_spot = 1)", (ent_id(conn),)).fetchone()[0]
    assert len(records) == expected
    assert "旧隐患：充装班" not in records  # not yet assigned
    major = records["重大：充装班"]
    assert major[2] == "储配站 / 充装班"
    assert (major[3], major[4], major[5]) == ("重大", "更换静电接地线并检测", "苏班长（充装班）")
    assert float(major[6]) == 1500
    deadline = row(conn, "hazards", spread["major"])["deadline"]
    assert (major[7], major[8], major[9], major[10]) == (deadline, "停用并监护", "是", "整改中")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://example.com\",\"点此\")", "=1+1", "+1+1", "-2+3", "@SUM(A1)"])
def test_export_keeps_text_that_looks_like_a_formula_as_text(leader, manager, conn, text):
    """A description typed as =… or +… is written to the xlsx as text, never as a formula Excel would run."""
    reported(leader, conn, description=text)
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx")
    cells = [r[3] for r in sheet.iter_rows(min_row=3) if r[3].value == text]
    assert cells, "the description is exported as typed"
    assert all(c.data_type == "s" for c in cells)


def test_team_leaders_export_holds_only_their_share(spread, leader, conn):
    """leader1's export has 充装班's hazards and not 运行班's."""
    sheet = _book(leader, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx")
    descriptions = {r[3] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert "旧隐患：充装班" in descriptions
    assert "逾期：运行班" not in descriptions


# ---- who sees a hazard and its photos ---------------------------------------------------------------------------


@pytest.fixture
def with_photos(rectified, conn):
    """The rectified hazard's photo hashes (before and after)."""
    hashes = [r[0] for r in conn.execute("SELECT p.hash FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                                         " WHERE hp.hazard_id = ? ORDER BY hp.id", (rectified,))]
    assert len(hashes) == 2
    return rectified, hashes


@pytest.mark.parametrize("username", ["manager2", "leader1b", "head2", "grid2"])
def test_people_outside_the_hazards_scope_get_404_for_it_and_its_photos(with_photos, signed_in, username):
    """Another enterprise's manager, another post's leader, another enterprise's head, another grid: 404 for all."""
    hazard_id, hashes = with_photos
    outsider = signed_in(username)
    assert outsider.get(f"/hazards/{hazard_id}").status_code == 404
    for digest in hashes:
        for size in ("thumb", "display"):
            assert outsider.get(f"/photos/{digest}/{size}.jpg").status_code == 404


@pytest.mark.parametrize("username", ["manager2", "leader1b", "head2", "grid2"])
def test_people_outside_the_scope_get_404_for_the_inspection_record(leader, signed_in, conn, username):
    """The filled card of 充装班 is not shown to another post, another enterprise or another grid."""
    inspection_id = inspection_of(submit_card(leader, conn, failed={0: {}}))
    assert signed_in(username).get(f"/inspections/{inspection_id}").status_code == 404


@pytest.mark.parametrize("username", ["manager2", "head2", "grid2"])
def test_people_outside_the_hazards_scope_cannot_act_on_it(assigned, signed_in, conn, username):
    """Assigning or fixing a hazard outside one's scope answers 404 and changes nothing."""
    outsider = signed_in(username)
    kept = row(conn, "hazards", assigned)
    assert assign(outsider, conn, assigned, owner="leader1").status_code == 404
    assert rectify(outsider, assigned).status_code == 404
    assert row(conn, "hazards", assigned) == kept


@pytest.mark.parametrize("username", ["grid1", "supervisor", "head1", "manager1", "leader1", "admin"])
def test_people_in_scope_see_the_hazard_and_its_photos(with_photos, signed_in, username):
    """The grid's worker, the supervisor, the workshop head, the manager and the owner see hazard and photos."""
    hazard_id, hashes = with_photos
    viewer = signed_in(username)
    assert viewer.get(f"/hazards/{hazard_id}").status_code == 200
    for digest in hashes:
        for size, limit in (("thumb", 320), ("display", 1600)):
            response = viewer.get(f"/photos/{digest}/{size}.jpg")
            assert response.status_code == 200
            assert response.mimetype == "image/jpeg"
            assert "private" in response.headers["Cache-Control"]
            image = Image.open(io.BytesIO(response.data))
            assert image.format == "JPEG" and max(image.size) <= limit
            assert len(image.getexif()) == 0


@pytest.mark.parametrize("path", [
    "/photos/" + "0" * 64 + "/thumb.jpg",
    "/photos/" + "f" * 64 + "/display.jpg",
    "/photos/abc/thumb.jpg",
])
def test_photo_url_for_an_unknown_hash_is_404(signed_in, path):
    """An unknown or malformed photo hash is simply not found."""
    assert signed_in("admin").get(path).status_code == 404
    assert signed_in("leader1").get(path).status_code == 404


def test_photo_urls_need_signing_in(with_photos, client):
    """Photos are not public: signed out, the URL sends to the sign-in page."""
    _, hashes = with_photos
    response = client.get(f"/photos/{hashes[0]}/thumb.jpg")
    assert response.status_code in (302, 401, 404)
    assert response.mimetype != "image/jpeg"
