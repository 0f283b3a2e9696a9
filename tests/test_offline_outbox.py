"""The outbox (待同步): a submission that cannot reach the server waits on the phone with its photos, shows in
the count on every page, and is sent exactly once when the network returns — with or without a service worker,
through dropped connections, server errors, lost answers and two tabs; refusals stay visible until corrected or
discarded; a sign-out keeps them; and they belong to the person who made them.

Every test counts the records on the server side."""

import re
import socket

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import card
from .test_browser_fill import answer_all_ok_but, jpeg
from .test_offline_app import controlled, until
from .test_outbox_replay import evidence

WECHAT_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Mobile/15E148 MicroMessenger/8.0.50(0x1800322a) NetType/4G Language/zh_CN")
CARD = re.compile("充装班岗位安全检查卡片")


def fill_with_hazard(page, tmp_path, photos=2, description="钢瓶检漏记录缺页"):
    """All items 合格 but the first: 不合格 with a description, category, level and photos."""
    fieldsets = page.locator("fieldset[data-item]")
    answer_all_ok_but(fieldsets, 0)
    failed = fieldsets.nth(0)
    failed.get_by_role("radio", name="不合格", exact=True).check()
    failed.get_by_label("隐患描述").fill(description)
    failed.get_by_label("隐患类别").select_option(label="管理上的缺陷")
    failed.get_by_role("radio", name="一般隐患").check()
    colours = ["red", "blue", "green", "yellow"]
    failed.locator("input[type=file][data-photo]").first.set_input_files(
        [jpeg(tmp_path, f"{description}-{n}.jpg", colours[n]) for n in range(photos)])


def outbox_size(page) -> int:
    return page.evaluate("async () => (await window.anbiaoOutbox.list()).length")


@pytest.fixture
def on_card(live_server, phone, conn):
    """leader1 signed in with the service worker in control, on 充装班's card; returns the card's address."""
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.reload()
    phone.get_by_role("link", name=CARD).click()
    expect(phone).to_have_url(re.compile(rf"/checklists/{card(conn)[0]}/fill$"))
    phone.wait_for_load_state("load")
    return phone.url


def test_a_card_filled_offline_is_sent_once_with_its_photos_after_the_tab_was_closed(live_server, phone, conn,
                                                                                     tmp_path):
    """离线准备 → offline → fill a card never opened before, one failed item and two photos → close the tab →
    reopen the app offline (the count says 1) → online: one inspection, one hazard, two photos, the count gone."""
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    context = phone.context
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.get_by_role("button", name="离线准备").click()
    expect(phone.locator("[data-prepare-list]")).to_contain_text("已可离线使用", timeout=20_000)
    context.set_offline(True)
    phone.locator("[data-prepare-list]").get_by_role("link", name=CARD).click()
    expect(phone.locator("[data-offline-copy]")).to_be_visible()
    fill_with_hazard(phone, tmp_path)
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("[data-queued]")).to_contain_text("已存入待同步")
    expect(phone.locator("[data-queued]")).to_contain_text("2 张照片")
    expect(phone.locator("[data-outbox-count]")).to_contain_text("1")
    # Persistent storage was asked for; where the browser says no, the page says the phone may clear the item.
    if phone.evaluate("() => navigator.storage.persisted()"):
        expect(phone.locator("[data-storage-warning]")).to_have_count(0)
    else:
        expect(phone.locator("[data-storage-warning]")).to_contain_text("没有答应长期保存数据")
    phone.close()

    again = context.new_page()
    again.goto(f"{live_server}/")
    expect(again.locator("[data-offline-copy]")).to_be_visible()
    expect(again.locator("[data-outbox-count]")).to_contain_text("1")
    assert evidence(conn, checklist_id) == before

    context.set_offline(False)
    expect(again.locator("[data-outbox-count]")).to_be_hidden(timeout=20_000)
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 2)
    assert outbox_size(again) == 0


