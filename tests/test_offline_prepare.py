"""离线准备: one tap on the home page keeps on the phone what the person needs today, and lists it under
「已可离线使用 · 截至 HH:MM」; a card kept that way opens offline with a new key each time."""

import re
from datetime import UTC, timedelta

import pytest
from playwright.sync_api import expect

from anbiao import due, hazard_lists, prepare, scope

from .conftest import ROLES, sign_in
from .test_offline_app import controlled, kept_pages, until

A_MONTH_ON = timedelta(days=40)  # surely a later period of the monthly grid guide: nothing visited in it yet


def person(conn, username):
    return dict(conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone())


def checklist_id(conn, unit=None, tier=None, enterprise=1):
    if unit:
        return conn.execute("SELECT c.id FROM checklists c JOIN units u ON u.id = c.unit_id WHERE u.name = ?"
                            " AND c.archived_at IS NULL", (unit,)).fetchone()[0]
    return conn.execute("SELECT id FROM checklists WHERE enterprise_id = ? AND tier = ? AND unit_id IS NULL"
                        " AND archived_at IS NULL", (enterprise, tier)).fetchone()[0]


def fill(cid):
    return f"/checklists/{cid}/fill"


def urls(pages, group=None):
    return [p.url for p in pages if group is None or p.group == group]


def inspect_now(conn, cid, username):
    """An inspection of a checklist submitted now, as if filled on the phone a moment ago."""
    found = conn.execute("SELECT enterprise_id, unit_id FROM checklists WHERE id = ?", (cid,)).fetchone()
    stamp = due.local_now().astimezone(UTC).isoformat(timespec="seconds")
    conn.execute("INSERT INTO inspections (checklist_id, enterprise_id, unit_id, inspector_id, submitted_at,"
                 " client_time) VALUES (?,?,?,?,?,?)", (cid, found[0], found[1], person(conn, username)["id"],
                                                         stamp, stamp))


# ---- what each person gets (plain functions) ----

def test_a_team_leader_gets_the_post_card_still_due_and_not_once_it_is_done(conn):
    leader = person(conn, "leader1")
    card = fill(checklist_id(conn, "充装班"))
    assert urls(prepare.for_today(conn, leader), prepare.MINE) == [card]
    inspect_now(conn, checklist_id(conn, "充装班"), "leader1")
    assert card not in urls(prepare.for_today(conn, leader))


def test_a_workshop_head_gets_the_register_and_the_cards_of_the_workshops_posts_only(conn):
    pages = prepare.for_today(conn, person(conn, "head1"))
    assert urls(pages, prepare.MINE) == [fill(checklist_id(conn, "储配站"))]
    assert sorted(urls(pages, prepare.BELOW_HEAD)) == sorted([fill(checklist_id(conn, "充装班")),
                                                              fill(checklist_id(conn, "运行班"))])
    assert fill(checklist_id(conn, "巡线班")) not in urls(pages)  # another workshop's post


def test_a_manager_gets_the_enterprise_lists_and_at_most_the_cap_of_due_registers_and_cards(conn, monkeypatch):
    manager = person(conn, "manager1")
    pages = prepare.for_today(conn, manager)
    assert {fill(checklist_id(conn, tier="enterprise")), fill(checklist_id(conn, tier="lookback"))} <= set(
        urls(pages, prepare.MINE))
    below = urls(pages, prepare.BELOW_MANAGER)
    assert fill(checklist_id(conn, "巡线班")) in below and fill(checklist_id(conn, "管网运行部")) in below
    monkeypatch.setattr(prepare, "BELOW_DUE", 2)
    assert len(urls(prepare.for_today(conn, manager), prepare.BELOW_MANAGER)) == 2


def test_a_grid_worker_gets_each_enterprise_owed_a_visit_with_its_guide_page_open_hazards_and_report_form(conn):
    grid1 = person(conn, "grid1")
    pages = prepare.for_today(conn, grid1, due.local_now() + A_MONTH_ON)
    group = "今日企业：泉州市安泰燃气有限公司"
    open_ids = [h["id"] for h in hazard_lists.search(conn, "h.enterprise_id = 1", [], status="open")]
    assert open_ids and set(urls(pages, group)) == {
        fill(checklist_id(conn, tier="grid")), "/enterprises/1", "/enterprises/1/hazards?status=open",
        "/enterprises/1/hazards/new", *(f"/hazards/{i}" for i in open_ids)}
    assert not [u for u in urls(pages) if u.startswith("/enterprises/2")]  # another grid's enterprise


