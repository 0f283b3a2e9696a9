"""Overdue hazards, the 隐患清单 and 整改清单 with their filters, 清零 per unit, and the xlsx exports."""

import io
import re

import pytest
from openpyxl import load_workbook
from PIL import Image

from anbiao.due import local_now

from .loop_helpers import (
    assign,
    call_off_draws,
    ent_id,
    inspection_of,
    listed,
    rectify,
    reported,
    row,
    submit_card,
    unit_id,
    verify,
)

# ---- overdue, lists, filters, 清零 ------------------------------------------------------------------------------


def _past_deadline(conn, hazard_id):
    conn.execute("UPDATE hazards SET deadline = '2000-01-01' WHERE id = ?", (hazard_id,))
    conn.conn.commit()


def test_hazard_past_its_deadline_is_overdue_on_the_list_and_the_owners_home(assigned, leader, manager, conn):
    """A deadline now in the past: 逾期 on the 隐患清单, on the hazard page and on its owner's home page."""
    _past_deadline(conn, assigned)
    listing = manager.get(f"/enterprises/{ent_id(conn)}/hazards").get_data(as_text=True)
    entry = _entry(listing, assigned)
    assert "逾期" in entry and "2000-01-01" in entry
    assert "已逾期" in leader.get(f"/hazards/{assigned}").get_data(as_text=True)
    home = leader.get("/").get_data(as_text=True)
    section = home[home.index('id="loop-fix"'):]
    section = section[:section.index("</section>")]
    assert f"/hazards/{assigned}" in section
    assert "逾期" in section


def test_hazard_waiting_for_verification_is_not_the_owners_delay(rectified, manager, conn):
    """Past its deadline but already fixed: not shown as overdue."""
    _past_deadline(conn, rectified)
    listing = manager.get(f"/enterprises/{ent_id(conn)}/hazards").get_data(as_text=True)
    assert "逾期" not in _entry(listing, rectified)


def _entry(html, hazard_id) -> str:
    start = html.index(f'href="/hazards/{hazard_id}"')
    return html[start:html.index("</article>", start)]


@pytest.fixture
def spread(leader, head, signed_in, conn):
    """Hazards that differ in unit, status, level, deadline and day found."""
    other = signed_in("leader1b")
    old = reported(leader, conn, description="旧隐患：充装班")  # reported, general, 充装班
    # Found at 01:00 Beijing time on 2023-03-15, which is still 2023-03-14 in UTC.
    conn.execute("UPDATE hazards SET reported_at = '2023-03-14T17:00:00+00:00' WHERE id = ?", (old,))
    conn.conn.commit()
    major = reported(leader, conn, level="major", description="重大：充装班")
    assert assign(head, conn, major, plan="停用并监护").status_code == 302
    late = reported(other, conn, post_name="运行班", description="逾期：运行班")
    assert assign(head, conn, late, owner="leader1b").status_code == 302
    _past_deadline(conn, late)
    return {"old": old, "major": major, "late": late}


def _list(client, conn, query="", kind="hazards"):
    response = client.get(f"/enterprises/{ent_id(conn)}/{kind}{query}")
    assert response.status_code == 200
    return listed(response.get_data(as_text=True))


def test_list_filter_by_unit_narrows_to_that_unit_and_its_posts(spread, manager, conn):
    """unit=充装班 shows only 充装班; unit=储配站 shows the workshop and all its posts."""
    post_only = _list(manager, conn, f"?unit={unit_id(conn, '充装班')}")
    assert {spread["old"], spread["major"]} <= post_only
    assert spread["late"] not in post_only
    assert {row(conn, "hazards", h)["unit_id"] for h in post_only} == {unit_id(conn, "充装班")}
    workshop = _list(manager, conn, f"?unit={unit_id(conn, '储配站')}")
    assert set(spread.values()) <= workshop
    allowed = {unit_id(conn, n) for n in ("储配站", "充装班", "运行班")}
    assert {row(conn, "hazards", h)["unit_id"] for h in workshop} <= allowed
    assert not workshop & _list(manager, conn, f"?unit={unit_id(conn, '管网运行部')}")