def test_without_a_service_worker_in_wechat_the_outbox_still_keeps_and_sends(live_server, browser, conn, tmp_path):
    """iOS WeChat has no service worker: the filled card still waits on the phone with its photos, the page says
    once how to open the system browser, and the card is sent once when the network is back."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=WECHAT_IOS,
                                  service_workers="block")
    try:
        page = context.new_page()
        checklist_id = card(conn)[0]
        before = evidence(conn, checklist_id)
        sign_in(page, live_server, "leader1")
        expect(page.locator("[data-wechat-hint]")).to_contain_text("「···」→「在浏览器打开」")
        assert page.evaluate("navigator.serviceWorker === undefined || !navigator.serviceWorker.controller")
        page.get_by_role("link", name=CARD).click()
        expect(page.locator("[data-wechat-hint]")).to_have_count(0)  # said once
        context.set_offline(True)
        fill_with_hazard(page, tmp_path)
        page.get_by_role("button", name="提交").click()
        expect(page.locator("[data-queued]")).to_contain_text("已存入待同步")
        # Safari and WeChat on iOS clear a site's storage after 7 days unvisited: said while items wait.
        expect(page.locator("[data-storage-warning]")).to_contain_text("7 天")
        page.close()
        assert evidence(conn, checklist_id) == before

        context.set_offline(False)
        page = context.new_page()
        page.goto(f"{live_server}/outbox")
        expect(page.locator("[data-outbox-summary]")).to_have_text("没有待发送的内容。", timeout=20_000)
        expect(page.locator("[data-outbox-count]")).to_be_hidden()
        assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 2)
    finally:
        context.close()


def queue_one(phone, tmp_path, photos=1, description="钢瓶检漏记录缺页"):
    """Fills the card on screen with a hazard and sends it; returns once the phone has it (sent or queued)."""
    fill_with_hazard(phone, tmp_path, photos=photos, description=description)
    phone.get_by_role("button", name="提交").click()


@pytest.mark.parametrize("fault, said", [
    ("connection cut in the middle of the send", "网络不通"),
    ("server error once", "服务器暂时出错（500）"),
])
def test_a_send_that_failed_once_is_retried_after_its_back_off_and_saved_once(on_card, phone, conn, tmp_path,
                                                                              fault, said):
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    failed = []

    def fail_the_first(route):
        if failed:
            route.continue_()
        elif fault == "server error once":
            failed.append(True)
            route.fulfill(status=500, content_type="text/html", body="<main><h1>系统出错</h1></main>")
        else:
            failed.append(True)
            route.abort("connectionreset")

    phone.route(re.compile(r"/checklists/\d+/inspections$"), fail_the_first)
    queue_one(phone, tmp_path)
    expect(phone.locator("[data-queued]")).to_contain_text(said)
    # Sent again by the page's back-off or, after a dropped connection, at once by Background Sync: either way
    # the phone forgets it only once the server holds it, and holds it once.
    until(phone, "async () => (await window.anbiaoOutbox.list()).length === 0", seconds=30)
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 1)
    expect(phone.locator("[data-outbox-count]")).to_be_hidden()


def lose_the_first_answer(app, path: str):
    """The server saves the first POST to `path` and the connection drops before its answer leaves (a browser
    route cannot do this with photos: it loses a fetch's file parts when it forwards the request itself)."""
    inner, lost = app.wsgi_app, []

    def wsgi(environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or not re.search(path, environ["PATH_INFO"]) or lost:
            return inner(environ, start_response)
        lost.append(True)
        b"".join(inner(environ, lambda *args, **kwargs: (lambda data: None)))
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        start_response("200 OK", [])
        return []

    app.wsgi_app = wsgi
    return lost


def test_an_answer_lost_after_the_server_saved_is_confirmed_by_the_resend_not_saved_twice(app, on_card, phone, conn,
                                                                                          tmp_path):
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    lost = lose_the_first_answer(app, r"^/checklists/\d+/inspections$")
    queue_one(phone, tmp_path, photos=2)
    expect(phone.locator("[data-queued]")).to_be_visible()
    assert lost and evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 2)
    phone.get_by_role("link", name="查看待同步").click()
    phone.get_by_role("button", name="立即同步").click()
    expect(phone.locator("[data-outbox-summary]")).to_have_text("没有待发送的内容。", timeout=20_000)
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 2)