def test_an_enterprise_visited_this_period_is_not_in_the_grid_workers_day(conn):
    grid1 = person(conn, "grid1")
    inspect_now(conn, checklist_id(conn, tier="grid"), "grid1")
    assert not [u for u in urls(prepare.for_today(conn, grid1)) if u.startswith("/enterprises/1")]


def test_a_grid_workers_day_is_at_most_the_cap_those_owed_longest_first(conn, monkeypatch):
    conn.execute("UPDATE enterprises SET grid_id = (SELECT grid_id FROM users WHERE username = 'grid1') WHERE id = 2")
    monkeypatch.setattr(prepare, "GRID_DAY", 1)
    pages = prepare.for_today(conn, person(conn, "grid1"), due.local_now() + A_MONTH_ON)
    # 恒力 was last visited 33 days before today, 安泰 12 days before: 恒力 has waited longer.
    assert {p.group for p in pages if p.group.startswith("今日企业")} == {"今日企业：晋江市恒力机械制造有限公司"}


def test_a_grid_workers_first_visit_makes_the_guide_it_will_fill(conn):
    conn.execute("UPDATE checklists SET archived_at = '2024-01-01T00:00:00' WHERE enterprise_id = 2 AND tier = 'grid'")
    pages = prepare.for_today(conn, person(conn, "grid2"), due.local_now() + A_MONTH_ON)
    made = checklist_id(conn, tier="grid", enterprise=2)
    assert fill(made) in urls(pages, "今日企业：晋江市恒力机械制造有限公司")


def test_everyone_gets_the_hazards_waiting_for_their_step_in_the_loop(conn):
    for username in ("leader1b", "head1", "manager1", "leader2"):
        user = person(conn, username)
        work = hazard_lists.for_person(conn, user, scope.unit_ids(conn, user))
        waiting = {f"/hazards/{h['id']}" for found in work.values() for h in found}
        assert waiting and set(urls(prepare.for_today(conn, user), prepare.LOOP)) == waiting, username


def test_enterprise_staff_get_their_enterprises_report_form_and_the_supervisor_none(conn):
    for username, enterprise in (("leader1", 1), ("head1", 1), ("manager2", 2)):
        assert urls(prepare.for_today(conn, person(conn, username)), prepare.REPORT) == [
            f"/enterprises/{enterprise}/hazards/new"], username
    assert not [u for u in urls(prepare.for_today(conn, person(conn, "supervisor"))) if u.endswith("/new")]


def test_everyone_gets_the_home_page_the_scanner_and_the_outbox_each_address_once(conn):
    for username in ROLES:
        found = urls(prepare.for_today(conn, person(conn, username)))
        assert {prepare.HOME, prepare.SCAN, prepare.OUTBOX} <= set(found) and len(found) == len(set(found)), username


def sign_pages(conn, *units, enterprise=None):
    """The addresses of the labels in use of the signs at these units (None: the whole enterprise), or of all the
    signs of an enterprise."""
    sql = ("SELECT t.token FROM signs s JOIN sign_tokens t ON t.sign_id = s.id AND t.replaced_at IS NULL"
           " LEFT JOIN units u ON u.id = s.unit_id WHERE s.retired_at IS NULL AND ")
    if enterprise:
        found = conn.execute(sql + "s.enterprise_id = ?", (enterprise,)).fetchall()
    else:
        found = [r for unit in units for r in conn.execute(sql + "u.name IS ?", (unit,)).fetchall()]
    return {f"/q/{r[0]}" for r in found}


def listed_signs(pages, group=None):
    return {url for url in urls(pages, group) if url.startswith("/q/")}


def test_staff_get_the_signs_of_their_own_units_so_a_scan_opens_them_offline(conn):
    """A team leader their post's, a workshop head their workshop's and its posts', a manager the whole
    enterprise's; never another unit's or another enterprise's."""
    for username, want in (("leader1", sign_pages(conn, "充装班")),
                           ("head1", sign_pages(conn, "储配站", "充装班", "运行班")),
                           ("manager1", sign_pages(conn, enterprise=1)),
                           ("manager2", sign_pages(conn, enterprise=2))):
        pages = prepare.for_today(conn, person(conn, username))
        assert want and listed_signs(pages, prepare.SIGNS) == want == listed_signs(pages), username
    assert sign_pages(conn, None) & sign_pages(conn, enterprise=1)  # the gate's board is the manager's alone
    assert not listed_signs(prepare.for_today(conn, person(conn, "head1"))) & sign_pages(conn, None)


