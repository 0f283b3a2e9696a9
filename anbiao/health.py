"""运行状况 for the operator: the database's size, the photo store reachable, the database's copy in the bucket
keeping up, submissions the server took but never answered, and the last daily restore check. Each part says ok,
warn or bad with its words, and is measured when the page is asked for (nothing here writes)."""

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from . import replication, storage
from .db import one

LAG_OK_SECONDS = 60  # Litestream sends within a second or two; a minute behind means it is not sending
CHECK_OK_HOURS = 36  # the restore check runs daily (deploy/anbiao-restore-check.timer)
STUCK_MINUTES = 5  # a submission is answered within seconds, or its transaction rolled it back


def _part(state: str, words: str, **facts) -> dict:
    return {"state": state, "words": words, **facts}


def database(path) -> dict:
    """The database file and its write-ahead log, in bytes."""
    path = Path(path)
    sizes = {name: (path.parent / name).stat().st_size if (path.parent / name).exists() else 0
             for name in (path.name, f"{path.name}-wal")}
    total, log = sum(sizes.values()), sizes[f"{path.name}-wal"]
    return _part("ok", f"{total / 2**20:.1f} MB（其中预写日志 {log / 2**20:.1f} MB）", bytes=total)


def photo_store(s3: dict | None, folder) -> dict:
    """The photos' store: a bucket answering, or the disk's free space."""
    if not s3:
        free = shutil.disk_usage(folder).free
        state = "ok" if free > 2 * 2**30 else "warn"
        return _part(state, f"本机磁盘 {folder}，剩余 {free / 2**30:.1f} GB", free=free)
    bucket, started = storage.Bucket(s3), time.perf_counter()
    try:
        bucket.client.head_bucket(Bucket=bucket.name)
    except Exception as exc:  # any failure to answer is what the operator must see, in words
        return _part("bad", f"对象存储（桶 {s3['bucket']}）连不上：{type(exc).__name__}")
    return _part("ok", f"对象存储（桶 {s3['bucket']}）正常，应答 {(time.perf_counter() - started) * 1000:.0f} 毫秒")


def copy_lag(s3: dict | None, path) -> dict:
    """How far the database's copy in the bucket is behind its last change here (never `litestream sync`, which
    damages the copy on Litestream 0.5)."""
    if not s3:
        return _part("warn", "没有配置对象存储：数据库只在本机，硬盘坏了就全丢了")
    path, prefix = Path(path), f"{replication.replica_path()}/"
    try:
        client, newest, token = storage.Bucket(s3).client, None, None
        while True:
            page = client.list_objects_v2(Bucket=s3["bucket"], Prefix=prefix,
                                          **({"ContinuationToken": token} if token else {}))
            for item in page.get("Contents", []):
                newest = max(newest or item["LastModified"], item["LastModified"])
            if not page.get("IsTruncated"):
                break
            token = page["NextContinuationToken"]
    except Exception as exc:
        return _part("bad", f"读不到桶里的数据库副本：{type(exc).__name__}")
    if newest is None:
        return _part("bad", f"桶里（{prefix}）还没有数据库副本：Litestream 没有在复制")
    changed = max((path.parent / name).stat().st_mtime for name in (path.name, f"{path.name}-wal")
                  if (path.parent / name).exists())
    lag = max(0.0, changed - newest.timestamp())
    state = "ok" if lag <= LAG_OK_SECONDS else "bad"
    return _part(state, f"副本比本机晚 {lag:.0f} 秒（副本最新 {_local(newest.timestamp())}）", seconds=lag)


def unanswered(db, now: datetime) -> dict:
    """Submissions the server took (their key claimed) but never answered: the phones still hold them and resend."""
    cutoff = datetime.fromtimestamp(now.timestamp() - STUCK_MINUTES * 60, UTC).isoformat(timespec="seconds")
    found = one(db, "SELECT COUNT(*) AS n FROM idempotency WHERE status IS NULL AND created_at < ?", (cutoff,))["n"]
    recent = one(db, "SELECT COUNT(*) AS n FROM idempotency WHERE created_at >= ?",
                 (datetime.fromtimestamp(now.timestamp() - 3600, UTC).isoformat(timespec="seconds"),))["n"]
    words = f"未答复的提交 {found} 份（超过 {STUCK_MINUTES} 分钟）；最近一小时收到 {recent} 份"
    return _part("ok" if found == 0 else "warn", words, stuck=found, recent=recent)


def restore_check(record) -> dict:
    """The last daily restore check, as `flask restore --record` left it."""
    record = Path(record)
    if not record.exists():
        return _part("warn", "还没有做过恢复检查（deploy/anbiao-restore-check.timer 每天一次）")
    found = json.loads(record.read_text(encoding="utf-8"))
    age = (time.time() - found["at"]) / 3600
    if not found["ok"]:
        return _part("bad", f"{_local(found['at'])} 的恢复检查失败：{found['words']}")
    state = "ok" if age <= CHECK_OK_HOURS else "warn"
    return _part(state, f"{_local(found['at'])} 恢复检查通过：{found['words']}")


def record_check(record, ok: bool, words: str) -> None:
    """Keep a restore check's outcome where the health page reads it."""
    Path(record).write_text(json.dumps({"at": time.time(), "ok": ok, "words": words}, ensure_ascii=False),
                            encoding="utf-8")


def _local(stamp: float) -> str:
    from .due import TZ

    return datetime.fromtimestamp(stamp, TZ).strftime("%Y-%m-%d %H:%M:%S")


def report(db, path, s3: dict | None, folder, record, now: datetime) -> list[tuple[str, dict]]:
    """Every part of the page, in the order it shows them."""
    return [("数据库", database(path)), ("照片存储", photo_store(s3, folder)), ("数据库副本", copy_lag(s3, path)),
            ("服务器端待处理", unanswered(db, now)), ("恢复检查", restore_check(record))]


def record_path(database) -> Path:
    """Where the daily restore check leaves its outcome: beside the database (instance/restore-check.json)."""
    return Path(database).resolve().parent / "restore-check.json"
