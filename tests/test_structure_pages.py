"""The enterprise's structure pages over HTTP: unit names that cannot be confused, a library without code
words that shows each person what they can use, and an audit log that can be read, filtered and paged."""

import json
import re
from collections import deque
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from anbiao import audit, library, scope
from anbiao import db as database

from .conftest import user_id

GAS = "泉州市安泰燃气有限公司"
GONGMAO = "晋江市恒力机械制造有限公司"


def first(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()[0]


def ent(conn, name):
    return first(conn, "SELECT id FROM enterprises WHERE name = ?", (name,))


def unit(conn, name):
    return first(conn, "SELECT id FROM units WHERE name = ? AND archived_at IS NULL", (name,))


def text(response):
    return response.get_data(as_text=True)


def units_state(conn):
    return ([tuple(r) for r in conn.execute("SELECT * FROM units ORDER BY id")],
            first(conn, "SELECT COUNT(*) FROM audit_log"))


def tree_names(html):
    """The unit names the tree shows as read rows."""
    return re.findall(r'class="tree-name">([^<]+)<small', html)


# ---- unit names that cannot be confused ----

@pytest.mark.parametrize("name", ["充装班", " 充装班 ", "充装　班", "充 装 班"])
def test_duplicate_post_name_under_same_workshop_is_refused(signed_in, conn, name):
    """A second 充装班 under 储配站 (however it is spaced) is refused in Chinese on add; nothing changes."""
    manager, before = signed_in("manager1"), units_state(conn)
    page = text(manager.post(f"/enterprises/{ent(conn, GAS)}/units/add",
                             {"kind": "post", "parent_id": unit(conn, "储配站"), "name": name}, follow_redirects=True))
    assert "同一车间下已有岗位“充装班”" in page
    assert units_state(conn) == before


def test_duplicate_post_name_differing_only_in_letter_case_or_width_is_refused(signed_in, conn):
    """LPG充装班 exists: lpg充装班 and ＬＰＧ充装班 are the same name to a reader, on add and on rename."""
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    station = unit(conn, "储配站")
    assert manager.post(f"/enterprises/{e1}/units/add",
                        {"kind": "post", "parent_id": station, "name": "LPG充装班"}).status_code == 302
    before = units_state(conn)
    for name in ("lpg充装班", "ＬＰＧ充装班", "Lpg 充装班"):
        page = text(manager.post(f"/enterprises/{e1}/units/add", {"kind": "post", "parent_id": station, "name": name},
                                 follow_redirects=True))
        assert "同一车间下已有岗位“LPG充装班”" in page, name
        page = text(manager.post(f"/enterprises/{e1}/units/{unit(conn, '运行班')}/rename", {"name": name},
                                 follow_redirects=True))
        assert "同一车间下已有岗位“LPG充装班”" in page, name
    assert units_state(conn) == before


def test_duplicate_post_name_on_rename_is_refused_with_the_form_kept(signed_in, conn):
    """Renaming 运行班 to 充装班 through htmx answers the tree with 运行班 still open, the typed name and the reason."""
    manager, e1, before = signed_in("manager1"), ent(conn, GAS), units_state(conn)
    post = unit(conn, "运行班")
    response = manager.post(f"/enterprises/{e1}/units/{post}/rename", {"name": "充装班"},
                            headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert 'role="alert">同一车间下已有岗位“充装班”' in body
    assert f'id="name-{post}" name="name" value="充装班"' in body
    assert units_state(conn) == before


def test_same_post_name_under_another_workshop_is_allowed(signed_in, conn):
    """Two workshops may each have a 充装班: the name is unique under its parent, not in the enterprise."""
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    pipes = unit(conn, "管网运行部")
    assert manager.post(f"/enterprises/{e1}/units/add",
                        {"kind": "post", "parent_id": pipes, "name": "充装班"}).status_code == 302
    assert first(conn, "SELECT COUNT(*) FROM units WHERE name = '充装班' AND parent_id = ?", (pipes,)) == 1


def test_duplicate_workshop_name_is_refused_on_add_and_rename(signed_in, conn):
    """A workshop named like another of the enterprise is refused, adding or renaming; the other enterprise may."""
    manager, e1, before = signed_in("manager1"), ent(conn, GAS), units_state(conn)
    page = text(manager.post(f"/enterprises/{e1}/units/add", {"kind": "workshop", "name": "管网 运行部"},
                             follow_redirects=True))
    assert "本企业已有车间“管网运行部”" in page
    page = text(manager.post(f"/enterprises/{e1}/units/{unit(conn, '储配站')}/rename", {"name": " 管网运行部"},
                             follow_redirects=True))
    assert "本企业已有车间“管网运行部”" in page
    assert units_state(conn) == before
    manager2 = signed_in("manager2")
    assert manager2.post(f"/enterprises/{ent(conn, GONGMAO)}/units/add",
                         {"kind": "workshop", "name": "管网运行部"}).status_code == 302


def test_renaming_a_unit_to_its_own_name_changes_nothing(signed_in, conn):
    """Saving the edit form unchanged is not a rename: no audit entry."""
    before = units_state(conn)
    response = signed_in("manager1").post(f"/enterprises/{ent(conn, GAS)}/units/{unit(conn, '充装班')}/rename",
                                          {"name": " 充装班 "})
    assert response.status_code == 302
    assert units_state(conn) == before


# ---- the unit tree reads first ----

def test_unit_tree_reads_as_a_tree_with_counts_and_no_name_boxes(signed_in, conn):
    """The tree names units with their people and checklists, no box outside the folded 新增; 编辑 opens one."""
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    html = text(manager.get(f"/enterprises/{e1}/units"))
    tree = html[html.index('<div id="unit-tree">'):]
    assert tree_names(tree)[:3] == ["储配站", "充装班", "运行班"]
    assert re.search(r"充装班<small[^>]*>岗位 · 1 人 · 1 张清单", tree)
    assert re.search(r"储配站<small[^>]*>车间 · 1 人 · 1 张清单", tree)
    assert f"{GAS}</strong><small" in tree
    outside_add = re.sub(r"<details class=\"tree-add\".*?</details>", "", tree, flags=re.S)
    assert "<input id=" not in outside_add and "<select" not in outside_add
    edit = f"/enterprises/{e1}/units/{unit(conn, '充装班')}/edit"
    assert f'href="{edit}"' in tree

    page = text(manager.get(edit))
    assert "<html" in page and 'value="充装班"' in page and "停用岗位" in page and "把“充装班”调到" in page
    assert page.count('name="name" value=') == 1  # only the unit being edited has its box
    fragment = text(manager.get(edit, headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith('<div id="unit-tree">') and 'value="充装班"' in fragment


def test_archived_unit_has_no_edit_form(signed_in, conn):
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    post = unit(conn, "巡线班")
    assert manager.post(f"/enterprises/{e1}/units/{post}/archive").status_code == 302
    assert manager.get(f"/enterprises/{e1}/units/{post}/edit").status_code == 404


# ---- no code words in the UI ----

class VisibleText(HTMLParser):
    """What a person reads or hears on a page: text, and the attributes shown or read aloud."""

    SHOWN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.links, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.parts += [attrs[name] for name in self.SHOWN if attrs.get(name)]
        # A text box or button shows its value; a hidden field, a radio button or a check box does not.
        unseen = ("hidden", "radio", "checkbox")
        if tag in ("input", "button") and attrs.get("type") not in unseen and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def walk(http, limit=260, variants=3):
    """GET every page reachable from home by links (each path with at most a few query strings); {url: text}."""
    seen, queue, pages, per_path = {"/"}, deque(["/"]), {}, {}
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = http.get(url)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        parser = VisibleText()
        parser.feed(text(response))
        pages[url] = unescape(" ".join(parser.parts))
        for href in parser.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
                continue
            if re.search(r"\.(xlsx|pdf|jpg|png|csv|zip)$", parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in seen:
                continue
            if parts.query:
                per_path[parts.path] = per_path.get(parts.path, 0) + 1
                if per_path[parts.path] > variants:
                    continue
            seen.add(target)
            queue.append(target)
    return pages


def library_codes():
    docs, problems = library.read()
    assert not problems
    return [doc["code"] for _, doc, _ in docs]


@pytest.mark.parametrize("who", ["admin", "manager1", "leader1"])
def test_library_codes_never_show_in_pages(signed_in, conn, who):
    """Walking every page reachable from home, no library id (gas-post, five-s…) is in what a person reads."""
    http = signed_in(who)
    e1 = ent(conn, GAS)
    pages = walk(http)
    # The pages where a library document shows by name must have been reached.
    must = {"admin": ["/library", "/audit", f"/enterprises/{e1}/checklists"],
            "manager1": ["/library", "/audit", f"/enterprises/{e1}/checklists", f"/enterprises/{e1}/units"],
            "leader1": ["/library", f"/enterprises/{e1}"]}[who]
    assert set(must) <= set(pages), set(must) - set(pages)
    assert any(url.startswith("/library/") for url in pages)
    assert any(url.startswith("/checklists/") for url in pages)
    codes = [re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])") for code in library_codes()]
    leaks = {url: [c.pattern for c in codes if c.search(words)] for url, words in pages.items()}
    assert {url: found for url, found in leaks.items() if found} == {}


def test_derive_and_checklist_pages_name_the_library_document_by_title_and_version(signed_in, conn):
    manager, e1 = signed_in("manager1"), ent(conn, GAS)
    card = first(conn, "SELECT id FROM checklists WHERE unit_id = ? AND tier = 'post' AND kind = 'check'",
                 (unit(conn, "充装班"),))
    page = text(manager.get(f"/checklists/{card}"))
    assert "来自检查库：" in page and "城镇燃气企业岗位安全检查卡片</a> 第 1 版" in page
    derive = text(manager.get(f"/enterprises/{e1}/units/{unit(conn, '运行班')}/derive"))
    assert "行业模板：城镇燃气企业岗位安全检查卡片（第 1 版）" in derive


def test_team_leader_sees_only_post_cards_of_own_industry(signed_in, conn):
    """leader1 (城镇燃气) lists and opens only its post card, any other document is 404; other roles see all."""
    newest = {d["code"]: d for d in conn.execute("SELECT * FROM library_docs ORDER BY version")}
    docs = {code: d["id"] for code, d in newest.items()}
    own = next(d["id"] for d in newest.values() if (d["industry"], d["tier"], d["kind"]) == ("城镇燃气", "post",
                                                                                           "checklist"))
    leader = signed_in("leader1")
    listed = {int(i) for i in re.findall(r'href="/library/(\d+)"', text(leader.get("/library")))}
    assert listed == {own}
    assert leader.get(f"/library/{own}").status_code == 200
    for doc_id in set(docs.values()) - {own}:
        assert leader.get(f"/library/{doc_id}").status_code == 404, doc_id
    for who in ("head1", "manager1", "grid1", "supervisor"):
        listed = {int(i) for i in re.findall(r'href="/library/(\d+)"', text(signed_in(who).get("/library")))}
        assert listed == set(docs.values()), who
    assert signed_in("leader2").get(f"/library/{own}").status_code == 404  # 工贸's leader


def test_team_leaders_own_card_links_to_its_library_card_only_when_readable(signed_in, conn):
    """leader1's card names its template with a link; the register above names its template without one."""
    leader = signed_in("leader1")
    card = first(conn, "SELECT id, library_doc_id FROM checklists WHERE unit_id = ? AND tier = 'post'"
                       " AND kind = 'check'",
                 (unit(conn, "充装班"),))
    doc = conn.execute("SELECT library_doc_id FROM checklists WHERE id = ?", (card,)).fetchone()[0]
    assert f'href="/library/{doc}"' in text(leader.get(f"/checklists/{card}"))
    register = conn.execute("SELECT id, library_doc_id FROM checklists WHERE unit_id = ? AND tier = 'workshop'",
                            (unit(conn, "储配站"),)).fetchone()
    page = text(leader.get(f"/checklists/{register[0]}"))
    assert "来自检查库：城镇燃气企业车间（场站）安全检查表册 第 1 版" in page
    assert f'href="/library/{register[1]}"' not in page


# ---- the audit log ----

def entry_ids(html):
    return [int(i) for i in re.findall(r'data-entry="(\d+)"', html)]


def records(html):
    """(action, record) of each entry on a page of the log."""
    return re.findall(r"<strong>([^<]+)</strong> · <a [^>]*>([^<]+)</a>", html)


def test_manager_reads_audit_log_of_own_enterprise_only(signed_in, conn):
    """Each manager reads only its enterprise's changes, even asking by id; the admin reads all; others get 403."""
    e1, e2 = ent(conn, GAS), ent(conn, GONGMAO)
    manager1, manager2, admin = signed_in("manager1"), signed_in("manager2"), signed_in("admin")
    renamed = manager1.post(f"/enterprises/{e1}/units/{unit(conn, '运行班')}/rename", {"name": "运行一班"})
    assert renamed.status_code == 302
    renamed = manager2.post(f"/enterprises/{e2}/units/{unit(conn, '车床班')}/rename", {"name": "数控车床班"})
    assert renamed.status_code == 302

    mine = text(manager1.get("/audit"))
    assert ("改名", "车间/岗位：储配站 / 运行一班") in records(mine)
    assert "“运行班”改为“运行一班”" in mine
    assert "数控车床班" not in mine and GONGMAO not in mine
    theirs = text(manager2.get("/audit"))
    assert ("改名", "车间/岗位：机加工车间 / 数控车床班") in records(theirs)
    assert "运行一班" not in theirs and GAS not in theirs
    everything = text(admin.get("/audit"))
    assert "运行一班" in everything and "数控车床班" in everything

    probe = text(manager1.get(f"/audit?entity=enterprise&entity_id={e2}"))
    assert records(probe) == [] and "没有符合条件的记录" in probe
    assert "建档" in [a for a, _ in records(text(admin.get(f"/audit?entity=enterprise&entity_id={e2}")))]

    # Each entry carries the enterprise of its record, the one rule managers are filtered by.
    for row in conn.execute("SELECT entity, entity_id, enterprise_id FROM audit_log"):
        assert row["enterprise_id"] == scope.audit_enterprise(conn, row["entity"], row["entity_id"])
    for who in ("supervisor", "grid1", "head1", "leader1"):
        assert signed_in(who).get("/audit").status_code == 403, who


def test_audit_entries_read_in_chinese(signed_in, conn):
    """Every action and record kind in the demo has a Chinese label; adopting names the library document."""
    for action, entity in conn.execute("SELECT DISTINCT action, entity FROM audit_log"):
        assert audit.action_label(entity, action) != "其他操作", action
        assert entity in audit.ENTITIES
    html = text(signed_in("manager1").get("/audit?entity=checklist"))
    assert ("采用清单", "检查清单：城镇燃气企业安全生产检查清单") in records(html)
    assert "来自检查库：城镇燃气企业安全生产检查清单 第 1 版" in html
    assert "为“充装班”生成，9 条" in html


@pytest.fixture
def dated(conn):
    """The demo's entries moved to 2024-03-01 (Beijing 08:00), then three new ones at the edges of Beijing days."""
    conn.execute("UPDATE audit_log SET at = '2024-03-01T00:00:00+00:00'")
    manager = user_id(conn, "manager1")
    e1 = ent(conn, GAS)
    stamps = {"5日 23:59:59": "2024-03-05T15:59:59+00:00", "6日 00:00:00": "2024-03-05T16:00:00+00:00",
              "7日 12:00:00": "2024-03-07T04:00:00+00:00"}
    made = {}
    for label, stamp in stamps.items():
        audit.record(conn, manager, "update", "enterprise", e1, {"address": ["旧", label]})
        made[label] = first(conn, "SELECT MAX(id) FROM audit_log")
        conn.execute("UPDATE audit_log SET at = ? WHERE id = ?", (stamp, made[label]))
    conn.conn.commit()
    return made


def test_audit_log_filters_by_person_record_and_date(signed_in, conn, dated):
    """Filters narrow to one person, one record or one kind, and Beijing dates (inclusive); bad filters say why."""
    admin = signed_in("admin")
    e1 = ent(conn, GAS)

    def ids(query, who=admin):
        html = text(who.get(f"/audit?{query}"))
        assert 'role="alert"' not in html, query
        return set(entry_ids(html))

    assert ids("from=2024-03-06&to=2024-03-06") == {dated["6日 00:00:00"]}
    assert ids("from=2024-03-05&to=2024-03-05") == {dated["5日 23:59:59"]}
    assert ids("from=2024-03-05&to=2024-03-07") == set(dated.values())
    assert ids("from=2024-03-06") == {dated["6日 00:00:00"], dated["7日 12:00:00"]}
    assert ids("to=2024-02-29") == set()
    everything_first_day = ids("from=2024-03-01&to=2024-03-01")
    assert len(everything_first_day) == audit.PAGE  # a full page of the demo's entries

    person = ids("person=manager1&from=2024-03-05")
    assert person == set(dated.values())
    leader = user_id(conn, "leader1")
    for entry_id in ids("person=leader1"):
        assert first(conn, "SELECT user_id FROM audit_log WHERE id = ?", (entry_id,)) == leader

    post = unit(conn, "充装班")
    expected = {r[0] for r in conn.execute("SELECT id FROM audit_log WHERE entity = 'unit' AND entity_id = ?",
                                           (post,))}
    assert expected and ids(f"entity=unit&entity_id={post}") == expected
    kinds = {first(conn, "SELECT entity FROM audit_log WHERE id = ?", (i,)) for i in ids("entity=hazard")}
    assert kinds == {"hazard"}
    assert ids(f"entity=enterprise&entity_id={e1}&from=2024-03-07") == {dated["7日 12:00:00"]}

    refusals = (("from=2024-13-01", "开始日期格式不正确"),
                ("from=2024-03-07&to=2024-03-06", "开始日期不能晚于结束日期"),
                ("person=nobody", "没有账号“nobody”"), ("entity_id=3", "请先选择记录类型"),
                ("entity=planet", "记录类型不正确"), ("entity=unit&entity_id=x", "记录编号应为数字"))
    for query, message in refusals:
        html = text(admin.get(f"/audit?{query}"))
        assert 'role="alert"' in html and message in html, query
        assert entry_ids(html) == []


@pytest.fixture
def busy(conn):
    """Forty more changes to checklists, so the log runs to several pages."""
    manager = user_id(conn, "manager1")
    card = first(conn, "SELECT id FROM checklists WHERE unit_id = ? AND tier = 'post' AND kind = 'check'",
                 (unit(conn, "充装班"),))
    for n in range(40):
        audit.record(conn, manager, "assign", "checklist", card, {"responsible_title": ["班长", f"班长{n}"]})
    conn.conn.commit()


def test_audit_log_pages_by_keyset(signed_in, conn, busy):
    """30 entries a page, newest first; 更多 loads the next page as a fragment, unshaken by new entries, to the end."""
    admin = signed_in("admin")
    total = first(conn, "SELECT COUNT(*) FROM audit_log")
    assert total > 2 * audit.PAGE
    page = text(admin.get("/audit"))
    seen = entry_ids(page)
    assert len(seen) == audit.PAGE and seen == sorted(seen, reverse=True)
    assert seen[0] == first(conn, "SELECT MAX(id) FROM audit_log")
    # Someone changes something while the list is open: the next page neither repeats nor skips.
    signed_in("manager1").post(f"/enterprises/{ent(conn, GAS)}/units/add", {"kind": "workshop", "name": "新车间"})
    pages = 1
    while True:
        more = re.search(r'hx-get="([^"]+)" hx-target="closest li" hx-swap="outerHTML">更多', page)
        if not more:
            break
        url = unescape(more.group(1))
        assert f"before={seen[-1]}" in url
        page = text(admin.get(url, headers={"HX-Request": "true"}))
        assert "<html" not in page and page.lstrip().startswith("<li")
        found = entry_ids(page)
        assert found and max(found) < seen[-1]
        seen += found
        pages += 1
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // audit.PAGE)
    # Without htmx the same link is a whole page.
    assert "<html" in text(admin.get(f"/audit?before={seen[audit.PAGE - 1]}"))


def test_audit_log_more_link_keeps_the_filters(signed_in, conn, busy):
    admin = signed_in("admin")
    page = text(admin.get("/audit?entity=checklist"))
    more = unescape(re.search(r'href="([^"]+)" hx-get="[^"]+" hx-target="closest li"', page).group(1))
    assert "entity=checklist" in more and "before=" in more
    kinds = {first(conn, "SELECT entity FROM audit_log WHERE id = ?", (i,))
             for i in entry_ids(text(admin.get(more, headers={"HX-Request": "true"})))}
    assert kinds == {"checklist"}


def plans(conn, monkeypatch, where, **filters):
    """The query plan of the page query audit.page runs."""
    asked = []
    real = database.rows

    def spy(db, sql, params=()):
        if "FROM audit_log a" in sql:
            asked.append((sql, params))
        return real(db, sql, params)

    monkeypatch.setattr(database, "rows", spy)
    audit.page(conn, where, **filters)
    monkeypatch.setattr(database, "rows", real)
    sql, params = asked[0]
    return " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("filters", [
    {}, {"entity": "hazard"}, {"entity": "unit", "entity_id": 3}, {"user_id": 5}, {"before": 50},
    {"start": date.today() - timedelta(days=1), "end": date.today() + timedelta(days=1)},
])
@pytest.mark.parametrize("who", ["admin", "manager"])
def test_audit_log_queries_go_through_indexes(conn, monkeypatch, filters, who):
    """No page of the log sorts its entries or scans the log without an index: it must stay fast at city scale."""
    where = ("1", []) if who == "admin" else ("a.enterprise_id = ?", [1])
    plan = plans(conn, monkeypatch, where, **filters)
    assert "TEMP B-TREE" not in plan, plan
    if who == "manager" or set(filters) - {"before", "start", "end"}:
        assert "SEARCH a USING" in plan, plan


def test_audit_entries_are_attributed_to_their_enterprise_when_written(signed_in, conn):
    """A hazard reported, a unit added and an account made each carry their enterprise; a grid carries none."""
    e1 = ent(conn, GAS)
    signed_in("manager1").post(f"/enterprises/{e1}/units/add", {"kind": "workshop", "name": "危废库"})
    signed_in("admin").post("/grids", {"name": "测试网格", "county": "丰泽区", "township": "东海街道"})
    latest = {r["entity"]: r["enterprise_id"] for r in conn.execute(
        "SELECT entity, enterprise_id FROM audit_log ORDER BY id")}
    assert latest["unit"] == e1 and latest["grid"] is None
    assert json.loads(first(conn, "SELECT detail FROM audit_log WHERE entity = 'unit' ORDER BY id DESC LIMIT 1")) == {
        "kind": "workshop", "name": "危废库"}
