"""The unit tree and the three-tier checklists over HTTP: adopt, adapt (一企一策), derive, assign."""

import json
import re

import pytest

from anbiao import accounts, credit_code

from .conftest import PASSWORD

GAS = "泉州市安泰燃气有限公司"
GONGMAO = "晋江市恒力机械制造有限公司"


def one(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()


def ent(conn, name):
    return one(conn, "SELECT id FROM enterprises WHERE name = ?", (name,))[0]


def unit(conn, name):
    return one(conn, "SELECT id FROM units WHERE name = ? AND archived_at IS NULL", (name,))[0]


def user(conn, username):
    return one(conn, "SELECT id FROM users WHERE username = ?", (username,))[0]


def card(conn, unit_name):
    """The active checklist of a unit (its register or card)."""
    return one(conn, "SELECT id FROM checklists WHERE unit_id = ? AND archived_at IS NULL ORDER BY id",
               (unit(conn, unit_name),))[0]


def enterprise_checklist(conn, name):
    return one(conn, "SELECT id FROM checklists WHERE enterprise_id = ? AND tier = 'enterprise'", (ent(conn, name),))[0]


def items(conn, checklist_id):
    return conn.execute("SELECT * FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL "
                        "ORDER BY position, id", (checklist_id,)).fetchall()


def library_doc(conn, code):
    return one(conn, "SELECT id FROM library_docs WHERE code = ? ORDER BY version DESC", (code,))[0]


def state(conn):
    """What a refused request must leave exactly as it was."""
    return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY id")]
            for t in ("units", "checklists", "checklist_items", "audit_log", "enterprises")}


def text(response):
    return response.get_data(as_text=True)


def tree_names(html):
    """The unit names the tree shows (read rows only, not the unit open for editing)."""
    return re.findall(r'class="tree-name">([^<]+)<small', html)


# ---- the unit tree ----

def test_manager_adds_renames_and_archives_a_workshop_and_post(signed_in, conn):
    """manager1 adds a workshop and a post under it, renames the post, archives both; the tree follows."""
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    base = f"/enterprises/{e1}/units"
    assert manager.post(f"{base}/add", {"kind": "workshop", "name": "危废库"}).status_code == 302
    workshop = unit(conn, "危废库")
    assert manager.post(f"{base}/add", {"kind": "post", "parent_id": workshop, "name": "危废班"}).status_code == 302
    post = unit(conn, "危废班")
    assert tuple(one(conn, "SELECT parent_id, kind, enterprise_id FROM units WHERE id = ?", (post,))) == (
        workshop, "post", e1)
    page = text(manager.post(f"{base}/{post}/rename", {"name": "危废管理班"}, follow_redirects=True))
    assert "已改名" in page and "危废管理班" in tree_names(page) and "危废班" not in tree_names(page)
    assert one(conn, "SELECT name FROM units WHERE id = ?", (post,))[0] == "危废管理班"
    rename = one(conn, "SELECT detail FROM audit_log WHERE entity = 'unit' AND entity_id = ? AND action = 'rename'",
                 (post,))
    assert json.loads(rename[0]) == {"from": "危废班", "to": "危废管理班"}

    page = text(manager.post(f"{base}/{post}/archive", follow_redirects=True))
    assert "已停用“危废管理班”" in page and "危废管理班" not in tree_names(page)
    assert one(conn, "SELECT archived_at FROM units WHERE id = ?", (post,))[0] is not None
    assert "危废管理班" not in text(manager.get(f"/enterprises/{e1}"))
    assert manager.post(f"{base}/{workshop}/archive").status_code == 302
    assert one(conn, "SELECT archived_at FROM units WHERE id = ?", (workshop,))[0] is not None
    assert "危废库" not in tree_names(text(manager.get(base)))
    assert "危废库" not in text(manager.get(f"/enterprises/{e1}"))


def test_archiving_a_workshop_that_still_has_posts_is_refused(signed_in, conn):
    """管网运行部 still has 巡线班 and 抢修班: archiving it says so in Chinese and changes nothing."""
    manager, before = signed_in("manager1"), state(conn)
    page = text(manager.post(f"/enterprises/{ent(conn, GAS)}/units/{unit(conn, '管网运行部')}/archive",
                             follow_redirects=True))
    assert "请先停用该车间下的岗位" in page
    assert state(conn) == before


