"""扫一扫: the in-app scanner reads a QR label the app printed, from the camera (Chromium's fake camera playing a
video of the label, made with Debian's ffmpeg) or from a photo, and opens the sign's page on this server; with no
signal, the signs made ready by 离线准备 open from the phone.

Debian's Chromium on Linux has no BarcodeDetector, and each test removes it anyway: what is tested here is the
vendored jsQR, the decoder every phone without a native one uses."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from anbiao import signs

from .conftest import CHROMIUM, CHROMIUM_ARGS, sign_in
from .test_browser_flows import fits_a_phone
from .test_offline_app import controlled

NO_NATIVE_DECODER = "delete window.BarcodeDetector;"
OTHER = "https://example.com/x"
HEADING = re.compile(r"^已可离线使用 · 截至 \d\d:\d\d$")


def demo_sign(conn, unit="充装班", kind="risk_card") -> dict:
    """A demo sign with the token and code of its label in use."""
    found = conn.execute(
        "SELECT s.id, s.title, t.token, t.code FROM signs s JOIN sign_tokens t ON t.sign_id = s.id"
        " AND t.replaced_at IS NULL JOIN units u ON u.id = s.unit_id WHERE u.name = ? AND s.kind = ?",
        (unit, kind)).fetchone()
    return dict(found)


def qr_file(tmp_path, text: str, name: str = "qr.png"):
    """The QR the app prints for a text, as a PNG file."""
    path = tmp_path / name
    path.write_bytes(signs.qr_png(text))
    return path


def video_of(png, tmp_path):
    """A two-second 640×480 video of a picture, as Chromium's fake camera plays it (y4m, made with ffmpeg)."""
    out = tmp_path / f"{png.stem}.y4m"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(png), "-vf",
                    "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,"
                    "format=yuv420p", "-t", "2", "-r", "10", str(out)], check=True)
    return out


@pytest.fixture
def camera(playwright, tmp_path):
    """camera(picture) → a phone page whose (fake) rear camera films that picture, camera allowed."""
    launched = []

    def start(png):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video_of(png, tmp_path)}"])
        launched.append(browser)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.grant_permissions(["camera"])
        context.add_init_script(NO_NATIVE_DECODER)
        return context.new_page()

    yield start
    for browser in launched:
        browser.close()


@pytest.fixture
def no_camera(phone):
    """The phone without a native decoder; Chromium here has no camera to give the page."""
    phone.context.add_init_script(NO_NATIVE_DECODER)
    return phone


