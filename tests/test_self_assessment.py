"""安全生产标准化自评 against GB/T 33000-2016: the library standard (eight elements, points adding up), the score
(points kept ÷ applicable points × 100, 不适用 counting in neither), evidence linked to each deduction, a failed item
raised as a hazard named after its item, and a submission that needs every item scored and every deduction proven —
each refusal in Chinese, changing nothing, and only the enterprise's manager scoring it."""

import re

import pytest

from anbiao import library
from anbiao import self_assessment as sa

from .loop_helpers import ent_id, post, upload

TABLES = ("self_assessments", "self_assessment_items", "self_assessment_evidence", "hazards", "hazard_photos",
          "photos", "audit_log")


def counts(conn) -> dict:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def draft(conn) -> dict:
    """The gas company's self-assessment under way (the demo's: 目标职责 scored, all 符合)."""
    found = conn.execute("SELECT id FROM self_assessments WHERE enterprise_id = ? AND submitted_at IS NULL",
                         (ent_id(conn),)).fetchone()
    return sa.get(conn, found[0])


def items_of(conn, assessment, element=None) -> list[dict]:
    found = sa.criteria(conn, assessment["library_doc_id"])
    return [i for i in found if element is None or i["element"] == element]


def element_form(items, answers=None) -> dict:
    """An element's form: every item 符合 unless `answers` {code: (result, points, note)} says otherwise."""
    data = {}
    for item in items:
        result, points, note = (answers or {}).get(item["code"], ("full", "", ""))
        data.update({f"result_{item['id']}": result, f"deduct_{item['id']}": points, f"note_{item['id']}": note})
    return data


def score_element(client, assessment, element, items, answers=None):
    return post(client, f"/self-assessments/{assessment['id']}/elements/{element}", element_form(items, answers))


# ---- the standard as data ----

def test_the_library_standard_holds_the_eight_elements_of_gbt_33000_and_points_adding_up_to_its_total(conn):
    doc = sa.standard(conn)
    items = sa.criteria(conn, doc["id"])
    assert [g["name"] for g in sa.elements(items)] == list(library.ELEMENTS.values()) == [
        "目标职责", "制度化管理", "教育培训", "现场管理", "安全风险管控及隐患排查治理", "应急管理", "事故管理",
        "持续改进"]
    assert sum(i["points"] for i in items) == 1000
    assert all(i["code"].startswith(i["element"] + ".") and i["points"] > 0 and i["section"] for i in items)
    assert "GB/T 33000-2016" in doc["source"]


def test_a_standard_whose_points_do_not_add_up_or_that_misses_an_element_is_refused_on_load(tmp_path):
    source = (library.ROOT / "reference" / "self_assessment.toml").read_text(encoding="utf-8")
    (tmp_path / "a.toml").write_text(source.replace("total = 1000", "total = 999"), encoding="utf-8")
    docs, problems = library.read(tmp_path)
    assert docs == [] and any("total 应为各条目 points 之和（现为 1000）" in p for p in problems)
    cut = re.sub(r'\[\[items\]\]\ncode = "5\.8\.1"(.|\n)*', "", source)
    (tmp_path / "a.toml").write_text(cut.replace("total = 1000", "total = 950"), encoding="utf-8")
    docs, problems = library.read(tmp_path)
    assert any("一级要素 5.8 没有任何条目" in p for p in problems), problems


# ---- the score ----

def test_the_score_is_points_kept_over_applicable_points_and_not_applicable_items_count_in_neither():
    items = [{"id": 1, "points": 20}, {"id": 2, "points": 30}, {"id": 3, "points": 50}]
    entered = {1: {"deducted": 5, "not_applicable": 0}, 2: {"deducted": 0, "not_applicable": 1},
               3: {"deducted": 10, "not_applicable": 0}}
    found = sa.tally(items, entered)
    assert (found["points"], found["applicable"], found["deducted"], found["kept"]) == (100, 70, 15, 55)
    assert found["score"] == round(55 / 70 * 100, 1) == 78.6
    assert sa.tally(items, {})["score"] == 100.0 and sa.tally(items, {})["entered"] == 0
    everything_na = {i["id"]: {"deducted": 0, "not_applicable": 1} for i in items}
    assert sa.tally(items, everything_na)["score"] is None


