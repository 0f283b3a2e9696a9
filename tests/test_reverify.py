"""回头看: the replayable draw of closed hazards, the revisit with a new photo, a failed fix reopening its hazard into
the loop, the share that failed, town scope, and the departments' own 回头看 checklist in the library."""

import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from anbiao import checklists, db, hazards, library, reverify
from anbiao.due import local_now

from .loop_helpers import (
    assign,
    call_off_draws,
    ent_id,
    events,
    key,
    photo,
    post,
    rectify,
    reported,
    stages,
    uid,
    upload,
    verify,
)

TODAY = local_now().date()


def closed(leader, head, manager, conn, **kwargs) -> int:
    """A hazard taken round the whole loop to 已闭环 at enterprise 1."""
    hazard_id = reported(leader, conn, **kwargs)
    assert assign(head, conn, hazard_id).status_code == 302
    assert rectify(leader, hazard_id).status_code == 302
    assert verify(manager, hazard_id).status_code == 302
    return hazard_id


def closed_on(conn, hazard_id, days_ago: int) -> None:
    """Move a hazard's closing back by some days (as if it had been closed then)."""
    day = TODAY - timedelta(days=days_ago)
    conn.execute("UPDATE hazards SET closed_at = ? WHERE id = ?", (f"{day.isoformat()}T04:00:00+00:00", hazard_id))


def period(days=30) -> dict:
    return {"start": (TODAY - timedelta(days=days)).isoformat(), "end": TODAY.isoformat()}


def draw_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/reverify/draws/(\d+)$", response.headers["Location"]).group(1))


def sampled(conn, draw_id) -> list[int]:
    return [r[0] for r in conn.execute("SELECT hazard_id FROM reverifications WHERE draw_id = ? ORDER BY id",
                                       (draw_id,))]


def visit_id(conn, draw_id, hazard_id) -> int:
    return conn.execute("SELECT id FROM reverifications WHERE draw_id = ? AND hazard_id = ?",
                        (draw_id, hazard_id)).fetchone()[0]


def revisit(client, visit, verdict="failed", note="灭火器又被挪走，压力表指针在红区", photos=True, **extra):
    data = {"verdict": verdict, "note": note, **extra}
    if photos:
        data["photos"] = upload()
    return post(client, f"/reverify/visits/{visit}", data)


def status(conn, hazard_id) -> str:
    return conn.execute("SELECT status FROM hazards WHERE id = ?", (hazard_id,)).fetchone()[0]


@pytest.fixture
def supervisor(signed_in):
    return signed_in("supervisor")


@pytest.fixture
def grid1(signed_in):
    return signed_in("grid1")


# The draw.

def test_the_same_seed_and_population_give_the_same_sample_and_other_seeds_differ():
    """Replayable: random.Random(seed) over the sorted ids; the population's order does not matter."""
    ids = list(range(1, 501))
    first = reverify.sample(ids, 20, "a1b2c3")
    assert reverify.sample(list(reversed(ids)), 20, "a1b2c3") == first
    assert len(set(first)) == 20 and set(first) <= set(ids)
    assert reverify.sample(ids, 20, "ffffff") != first
    assert sorted(reverify.sample([3, 1, 2], 10, "x")) == [1, 2, 3]  # never more than there are


def test_a_kept_draw_replays_to_the_hazards_it_sent_out(supervisor, conn, leader, head, manager):
    """The draw keeps its seed and population; replaying them gives exactly the sampled hazards, in order."""
    for _ in range(4):
        closed(leader, head, manager, conn)
    draw_id = draw_of(post(supervisor, "/reverify/draws", {**period(), "size": "3"}))
    kept = db.one(conn, "SELECT * FROM reverify_draws WHERE id = ?", (draw_id,))
    assert len(kept["seed"]) == 32
    assert len(sampled(conn, draw_id)) == 3
    assert reverify.replay(kept) == sampled(conn, draw_id)
    assert reverify.sample(json.loads(kept["population_ids"]), 3, kept["seed"]) == sampled(conn, draw_id)
    page = supervisor.get(f"/reverify/draws/{draw_id}").get_data(as_text=True)
    assert kept["seed"] in page.replace("<wbr>", "") and "按种子重放结果一致" in page


