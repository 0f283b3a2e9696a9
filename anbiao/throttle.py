"""Sign-in throttling with the `limits` library, checked only where it applies (not on every request)."""

from flask import current_app, request
from limits import parse_many, storage, strategies

_store = storage.MemoryStorage()  # per worker; ANBIAO_RATELIMIT_STORAGE may name a shared one
_window = strategies.MovingWindowRateLimiter(_store)


def configure(uri: str) -> None:
    """Use the storage a URI names (memory:// by default, redis://… to share between workers)."""
    global _store, _window
    _store = storage.storage_from_string(uri)
    _window = strategies.MovingWindowRateLimiter(_store)


def _address() -> str:
    return request.remote_addr or "?"


def sign_in_allowed() -> bool:
    """Count one attempt; False once an address, or an address with one account name, is over its limit."""
    name = (request.form.get("username") or "").strip().lower()
    checks = [(current_app.config["LOGIN_LIMIT"], f"login|{_address()}|{name}"),
              (current_app.config["LOGIN_ADDRESS_LIMIT"], f"login|{_address()}")]
    # Hit every limit (no short-circuit), so each window counts every attempt.
    results = [_window.hit(limit, key) for spec, key in checks for limit in parse_many(spec)]
    return all(results)


def reset() -> None:
    """Forget every count (tests start clean)."""
    _store.reset()
