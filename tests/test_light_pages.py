"""Light pages for a phone on weak 4G: compressed responses, static files cached a year under hashed names, only
the scripts a page uses, nothing that moves while scripts arrive, and no location prompt before the person acts."""

import gzip
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import brotli
import pytest
from playwright.sync_api import expect

from anbiao.assets import Assets, hashed_name

from .conftest import sign_in

STATIC = Path(__file__).resolve().parent.parent / "static"
HASHED = re.compile(r"^/static/(?:[\w.-]+/)*[\w.-]+\.[0-9a-f]{10}(?:\.\w+)?$")
# Every page installs the service worker; then what each kind of page needs, in the order base.html links them.
ALWAYS = ["offline/register.js"]
SIGNED_IN = [*ALWAYS, "offline/outbox.js", "offline/pending.js"]  # the outbox's count and sending, on every page
BUNDLES = {"forms": ["photo.js", "fill.js", "reasons.js", "locate.js", "token.js", "submit.js"],
           "htmx": ["vendor/htmx-2.0.11.min.js"], "derive": ["derive.js"], "busy": ["busy.js"]}


def source(name: str) -> Path:
    """The file a static name is made from: static/, or offline/ for the offline layer's scripts."""
    return STATIC.parent / name if name.startswith("offline/") else STATIC / name


def card_path(leader) -> str:
    """The team leader's own post card, as their home links it."""
    return re.search(r'href="(/checklists/\d+/fill)"', leader.get("/").get_data(as_text=True)).group(1)


def linked(html: str) -> list[str]:
    """The static URLs a page links: stylesheet, icon and scripts, in page order."""
    return re.findall(r'<(?:link|script)\b[^>]*\b(?:href|src)="(/static/[^"]+)"', html)


def scripts(app, html: str) -> list[str]:
    """The static names of the scripts a page loads, in page order."""
    plain = {hashed: name for name, hashed in app.extensions["assets"].names.items()}
    return [plain[src.removeprefix("/static/")] for src in re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)]