def test_only_hazards_closed_in_the_period_and_in_scope_are_drawn(supervisor, signed_in, conn, leader, head,
                                                                   manager):
    """Open hazards, hazards closed before the period, and (for a town) other towns' hazards are never drawn."""
    inside = closed(leader, head, manager, conn)
    before = closed(leader, head, manager, conn)
    closed_on(conn, before, 40)
    still_open = reported(leader, conn)
    other_town = conn.execute("SELECT id FROM hazards WHERE enterprise_id = ? AND status = 'closed'",
                              (ent_id(conn, "晋江市恒力机械制造有限公司"),)).fetchone()[0]
    closed_on(conn, other_town, 3)
    city = draw_of(post(supervisor, "/reverify/draws", {**period(), "size": "200"}))
    population = json.loads(db.one(conn, "SELECT population_ids FROM reverify_draws WHERE id = ?",
                                   (city,))["population_ids"])
    assert inside in population and other_town in population
    assert before not in population and still_open not in population
    assert all(status(conn, h) == "closed" for h in population)
    assert sorted(sampled(conn, city)) == sorted(population)  # 200 is more than there are: all of them
    town = draw_of(post(signed_in("town1"), "/reverify/draws", {**period(), "size": "200"}))
    town_ids = sampled(conn, town)
    assert inside in town_ids and other_town not in town_ids
    assert {e for (e,) in conn.execute(
        f"SELECT DISTINCT enterprise_id FROM hazards WHERE id IN ({','.join(map(str, town_ids))})")} == {
        ent_id(conn)}
    narrowed = draw_of(post(supervisor, "/reverify/draws", {**period(), "size": "200", "industry": "工贸"}))
    assert sampled(conn, narrowed) == [other_town]


@pytest.mark.parametrize("form, message", [
    ({}, "请填写抽查期间的开始日期"),
    ({"start": "2024-02-01", "end": "2024-01-01", "size": "5"}, "开始日期不能晚于结束日期"),
    ({"start": "2024-01-01", "end": (TODAY + timedelta(days=1)).isoformat(), "size": "5"}, "结束日期不能晚于今天"),
    ({"start": "2024-01-01", "end": "2024-01-31", "size": "0"}, "抽取数量请填写 1 到 200 之间的整数"),
    ({"start": "2024-01-01", "end": "2024-01-31", "size": "5", "industry": "化工"}, "请从列表中选择行业领域"),
    ({"start": "2000-01-01", "end": "2000-01-31", "size": "5"}, "没有已闭环的隐患"),
])
def test_a_bad_draw_gets_a_chinese_reason_and_changes_nothing(supervisor, conn, form, message):
    """Each refusal says why, beside the form, and no draw is kept."""
    response = post(supervisor, "/reverify/draws", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM reverify_draws").fetchone()[0] == 1  # the demo's


def test_only_those_who_draw_may_draw(signed_in, conn):
    """A grid worker and enterprise staff are refused; nothing is kept."""
    for who in ("grid1", "manager1"):
        assert post(signed_in(who), "/reverify/draws", {**period(), "size": "5"}).status_code == 403
    assert conn.execute("SELECT COUNT(*) FROM reverify_draws").fetchone()[0] == 1


# The revisit.

@pytest.fixture
def drawn(supervisor, conn, leader, head, manager):
    """A hazard closed today at 充装班 and a draw that picked it (and the demo's other closed hazards)."""
    hazard_id = closed(leader, head, manager, conn)
    draw_id = draw_of(post(supervisor, "/reverify/draws", {**period(), "size": "200"}))
    return draw_id, hazard_id


def test_a_revisit_needs_a_new_photo(grid1, conn, drawn):
    """No photo, or the fix's own after-photo sent again: refused, the hazard stays closed, nothing is recorded."""
    draw_id, hazard_id = drawn
    visit = visit_id(conn, draw_id, hazard_id)
    before = events(conn, hazard_id)
    response = revisit(grid1, visit, photos=False)
    assert response.status_code == 422 and "请拍摄复查现场照片" in response.get_data(as_text=True)
    assert status(conn, hazard_id) == "closed" and events(conn, hazard_id) == before
    assert db.one(conn, "SELECT held FROM reverifications WHERE id = ?", (visit,))["held"] is None

    class Same:  # the fix's after-photo sent again (the check is on the content's hash)
        hash = hazards.pictures(conn, hazard_id)["after"][0]["hash"]

    with pytest.raises(ValueError, match="不能沿用"):
        hazards.revisit(conn, hazards.get(conn, hazard_id), held=True, note="", evidence=[Same()],
                        by=uid(conn, "grid1"))
    assert status(conn, hazard_id) == "closed" and events(conn, hazard_id) == before


def test_a_failed_fix_without_a_description_is_refused(grid1, conn, drawn):
    """整改失效 must say what was found."""
    draw_id, hazard_id = drawn
    response = revisit(grid1, visit_id(conn, draw_id, hazard_id), note="")
    assert response.status_code == 422 and "整改失效须写明现场情况" in response.get_data(as_text=True)
    assert status(conn, hazard_id) == "closed"


def test_a_fix_that_held_keeps_the_hazard_closed(grid1, conn, drawn):
    """整改有效: a 'reverify_held' event with the new photo as verification evidence; still closed."""
    draw_id, hazard_id = drawn
    response = revisit(grid1, visit_id(conn, draw_id, hazard_id), verdict="held", note="")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hazards/{hazard_id}")
    assert status(conn, hazard_id) == "closed"
    assert events(conn, hazard_id)[-1] == "reverify_held" and stages(conn, hazard_id)[-1] == "verify"
    row = db.one(conn, "SELECT * FROM reverifications WHERE draw_id = ? AND hazard_id = ?", (draw_id, hazard_id))
    assert row["held"] == 1 and row["verified_by"] == uid(conn, "grid1") and row["event_id"]
    again = revisit(grid1, row["id"], verdict="failed")
    assert again.status_code == 422 and "已复查" in again.get_data(as_text=True)


def test_a_failed_fix_reopens_the_hazard_and_the_loop_runs_again(grid1, conn, drawn, leader, head, manager):
    """整改失效: back to 待分派 with a 'reopen' event; assigned, rectified (with a new photo, not the old one) and
    verified again to 已闭环."""
    draw_id, hazard_id = drawn
    response = revisit(grid1, visit_id(conn, draw_id, hazard_id))
    assert response.status_code == 302
    hazard = db.one(conn, "SELECT * FROM hazards WHERE id = ?", (hazard_id,))
    assert hazard["status"] == "reported" and hazard["closed_at"] is None and hazard["verified_by"] is None
    assert events(conn, hazard_id)[-1] == "reopen" and stages(conn, hazard_id)[-1] == "verify"
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'hazard' AND entity_id = ?"
                        " AND action = 'reopen'", (hazard_id,)).fetchone()[0] == 1
    # Back in the loop: the manager sees it to assign; the owner fixes it; someone else accepts it.
    home = manager.get("/").get_data(as_text=True)
    assert f'href="/hazards/{hazard_id}"' in home
    assert assign(head, conn, hazard_id).status_code == 302
    assert rectify(leader, hazard_id).status_code == 302
    assert verify(manager, hazard_id).status_code == 302
    assert status(conn, hazard_id) == "closed"
    assert events(conn, hazard_id)[-4:] == ["reopen", "assign", "rectify", "verify_pass"]


