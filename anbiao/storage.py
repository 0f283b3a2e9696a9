"""Where photo files live: a folder beside the database (S3-compatible storage can take this interface later)."""

import os
import tempfile
import time
from pathlib import Path

_root: Path | None = None
_TMP = ".tmp-"
# A half-written file younger than this may belong to another worker still writing it.
STALE_SECONDS = 600


def configure(root) -> None:
    """Keep files under this folder, and clear what a killed worker left half-written."""
    global _root
    _root = Path(root)
    _root.mkdir(parents=True, exist_ok=True)
    sweep()


def sweep(older_than: float = STALE_SECONDS) -> int:
    """Remove temporary files left by writes that never finished; return how many."""
    cutoff, removed = time.time() - older_than, 0
    for leftover in _root.rglob(f"{_TMP}*"):
        try:
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed += 1
        except FileNotFoundError:
            pass  # another worker swept it first
    return removed


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def path(key: str) -> Path:
    """The local file of a key (for sending it)."""
    return _path(key)


def exists(key: str) -> bool:
    """Whether a key has been written."""
    return _path(key).exists()