def test_a_grid_worker_gets_the_signs_of_each_enterprise_of_the_day(conn):
    pages = prepare.for_today(conn, person(conn, "grid1"), due.local_now() + A_MONTH_ON)
    assert listed_signs(pages, "标识：泉州市安泰燃气有限公司") == sign_pages(conn, enterprise=1)
    assert not listed_signs(pages) & sign_pages(conn, enterprise=2)
    assert not listed_signs(prepare.for_today(conn, person(conn, "supervisor")))


def test_a_reissued_label_is_kept_under_its_new_address_and_a_retired_sign_not_at_all(conn):
    from anbiao import signs

    card, warning = (conn.execute("SELECT s.id FROM signs s JOIN units u ON u.id = s.unit_id WHERE u.name = '充装班'"
                                  " AND s.kind = ?", (kind,)).fetchone()[0] for kind in ("risk_card", "post_warning"))
    old = signs.current(conn, card)["token"]
    new = signs.reissue(conn, signs.get(conn, card))["token"]
    signs.retire(conn, signs.get(conn, warning))
    assert listed_signs(prepare.for_today(conn, person(conn, "leader1"))) == {f"/q/{new}"} != {f"/q/{old}"}


def test_the_signs_kept_are_capped_and_the_heading_says_how_many_wait(conn, monkeypatch):
    monkeypatch.setattr(prepare, "SIGN_PAGES", 2)
    pages = [p for p in prepare.for_today(conn, person(conn, "manager1")) if p.url.startswith("/q/")]
    assert len(pages) == 2 and {p.group for p in pages} == {
        f"{prepare.SIGNS}（共 {len(sign_pages(conn, enterprise=1))} 个，先准备前 2 个）"}


# ---- the answer over HTTP ----

@pytest.mark.parametrize("username", [*ROLES, "leader1b", "head2", "leader2"])
def test_every_page_listed_opens_for_that_person(signed_in, username):
    """The list never names a page the person could not open: each answers 200 with a whole page."""
    who = signed_in(username)
    answer = who.post("/offline/prepare")
    assert answer.status_code == 200 and answer.is_json
    body = answer.get_json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", body["at"])
    for page in body["pages"]:
        assert page["title"] and page["group"], page
        opened = who.get(page["url"])
        assert opened.status_code == 200 and opened.mimetype == "text/html", (page, opened.status_code)


def test_preparing_without_a_key_is_refused(signed_in):
    leader = signed_in("leader1")
    assert leader.post("/offline/prepare", {"idempotency_key": None}).status_code == 400


def test_a_kept_grid_guide_is_started_by_a_plain_link_that_opens_offline(signed_in, conn):
    """The POST that makes a guide cannot work offline; once the guide is kept, the page links its fill page."""
    grid1 = signed_in("grid1")
    page = grid1.get("/enterprises/1").get_data(as_text=True)
    assert f'href="{fill(checklist_id(conn, tier="grid"))}"' in page and "/grid-inspection" not in page
    conn.execute("UPDATE checklists SET archived_at = '2024-01-01T00:00:00' WHERE enterprise_id = 1 AND tier = 'grid'")
    page = grid1.get("/enterprises/1").get_data(as_text=True)
    assert 'action="/enterprises/1/grid-inspection"' in page


# ---- in Chromium, at a phone's viewport ----

HEADING = re.compile(r"^已可离线使用 · 截至 \d\d:\d\d$")


@pytest.fixture
def prepared(live_server, phone, conn):
    """The team leader signed in, the worker in control, 离线准备 tapped and finished; their post card (due this
    shift, never opened on this phone) is the card."""
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.get_by_role("button", name="离线准备").click()
    expect(phone.get_by_role("heading", name=HEADING)).to_be_visible()
    return fill(checklist_id(conn, "充装班"))