def test_two_tabs_sending_the_outbox_at_the_same_moment_save_it_once(on_card, phone, conn, tmp_path, live_server):
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    context = phone.context
    context.set_offline(True)
    queue_one(phone, tmp_path, description="第一份")
    expect(phone.locator("[data-queued]")).to_be_visible()
    phone.reload()
    queue_one(phone, tmp_path, description="第二份")
    expect(phone.locator("[data-queued]")).to_be_visible()
    other = context.new_page()
    other.goto(f"{live_server}/")
    expect(other.locator("[data-outbox-count]")).to_contain_text("2")
    context.set_offline(False)  # both tabs hear `online` at once
    for page in (phone, other):
        expect(page.locator("[data-outbox-count]")).to_be_hidden(timeout=30_000)
    assert evidence(conn, checklist_id) == (before[0] + 2, before[1] + 2, before[2] + 2)
    found = [row[0] for row in conn.execute(
        "SELECT h.description FROM hazards h JOIN inspections i ON i.id = h.inspection_id WHERE i.checklist_id = ?"
        " ORDER BY h.id DESC LIMIT 2", (checklist_id,))]
    assert found == ["第二份", "第一份"]  # in the order they were made


def test_a_refused_item_stays_as_needing_attention_and_is_corrected_and_resent_with_its_key(
        on_card, phone, conn, tmp_path, live_server):
    """The card changed while the phone was offline (a new item): the server refuses, the item shows as 需处理 with
    the server's words; opened, it comes back in its form with its answers and photos, and once the new item is
    answered it is saved once, under the key it was made with."""
    from anbiao import checklists, library

    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    phone.context.set_offline(True)
    queue_one(phone, tmp_path, photos=2)
    expect(phone.locator("[data-queued]")).to_be_visible()
    key = phone.evaluate("async () => (await window.anbiaoOutbox.list())[0].key")
    changed = conn.execute("SELECT * FROM checklists WHERE id = ?", (checklist_id,)).fetchone()
    checklists.add_item(conn, dict(changed), aspect=library.ASPECTS[0], content="新增：钢瓶防倒链完好")

    phone.context.set_offline(False)
    phone.goto(f"{live_server}/outbox")
    item = phone.locator("[data-outbox-item]")
    expect(item).to_have_attribute("data-state", "refused", timeout=20_000)
    expect(item).to_contain_text("需处理")
    expect(item.get_by_role("alert")).to_contain_text("未作答")
    expect(item.locator("img")).to_have_count(2)  # the photos show from the phone
    expect(phone.locator("[data-outbox-count]")).to_contain_text("需处理 1")
    assert evidence(conn, checklist_id) == before

    phone.reload()  # a refusal is never sent again by itself
    expect(phone.locator("[data-outbox-item]")).to_have_attribute("data-state", "refused")
    phone.get_by_role("link", name="打开修改").click()
    expect(phone.locator("[data-form-alert]")).to_contain_text("未作答")
    fieldsets = phone.locator("fieldset[data-item]")
    expect(fieldsets.nth(0).get_by_label("隐患描述")).to_have_value("钢瓶检漏记录缺页")
    expect(fieldsets.nth(0).locator("[data-previews] img")).to_have_count(2)
    assert phone.locator("main input[name=idempotency_key]").input_value() == key
    fieldsets.last.get_by_role("radio", name="合格", exact=True).check()
    phone.get_by_role("button", name="提交").click()
    expect(phone).to_have_url(re.compile(r"/inspections/\d+$"))
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 2)
    assert conn.execute("SELECT COUNT(*) FROM idempotency WHERE key = ?", (key,)).fetchone()[0] == 1
    until(phone, "async () => (await window.anbiaoOutbox.list()).length === 0")
    expect(phone.locator("[data-outbox-count]")).to_be_hidden()