def test_the_manager_scores_an_element_and_its_score_and_the_whole_follow(conn, signed_in):
    manager = signed_in("manager1")
    a = draft(conn)
    items = items_of(conn, a, "5.7")  # 报告 15, 调查和处理 25, 管理 10
    response = score_element(manager, a, "5.7", items, {"5.7.1": ("deduct", "4.5", "事故报告程序未明确时限"),
                                                        "5.7.3": ("na", "", "本企业未发生事故")})
    assert response.status_code == 302
    found = sa.summary(conn, a)
    element = next(g for g in found["elements"] if g["code"] == "5.7")["tally"]
    assert (element["applicable"], element["kept"], element["score"]) == (40, 35.5, round(35.5 / 40 * 100, 1))
    assert found["tally"]["applicable"] == 990 and found["tally"]["deducted"] == 4.5
    page = text(manager.get(f"/self-assessments/{a['id']}"))
    assert "5.7 事故管理" in page and "88.8 分" in page


@pytest.mark.parametrize("answers, said", [
    ({}, "请选择 符合、扣分 或 不适用"),
    ({"5.7.1": ("deduct", "16", "原因")}, "扣分应在 0.5 到 15 分之间（本条 15 分）"),
    ({"5.7.1": ("deduct", "1.2", "原因")}, "扣分按 0.5 分一档"),
    ({"5.7.1": ("deduct", "2", "")}, "扣了分，请写明扣分原因"),
    ({"5.7.1": ("deduct", "两分", "原因")}, "扣分请填数字"),
])
def test_a_wrong_element_form_is_refused_item_by_item_and_changes_nothing(conn, signed_in, answers, said):
    manager = signed_in("manager1")
    a = draft(conn)
    items = items_of(conn, a, "5.7")
    data = element_form(items, answers)
    if not answers:
        data.pop(f"result_{items[0]['id']}")
    before = counts(conn)
    response = post(manager, f"/self-assessments/{a['id']}/elements/5.7", data)
    assert response.status_code == 422
    assert "5.7.1 报告" in text(response) and said in text(response)
    assert counts(conn) == before


def test_only_the_enterprise_manager_scores_and_a_workshop_head_does_not_see_the_self_assessment(conn, signed_in):
    a = draft(conn)
    items = items_of(conn, a, "5.7")
    assert score_element(signed_in("supervisor"), a, "5.7", items).status_code == 403
    assert score_element(signed_in("manager2"), a, "5.7", items).status_code == 404
    assert signed_in("head1").get(f"/self-assessments/{a['id']}").status_code == 404
    assert signed_in("supervisor").get(f"/self-assessments/{a['id']}/report").status_code == 200


# ---- evidence ----

def deducted(conn, manager, a, code="5.1.4", points="5", note="安全生产费用未建立使用台账"):
    element = code[:3]
    items = items_of(conn, a, element)
    assert score_element(manager, a, element, items, {code: ("deduct", points, note)}).status_code == 302
    return next(i for i in items if i["code"] == code)


def test_evidence_of_every_kind_is_linked_to_a_deduction(conn, signed_in):
    manager = signed_in("manager1")
    a = draft(conn)
    item = deducted(conn, manager, a)
    e1 = ent_id(conn)
    inspection = conn.execute("SELECT MAX(id) FROM inspections WHERE enterprise_id = ?", (e1,)).fetchone()[0]
    hazard = conn.execute("SELECT id FROM hazards WHERE enterprise_id = ? ORDER BY id", (e1,)).fetchone()[0]
    url = f"/self-assessments/{a['id']}/items/{item['id']}/evidence"
    for data in ({"kind": "inspection", "ref_inspection": str(inspection)},
                 {"kind": "hazard", "ref_hazard": str(hazard)},
                 {"kind": "document", "note": "《安全生产费用提取使用台账》2024 年"},
                 {"kind": "photo", "photo": upload(), "note": "台账现场照片"}):
        assert post(manager, url, data).status_code == 302
    linked = sa.evidence_of(conn, a["id"])[item["id"]]
    assert [v["kind"] for v in linked] == ["inspection", "hazard", "document", "photo"]
    assert linked[0]["ref_id"] == inspection and linked[1]["ref_id"] == hazard and linked[3]["photo_hash"]
    page = manager.get(f"/self-assessments/{a['id']}/items/{item['id']}")
    assert "《安全生产费用提取使用台账》2024 年" in text(page)
    photo_url = f"/self-assessments/{a['id']}/photos/{linked[3]['photo_hash']}/thumb.jpg"
    assert photo_url in page.get_data(as_text=True)
    assert manager.get(photo_url).status_code == 200
    assert signed_in("manager2").get(photo_url).status_code == 404


