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
