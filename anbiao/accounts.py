"""Accounts: who a user is, their role and where they belong."""

import secrets

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .db import now, one, rows
from .scope import ROLES

MIN_PASSWORD = 8
# Long enough for any passphrase; short enough that hashing it costs nothing an attacker can use.
MAX_PASSWORD = 128
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class User(UserMixin, dict):
    """A signed-in user: the users row, readable as a mapping."""

    def get_id(self):
        # The account's session token rides in every session and remember-me cookie: a new token ends them all.
        return f"{self['id']}.{self['session_token']}"

    @property
    def role_label(self) -> str:
        return ROLES[self["role"]]


def load(db, session_id: str) -> User | None:
    """The active user a session names ("id.token"), if the token is still the account's current one."""
    user_id, _, token = (session_id or "").partition(".")
    if not user_id.isdigit() or not token:
        return None
    row = one(db, "SELECT * FROM users WHERE id = ? AND active = 1", (int(user_id),))
    return User(row) if row and secrets.compare_digest(row["session_token"], token) else None


def session_of(db, user_id: int) -> str:
    """The session id of an account as it stands now."""
    row = one(db, "SELECT id, session_token FROM users WHERE id = ?", (user_id,))
    return f"{row['id']}.{row['session_token']}" if row else ""


def end_sessions(db, user_id: int) -> None:
    """End every session and remember-me cookie of an account (sign-out, new password, deactivation)."""
    db.execute("UPDATE users SET session_token = ? WHERE id = ?", (secrets.token_hex(16), user_id))


def check_password(password: str | None) -> str:
    """The password if its length is allowed; raises ValueError with a Chinese message otherwise."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"密码至少{MIN_PASSWORD}位")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"密码不能超过{MAX_PASSWORD}位")
    return password


def authenticate(db, username: str, password: str) -> User | None:
    """The user whose name and password match, else None."""
    row = one(db, "SELECT * FROM users WHERE username = ? AND active = 1", ((username or "").strip()[:100],))
    if row is None or len(password or "") > MAX_PASSWORD:
        check_password_hash(_DUMMY_HASH, (password or "")[:MAX_PASSWORD])
        return None
    return User(row) if check_password_hash(row["password_hash"], password or "") else None


def create(db, *, username, password, name, role, by=None, **where) -> int:
    """Create an account; raises ValueError with a Chinese message when something is wrong."""
    username = (username or "").strip()
    if not username:
        raise ValueError("请填写用户名")
    if role not in ROLES:
        raise ValueError("角色不正确")
    check_password(password)
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
            " scope_industry, scope_county, scope_township, created_at, session_token)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (username, generate_password_hash(password), name or username, role,
             where.get("enterprise_id"), where.get("unit_id"), where.get("grid_id"),
             where.get("scope_industry"), where.get("scope_county"), where.get("scope_township"), now(),
             secrets.token_hex(16)),
        )
        audit.record(db, by, "create", "user", cur.lastrowid, {"username": username, "role": role})
    return cur.lastrowid


def visible(db, user, *, search="", role=None, after=None, limit=50) -> tuple[list[dict], str | None]:
    """One page of the accounts a user manages, role by role and then by username, and the `after` of the next.

    A county has a million accounts, so every step is an index range: an admin's search finds usernames that
    start with the text, or, when none does, names that start with it (in name order); a manager's search finds
    the text anywhere in their own enterprise's few dozen accounts. The next page starts after the username
    returned (None on the last page).
    """
    where, params = managed_where(user)
    roles = [r for r in ROLES if role in (None, r)]
    search = (search or "").strip()[:50]
    key, start = ("u.username",), None
    if search and user["role"] == "admin":
        below = _past_prefix(search)
        if _username_starts(db, search, below, roles):
            start = (search,)
        else:
            key, start = ("u.name", "u.username"), (search, "")
        if below:
            where, params = f"{where} AND {key[0]} < ?", [*params, below]
    elif search:
        where, params = f"{where} AND (instr(u.username, ?) > 0 OR instr(u.name, ?) > 0)", [*params, search, search]
    cursor = _cursor(db, user, after, key)
    if cursor:
        roles = roles[roles.index(cursor[0]):] if cursor[0] in roles else []
    columns, marks = ", ".join(key), ", ".join("?" * len(key))
    found: list[dict] = []
    for r in roles:
        bound, values = "1", ()
        if cursor and r == cursor[0] and (start is None or cursor[1] >= start):
            bound, values = f"({columns}) > ({marks})", cursor[1]
        elif start:
            bound, values = f"({columns}) >= ({marks})", start
        found += rows(
            db,
            "SELECT u.id, u.username, u.name, u.role, u.active, e.name AS enterprise_name, un.name AS unit_name,"
            " g.name AS grid_name FROM users u LEFT JOIN enterprises e ON e.id = u.enterprise_id"
            " LEFT JOIN units un ON un.id = u.unit_id LEFT JOIN grids g ON g.id = u.grid_id"
            f" WHERE u.role = ? AND {where} AND {bound} ORDER BY {columns} LIMIT ?",
            [r, *params, *values, limit + 1 - len(found)],
        )
        if len(found) > limit:
            return found[:limit], found[limit - 1]["username"]
    return found, None


def assignable_roles(user) -> dict:
    """The roles a user may give to new accounts."""
    if user["role"] == "admin":
        return ROLES
    if user["role"] == "manager":
        return {r: ROLES[r] for r in ("manager", "workshop_head", "team_leader")}
    return {}


def set_active(db, account: dict, active: bool, by) -> None:
    """Stop or restore an account; its records stay under its name."""
    if account["id"] == by:
        raise ValueError("不能停用自己的账号")
    with db.atomic():
        db.execute("UPDATE users SET active = ? WHERE id = ?", (1 if active else 0, account["id"]))
        if not active:
            end_sessions(db, account["id"])
        audit.record(db, by, "activate" if active else "deactivate", "user", account["id"], {})


def set_password(db, account: dict, password: str, by) -> None:
    """Give an account a new password; every session it had ends."""
    check_password(password)
    with db.atomic():
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (generate_password_hash(password), account["id"]))
        end_sessions(db, account["id"])
        audit.record(db, by, "set_password", "user", account["id"], {})


def change_own_password(db, user: dict, current: str, new: str, again: str) -> None:
    """A user changes their own password, proving the current one first."""
    if len(current or "") > MAX_PASSWORD or not check_password_hash(user["password_hash"], current or ""):
        raise ValueError("当前密码不正确")
    if new != again:
        raise ValueError("两次输入的新密码不一致")
    if new == current:
        raise ValueError("新密码不能与当前密码相同")
    set_password(db, user, new, user["id"])


def managed_where(user) -> tuple[str, list]:
    """SQL condition on `users u` for the accounts a user manages: an admin all, a manager their enterprise's."""
    if user["role"] == "admin":
        return "1", []
    if user["role"] == "manager":
        return "u.enterprise_id = ?", [user["enterprise_id"]]
    return "0", []


