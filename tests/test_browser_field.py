"""What a person notices on the phone: counts that match the lists, times read in Beijing time, the
挂牌督办 badge on a major hazard from the start, and pages that run under the Content-Security-Policy."""

import re

from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import card, card_form, ent_id, post, unit_id, upload


def test_team_leader_count_of_open_hazards_matches_the_list(live_server, phone, conn):
    sign_in(phone, live_server, "leader1b")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}")
    count = phone.get_by_role("link", name=re.compile("未闭环隐患"))
    expect(count).to_be_visible()
    shown = int(re.search(r"\d+", count.inner_text()).group())
    count.click()
    expect(phone.locator(".counts")).to_have_text(f"共 {shown} 条")
    expect(phone.locator("main a[href^='/hazards/']")).to_have_count(shown)


def test_team_leader_with_nothing_open_sees_cleared_not_a_count(live_server, phone, conn):
    sign_in(phone, live_server, "leader1")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}")
    expect(phone.get_by_text(re.compile("未闭环隐患"))).to_have_count(0)
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}/hazards?status=open")
    expect(phone.locator(".counts")).to_have_text("共 0 条")


def test_phone_time_of_a_record_reads_as_beijing_time_with_the_difference(live_server, phone, signed_in, conn):
    checklist_id, items = card(conn)
    # The phone sent UTC (as JavaScript's toISOString does) and its clock was 3 hours behind.
    sent = post(signed_in("leader1"), f"/checklists/{checklist_id}/inspections",
                card_form(items, client_time="2020-01-01T04:00:00.000Z"))
    assert sent.status_code == 302
    sign_in(phone, live_server, "leader1")
    phone.goto(live_server + sent.headers["Location"])
    phone_time = phone.locator("dt:has-text('手机时间') + dd")
    expect(phone_time).to_contain_text("1月1日 12:00:00（北京时间）")
    expect(phone_time).to_contain_text("手机时钟比服务器慢")
    expect(phone.locator("main")).not_to_contain_text("T04:00")


def test_major_hazard_shows_supervised_badge_from_the_moment_it_is_reported(live_server, phone, signed_in, conn):
    sent = post(signed_in("leader1"), f"/enterprises/{ent_id(conn)}/hazards/new", {
        "unit_id": unit_id(conn, "充装班"), "description": "充装台静电接地线断开", "category": "thing",
        "level": "major", "photos": upload()})
    assert sent.status_code == 302
    sign_in(phone, live_server, "leader1")
    phone.goto(live_server + sent.headers["Location"])
    expect(phone.locator("main .badge", has_text="挂牌督办")).to_be_visible()
    expect(phone.locator("main .badge", has_text="重大隐患")).to_be_visible()
    sign_in(phone, live_server, "supervisor")
    row = phone.locator("#supervised").get_by_role("link", name=re.compile("充装台静电接地线断开"))
    expect(row).to_be_visible()
    row.click()
    expect(phone.locator("main .badge", has_text="挂牌督办")).to_be_visible()


def test_pages_run_without_breaking_the_content_security_policy(live_server, phone, conn):
    refused = []
    phone.on("console", lambda message: refused.append(message.text)
             if "Content Security Policy" in message.text else None)
    sign_in(phone, live_server, "leader1")
    checklist_id, _ = card(conn)
    for path in ("/", f"/checklists/{checklist_id}/fill", f"/enterprises/{ent_id(conn)}/hazards/new",
                 f"/enterprises/{ent_id(conn)}"):
        phone.goto(live_server + path)
        phone.wait_for_load_state("load")
    phone.goto(f"{live_server}/checklists/{checklist_id}/fill")
    phone.locator("input[type=radio][value=hazard]").first.check()
    expect(phone.locator("[data-when-hazard]").first).to_be_visible()
    assert refused == []