def needed(html: str) -> list[str]:
    """The scripts a page's own markup calls for."""
    kinds = []
    if re.search(r"<form\b[^>]*\sdata-submit\b", html):
        kinds.append("forms")
    if re.search(r"\shx-(?!headers=)[a-z-]+=", html):  # hx-headers on <body> only matters once htmx is there
        kinds.append("htmx")
    if re.search(r"<form\b[^>]*\sdata-derive\b", html):
        kinds.append("derive")
    if re.search(r"<button\b[^>]*\sdata-busy=", html):
        kinds.append("busy")
    own = ["offline/prepare.js"] if re.search(r"\sdata-prepare(?=[\s>])", html) else []  # the home page's 离线准备
    if re.search(r"\sdata-scanner(?=[\s>])", html):  # 扫一扫: only the scanner loads the QR decoder
        own += ["vendor/jsqr-1.4.0.min.js", "scan.js"]
    if re.search(r"<form\b[^>]*\sdata-presence\b", html):  # a signed-in scan of a sign sends its presence
        own.append("presence.js")
    if re.search(r"<button\b[^>]*\sdata-print\b", html):  # the A4 sign labels and posters
        own.append("print.js")
    if re.search(r"\sdata-risk-form(?=[\s>])", html):  # the live score of a risk point's assessment
        own.append("risk_form.js")
    if re.search(r"\sdata-risk-map(?=[\s>])", html):  # placing points and zones on a risk map by touch
        own.append("risk_map.js")
    always = SIGNED_IN if "data-user=" in html else ALWAYS
    return [*always, *(name for kind in BUNDLES if kind in kinds for name in BUNDLES[kind]), *own]


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_styles_and_scripts_travel_compressed(signed_in, encoding, decode):
    """Asked with Accept-Encoding br or gzip, a page, its CSS and its scripts come compressed that way, and say
    they vary by Accept-Encoding (the page by HX-Request as well); a file carries none of a document's headers, which
    would cost a phone ~0.3 KB a file on first load, but still forbids sniffing its type."""
    leader = signed_in("leader1")
    path = card_path(leader)
    page = leader.get(path, headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding
    assert "提交" in decode(page.get_data()).decode()
    plain = leader.get(path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    files = linked(plain.get_data(as_text=True))
    assert any(f.endswith(".css") for f in files) and any(f.endswith(".js") for f in files)
    for url in [path, *(f for f in files if f.endswith((".css", ".js")))]:
        if len(leader.get(url, headers={"Accept-Encoding": "identity"}).get_data()) < 500:
            continue  # a file this small travels as it is: compressing it would not make it smaller
        answer = leader.get(url, headers={"Accept-Encoding": encoding})
        assert answer.headers["Content-Encoding"] == encoding, url
        vary = {v.strip().lower() for v in answer.headers["Vary"].split(",")}
        assert {"accept-encoding", "hx-request"} <= vary if url == path else vary == {"accept-encoding"}, url
        document = {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"}
        assert document & set(answer.headers.keys()) == (document if url == path else set()), url
        assert answer.headers["X-Content-Type-Options"] == "nosniff", url
        assert len(answer.get_data()) < len(decode(answer.get_data())), url
    name = next(f for f in files if f.endswith(".css"))
    assert decode(leader.get(name, headers={"Accept-Encoding": encoding}).get_data()) == \
        (STATIC / "app.css").read_bytes()


def test_images_and_spreadsheets_are_not_compressed_again(signed_in):
    """The icon (PNG inside) and an xlsx are already compressed: they go as they are."""
    admin = signed_in("admin")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', admin.get("/").get_data(as_text=True)).group(1)
    for url in (icon, "/enterprises/import/template.xlsx"):
        answer = admin.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert answer.status_code == 200, url
        assert "Content-Encoding" not in answer.headers, url
    assert admin.get(icon).get_data() == (STATIC / "favicon.ico").read_bytes()


def test_static_files_are_cached_for_a_year_under_hashed_names(app, client, signed_in):
    """Every static file a page links has its content hash in its name and is cached a year, immutable, with
    nothing personal on it (no cookie set, no Vary: Cookie) so the phone never asks for it again."""
    leader = signed_in("leader1")
    pages = [(client, "/login"), (leader, "/"), (leader, card_path(leader))]
    urls = {url for who, path in pages for url in linked(who.get(path).get_data(as_text=True))}
    assert any("favicon" in url for url in urls) and any(url.endswith(".css") for url in urls)
    for url in urls:
        assert HASHED.match(url), url
        answer = leader.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert "Set-Cookie" not in answer.headers, url
        assert "cookie" not in answer.headers.get("Vary", "").lower(), url
        name = next(n for n, h in app.extensions["assets"].names.items() if url == f"/static/{h}")
        assert answer.get_data() == source(name).read_bytes(), url


def test_plain_static_names_still_answer_with_a_short_cache(client):
    """Whatever still links /static/app.css gets the file, kept only minutes (it may change on the next deploy)."""
    answer = client.get("/static/app.css")
    assert answer.status_code == 200
    assert answer.get_data() == (STATIC / "app.css").read_bytes()
    assert "max-age=600" in answer.headers["Cache-Control"] and "immutable" not in answer.headers["Cache-Control"]
    assert client.get("/static/app.0123456789.css").status_code == 404


def test_a_hashed_name_changes_when_the_files_content_changes(tmp_path):
    """Same content, same name; one byte changed, a new name, so no phone keeps the old file."""
    folder = tmp_path / "static"
    (folder / "vendor").mkdir(parents=True)
    (folder / "app.css").write_text("body { color: black; }")
    (folder / "vendor" / "lib.min.js").write_text("var a = 1;")
    first = Assets(folder)
    assert first.url_name("app.css") == hashed_name("app.css", b"body { color: black; }")
    assert re.fullmatch(r"app\.[0-9a-f]{10}\.css", first.url_name("app.css"))
    assert re.fullmatch(r"vendor/lib\.min\.[0-9a-f]{10}\.js", first.url_name("vendor/lib.min.js"))
    assert Assets(folder).names == first.names
    (folder / "app.css").write_text("body { color: navy; }")
    second = Assets(folder)
    assert second.url_name("app.css") != first.url_name("app.css")
    assert second.url_name("vendor/lib.min.js") == first.url_name("vendor/lib.min.js")
    assert second.files[second.url_name("app.css")][0] == b"body { color: navy; }"
    assert first.url_name("missing.js") == "missing.js"


def test_the_sign_in_page_loads_only_the_installer_and_the_fill_page_only_its_forms(app, client, signed_in):
    """Signing in needs no script but the service worker's installer; the home page adds only its 离线准备; the
    fill page adds photo.js, fill.js, reasons.js, locate.js, token.js and submit.js, in that order (submit.js uses
    the other five, reasons.js uses fill.js), deferred, and not htmx or derive.js."""
    assert scripts(app, client.get("/login").get_data(as_text=True)) == ALWAYS
    leader = signed_in("leader1")
    assert scripts(app, leader.get("/").get_data(as_text=True)) == [*SIGNED_IN, "offline/prepare.js"]
    fill = leader.get(card_path(leader)).get_data(as_text=True)
    assert scripts(app, fill) == [*SIGNED_IN, "photo.js", "fill.js", "reasons.js", "locate.js", "token.js", "submit.js"]
    assert all(" defer" in tag for tag in re.findall(r"<script\b[^>]*>", fill))


def test_every_page_links_the_scripts_its_markup_uses_and_no_other(app, signed_in):
    """Each page a person reaches by following links gets exactly the scripts its own markup calls for: the form
    scripts where a data-submit form is, htmx where hx- attributes are, derive.js where items are picked."""
    kinds = set()
    for username in ("leader1", "head1", "manager1", "grid1", "supervisor", "admin"):
        who = signed_in(username)
        queue, seen, checked = ["/"], {"/"}, 0
        while queue and checked < 40:
            path = queue.pop(0)
            answer = who.get(path)
            if answer.status_code != 200 or answer.mimetype != "text/html":
                continue
            html = answer.get_data(as_text=True)
            checked += 1
            assert scripts(app, html) == needed(html), f"{username} {path}"
            kinds.update(kind for kind, files in BUNDLES.items() if files[-1] in needed(html))
            for href in re.findall(r'href="([^"#]+)"', html):
                url = urlsplit(urljoin(path, href))
                target = url.path + (f"?{url.query}" if url.query else "")
                shape = re.sub(r"\d+", "N", url.path)  # one page of each kind: the crawl reaches every kind sooner
                if url.netloc or not url.path.startswith("/") or shape in seen or \
                        url.path.startswith(("/static/", "/photos/", "/q/")) or url.path.endswith(".xlsx"):
                    continue
                seen.add(shape)
                queue.append(target)
    assert kinds == set(BUNDLES), "the pages visited include each kind of script"


# In the browser, at a phone's viewport.

LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(total), 100)));
})"""


@pytest.fixture
def first_visit_phone(browser):
    """A phone on its first visit: no service worker yet, so every script comes over the (slow) network."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  service_workers="block")
    yield context.new_page()
    context.close()