@pytest.mark.parametrize("data, said", [
    ({}, "请选择证据类型"),
    ({"kind": "document"}, "请写明文件资料的名称、编号或页码"),
    ({"kind": "photo"}, "请拍照或选择照片"),
    ({"kind": "hazard", "ref_hazard": "OTHER"}, "请从本企业的隐患中选择一条"),
    ({"kind": "inspection", "ref_inspection": "OTHER"}, "请从本企业的检查记录中选择一条"),
])
def test_evidence_that_does_not_hold_is_refused_and_another_enterprises_record_is_not_evidence(conn, signed_in,
                                                                                               data, said):
    manager = signed_in("manager1")
    a = draft(conn)
    item = deducted(conn, manager, a)
    other = ent_id(conn, "晋江市恒力机械制造有限公司")
    table = "hazards" if data.get("ref_hazard") else "inspections"
    for key in ("ref_hazard", "ref_inspection"):
        if data.get(key) == "OTHER":
            data = {**data, key: str(conn.execute(f"SELECT id FROM {table} WHERE enterprise_id = ?",
                                                  (other,)).fetchone()[0])}
    before = counts(conn)
    response = post(manager, f"/self-assessments/{a['id']}/items/{item['id']}/evidence", data)
    assert response.status_code == 422 and said in text(response)
    assert counts(conn) == before


def test_evidence_goes_only_on_a_deduction(conn, signed_in):
    manager = signed_in("manager1")
    a = draft(conn)
    item = items_of(conn, a, "5.1")[0]  # scored 符合 in the demo
    response = post(manager, f"/self-assessments/{a['id']}/items/{item['id']}/evidence",
                    {"kind": "document", "note": "目标责任书"})
    assert response.status_code == 422 and "本条没有扣分" in text(response)


# ---- a failed item becomes a hazard ----

def test_a_failed_item_becomes_a_hazard_named_after_its_item_with_the_evidence_photo(conn, signed_in):
    manager = signed_in("manager1")
    a = draft(conn)
    item = deducted(conn, manager, a, "5.4.4", "10", "储配站入口未设置禁止烟火警示标志")
    url = f"/self-assessments/{a['id']}/items/{item['id']}"
    assert post(manager, url + "/evidence", {"kind": "photo", "photo": upload()}).status_code == 302
    unit = conn.execute("SELECT id FROM units WHERE name = '储配站'").fetchone()[0]
    response = post(manager, url + "/hazard", {"unit_id": str(unit), "description": "储配站入口未设置禁止烟火警示标志",
                                               "category": "thing", "level": "general"})
    assert response.status_code == 302
    hazard_id = int(re.search(r"/hazards/(\d+)", response.headers["Location"]).group(1))
    hazard = dict(conn.execute("SELECT * FROM hazards WHERE id = ?", (hazard_id,)).fetchone())
    assert hazard["source"] == "report" and hazard["status"] == "reported" and hazard["unit_id"] == unit
    assert hazard["description"] == "标准化自评 5.4.4 警示标志：储配站入口未设置禁止烟火警示标志"
    evidence_photo = conn.execute("SELECT photo_id FROM self_assessment_evidence WHERE assessment_id = ?"
                                  " AND library_item_id = ?", (a["id"], item["id"])).fetchone()[0]
    assert [r[0] for r in conn.execute("SELECT photo_id FROM hazard_photos WHERE hazard_id = ?", (hazard_id,))] == [
        evidence_photo]
    assert sa.entries(conn, a["id"])[item["id"]]["hazard_id"] == hazard_id
    assert [h["id"] for h in sa.raised(conn, a["id"])] == [hazard_id]
    # One hazard per item: a second is refused, changing nothing.
    before = counts(conn)
    again = post(manager, url + "/hazard", {"category": "thing", "level": "general"})
    assert again.status_code == 422 and counts(conn) == before


def test_a_hazard_needs_a_photo_and_a_category_and_a_full_item_cannot_be_raised(conn, signed_in):
    manager = signed_in("manager1")
    a = draft(conn)
    item = deducted(conn, manager, a)
    url = f"/self-assessments/{a['id']}/items/{item['id']}/hazard"
    before = counts(conn)
    no_photo = post(manager, url, {"category": "management", "level": "general"})
    assert no_photo.status_code == 422 and "请拍照或上传隐患照片" in text(no_photo)
    no_category = post(manager, url, {"level": "general", "photos": upload()})
    assert no_category.status_code == 422 and "请选择隐患类别" in text(no_category)
    full = items_of(conn, a, "5.1")[0]
    refused = post(manager, f"/self-assessments/{a['id']}/items/{full['id']}/hazard",
                   {"category": "thing", "level": "general", "photos": upload()})
    assert refused.status_code == 422 and "本条没有扣分，不能列为隐患" in text(refused)
    assert counts(conn) == before


# ---- submitting ----

def score_everything(conn, manager, a):
    for code in library.ELEMENTS:
        assert score_element(manager, a, code, items_of(conn, a, code)).status_code == 302


