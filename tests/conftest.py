"""Shared fixtures: a real SQLite file per test (copied from one demo build), signed-in clients,
a live server and Debian's Chromium at a phone viewport."""

import re
import shutil
import subprocess
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from anbiao import db, demo, library, storage, throttle
from app import create_app

from .loop_helpers import assign, rectify, reported
from .object_store import bucket, seaweedfs  # noqa: F401  (fixtures: a real S3 server)

PASSWORD = demo.PASSWORD
ROLES = ["admin", "supervisor", "grid1", "grid2", "manager1", "head1", "leader1", "manager2"]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo world built once per run; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    storage.configure(path.parent / "photos")
    conn = db.connect(path)
    db.migrate(conn)
    library.load(conn)
    demo.load(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.conn.close()
    return path


@pytest.fixture
def db_path(tmp_path, demo_db):
    path = tmp_path / "anbiao.db"
    shutil.copy(demo_db, path)
    shutil.copytree(demo_db.parent / "photos", tmp_path / "photos")  # the app keeps photos beside its database
    return path


@pytest.fixture
def app(db_path):
    application = create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret", "TESTING": True,
                              "LOGIN_LIMIT": "1000 per minute", "SESSION_COOKIE_SECURE": False,
                              "REMEMBER_COOKIE_SECURE": False})
    throttle.reset()
    yield application
    db.close()


@pytest.fixture
def conn(app):
    """The test's database connection (the same file the app uses)."""
    return db.get()


def user_id(conn, username):
    return conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]


class Client:
    """A test client that knows its CSRF token and posts forms with it."""

    def __init__(self, app):
        self.http = app.test_client()
        self.csrf = None

    def refresh_token(self, path="/login"):
        html = self.http.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
            r'"X-CSRFToken": "([^"]+)"', html)
        self.csrf = found.group(1)
        return self.csrf

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        # Every form opened carries a key; a test that means to send none says idempotency_key=None.
        if "Idempotency-Key" not in (kwargs.get("headers") or {}):
            data.setdefault("idempotency_key", uuid.uuid4().hex)
        data = {name: value for name, value in data.items() if value is not None}
        return self.http.post(path, data=data, **kwargs)


@pytest.fixture
def client(app):
    """A client that is not signed in."""
    c = Client(app)
    c.refresh_token()
    return c


@pytest.fixture
def signed_in(app):
    """signed_in('leader1') → a Client signed in as that demo account."""

    def make(username, password=PASSWORD):
        c = Client(app)
        c.refresh_token()
        response = c.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, f"{username} could not sign in"
        c.refresh_token("/")
        return c

    return make


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def gunicorn(db_path):
    """gunicorn(**env) → the base URL of the app served by gunicorn as `make serve` runs it (gunicorn.conf.py),
    on the test's database; stopped when the test ends."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    servers = []

    def start(**env):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        environ = {**os.environ, "ANBIAO_DB": str(db_path), "ANBIAO_SECRET_KEY": "shared-secret",
                   "ANBIAO_SECURE_COOKIES": "0", **env}
        environ.pop("ANBIAO_RATELIMIT_STORAGE", None)
        root = Path(__file__).resolve().parent.parent
        servers.append(subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind",
                                         f"127.0.0.1:{port}", "app:app"], cwd=root, env=environ,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()
                return base
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-gpu"]


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import expect, sync_playwright

    # The suite runs on every core at once (pytest -n auto): a page waits longer than on an idle machine, so what
    # a person would see within seconds is given 15 s before it counts as not shown.
    expect.set_options(timeout=15_000)

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    """Debian's Chromium, driven by Playwright (never its own downloaded browser)."""
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield instance
    instance.close()


def sign_in(page, base, username, password=PASSWORD):
    """Sign in through the form as a person does, starting from no session; waits for the home page."""
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.wait_for_load_state("load")


@pytest.fixture
def phone(browser):
    """A page at a mid-range phone's viewport, in Chinese and Beijing time."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desk(browser):
    """A desktop browser page, as an office prints from."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    yield context.new_page()
    context.close()


# People and hazards at each stage of the loop, for the loop tests.

@pytest.fixture
def leader(signed_in):
    return signed_in("leader1")


@pytest.fixture
def head(signed_in):
    return signed_in("head1")


@pytest.fixture
def manager(signed_in):
    return signed_in("manager1")


@pytest.fixture
def assigned(leader, head, conn):
    """A general hazard at 充装班 reported by leader1 and assigned by head1 to leader1."""
    hazard_id = reported(leader, conn)
    assert assign(head, conn, hazard_id).status_code == 302
    return hazard_id


@pytest.fixture
def rectified(assigned, leader):
    """The assigned hazard fixed by leader1 with an after-photo."""
    assert rectify(leader, assigned).status_code == 302
    return assigned


def run_tool(*command, timeout=60) -> str:
    """A Debian tool's output (soffice, pdftotext, pdffonts…), failing the test if it fails."""
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout).stdout


def copied_app(demo_db, folder):
    """The app on a copy of the demo database in `folder`, for a module's one expensive print run: (app, conn)."""
    shutil.copy(demo_db, folder / "anbiao.db")
    shutil.copytree(demo_db.parent / "photos", folder / "photos")
    application = create_app({"DATABASE": str(folder / "anbiao.db"), "SECRET_KEY": "test-secret", "TESTING": True,
                              "LOGIN_LIMIT": "1000 per minute", "SESSION_COOKIE_SECURE": False})
    throttle.reset()
    return application, db.connect(folder / "anbiao.db")