def open_scanner(page):
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="扫一扫").click()
    expect(page.get_by_role("heading", name="扫一扫", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/scan$"))


def lands_on(page, base, sign):
    """The page is the sign's own address on this server, showing its title."""
    expect(page).to_have_url(f"{base}/q/{sign['token']}")
    expect(page.get_by_role("heading", name=sign["title"], level=1)).to_be_visible()
    assert page.evaluate("'BarcodeDetector' in window") is False  # so jsQR read it


# ---- the camera ----

def test_the_camera_reads_a_label_the_app_printed_and_opens_the_sign(live_server, conn, camera, tmp_path):
    sign = demo_sign(conn)
    page = camera(qr_file(tmp_path, signs.address(live_server, sign["token"])))
    sign_in(page, live_server, "grid1")
    open_scanner(page)
    lands_on(page, live_server, sign)


COUNT_STOPPED_TRACKS = """
const realStop = MediaStreamTrack.prototype.stop;
MediaStreamTrack.prototype.stop = function () {
  sessionStorage.setItem('stopped', String(Number(sessionStorage.getItem('stopped') || 0) + 1));
  return realStop.call(this);
};
"""


def test_a_code_that_is_not_a_label_is_shown_as_such_and_the_camera_stops_when_the_page_is_left(
        live_server, camera, tmp_path):
    page = camera(qr_file(tmp_path, OTHER))
    page.context.add_init_script(COUNT_STOPPED_TRACKS)
    sign_in(page, live_server, "leader1")
    open_scanner(page)
    other = page.get_by_role("alert")
    expect(other).to_contain_text("这不是本系统的标识二维码")
    expect(other).to_contain_text(OTHER)
    expect(page).to_have_url(re.compile(r"/scan$"))
    expect(page.locator("[data-scanner]")).to_have_attribute("data-decoder", "jsqr")
    assert page.evaluate("sessionStorage.getItem('stopped')") is None  # still filming
    page.get_by_role("link", name="输入编号").click()
    expect(page).to_have_url(re.compile(r"/q$"))
    assert int(page.evaluate("sessionStorage.getItem('stopped')")) >= 1


# ---- 拍照识别 ----

def test_with_no_camera_the_page_says_so_and_a_photo_of_the_label_opens_the_sign(live_server, conn, no_camera,
                                                                                  tmp_path):
    page, sign = no_camera, demo_sign(conn)
    sign_in(page, live_server, "leader1")
    open_scanner(page)
    status = page.locator("[data-scan-status]")
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(status).to_contain_text("拍照识别")
    fits_a_phone(page, "扫一扫")
    page.get_by_label("拍照识别").set_input_files(qr_file(tmp_path, signs.address(live_server, sign["token"])))
    lands_on(page, live_server, sign)


def test_a_phones_photo_of_a_label_printed_with_the_production_address_opens_the_sign_here(live_server, conn,
                                                                                             no_camera, tmp_path):
    """A 12 MP photo (scaled down before decoding) of a label carrying the production address, not this server's."""
    from PIL import Image

    sign = demo_sign(conn, "车床班")
    label = Image.open(qr_file(tmp_path, signs.address("https://anbiao.example.gov.cn/", sign["token"]))).convert("RGB")
    shot = Image.new("RGB", (4000, 3000), "#c8c2b4")  # the wall around the label
    shot.paste(label.resize((1400, 1400), Image.NEAREST), (1300, 800))
    shot.save(tmp_path / "photo.jpg", quality=90)
    sign_in(no_camera, live_server, "manager2")
    open_scanner(no_camera)
    no_camera.get_by_label("拍照识别").set_input_files(tmp_path / "photo.jpg")
    lands_on(no_camera, live_server, sign)


def test_a_photo_of_another_code_is_shown_as_not_a_label_and_one_without_a_code_says_so(live_server, no_camera,
                                                                                        tmp_path):
    from PIL import Image

    sign_in(no_camera, live_server, "head1")
    open_scanner(no_camera)
    picker = no_camera.get_by_label("拍照识别")
    picker.set_input_files(qr_file(tmp_path, OTHER))
    other = no_camera.get_by_role("alert")
    expect(other).to_contain_text("这不是本系统的标识二维码")
    expect(other).to_contain_text(OTHER)
    expect(no_camera.locator("[data-scanner]")).to_have_attribute("data-decoder", "jsqr")
    blank = tmp_path / "wall.jpg"
    Image.new("RGB", (3000, 2000), "#c8c2b4").save(blank)  # a big photo of a bare wall
    picker.set_input_files(blank)
    expect(no_camera.locator("[data-scan-status]")).to_contain_text("照片里没有认出二维码")
    expect(no_camera).to_have_url(re.compile(r"/scan$"))


REFUSE_CAMERA = """
navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
"""


def test_a_refused_camera_is_explained_in_chinese_and_the_photo_still_works(live_server, conn, no_camera, tmp_path):
    no_camera.context.add_init_script(REFUSE_CAMERA)
    sign = demo_sign(conn)
    sign_in(no_camera, live_server, "leader1")
    open_scanner(no_camera)
    expect(no_camera.locator("[data-scan-status]")).to_contain_text("没有使用摄像头的权限")
    expect(no_camera.get_by_role("button", name="重新打开摄像头")).to_be_visible()
    no_camera.get_by_label("拍照识别").set_input_files(qr_file(tmp_path, signs.address(live_server, sign["token"])))
    lands_on(no_camera, live_server, sign)


# ---- offline ----

def test_after_preparing_a_scanned_sign_opens_with_no_signal(live_server, conn, no_camera, tmp_path):
    page, sign = no_camera, demo_sign(conn)
    sign_in(page, live_server, "leader1")
    controlled(page)
    page.get_by_role("button", name="离线准备").click()
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    page.context.set_offline(True)
    page.goto(f"{live_server}/scan")
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    page.get_by_label("拍照识别").set_input_files(qr_file(tmp_path, signs.address(live_server, sign["token"])))
    lands_on(page, live_server, sign)
    expect(page.locator("[data-offline-copy]")).to_be_visible()
    # The scan is presence all the same: kept in 待同步 on the phone, and on the server once the signal is back.
    expect(page.locator("[data-outbox-n]")).to_have_text("1")
    assert conn.execute("SELECT COUNT(*) FROM sign_presence").fetchone()[0] == 0
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    for _ in range(150):
        if conn.execute("SELECT COUNT(*) FROM sign_presence WHERE sign_id = ?", (sign["id"],)).fetchone()[0]:
            break
        page.wait_for_timeout(100)
    assert conn.execute("SELECT COUNT(*) FROM sign_presence WHERE sign_id = ?", (sign["id"],)).fetchone()[0] == 1
    expect(page.locator("[data-outbox-count]")).to_be_hidden()


# ---- the page over HTTP ----

def test_the_scanner_opens_for_anyone_signed_in_and_only_it_loads_the_decoder(client, signed_in):
    assert client.get("/scan").status_code == 302
    leader = signed_in("leader1")
    page = leader.get("/scan").get_data(as_text=True)
    assert "vendor/jsqr-1.4.0.min." in page and 'accept="image/*" capture="environment"' in page
    assert 'href="/q"' in page  # 输入编号
    assert "jsqr" not in leader.get("/").get_data(as_text=True)


def test_the_service_worker_keeps_the_decoder_and_the_scanners_files_for_offline(app, client):
    worker = client.get("/sw.js").get_data(as_text=True)
    names = app.extensions["assets"].names
    for name in ("vendor/jsqr-1.4.0.min.js", "scan.js", "scan.css"):
        assert f'"/static/{names[name]}"' in worker, name
