"""挂牌督办, the government side: only a 重大隐患 is listed, once; its 五落实 are five checks with a note and an
evidence photo; 销号 only after the hazard is verified closed and all five are done; the enterprise and the grid worker
read its state on the hazard page; a town's supervisor sees only its town's listings."""

import re
from datetime import timedelta

import pytest

from anbiao import db, photos, supervision
from anbiao.due import local_now
from anbiao.refusal import Refused

from .loop_helpers import assign, call_off_draws, ent_id, photo, post, rectify, reported, upload, verify

ITEMS = ("goal", "funds", "people", "time", "plan")
WORKS = "晋江市恒力机械制造有限公司"


def day(shift=0) -> str:
    return (local_now().date() + timedelta(days=shift)).isoformat()


def major(conn, unit) -> int:
    """The demo's major hazard at a post: 巡线班 (the gas company's, listed) or 冲压班 (the machine works', not)."""
    return conn.execute("SELECT h.id FROM hazards h JOIN units u ON u.id = h.unit_id WHERE u.name = ?"
                        " AND h.level = 'major'", (unit,)).fetchone()[0]


def listing_of(conn, hazard_id) -> int | None:
    found = conn.execute("SELECT id FROM supervisions WHERE hazard_id = ?", (hazard_id,)).fetchone()
    return found[0] if found else None


def list_it(client, hazard_id, **fields):
    data = {"level": "city", "unit": "泉州市安全生产委员会办公室", "listed_on": day(), "deadline": day(20), **fields}
    return post(client, f"/hazards/{hazard_id}/supervision", data)


def mark(client, supervision_id, item, done="1", note="已落实，见照片", with_photo=True, **extra):
    data = {f"done_{item}": done, f"note_{item}": note, **extra}
    if with_photo:
        data[f"photo_{item}"] = upload()
    return post(client, f"/supervision/{supervision_id}/checks/{item}", data)


def remove(client, supervision_id, note="隐患已消除，五落实到位，同意销号"):
    return post(client, f"/supervision/{supervision_id}/remove", {"removal_note": note})


