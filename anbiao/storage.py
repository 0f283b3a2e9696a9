"""Where photo files live: a folder beside the database (S3-compatible storage can take this interface later)."""

import os
import tempfile
from pathlib import Path

_root: Path | None = None


def configure(root) -> None:
    """Keep files under this folder."""
    global _root
    _root = Path(root)
    _root.mkdir(parents=True, exist_ok=True)


def _path(key: str) -> Path:
    if _root is None:
        raise RuntimeError("storage not configured")
    if not key or ".." in key or key.startswith("/"):
        raise ValueError("bad key")
    return _root / key


def put(key: str, data: bytes) -> None:
    """Write a file once; content-addressed keys make a second write of the same key a no-op."""
    path = _path(key)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def path(key: str) -> Path:
    """The local file of a key (for sending it)."""
    return _path(key)


def exists(key: str) -> bool:
    """Whether a key has been written."""
    return _path(key).exists()
