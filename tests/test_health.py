"""运行状况: the operator sees the database's size, whether the photo store answers, how far the database's copy in
the bucket is behind, submissions taken but never answered, and the last restore check — each in words, measured
when asked; only an admin opens it."""

import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from anbiao import db, health, throttle
from anbiao.due import local_now
from app import create_app

from .object_store import client


def _app(db_path, s3):
    return create_app({"DATABASE": str(db_path), "SECRET_KEY": "test-secret", "TESTING": True,
                       "LOGIN_LIMIT": "1000 per minute", "SESSION_COOKIE_SECURE": False,
                       "REMEMBER_COOKIE_SECURE": False, "S3": s3})


def _page(application) -> str:
    from .conftest import Client

    admin = Client(application)
    admin.refresh_token()
    assert admin.post("/login", {"username": "admin", "password": "demo1234"}).status_code == 302
    answer = admin.get("/system")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


@pytest.fixture(autouse=True)
def _fresh():
    throttle.reset()
    yield
    db.close()


def test_on_disk_the_page_names_the_size_the_free_space_and_that_nothing_is_copied(db_path):
    page = _page(_app(db_path, None))
    wal = db_path.parent / f"{db_path.name}-wal"
    size = (db_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20
    assert f"{size:.1f} MB" in page and "本机磁盘" in page and "剩余" in page
    assert "数据库只在本机" in page and 'data-health="warn"' in page
    assert "还没有做过恢复检查" in page


def test_a_bucket_that_answers_and_a_copy_that_keeps_up_are_ok(db_path, bucket):
    s3 = client(bucket)
    s3.put_object(Bucket=bucket["bucket"], Key="database/0000000001.ltx", Body=b"copy")
    past = time.time() - 5  # the database's last change here came before the copy's newest file
    for name in (db_path.name, f"{db_path.name}-wal"):
        if (db_path.parent / name).exists():
            os.utime(db_path.parent / name, (past, past))
    found = dict(health.report(db.connect(db_path), db_path, bucket, db_path.parent / "photos",
                               db_path.parent / "none.json", local_now()))
    assert found["照片存储"]["state"] == "ok" and "正常" in found["照片存储"]["words"]
    assert found["数据库副本"]["state"] == "ok" and found["数据库副本"]["seconds"] < 5


def test_a_copy_behind_or_missing_and_a_store_that_does_not_answer_are_bad(db_path, bucket):
    conn = db.connect(db_path)
    found = dict(health.report(conn, db_path, bucket, db_path.parent / "photos", db_path.parent / "none.json",
                               local_now()))
    assert found["数据库副本"]["state"] == "bad" and "还没有数据库副本" in found["数据库副本"]["words"]
    client(bucket).put_object(Bucket=bucket["bucket"], Key="database/0000000001.ltx", Body=b"copy")
    later = time.time() + 600  # a change here ten minutes after the copy's newest file
    os.utime(db_path, (later, later))
    behind = health.copy_lag(bucket, db_path)
    assert behind["state"] == "bad" and behind["seconds"] > health.LAG_OK_SECONDS
    down = health.photo_store({**bucket, "endpoint": "http://127.0.0.1:9"}, db_path.parent)
    assert down["state"] == "bad" and "连不上" in down["words"]
    page = _page(_app(db_path, {**bucket, "endpoint": "http://127.0.0.1:9"}))
    assert "连不上" in page and 'data-health="bad"' in page


def test_a_submission_taken_and_never_answered_is_counted(db_path):
    conn = db.connect(db_path)
    old = (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="seconds")
    conn.execute("INSERT INTO idempotency (key, user_id, request_hash, status, created_at)"
                 " VALUES ('k1', 1, 'h', NULL, ?)", (old,))
    conn.commit()
    found = health.unanswered(conn, local_now())
    assert found["stuck"] == 1 and found["state"] == "warn"


def test_the_last_restore_check_is_shown_with_its_outcome_and_age(tmp_path):
    record = tmp_path / "restore-check.json"
    health.record_check(record, True, "企业 2，账号 11")
    assert health.restore_check(record)["state"] == "ok" and "企业 2" in health.restore_check(record)["words"]
    health.record_check(record, False, "从对象存储恢复失败：连不上")
    assert health.restore_check(record)["state"] == "bad"
    stale = time.time() - (health.CHECK_OK_HOURS + 1) * 3600
    record.write_text(json.dumps({"at": stale, "ok": True, "words": "企业 2"}), encoding="utf-8")
    assert health.restore_check(record)["state"] == "warn"  # passed, but no check for more than a day and a half


def test_a_failed_restore_check_is_recorded_for_the_page(db_path):
    application = _app(db_path, None)
    answer = application.test_cli_runner().invoke(args=["restore", "--record", "--to", str(db_path.parent / "x")])
    assert answer.exit_code == 1 and "没有配置对象存储" in answer.output
    shown = health.restore_check(health.record_path(db_path))
    assert shown["state"] == "bad" and "没有配置对象存储" in shown["words"]
