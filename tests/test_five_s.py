"""5S 考评 per post and person: set up from the library standard, scored as an inspection of the post's 5S checklist
(total = 100 − deductions, each within its item's points with a note and a photo), replayed once, raised as a
hazard with its photo, read back as latest, monthly trend and ranking — each person only within their scope."""

import re
import shutil
from datetime import UTC, date, datetime

import pytest

from anbiao import checklists, db, due, five_s, library, overview, prepare

from .loop_helpers import call_off_draws, counts, ent_id, key, photo, post, uid, unit_id, upload

SCORE_TABLES = ("inspections", "inspection_results", "five_s_scores", "five_s_deductions", "five_s_photos",
                "photos", "hazards", "hazard_photos", "audit_log")


def one(conn, sql, params=()):
    found = conn.execute(sql, params).fetchone()
    return dict(found) if found else None


def set_up(conn, post_name="充装班", by="manager1") -> dict:
    """The post's 5S 考评, made as the manager's 「添加 5S 考评」 makes it; returns the checklist row."""
    unit = one(conn, "SELECT * FROM units WHERE name = ?", (post_name,))
    ent = one(conn, "SELECT * FROM enterprises WHERE id = ?", (unit["enterprise_id"],))
    return one(conn, "SELECT * FROM checklists WHERE id = ?", (checklists.add_five_s(conn, ent, unit, uid(conn, by)),))


def items_of(conn, checklist) -> list[dict]:
    return five_s.criteria(conn, checklist)


def form(items, deductions=None, **extra) -> dict:
    """A scoring form: 本岗位, and `deductions` {index: points or {fields}} with a note and a photo unless given."""
    data = {"whom": "post"}
    for index, fields in (deductions or {}).items():
        fields = fields if isinstance(fields, dict) else {"deduct": fields}
        full = {"deduct": "1", "note": f"第{index + 1}项扣分的原因", "photos": upload()}
        full.update(fields)
        for name, value in full.items():
            if value is not None:
                data[f"{name}_{items[index]['id']}"] = value
    data.update(extra)
    return data


def score(client, checklist, data, **kwargs):
    return post(client, f"/checklists/{checklist['id']}/five-s", data, **kwargs)


def score_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/five-s/scores/(\d+)", response.headers["Location"]).group(1))


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def filling(conn):
    """充装班 with its 5S 考评 set up, and its items."""
    checklist = set_up(conn)
    return checklist, items_of(conn, checklist)


# ---- the standard and its threshold (library data) ----

def test_the_library_standard_scores_100_points_in_five_groups_and_says_its_threshold(conn):
    standard = library.current_docs(conn, "five_s")[0]
    checklist = set_up(conn)
    found = items_of(conn, checklist)
    assert sum(i["points"] for i in found) == 100
    assert {i["aspect"] for i in found} == set(five_s.GROUPS.values())
    assert all(i["library_item_id"] for i in found)
    assert checklist["library_doc_id"] == standard["id"] and checklist["kind"] == "five_s"
    assert five_s.threshold(conn, checklist) == {"below": 80, "name": "考评得分低于 80 分"}


def _library_with(tmp_path, threshold_lines: str):
    root = tmp_path / "inspect"
    shutil.copytree(library.ROOT, root)
    path = root / "reference" / "five_s.toml"
    text_ = path.read_text(encoding="utf-8")
    head, _, _ = text_.partition("# 阈值")
    path.write_text(head + threshold_lines, encoding="utf-8")
    return root


@pytest.mark.parametrize("lines", [
    '[[items]]\ncode = "low-score"\ngroup = "threshold"\nname = "考评得分低于 80 分"\nbelow = "八十"\n',
    '[[items]]\ncode = "low-score"\ngroup = "threshold"\nname = "考评得分低于 80 分"\n',
    '[[items]]\ncode = "low-score"\ngroup = "threshold"\nname = "考评得分低于 80 分"\nbelow = 180\n',
])
def test_a_bad_threshold_is_refused_with_a_clear_message_and_nothing_is_loaded(conn, tmp_path, lines):
    root = _library_with(tmp_path, lines)
    _, problems = library.read(root)
    assert problems == ["reference/five_s.toml（low-score）: 阈值条目须有 below，为 0 到 100 之间的分数"
                        "（考评得分低于它时提示列为隐患）"]
    before = conn.execute("SELECT COUNT(*) FROM library_docs").fetchone()[0]
    with pytest.raises(ValueError, match="阈值条目须有 below"):
        library.load(conn, root)
    assert conn.execute("SELECT COUNT(*) FROM library_docs").fetchone()[0] == before