def test_unit_with_an_active_account_cannot_be_archived(signed_in, conn):
    """充装班 is leader1's post: archiving it is refused while the account is active."""
    manager, before = signed_in("manager1"), state(conn)
    page = text(manager.post(f"/enterprises/{ent(conn, GAS)}/units/{unit(conn, '充装班')}/archive",
                             follow_redirects=True))
    assert "该单元仍有在岗账号" in page
    assert state(conn) == before


def test_archiving_a_post_retires_its_card(signed_in, conn):
    """巡线班 has no account: archiving it also archives its card, which leaves the checklist list."""
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    checklist = card(conn, "巡线班")
    assert manager.post(f"/enterprises/{e1}/units/{unit(conn, '巡线班')}/archive").status_code == 302
    assert one(conn, "SELECT archived_at FROM checklists WHERE id = ?", (checklist,))[0] is not None
    assert "巡线班岗位安全检查卡片" not in text(manager.get(f"/enterprises/{e1}/checklists"))


@pytest.mark.parametrize(("form", "message"), [
    ({"kind": "workshop", "name": "  "}, "请填写名称"),
    ({"kind": "workshop", "name": "储配站"}, "本企业已有车间“储配站”"),
    ({"kind": "workshop", "name": " 储 配站 "}, "本企业已有车间“储配站”"),
    ({"kind": "workshop", "name": "车" * 41}, "名称不超过40个字"),
    ({"kind": "post", "name": "新班"}, "请选择岗位所属的车间"),
    ({"kind": "team", "name": "新班"}, "单元类型不正确"),
])
def test_bad_unit_is_refused_in_chinese(signed_in, conn, form, message):
    """An empty, duplicate, too long or parentless unit is refused with a Chinese message; nothing is added."""
    manager, before = signed_in("manager1"), state(conn)
    page = text(manager.post(f"/enterprises/{ent(conn, GAS)}/units/add", form, follow_redirects=True))
    assert message in page
    assert state(conn) == before


def test_post_cannot_be_put_under_another_enterprises_workshop(signed_in, conn):
    """manager1 naming enterprise 2's workshop as the parent is refused; nothing is added."""
    manager, before = signed_in("manager1"), state(conn)
    page = text(manager.post(f"/enterprises/{ent(conn, GAS)}/units/add",
                             {"kind": "post", "parent_id": unit(conn, "机加工车间"), "name": "偷渡班"},
                             follow_redirects=True))
    assert "请选择岗位所属的车间" in page
    assert state(conn) == before


def test_htmx_unit_change_returns_only_the_tree_fragment(signed_in, conn):
    """With HX-Request the answer is the #unit-tree fragment with its message, not a whole page."""
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    hx = {"HX-Request": "true"}
    response = manager.post(f"/enterprises/{e1}/units/add", {"kind": "post", "parent_id": unit(conn, "储配站"),
                                                            "name": "新岗位班"}, headers=hx)
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="unit-tree">') and "<html" not in body
    assert "新岗位班" in tree_names(body) and "已添加岗位（班组）" in body
    assert "HX-Request" in response.headers["Vary"]

    renamed = text(manager.post(f"/enterprises/{e1}/units/{unit(conn, '新岗位班')}/rename", {"name": "新岗位甲班"},
                                headers=hx))
    assert "<html" not in renamed and "新岗位甲班" in tree_names(renamed)

    before = state(conn)
    # htmx swaps only 2xx answers, so a refusal comes back as the fragment with the reason in an alert.
    refused = manager.post(f"/enterprises/{e1}/units/{unit(conn, '储配站')}/archive", headers=hx)
    assert refused.status_code == 200
    assert "<html" not in text(refused) and 'role="alert">请先停用该车间下的岗位' in text(refused)
    assert state(conn) == before


