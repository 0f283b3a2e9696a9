"""Install and open offline: the manifest, the service worker at /sw.js, pages kept from the last visit shown
with a banner when the network is gone, the offline page, fresh keys on kept forms, and clean releases."""

import io
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from anbiao.assets import Assets

from .conftest import CHROMIUM, CHROMIUM_ARGS, sign_in

STATIC = Path(__file__).resolve().parent.parent / "static"
OFFLINE = Path(__file__).resolve().parent.parent / "offline"


def test_the_manifest_names_the_app_in_chinese_and_its_icons_are_real(client):
    """Name and short name in Chinese, standalone, a theme colour, start URL /, icons of 192 and 512 px and a
    maskable one, each a real PNG of the size it claims."""
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200 and answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.get_data(as_text=True))
    assert manifest["short_name"] == "安标巡检" and "安标巡检" in manifest["name"]
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/" and manifest["theme_color"]
    sizes = set()
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(client.get(icon["src"]).get_data()))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_service_worker_precaches_every_hashed_file_and_the_offline_page(app, client):
    """/sw.js names a version and every style, script and icon under its hashed URL, all of which answer."""
    script = client.get("/sw.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "no-cache" in script.headers["Cache-Control"]
    body = script.get_data(as_text=True)
    precache = json.loads(re.search(r"^const PRECACHE = (.*);$", body, re.M).group(1))
    assert re.search(r'^const VERSION = "[0-9a-f]{12}";$', body, re.M)
    assets = app.extensions["assets"]
    assert sorted(precache) == sorted(f"/static/{assets.names[name]}" for name in assets.cacheable()
                                      if name != "offline/sw.js")
    assert any(url.endswith(".css") for url in precache) and any("offline/register" in url for url in precache)
    for url in precache:
        assert client.get(url).status_code == 200, url
    assert client.get("/offline").status_code == 200


def test_a_page_says_vary_hx_request_so_a_fragment_is_never_cached_as_a_page(signed_in):
    leader = signed_in("leader1")
    for path in ("/", "/login", "/offline"):
        assert "HX-Request" in leader.get(path).headers.get("Vary", ""), path


def test_what_the_worker_fetches_at_install_never_resets_the_session_so_a_sign_in_stands(app, client):
    """The worker installs while the sign-in page is open and fetches the offline page, the manifest and the
    static files with the visitor's cookie; an answer arriving after the sign-in's must not carry a session
    cookie, or it would put the signed-out session back."""
    client.get("/login")
    assets = app.extensions["assets"]
    for path in ["/offline", "/sw.js", "/manifest.webmanifest",
                 *(f"/static/{assets.names[name]}" for name in assets.cacheable())]:
        answer = client.get(path)
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers, path


# In Chromium, at a phone's viewport.

def until(page, script: str, arg=None, seconds: float = 20) -> None:
    """Polls a function in the page until it returns true (a waited-for string would be evaluated in the page,
    which its Content-Security-Policy forbids)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


def controlled(page):
    """Waits until the service worker controls the page and has finished installing. A page whose navigation
    began while the worker was still installing (signing in as it installed) stays uncontrolled, as the spec
    says, until it is loaded again: it is reloaded once the worker is active."""
    until(page, "async () => Boolean((await navigator.serviceWorker.getRegistration())?.active)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    until(page, "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.evaluate("() => navigator.serviceWorker.ready")


def kept_pages(page) -> list[str]:
    return page.evaluate("""async () => {
      const out = [];
      for (const name of await caches.keys()) {
        if (!name.startsWith('anbiao-pages-')) continue;
        for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
      }
      return out;
    }""")


@pytest.fixture
def installed(live_server, phone):
    """The team leader signed in, the service worker in control, the home page and the post card visited."""
    sign_in(phone, live_server, "leader1")
    controlled(phone)
    phone.reload()  # this visit goes through the worker, which keeps it
    card = phone.get_by_role("link", name=re.compile("充装班岗位安全检查卡片")).get_attribute("href")
    phone.goto(live_server + card)
    until(phone, f"""async () => {{
      for (const name of await caches.keys())
        if (name.startsWith('anbiao-pages-') && await (await caches.open(name)).match('{live_server}{card}'))
          return true;
      return false;
    }}""")
    return card


def test_chromium_reports_no_installability_errors(live_server, playwright, tmp_path):
    """In a real (not incognito) profile at a phone's size, Chromium finds nothing that stops installing."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, live_server, "leader1")
        controlled(page)
        errors = context.new_cdp_session(page).send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()


def test_pages_visited_open_offline_with_a_banner_saying_when(live_server, phone, installed):
    """With the network gone, the home page and the card open as last seen, under 「离线 · 页面更新于 HH:MM」,
    styled and with their scripts."""
    phone.context.set_offline(True)
    for path in ("/", installed):
        phone.goto(live_server + path)
        expect(phone.locator("[data-offline-copy]")).to_have_text(re.compile(r"^离线 · 页面更新于 \d\d:\d\d$"))
    expect(phone.get_by_role("button", name="提交")).to_be_visible()
    until(phone, "() => Boolean(window.anbiaoSubmit)")  # the card's scripts came from the cache
    assert phone.evaluate("getComputedStyle(document.querySelector('header.top')).display") != "inline"


def test_a_page_never_visited_opens_the_offline_page_listing_what_is_ready(live_server, phone, installed):
    phone.context.set_offline(True)
    phone.goto(live_server + "/library")
    expect(phone.get_by_role("heading", level=1)).to_have_text("这个页面还不能离线打开")
    ready = phone.locator("[data-ready-list] a")
    expect(ready.filter(has_text="充装班岗位安全检查卡片")).to_have_count(1)
    ready.filter(has_text="充装班岗位安全检查卡片").click()
    expect(phone.locator("[data-offline-copy]")).to_be_visible()


def test_a_kept_form_gets_a_new_key_each_time_it_is_opened(live_server, phone, installed):
    """The same kept card opened twice offline carries two different keys, neither the one it was kept with."""
    online_key = phone.locator("input[name=idempotency_key]").first.get_attribute("value")
    phone.context.set_offline(True)
    keys = []
    for _ in range(2):
        phone.goto(live_server + installed)
        expect(phone.locator("[data-offline-copy]")).to_be_visible()
        keys.append(phone.locator("input[name=idempotency_key]").first.get_attribute("value"))
    assert len({online_key, *keys}) == 3
    assert all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in keys)