def test_a_threshold_is_not_a_scored_item_and_a_scored_item_needs_its_points(tmp_path):
    root = _library_with(tmp_path, '[[items]]\ncode = "low-score"\ngroup = "threshold"\nname = "低于 80 分"\n'
                                   'below = 80\n\n[[items]]\ncode = "extra"\ngroup = "sort"\nname = "整理"\n'
                                   'content = "多出的一条"\n')
    _, problems = library.read(root)
    assert problems == ["reference/five_s.toml: 每个考评条目须有正整数 points（分值）"]


# ---- setting up a post's 5S 考评 ----

def test_the_manager_adds_5s_to_a_post_once_and_sets_who_and_how_often_as_for_any_checklist(conn, signed_in):
    manager = signed_in("manager1")
    post_id = unit_id(conn, "充装班")
    answer = manager.post(f"/units/{post_id}/five-s/setup", {})
    checklist = one(conn, "SELECT * FROM checklists WHERE unit_id = ? AND kind = 'five_s'", (post_id,))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/checklists/{checklist['id']}")
    assert (checklist["tier"], checklist["title"], checklist["frequency"]) == ("post", "充装班 5S 考评", "monthly")
    page = text(manager.get(f"/checklists/{checklist['id']}"))
    assert "5S 考评 · 泉州市安泰燃气有限公司" in page and "岗位安全检查卡片" not in page
    assert "增加本企业条目" not in page
    before = counts(conn, ("checklists", "checklist_items"))
    again = manager.post(f"/units/{post_id}/five-s/setup", {})
    assert again.status_code == 302 and "已有 5S 考评" in text(manager.get(again.headers["Location"]))
    assert counts(conn, ("checklists", "checklist_items")) == before
    assert manager.post(f"/checklists/{checklist['id']}/assignment", {
        "frequency": "weekly", "responsible_title": "班组长", "responsible_user_id": uid(conn, "leader1"),
        "on_failure": "限期整改"}).status_code == 302
    assert one(conn, "SELECT frequency, responsible_user_id FROM checklists WHERE id = ?", (checklist["id"],)) == {
        "frequency": "weekly", "responsible_user_id": uid(conn, "leader1")}


def test_a_workshop_head_adds_5s_to_their_posts_and_nobody_to_a_workshop(conn, signed_in):
    head = signed_in("head1")
    assert head.post(f"/units/{unit_id(conn, '运行班')}/five-s/setup", {}).status_code == 302
    assert checklists.five_s_of(conn, unit_id(conn, "运行班"))
    before = counts(conn, ("checklists",))
    assert signed_in("leader1").post(f"/units/{unit_id(conn, '充装班')}/five-s/setup", {}).status_code == 403
    refused = signed_in("manager1").post(f"/units/{unit_id(conn, '储配站')}/five-s/setup", {})
    assert refused.status_code == 302 and counts(conn, ("checklists",)) == before


def test_5s_items_and_points_are_the_standards_and_are_not_edited_one_by_one(conn, signed_in, filling):
    checklist, items = filling
    manager = signed_in("manager1")
    before = counts(conn, ("checklist_items",))
    for path, data in ((f"/checklists/{checklist['id']}/items", {"aspect": "作业现场", "content": "多一条"}),
                       (f"/checklists/{checklist['id']}/items/{items[0]['id']}/remove", {})):
        answer = manager.post(path, data)
        assert "不能在此增删改" in text(manager.get(answer.headers["Location"]))
    assert counts(conn, ("checklist_items",)) == before


