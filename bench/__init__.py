"""Benchmarks: each prints its ratios against a baseline run in the same process."""

from pathlib import Path


def demo_database(path: Path, photos: Path):
    """A new demo database at `path` (today's schema, library and demo world), photos under `photos`; its open
    connection."""
    from anbiao import db, demo, library, storage

    storage.configure(photos)
    conn = db.connect(path)
    db.migrate(conn)
    library.load(conn)
    demo.load(conn)
    return conn
