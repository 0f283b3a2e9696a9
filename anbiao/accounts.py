"""Accounts: who a user is, their role and where they belong."""

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .db import now, one
from .scope import ROLES

MIN_PASSWORD = 8
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class User(UserMixin, dict):
    """A signed-in user: the users row, readable as a mapping."""

    def get_id(self):
        return str(self["id"])

    @property
    def role_label(self) -> str:
        return ROLES[self["role"]]


def load(db, user_id) -> User | None:
    """The active user with this id."""
    row = one(db, "SELECT * FROM users WHERE id = ? AND active = 1", (user_id,))
    return User(row) if row else None


def authenticate(db, username: str, password: str) -> User | None:
    """The user whose name and password match, else None."""
    row = one(db, "SELECT * FROM users WHERE username = ? AND active = 1", ((username or "").strip(),))
    if row is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return User(row) if check_password_hash(row["password_hash"], password or "") else None


def create(db, *, username, password, name, role, by=None, **where) -> int:
    """Create an account; raises ValueError with a Chinese message when something is wrong."""
    username = (username or "").strip()
    if not username:
        raise ValueError("请填写用户名")
    if role not in ROLES:
        raise ValueError("角色不正确")
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"密码至少{MIN_PASSWORD}位")
    if one(db, "SELECT 1 AS x FROM users WHERE username = ?", (username,)):
        raise ValueError(f"用户名“{username}”已被使用")
    needs = {"grid_worker": "grid_id", "manager": "enterprise_id", "workshop_head": "unit_id",
             "team_leader": "unit_id"}.get(role)
    if needs and not where.get(needs):
        raise ValueError(f"{ROLES[role]}必须指定所属范围")
    if role in ("workshop_head", "team_leader"):
        unit = one(db, "SELECT * FROM units WHERE id = ?", (where["unit_id"],))
        expected = "workshop" if role == "workshop_head" else "post"
        if not unit or unit["kind"] != expected:
            raise ValueError(f"{ROLES[role]}的所属单元不正确")
        where["enterprise_id"] = unit["enterprise_id"]
    with db.atomic():
        cur = db.execute(
            "INSERT INTO users (username, password_hash, name, role, enterprise_id, unit_id, grid_id,"
            " scope_industry, scope_county, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (username, generate_password_hash(password), name or username, role,
             where.get("enterprise_id"), where.get("unit_id"), where.get("grid_id"),
             where.get("scope_industry"), where.get("scope_county"), now()),
        )
        audit.record(db, by, "create", "user", cur.lastrowid, {"username": username, "role": role})
    return cur.lastrowid
