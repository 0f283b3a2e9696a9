"""Signing in and out, and what protects it: hashed passwords, CSRF, throttling, cookies, redirects."""

import pytest

from anbiao import db, throttle
from app import create_app

from .conftest import PASSWORD, Client


def has_session(client) -> bool:
    with client.http.session_transaction() as session:
        return "_user_id" in session


def set_cookies(response, name) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_demo_user_signs_in_and_out(signed_in):
    """A signed-in user reaches the home page; after signing out they are sent to the sign-in page."""
    manager = signed_in("manager1")
    assert manager.get("/").status_code == 200
    assert has_session(manager)
    response = manager.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not has_session(manager)
    assert manager.get("/").headers["Location"].startswith("/login")


def test_wrong_password_is_refused_with_chinese_message_and_no_session(client):
    """A wrong password answers 401 with 用户名或密码不正确 and signs nobody in."""
    response = client.post("/login", {"username": "manager1", "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert not has_session(client)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    """An unknown username is not revealed: same 401 and message as a wrong password."""
    response = client.post("/login", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(conn, client):
    """A stopped account's right password is refused."""
    conn.execute("UPDATE users SET active = 0 WHERE username = 'leader1'")
    response = client.post("/login", {"username": "leader1", "password": PASSWORD})
    assert response.status_code == 401
    assert not has_session(client)


def test_passwords_are_stored_only_as_hashes(conn):
    """No users row holds the password in plain text; each holds a salted hash."""
    hashes = [r[0] for r in conn.execute("SELECT password_hash FROM users")]
    assert hashes
    assert all(PASSWORD not in h for h in hashes)
    assert all(h.startswith(("scrypt:", "pbkdf2:")) for h in hashes)
    assert len(set(hashes)) == len(hashes), "same password, different salt"
    for row in conn.execute("SELECT * FROM users"):
        assert PASSWORD not in [str(v) for v in tuple(row)]


def test_post_without_csrf_token_is_refused_with_chinese_page(app):
    """A form POST without the CSRF token answers 400 页面已过期 and signs nobody in."""
    http = app.test_client()
    response = http.post("/login", data={"username": "manager1", "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert http.get("/").headers["Location"].startswith("/login")


def test_signed_in_post_without_csrf_token_changes_nothing(signed_in, conn):
    """A signed-in user's POST without the token is refused before it can add a unit."""
    manager = signed_in("manager1")
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    before = conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]
    response = manager.http.post(f"/enterprises/{enterprise_id}/units/add", data={"kind": "workshop", "name": "新车间"})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM units").fetchone()[0] == before


def test_htmx_post_with_token_in_header_is_accepted(signed_in, conn):
    """htmx sends the token in X-CSRFToken, with no form field; that is accepted."""
    manager = signed_in("manager1")
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    response = manager.post(f"/enterprises/{enterprise_id}/units/add",
                            {"kind": "workshop", "name": "新车间", "csrf_token": None},
                            headers={"X-CSRFToken": manager.csrf, "HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="unit-tree"' in response.get_data(as_text=True)
    assert conn.execute("SELECT 1 FROM units WHERE enterprise_id = ? AND name = '新车间'",
                        (enterprise_id,)).fetchone()


@pytest.fixture
def strict_app(db_path):
    """The app with a sign-in limit of 3 a minute."""
    application = create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret", "TESTING": True,
                              "LOGIN_LIMIT": "3 per minute", "SESSION_COOKIE_SECURE": False})
    throttle.reset()
    yield application
    throttle.reset()
    db.close()


def test_fourth_wrong_password_in_a_minute_is_throttled(strict_app):
    """After 3 attempts for one username the 4th answers 429 尝试次数过多; another username is still heard."""
    client = Client(strict_app)
    client.refresh_token()
    for _ in range(3):
        assert client.post("/login", {"username": "manager1", "password": "wrong"}).status_code == 401
    response = client.post("/login", {"username": "manager1", "password": "wrong"})
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)
    refused = client.post("/login", {"username": "manager1", "password": PASSWORD})
    assert refused.status_code == 429, "the right password does not get through the throttle either"
    assert not has_session(client)
    assert client.post("/login", {"username": "manager2", "password": "wrong"}).status_code == 401


def test_session_cookie_is_httponly_and_samesite_lax(client):
    """The session cookie cannot be read by scripts and is not sent on cross-site POSTs."""
    response = client.post("/login", {"username": "manager1", "password": PASSWORD, "remember": "1"})
    [session] = set_cookies(response, "session")
    assert "HttpOnly" in session and "SameSite=Lax" in session
    [remember] = set_cookies(response, "remember_token")
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_cookies_are_secure_by_default(db_path, monkeypatch):
    """Without ANBIAO_SECURE_COOKIES the session and remember cookies are only sent over HTTPS."""
    monkeypatch.delenv("ANBIAO_SECURE_COOKIES", raising=False)
    application = create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret"})
    throttle.reset()
    try:
        http = application.test_client()
        [session] = set_cookies(http.get("/login"), "session")
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
        assert application.config["REMEMBER_COOKIE_SECURE"] is True
    finally:
        db.close()


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example"])
def test_next_parameter_never_leaves_the_site(client, target):
    """After signing in, a `next` that points off-site goes to / instead."""
    response = client.post("/login", {"username": "manager1", "password": PASSWORD}, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client):
    """A local `next` is followed after signing in."""
    asked = client.get("/library")
    assert asked.headers["Location"].startswith("/login?next=")
    response = client.post(asked.headers["Location"], {"username": "manager1", "password": PASSWORD})
    assert response.headers["Location"] == "/library"


def test_logout_is_post_only(signed_in):
    """A GET to /logout (a link, an image, a prefetch) does not sign anyone out."""
    manager = signed_in("manager1")
    assert manager.get("/logout").status_code == 405
    assert has_session(manager)
    assert manager.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/login", "/", "/enterprises", "/no-such-page"])
def test_responses_vary_on_hx_request(signed_in, path):
    """Pages and fragments share URLs, so every response says it varies on HX-Request."""
    response = signed_in("manager1").get(path)
    assert "HX-Request" in response.headers.get("Vary", "")


def test_create_admin_command_makes_an_admin_who_can_sign_in(app, conn, client):
    """`flask create-admin` with a long password creates an admin account that signs in."""
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "boss", "--name", "x"],
                                          input="longpassword\nlongpassword\n")
    assert result.exit_code == 0, result.output
    assert conn.execute("SELECT role FROM users WHERE username = 'boss'").fetchone()[0] == "admin"
    response = client.post("/login", {"username": "boss", "password": "longpassword"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_create_admin_command_refuses_a_short_password(app, conn):
    """A 5-character password is refused in Chinese and no account is made."""
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "boss", "--name", "x"],
                                          input="abcde\nabcde\n")
    assert result.exit_code != 0
    assert "密码至少8位" in result.output
    assert conn.execute("SELECT 1 FROM users WHERE username = 'boss'").fetchone() is None