def test_a_conflict_stays_visible_and_is_discarded_only_after_confirming(on_card, phone, conn, tmp_path,
                                                                         live_server):
    """The server already holds other content under the item's key (409): 需处理 with its reason, until the person
    discards it and confirms; declining the confirmation keeps it."""
    checklist_id = card(conn)[0]
    phone.context.set_offline(True)
    queue_one(phone, tmp_path)
    expect(phone.locator("[data-queued]")).to_be_visible()
    key = phone.evaluate("async () => (await window.anbiaoOutbox.list())[0].key")
    leader = conn.execute("SELECT id FROM users WHERE username = 'leader1'").fetchone()[0]
    conn.execute("INSERT INTO idempotency (key, user_id, request_hash, status, location, created_at)"
                 " VALUES (?, ?, 'other content', 302, '/', '2026-01-01T00:00:00+00:00')", (key, leader))
    before = evidence(conn, checklist_id)
    phone.context.set_offline(False)
    phone.goto(f"{live_server}/outbox")
    item = phone.locator("[data-outbox-item]")
    expect(item).to_have_attribute("data-state", "refused", timeout=20_000)
    expect(item.get_by_role("alert")).to_contain_text("这个提交编号已用于另一份不同的内容")

    phone.once("dialog", lambda dialog: dialog.dismiss())
    item.get_by_role("button", name="放弃").click()
    expect(item).to_be_visible()
    phone.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="放弃").click()
    expect(phone.locator("[data-outbox-item]")).to_have_count(0)
    expect(phone.locator("[data-outbox-summary]")).to_have_text("没有待发送的内容。")
    assert evidence(conn, checklist_id) == before