def test_one_tap_keeps_the_days_pages_never_visited_and_lists_them_with_the_time(live_server, phone, prepared):
    assert prepared in kept_pages(phone) and "/enterprises/1/hazards/new" in kept_pages(phone)
    box = phone.locator("[data-prepare-list]")
    expect(box.get_by_role("link", name="充装班岗位安全检查卡片")).to_have_attribute("href", prepared)
    expect(box.get_by_role("heading", name="我的检查")).to_be_visible()
    expect(box.get_by_text("未能准备")).to_have_count(0)
    expect(phone.locator("[data-prepare-progress]")).to_be_hidden()
    expect(phone.get_by_role("button", name="离线准备")).to_be_enabled()


def test_a_card_kept_by_preparing_opens_offline_with_a_new_key_each_time(live_server, phone, prepared):
    """One card kept once and filled twice offline is two inspections: each opening carries its own key."""
    phone.context.set_offline(True)  # the worker controls the page already, so it is offline too
    keys = []
    for _ in range(2):
        phone.goto(live_server + prepared)
        expect(phone.locator("[data-offline-copy]")).to_have_text(re.compile(r"^离线 · 页面更新于 \d\d:\d\d$"))
        keys.append(phone.locator("input[name=idempotency_key]").first.get_attribute("value"))
    assert keys[0] != keys[1] and all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in keys)


def test_the_home_page_opened_offline_shows_the_last_list_and_its_time(live_server, phone, prepared):
    phone.context.set_offline(True)
    phone.goto(live_server + "/")
    expect(phone.locator("[data-offline-copy]")).to_be_visible()
    expect(phone.get_by_role("heading", name=HEADING)).to_be_visible()
    phone.locator("[data-prepare-list]").get_by_role("link", name="充装班岗位安全检查卡片").click()
    expect(phone.locator("[data-offline-copy]")).to_be_visible()
    expect(phone.get_by_role("button", name="提交")).to_be_visible()


def test_the_list_belongs_to_the_person_who_prepared_it(live_server, phone, prepared):
    """On a shared phone the next person does not see the last one's list."""
    phone.get_by_role("button", name="退出").click()
    expect(phone).to_have_url(re.compile("/login"))
    sign_in(phone, live_server, "head1")
    expect(phone.get_by_role("heading", name="离线准备")).to_be_visible()
    expect(phone.locator("[data-prepare-list] a")).to_have_count(0)


def test_a_page_that_could_not_be_kept_is_marked_not_ready(live_server, phone, monkeypatch):
    today = prepare.for_today
    monkeypatch.setattr(prepare, "for_today", lambda *args, **kwargs: [
        *today(*args, **kwargs), prepare.Page("/no-such-page", "不存在的页面", prepare.ALWAYS)])
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.get_by_role("button", name="离线准备").click()
    missing = phone.locator("[data-prepare-list] li").filter(has_text="不存在的页面")
    expect(missing).to_contain_text("未能准备")
    expect(phone.locator("[data-prepare-list] li").filter(has_text="充装班岗位安全检查卡片")).not_to_contain_text(
        "未能准备")


def test_a_second_tap_while_preparing_does_nothing(live_server, phone):
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    asked = []
    phone.on("request", lambda r: asked.append(r.url) if r.url.endswith("/offline/prepare") else None)
    phone.get_by_role("button", name="离线准备").dblclick()
    expect(phone.get_by_role("heading", name=HEADING)).to_be_visible()
    assert len(asked) == 1


NO_SERVICE_WORKER = "delete Navigator.prototype.serviceWorker;"
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/4G Language/zh_CN")


def test_a_browser_without_service_workers_says_so_and_wechat_says_how_to_open_in_the_browser(browser, live_server):
    """iOS WeChat's browser cannot keep pages: it is told plainly, told that filled forms still wait in 待同步,
    and shown 「···」→「在浏览器打开」."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=WECHAT)
    context.add_init_script(NO_SERVICE_WORKER)
    try:
        page = context.new_page()
        sign_in(page, live_server, "leader1")
        note = page.locator("[data-prepare-note]")
        expect(note).to_contain_text("不能把页面存到手机上离线打开")
        expect(note).to_contain_text("待同步")
        expect(note).to_contain_text("「···」→「在浏览器打开」")
        expect(page.get_by_role("button", name="离线准备")).to_be_hidden()
        until(page, "() => !('serviceWorker' in navigator)")
    finally:
        context.close()