def cookie_jar(client) -> dict:
    """The cookies a browser holds for the site, to replay later."""
    return {name: client.http.get_cookie(name).value for name in ("session", "remember_token")
            if client.http.get_cookie(name)}


def replay(app, cookies) -> int:
    """A fresh browser carrying saved cookies asks for the home page; the status it gets."""
    http = app.test_client()
    for name, value in cookies.items():
        http.set_cookie(name, value)
    return http.get("/").status_code


def test_signing_out_ends_every_session_of_the_account(app, signed_in):
    """A cookie saved before sign-out, and the same account on another phone, land on the sign-in page after."""
    phone = signed_in("manager1")
    laptop = Client(app)
    laptop.refresh_token()
    assert laptop.post("/login", {"username": "manager1", "password": PASSWORD, "remember": "1"}).status_code == 302
    saved, remembered = cookie_jar(phone), cookie_jar(laptop)
    assert replay(app, saved) == 200 and replay(app, {"remember_token": remembered["remember_token"]}) == 200
    phone.post("/logout")
    assert replay(app, saved) == 302, "a session cookie saved before sign-out no longer works"
    assert laptop.get("/").status_code == 302, "the other phone is signed out too"
    assert replay(app, {"remember_token": remembered["remember_token"]}) == 302, "remember-me ends as well"


def test_password_set_by_admin_ends_the_accounts_sessions(app, signed_in, conn):
    """When an admin gives an account a new password, that account's open sessions end."""
    leader = signed_in("leader1")
    admin = signed_in("admin")
    account_id = conn.execute("SELECT id FROM users WHERE username = 'leader1'").fetchone()[0]
    assert admin.post(f"/people/{account_id}/password", {"password": "一个新的密码abc"}).status_code == 302
    assert leader.get("/").headers["Location"].startswith("/login")
    assert admin.get("/").status_code == 200, "the admin's own session is untouched"