def test_unit_page_is_a_whole_page_without_htmx(signed_in, conn):
    """The same URL without HX-Request is the full page (the fragment inside it)."""
    body = text(signed_in("manager1").get(f"/enterprises/{ent(conn, GAS)}/units"))
    assert "<html" in body and 'id="unit-tree"' in body


# ---- adopting from the library ----

def test_enterprise_cannot_adopt_another_industrys_checklist(signed_in, conn):
    """manager2 (工贸) adopting the 城镇燃气 enterprise checklist is refused in Chinese; nothing is adopted."""
    before = state(conn)
    page = text(signed_in("manager2").post(f"/enterprises/{ent(conn, GONGMAO)}/checklists/adopt",
                                           {"doc_id": library_doc(conn, "gas-enterprise")}, follow_redirects=True))
    assert "该清单属于城镇燃气，与本企业行业（工贸）不符" in page
    assert state(conn) == before


def test_same_library_checklist_cannot_be_adopted_twice(signed_in, conn):
    """manager1 already adopted the 城镇燃气 enterprise checklist; a second adoption is refused."""
    before = state(conn)
    page = text(signed_in("manager1").post(f"/enterprises/{ent(conn, GAS)}/checklists/adopt",
                                           {"doc_id": library_doc(conn, "gas-enterprise")}, follow_redirects=True))
    assert "本企业已采用该清单" in page
    assert state(conn) == before


def test_only_enterprise_level_checklists_can_be_adopted(signed_in, conn):
    """A post template or the grid guide cannot be adopted as the enterprise's own checklist."""
    manager, before = signed_in("manager1"), state(conn)
    for code in ("gas-post", "grid-guide", "industries"):
        page = text(manager.post(f"/enterprises/{ent(conn, GAS)}/checklists/adopt",
                                 {"doc_id": library_doc(conn, code)}, follow_redirects=True))
        assert "只能采用企业级检查清单或回头看清单" in page
    assert state(conn) == before


def test_new_enterprise_adopts_its_industry_checklist(signed_in, conn):
    """An enterprise without checklists adopts the 工贸 one: every library item is copied, and it is audited."""
    admin = signed_in("admin")
    code17 = "91350582MA33XYR01"
    admin.post("/enterprises/new", {"name": "晋江市新厂", "credit_code": code17 + credit_code.check_char(code17),
                                    "industry": "工贸", "size_class": "small_micro",
                                    "grid": one(conn, "SELECT id FROM grids ORDER BY id DESC")[0]})
    new = ent(conn, "晋江市新厂")
    assert one(conn, "SELECT COUNT(*) FROM checklists WHERE enterprise_id = ?", (new,))[0] == 0
    doc = library_doc(conn, "gongmao-enterprise")
    response = admin.post(f"/enterprises/{new}/checklists/adopt", {"doc_id": doc})
    adopted = one(conn, "SELECT * FROM checklists WHERE enterprise_id = ?", (new,))
    assert response.headers["Location"] == f"/checklists/{adopted['id']}"
    assert adopted["tier"] == "enterprise" and adopted["library_doc_id"] == doc and adopted["frequency"] == "monthly"
    copied = [r["library_item_id"] for r in items(conn, adopted["id"])]
    assert copied == [r[0] for r in conn.execute("SELECT id FROM library_items WHERE doc_id = ? ORDER BY position",
                                                 (doc,))]
    assert one(conn, "SELECT action FROM audit_log WHERE entity = 'checklist' AND entity_id = ?",
               (adopted["id"],))[0] == "adopt"


# ---- adapting items (一企一策) ----

