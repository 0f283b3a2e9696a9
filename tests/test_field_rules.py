"""Rules found by attacking the app and walking it: every POST keyed, inspections scoped like hazards,
counts that match lists, CSP, favicon, leftover temp files, 挂牌督办 from the first moment."""

import os
import re
import time

from werkzeug.routing import IntegerConverter

from anbiao import storage

from .conftest import user_id
from .loop_helpers import upload


def _post_routes(app):
    return [rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())]


def _url(rule):
    """The rule's address with every id set to 1 (the key is refused before any id is looked up)."""
    values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_every_post_route_refuses_a_request_without_an_idempotency_key(app, signed_in, conn):
    admin = signed_in("admin")
    before = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    routes = _post_routes(app)
    assert len(routes) >= 25
    for rule in routes:
        response = admin.http.post(_url(rule), data={"csrf_token": admin.csrf, "name": "无编号"})
        assert response.status_code == 400, rule.rule
        assert "缺少提交编号" in response.get_data(as_text=True), rule.rule
    assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == before


def test_sign_in_without_an_idempotency_key_is_refused(client):
    response = client.http.post("/login", data={"csrf_token": client.csrf, "username": "admin", "password": "x"})
    assert response.status_code == 400
    assert "缺少提交编号" in response.get_data(as_text=True)


def test_repeated_grid_creation_with_one_key_makes_one_grid(signed_in, conn):
    admin = signed_in("admin")
    form = {"name": "重发网格", "county": "丰泽区", "township": "东海街道", "idempotency_key": "grid-key-0001"}
    first, second = admin.post("/grids", form), admin.post("/grids", form)
    assert first.status_code == second.status_code == 302
    assert second.headers.get("Idempotent-Replay") == "true"
    assert conn.execute("SELECT COUNT(*) FROM grids WHERE name = '重发网格'").fetchone()[0] == 1


def _workshop_inspection(conn):
    return conn.execute("SELECT i.id, i.checklist_id FROM inspections i JOIN checklists c ON c.id = i.checklist_id"
                        " WHERE c.tier = 'workshop' AND c.unit_id = (SELECT id FROM units WHERE name = '储配站')"
                        " ORDER BY i.id DESC LIMIT 1").fetchone()


def test_team_leader_cannot_open_an_inspection_of_the_workshop_above(signed_in, conn):
    inspection_id, checklist_id = _workshop_inspection(conn)
    leader = signed_in("leader1")
    assert leader.get(f"/inspections/{inspection_id}").status_code == 404
    page = leader.get(f"/checklists/{checklist_id}")
    assert page.status_code == 200  # the items above a card stay readable
    assert f"/inspections/{inspection_id}" not in page.get_data(as_text=True)


def test_workshop_head_still_opens_own_workshop_inspection(signed_in, conn):
    inspection_id, checklist_id = _workshop_inspection(conn)
    head = signed_in("head1")
    assert head.get(f"/inspections/{inspection_id}").status_code == 200
    assert f"/inspections/{inspection_id}" in head.get(f"/checklists/{checklist_id}").get_data(as_text=True)


def test_team_leader_opens_own_post_inspection(signed_in, conn):
    own = conn.execute("SELECT id FROM inspections WHERE inspector_id = ? ORDER BY id DESC LIMIT 1",
                       (user_id(conn, "leader1"),)).fetchone()[0]
    assert signed_in("leader1").get(f"/inspections/{own}").status_code == 200


def _open_count(html):
    found = re.search(r"未闭环隐患 (\d+)", html)
    return int(found.group(1)) if found else 0


def _listed(html):
    return int(re.search(r"共 (\d+) 条", html).group(1))


def test_open_hazard_count_matches_the_list_it_links_to(signed_in, conn):
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'leader1'").fetchone()[0]
    for who in ("leader1", "leader1b", "head1", "manager1"):
        person = signed_in(who)
        shown = _open_count(person.get(f"/enterprises/{enterprise_id}").get_data(as_text=True))
        listed = _listed(person.get(f"/enterprises/{enterprise_id}/hazards?status=open").get_data(as_text=True))
        assert shown == listed, who
    assert _open_count(signed_in("manager1").get(f"/enterprises/{enterprise_id}").get_data(as_text=True)) > \
        _open_count(signed_in("leader1b").get(f"/enterprises/{enterprise_id}").get_data(as_text=True))


def test_pages_allow_only_this_sites_scripts(signed_in):
    policy = signed_in("leader1").get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"


def test_no_page_carries_an_inline_script_or_handler(signed_in, conn):
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    manager = signed_in("manager1")
    for path in ("/", f"/enterprises/{enterprise_id}", f"/enterprises/{enterprise_id}/hazards", "/library"):
        html = manager.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert not re.search(r"\sstyle=", html), path


def test_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in response.headers["Cache-Control"]


def test_temp_files_left_by_a_killed_worker_are_cleaned_at_start(app, db_path):
    folder = db_path.parent / "photos" / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    stale, fresh = folder / ".tmp-dead", folder / ".tmp-writing"
    stale.write_bytes(b"half a photo")
    fresh.write_bytes(b"another worker is writing this")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    storage.configure(db_path.parent / "photos")
    assert not stale.exists()
    assert fresh.exists()  # a write in progress elsewhere is left alone


def test_major_hazard_is_listed_for_supervision_from_the_moment_it_is_reported(signed_in, conn):
    enterprise_id = conn.execute("SELECT enterprise_id FROM users WHERE username = 'leader1'").fetchone()[0]
    leader = signed_in("leader1")
    response = leader.post(f"/enterprises/{enterprise_id}/hazards/new", {
        "unit_id": conn.execute("SELECT unit_id FROM users WHERE username = 'leader1'").fetchone()[0],
        "description": "液化气钢瓶堆放在配电房门口", "category": "thing", "level": "major",
        "photos": upload()}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert "挂牌督办" in page
    hazard_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert f"/hazards/{hazard_id}" in signed_in("supervisor").get("/").get_data(as_text=True)