def test_a_signed_out_session_keeps_every_item_and_sends_after_signing_in_again(on_card, phone, conn, tmp_path,
                                                                                live_server):
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    phone.context.set_offline(True)
    queue_one(phone, tmp_path)
    expect(phone.locator("[data-queued]")).to_be_visible()
    phone.context.clear_cookies()  # the session ended while the phone was away (e.g. password changed)
    phone.context.set_offline(False)
    until(phone, "async () => (await window.anbiaoOutbox.list()).some((i) => i.state === 'login')")
    assert outbox_size(phone) == 1 and evidence(conn, checklist_id) == before

    sign_in(phone, live_server, "leader1")
    expect(phone.locator("[data-outbox-count]")).to_be_hidden(timeout=20_000)
    until(phone, "async () => (await window.anbiaoOutbox.list()).length === 0")
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_items_belong_to_their_maker_on_a_shared_phone(on_card, phone, conn, tmp_path, live_server):
    """Signing out with an item unsent warns first; the next person never sees, sends or discards it; it is sent
    when its owner signs in again."""
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    card_posts = re.compile(r"/checklists/\d+/inspections$")
    phone.route(card_posts, lambda route: route.fulfill(status=503, body="维护中"))  # the server cannot save now
    queue_one(phone, tmp_path)
    expect(phone.locator("[data-queued]")).to_contain_text("服务器暂时出错（503）")
    phone.get_by_role("button", name="退出").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text("还有 1 份内容没有发送")
    dialog.get_by_role("button", name="现在发送").click()
    expect(dialog).to_contain_text("仍有 1 份没能发送")
    with phone.expect_navigation():
        dialog.get_by_role("button", name="仍然退出").click()
    expect(phone).to_have_url(re.compile(r"/login"))
    phone.unroute(card_posts)  # from here on the server would save it for whoever sent it
    assert evidence(conn, checklist_id) == before

    sign_in(phone, live_server, "leader1b")  # another team leader on the same phone
    phone.wait_for_timeout(1500)  # time for anything that would send on load
    expect(phone.locator("[data-outbox-count]")).to_be_hidden()
    phone.goto(f"{live_server}/outbox")
    expect(phone.locator("[data-outbox-summary]")).to_have_text("没有待发送的内容。")
    expect(phone.get_by_role("button", name="放弃")).to_have_count(0)
    phone.get_by_role("button", name="立即同步").click()
    phone.wait_for_timeout(1000)
    assert outbox_size(phone) == 1 and evidence(conn, checklist_id) == before

    sign_in(phone, live_server, "leader1")
    until(phone, "async () => (await window.anbiaoOutbox.list()).length === 0")
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_a_rectification_made_offline_reaches_the_loop_with_its_photo_and_capture_time(
        live_server, phone, conn, assigned, tmp_path):
    """整改 is a form like any other: made offline from the kept hazard page, it waits, then moves the hazard on
    with its after-photo, whose capture time (kept beside the shrunk copy) comes along."""
    image = Image.new("RGB", (3000, 4000), "seagreen")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 08:30:00"
    after = tmp_path / "after.jpg"
    image.save(after, "JPEG", quality=85, exif=exif)
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.goto(f"{live_server}/hazards/{assigned}")
    expect(phone.get_by_role("button", name="提交整改")).to_be_visible()
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.locator("[data-offline-copy]")).to_be_visible()
    phone.get_by_label("整改情况").fill("已更换接地夹")
    phone.locator("input[type=file][name=photos]").set_input_files(after)
    phone.get_by_role("button", name="提交整改").click()
    expect(phone.locator("[data-queued]")).to_contain_text("1 张照片")
    title = phone.evaluate("async () => (await window.anbiaoOutbox.list())[0].title")
    assert title.endswith("· 提交整改")
    assert conn.execute("SELECT status FROM hazards WHERE id = ?", (assigned,)).fetchone()[0] == "assigned"

    expect(phone.locator("[data-outbox-count]")).to_contain_text("1")
    phone.context.set_offline(False)
    expect(phone.locator("[data-outbox-count]")).to_be_hidden(timeout=20_000)
    assert conn.execute("SELECT status FROM hazards WHERE id = ?", (assigned,)).fetchone()[0] == "rectified"
    photo = conn.execute("SELECT p.* FROM photos p JOIN hazard_photos hp ON hp.photo_id = p.id"
                         " WHERE hp.hazard_id = ? AND hp.stage = 'after'", (assigned,)).fetchone()
    assert max(photo["width"], photo["height"]) <= 1600 and photo["taken_at"] == "2026-11-20T08:30:00"


def test_background_sync_sends_the_outbox_with_no_page_of_the_app_open(on_card, phone, conn, tmp_path, live_server):
    """Where the browser has Background Sync, the service worker sends what waits even when no page of the app
    that could send it is open (only the offline page, which sends nothing)."""
    checklist_id = card(conn)[0]
    before = evidence(conn, checklist_id)
    context = phone.context
    context.set_offline(True)
    queue_one(phone, tmp_path)
    expect(phone.locator("[data-queued]")).to_be_visible()
    bystander = context.new_page()
    bystander.goto(f"{live_server}/offline")  # kept by the worker; no outbox script runs there
    phone.close()
    cdp = context.new_cdp_session(bystander)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    until(bystander, "() => true")  # let the registration event arrive
    assert registrations and evidence(conn, checklist_id) == before
    context.set_offline(False)
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": live_server, "registrationId":
                                                 registrations[0]["registrationId"], "tag": "anbiao-outbox",
                                                 "lastChance": False})
    for _ in range(100):
        if evidence(conn, checklist_id) != before:
            break
        bystander.wait_for_timeout(100)
    assert evidence(conn, checklist_id) == (before[0] + 1, before[1] + 1, before[2] + 1)
    until(bystander, """() => new Promise((resolve) => {
      const asked = indexedDB.open('anbiao-outbox');
      asked.onsuccess = () => {
        const counted = asked.result.transaction('items').objectStore('items').count();
        counted.onsuccess = () => { asked.result.close(); resolve(counted.result === 0); };
      };
    })""")  # and the phone forgot it once the server confirmed it
