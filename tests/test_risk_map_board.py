"""The risk map on the wall: the map a scanned notice board shows to anyone, reached only by the sign's token, and the
map pages planned on indexes."""

import pytest

from anbiao import risk_maps, signs

from .loop_helpers import ent_id, unit_id
from .test_risk_maps import WORKS, site_map, station_map


def notice_board(conn, unit=None, enterprise=None) -> dict:
    found = conn.execute("SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id WHERE s.kind ="
                         " 'notice_board' AND s.unit_id IS ? AND s.enterprise_id = ? AND t.replaced_at IS NULL",
                         (unit_id(conn, unit) if unit else None, enterprise or ent_id(conn))).fetchone()
    return found[0]


def test_a_scanned_notice_board_shows_its_units_map_to_anyone(client, conn):
    gate = client.get(f"/q/{notice_board(conn)}").get_data(as_text=True)
    assert "全厂四色安全风险分布图" in gate and "四色安全风险空间分布图" in gate
    # The page itself stays light on weak signal: the drawn map, with its plan, opens on a tap.
    assert f'href="/q/{notice_board(conn)}/map.svg">查看分布图' in gate and "plan.jpg" not in gate
    drawn = client.get(f"/q/{notice_board(conn)}/map.svg").get_data(as_text=True)
    assert drawn.count('<polygon points=') == 2 and f'href="/q/{notice_board(conn)}/plan.jpg?v=' in drawn
    assert "/risk-maps/" not in gate  # reached by the label's token, never by the map's id
    works = notice_board(conn, "机加工车间", ent_id(conn, WORKS))
    workshop = client.get(f"/q/{works}").get_data(as_text=True)
    assert "机加工车间四色安全风险分布图" in workshop and "冲床冲压作业" in workshop
    svg = client.get(f"/q/{works}/map.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'data-colour="yellow"' in svg.get_data(as_text=True)
    image = client.get(f"/q/{works}/plan.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert client.get(f"/risk-maps/{site_map(conn)['id']}/plan.jpg").status_code == 302  # by id: sign in first


def test_only_a_notice_board_shows_a_map_and_only_while_both_are_in_use(client, conn):
    card = conn.execute("SELECT t.token FROM sign_tokens t JOIN signs s ON s.id = t.sign_id"
                        " WHERE s.kind = 'risk_card' ORDER BY s.id").fetchone()[0]
    assert "四色安全风险空间分布图" not in client.get(f"/q/{card}").get_data(as_text=True)
    assert client.get(f"/q/{card}/map.svg").status_code == 404 and client.get(f"/q/{card}/plan.jpg").status_code == 404
    assert client.get("/q/not-a-token/map.svg").status_code == 404
    gate = notice_board(conn)
    risk_maps.retire(conn, site_map(conn))
    assert "四色安全风险空间分布图" not in client.get(f"/q/{gate}").get_data(as_text=True)
    assert client.get(f"/q/{gate}/map.svg").status_code == 404
    # A notice board of a workshop without a map shows none.
    board = signs.create(conn, ent_id(conn), unit_id(conn, "管网运行部"), "notice_board", {"title": "管网公告栏"})
    token = signs.current(conn, board)["token"]
    assert client.get(f"/q/{token}").status_code == 200 and client.get(f"/q/{token}/map.svg").status_code == 404


@pytest.mark.parametrize("who, page", [("manager1", "list"), ("manager1", "site"), ("head1", "station"),
                                       ("leader1", "print"), ("anonymous", "notice")])
def test_the_map_pages_never_scan_a_big_table(signed_in, client, conn, who, page):
    """Every statement of the map pages and the notice board's is planned on an index, as at a county's size."""
    from anbiao import db

    url = {"list": f"/enterprises/{ent_id(conn)}/risk-maps", "site": f"/risk-maps/{site_map(conn)['id']}",
           "station": f"/risk-maps/{station_map(conn)['id']}", "print": f"/risk-maps/{station_map(conn)['id']}/print",
           "notice": f"/q/{notice_board(conn)}"}[page]
    http = client if who == "anonymous" else signed_in(who)
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        answer = http.get(url)
    finally:
        db.get().conn.set_trace_callback(None)
    assert answer.status_code == 200 and statements
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, "\n\n".join(f"{sql}\n  reads whole: {tables}" for sql, tables in bad)