def test_submitting_needs_every_item_scored_every_deduction_proven_and_the_confirmation(conn, signed_in):
    manager = signed_in("manager1")
    a = draft(conn)
    submit = f"/self-assessments/{a['id']}/submit"
    before = counts(conn)
    response = post(manager, submit, {"confirm": "1"})
    assert response.status_code == 422 and "5.2 制度化管理：还有 6 条未评分" in text(response)
    score_everything(conn, manager, a)
    item = deducted(conn, manager, a, "5.3.2.2", "8", "两名新员工三级教育记录缺失")
    unproven = post(manager, submit, {"confirm": "1"})
    assert unproven.status_code == 422 and "5.3.2.2 从业人员：扣了分，请附上证据" in text(unproven)
    assert post(manager, f"/self-assessments/{a['id']}/items/{item['id']}/evidence",
                {"kind": "document", "note": "新员工三级教育卡（2 人缺）"}).status_code == 302
    unconfirmed = post(manager, submit, {})
    assert unconfirmed.status_code == 422 and "请勾选确认" in text(unconfirmed)
    assert conn.execute("SELECT submitted_at FROM self_assessments WHERE id = ?", (a["id"],)).fetchone()[0] is None
    assert post(manager, submit, {"confirm": "1"}).status_code == 302
    row = dict(conn.execute("SELECT * FROM self_assessments WHERE id = ?", (a["id"],)).fetchone())
    assert (row["score"], row["full_score"]) == (99.2, 1000) and row["submitted_at"]
    assert counts(conn)["audit_log"] > before["audit_log"]
    # Frozen: no more scores or evidence.
    after = counts(conn)
    frozen = score_element(manager, a, "5.1", items_of(conn, a, "5.1"))
    assert frozen.status_code == 422 and "自评已提交" in text(frozen)
    assert counts(conn) == after


def test_submitting_makes_an_enterprise_with_no_status_self_assessed(conn, signed_in):
    e1 = ent_id(conn)
    conn.execute("UPDATE enterprises SET standard_status = 'none', standard_grade = NULL WHERE id = ?", (e1,))
    manager = signed_in("manager1")
    a = draft(conn)
    score_everything(conn, manager, a)
    assert post(manager, f"/self-assessments/{a['id']}/submit", {"confirm": "1"}).status_code == 302
    assert conn.execute("SELECT standard_status FROM enterprises WHERE id = ?", (e1,)).fetchone()[0] == "self_assessed"


def test_starting_needs_the_standard_confirmed_and_continues_an_open_one(conn, signed_in):
    manager = signed_in("manager1")
    e1 = ent_id(conn)
    before = counts(conn)
    assert post(manager, f"/enterprises/{e1}/self-assessments/new", {}).status_code == 422
    assert counts(conn) == before
    doc = sa.standard(conn)
    response = post(manager, f"/enterprises/{e1}/self-assessments/new", {"library_doc_id": str(doc["id"])})
    assert response.headers["Location"].endswith(f"/self-assessments/{draft(conn)['id']}")
    assert counts(conn) == before
    page = text(manager.get(f"/enterprises/{e1}/self-assessments"))
    assert "继续未提交的自评" in page


def test_the_enterprise_file_links_its_self_assessments_and_gradings(conn, signed_in):
    page = signed_in("manager1").get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
    assert f"/enterprises/{ent_id(conn)}/self-assessments" in page
    assert f"/enterprises/{ent_id(conn)}/gradings" in page


@pytest.mark.parametrize("page", ["", "/elements/5.4", "/items/{item}", "/report"])
def test_the_self_assessment_pages_read_no_big_table_whole(conn, signed_in, page):
    from anbiao import db

    client = signed_in("manager1")
    a = draft(conn)
    item = deducted(conn, client, a)
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        assert client.get(f"/self-assessments/{a['id']}" + page.format(item=item["id"])).status_code == 200
    finally:
        db.get().conn.set_trace_callback(None)
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, bad


def test_a_resent_element_form_saves_once_and_answers_the_same(conn, signed_in):
    """Sent again from the outbox with its key, the same scores answer the first result and change nothing."""
    manager = signed_in("manager1")
    a = draft(conn)
    items = items_of(conn, a, "5.8")
    data = {**element_form(items, {"5.8.1": ("deduct", "3", "年度自评未向从业人员公示")}), "idempotency_key": "k" * 20}
    first = post(manager, f"/self-assessments/{a['id']}/elements/5.8", data)
    before = counts(conn)
    again = post(manager, f"/self-assessments/{a['id']}/elements/5.8", data)
    assert (again.status_code, again.headers["Location"]) == (first.status_code, first.headers["Location"])
    assert again.headers.get("Idempotent-Replay") == "true" and counts(conn) == before
