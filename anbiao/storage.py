"""Where photo files live: a folder beside the database by default, or a bucket of S3-compatible object storage
(SeaweedFS, MinIO, a cloud's) when ANBIAO_S3_* is set. Keys are content-addressed, so a key once written never
changes: writing it again (a resend) stores the same bytes, and a copy can be checked against what was meant."""

import hashlib
import os
import tempfile
import time
from pathlib import Path

_TMP = ".tmp-"
# A half-written file younger than this may belong to another worker still writing it.
STALE_SECONDS = 600
# What to set for object storage, as every message that finds it missing says it.
SETTINGS = ("请设置 ANBIAO_S3_BUCKET（以及 ANBIAO_S3_ENDPOINT、ANBIAO_S3_ACCESS_KEY、ANBIAO_S3_SECRET_KEY、"
            "ANBIAO_S3_REGION）")
UNREACHABLE = "照片存储暂时连不上，照片没有保存。已填写的内容仍在手机上，请稍后再提交"


class StorageError(Exception):
    """The store could not take or give a file; the message is the person's, in Chinese."""


class Disk:
    """Files in a folder: written to a temporary name, then renamed, so a reader never sees half a file."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key or ".." in key or key.startswith("/"):
            raise ValueError("bad key")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def local(self, key: str) -> Path | None:
        return self._path(key)

    def keys(self):
        """Every stored key (not the half-written), in a stable order."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(_TMP):
                yield path.relative_to(self.root).as_posix()

    def sweep(self, older_than: float) -> int:
        cutoff, removed = time.time() - older_than, 0
        for leftover in self.root.rglob(f"{_TMP}*"):
            try:
                if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another worker swept it first
        return removed


class Bucket:
    """Objects in an S3 bucket through boto3: each upload retried and verified by its MD5 before it counts."""

    ATTEMPTS = 3

    def __init__(self, settings: dict):
        import boto3
        from botocore.config import Config

        self.name = settings["bucket"]
        # Short timeouts: a phone waits on this answer, and a store that is down must say so, not hang.
        self.client = boto3.client(
            "s3", endpoint_url=settings.get("endpoint") or None, region_name=settings.get("region") or "us-east-1",
            aws_access_key_id=settings.get("access_key"), aws_secret_access_key=settings.get("secret_key"),
            config=Config(connect_timeout=3, read_timeout=20, retries={"max_attempts": self.ATTEMPTS,
                                                                         "mode": "standard"},
                          s3={"addressing_style": settings.get("addressing") or "path"},
                          # Our Content-MD5 already guards each upload: no second checksum pass over the bytes.
                          request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))

    def _etag(self, key: str) -> str | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.name, Key=key)["ETag"].strip('"')
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(UNREACHABLE) from exc
        except BotoCoreError as exc:
            raise StorageError(UNREACHABLE) from exc

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        for _ in range(self.ATTEMPTS):
            try:
                # Content-MD5 makes the store refuse bytes damaged on the way; the ETag it answers is the MD5 of what
                # it keeps. A key rewritten with its own bytes (a resend) changes nothing.
                answer = self.client.put_object(Bucket=self.name, Key=key, Body=data, ContentMD5=_b64(digest))
            except (BotoCoreError, ClientError) as exc:
                raise StorageError(UNREACHABLE) from exc
            if answer.get("ETag", "").strip('"') == digest:
                return
        raise StorageError("照片存储保存的内容与上传的不一致，照片没有保存，请稍后再提交")

    def exists(self, key: str) -> bool:
        return self._etag(key) is not None

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise StorageError("照片存储暂时连不上，照片暂时无法显示") from exc

    def local(self, key: str) -> Path | None:
        return None

    def holds(self, key: str, data: bytes) -> bool:
        """Whether the bucket holds exactly these bytes under the key."""
        return self._etag(key) == hashlib.md5(data, usedforsecurity=False).hexdigest()

    def sweep(self, older_than: float) -> int:
        return 0  # an upload is whole or absent: nothing half-written to clear


def _b64(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


_store: Disk | Bucket | None = None


def configure(root=None, s3: dict | None = None) -> None:
    """Keep files in the bucket `s3` describes (bucket, endpoint, region, access_key, secret_key) when given, else
    under the folder `root`, clearing what a killed worker left half-written."""
    global _store
    _store = Bucket(s3) if s3 and s3.get("bucket") else Disk(root)
    sweep()


def s3_settings(environ=os.environ) -> dict | None:
    """The object store the ANBIAO_S3_* settings name, or None when ANBIAO_S3_BUCKET is not set."""
    if not environ.get("ANBIAO_S3_BUCKET"):
        return None
    return {"bucket": environ["ANBIAO_S3_BUCKET"], "endpoint": environ.get("ANBIAO_S3_ENDPOINT"),
            "region": environ.get("ANBIAO_S3_REGION"), "access_key": environ.get("ANBIAO_S3_ACCESS_KEY"),
            "secret_key": environ.get("ANBIAO_S3_SECRET_KEY"),
            # Buckets in the address's path (SeaweedFS, MinIO) unless the store wants them as a subdomain ("virtual").
            "addressing": "virtual" if environ.get("ANBIAO_S3_ADDRESSING") == "virtual" else "path"}


def _current() -> Disk | Bucket:
    if _store is None:
        raise RuntimeError("storage not configured")
    return _store


def sweep(older_than: float = STALE_SECONDS) -> int:
    """Remove temporary files left by writes that never finished; return how many."""
    return _current().sweep(older_than)


def put(key: str, data: bytes) -> None:
    """Store a file once, and return only when the store holds it; StorageError when it cannot."""
    _current().put(key, data)


_uploads = None  # the threads that talk to a bucket, made on first use


def _pool():
    global _uploads
    if _uploads is None:
        from concurrent.futures import ThreadPoolExecutor

        _uploads = ThreadPoolExecutor(max_workers=8, thread_name_prefix="upload")
    return _uploads


def _send(files: dict[str, bytes]) -> list:
    """Files onto the disk at once, or on their way to a bucket side by side (their uploads returned)."""
    store = _current()
    if isinstance(store, Disk):
        for name, data in files.items():
            store.put(name, data)
        return []
    return [_pool().submit(store.put, name, data) for name, data in files.items()]


def put_soon(files: dict[str, bytes]):
    """Start storing several files; returns the wait, which returns when the store holds them all and raises
    StorageError when it cannot take one."""
    uploads = _send(files)

    def landed() -> None:
        for upload in uploads:
            upload.result()

    return landed


_later: list = []  # served copies on their way to a bucket (drain waits for them)


def put_later(files: dict[str, bytes]) -> None:
    """Store files that can be made again (a photo's served copies) without waiting for a bucket to answer."""
    _later[:] = [upload for upload in _later if not upload.done()]
    _later.extend(_send(files))


def drain() -> None:
    """Wait for the copies on their way (their failures are left to be made again when asked for)."""
    for upload in list(_later):
        upload.exception()


def exists(key: str) -> bool:
    """Whether a key has been stored."""
    return _current().exists(key)


def read(key: str) -> bytes:
    """A stored file's bytes."""
    return _current().read(key)


def local(key: str) -> Path | None:
    """The file of a key on this machine's disk, when files are kept on disk (else None)."""
    return _current().local(key)


def in_bucket() -> bool:
    """Whether files go to object storage."""
    return isinstance(_current(), Bucket)
