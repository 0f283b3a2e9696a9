"""Photos as evidence: bad files are refused in Chinese and change nothing; good ones keep their capture time
and place, and are served only as upright, metadata-free JPEG copies."""

import hashlib
import io
import re
import uuid

import pytest
from PIL import Image

from anbiao import photos
from anbiao.photos import PhotoError, prepare
from tests.fixtures.images import make

from .loop_helpers import card

EVIDENCE_TABLES = ("inspections", "inspection_results", "hazards", "hazard_events", "hazard_photos", "photos")

REFUSED = {
    "truncated.jpg": "不完整或已损坏",
    "bomb.png": "像素过大",
    "huge_20000.png": "像素过大",
    "too_many_pixels.jpg": "像素过大",
    "script.svg": "不是可识别",
    "text.jpg": "不是可识别",
    "animation.gif": "只接受",
    "empty.jpg": "空文件",
    "oversized.jpg": "太大",
}

# name → (format, width, height, taken_at, has_gps)
ACCEPTED = {
    "phone.heic": ("heic", 1200, 900, make.TAKEN_ISO, False),
    "rotated_6.jpg": ("jpeg", 3000, 4000, make.TAKEN_ISO, False),
    "rotated_6.heic": ("heic", 600, 800, make.TAKEN_ISO, False),
    "48mp.jpg": ("jpeg", 8000, 6000, make.TAKEN_ISO, False),
    "gps.jpg": ("jpeg", 640, 480, make.TAKEN_ISO, True),
    "transparent.png": ("png", 400, 300, None, False),
    "shrunk.jpg": ("jpeg", 1280, 960, None, False),
}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The generated photo corpus, built once per run: {name: bytes}."""
    paths = make.build(tmp_path_factory.mktemp("corpus"))
    return {name: path.read_bytes() for name, path in paths.items()}


@pytest.fixture(scope="session")
def prepared(corpus):
    """Each accepted corpus file prepared once (a refusal is kept, for the test of that file to report)."""
    out = {}
    for name in ACCEPTED:
        try:
            out[name] = prepare(corpus[name])
        except PhotoError as exc:
            out[name] = exc
    return out


def _accepted(prepared, name):
    found = prepared[name]
    if isinstance(found, PhotoError):
        pytest.fail(f"{name} was refused: {found}")
    return found


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _counts(conn) -> dict:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in EVIDENCE_TABLES}


def test_corpus_is_the_same_bytes_every_build(corpus, tmp_path):
    """The corpus generator is deterministic."""
    again = make.build(tmp_path / "again")
    assert {name: path.read_bytes() for name, path in again.items()} == corpus


def test_corpus_stays_small_except_the_oversized_file(corpus):
    """Only the file whose size is the point is large on disk."""
    assert len(corpus["oversized.jpg"]) > photos.MAX_BYTES
    assert all(len(data) < 2 * 1024 * 1024 for name, data in corpus.items() if name != "oversized.jpg")
    assert len(corpus["bomb.png"]) < 200 * 1024


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_file_is_refused_with_a_chinese_reason(corpus, name):
    """Every bad file raises PhotoError whose Chinese message says why."""
    with pytest.raises(PhotoError) as refused:
        prepare(corpus[name])
    assert REFUSED[name] in str(refused.value)


def test_refusal_by_format_is_decided_by_content_not_by_name(corpus):
    """A text file named .jpg is not a photo; a real JPEG needs no .jpg name."""
    with pytest.raises(PhotoError, match="不是可识别"):
        prepare(corpus["text.jpg"])
    assert prepare(corpus["gps.jpg"]).format == "jpeg"


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_good_photo_is_accepted_with_its_size_format_and_capture_evidence(prepared, corpus, name):
    """An accepted photo reports its upright size, its format, its EXIF capture time and its GPS."""
    fmt, width, height, taken_at, has_gps = ACCEPTED[name]
    p = _accepted(prepared, name)
    assert (p.format, p.width, p.height, p.taken_at) == (fmt, width, height, taken_at)
    assert p.hash == hashlib.sha256(corpus[name]).hexdigest()
    assert p.original == corpus[name]
    if has_gps:
        assert p.latitude == pytest.approx(make.LATITUDE, abs=1e-6)
        assert p.longitude == pytest.approx(make.LONGITUDE, abs=1e-6)
    else:
        assert p.latitude is None and p.longitude is None


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_served_copies_are_jpegs_without_any_metadata(prepared, name):
    """Display and thumbnail decode as JPEG and carry no EXIF: no GPS, no capture time, no orientation."""
    p = _accepted(prepared, name)
    for data in (p.display, p.thumb):
        image = _decoded(data)
        assert image.format == "JPEG"
        exif = image.getexif()
        assert len(exif) == 0
        assert len(exif.get_ifd(0x8825)) == 0
        assert "exif" not in image.info
        assert b"Exif\x00\x00" not in data


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_served_copies_fit_1600_and_320_pixels(prepared, name):
    """The display copy is at most 1600 px and the thumbnail at most 320 px on the longest side."""
    p = _accepted(prepared, name)
    assert max(_decoded(p.display).size) <= photos.DISPLAY == 1600
    assert max(_decoded(p.thumb).size) <= photos.THUMB == 320


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_served_copies_keep_the_upright_aspect_ratio(prepared, name):
    """The copies have the photo's upright proportions."""
    p = _accepted(prepared, name)
    for data in (p.display, p.thumb):
        w, h = _decoded(data).size
        assert w / h == pytest.approx(p.width / p.height, rel=0.01)


