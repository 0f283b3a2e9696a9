"""Real-browser tests at a phone viewport (Debian Chromium via Playwright)."""

from playwright.sync_api import expect

from .conftest import sign_in


def test_team_leader_sees_todays_card_due_on_phone(live_server, phone):
    sign_in(phone, live_server, "leader1")
    mine = phone.locator("#mine")
    expect(mine).to_contain_text("充装班岗位安全检查卡片")
    expect(mine).to_contain_text("待完成")
    expect(mine).to_contain_text("每班")
    # The card is the first thing under the thumb, not below the fold.
    phone.wait_for_load_state("load")
    box = mine.locator("a.row").first.bounding_box()
    assert box["y"] + box["height"] < 844
    assert box["height"] >= 48
    # Nothing of another post or workshop is listed.
    expect(phone.locator("body")).not_to_contain_text("运行班岗位安全检查卡片")


def test_wrong_password_says_so_in_chinese(live_server, phone):
    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill("leader1")
    phone.get_by_label("密码", exact=True).fill("wrong-password")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("alert")).to_contain_text("用户名或密码不正确")