def test_manager_adds_rewords_and_removes_items(signed_in, conn):
    """Items are added at the end, reworded with the old words logged, and removed by marking, never deleting."""
    manager, checklist = signed_in("manager1"), card(conn, "充装班")
    count = len(items(conn, checklist))
    page = text(manager.post(f"/checklists/{checklist}/items", {
        "aspect": "作业行为", "content": "充装前核对气瓶检验日期", "method": "查看钢印"}, follow_redirects=True))
    assert "已添加条目" in page and "充装前核对气瓶检验日期" in page
    added = items(conn, checklist)[-1]
    assert len(items(conn, checklist)) == count + 1
    assert (added["aspect"], added["content"], added["method"]) == ("作业行为", "充装前核对气瓶检验日期", "查看钢印")

    first = items(conn, checklist)[0]
    manager.post(f"/checklists/{checklist}/items/{first['id']}", {"aspect": first["aspect"], "content": "改写后的条目"})
    assert one(conn, "SELECT content FROM checklist_items WHERE id = ?", (first["id"],))[0] == "改写后的条目"
    log = one(conn, "SELECT detail FROM audit_log WHERE action = 'reword_item' ORDER BY id DESC")
    assert json.loads(log[0])["content"] == [first["content"], "改写后的条目"]

    page = text(manager.post(f"/checklists/{checklist}/items/{added['id']}/remove", follow_redirects=True))
    assert "条目已移除" in page and "充装前核对气瓶检验日期" not in page
    kept = one(conn, "SELECT content, removed_at FROM checklist_items WHERE id = ?", (added["id"],))
    assert kept["content"] == "充装前核对气瓶检验日期" and kept["removed_at"] is not None
    assert len(items(conn, checklist)) == count
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = 'checklist' AND entity_id = ?"
                                          " ORDER BY id", (checklist,))]
    assert actions[-3:] == ["add_item", "reword_item", "remove_item"]


@pytest.mark.parametrize(("form", "message"), [
    ({"aspect": "作业行为", "content": " "}, "请填写条目内容"),
    ({"aspect": "随便", "content": "内容"}, "请选择检查方面"),
    ({"aspect": "作业行为", "content": "长" * 501}, "条目内容不超过500字"),
])
def test_bad_item_is_refused_in_chinese(signed_in, conn, form, message):
    """An empty, unclassified or overlong item is refused with a Chinese message and nothing changes."""
    manager, before = signed_in("manager1"), state(conn)
    page = text(manager.post(f"/checklists/{card(conn, '充装班')}/items", form, follow_redirects=True))
    assert message in page
    assert state(conn) == before


def test_item_of_another_checklist_cannot_be_reworded_through_this_one(signed_in, conn):
    """An item id from another checklist is refused, even when the user manages both."""
    manager, before = signed_in("manager1"), state(conn)
    foreign = items(conn, card(conn, "运行班"))[0]["id"]
    page = text(manager.post(f"/checklists/{card(conn, '充装班')}/items/{foreign}",
                             {"aspect": "作业行为", "content": "改"}, follow_redirects=True))
    assert "该条目不存在或已移除" in page
    assert state(conn) == before


def test_filled_inspection_keeps_the_words_it_was_filled_against(signed_in, conn):
    """An inspection recorded before a reword keeps the old text in its results."""
    checklist = card(conn, "充装班")
    item = items(conn, checklist)[0]
    cur = conn.execute("INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at)"
                       " SELECT id, enterprise_id, unit_id, ?, '2024-06-01T00:00:00+00:00' FROM checklists"
                       " WHERE id = ?", (user(conn, "leader1"), checklist))
    conn.execute("INSERT INTO inspection_results (inspection_id, checklist_item_id, position, aspect, content, result)"
                 " VALUES (?,?,?,?,?,'ok')", (cur.lastrowid, item["id"], item["position"], item["aspect"],
                                              item["content"]))
    signed_in("manager1").post(f"/checklists/{checklist}/items/{item['id']}",
                               {"aspect": item["aspect"], "content": "新的说法"})
    assert one(conn, "SELECT content FROM checklist_items WHERE id = ?", (item["id"],))[0] == "新的说法"
    assert one(conn, "SELECT content FROM inspection_results WHERE inspection_id = ?",
               (cur.lastrowid,))[0] == item["content"]


# ---- deriving down the tiers ----

@pytest.fixture
def new_post(signed_in, conn):
    """A new post 新岗位班 under 储配站, added by manager1, with its own team leader account."""
    signed_in("manager1").post(f"/enterprises/{ent(conn, GAS)}/units/add",
                               {"kind": "post", "parent_id": unit(conn, "储配站"), "name": "新岗位班"})
    post = unit(conn, "新岗位班")
    accounts.create(conn, username="leader_new", password=PASSWORD, name="新班长", role="team_leader", unit_id=post)
    return post