def test_the_5s_list_is_a_normal_checklist_for_due_and_overview_but_never_a_cards_parent(conn, filling):
    checklist, _ = filling
    leader = one(conn, "SELECT * FROM users WHERE username = 'leader1'")
    mine = {c["id"]: c for c in due.mine(conn, leader)}
    assert mine[checklist["id"]]["status"].state == "due"
    assert f"/checklists/{checklist['id']}/fill" in [p.url for p in prepare.for_today(conn, leader)]
    overview.refresh(conn)
    ent = one(conn, "SELECT * FROM enterprises WHERE id = ?", (checklist["enterprise_id"],))
    register = one(conn, "SELECT * FROM checklists WHERE unit_id = ? AND tier = 'workshop'", (unit_id(conn, "储配站"),))
    unit = one(conn, "SELECT * FROM units WHERE name = '充装班'")
    assert checklists.parent_for(conn, ent, unit)["id"] == register["id"]
    derived = checklists.derive(conn, ent, unit, parent_item_ids=[checklists.get_items(conn, register["id"])[0]["id"]],
                                title="充装班第二张卡片")
    assert one(conn, "SELECT parent_id FROM checklists WHERE id = ?", (derived,))["parent_id"] == register["id"]


# ---- scoring ----

def test_the_total_is_100_minus_the_deductions_and_the_score_is_an_inspection_of_the_post(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    answer = score(leader, checklist, form(items, {0: "2", 5: "1.5"}, client_time="2026-01-01T08:00:00+08:00",
                                           latitude="24.9", longitude="118.6", accuracy="12"))
    found = one(conn, "SELECT * FROM five_s_scores WHERE id = ?", (score_of(answer),))
    assert found["total"] == 96.5 and found["person"] is None and found["unit_id"] == checklist["unit_id"]
    inspection = one(conn, "SELECT * FROM inspections WHERE id = ?", (found["inspection_id"],))
    assert inspection["checklist_id"] == checklist["id"] and inspection["latitude"] == 24.9
    results = conn.execute("SELECT result, COUNT(*) FROM inspection_results WHERE inspection_id = ? GROUP BY result",
                           (inspection["id"],)).fetchall()
    assert dict(results) == {"ok": len(items) - 2, "hazard": 2}
    taken = [dict(r) for r in conn.execute("SELECT checklist_item_id, points, note FROM five_s_deductions"
                                           " WHERE score_id = ? ORDER BY id", (found["id"],))]
    assert [(t["checklist_item_id"], t["points"]) for t in taken] == [(items[0]["id"], 2), (items[5]["id"], 1.5)]
    assert conn.execute("SELECT COUNT(*) FROM five_s_photos f JOIN five_s_deductions d ON d.id = f.deduction_id"
                        " WHERE d.score_id = ?", (found["id"],)).fetchone()[0] == 2
    assert one(conn, "SELECT last_done_at FROM checklists WHERE id = ?", (checklist["id"],))["last_done_at"] == \
        inspection["submitted_at"]
    page = leader.get(answer.headers["Location"])
    assert "已保存：得分 96.5 分，扣分 2 项" in text(page) and "扣分原因：第1项扣分的原因" in text(page)
    # The inspection's own address leads to the score, and its history counts the deducted items as 不合格.
    assert leader.get(f"/inspections/{inspection['id']}").headers["Location"].endswith(f"/five-s/scores/{found['id']}")
    assert "不合格 2 项" in text(leader.get(f"/checklists/{checklist['id']}"))


def test_a_score_with_no_deduction_is_full_marks(conn, signed_in, filling):
    checklist, items = filling
    found = one(conn, "SELECT total FROM five_s_scores WHERE id = ?",
                (score_of(score(signed_in("leader1"), checklist, form(items))),))
    assert found["total"] == 100


@pytest.mark.parametrize("typed, said", [
    ("9", "扣分应在 0 到 8 分之间（本项 8 分）"),
    ("-1", "扣分应在 0 到 8 分之间（本项 8 分）"),
    ("8.5", "扣分应在 0 到 8 分之间（本项 8 分）"),
    ("两分", "扣分请填数字：0 到 8 分"),
    ("nan", "扣分请填数字：0 到 8 分"),
    ("0.3", "扣分按 0.5 分一档，如 1、1.5、2"),
])
def test_a_deduction_over_its_items_points_negative_or_not_a_half_point_is_refused_naming_the_item(
        conn, signed_in, filling, typed, said):
    checklist, items = filling
    assert items[0]["points"] == 8
    before = counts(conn, SCORE_TABLES)
    answer = score(signed_in("leader1"), checklist, form(items, {0: typed, 3: "1"}))
    assert answer.status_code == 422
    assert f"第 1 项（整理）{said}" in text(answer)
    assert re.search(rf'id="reasons-{items[0]["id"]}"[^>]*>\s*<p>{re.escape(said)}</p>', answer.get_data(as_text=True))
    assert counts(conn, SCORE_TABLES) == before


@pytest.mark.parametrize("missing, said", [
    ({"photos": None}, "第 2 项（整理）扣了分，请拍照留证"),
    ({"note": ""}, "第 2 项（整理）扣了分，请写明扣分原因"),
    ({"photos": None, "note": " "}, "第 2 项（整理）扣了分，请写明扣分原因"),
])
def test_a_deduction_without_a_photo_or_a_note_is_refused_and_nothing_is_written(conn, signed_in, filling, missing,
                                                                                 said):
    checklist, items = filling
    before = counts(conn, SCORE_TABLES)
    answer = score(signed_in("leader1"), checklist, form(items, {1: {"deduct": "2", **missing}}))
    assert answer.status_code == 422 and said in text(answer)
    assert counts(conn, SCORE_TABLES) == before


def test_a_broken_photo_is_refused_naming_its_item(conn, signed_in, filling):
    checklist, items = filling
    before = counts(conn, SCORE_TABLES)
    answer = score(signed_in("leader1"), checklist, form(items, {2: {"photos": upload(b"not a photo")}}))
    assert answer.status_code == 422 and "第 3 项（整理）照片有问题" in text(answer)
    assert counts(conn, SCORE_TABLES) == before


def test_photos_of_items_with_nothing_taken_are_ignored(conn, signed_in, filling):
    checklist, items = filling
    data = form(items, {0: "1"})
    data[f"photos_{items[4]['id']}"] = upload(b"not a photo")  # no points taken there: not read, not kept
    found = score_of(score(signed_in("leader1"), checklist, data))
    assert one(conn, "SELECT total FROM five_s_scores WHERE id = ?", (found,))["total"] == 99


def test_a_person_is_scored_by_name_and_tied_to_their_account_when_they_have_one(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    mine = score_of(score(leader, checklist, form(items, whom="person", person=" 苏班长（充装班） ")))
    other = score_of(score(leader, checklist, form(items, {0: "1"}, whom="person", person="张  小明")))
    assert one(conn, "SELECT person, person_user_id FROM five_s_scores WHERE id = ?", (mine,)) == {
        "person": "苏班长（充装班）", "person_user_id": uid(conn, "leader1")}
    assert one(conn, "SELECT person, person_user_id FROM five_s_scores WHERE id = ?", (other,)) == {
        "person": "张 小明", "person_user_id": None}
    assert "张 小明" in text(leader.get(f"/checklists/{checklist['id']}/fill"))  # suggested next time
    before = counts(conn, SCORE_TABLES)
    for data, said in ((form(items, whom="person", person=""), "请填写被考评人姓名"),
                       (form(items, whom="someone"), "请选择考评对象：本岗位或个人"),
                       (form(items, whom="person", person="名" * 41), "被考评人姓名不超过40字")):
        answer = score(leader, checklist, data)
        assert answer.status_code == 422 and said in text(answer)
    assert counts(conn, SCORE_TABLES) == before


def test_a_replayed_submission_makes_one_score(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    shot, sent = photo(), key()
    first = score(leader, checklist, form(items, {0: {"deduct": "2", "photos": upload(shot)}}, idempotency_key=sent))
    again = score(leader, checklist, form(items, {0: {"deduct": "2", "photos": upload(shot)}}, idempotency_key=sent))
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert again.headers.get("Idempotent-Replay") == "true"
    assert conn.execute("SELECT COUNT(*) FROM five_s_scores WHERE unit_id = ?",
                        (checklist["unit_id"],)).fetchone()[0] == 1


def test_a_deduction_raised_as_a_hazard_carries_its_photo_as_the_before_photo(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    answer = score(leader, checklist, form(items, {4: {"deduct": "3", "note": "消防器材前堆放纸箱", "hazard": "1",
                                                       "category": "environment", "level": "general"}}))
    score_id = score_of(answer)
    taken = one(conn, "SELECT * FROM five_s_deductions WHERE score_id = ?", (score_id,))
    hazard = one(conn, "SELECT * FROM hazards WHERE id = ?", (taken["hazard_id"],))
    assert hazard["unit_id"] == checklist["unit_id"] and hazard["status"] == "reported"
    assert (hazard["category"], hazard["level"], hazard["source"]) == ("environment", "general", "inspection")
    assert hazard["description"] == "5S 考评扣分（整顿）：消防器材前堆放纸箱"
    assert hazard["checklist_item_id"] == items[4]["id"]
    kept = [r[0] for r in conn.execute("SELECT photo_id FROM five_s_photos WHERE deduction_id = ?", (taken["id"],))]
    before = [r[0] for r in conn.execute("SELECT photo_id FROM hazard_photos WHERE hazard_id = ? AND stage = 'before'",
                                         (hazard["id"],))]
    assert kept == before and len(kept) == 1
    assert f"已列为隐患 {hazard['id']}" in text(leader.get(answer.headers["Location"]))
    assert leader.get(f"/hazards/{hazard['id']}").status_code == 200
    kept_hash = one(conn, "SELECT hash FROM photos WHERE id = ?", (kept[0],))["hash"]
    assert leader.get(f"/photos/{kept_hash}/thumb.jpg").status_code == 200  # the hazard's photo, seen with it


def test_raising_a_hazard_needs_its_category(conn, signed_in, filling):
    checklist, items = filling
    before = counts(conn, SCORE_TABLES)
    answer = score(signed_in("leader1"), checklist, form(items, {4: {"hazard": "1", "category": ""}}))
    assert answer.status_code == 422 and "第 5 项（整顿）列为隐患，请选择隐患类别" in text(answer)
    assert counts(conn, SCORE_TABLES) == before


def test_a_low_score_suggests_raising_a_hazard_at_the_post(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    assert 'data-below="80"' in leader.get(f"/checklists/{checklist['id']}/fill").get_data(as_text=True)
    low = score_of(score(leader, checklist, form(items, {0: "8", 1: "7", 2: "5", 3: "2"})))
    page = leader.get(f"/five-s/scores/{low}").get_data(as_text=True)
    assert one(conn, "SELECT total FROM five_s_scores WHERE id = ?", (low,))["total"] == 78
    assert "得分低于 80 分" in page
    link = re.search(r'href="(/enterprises/\d+/hazards/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    report = text(leader.get(link))
    assert "5S 考评得分 78 分，考评得分低于 80 分。" in report
    assert re.search(rf'<option value="{checklist["unit_id"]}" selected>', leader.get(link).get_data(as_text=True))
    fine = score_of(score(leader, checklist, form(items, {0: "1"})))
    assert "得分低于" not in leader.get(f"/five-s/scores/{fine}").get_data(as_text=True)


def test_only_those_who_fill_the_post_may_score_it_and_the_card_address_does_not_take_a_score(conn, signed_in,
                                                                                           filling):
    checklist, items = filling
    before = counts(conn, SCORE_TABLES)
    assert score(signed_in("supervisor"), checklist, form(items)).status_code == 403
    assert score(signed_in("grid1"), checklist, form(items)).status_code == 403
    assert score(signed_in("manager2"), checklist, form(items)).status_code == 404
    assert post(signed_in("leader1"), f"/checklists/{checklist['id']}/inspections", form(items)).status_code == 404
    assert counts(conn, SCORE_TABLES) == before
    page = signed_in("head1").get(f"/checklists/{checklist['id']}/fill").get_data(as_text=True)
    assert f'action="/checklists/{checklist["id"]}/five-s"' in page and "data-five-s" in page


# ---- reading back: scope, trend, ranking ----

SEEN = {  # who reads which 5S pages of the gas company (充装班 scored, 抢修班 has the demo's year)
    "leader1": {"充装班": 200, "运行班": 404, "储配站": 404, "抢修班": 404, "enterprise": 404},
    "head1": {"充装班": 200, "运行班": 200, "储配站": 200, "抢修班": 404, "enterprise": 404},
    "manager1": {"充装班": 200, "运行班": 200, "储配站": 200, "抢修班": 200, "enterprise": 200},
    "grid1": {"充装班": 200, "运行班": 200, "储配站": 200, "抢修班": 200, "enterprise": 200},
    "supervisor": {"充装班": 200, "运行班": 200, "储配站": 200, "抢修班": 200, "enterprise": 200},
    "grid2": {"充装班": 404, "运行班": 404, "储配站": 404, "抢修班": 404, "enterprise": 404},
    "manager2": {"充装班": 404, "运行班": 404, "储配站": 404, "抢修班": 404, "enterprise": 404},
}


@pytest.mark.parametrize("who", SEEN)
def test_people_read_5s_scores_only_within_their_scope(conn, signed_in, filling, who):
    checklist, items = filling
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    score_id = score_of(score(signed_in("leader1"), checklist, form(items, {0: "1"})))
    shot = one(conn, "SELECT p.hash FROM photos p JOIN five_s_photos f ON f.photo_id = p.id"
                      " JOIN five_s_deductions d ON d.id = f.deduction_id WHERE d.score_id = ?", (score_id,))["hash"]
    client = signed_in(who)
    got = {name: client.get(f"/units/{unit_id(conn, name)}/five-s").status_code for name in SEEN[who] if
           name != "enterprise"}
    got["enterprise"] = client.get(f"/enterprises/{ent_id(conn)}/five-s").status_code
    assert got == SEEN[who]
    want = SEEN[who]["充装班"]
    assert client.get(f"/five-s/scores/{score_id}").status_code == want
    assert client.get(f"/five-s/scores/{score_id}/photos/{shot}/thumb.jpg").status_code == want
    assert client.get(f"/units/{unit_id(conn, '充装班')}/five-s/print").status_code == want


def test_a_photo_of_another_score_is_not_served_through_this_one(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    first = score_of(score(leader, checklist, form(items, {0: "1"})))
    second = score_of(score(leader, checklist, form(items, {0: "1"})))
    shot = one(conn, "SELECT p.hash FROM photos p JOIN five_s_photos f ON f.photo_id = p.id"
                      " JOIN five_s_deductions d ON d.id = f.deduction_id WHERE d.score_id = ?", (second,))["hash"]
    assert leader.get(f"/five-s/scores/{first}/photos/{shot}/thumb.jpg").status_code == 404
    assert leader.get(f"/five-s/scores/{second}/photos/{shot}/thumb.jpg").status_code == 200


def _at(conn, score_id, moment):
    """Date a score (and its inspection) as if made at `moment` (Beijing time)."""
    stamp = moment.astimezone(UTC).isoformat(timespec="seconds")
    conn.execute("UPDATE five_s_scores SET scored_at = ? WHERE id = ?", (stamp, score_id))


def test_the_trend_is_each_months_average_over_the_last_year_for_the_post_and_each_person(conn, signed_in, filling):
    checklist, items = filling
    leader = signed_in("leader1")
    today = due.local_now().date()
    made = []
    for deduction, person in (("2", None), ("4", None), ("1", "王五"), ("3", "王五")):
        data = form(items, {0: deduction}, **({"whom": "person", "person": person} if person else {}))
        made.append(score_of(score(leader, checklist, data)))
    # One of the post's scores and one of 王五's belong to last month; a score 13 months ago is out of the year.
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 15)
    _at(conn, made[1], datetime.combine(last_month, datetime.min.time(), due.TZ).replace(hour=10))
    _at(conn, made[3], datetime.combine(last_month, datetime.min.time(), due.TZ).replace(hour=11))
    old = score_of(score(leader, checklist, form(items, {0: "8"})))
    _at(conn, old, datetime.combine(date(today.year - 1, today.month, 1), datetime.min.time(), due.TZ))
    found = five_s.trends(conn, checklist["unit_id"], today)
    assert len(found["post"]) == 12 and found["post"][-1]["month"] == f"{today:%Y-%m}"
    assert [(m["average"], m["count"]) for m in found["post"][-2:]] == [(96.0, 1), (98.0, 1)]
    assert all(m["average"] is None for m in found["post"][:-2])
    assert [p["person"] for p in found["people"]] == ["王五"]
    assert [m["average"] for m in found["people"][0]["series"][-2:]] == [97.0, 99.0]
    page = text(leader.get(f"/units/{checklist['unit_id']}/five-s"))
    assert "98 分 · 最近一次" in page and "王五" in page and "99 分" in page


def test_the_chart_breaks_its_line_at_a_month_without_scores_and_scales_to_the_lowest_and_the_threshold():
    months = [{"month": f"2026-{m:02d}", "label": f"{m}月", "count": 1, "average": a}
              for m, a in zip(range(1, 6), (90, 85, None, 72, 95), strict=True)]
    drawn = five_s.chart(months, width=200, height=110, below=80)
    assert len(drawn["lines"]) == 2 and [len(line.split()) for line in drawn["lines"]] == [2, 2]
    assert drawn["low"] == 60 and [t["value"] for t in drawn["ticks"]] == [60, 70, 80, 90, 100]
    assert drawn["threshold"]["value"] == 80
    top, bottom = drawn["top"], drawn["bottom"]
    assert drawn["ticks"][-1]["y"] == top and drawn["ticks"][0]["y"] == bottom
    ys = {d["label"]: d["y"] for d in drawn["dots"]}
    assert ys["5月"] < ys["1月"] < ys["2月"] < ys["4月"]  # higher scores draw higher
    assert five_s.chart([dict(m, average=None) for m in months])["lines"] == []


def test_a_workshop_ranks_its_posts_and_its_people_by_their_latest_score(conn, signed_in):
    """The works' demo year: 机加工车间's posts and people in order, equal totals sharing a rank."""
    workshop = unit_id(conn, "机加工车间")
    standing = five_s.workshop(conn, workshop)
    latest = {p: five_s.latest(conn, unit_id(conn, p))["total"] for p in ("车床班", "冲压班")}
    assert [p["total"] for p in standing["posts"]] == sorted(latest.values(), reverse=True)
    assert [p["rank"] for p in standing["posts"]] == [1, 1 if len(set(latest.values())) == 1 else 2]
    assert len(standing["people"]) == 4 and {p["unit_name"] for p in standing["people"]} == {"车床班", "冲压班"}
    totals = [p["total"] for p in standing["people"]]
    assert totals == sorted(totals, reverse=True)
    assert standing["average"] == round(sum(latest.values()) / 2, 1)
    assert [s["rank"] for s in five_s._ranked([{"total": t, "unit_name": "x"} for t in (90, 95, 90, 80)])] == [1, 2,
                                                                                                            2, 4]
    page = text(signed_in("head2").get(f"/units/{workshop}/five-s"))
    assert "岗位排名" in page and "个人排名" in page and "庄班长（车床班）" in page
    everything = text(signed_in("manager2").get(f"/enterprises/{ent_id(conn, '晋江市恒力机械制造有限公司')}/five-s"))
    assert all(name in everything for name in ("机加工车间", "装配车间", "车床班", "冲压班", "焊接班", "装配班"))


def test_the_demo_year_shows_a_trend_of_every_month_for_each_scored_post(conn):
    found = five_s.trends(conn, unit_id(conn, "车床班"))
    assert all(m["average"] is not None for m in found["post"][:-1])
    assert [p["person"] for p in found["people"]] and len(found["people"]) == 2
    assert five_s.chart(found["post"], below=80)["lines"]


PAGES = ["/enterprises/{e2}/five-s", "/units/{workshop}/five-s", "/units/{post}/five-s", "/units/{post}/five-s/print",
         "/five-s/scores/{score}", "/checklists/{checklist}/fill"]


@pytest.mark.parametrize("url", PAGES)
def test_5s_pages_never_scan_a_big_table(conn, signed_in, url):
    """Every statement a 5S page runs is planned on an index, as the home pages' are (test_query_plans)."""
    post_id = unit_id(conn, "车床班")
    values = {"e2": ent_id(conn, "晋江市恒力机械制造有限公司"), "workshop": unit_id(conn, "机加工车间"),
              "post": post_id,
              "score": conn.execute("SELECT MAX(id) FROM five_s_scores WHERE unit_id = ?", (post_id,)).fetchone()[0],
              "checklist": checklists.five_s_of(conn, post_id)["id"]}
    client = signed_in("manager2")
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        answer = client.get(url.format(**values))
    finally:
        db.get().conn.set_trace_callback(None)
    assert answer.status_code == 200
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, "\n\n".join(f"{sql}\n  reads whole: {tables}" for sql, tables in bad)