def test_list_filter_by_status(spread, manager, conn):
    """status=assigned shows only 整改中; status=reported only 待分派; open hides closed ones."""
    assigned_only = _list(manager, conn, "?status=assigned")
    assert {spread["major"], spread["late"]} <= assigned_only
    assert spread["old"] not in assigned_only
    assert {row(conn, "hazards", h)["status"] for h in assigned_only} == {"assigned"}
    reported_only = _list(manager, conn, "?status=reported")
    assert spread["old"] in reported_only
    assert {row(conn, "hazards", h)["status"] for h in reported_only} == {"reported"}
    open_ones = _list(manager, conn, "?status=open")
    assert "closed" not in {row(conn, "hazards", h)["status"] for h in open_ones}


def test_list_filter_by_level(spread, manager, conn):
    """level=major shows only 重大隐患."""
    majors = _list(manager, conn, "?level=major")
    assert spread["major"] in majors
    assert spread["old"] not in majors
    assert {row(conn, "hazards", h)["level"] for h in majors} == {"major"}


def test_list_filter_overdue_shows_only_overdue(spread, manager, conn):
    """overdue=1 shows only hazards still being fixed after their deadline."""
    late = _list(manager, conn, "?overdue=1")
    assert spread["late"] in late
    assert spread["major"] not in late and spread["old"] not in late
    today = local_now().date().isoformat()
    for h in late:
        hazard = row(conn, "hazards", h)
        assert hazard["status"] == "assigned" and hazard["deadline"] < today


def test_list_filter_by_dates_uses_the_beijing_day(spread, manager, conn):
    """from/to are Beijing dates: a hazard found 01:00 Beijing on 3-15 (3-14 UTC) belongs to 3-15."""
    assert _list(manager, conn, "?from=2023-03-15&to=2023-03-15") == {spread["old"]}
    assert spread["old"] not in _list(manager, conn, "?to=2023-03-14")
    assert spread["old"] not in _list(manager, conn, "?from=2023-03-16")
    recent = _list(manager, conn, f"?from={local_now().date().isoformat()}")
    assert {spread["major"], spread["late"]} <= recent
    assert spread["old"] not in recent


def test_list_filters_combine(spread, manager, conn):
    """Filters narrow together: 充装班 and 重大 and 整改中 is just the major one."""
    found = _list(manager, conn, f"?unit={unit_id(conn, '充装班')}&level=major&status=assigned")
    assert spread["major"] in found
    assert all(row(conn, "hazards", h)["level"] == "major" for h in found)
    assert spread["old"] not in found and spread["late"] not in found


def test_unfiltered_list_shows_every_hazard_of_the_enterprise_to_its_manager(spread, manager, conn):
    """Without filters the manager sees all of the enterprise's hazards and none of another's."""
    everything = _list(manager, conn)
    mine = {r[0] for r in conn.execute("SELECT id FROM hazards WHERE enterprise_id = ?", (ent_id(conn),))}
    assert everything == mine


def test_team_leaders_list_shows_only_their_post(spread, signed_in, conn):
    """leader1b sees 运行班's hazards, not 充装班's."""
    seen = _list(signed_in("leader1b"), conn)
    assert spread["late"] in seen
    assert spread["old"] not in seen and spread["major"] not in seen


