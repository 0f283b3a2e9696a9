"""The 账号 page at a county's size: fifty accounts a page in a fixed order, a search that finds one account among
a million, and new accounts placed by what an admin can type (a credit code), never a list of every enterprise."""

import re

import pytest

from anbiao import accounts, credit_code

from .conftest import user_id

NAMES = re.compile(r'<strong>[^<]*<span class="muted">([^<]+)</span>')


def listed(page) -> list[str]:
    """The usernames a 账号 page shows, in order."""
    return NAMES.findall(page.get_data(as_text=True))


def next_link(page) -> str | None:
    found = re.search(r'<a class="button" href="([^"]+)">下一页</a>', page.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def many_leaders(conn, count: int) -> list[str]:
    """`count` more team leaders in manager1's enterprise, named so they sort after the demo ones."""
    ent, unit = conn.execute("SELECT enterprise_id, unit_id FROM users WHERE username = 'leader1'").fetchone()
    names = [f"zz-leader{n:03d}" for n in range(count)]
    accounts.create(conn, username=names[0], password="longenough1", name="班组长000", role="team_leader",
                    enterprise_id=ent, unit_id=unit)
    # The rest share the first one's password hash: hashing each would cost the test seconds.
    conn.conn.executemany("INSERT INTO users (username, password_hash, name, role, enterprise_id, unit_id, created_at,"
                     " session_token) SELECT ?, password_hash, ?, role, enterprise_id, unit_id, created_at, ?"
                     " FROM users WHERE username = ?",
                     [(name, f"班组长{name[-3:]}", f"t{name}", names[0]) for name in names[1:]])
    return names


def test_the_account_list_pages_by_fifty_and_every_account_appears_once(signed_in, conn):
    """Following 下一页 from the first page shows every account the admin manages exactly once, role by role."""
    many_leaders(conn, 120)
    admin = signed_in("admin")
    page, seen, pages = admin.get("/people"), [], 0
    while True:
        assert page.status_code == 200
        names = listed(page)
        assert len(names) <= 50
        seen += names
        pages += 1
        url = next_link(page)
        if not url:
            break
        assert "after=" in url and "offset" not in url
        page = admin.get(url)
    everyone = [r[0] for r in conn.execute("SELECT username FROM users")]
    assert sorted(seen) == sorted(everyone) and len(seen) == len(set(seen))
    assert pages == -(-len(everyone) // 50)
    roles = {r[0]: r[1] for r in conn.execute("SELECT username, role FROM users")}
    ranks = [list(accounts.ROLES).index(roles[name]) for name in seen]
    assert ranks == sorted(ranks), "grouped by role, in the order roles are listed"


def test_a_manager_lists_only_their_own_enterprises_staff(signed_in, conn):
    """manager1's list, however paged or searched, holds only 恒力/安泰's own staff, never manager2's."""
    many_leaders(conn, 60)
    manager = signed_in("manager1")
    own = {r[0] for r in conn.execute("SELECT username FROM users WHERE enterprise_id ="
                                      " (SELECT enterprise_id FROM users WHERE username = 'manager1')")}
    page, seen = manager.get("/people"), []
    while True:
        seen += listed(page)
        url = next_link(page)
        if not url:
            break
        page = manager.get(url)
    assert set(seen) == own
    assert "manager2" not in listed(manager.get("/people?q=manager2"))
    assert manager.get("/people?after=manager2").status_code == 200


def test_searching_finds_one_account_by_username_start_or_by_name(signed_in, conn):
    """An admin finds leader1 by typing 'leader1' and an account by the start of its name; nothing else matches."""
    admin = signed_in("admin")
    assert listed(admin.get("/people?q=leader1"))[0] == "leader1"
    assert all(name.startswith("leader1") for name in listed(admin.get("/people?q=leader1")))
    name = conn.execute("SELECT name FROM users WHERE username = 'head1'").fetchone()[0]
    assert "head1" in listed(admin.get(f"/people?q={name}"))
    nothing = admin.get("/people?q=没有这个人xyz")
    assert listed(nothing) == [] and "没有找到符合条件的账号" in nothing.get_data(as_text=True)


def test_the_role_filter_shows_only_that_role(signed_in, conn):
    admin = signed_in("admin")
    names = listed(admin.get("/people?role=grid_worker"))
    expected = [r[0] for r in conn.execute("SELECT username FROM users WHERE role = 'grid_worker' ORDER BY username")]
    assert names == expected and names


def test_admin_makes_a_manager_by_credit_code(signed_in, conn):
    """The admin types the enterprise's 统一社会信用代码 (lower case and spaces allowed); the new manager belongs to it
    and the page opens on the new account."""
    ent = conn.execute("SELECT id, credit_code FROM enterprises ORDER BY id LIMIT 1").fetchone()
    admin = signed_in("admin")
    typed = " ".join(ent[1].lower()[i:i + 6] for i in range(0, 18, 6))
    answer = admin.post("/people", {"username": "newboss", "name": "新负责人", "role": "manager",
                                    "credit_code": typed, "password": "longenough1"})
    assert answer.status_code == 302 and "q=newboss" in answer.headers["Location"]
    assert conn.execute("SELECT enterprise_id FROM users WHERE username = 'newboss'").fetchone()[0] == ent[0]
    assert listed(admin.get(answer.headers["Location"]))[0] == "newboss"


@pytest.mark.parametrize("typed, message", [
    ("", "统一社会信用代码"),
    ("91350503MA31ABCD2X", "统一社会信用代码"),
    (None, "没有统一社会信用代码为"),
])
def test_a_wrong_or_unknown_credit_code_is_refused_in_chinese(signed_in, conn, typed, message):
    """A code that fails its check character, or names no enterprise on file, saves nothing and says why."""
    if typed is None:  # well formed, but no enterprise has it
        body = "91350100MA2Y00000"
        typed = body + credit_code.check_char(body)
    admin = signed_in("admin")
    answer = admin.post("/people", {"username": "nobody", "name": "某人", "role": "manager", "credit_code": typed,
                                    "password": "longenough1"})
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True) and "未保存" in answer.get_data(as_text=True)
    assert not conn.execute("SELECT 1 FROM users WHERE username = 'nobody'").fetchone()


def test_admin_cannot_place_a_team_leader_and_a_manager_cannot_place_one_elsewhere(signed_in, conn):
    """Heads and leaders are placed by their own enterprise's manager, in a unit of that enterprise only."""
    admin = signed_in("admin")
    answer = admin.post("/people", {"username": "x1", "name": "某人", "role": "team_leader", "password": "longenough1"})
    assert answer.status_code == 422 and "企业负责人" in answer.get_data(as_text=True)
    other_unit = conn.execute("SELECT unit_id FROM users WHERE enterprise_id ="
                              " (SELECT enterprise_id FROM users WHERE username = 'manager2') AND unit_id IS NOT NULL"
                              " LIMIT 1").fetchone()
    if other_unit is None:
        other_unit = conn.execute("SELECT u.id FROM units u WHERE u.enterprise_id ="
                                  " (SELECT enterprise_id FROM users WHERE username = 'manager2') LIMIT 1").fetchone()
    manager = signed_in("manager1")
    answer = manager.post("/people", {"username": "x2", "name": "某人", "role": "team_leader",
                                      "unit_id": other_unit[0], "password": "longenough1"})
    assert answer.status_code in (403, 404)
    assert not conn.execute("SELECT 1 FROM users WHERE username IN ('x1', 'x2')").fetchone()


def test_the_new_account_form_offers_no_list_of_every_enterprise(signed_in):
    """An admin's form asks for a credit code, not a select of every enterprise in the county."""
    html = signed_in("admin").get("/people").get_data(as_text=True)
    assert 'name="credit_code"' in html and 'name="enterprise_id"' not in html


def test_changing_an_account_returns_to_it(signed_in, conn):
    """Stopping an account lands on a page that shows that account, however deep it sat in the list."""
    names = many_leaders(conn, 70)
    manager = signed_in("manager1")
    target = user_id(conn, names[-1])
    answer = manager.post(f"/people/{target}/active", {"active": "0"})
    assert answer.status_code == 302
    page = manager.get(answer.headers["Location"])
    assert listed(page)[0] == names[-1] and "已停用" in page.get_data(as_text=True)
