"""The SQLite database: one kept connection per worker thread, and append-only migrations."""

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from .migrations import MIGRATIONS

_local = threading.local()
_path: Path | None = None


def configure(path) -> None:
    """Point every later connection at this database file."""
    global _path
    _path = Path(path)
    _path.parent.mkdir(parents=True, exist_ok=True)
    close()


# One writer at a time: threads of a worker queue on a lock, workers on a file lock beside the database, each
# woken the moment the writer before it commits. Left to SQLite, waiting writers poll its lock with sleeps of up
# to 100 ms, and a few cards sent at once wait a second.
_writing = threading.Lock()
_lock_file: tuple[int, Path, int] | None = None  # (process, database, descriptor)


def _file_lock() -> int:
    """This process's descriptor of the database's lock file (opened after the fork, one per process)."""
    global _lock_file
    if _lock_file is None or _lock_file[:2] != (os.getpid(), _path):
        _lock_file = (os.getpid(), _path, os.open(f"{_path}.write-lock", os.O_RDWR | os.O_CREAT, 0o600))
    return _lock_file[2]


class Database(sqlite_utils.Database):
    """A connection whose outermost transaction waits its turn, then takes SQLite's write lock (BEGIN IMMEDIATE)."""

    @contextlib.contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        with _writing:
            lock = _file_lock() if _path is not None and self is getattr(_local, "db", None) else None
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    self.rollback()
                    raise
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.rollback()
                    raise
            finally:
                if lock is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)


def connect(path) -> Database:
    """Open a connection with the pragmas every connection needs."""
    conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=10000")
    return db


def get() -> Database:
    """The calling thread's connection, opened once and kept (opening per request costs 4x)."""
    db = getattr(_local, "db", None)
    if db is None or getattr(_local, "path", None) != _path:
        if _path is None:
            raise RuntimeError("database not configured")
        db = connect(_path)
        _local.db, _local.path = db, _path
    return db


def close() -> None:
    """Drop the calling thread's connection."""
    db = getattr(_local, "db", None)
    if db is not None:
        db.conn.close()
        _local.db = None


def now() -> str:
    """Server time of record, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def one(db, sql, params=()):
    """First row of a query as a dict, or None."""
    row = db.execute(sql, params).fetchone()
    return dict(row) if row else None


def rows(db, sql, params=()):
    """All rows of a query as dicts."""
    return [dict(r) for r in db.execute(sql, params).fetchall()]


# The tables that grow with a county's years of work: a request must never read one whole.
BIG_TABLES = ("inspections", "inspection_results", "hazards", "checklists", "enterprises", "checklist_items",
              "hazard_events", "hazard_photos", "units", "audit_log")
# A SCAN reads a table whole; so does a SEARCH with no index named (a walk in rowid order that stops only when
# it finds a match, as MIN(id) of an unindexed condition does) and an automatic index (built from the whole table).
_SCAN = re.compile(r"\bSCAN (\w+)|^SEARCH (\w+)$|\bSEARCH (\w+) USING AUTOMATIC")
_TABLE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
_KEYWORDS = {"WHERE", "LEFT", "JOIN", "ON", "INNER", "CROSS", "GROUP", "ORDER", "LIMIT", "USING", "AND", "SET",
             "UNION"}


def full_scans(db, sql: str) -> list[str]:
    """The big tables a query's plan reads whole (EXPLAIN QUERY PLAN names tables by their aliases)."""
    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return []
    steps = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]
    names = {}
    for table, alias in _TABLE.findall(sql):
        names[table] = table
        if alias and alias.upper() not in _KEYWORDS:
            names[alias] = table
    found = [m.group(1) or m.group(2) or m.group(3) for step in steps for m in [_SCAN.search(step.strip())] if m]
    scanned = [names.get(name, name) for name in found]
    # A walk in the order asked for that stops at its LIMIT (keyset pages by id) reads only its page.
    if " LIMIT " in sql.upper() and not any("TEMP B-TREE" in step for step in steps):
        return []
    return [t for t in scanned if t in BIG_TABLES]


def migrate(db) -> int:
    """Apply the steps not yet applied; return how many ran."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
        with db.atomic():
            for statement in statements(step):
                db.execute(statement)
            db.execute(f"PRAGMA user_version={number}")
    return len(MIGRATIONS) - current


def statements(script: str) -> list[str]:
    """A script cut into whole statements (a trigger's body keeps its own semicolons)."""
    found, part = [], ""
    for piece in script.split(";"):
        part += piece + ";"
        if sqlite3.complete_statement(part):
            if part.strip(" \n;"):
                found.append(part.strip())
            part = ""
    return found


def is_new(db) -> bool:
    """True while no enterprise or user exists yet."""
    return not db.execute("SELECT 1 FROM users LIMIT 1").fetchone()