def test_enterprise_page_shows_cleared_units_and_open_counts(leader, manager, head, conn):
    """A unit with no open hazard shows 清零; one with open hazards shows how many."""
    hazard_id = reported(leader, conn)
    html = manager.get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
    open_by_unit = dict(conn.execute(
        "SELECT unit_id, COUNT(*) FROM hazards WHERE enterprise_id = ? AND status != 'closed' GROUP BY unit_id",
        (ent_id(conn),)).fetchall())
    posts = conn.execute("SELECT id, name FROM units WHERE enterprise_id = ? AND kind = 'post'",
                         (ent_id(conn),)).fetchall()
    cleared = 0
    for post_id, name in posts:
        shown = re.search(rf"<li>{name} <span class=\"(\w+)\">([^<]+)</span>", html)
        assert shown, name
        if open_by_unit.get(post_id):
            assert shown.group(2) == str(open_by_unit[post_id]), name
        else:
            assert shown.group(2) == "清零", name
            cleared += 1
    assert cleared, "at least one post is clear"
    assert re.search(r"<li>充装班 <span class=\"bad\">\d+</span>", html)
    workshop = re.search(r"<h3>储配站 <span class=\"badge (\w+)\">([^<]+)</span>", html)
    assert workshop and workshop.group(2).startswith("未闭环")
    # Close the hazard: 充装班 is clear again.
    assert assign(head, conn, hazard_id).status_code == 302
    assert rectify(leader, hazard_id).status_code == 302
    assert verify(manager, hazard_id).status_code == 302
    if not conn.execute("SELECT COUNT(*) FROM hazards WHERE unit_id = ? AND status != 'closed'",
                        (unit_id(conn, "充装班"),)).fetchone()[0]:
        html = manager.get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
        assert '<li>充装班 <span class="muted">清零</span>' in html


# ---- exports --------------------------------------------------------------------------------------------------


HAZARD_COLUMNS = ["序号", "发现时间", "车间/岗位", "隐患描述", "类别", "等级", "来源", "发现人", "状态", "整改期限",
                  "是否逾期"]
RECTIFICATION_COLUMNS = ["序号", "隐患描述", "车间/岗位", "等级", "整改措施", "责任人", "资金(元)", "整改期限", "预案",
                         "挂牌督办", "状态", "整改完成", "验收人", "闭环时间"]


def _book(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data)).active


def _print_ready(sheet, columns):
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows in ("2:2", "$2:$2")
    assert [c.value for c in sheet[2]] == columns


def test_hazard_list_exports_to_a4_landscape_xlsx_one_row_per_hazard(spread, manager, conn):
    """隐患清单 xlsx: A4 landscape, header row repeated on every page, one row per listed hazard."""
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx")
    _print_ready(sheet, HAZARD_COLUMNS)
    shown = _list(manager, conn)
    records = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(records) == len(shown)
    assert [r[0] for r in records] == list(range(1, len(shown) + 1))
    by_description = {r[3]: r for r in records}
    late = by_description["逾期：运行班"]
    assert late[2] == "储配站 / 运行班"
    assert (late[4], late[5], late[6], late[8], late[9], late[10]) == (
        "物的不安全状态", "一般", "随手拍", "整改中", "2000-01-01", "逾期")
    assert late[7] == "李班长（运行班）"
    assert by_description["旧隐患：充装班"][1].startswith("2023-03-15 01:00")