def derive_form(conn, post, **changes):
    register = card(conn, "储配站")
    template = library_doc(conn, "gas-post")
    form = {
        "parent_item": [r["id"] for r in items(conn, register)[:2]],
        "library_item": [one(conn, "SELECT id FROM library_items WHERE doc_id = ? ORDER BY position", (template,))[0]],
        "own_aspect": ["作业现场", "作业现场", "作业现场"], "own_content": ["新岗位作业区通道畅通", "", ""],
        "frequency": "shift", "responsible_title": "班组长", "responsible_user_id": user(conn, "leader_new"),
        "on_failure": "立即停止作业，报告站长",
    }
    return {**form, **changes}


def test_manager_derives_a_post_card_from_parent_library_and_own_items(signed_in, conn, new_post):
    """The card gets the picked register items, library item and own item, 每班, with its team leader."""
    manager = signed_in("manager1")
    page = text(manager.get(f"/enterprises/{ent(conn, GAS)}/units/{new_post}/derive"))
    assert "生成岗位安全检查卡片 · 储配站 / 新岗位班" in page and "上级清单：储配站车间安全检查表册" in page
    form = derive_form(conn, new_post)
    response = manager.post(f"/enterprises/{ent(conn, GAS)}/units/{new_post}/derive", form)
    assert response.status_code == 302
    made = one(conn, "SELECT * FROM checklists WHERE unit_id = ?", (new_post,))
    assert response.headers["Location"] == f"/checklists/{made['id']}"
    assert (made["tier"], made["title"], made["frequency"]) == ("post", "新岗位班岗位安全检查卡片", "shift")
    assert made["parent_id"] == card(conn, "储配站") and made["responsible_user_id"] == user(conn, "leader_new")
    assert made["on_failure"] == "立即停止作业，报告站长"
    got = items(conn, made["id"])
    assert [r["parent_item_id"] for r in got[:2]] == form["parent_item"]
    assert got[2]["library_item_id"] == form["library_item"][0]
    own = got[3]
    assert (own["content"], own["parent_item_id"], own["library_item_id"]) == ("新岗位作业区通道畅通", None, None)
    assert len(got) == 4
    shown = text(manager.get(f"/checklists/{made['id']}"))
    assert "<dd>每班</dd>" in shown and "班组长（新班长）" in shown
    assert "新岗位班岗位安全检查卡片" in text(signed_in("leader_new").get("/"))


def test_last_item_of_a_checklist_cannot_be_removed(signed_in, conn, new_post):
    """A card with one item keeps it: removal says 清单至少保留一个条目."""
    manager = signed_in("manager1")
    manager.post(f"/enterprises/{ent(conn, GAS)}/units/{new_post}/derive",
                 derive_form(conn, new_post, parent_item=[], library_item=[]))
    made = one(conn, "SELECT id FROM checklists WHERE unit_id = ?", (new_post,))[0]
    [only] = items(conn, made)
    before = state(conn)
    page = text(manager.post(f"/checklists/{made}/items/{only['id']}/remove", follow_redirects=True))
    assert "清单至少保留一个条目" in page
    assert state(conn) == before