def managed(db, user, account_id) -> dict | None:
    """One account a user manages, found by its id (one primary-key lookup), or None."""
    where, params = managed_where(user)
    return one(db, f"SELECT u.* FROM users u WHERE u.id = ? AND {where}", [account_id, *params])


def _cursor(db, user, username, key) -> tuple[str, tuple] | None:
    """Where a page continues: the role and key values of the account it starts after, if the user manages it."""
    if not username:
        return None
    where, params = managed_where(user)
    row = one(db, f"SELECT u.role, u.name, u.username FROM users u WHERE u.username = ? AND {where}",
              [username, *params])
    return (row["role"], tuple(row[column.removeprefix("u.")] for column in key)) if row else None


def _username_starts(db, prefix: str, below: str | None, roles: list[str]) -> bool:
    """Whether some account of these roles has a username starting with `prefix` (one index probe)."""
    sql = f"SELECT 1 AS x FROM users u WHERE u.role IN ({', '.join('?' * len(roles))}) AND u.username >= ?"
    params = [*roles, prefix]
    if below:
        sql, params = sql + " AND u.username < ?", [*params, below]
    return bool(roles) and bool(one(db, sql + " LIMIT 1", params))


def _past_prefix(text: str) -> str | None:
    """The least string above every string that starts with `text`, or None when there is none."""
    # SQLite compares text as UTF-8 bytes, which sort as code points do: raising the last character that can be
    # raised bounds the prefix (the surrogate block cannot be stored, so it is stepped over).
    for i in range(len(text) - 1, -1, -1):
        point = ord(text[i]) + 1
        if point <= 0x10FFFF:
            return text[:i] + chr(0xE000 if 0xD800 <= point <= 0xDFFF else point)
    return None
