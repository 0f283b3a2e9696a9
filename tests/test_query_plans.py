"""Every query of the home pages and lists goes through an index: no full scan of a big table.

Each page is opened as each role with SQLite tracing every statement it runs; each statement is then
explained (EXPLAIN QUERY PLAN) and a plan step that reads a big table whole fails the test. The test database
has no statistics, so SQLite plans as if every table were large, as a county's are.
"""

import pytest

from anbiao import db

PAGES = [  # (account, url); {e1} is manager1's enterprise, {card} leader1's card and {inspection} its latest
    ("admin", "/"), ("supervisor", "/"), ("grid1", "/"), ("manager1", "/"), ("head1", "/"), ("leader1", "/"),
    ("supervisor", "/enterprises"), ("supervisor", "/enterprises?only=major"),
    ("supervisor", "/enterprises?order=worst"), ("supervisor", "/enterprises?q=燃气"), ("grid1", "/enterprises"),
    ("supervisor", "/enterprises/{e1}"), ("manager1", "/enterprises/{e1}"), ("leader1", "/enterprises/{e1}"),
    ("manager1", "/enterprises/{e1}/hazards"), ("manager1", "/enterprises/{e1}/hazards?status=open&overdue=1"),
    ("manager1", "/enterprises/{e1}/rectifications"), ("leader1", "/enterprises/{e1}/hazards"),
    ("manager1", "/enterprises/{e1}/checklists"), ("leader1", "/checklists/{card}"),
    ("leader1", "/checklists/{card}/fill"), ("admin", "/audit"), ("manager1", "/audit"),
    ("admin", "/people"), ("manager1", "/people"), ("leader1", "/inspections/{inspection}"),
    ("supervisor", "/hazards/{hazard}"), ("manager1", "/hazards/{hazard}"),
    # 监管看板 (anbiao/dashboard.py), a town of it, its print, and the lists behind its figures
    ("admin", "/dashboard"), ("supervisor", "/dashboard"), ("town1", "/dashboard"),
    ("supervisor", "/dashboard?town=丰泽区/东海街道"), ("supervisor", "/dashboard/print"),
    ("supervisor", "/enterprises?only=late_month&town=丰泽区/东海街道"), ("town1", "/enterprises?only=liuyou_none"),
    ("supervisor", "/enterprises?only=month_missed"), ("supervisor", "/enterprises?colour=red&town=晋江市/安海镇"),
]


def test_a_scan_of_a_big_table_is_found_by_its_alias(conn):
    """The check itself: a hazards query on no index is caught, one on an index is not."""
    assert db.full_scans(conn, "SELECT h.id FROM hazards h WHERE h.description = 'x'") == ["hazards"]
    assert db.full_scans(conn, "SELECT h.id FROM hazards h WHERE h.enterprise_id = 1") == []


@pytest.mark.parametrize("account, url", PAGES)
def test_home_pages_and_lists_never_scan_a_big_table(signed_in, conn, account, url):
    """Every statement the page runs is planned on an index (a SEARCH), never a SCAN of a big table."""
    e1 = conn.execute("SELECT enterprise_id FROM users WHERE username = 'manager1'").fetchone()[0]
    card = conn.execute("SELECT c.id FROM checklists c JOIN users u ON u.unit_id = c.unit_id"
                        " WHERE u.username = 'leader1'").fetchone()[0]
    inspection = conn.execute("SELECT MAX(id) FROM inspections WHERE checklist_id = ?", (card,)).fetchone()[0]
    hazard = conn.execute("SELECT MAX(id) FROM hazards WHERE enterprise_id = ?", (e1,)).fetchone()[0]
    client = signed_in(account)
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        answer = client.get(url.format(e1=e1, card=card, inspection=inspection, hazard=hazard))
    finally:
        db.get().conn.set_trace_callback(None)
    assert answer.status_code == 200
    assert statements, "the page ran no query at all"
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, "\n\n".join(f"{sql}\n  reads whole: {tables}" for sql, tables in bad)