@pytest.mark.parametrize(("changes", "message"), [
    ({"parent_item": [], "library_item": [], "own_content": ["", "", ""]}, "请至少选择或添加一个检查条目"),
    ({"responsible_user_id": "LEADER1"}, "责任人须是本单元的在岗人员"),
    ({"responsible_user_id": "MANAGER1"}, "责任人须是本单元的在岗人员"),
    ({"parent_item": ["FOREIGN"]}, "所选条目不属于上级清单"),
    ({"library_item": ["GONGMAO"]}, "所选条目不属于行业模板"),
    ({"frequency": "hourly"}, "请选择检查频次"),
    ({"PREMADE": True}, "“新岗位班岗位安全检查卡片”已存在"),
])
def test_bad_derivation_is_refused_and_nothing_saved(signed_in, conn, new_post, changes, message):
    """Nothing picked, a responsible person of another unit, foreign items or a duplicate title: 422, nothing saved."""
    manager, path = signed_in("manager1"), f"/enterprises/{ent(conn, GAS)}/units/{new_post}/derive"
    marks = {"LEADER1": user(conn, "leader1"), "MANAGER1": user(conn, "manager1"),
             "FOREIGN": items(conn, card(conn, "管网运行部"))[0]["id"],
             "GONGMAO": one(conn, "SELECT id FROM library_items WHERE doc_id = ?",
                            (library_doc(conn, "gongmao-post"),))[0]}
    changes = {k: ([marks.get(v, v) for v in val] if isinstance(val, list) else marks.get(val, val))
               for k, val in changes.items()}
    if changes.pop("PREMADE", False):
        assert manager.post(path, derive_form(conn, new_post)).status_code == 302
    before = state(conn)
    response = manager.post(path, derive_form(conn, new_post, **changes))
    assert response.status_code == 422
    assert message in text(response) and "未保存" in text(response)
    assert state(conn) == before


def test_assignment_change_is_saved_and_audited(signed_in, conn):
    """Changing the card's frequency to 每日 saves it and logs the old and new values."""
    checklist = card(conn, "充装班")
    page = text(signed_in("manager1").post(f"/checklists/{checklist}/assignment", {
        "frequency": "daily", "responsible_title": "班组长", "responsible_user_id": user(conn, "leader1"),
        "on_failure": "立即整改"}, follow_redirects=True))
    assert "检查责任、频次和整改要求已保存" in page and "<dd>每日</dd>" in page
    assert one(conn, "SELECT frequency FROM checklists WHERE id = ?", (checklist,))[0] == "daily"
    log = one(conn, "SELECT user_id, detail FROM audit_log WHERE action = 'assign' AND entity_id = ?", (checklist,))
    assert log["user_id"] == user(conn, "manager1")
    detail = json.loads(log["detail"])
    assert detail["frequency"] == ["shift", "daily"] and detail["on_failure"][1] == "立即整改"


def test_assignment_to_a_person_of_another_unit_is_refused(signed_in, conn):
    """Naming leader1b (运行班) responsible for 充装班's card is refused and nothing changes."""
    manager, before = signed_in("manager1"), state(conn)
    page = text(manager.post(f"/checklists/{card(conn, '充装班')}/assignment", {
        "frequency": "daily", "responsible_title": "班组长", "responsible_user_id": user(conn, "leader1b"),
        "on_failure": "立即整改"}, follow_redirects=True))
    assert "责任人须是本单元的在岗人员" in page
    assert state(conn) == before


# ---- who may manage ----

def test_workshop_head_derives_cards_only_for_own_workshops_posts(signed_in, conn):
    """head1 derives a card for 运行班 (储配站); 巡线班 (管网运行部) is 404; adopting is 403."""
    head, e1 = signed_in("head1"), ent(conn, GAS)
    register = card(conn, "储配站")
    response = head.post(f"/enterprises/{e1}/units/{unit(conn, '运行班')}/derive", {
        "title": "运行班交接班检查卡片", "parent_item": [r["id"] for r in items(conn, register)[:2]],
        "frequency": "shift", "responsible_user_id": user(conn, "leader1b")})
    assert response.status_code == 302
    made = one(conn, "SELECT * FROM checklists WHERE title = '运行班交接班检查卡片'")
    assert made["unit_id"] == unit(conn, "运行班") and made["responsible_user_id"] == user(conn, "leader1b")
    before = state(conn)
    assert head.get(f"/enterprises/{e1}/units/{unit(conn, '巡线班')}/derive").status_code == 404
    assert head.post(f"/enterprises/{e1}/units/{unit(conn, '巡线班')}/derive",
                     {"title": "x", "own_content": "x", "own_aspect": "作业现场"}).status_code == 404
    assert head.post(f"/enterprises/{e1}/checklists/adopt",
                     {"doc_id": library_doc(conn, "lookback-enterprise")}).status_code == 403
    assert head.post(f"/checklists/{enterprise_checklist(conn, GAS)}/items",
                     {"aspect": "作业现场", "content": "x"}).status_code == 403
    assert state(conn) == before


