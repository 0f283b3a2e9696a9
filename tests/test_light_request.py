"""A lighter request: a signed-in page re-signs no cookie, a card is saved in one transaction that reads its
checklist once, cards sent at the same moment from many threads are all saved, and the server keeps a phone's
connection open between its requests."""

import http.client
import re
import threading
import urllib.parse

from anbiao import db

from .test_light_pages import card_path


def card_form(client, path) -> tuple[str, dict]:
    """Where the card posts, and its fields with every item 合格."""
    html = client.get(path).get_data(as_text=True)
    action = re.search(r'<form data-submit data-fill method="post"[^>]*action="([^"]+)"', html).group(1)
    items = sorted(set(re.findall(r'name="(result_\d+)"', html)))
    return action.replace("&amp;", "&"), {name: "ok" for name in items}


def test_signed_in_pages_set_no_cookie(signed_in):
    """Opening pages signed in sends no Set-Cookie: the session cookie is not signed again on every answer."""
    leader = signed_in("leader1")
    for path in ("/", card_path(leader), "/library", "/enterprises"):
        answer = leader.get(path)
        assert answer.status_code == 200, path
        assert "Set-Cookie" not in answer.headers, path


def test_a_saved_card_sets_no_cookie_and_its_record_says_saved(signed_in, conn):
    """The card's answer is a redirect to its record with no Set-Cookie; the record page says 已保存 itself."""
    leader = signed_in("leader1")
    action, answers = card_form(leader, card_path(leader))
    answer = leader.post(action, answers)
    assert answer.status_code == 302 and "Set-Cookie" not in answer.headers
    record = leader.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已保存：没有不合格项" in record
    plain = re.sub(r"\?.*", "", answer.headers["Location"])
    assert "已保存" not in leader.get(plain).get_data(as_text=True), "only the answer to a submission says so"


def test_a_card_is_saved_in_one_transaction_that_reads_its_checklist_once(signed_in, conn):
    """Submitting a card runs one BEGIN and one COMMIT, reads its checklist and its items once each."""
    leader = signed_in("leader1")
    action, answers = card_form(leader, card_path(leader))
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        assert leader.post(action, answers).status_code == 302
    finally:
        db.get().conn.set_trace_callback(None)
    assert sum(s.startswith("BEGIN") for s in statements) == 1, statements
    assert sum(s.startswith("COMMIT") for s in statements) == 1, statements
    assert sum(bool(re.search(r"FROM checklists\b", s)) for s in statements) == 1, statements
    assert sum(bool(re.search(r"FROM checklist_items\b", s)) for s in statements) == 1, statements


def test_cards_sent_at_the_same_moment_from_many_threads_are_all_saved(app, signed_in, conn):
    """Eight phones send five cards each at once through one process: every card is saved, none is refused."""
    leaders = [signed_in("leader1") for _ in range(8)]
    action, answers = card_form(leaders[0], card_path(leaders[0]))
    before = conn.execute("SELECT COUNT(*) FROM inspections").fetchone()[0]
    statuses, start = [], threading.Barrier(len(leaders))

    def send(client):
        start.wait()
        for _ in range(5):
            statuses.append(client.post(action, answers).status_code)
        db.close()  # this thread's connection

    threads = [threading.Thread(target=send, args=(client,)) for client in leaders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 40
    assert conn.execute("SELECT COUNT(*) FROM inspections").fetchone()[0] == before + 40


def test_the_server_keeps_a_phones_connection_between_requests(gunicorn):
    """Under gunicorn as `make serve` runs it, a sign-in page, a sign-in and the home page travel over one
    connection (keep-alive), not one connection each."""
    base = gunicorn(ANBIAO_LOGIN_LIMIT="100 per minute")
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/login")
    page = connection.getresponse()
    html = page.read().decode()
    assert page.status == 200 and page.headers.get("Connection", "").lower() != "close"
    local = connection.sock.getsockname()
    cookie = page.headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": "leader1", "password": "demo1234", "csrf_token": token,
                                   "idempotency_key": "keepalive-test-0001"})
    connection.request("POST", "/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    signed = connection.getresponse()
    signed.read()
    assert signed.status == 302
    cookie = signed.headers["Set-Cookie"].split(";")[0]
    connection.request("GET", "/", headers={"Cookie": cookie})
    home = connection.getresponse()
    assert home.status == 200 and "岗位" in home.read().decode()
    assert connection.sock.getsockname() == local, "the same connection served all three"
    connection.close()