def test_hazard_export_follows_the_filters(spread, manager, conn):
    """The export holds exactly what the filtered list shows."""
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx&level=major")
    descriptions = {r[3] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert "重大：充装班" in descriptions
    assert "旧隐患：充装班" not in descriptions
    assert len(descriptions) == len(_list(manager, conn, "?level=major"))


def test_rectification_list_exports_the_four_fixes_of_each_assigned_hazard(spread, manager, conn):
    """整改清单 xlsx: A4 landscape, repeated header, a row per hazard with an owner, with its 四定 and 预案."""
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/rectifications?format=xlsx")
    _print_ready(sheet, RECTIFICATION_COLUMNS)
    records = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    expected = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ? AND (owner_id IS NOT NULL"
                            " OR on_the_spot = 1)", (ent_id(conn),)).fetchone()[0]
    assert len(records) == expected
    assert "旧隐患：充装班" not in records  # not yet assigned
    major = records["重大：充装班"]
    assert major[2] == "储配站 / 充装班"
    assert (major[3], major[4], major[5]) == ("重大", "更换静电接地线并检测", "苏班长（充装班）")
    assert float(major[6]) == 1500
    deadline = row(conn, "hazards", spread["major"])["deadline"]
    assert (major[7], major[8], major[9], major[10]) == (deadline, "停用并监护", "是", "整改中")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://example.com\",\"点此\")", "=1+1", "+1+1", "-2+3", "@SUM(A1)"])
def test_export_keeps_text_that_looks_like_a_formula_as_text(leader, manager, conn, text):
    """A description typed as =… or +… is written to the xlsx as text, never as a formula Excel would run."""
    reported(leader, conn, description=text)
    sheet = _book(manager, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx")
    cells = [r[3] for r in sheet.iter_rows(min_row=3) if r[3].value == text]
    assert cells, "the description is exported as typed"
    assert all(c.data_type == "s" for c in cells)


def test_export_title_and_cells_are_never_a_formula(leader, head, manager, conn):
    """An enterprise named =HYPERLINK(...) and a hazard typed =1+1: both lists hold them as text, title included."""
    name, enterprise = '=HYPERLINK("http://example.com","点此领奖")', ent_id(conn)
    hazard_id = reported(leader, conn, description="=1+1")
    assert assign(head, conn, hazard_id, measure="@SUM(A1:A9)", plan="-2+3").status_code == 302
    conn.execute("UPDATE enterprises SET name = ? WHERE id = ?", (name, enterprise))
    conn.conn.commit()
    for kind in ("hazards", "rectifications"):
        sheet = _book(manager, f"/enterprises/{enterprise}/{kind}?format=xlsx")
        assert sheet["A1"].data_type == "s"
        assert sheet["A1"].value.startswith(name)
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert "=1+1" in {cell.value for cell in cells}
        if kind == "rectifications":
            assert {"@SUM(A1:A9)", "-2+3"} <= {cell.value for cell in cells}


def test_team_leaders_export_holds_only_their_share(spread, leader, conn):
    """leader1's export has 充装班's hazards and not 运行班's."""
    sheet = _book(leader, f"/enterprises/{ent_id(conn)}/hazards?format=xlsx")
    descriptions = {r[3] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert "旧隐患：充装班" in descriptions
    assert "逾期：运行班" not in descriptions


# ---- who sees a hazard and its photos ---------------------------------------------------------------------------


@pytest.fixture
def with_photos(rectified, conn):
    """The rectified hazard's photo hashes (before and after)."""
    hashes = [r[0] for r in conn.execute("SELECT p.hash FROM hazard_photos hp JOIN photos p ON p.id = hp.photo_id"
                                         " WHERE hp.hazard_id = ? ORDER BY hp.id", (rectified,))]
    assert len(hashes) == 2
    return rectified, hashes


@pytest.mark.parametrize("username", ["manager2", "leader1b", "head2", "grid2"])
def test_people_outside_the_hazards_scope_get_404_for_it_and_its_photos(with_photos, signed_in, conn, username):
    """Another enterprise's manager, another post's leader, another enterprise's head, another grid: 404 for all."""
    hazard_id, hashes = with_photos
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    outsider = signed_in(username)
    assert outsider.get(f"/hazards/{hazard_id}").status_code == 404
    for digest in hashes:
        for size in ("thumb", "display"):
            assert outsider.get(f"/photos/{digest}/{size}.jpg").status_code == 404


@pytest.mark.parametrize("username", ["manager2", "leader1b", "head2", "grid2"])
def test_people_outside_the_scope_get_404_for_the_inspection_record(leader, signed_in, conn, username):
    """The filled card of 充装班 is not shown to another post, another enterprise or another grid."""
    inspection_id = inspection_of(submit_card(leader, conn, failed={0: {}}))
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    assert signed_in(username).get(f"/inspections/{inspection_id}").status_code == 404


@pytest.mark.parametrize("username", ["manager2", "head2", "grid2"])
def test_people_outside_the_hazards_scope_cannot_act_on_it(assigned, signed_in, conn, username):
    """Assigning or fixing a hazard outside one's scope answers 404 and changes nothing."""
    outsider = signed_in(username)
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    kept = row(conn, "hazards", assigned)
    assert assign(outsider, conn, assigned, owner="leader1").status_code == 404
    assert rectify(outsider, assigned).status_code == 404
    assert row(conn, "hazards", assigned) == kept


@pytest.mark.parametrize("username", ["grid1", "supervisor", "head1", "manager1", "leader1", "admin"])
def test_people_in_scope_see_the_hazard_and_its_photos(with_photos, signed_in, username):
    """The grid's worker, the supervisor, the workshop head, the manager and the owner see hazard and photos."""
    hazard_id, hashes = with_photos
    viewer = signed_in(username)
    assert viewer.get(f"/hazards/{hazard_id}").status_code == 200
    for digest in hashes:
        for size, limit in (("thumb", 320), ("display", 1600)):
            response = viewer.get(f"/photos/{digest}/{size}.jpg")
            assert response.status_code == 200
            assert response.mimetype == "image/jpeg"
            assert "private" in response.headers["Cache-Control"]
            image = Image.open(io.BytesIO(response.data))
            assert image.format == "JPEG" and max(image.size) <= limit
            assert len(image.getexif()) == 0


@pytest.mark.parametrize("path", [
    "/photos/" + "0" * 64 + "/thumb.jpg",
    "/photos/" + "f" * 64 + "/display.jpg",
    "/photos/abc/thumb.jpg",
])
def test_photo_url_for_an_unknown_hash_is_404(signed_in, path):
    """An unknown or malformed photo hash is simply not found."""
    assert signed_in("admin").get(path).status_code == 404
    assert signed_in("leader1").get(path).status_code == 404


def test_photo_urls_need_signing_in(with_photos, client):
    """Photos are not public: signed out, the URL sends to the sign-in page."""
    _, hashes = with_photos
    response = client.get(f"/photos/{hashes[0]}/thumb.jpg")
    assert response.status_code in (302, 401, 404)
    assert response.mimetype != "image/jpeg"


def test_open_major_hazards_are_listed_for_supervision_on_government_home_pages(signed_in, conn):
    """挂牌督办: a supervisor sees every open major hazard in scope; a grid worker only their grid's."""
    majors = {r["description"]: r["enterprise_id"] for r in conn.execute(
        "SELECT description, enterprise_id FROM hazards WHERE level = 'major' AND status != 'closed'")}
    assert len(set(majors.values())) == 2, "the demo has open major hazards in both enterprises"
    supervisor = signed_in("supervisor").get("/").get_data(as_text=True)
    assert all(text in supervisor for text in majors)
    grid1 = signed_in("grid1").get("/").get_data(as_text=True)
    first = conn.execute("SELECT id FROM enterprises WHERE name = '泉州市安泰燃气有限公司'").fetchone()[0]
    assert {t for t in majors if t in grid1} == {t for t, e in majors.items() if e == first}
    assert "挂牌督办" not in signed_in("leader1").get("/").get_data(as_text=True)


def test_overdue_hazard_is_loud_on_the_home_pages_above_its_owner(signed_in, conn):
    """The demo's overdue hazard (owner leader1b) shows under 逾期未整改 for head1 and manager1, not for others."""
    overdue = conn.execute("SELECT description FROM hazards WHERE status = 'assigned' AND deadline < date('now')"
                           ).fetchone()[0]

    def section(username):
        html = signed_in(username).get("/").get_data(as_text=True)
        start = html.find('id="loop-overdue"')
        return html[start:html.find("</section>", start)] if start >= 0 else ""

    assert overdue in section("manager1")
    assert overdue in section("head1")
    assert section("manager2") == ""
    assert section("leader1") == ""