def test_a_fragment_is_never_kept_or_served_as_a_page(live_server, phone, installed):
    """What htmx fetches (HX-Request) is not kept; offline, that address opens the offline page, never a bare
    fragment."""
    phone.evaluate("() => fetch('/library', { headers: { 'HX-Request': 'true' } }).then((r) => r.text())")
    assert "/library" not in kept_pages(phone)
    phone.context.set_offline(True)
    phone.goto(live_server + "/library")
    expect(phone.locator("header.top")).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_have_text("这个页面还不能离线打开")


def test_signing_out_forgets_the_kept_pages(live_server, phone, installed):
    """The next person on a shared phone finds none of the last person's pages offline."""
    assert kept_pages(phone)
    phone.get_by_role("button", name="退出").click()
    expect(phone).to_have_url(re.compile("/login"))
    until(phone, """async () => {
      for (const name of await caches.keys())
        if (name.startsWith('anbiao-pages-') && (await (await caches.open(name)).keys()).length) return false;
      return true;
    }""")
    phone.context.set_offline(True)
    phone.goto(live_server + installed)
    expect(phone.get_by_role("heading", level=1)).to_have_text("这个页面还不能离线打开")


class Server:
    """The app over real HTTP that the test can take away, as a phone loses its network: every request, the
    service worker's included, then fails."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.http = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.http:
            self.http.shutdown()
            self.http.server_close()
            self.http = None


@pytest.fixture
def server(app):
    found = Server(app)
    yield found
    found.stop()


def test_a_new_release_replaces_the_cache_and_never_mixes_versions(app, server, phone, tmp_path):
    """A changed stylesheet is a new release: on the next load the new worker fetches its files and the kept
    pages again and deletes the old caches; offline, the kept pages name only the new files."""
    sign_in(phone, server.url, "leader1")
    controlled(phone)
    phone.reload()
    old_css = phone.evaluate("document.querySelector('link[rel=stylesheet]').getAttribute('href')")
    released = tmp_path / "static"
    shutil.copytree(STATIC, released)
    with (released / "app.css").open("a") as css:
        css.write("\n/* release 2 */\n")
    app.extensions["assets"] = Assets(released, {"offline": OFFLINE})
    new_css = "/static/" + app.extensions["assets"].url_name("app.css")
    assert new_css != old_css
    version = re.search(r'VERSION = "(\w+)"', app.test_client().get("/sw.js").get_data(as_text=True)).group(1)
    phone.goto(server.url + "/")
    phone.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    until(phone, """async (version) => {
      const names = (await caches.keys()).filter((n) => n.startsWith('anbiao-')).sort();
      if (names.join() !== `anbiao-pages-${version},anbiao-static-${version}`) return false;
      return (await (await caches.open(`anbiao-pages-${version}`)).keys()).length >= 1;
    }""", version)
    server.stop()
    phone.goto(server.url + "/")
    expect(phone.locator("[data-offline-copy]")).to_be_visible()
    assert phone.evaluate("document.querySelector('link[rel=stylesheet]').getAttribute('href')") == new_css
    assert phone.evaluate("getComputedStyle(document.querySelector('header.top')).display") != "inline"