def test_deactivating_an_account_ends_its_sessions_for_good(app, signed_in, conn):
    """A stopped account is signed out at once, and restoring it does not revive old cookies."""
    leader = signed_in("leader1")
    saved = cookie_jar(leader)
    manager = signed_in("manager1")
    account_id = conn.execute("SELECT id FROM users WHERE username = 'leader1'").fetchone()[0]
    manager.post(f"/people/{account_id}/active", {"active": "0"})
    assert leader.get("/").status_code == 302
    manager.post(f"/people/{account_id}/active", {"active": "1"})
    assert replay(app, saved) == 302


def test_own_password_change_keeps_this_device_and_ends_others(app, signed_in):
    """Changing one's own password keeps this session; the other phone and the old password stop working."""
    here, there = signed_in("head1"), signed_in("head1")
    page = here.get("/account/password").get_data(as_text=True)
    assert 'for="current"' in page and 'for="new"' in page
    response = here.post("/account/password", {"current": PASSWORD, "new": "车间新密码2026", "again": "车间新密码2026"})
    assert response.status_code == 302
    home = here.get("/")
    assert home.status_code == 200, "this device stays signed in"
    assert "密码已修改" in home.get_data(as_text=True)
    assert there.get("/").status_code == 302, "the other device is signed out"
    fresh = Client(app)
    fresh.refresh_token()
    assert fresh.post("/login", {"username": "head1", "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", {"username": "head1", "password": "车间新密码2026"}).status_code == 302


@pytest.mark.parametrize("form, message", [
    ({"current": "wrong-password", "new": "abcdefgh1", "again": "abcdefgh1"}, "当前密码不正确"),
    ({"current": PASSWORD, "new": "abcdefgh1", "again": "abcdefgh2"}, "两次输入的新密码不一致"),
    ({"current": PASSWORD, "new": "short", "again": "short"}, "密码至少8位"),
    ({"current": PASSWORD, "new": "x" * 129, "again": "x" * 129}, "密码不能超过128位"),
])
def test_own_password_change_refuses_bad_input_in_chinese(signed_in, conn, form, message):
    """A wrong current password, a mismatch or a bad length is refused with a Chinese reason and changes nothing."""
    head = signed_in("head1")
    before = conn.execute("SELECT password_hash, session_token FROM users WHERE username = 'head1'").fetchone()
    response = head.post("/account/password", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert conn.execute("SELECT password_hash, session_token FROM users WHERE username = 'head1'").fetchone() == before


def test_password_length_has_a_floor_and_a_ceiling(signed_in, client, conn):
    """A 100,000-character password is refused for a new account, and trying one at sign-in is just a wrong password."""
    admin = signed_in("admin")
    form = {"username": "longpw", "name": "长密码", "role": "supervisor"}
    response = admin.post("/people", {**form, "password": "密" * 100_000})
    assert response.status_code == 422 and "密码不能超过128位" in response.get_data(as_text=True)
    response = admin.post("/people", {**form, "password": "1234567"})
    assert response.status_code == 422 and "密码至少8位" in response.get_data(as_text=True)
    assert not conn.execute("SELECT 1 FROM users WHERE username = 'longpw'").fetchone()
    response = client.post("/login", {"username": "manager1", "password": "x" * 100_000})
    assert response.status_code == 401 and len(response.get_data()) < 50_000


@pytest.mark.parametrize("raw", ["/%09/evil.example", "/%0A/x", "/%0D%0ALocation:%20//evil.example",
                                 "%20//evil.example", "/\t/evil.example", "https:/evil.example", "///evil.example"])
def test_next_with_control_characters_or_whitespace_goes_home(client, raw):
    """`next=/%09/evil.example` and `next=/%0A/x` send the person to / (not //evil.example, not a 500)."""
    response = client.post(f"/login?next={raw}", {"username": "manager1", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_limit_is_one_per_server_not_per_worker(gunicorn):
    """Under gunicorn with 2 workers, 12 wrong passwords sent at once are tried 5 times, not 5 per worker."""
    import concurrent.futures
    import re
    import urllib.error
    import urllib.request
    import uuid

    base = gunicorn(ANBIAO_LOGIN_LIMIT="5 per minute")
    login_page = urllib.request.urlopen(f"{base}/login", timeout=5)
    cookie = login_page.headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.read().decode()).group(1)

    def attempt(_):
        body = urllib.parse.urlencode({"username": "manager1", "password": "wrong", "csrf_token": token,
                                       "idempotency_key": uuid.uuid4().hex}).encode()
        request = urllib.request.Request(f"{base}/login", data=body, headers={"Cookie": cookie})
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as answer:
            return answer.code

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(attempt, range(12)))
    assert answers.count(401) == 5, answers
    assert answers.count(429) == 7, answers