def test_a_reopened_hazard_refuses_the_old_after_photo(grid1, conn, drawn, leader, head):
    """整改靠补拍: the photo of the fix that did not hold cannot be sent again as the new fix."""
    draw_id, hazard_id = drawn
    assert revisit(grid1, visit_id(conn, draw_id, hazard_id)).status_code == 302
    assert assign(head, conn, hazard_id).status_code == 302
    old = hazards.pictures(conn, hazard_id)["after"][0]["hash"]
    class Same:  # the old photo's content again (what matters to the check is its hash)
        hash = old

    with pytest.raises(ValueError, match="不能沿用原来的照片"):
        hazards.rectify(conn, hazards.get(conn, hazard_id), note="重新整改", after=[Same()], by=uid(conn, "leader1"))
    assert status(conn, hazard_id) == "assigned"


def test_the_hazard_page_shows_the_old_fix_beside_the_revisit(grid1, manager, conn, drawn):
    """The reopened hazard's page sets the fix's after-photos beside the revisit's, each with its times."""
    draw_id, hazard_id = drawn
    assert revisit(grid1, visit_id(conn, draw_id, hazard_id)).status_code == 302
    page = manager.get(f"/hazards/{hazard_id}").get_data(as_text=True)
    section = page[page.index('class="card revisit"'):]
    section = section[:section.index("</section>")]
    assert "回头看复查：整改失效，已重新打开" in section
    assert "原整改后" in section and "回头看复查" in section
    hashes = dict(conn.execute("SELECT hp.stage, p.hash FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                               " WHERE hp.hazard_id = ? AND hp.stage IN ('after', 'verify')", (hazard_id,)))
    assert section.index(hashes["after"]) < section.index(hashes["verify"])
    assert section.count("拍摄") == 2 and section.count("上传") == 2
    assert "回头看：整改失效，重新打开" in page  # the timeline names the event


def test_a_retried_revisit_is_recorded_once(grid1, conn, drawn):
    """The same idempotency key sent twice (a phone's outbox retrying) reopens the hazard once."""
    draw_id, hazard_id = drawn
    data = {"verdict": "failed", "note": "又坏了", "idempotency_key": key()}
    visit = visit_id(conn, draw_id, hazard_id)
    shot = photo()
    first = post(grid1, f"/reverify/visits/{visit}", {**data, "photos": upload(shot)})
    second = post(grid1, f"/reverify/visits/{visit}", {**data, "photos": upload(shot)})
    assert first.status_code == second.status_code == 302
    assert events(conn, hazard_id).count("reopen") == 1


def test_the_grid_worker_sees_the_revisit_on_home_and_the_enterprise_does_not(grid1, signed_in, conn, drawn):
    """回访 is the grid worker's task; the enterprise is not told which of its hazards were drawn."""
    draw_id, hazard_id = drawn
    visit = visit_id(conn, draw_id, hazard_id)
    assert f"/reverify/visits/{visit}" in grid1.get("/").get_data(as_text=True)
    manager = signed_in("manager1")
    assert f"/reverify/visits/{visit}" not in manager.get("/").get_data(as_text=True)
    assert f"/reverify/visits/{visit}" not in manager.get("/reverify").get_data(as_text=True)
    assert manager.get(f"/reverify/visits/{visit}").status_code == 404
    call_off_draws(conn)  # the demo's 双随机 draw sends grid2 to this enterprise
    assert signed_in("grid2").get(f"/reverify/visits/{visit}").status_code == 404


# The share that failed.

def test_the_share_that_failed_is_counted_per_draw_and_per_enterprise(supervisor, signed_in, grid1, conn, leader,
                                                                       head, manager):
    """Two of enterprise 1's three revisited hazards failed (67 %), enterprise 2's one held (0 %): 2 of 4 overall."""
    ours = [closed(leader, head, manager, conn) for _ in range(3)]
    draw_id = draw_of(post(supervisor, "/reverify/draws", {**period(), "size": "200"}))
    theirs = [h for h in sampled(conn, draw_id) if h not in ours]
    for hazard_id, verdict in zip(ours, ("failed", "failed", "held"), strict=True):
        assert revisit(grid1, visit_id(conn, draw_id, hazard_id), verdict=verdict).status_code == 302
    grid2 = signed_in("grid2")
    e2 = ent_id(conn, "晋江市恒力机械制造有限公司")
    e2_hazards = [h for h in theirs if db.one(conn, "SELECT enterprise_id FROM hazards WHERE id = ?",
                                               (h,))["enterprise_id"] == e2]
    assert revisit(grid2, visit_id(conn, draw_id, e2_hazards[0]), verdict="held").status_code == 302
    share = reverify.shares(reverify.of_draw(conn, db.one(conn, "SELECT * FROM users WHERE username = 'supervisor'"),
                                             draw_id))
    assert (share["done"], share["failed"]) == (4, 2) and share["share"] == pytest.approx(0.5)
    per = {e["enterprise_id"]: e for e in share["by_enterprise"]}
    assert (per[ent_id(conn)]["done"], per[ent_id(conn)]["failed"]) == (3, 2)
    assert per[ent_id(conn)]["share"] == pytest.approx(2 / 3) and per[e2]["share"] == 0
    assert share["by_enterprise"][0]["enterprise_id"] == ent_id(conn)  # the worst first
    page = supervisor.get(f"/reverify/draws/{draw_id}").get_data(as_text=True)
    assert "失效比例 <strong>50%</strong>（2/4）" in page
    assert "整改失效 2/3 · 67%" in page and "整改失效 0/1 · 0%" in page


# Town scope.

def test_a_town_sees_only_its_own_part_of_a_draw(supervisor, signed_in, conn, drawn):
    """town1 (东海街道) reads the city's draw with only enterprise 1's rows; a draw of only another town's
    hazards does not exist for it; it cannot revisit another town's hazard."""
    draw_id, hazard_id = drawn
    town = signed_in("town1")
    page = town.get(f"/reverify/draws/{draw_id}").get_data(as_text=True)
    assert "泉州市安泰燃气有限公司" in page and "晋江市恒力机械制造有限公司" not in page
    works = draw_of(post(supervisor, "/reverify/draws", {**period(), "size": "200", "industry": "工贸"}))
    assert town.get(f"/reverify/draws/{works}").status_code == 404
    other = sampled(conn, works)[0]
    assert town.get(f"/reverify/visits/{visit_id(conn, works, other)}").status_code == 404
    listed = town.get("/reverify").get_data(as_text=True)
    assert f"/reverify/draws/{draw_id}" in listed and f"/reverify/draws/{works}" not in listed


# Pages read indexes.

def test_the_revisit_lists_and_the_draw_read_indexes(conn, drawn):
    """A grid worker's waiting revisits, a draw's rows, the list of draws and a draw's population (hazards closed in
    the period, through hazards_closed) are found through indexes, never by reading hazards whole."""
    grid = db.one(conn, "SELECT * FROM users WHERE username = 'grid1'")
    statements = []
    conn.conn.set_trace_callback(statements.append)
    try:
        reverify.due_for(conn, grid)
        reverify.of_draw(conn, grid, drawn[0])
        for who in ("town1", "supervisor"):
            user = db.one(conn, "SELECT * FROM users WHERE username = ?", (who,))
            reverify.draws_for(conn, user)
            reverify.population(conn, user, {**period(), "size": 10, "level": "general"})
    finally:
        conn.conn.set_trace_callback(None)
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, bad


# The departments' 回头看 in the library.

def test_the_government_lookback_is_in_the_library_as_its_own_tier(conn):
    """Seed 004's first part: 22 细则 under 15 内容 in 4 项目, tier lookback_gov, valid for `library check`."""
    docs, problems = library.read()
    doc = next(d for _, d, _ in docs if d["code"] == "lookback-government")
    assert not [p for p in problems if "government" in p]
    assert doc["tier"] == "lookback_gov" and doc["kind"] == "checklist"
    assert len(doc["items"]) == 22
    assert len({i["section"] for i in doc["items"]}) == 15
    assert {i["section"].split(" / ")[0] for i in doc["items"]} == {"一、整体统筹", "二、“两化”融合", "三、宣传发动",
                                                                    "四、执法激励约束"}
    assert doc["items"][-1]["content"].startswith("开展标准化专项执法检查，“回头看”期间，每月25日前")


def test_an_enterprise_cannot_adopt_the_government_lookback(conn):
    """It is the departments' self-check, not an enterprise checklist."""
    doc = db.one(conn, "SELECT * FROM library_docs WHERE code = 'lookback-government'")
    ent = db.one(conn, "SELECT * FROM enterprises WHERE id = ?", (ent_id(conn),))
    with pytest.raises(ValueError):
        checklists.adopt(conn, ent, doc["id"])


def test_the_government_lookback_exports_as_the_sheet_departments_fill(supervisor, signed_in, conn):
    """xlsx with the original's five columns, 存在问题 and 备注 blank, A4 landscape; a team leader cannot read it."""
    doc_id = db.one(conn, "SELECT id FROM library_docs WHERE code = 'lookback-government'")["id"]
    response = supervisor.get(f"/reverify/lookback/{doc_id}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[3]] == ["项目", "“回头看”内容", "“回头看”细则", "存在问题", "备注"]
    assert sheet.max_row == 3 + 22
    assert sheet.cell(row=4, column=1).value == "一、整体统筹"
    assert all(sheet.cell(row=r, column=4).value is None for r in range(4, 26))
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert "/reverify/lookback/" in supervisor.get("/reverify").get_data(as_text=True)
    assert f"/reverify/lookback/{doc_id}.xlsx" in supervisor.get(f"/library/{doc_id}").get_data(as_text=True)
    assert signed_in("leader1").get(f"/reverify/lookback/{doc_id}.xlsx").status_code == 404


def test_revisit_pages_load_only_the_scripts_their_markup_needs(app, signed_in, conn, drawn):
    """The forms bundle where a data-submit form is (a new draw, an open revisit), nothing more elsewhere."""
    from .test_light_pages import needed, scripts

    draw_id, hazard_id = drawn
    visit = visit_id(conn, draw_id, hazard_id)
    grid1, supervisor = signed_in("grid1"), signed_in("supervisor")
    done = visit_id(conn, draw_id, next(h for h in sampled(conn, draw_id) if h != hazard_id))
    assert revisit(signed_in("admin"), done, verdict="held").status_code == 302
    for who, path in ((supervisor, "/reverify"), (grid1, "/reverify"), (grid1, f"/reverify/visits/{visit}"),
                      (supervisor, f"/reverify/draws/{draw_id}"), (supervisor, f"/reverify/visits/{done}")):
        html = who.get(path).get_data(as_text=True)
        assert scripts(app, html) == needed(html), path
