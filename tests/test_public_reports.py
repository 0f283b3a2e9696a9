"""随手拍 / 举报 from a sign's QR page without an account: rate-limited, a honeypot and size caps, never a hazard by
itself; 待核实 for the enterprise's manager and its grid worker, who confirm it into a hazard or dismiss it with a
reply; the receipt shows the reporter only the state and the reply."""

import re

import pytest

from anbiao import throttle

from .loop_helpers import assign, call_off_draws, events, hazard_of, post, rectify, upload, verify
from .test_sign_scan import demo_sign

TABLES = ("public_reports", "hazards", "photos", "audit_log", "sign_checks", "sign_presence", "signs")


def counts(conn):
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def send(client, token, **fields):
    client.get(f"/q/{token}/report")  # the page gives the anonymous session its CSRF token
    data = {"description": "充装台旁边有人抽烟，没人管", "phone": "", **fields}
    return post(client, f"/q/{token}/report", data)


def receipt_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return re.search(r"data-receipt>(\w{5})-(\w{5})<", response.get_data(as_text=True)).expand(r"\1\2")


@pytest.fixture
def sent(client, conn):
    """One report from a passer-by at the gas company's 充装 risk card, with a photo and a phone number."""
    _, token = demo_sign(conn)
    code = receipt_of(send(client, token, photo=upload(), phone="138 0000 0000"))
    return conn.execute("SELECT * FROM public_reports WHERE receipt = ?", (code,)).fetchone()


def test_a_passer_by_reports_without_an_account_and_it_waits_as_pending_never_a_hazard(client, conn):
    sign_id, token = demo_sign(conn)
    before = counts(conn)
    page = client.get(f"/q/{token}")
    assert "随手拍 · 我要反映" in page.get_data(as_text=True)
    code = receipt_of(send(client, token, photo=upload(), phone="13800000000"))
    report = conn.execute("SELECT * FROM public_reports WHERE receipt = ?", (code,)).fetchone()
    assert (report["state"], report["sign_id"], report["phone"]) == ("pending", sign_id, "13800000000")
    assert report["photo_id"] is not None
    after = counts(conn)
    assert after["public_reports"] == before["public_reports"] + 1 and after["photos"] == before["photos"] + 1
    assert {t: after[t] for t in TABLES if t not in ("public_reports", "photos")} == \
           {t: before[t] for t in TABLES if t not in ("public_reports", "photos")}


@pytest.mark.parametrize("fields, said", [
    ({"description": "有"}, "请描述看到的问题"),
    ({"description": "问" * 501}, "问题描述不能超过 500 个字"),
    ({"phone": "请打电话给我"}, "联系电话只能填数字"),
    ({"photo": upload(b"not a picture", "fake.jpg")}, "照片有问题"),
    ({"photo": [upload(), upload()]}, "只能附一张照片"),
    ({"website": "http://spam.example"}, "提交未被接受"),
])
def test_a_bad_report_is_refused_in_chinese_and_changes_nothing(client, conn, fields, said):
    _, token = demo_sign(conn)
    before = counts(conn)
    response = send(client, token, **fields)
    assert response.status_code == 422
    assert said in response.get_data(as_text=True)
    assert counts(conn) == before


def test_reports_are_limited_per_address_and_per_sign(app, client, conn):
    _, token = demo_sign(conn)
    before = conn.execute("SELECT COUNT(*) FROM public_reports").fetchone()[0]
    for _ in range(5):
        receipt_of(send(client, token))
    stopped = send(client, token)
    assert stopped.status_code == 429 and "提交太频繁" in stopped.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM public_reports").fetchone()[0] == before + 5
    throttle.reset()
    app.config["REPORT_ADDRESS_LIMIT"] = "1000 per minute"
    app.config["REPORT_SIGN_LIMIT"] = "3 per day"
    for _ in range(3):
        receipt_of(send(client, token))
    assert send(client, token).status_code == 429
    _, other = demo_sign(conn, "禁止烟火")
    receipt_of(send(client, other))  # another sign of the same post is not held back


def test_a_retired_sign_takes_no_reports(client, conn):
    sign_id, token = demo_sign(conn)
    conn.execute("UPDATE signs SET retired_at = '2026-11-01T00:00:00+00:00' WHERE id = ?", (sign_id,))
    assert client.get(f"/q/{token}/report").status_code == 404
    assert "我要反映" not in client.get(f"/q/{token}").get_data(as_text=True)