def test_48_megapixel_photo_is_accepted_and_shrunk_for_display(prepared):
    """A 48 MP phone photo passes; its display copy is 1600 px and its thumbnail 320 px on the long side."""
    p = _accepted(prepared, "48mp.jpg")
    assert _decoded(p.display).size == (1600, 1200)
    assert _decoded(p.thumb).size == (320, 240)


@pytest.mark.parametrize("name", ["rotated_6.jpg", "rotated_6.heic"])
def test_exif_rotated_photo_is_stored_upright_rotated_exactly_once(prepared, name):
    """Orientation=6 on a landscape: the copies are portrait with the stored top-left corner now top-right."""
    p = _accepted(prepared, name)
    assert p.height > p.width
    for data in (p.display, p.thumb):
        image = _decoded(data).convert("RGB")
        w, h = image.size
        assert h > w
        top_right = image.getpixel((w - 3, 2))
        top_left = image.getpixel((2, 2))
        bottom_left = image.getpixel((2, h - 3))
        assert _is_mark(top_right), "the stored top-left corner must end up top-right"
        assert not _is_mark(top_left), "not rotated the other way or twice"
        assert not _is_mark(bottom_left)


def _is_mark(pixel) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, make.MARK, strict=True))


def test_multi_picture_jpeg_from_a_phone_camera_is_accepted_as_jpeg(corpus):
    """A .jpg with an appended second picture (MPF/"MPO", as many phones write) is a JPEG photo and is accepted."""
    p = prepare(corpus["multi_picture.jpg"])
    assert (p.format, p.width, p.height, p.taken_at) == ("jpeg", 1024, 768, make.TAKEN_ISO)
    display = _decoded(p.display)
    assert display.format == "JPEG" and len(display.getexif()) == 0


def test_heic_photo_is_accepted_and_served_as_jpeg(prepared):
    """An iPhone HEIC keeps its capture time and is served as JPEG."""
    p = _accepted(prepared, "phone.heic")
    assert p.format == "heic"
    assert p.taken_at == make.TAKEN_ISO
    assert _decoded(p.display).format == "JPEG"


def test_transparent_png_is_flattened_onto_white(prepared):
    """A PNG with transparency becomes an opaque JPEG, with white where it was transparent."""
    image = _decoded(_accepted(prepared, "transparent.png").display).convert("RGB")
    assert all(c > 240 for c in image.getpixel((2, 2)))


def test_app1_sent_beside_a_shrunk_photo_supplies_its_capture_time_and_place(corpus):
    """A photo the phone shrank has no EXIF; the original's APP1 segment sent beside it gives time and GPS."""
    alone = prepare(corpus["shrunk.jpg"])
    assert alone.taken_at is None and alone.latitude is None
    p = prepare(corpus["shrunk.jpg"], corpus["shrunk.app1"])
    assert p.taken_at == make.TAKEN_ISO
    assert p.latitude == pytest.approx(make.LATITUDE, abs=1e-6)
    assert p.longitude == pytest.approx(make.LONGITUDE, abs=1e-6)
    assert p.hash == alone.hash


