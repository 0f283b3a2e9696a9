"""Throttling of sign-in and of the public's reports with the `limits` library, in a store all workers share."""

import os
import sqlite3
import threading
import time
from urllib.parse import urlsplit

from flask import current_app, request
from limits import parse_many, storage, strategies


class SQLiteStorage(storage.Storage, storage.MovingWindowSupport):
    """A `limits` store in a small SQLite file: shared by the workers of one server, no extra service."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, **options):
        super().__init__(uri, **options)
        self.path = urlsplit(uri).path
        self._lock = threading.Lock()
        self._conn = None
        self._pid = None

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # A connection made before a fork must not be shared with the child; each process opens its own.
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL)")
            conn.execute("CREATE INDEX IF NOT EXISTS hits_key ON hits(key, at)")
            conn.execute("CREATE TABLE IF NOT EXISTS counters"
                         " (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _write(self, work):
        """Run `work(conn)` in one write transaction, so two workers never count the same slot."""
        with self._lock:
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        def work(conn):
            now = time.time()
            conn.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, now - expiry))
            taken = conn.execute("SELECT COUNT(*) FROM hits WHERE key = ?", (key,)).fetchone()[0]
            if taken + amount > limit:
                return False
            conn.executemany("INSERT INTO hits (key, at) VALUES (?, ?)", [(key, now)] * amount)
            return True

        return self._write(work)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        with self._lock:
            oldest, count = self._db().execute("SELECT MIN(at), COUNT(*) FROM hits WHERE key = ? AND at > ?",
                                               (key, time.time() - expiry)).fetchone()
        return (oldest or time.time()), count

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        def work(conn):
            now = time.time()
            conn.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            conn.execute("INSERT INTO counters (key, count, expires) VALUES (?, ?, ?)"
                         " ON CONFLICT(key) DO UPDATE SET count = count + excluded.count", (key, amount, now + expiry))
            return conn.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()[0]

        return self._write(work)

    def get(self, key: str) -> int:
        with self._lock:
            row = self._db().execute("SELECT count FROM counters WHERE key = ? AND expires > ?",
                                     (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            row = self._db().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        with self._lock:
            return self._db().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._write(lambda conn: conn.execute("DELETE FROM hits").rowcount
                           + conn.execute("DELETE FROM counters").rowcount)

    def clear(self, key: str) -> None:
        self._write(lambda conn: (conn.execute("DELETE FROM hits WHERE key = ?", (key,)),
                                  conn.execute("DELETE FROM counters WHERE key = ?", (key,))))


_store = None
_window = None


def configure(uri: str) -> None:
    """Count in the store a URI names: sqlite:///path (the default, one server) or redis://… (several)."""
    global _store, _window
    _store = storage.storage_from_string(uri)
    _window = strategies.MovingWindowRateLimiter(_store)


def _address() -> str:
    return request.remote_addr or "?"


def sign_in_allowed() -> bool:
    """Count one attempt; False once an address, or an address with one account name, is over its limit."""
    name = (request.form.get("username") or "").strip().lower()
    return _allowed([(current_app.config["LOGIN_LIMIT"], f"login|{_address()}|{name}"),
                     (current_app.config["LOGIN_ADDRESS_LIMIT"], f"login|{_address()}")])


def _allowed(checks) -> bool:
    # Hit every limit (no short-circuit), so each window counts every attempt.
    return all([_window.hit(limit, key) for spec, key in checks for limit in parse_many(spec)])


def report_allowed(sign_id: int) -> bool:
    """Count one public report; False once its address, or the sign, is over its limit."""
    return _allowed([(current_app.config["REPORT_ADDRESS_LIMIT"], f"report|{_address()}"),
                     (current_app.config["REPORT_SIGN_LIMIT"], f"report-sign|{sign_id}")])


def lookup_allowed() -> bool:
    """Count one receipt lookup from an address: receipts cannot be tried one after another."""
    return _allowed([(current_app.config["REPORT_LOOKUP_LIMIT"], f"receipt|{_address()}")])


def reset() -> None:
    """Forget every count (tests start clean)."""
    _store.reset()