def test_the_fill_page_does_not_move_when_its_scripts_arrive_after_it_is_drawn(live_server, first_visit_phone):
    """On slow 4G the page is painted before its scripts arrive; when they run, nothing on it moves
    (Cumulative Layout Shift ≤ 0.01)."""
    phone = first_visit_phone
    sign_in(phone, live_server, "leader1")
    card = phone.get_by_role("link", name=re.compile("充装班岗位安全检查卡片")).get_attribute("href")
    held, released = [], []
    # Scripts wait, as over a slow link, until the page has been drawn; later ones (the service worker) go at once.
    phone.route("**/*.js", lambda route: route.continue_() if released else held.append(route))
    phone.goto(live_server + card, wait_until="commit")
    # Polled from here: a string waited for in the page would be evaluated, which its CSP forbids.
    painted = "() => performance.getEntriesByType('paint').some((e) => e.name === 'first-contentful-paint')"
    while not phone.evaluate(painted):
        phone.wait_for_timeout(20)
    while len(held) < len(SIGNED_IN) + len(BUNDLES["forms"]):
        phone.wait_for_timeout(20)
    assert not phone.evaluate("Boolean(window.anbiaoSubmit)")
    released.append(True)
    for route in held:
        route.continue_()
    while not phone.evaluate("() => Boolean(window.anbiaoSubmit)"):  # polled from here, as above
        phone.wait_for_timeout(20)
    expect(phone.locator("[data-progress]")).to_have_text(re.compile(r"已答 0 / \d+ 项"))
    assert phone.evaluate(LAYOUT_SHIFT) <= 0.01