def count(conn, table) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def said(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def sup(signed_in):
    return signed_in("supervisor")


@pytest.fixture
def fresh_major(signed_in, conn):
    """A major hazard leader1 reports at 充装班 and head1 assigns (with its plan): open, not listed."""
    hazard_id = reported(signed_in("leader1"), conn, level="major", description="充装台液相管法兰泄漏")
    assert assign(signed_in("head1"), conn, hazard_id, plan="设警戒区，关阀泄压，专人监护").status_code == 302
    return hazard_id


# Listing

def test_only_a_major_hazard_is_listed_and_a_general_one_is_refused_in_chinese(sup, conn):
    general = conn.execute("SELECT id FROM hazards WHERE level = 'general' AND status != 'closed' ORDER BY id"
                           ).fetchone()[0]
    before = count(conn, "supervisions")
    answer = list_it(sup, general)
    assert answer.status_code == 422
    assert "只有重大隐患才能挂牌督办" in said(answer)
    assert count(conn, "supervisions") == before
    answer = list_it(sup, major(conn, "冲压班"))
    assert answer.status_code == 302
    listed = supervision.of_hazard(conn, major(conn, "冲压班"))
    assert (listed["level"], listed["unit"], listed["listed_on"], listed["deadline"]) == (
        "city", "泉州市安全生产委员会办公室", day(), day(20))
    assert answer.headers["Location"].endswith(f"/supervision/{listed['id']}")
    assert listed["listed_by"] == conn.execute("SELECT id FROM users WHERE username = 'supervisor'").fetchone()[0]
    assert listed["done_checks"] == 0 and not listed["removed"]


def test_a_hazard_already_listed_is_not_listed_again(sup, conn):
    hazard_id = major(conn, "巡线班")
    before = count(conn, "supervisions")
    answer = list_it(sup, hazard_id, level="province")
    assert answer.status_code == 422
    assert "该隐患已于" in said(answer) and "不能重复挂牌" in said(answer)
    assert count(conn, "supervisions") == before
    assert supervision.of_hazard(conn, hazard_id)["level"] == "county"
    # Opening the form of a listed hazard leads to its listing instead.
    assert sup.get(f"/hazards/{hazard_id}/supervision").headers["Location"].endswith(
        f"/supervision/{listing_of(conn, hazard_id)}")


def test_the_same_listing_sent_twice_is_saved_once(sup, conn):
    hazard_id = major(conn, "冲压班")
    first = list_it(sup, hazard_id, idempotency_key="listing-once-0001")
    again = list_it(sup, hazard_id, idempotency_key="listing-once-0001")
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert conn.execute("SELECT COUNT(*) FROM supervisions WHERE hazard_id = ?", (hazard_id,)).fetchone()[0] == 1


@pytest.mark.parametrize("fields, field, words", [
    ({"level": "town"}, "level", "请选择督办级别"),
    ({"unit": "  "}, "unit", "请填写督办单位"),
    ({"unit": "办" * 61}, "unit", "督办单位不能超过 60 个字"),
    ({"listed_on": "明天"}, "listed_on", "请填写挂牌日期"),
    ({"listed_on": day(1)}, "listed_on", "挂牌日期不能晚于今天"),
    ({"listed_on": day(-30)}, "listed_on", "挂牌日期不能早于隐患发现的日期"),
    ({"deadline": ""}, "deadline", "请填写督办期限"),
    ({"deadline": day(-1)}, "deadline", "督办期限不能早于挂牌日期"),
])
def test_a_bad_listing_is_refused_beside_its_field_and_nothing_is_written(sup, conn, fields, field, words):
    before = count(conn, "supervisions"), count(conn, "audit_log")
    answer = list_it(sup, major(conn, "冲压班"), **fields)
    assert answer.status_code == 422
    assert words in said(answer)
    assert re.search(rf'id="reasons-{field}"[^>]*>\s*<p>[^<]*{words}', answer.get_data(as_text=True))
    assert (count(conn, "supervisions"), count(conn, "audit_log")) == before


def test_a_closed_major_hazard_is_not_listed(conn, fresh_major, signed_in, sup):
    assert rectify(signed_in("leader1"), fresh_major).status_code == 302
    assert verify(signed_in("head1"), fresh_major).status_code == 302
    answer = list_it(sup, fresh_major)
    assert answer.status_code == 422 and "已验收闭环" in said(answer)
    assert listing_of(conn, fresh_major) is None


# 五落实

def test_each_of_the_five_is_recorded_with_a_note_and_a_photo_and_counts_toward_progress(sup, conn):
    listing = listing_of(conn, major(conn, "巡线班"))
    assert supervision.get(conn, listing)["done_checks"] == 2  # the demo's goal and funds
    assert mark(sup, listing, "people", note="成立专项整改组，组长陈建国").status_code == 302
    found = supervision.get(conn, listing)
    people = next(c for c in found["checks"] if c["item"] == "people")
    assert (people["done"], people["note"], people["checked_by_name"]) == (
        1, "成立专项整改组，组长陈建国", "郑监管（市城管局）")
    assert people["photo_hash"] and found["done_checks"] == 3
    entry = conn.execute("SELECT action, entity, entity_id, enterprise_id FROM audit_log ORDER BY id DESC LIMIT 1"
                         ).fetchone()
    assert tuple(entry) == ("supervise_check", "hazard", major(conn, "巡线班"), ent_id(conn))
    # Marked 未落实 again (the money was withdrawn), with the reason: the count goes down, the log keeps both.
    assert mark(sup, listing, "funds", done="0", note="经费被挪用，未到位", with_photo=False).status_code == 302
    assert supervision.get(conn, listing)["done_checks"] == 2


@pytest.mark.parametrize("data, field, words", [
    ({"done_time": "1", "note_time": "限期 10 日内完成"}, "photo_time", "时间要求已落实，请拍照或上传证据照片"),
    ({"done_time": "1", "note_time": " "}, "note_time", "请填写时间要求的落实情况"),
    ({"note_time": "见照片"}, "done_time", "请选择已落实或未落实"),
    ({"done_time": "1", "note_time": "见照片", "photo_time": [upload(), upload()]}, "photo_time",
     "每项只能上传一张证据照片"),
    ({"done_time": "1", "note_time": "见照片", "photo_time": upload(b"not a photo at all")}, "photo_time",
     "证据照片有问题"),
])
def test_a_check_without_its_note_or_photo_is_refused_and_nothing_is_written(sup, conn, data, field, words):
    listing = listing_of(conn, major(conn, "巡线班"))
    before = count(conn, "supervision_checks"), count(conn, "photos"), count(conn, "audit_log")
    answer = post(sup, f"/supervision/{listing}/checks/time", data)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert words in said(answer)
    assert re.search(rf'id="reasons-{field}"[^>]*>\s*<p>[^<]*{words}', html)
    # The refusal is said at the top of that item's form only.
    assert re.search(r'id="check-time".*?role="alert" class="flash error" >', html, re.S)
    assert (count(conn, "supervision_checks"), count(conn, "photos"), count(conn, "audit_log")) == before


def test_an_unknown_item_is_not_found(sup, conn):
    listing = listing_of(conn, major(conn, "巡线班"))
    assert mark(sup, listing, "money").status_code == 404


# 销号

def test_removal_is_refused_until_the_hazard_is_closed_and_all_five_are_done_then_recorded(
        sup, conn, fresh_major, signed_in):
    assert list_it(sup, fresh_major).status_code == 302
    listing = listing_of(conn, fresh_major)
    for item in ITEMS[:4]:
        assert mark(sup, listing, item).status_code == 302
    answer = remove(sup, listing)
    assert answer.status_code == 422 and "隐患还没有验收闭环（现在：整改中），不能销号" in said(answer)
    assert rectify(signed_in("leader1"), fresh_major).status_code == 302
    assert verify(signed_in("head1"), fresh_major).status_code == 302
    answer = remove(sup, listing)
    assert answer.status_code == 422 and "五落实还有 1 项未落实（安全措施应急预案），不能销号" in said(answer)
    assert supervision.get(conn, listing)["removed_on"] is None
    assert mark(sup, listing, "plan").status_code == 302
    answer = remove(sup, listing, note=" ")
    assert answer.status_code == 422 and "请填写销号意见" in said(answer)
    assert remove(sup, listing).status_code == 302
    done = supervision.get(conn, listing)
    assert (done["removed_on"], done["removed_by_name"], done["removal_note"]) == (
        day(), "郑监管（市城管局）", "隐患已消除，五落实到位，同意销号")
    assert conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == "delist"
    # Once removed, the record stands: no check changes and no second removal.
    answer = mark(sup, listing, "goal", done="0", note="改", with_photo=False)
    assert answer.status_code == 422 and "已于" in said(answer) and "销号" in said(answer)
    assert remove(sup, listing).status_code == 422


def test_removal_in_the_domain_names_what_is_missing(conn, fresh_major):
    hazard = dict(conn.execute("SELECT * FROM hazards WHERE id = ?", (fresh_major,)).fetchone())
    by = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    with conn.atomic():
        listing_id = supervision.list_hazard(conn, hazard, by=by, level="province", unit="福建省安委办",
                                             listed_on=day(), deadline=day(30))
    hazard["status"] = "closed"  # as if verified: only the checks are missing now
    missing = "五落实还有 5 项未落实（目标任务、经费物资、机构人员、时间要求、安全措施应急预案）"
    with pytest.raises(Refused, match=missing):
        supervision.remove(conn, supervision.get(conn, listing_id), hazard, note="同意", by=by)
    with pytest.raises(Refused, match="已落实，请拍照"):
        supervision.record_check(conn, supervision.get(conn, listing_id), "goal", done="1", note="x", evidence=[],
                                 by=by)
    supervision.record_check(conn, supervision.get(conn, listing_id), "goal", done="1", note="x",
                             evidence=[photos.prepare(photo())], by=by)
    assert supervision.get(conn, listing_id)["done_checks"] == 1


# Who sees what

@pytest.mark.parametrize("who", ["manager1", "grid1", "supervisor", "admin"])
def test_the_enterprise_and_the_grid_worker_read_the_listing_on_the_hazard_page(signed_in, conn, who):
    hazard_id = major(conn, "巡线班")
    page = said(signed_in(who).get(f"/hazards/{hazard_id}"))
    for words in ("挂牌督办", "县级挂牌督办", "丰泽区安全生产委员会办公室", "五落实 2/5", "目标任务",
                  "停止管道上方机械作业", "经费物资", "机构人员", "未落实", "未销号", day(10)):
        assert words in page, (who, words)
    listing = listing_of(conn, hazard_id)
    page = signed_in(who).get(f"/supervision/{listing}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = re.search(r'src="(/supervision/\d+/photos/\w+/thumb\.jpg)"', html)
    assert shown and signed_in(who).get(shown.group(1)).status_code == 200
    # Only the government's supervisors record: the enterprise and the grid worker read.
    forms = "data-submit" in html and f"/supervision/{listing}/checks/goal" in html
    assert forms == (who in ("supervisor", "admin"))


def test_people_outside_the_hazard_do_not_see_the_listing(signed_in, conn):
    listing = listing_of(conn, major(conn, "巡线班"))
    shown = conn.execute("SELECT p.hash FROM supervision_checks c JOIN photos p ON p.id = c.photo_id"
                         " WHERE c.supervision_id = ?", (listing,)).fetchone()[0]
    call_off_draws(conn)  # the demo's 双随机 draw sends grid2 to this enterprise
    for who in ("manager2", "grid2", "head1", "leader1"):
        client = signed_in(who)
        assert client.get(f"/supervision/{listing}").status_code == 404, who
        assert client.get(f"/supervision/{listing}/photos/{shown}/thumb.jpg").status_code == 404, who
    # A photo of another listing is not served through this one.
    assert signed_in("manager1").get(f"/supervision/{listing}/photos/{'0' * 64}/thumb.jpg").status_code == 404


def test_the_enterprise_cannot_record_or_remove(signed_in, conn):
    listing = listing_of(conn, major(conn, "巡线班"))
    before = count(conn, "supervision_checks"), count(conn, "photos")
    for who in ("manager1", "grid1"):
        assert mark(signed_in(who), listing, "people").status_code == 403
        assert remove(signed_in(who), listing).status_code == 403
        assert list_it(signed_in(who), major(conn, "巡线班")).status_code == 403
    assert (count(conn, "supervision_checks"), count(conn, "photos")) == before


def test_a_hazard_page_offers_listing_only_to_supervisors_of_an_unlisted_open_major_hazard(signed_in, conn):
    hazard_id = major(conn, "冲压班")
    assert f"/hazards/{hazard_id}/supervision" in signed_in("supervisor").get(f"/hazards/{hazard_id}").get_data(
        as_text=True)
    for who in ("manager2", "grid2"):
        html = signed_in(who).get(f"/hazards/{hazard_id}").get_data(as_text=True)
        assert f"/hazards/{hazard_id}/supervision" not in html and 'id="supervision"' not in html


def test_a_towns_supervisor_lists_and_sees_only_its_town(signed_in, sup, conn):
    assert list_it(sup, major(conn, "冲压班")).status_code == 302  # 安海镇, not 东海街道
    outside = listing_of(conn, major(conn, "冲压班"))
    town = signed_in("town1")
    page = said(town.get("/supervision"))
    assert "巡线发现第三方施工机械在中压管道上方作业" in page and "冲床双手操纵按钮被短接" not in page
    assert "共 1 条" in page
    assert town.get(f"/supervision/{outside}").status_code == 404
    assert mark(town, outside, "goal").status_code == 404
    assert remove(town, outside).status_code == 404
    assert town.get(f"/hazards/{major(conn, '冲压班')}/supervision").status_code == 404
    whole = said(sup.get("/supervision"))
    assert "冲床双手操纵按钮被短接" in whole and "共 2 条" in whole
    # Inside its town it records as any supervisor does.
    assert mark(town, listing_of(conn, major(conn, "巡线班")), "people").status_code == 302


def test_the_list_filters_and_puts_the_worst_first(sup, conn, fresh_major):
    assert list_it(sup, major(conn, "冲压班"), level="province").status_code == 302
    assert list_it(sup, fresh_major, level="city").status_code == 302
    # The demo's county listing is made overdue: it comes before the higher levels.
    with conn.atomic():
        conn.execute("UPDATE supervisions SET deadline = ? WHERE hazard_id = ?", (day(-1), major(conn, "巡线班")))
    order = [int(n) for n in re.findall(r'data-listing="(\d+)"', sup.get("/supervision").get_data(as_text=True))]
    assert order == [listing_of(conn, h) for h in (major(conn, "巡线班"), major(conn, "冲压班"), fresh_major)]

    def shown(query):
        return {int(n) for n in re.findall(r'data-listing="(\d+)"', sup.get(f"/supervision?{query}").get_data(
            as_text=True))}

    assert shown("level=province") == {listing_of(conn, major(conn, "冲压班"))}
    assert shown("overdue=1") == {listing_of(conn, major(conn, "巡线班"))}
    assert shown("state=removed") == set()
    with conn.atomic():
        conn.execute("UPDATE supervisions SET removed_on = ?, removal_note = '测试' WHERE hazard_id = ?",
                     (day(), fresh_major))
    assert shown("state=removed") == {listing_of(conn, fresh_major)}
    assert listing_of(conn, fresh_major) not in shown("state=active")
    # 销号 ones come last, and are never overdue.
    assert re.findall(r'data-listing="(\d+)"', sup.get("/supervision").get_data(as_text=True))[-1] == str(
        listing_of(conn, fresh_major))


def test_the_list_offers_the_major_hazards_not_yet_listed(sup, conn):
    page = sup.get("/supervision").get_data(as_text=True)
    waiting = re.search(r'id="waiting".*?</section>', page, re.S).group(0)
    assert f"/hazards/{major(conn, '冲压班')}/supervision" in waiting and "未挂牌的重大隐患（1）" in waiting
    assert f"/hazards/{major(conn, '巡线班')}/supervision" not in waiting


def test_home_shows_each_major_hazards_listing_state(signed_in, conn):
    for who in ("supervisor", "grid1"):
        page = said(signed_in(who).get("/"))
        section = re.search(r'id="supervised".*?</section>', page).group(0)
        assert "县级挂牌督办" in section and "五落实 2/5" in section, who
    assert "未挂牌" in said(signed_in("supervisor").get("/"))
    assert 'href="/supervision"' in signed_in("supervisor").get("/").get_data(as_text=True)
    assert 'href="/supervision"' not in signed_in("grid1").get("/").get_data(as_text=True)


@pytest.mark.parametrize("who, path", [("supervisor", "/supervision"), ("town1", "/supervision"),
                                       ("supervisor", "/supervision?overdue=1&level=county"),
                                       ("supervisor", "/supervision/{listing}"), ("manager1", "/hazards/{hazard}"),
                                       ("supervisor", "/")])
def test_the_supervision_pages_read_through_indexes(signed_in, conn, who, path):
    """Every statement the pages run is planned on an index, never a scan of a big table (as test_query_plans)."""
    hazard = major(conn, "巡线班")
    client = signed_in(who)
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        answer = client.get(path.format(listing=listing_of(conn, hazard), hazard=hazard))
    finally:
        db.get().conn.set_trace_callback(None)
    assert answer.status_code == 200
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, bad


def test_a_listing_is_kept_in_the_audit_log_of_the_hazard(sup, conn, signed_in):
    hazard_id = major(conn, "冲压班")
    assert list_it(sup, hazard_id).status_code == 302
    entry = conn.execute("SELECT action, entity, entity_id, enterprise_id FROM audit_log ORDER BY id DESC LIMIT 1"
                         ).fetchone()
    assert tuple(entry) == ("list", "hazard", hazard_id, ent_id(conn, WORKS))
    assert "挂牌督办" in said(signed_in("manager2").get("/audit"))
