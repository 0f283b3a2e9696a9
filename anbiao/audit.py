"""The audit log: every change, who made it and when; rows are only ever added."""

import json

from . import db as database


def record(db, user_id, action: str, entity: str, entity_id, detail=None) -> None:
    """Write one audit row in the caller's transaction."""
    db.execute(
        "INSERT INTO audit_log (at, user_id, action, entity, entity_id, detail) VALUES (?,?,?,?,?,?)",
        (database.now(), user_id, action, entity, entity_id,
         json.dumps(detail or {}, ensure_ascii=False, default=str)),
    )


def history(db, entity: str, entity_id: int, limit: int = 50) -> list[dict]:
    """The latest changes to one record, newest first."""
    return database.rows(
        db,
        "SELECT a.*, u.name AS user_name FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
        "WHERE entity = ? AND entity_id = ? ORDER BY a.id DESC LIMIT ?",
        (entity, entity_id, limit),
    )
