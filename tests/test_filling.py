"""Filling a checklist over HTTP: all items answered, a failed one becomes a hazard with its evidence;
corrections are new entries."""

import hashlib

import pytest

from .loop_helpers import (
    CLIENT_TIME,
    card,
    card_form,
    counts,
    ent_id,
    events,
    inspection_of,
    photo,
    post,
    row,
    server_now,
    snapshot,
    stages,
    submit_card,
    uid,
    unit_id,
    upload,
)

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
    assert "2020年1月1日 08:00:00" in html  # the phone's time, read in Beijing time with its year
    assert "苏班长（充装班）" in html
    assert "24.90000, 118.60000" in html
    assert "手机时钟比服务器慢" in html  # a phone clock years behind is called out, not silently trusted


def test_phone_clock_within_two_minutes_is_not_called_out(leader, conn):
    """A phone whose clock agrees with the server's gets no warning."""
    inspection_id = inspection_of(submit_card(leader, conn, client_time=server_now()))
    assert "手机时钟" not in leader.get(f"/inspections/{inspection_id}").get_data(as_text=True)


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