COUNT_LOCATION_ASKS = """
window.locationAsks = 0;
for (const name of ['getCurrentPosition', 'watchPosition']) {
  const real = navigator.geolocation[name].bind(navigator.geolocation);
  navigator.geolocation[name] = (...args) => { window.locationAsks += 1; return real(...args); };
}
"""


@pytest.fixture
def located_phone(browser):
    """A phone that has allowed this site its location (at a Quanzhou gas station) and counts each ask."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai", permissions=["geolocation"],
                                  geolocation={"latitude": 24.9123, "longitude": 118.5876, "accuracy": 12})
    context.add_init_script(COUNT_LOCATION_ASKS)
    page = context.new_page()
    yield page
    context.close()


def test_the_location_is_asked_when_the_worker_starts_not_when_the_card_opens(live_server, located_phone, conn):
    """Opening the card asks nothing (no location prompt greets the worker); the first answer asks, once, and the
    inspection keeps where it was made."""
    page = located_phone
    sign_in(page, live_server, "leader1")
    page.get_by_role("link", name=re.compile("充装班岗位安全检查卡片")).click()
    page.wait_for_function("Boolean(window.anbiaoSubmit)")
    page.wait_for_timeout(300)
    assert page.evaluate("window.locationAsks") == 0
    items = page.locator("fieldset[data-item]")
    for n in range(items.count()):
        items.nth(n).get_by_role("radio", name="合格", exact=True).check()
    assert page.evaluate("window.locationAsks") == 1
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".flash[role=status]")).to_be_visible()
    row = conn.execute("SELECT latitude, longitude FROM inspections ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0] == pytest.approx(24.9123) and row[1] == pytest.approx(118.5876)


def test_taking_a_photo_asks_for_the_location_where_it_is_taken(live_server, located_phone, tmp_path):
    """On 随手拍 the location is asked when a photo is picked, not when the page opens."""
    page = located_phone
    sign_in(page, live_server, "leader1")
    page.get_by_role("link", name=re.compile("随手拍")).click()
    page.wait_for_function("Boolean(window.anbiaoSubmit)")
    assert page.evaluate("window.locationAsks") == 0
    photo = tmp_path / "shot.png"
    photo.write_bytes(_png())
    page.locator("input[type=file][data-photo]").first.set_input_files(photo)
    page.wait_for_function("window.locationAsks > 0")


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "PNG")
    return out.getvalue()


def test_the_export_button_says_it_is_working_and_is_not_pressed_twice(live_server, phone, conn):
    """Tapping 导出 Excel shows 正在生成 while the server works; a second tap sends nothing; the file arrives."""
    ent = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    sign_in(phone, live_server, "manager1")
    phone.goto(f"{live_server}/enterprises/{ent}/hazards")
    exports = []
    phone.on("request", lambda request: exports.append(request.url) if "format=xlsx" in request.url else None)
    with phone.expect_download() as download:
        phone.get_by_role("button", name="导出 Excel").click()
    busy = phone.get_by_role("button", name="正在生成 Excel…")
    expect(busy).to_have_attribute("aria-disabled", "true")
    busy.click(force=True)  # an impatient second tap (a real tap lands on a button only marked unavailable)
    phone.wait_for_timeout(500)
    assert download.value.suggested_filename.endswith(".xlsx")
    assert len(exports) == 1