def test_the_receipt_shows_only_the_state_and_the_public_reply(client, signed_in, conn, sent):
    page = client.get(f"/r?code={sent['receipt'][:5]}-{sent['receipt'][5:].lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "待核实" in html
    for private in ("充装台旁边有人抽烟", "138 0000 0000", "充装岗位安全风险告知卡", "泉州市安泰燃气"):
        assert private not in html, private
    manager = signed_in("manager1")
    post(manager, f"/reports/{sent['id']}/dismiss", {"reply": "已到现场核实，系外来人员，已劝离并加强门岗管理"})
    html = client.get(f"/r?code={sent['receipt']}").get_data(as_text=True)
    assert "经核实不属实或已处理" in html and "已劝离并加强门岗管理" in html
    missing = client.get("/r?code=ABCDE-FGHJK")
    assert missing.status_code == 404 and "没有找到回执编号" in missing.get_data(as_text=True)


def test_receipt_lookups_are_rate_limited(app, client, sent):
    app.config["REPORT_LOOKUP_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get(f"/r?code={sent['receipt']}").status_code == 200
    assert client.get(f"/r?code={sent['receipt']}").status_code == 429


@pytest.mark.parametrize("who", ["manager1", "grid1"])
def test_the_manager_and_the_grid_worker_see_it_waiting_and_confirm_it_into_a_hazard_that_runs_the_loop(
        signed_in, conn, sent, who):
    reviewer = signed_in(who)
    waiting = conn.execute("SELECT COUNT(*) FROM public_reports WHERE state = 'pending'").fetchone()[0]
    assert waiting == 2  # the demo passer-by's report, and this one
    assert "扫码举报待核实（2）" in reviewer.get("/").get_data(as_text=True)
    listing = reviewer.get(f"/enterprises/{sent['enterprise_id']}/reports").get_data(as_text=True)
    assert "充装台旁边有人抽烟" in listing and "138 0000 0000" in listing
    assert reviewer.get(f"/reports/{sent['id']}/photo/thumb.jpg").status_code == 200
    hazard_id = hazard_of(post(reviewer, f"/reports/{sent['id']}/confirm",
                               {"category": "human", "level": "general", "reply": "已核实，已责令整改"}))
    hazard = conn.execute("SELECT * FROM hazards WHERE id = ?", (hazard_id,)).fetchone()
    sign_unit = conn.execute("SELECT unit_id FROM signs WHERE id = ?", (sent["sign_id"],)).fetchone()[0]
    assert (hazard["source"], hazard["unit_id"], hazard["status"]) == ("qr", sign_unit, "reported")
    assert "充装台旁边有人抽烟" in hazard["description"]
    assert conn.execute("SELECT COUNT(*) FROM hazard_photos WHERE hazard_id = ?", (hazard_id,)).fetchone()[0] == 1
    assert "扫码举报待核实（1）" in reviewer.get("/").get_data(as_text=True)
    assign(signed_in("manager1"), conn, hazard_id)
    rectify(signed_in("leader1"), hazard_id)
    verify(signed_in("manager1") if who == "grid1" else signed_in("head1"), hazard_id)
    assert events(conn, hazard_id)[-1] == "verify_pass"


def test_a_report_is_handled_once_and_a_dismissal_needs_a_reply(signed_in, conn, sent):
    manager = signed_in("manager1")
    refused = post(manager, f"/reports/{sent['id']}/dismiss", {"reply": " "})
    assert refused.status_code == 422 and "请填写给举报人的答复" in refused.get_data(as_text=True)
    assert conn.execute("SELECT state FROM public_reports WHERE id = ?", (sent["id"],)).fetchone()[0] == "pending"
    post(manager, f"/reports/{sent['id']}/dismiss", {"reply": "已处理"})
    again = post(signed_in("grid1"), f"/reports/{sent['id']}/confirm", {"category": "human", "level": "general"})
    assert again.status_code == 422 and "已经核实处理过了" in again.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM hazards WHERE source = 'qr'").fetchone()[0] == 0


@pytest.mark.parametrize("who, status", [("leader1", 403), ("head1", 403), ("supervisor", 403), ("manager2", 404),
                                         ("grid2", 404)])
def test_nobody_else_reviews_reports(signed_in, conn, sent, who, status):
    person = signed_in(who)
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    assert person.get(f"/enterprises/{sent['enterprise_id']}/reports").status_code == status
    assert person.get(f"/reports/{sent['id']}/photo/thumb.jpg").status_code == status
    response = post(person, f"/reports/{sent['id']}/confirm", {"category": "human", "level": "general"})
    assert response.status_code == status
    assert conn.execute("SELECT state FROM public_reports WHERE id = ?", (sent["id"],)).fetchone()[0] == "pending"


def test_behind_a_proxy_each_phone_has_its_own_limit_not_the_proxys_address(db_path, conn):
    """With ANBIAO_PROXIES=1 (nginx in front), X-Forwarded-For names the phone: one busy phone does not stop others."""
    from app import create_app

    from .conftest import Client

    _, token = demo_sign(conn)
    behind = create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret", "TESTING": True, "PROXIES": 1,
                         "SESSION_COOKIE_SECURE": False})
    throttle.reset()
    busy, other = Client(behind), Client(behind)
    for client, address in ((busy, "10.1.1.1"), (other, "10.2.2.2")):
        client.http.environ_base["HTTP_X_FORWARDED_FOR"] = address
        client.refresh_token(f"/q/{token}/report")
    for _ in range(5):
        receipt_of(send(busy, token))
    assert send(busy, token).status_code == 429
    receipt_of(send(other, token))