def test_app1_segment_is_also_accepted_without_its_marker(corpus):
    """The EXIF payload alone (without the FF E1 marker and length) works too."""
    segment = corpus["shrunk.app1"]
    p = prepare(corpus["shrunk.jpg"], segment[4:])
    assert p.taken_at == make.TAKEN_ISO


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("app1", [
    "garbled.app1",
    "random",
    "empty",
    "huge",
], ids=["garbled-tiff", "random-bytes", "empty", "too-long"])
def test_garbled_app1_is_ignored_not_fatal(corpus, app1):
    """A broken EXIF segment beside a photo only loses the capture time; the photo is still accepted."""
    segment = {
        "garbled.app1": corpus["garbled.app1"],
        "random": b"\xff\xe1\x00\x20" + hashlib.sha256(b"noise").digest(),
        "empty": b"",
        "huge": b"\xff\xe1" + b"\x00" * (300 * 1024),
    }[app1]
    p = prepare(corpus["shrunk.jpg"], segment)
    assert p.taken_at is None
    assert p.latitude is None and p.longitude is None
    assert p.width == 1280


def test_photo_own_exif_wins_over_the_segment_sent_beside_it(corpus):
    """When the photo carries its own capture time the sent segment does not replace it."""
    other = make._app1(make._exif(taken="2020:01:02 03:04:05"))
    p = prepare(corpus["gps.jpg"], other)
    assert p.taken_at == make.TAKEN_ISO


def test_same_bytes_twice_give_the_same_hash_and_one_photo_row(app, conn, corpus):
    """Photos are stored by content: the same bytes saved twice are one row and one set of files."""
    leader = conn.execute("SELECT id FROM users WHERE username = 'leader1'").fetchone()[0]
    before = conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0]
    first, second = prepare(corpus["gps.jpg"]), prepare(corpus["gps.jpg"])
    assert first.hash == second.hash
    first_id = photos.save(conn, first, leader)
    second_id = photos.save(conn, second, leader)
    assert first_id == second_id
    assert conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == before + 1
    row = conn.execute("SELECT * FROM photos WHERE id = ?", (first_id,)).fetchone()
    assert row["hash"] == first.hash
    assert row["taken_at"] == make.TAKEN_ISO
    assert row["latitude"] == pytest.approx(make.LATITUDE, abs=1e-6)
    assert row["bytes"] == len(corpus["gps.jpg"])
    conn.conn.rollback()


# ---- through HTTP -------------------------------------------------------------------------------------------------


def _card(conn, post="充装班"):
    """The post card (岗位安全检查卡片) of a post and its current item ids."""
    checklist_id, items = card(conn, post)
    return checklist_id, [item["id"] for item in items]


def _card_form(items, photo_bytes, name="photo.jpg"):
    data = {f"result_{i}": "ok" for i in items}
    first = items[0]
    data.update({
        f"result_{first}": "hazard", f"description_{first}": "充装台静电接地线断开",
        f"category_{first}": "thing", f"level_{first}": "general",
        f"photos_{first}": (io.BytesIO(photo_bytes), name), "idempotency_key": uuid.uuid4().hex,
    })
    return data


