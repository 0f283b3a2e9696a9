"""网格: the government's smallest patch of territory, each with its grid workers and enterprises."""

from . import audit
from .db import one, rows


def all_grids(db) -> list[dict]:
    """Every grid with its enterprise count, by county and township."""
    return rows(db, "SELECT g.*, (SELECT COUNT(*) FROM enterprises e WHERE e.grid_id = g.id) AS enterprise_count"
                    " FROM grids g ORDER BY county, township, name")


def create(db, *, name, county, township, by=None) -> int:
    """Add a grid; names are unique."""
    name, county, township = ((v or "").strip() for v in (name, county, township))
    if not name or not county or not township:
        raise ValueError("请填写网格名称、所属县（市、区）和乡镇（街道）")
    if one(db, "SELECT id FROM grids WHERE name = ?", (name,)):
        raise ValueError(f"网格“{name}”已存在")
    with db.atomic():
        cur = db.execute("INSERT INTO grids (name, county, township) VALUES (?,?,?)", (name, county, township))
        audit.record(db, by, "create", "grid", cur.lastrowid, {"name": name})
    return cur.lastrowid
