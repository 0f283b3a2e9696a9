"""Moving a running server's photos from its disk to the bucket: every file there afterwards with the same bytes,
a second run copies nothing, a damaged original is named and not copied, and without a bucket a clear message."""

from anbiao import db
from app import create_app

from .object_store import client


def _app(db_path, s3):
    return create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret", "TESTING": True, "S3": s3})


def _run(application):
    return application.test_cli_runner().invoke(args=["photos-to-bucket"])


def _on_disk(db_path) -> dict:
    root = db_path.parent / "photos"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_photo_on_disk_reaches_the_bucket_verified_and_a_second_run_copies_nothing(db_path, bucket):
    files = _on_disk(db_path)
    assert len(files) >= 30  # the demo's photos: originals, display copies and thumbnails
    first = _run(_app(db_path, bucket))
    assert first.exit_code == 0, first.output
    assert f"新复制 {len(files)} 个，已在对象存储中 0 个" in first.output and "核对无误" in first.output
    s3 = client(bucket)
    for name, data in files.items():
        assert s3.get_object(Bucket=bucket["bucket"], Key=name)["Body"].read() == data, name
    again = _run(_app(db_path, bucket))
    assert again.exit_code == 0 and f"新复制 0 个，已在对象存储中 {len(files)} 个" in again.output
    db.close()


def test_a_damaged_original_is_named_and_not_copied(db_path, bucket):
    damaged = next(p for p in (db_path.parent / "photos").rglob("*.original"))
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    answer = _run(_app(db_path, bucket))
    assert answer.exit_code == 1 and "损坏未复制 1 个" in answer.output
    name = damaged.relative_to(db_path.parent / "photos").as_posix()
    assert name in answer.output
    listed = {o["Key"] for o in client(bucket).list_objects_v2(Bucket=bucket["bucket"]).get("Contents", [])}
    assert name not in listed and len(listed) == len(_on_disk(db_path)) - 1
    db.close()


def test_without_a_bucket_the_command_says_what_to_set(db_path):
    answer = _run(_app(db_path, None))
    assert answer.exit_code == 1 and "没有配置对象存储" in answer.output and "ANBIAO_S3_BUCKET" in answer.output
    db.close()