def test_fake_image_on_a_failed_item_is_refused_and_nothing_is_written(signed_in, conn, corpus):
    """A text file posing as the hazard photo: 422 with the Chinese reason; no inspection, result, hazard or photo."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    assert leader.get(f"/checklists/{checklist_id}/fill").status_code == 200
    before = _counts(conn)
    response = leader.post(f"/checklists/{checklist_id}/inspections", _card_form(items, corpus["text.jpg"]),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "不是可识别的照片文件" in html
    assert "第 1 张照片" in html
    assert _counts(conn) == before


@pytest.mark.parametrize("name", ["truncated.jpg", "bomb.png", "oversized.jpg", "animation.gif", "script.svg"])
def test_bad_photo_through_the_form_is_refused_in_chinese_and_changes_nothing(signed_in, conn, corpus, name):
    """Each kind of bad file, sent through the card, answers 422 with its reason and writes nothing."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    before = _counts(conn)
    response = leader.post(f"/checklists/{checklist_id}/inspections", _card_form(items, corpus[name], name),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert REFUSED[name] in response.get_data(as_text=True)
    assert _counts(conn) == before


def test_refused_photo_keeps_what_was_typed_in_the_form(signed_in, conn, corpus):
    """After a refused photo the page comes back with the answers and the description still filled in."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    response = leader.post(f"/checklists/{checklist_id}/inspections", _card_form(items, corpus["text.jpg"]),
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "充装台静电接地线断开" in html
    assert re.search(rf'name="result_{items[1]}" value="ok"\s+checked', html)


def test_heic_photo_is_accepted_through_the_card(signed_in, conn, corpus):
    """An iPhone HEIC as the hazard photo: the inspection and hazard are saved, the photo keeps its capture time."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    before = _counts(conn)
    response = leader.post(f"/checklists/{checklist_id}/inspections",
                           _card_form(items, corpus["phone.heic"], "IMG_0001.HEIC"),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    after = _counts(conn)
    assert after["inspections"] == before["inspections"] + 1
    assert after["hazards"] == before["hazards"] + 1
    assert after["photos"] == before["photos"] + 1
    photo = conn.execute("SELECT * FROM photos WHERE hash = ?",
                         (hashlib.sha256(corpus["phone.heic"]).hexdigest(),)).fetchone()
    assert photo["format"] == "heic"
    assert (photo["width"], photo["height"]) == (1200, 900)
    assert photo["taken_at"] == make.TAKEN_ISO
    served = leader.get(f"/photos/{photo['hash']}/display.jpg")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    image = _decoded(served.data)
    assert image.format == "JPEG" and len(image.getexif()) == 0


def test_gps_photo_through_the_card_stores_its_place_and_serves_no_gps(signed_in, conn, corpus):
    """The photo row keeps the EXIF GPS; neither served copy gives it away."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    response = leader.post(f"/checklists/{checklist_id}/inspections", _card_form(items, corpus["gps.jpg"]),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    digest = hashlib.sha256(corpus["gps.jpg"]).hexdigest()
    photo = conn.execute("SELECT * FROM photos WHERE hash = ?", (digest,)).fetchone()
    assert photo["latitude"] == pytest.approx(make.LATITUDE, abs=1e-6)
    assert photo["longitude"] == pytest.approx(make.LONGITUDE, abs=1e-6)
    for size in ("display", "thumb"):
        served = leader.get(f"/photos/{digest}/{size}.jpg")
        assert served.status_code == 200
        assert b"Exif" not in served.data
        assert len(_decoded(served.data).getexif().get_ifd(0x8825)) == 0


def test_original_upload_is_never_served(signed_in, conn, corpus):
    """Only the display and thumbnail copies have URLs; the original (with its EXIF) does not."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    leader.post(f"/checklists/{checklist_id}/inspections", _card_form(items, corpus["gps.jpg"]),
                content_type="multipart/form-data")
    digest = hashlib.sha256(corpus["gps.jpg"]).hexdigest()
    assert leader.get(f"/photos/{digest}/original.jpg").status_code == 404


def test_exif_sent_beside_an_upload_gives_the_photo_its_capture_time(signed_in, conn, corpus):
    """The form's `<field>_exif` part carries the original's APP1 for a photo the phone shrank."""
    checklist_id, items = _card(conn)
    leader = signed_in("leader1")
    data = _card_form(items, corpus["shrunk.jpg"])
    data[f"photos_{items[0]}_exif"] = (io.BytesIO(corpus["shrunk.app1"]), "exif.bin")
    response = leader.post(f"/checklists/{checklist_id}/inspections", data, content_type="multipart/form-data")
    assert response.status_code == 302
    photo = conn.execute("SELECT * FROM photos WHERE hash = ?",
                         (hashlib.sha256(corpus["shrunk.jpg"]).hexdigest(),)).fetchone()
    assert photo["taken_at"] == make.TAKEN_ISO
    assert photo["latitude"] == pytest.approx(make.LATITUDE, abs=1e-6)
