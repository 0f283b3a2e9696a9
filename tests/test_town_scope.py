"""A town's 安办 (a supervisor with a township) sees only the enterprises of its own town, in every list and page."""

from tests.loop_helpers import ent_id

GAS, WORKS = "泉州市安泰燃气有限公司", "晋江市恒力机械制造有限公司"


def test_town_supervisor_sees_only_its_towns_enterprises(signed_in, conn):
    town = signed_in("town1")
    assert town.get(f"/enterprises/{ent_id(conn, GAS)}").status_code == 200
    assert town.get(f"/enterprises/{ent_id(conn, WORKS)}").status_code == 404
    listed = town.get("/enterprises").get_data(as_text=True)
    assert GAS in listed and WORKS not in listed


def test_a_supervisor_with_a_township_is_made_from_the_accounts_page(signed_in, conn):
    admin = signed_in("admin")
    answer = admin.post("/people", {"username": "town2", "name": "安海镇安办", "role": "supervisor",
                                    "password": "demo1234demo", "scope_county": "晋江市", "scope_township": "安海镇"})
    assert answer.status_code == 302
    made = conn.execute("SELECT scope_county, scope_township FROM users WHERE username = 'town2'").fetchone()
    assert tuple(made) == ("晋江市", "安海镇")
