"""A photo reported (随手拍, one phone-sized photo as the phone's shrink sends it) into S3-compatible object storage —
a real SeaweedFS on loopback — against the same report onto the disk beside the database, in the same run.

Prints each median and `photo to object store: ratio <bucket/disk> (target ≤ 1.5)`.
Usage: python bench/photo_store.py   (BENCH_RUNS=12 reports per store, in alternating blocks)
"""

import io
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from anbiao import db, demo  # noqa: E402
from app import create_app  # noqa: E402
from bench import demo_database  # noqa: E402
from tests.object_store import client, start, stop  # noqa: E402

BLOCKS = 4


def phone_photo(seed: int) -> bytes:
    """A 1600 × 1200 JPEG as the phone's shrink sends it: a scene with edges and grain (as bench/photo_ingest.py draws
    one), different for every seed so each report stores new files."""
    image = Image.effect_noise((1600, 1200), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(0, 1600, 64):
        draw.line((i, 0, 1600 - i, 1200), fill=(200, 80 + (i + seed) % 150, 40), width=4)
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def reporter(app):
    """leader1 signed in to the app; a function that reports one hazard with a photo and returns its status."""
    http = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").get_data(as_text=True)).group(1)
    assert http.post("/login", data={"username": "leader1", "password": demo.PASSWORD, "csrf_token": token,
                                     "idempotency_key": uuid.uuid4().hex}).status_code == 302
    home = http.get("/").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home) or re.search(r'name="csrf_token" value="([^"]+)"', home)
    with app.app_context():
        conn = db.get()
        enterprise, unit = conn.execute(
            "SELECT enterprise_id, unit_id FROM users WHERE username = 'leader1'").fetchone()

    def send(photo: bytes) -> int:
        answer = http.post(f"/enterprises/{enterprise}/hazards/new", data={
            "csrf_token": token.group(1), "idempotency_key": uuid.uuid4().hex, "unit_id": unit, "category": "thing",
            "level": "general", "description": "灭火器压力表指针在红区", "photos": (io.BytesIO(photo), "p.jpg")})
        return answer.status_code

    return send


def main():
    runs = int(os.environ.get("BENCH_RUNS", "12"))
    photos = iter(phone_photo(n) for n in range(10_000))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        server, settings = start(tmp)
        try:
            client(settings).create_bucket(Bucket="bench")
            path = tmp / "bench.db"
            demo_database(path, tmp / "photos").conn.close()
            config = {"DATABASE": str(path), "SECRET_KEY": "bench", "LOGIN_LIMIT": "1000 per minute",
                      "SESSION_COOKIE_SECURE": False}
            times = {"disk": [], "bucket": []}
            for _ in range(BLOCKS):  # alternating, so a slow moment of the machine falls on both
                for name, s3 in (("disk", None), ("bucket", {**settings, "bucket": "bench"})):
                    send = reporter(create_app({**config, "S3": s3}))  # the app configures the store it names
                    assert send(next(photos)) == 302  # warm
                    for _ in range(max(runs // BLOCKS, 1)):
                        photo = next(photos)
                        start_at = time.perf_counter()
                        assert send(photo) == 302
                        times[name].append((time.perf_counter() - start_at) * 1000)
        finally:
            stop(server)
    disk, bucket = statistics.median(times["disk"]), statistics.median(times["bucket"])
    print(f"report with a photo onto the disk: {disk:.1f} ms (median of {len(times['disk'])})")
    print(f"report with a photo into the bucket: {bucket:.1f} ms (median of {len(times['bucket'])})")
    print(f"photo to object store: ratio {bucket / disk:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
