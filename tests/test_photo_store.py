"""Photos kept where the server is told to keep them — the disk beside the database, or an S3 bucket (a real
SeaweedFS) — behind one interface: stored before the record counts, served only to those who see the record, once
however often it is sent, and an unreachable store is a clear Chinese refusal that writes nothing."""

import pytest

from anbiao import db, photos, storage, throttle
from app import create_app

from .loop_helpers import key, photo, report, upload
from .object_store import client


@pytest.fixture(params=["disk", "s3"])
def store(request):
    """None for the disk, else the settings of a fresh bucket of the test's S3 server."""
    return request.getfixturevalue("bucket") if request.param == "s3" else None


@pytest.fixture
def app(db_path, store):
    application = _app(db_path, store)
    throttle.reset()
    yield application
    db.close()


def held(store, db_path, photo_hash) -> dict:
    """The stored bytes of each copy of a photo, read from the store itself (not through the app)."""
    storage.drain()  # the served copies follow the original into a bucket
    found = {}
    for size in ("original", "display", "thumb"):
        name = photos.key(photo_hash, size)
        if store:
            found[size] = client(store).get_object(Bucket=store["bucket"], Key=name)["Body"].read()
        else:
            found[size] = (db_path.parent / "photos" / name).read_bytes()
    return found


def reported_hash(conn, hazard_url) -> str:
    hazard_id = int(hazard_url.rstrip("/").split("/")[-1].split("?")[0])
    return conn.execute("SELECT p.hash FROM photos p JOIN hazard_photos hp ON hp.photo_id = p.id"
                        " WHERE hp.hazard_id = ?", (hazard_id,)).fetchone()[0]


def test_a_reported_photo_is_in_the_store_and_served_only_to_those_who_see_it(signed_in, conn, store, db_path):
    answer = report(signed_in("leader1"), conn)
    assert answer.status_code == 302
    photo_hash = reported_hash(conn, answer.headers["Location"])
    kept = held(store, db_path, photo_hash)
    assert all(kept.values()) and kept["original"] != kept["display"]
    assert storage.in_bucket() == bool(store)
    for size in ("display", "thumb"):
        served = signed_in("leader1").get(f"/photos/{photo_hash}/{size}.jpg")
        assert served.status_code == 200 and served.data == kept[size]
        assert signed_in("manager2").get(f"/photos/{photo_hash}/{size}.jpg").status_code == 404
    assert signed_in("leader1").get(f"/photos/{photo_hash}/original.jpg").status_code == 404  # evidence, never served


def test_a_photo_sent_twice_is_stored_once(signed_in, conn, store, db_path):
    leader, same, shot = signed_in("leader1"), key(), photo()
    before = conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0]
    first = report(leader, conn, idempotency_key=same, photos=upload(shot))
    again = report(leader, conn, idempotency_key=same, photos=upload(shot))
    assert first.status_code == again.status_code == 302
    assert conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == before + 1
    if store:
        storage.drain()
        listed = client(store).list_objects_v2(Bucket=store["bucket"]).get("Contents", [])
        assert len(listed) == 3  # original, display, thumb of the one photo


def test_a_served_copy_missing_from_the_store_is_made_again_from_the_original(signed_in, conn, store, db_path):
    answer = report(signed_in("leader1"), conn)
    photo_hash = reported_hash(conn, answer.headers["Location"])
    kept = held(store, db_path, photo_hash)
    name = photos.key(photo_hash, "display")
    if store:
        client(store).delete_object(Bucket=store["bucket"], Key=name)
    else:
        (db_path.parent / "photos" / name).unlink()
    served = signed_in("leader1").get(f"/photos/{photo_hash}/display.jpg")
    assert served.status_code == 200 and served.data == kept["display"]
    assert held(store, db_path, photo_hash)["display"] == kept["display"]  # and it is stored again


def _app(db_path, s3):
    return create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret", "TESTING": True,
                       "LOGIN_LIMIT": "1000 per minute", "SESSION_COOKIE_SECURE": False,
                       "REMEMBER_COOKIE_SECURE": False, "S3": s3})


def _leader(application):
    from .conftest import Client

    person = Client(application)
    person.refresh_token()
    assert person.post("/login", {"username": "leader1", "password": "demo1234"}).status_code == 302
    person.refresh_token("/")
    return person


def test_an_unreachable_store_is_a_chinese_refusal_that_writes_nothing_and_keeps_what_was_saved(db_path, bucket):
    up = _app(db_path, bucket)
    conn = db.connect(db_path)  # its own connection, beside the two apps'
    saved = report(_leader(up), conn)
    photo_hash = reported_hash(conn, saved.headers["Location"])
    tables = ("hazards", "photos", "hazard_photos")
    counts = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables]
    down = _app(db_path, {**bucket, "endpoint": "http://127.0.0.1:9"})  # nothing listens there
    refused = report(_leader(down), conn)
    assert refused.status_code == 503
    assert "照片存储暂时连不上" in refused.get_data(as_text=True)
    assert [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables] == counts
    conn.conn.close()
    db.close()
    assert held(bucket, db_path, photo_hash)["display"]  # what was saved before is still there


def test_a_store_that_wants_the_bucket_as_a_subdomain_takes_and_serves_photos(db_path, bucket, monkeypatch):
    # bucket.localhost does not resolve here: the requests go through the S3 server as their proxy, which routes
    # them by the Host header they carry (SeaweedFS started with -s3.domainName=localhost).
    monkeypatch.setenv("HTTP_PROXY", bucket["endpoint"])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    port = bucket["endpoint"].rsplit(":", 1)[1]
    subdomain = {**bucket, "endpoint": f"http://localhost:{port}", "addressing": "virtual"}
    leader = _leader(_app(db_path, subdomain))
    sent_to = []
    storage._current().client.meta.events.register("before-send.s3", lambda request, **_: sent_to.append(request.url))
    conn = db.connect(db_path)
    photo_hash = reported_hash(conn, report(leader, conn).headers["Location"])
    served = leader.get(f"/photos/{photo_hash}/display.jpg")
    conn.conn.close()
    monkeypatch.delenv("HTTP_PROXY")
    kept = held(bucket, db_path, photo_hash)  # read back by the bucket's name in the path
    assert served.status_code == 200 and served.data == kept["display"] and kept["original"]
    assert sent_to and all(url.startswith(f"http://{bucket['bucket']}.localhost:{port}/") for url in sent_to)