def test_team_leader_can_manage_nothing(signed_in, conn):
    """leader1 may read its own card but every change (units, adopt, items, assignment, derive) is 403."""
    leader, e1 = signed_in("leader1"), ent(conn, GAS)
    own, own_post = card(conn, "充装班"), unit(conn, "充装班")
    item = items(conn, own)[0]["id"]
    assert leader.get(f"/checklists/{own}").status_code == 200
    assert "增加本企业条目" not in text(leader.get(f"/checklists/{own}"))
    before = state(conn)
    attempts = {
        f"/enterprises/{e1}/units/add": {"kind": "workshop", "name": "x"},
        f"/enterprises/{e1}/units/{own_post}/rename": {"name": "x"},
        f"/enterprises/{e1}/checklists/adopt": {"doc_id": library_doc(conn, "lookback-enterprise")},
        f"/checklists/{own}/items": {"aspect": "作业现场", "content": "x"},
        f"/checklists/{own}/items/{item}": {"aspect": "作业现场", "content": "x"},
        f"/checklists/{own}/items/{item}/remove": {},
        f"/checklists/{own}/assignment": {"frequency": "daily", "responsible_title": "x", "on_failure": "x"},
        f"/enterprises/{e1}/units/{own_post}/derive": {"title": "x", "own_content": "x", "own_aspect": "作业现场"},
        f"/enterprises/{e1}/edit": {"name": "x"},
    }
    for path, form in attempts.items():
        response = leader.post(path, form)
        assert response.status_code == 403, path
        assert "没有权限" in text(response)
    assert state(conn) == before


def test_post_moved_to_another_workshop_takes_its_card_and_leaves_the_old_heads_view(signed_in, conn):
    """运行班 moves from 储配站 to 管网运行部: its card goes along; head1 (储配站) no longer sees it."""
    manager, head = signed_in("manager1"), signed_in("head1")
    e1 = conn.execute("SELECT id FROM enterprises WHERE name = '泉州市安泰燃气有限公司'").fetchone()[0]
    post = conn.execute("SELECT id FROM units WHERE name = '运行班'").fetchone()[0]
    pipes = conn.execute("SELECT id FROM units WHERE name = '管网运行部'").fetchone()[0]
    card = conn.execute("SELECT id FROM checklists WHERE unit_id = ? AND tier = 'post' AND kind = 'check'",
                        (post,)).fetchone()[0]
    assert head.get(f"/checklists/{card}").status_code == 200
    response = manager.post(f"/enterprises/{e1}/units/{post}/move", {"workshop_id": pipes},
                            headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert conn.execute("SELECT parent_id FROM units WHERE id = ?", (post,)).fetchone()[0] == pipes
    assert conn.execute("SELECT unit_id FROM checklists WHERE id = ?", (card,)).fetchone()[0] == post
    assert head.get(f"/checklists/{card}").status_code == 404
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'move' AND entity_id = ?",
                        (post,)).fetchone()[0] == 1


def test_post_cannot_move_into_a_workshop_that_has_a_post_of_that_name(signed_in, conn):
    """Two posts of one name in one workshop would be confused: the move is refused in Chinese."""
    manager = signed_in("manager1")
    e1 = conn.execute("SELECT id FROM enterprises WHERE name = '泉州市安泰燃气有限公司'").fetchone()[0]
    pipes = conn.execute("SELECT id FROM units WHERE name = '管网运行部'").fetchone()[0]
    post = conn.execute("SELECT id FROM units WHERE name = '运行班'").fetchone()[0]
    manager.post(f"/enterprises/{e1}/units/add", {"kind": "post", "parent_id": pipes, "name": "运行班"})
    response = manager.post(f"/enterprises/{e1}/units/{post}/move", {"workshop_id": pipes},
                            headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "“管网运行部”下已有岗位“运行班”" in response.get_data(as_text=True)
    assert conn.execute("SELECT parent_id FROM units WHERE id = ?", (post,)).fetchone()[0] != pipes
