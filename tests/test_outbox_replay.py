"""The outbox's side on the server (anbiao/views/offline.py), over HTTP: a replay is answered with its record and
the photos the server holds, never twice, never with a message left for a page no one opens; a signed-out replay
gets 401; a fresh token names whose session it is."""

import re

from .loop_helpers import card, card_form, ent_id, key, photo, post, uid, unit_id, upload
from .test_browser_fill import inspections_of


def evidence(conn, checklist_id) -> tuple[int, int, int]:
    """Inspections of the card, hazards they found, photos of those hazards."""
    inspections = inspections_of(conn, checklist_id)
    hazards = conn.execute("SELECT COUNT(*) FROM hazards h JOIN inspections i ON i.id = h.inspection_id"
                           " WHERE i.checklist_id = ?", (checklist_id,)).fetchone()[0]
    photos = conn.execute("SELECT COUNT(*) FROM hazard_photos p JOIN hazards h ON h.id = p.hazard_id"
                          " JOIN inspections i ON i.id = h.inspection_id WHERE i.checklist_id = ?",
                          (checklist_id,)).fetchone()[0]
    return inspections, hazards, photos


REPLAY = {"X-Anbiao-Outbox": "1"}


def test_a_replay_is_answered_with_its_record_and_the_photos_the_server_holds(leader, conn):
    """Saved: 200 with the record's address and how many of the sent photos are stored; sent again with the same
    key and content, the same answer and nothing new."""
    checklist_id, items = card(conn)
    shots, same_key = [photo(), photo()], key()

    def send():
        form = card_form(items, {0: {"photos": [upload(shots[0]), upload(shots[1])]}}, idempotency_key=same_key)
        return post(leader, f"/checklists/{checklist_id}/inspections", form, headers=REPLAY)

    first = send()
    assert first.status_code == 200 and first.is_json
    answer = first.get_json()
    assert answer["saved"] and answer["photos"] == answer["sent"] == 2
    assert re.fullmatch(r"/inspections/\d+\?saved=1", answer["location"])
    before = evidence(conn, checklist_id)
    assert send().get_json() == answer
    assert evidence(conn, checklist_id) == before


def test_a_replayed_report_leaves_no_saved_message_for_a_page_never_opened(leader, conn):
    data = {"unit_id": unit_id(conn, "充装班"), "description": "随手拍：重放", "category": "thing",
            "level": "general", "photos": upload()}
    answer = post(leader, f"/enterprises/{ent_id(conn)}/hazards/new", data, headers=REPLAY)
    assert answer.status_code == 200 and answer.get_json()["photos"] == 1
    assert "隐患已上报" not in leader.get("/").get_data(as_text=True)


def test_a_replay_without_a_session_gets_401_and_saves_nothing(client, conn):
    checklist_id, items = card(conn)
    before = evidence(conn, checklist_id)
    client.refresh_token()
    answer = post(client, f"/checklists/{checklist_id}/inspections", card_form(items), headers=REPLAY)
    assert answer.status_code == 401 and answer.get_json() == {"signed_out": True}
    assert client.get("/outbox/token", headers=REPLAY).status_code == 401
    assert evidence(conn, checklist_id) == before


def test_the_token_names_whose_session_it_is(leader, conn):
    answer = leader.get("/outbox/token").get_json()
    assert answer["user"] == str(uid(conn, "leader1")) and answer["token"]
    assert "no-store" in leader.get("/outbox/token").headers["Cache-Control"]
