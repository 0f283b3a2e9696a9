"""六有 signs and the notices of 三级警示公告 as records: where each kind may stand, the permanent token printed on
its QR label and the short code beside it, a reissued label, and the public notice that holds only what is printed."""

import json

import pytest

from anbiao import signs
from anbiao.signs import Refused

from .loop_helpers import ent_id, uid, unit_id


@pytest.fixture
def place(conn):
    """The demo gas company, its 储配站 workshop and 充装班 post, and its manager."""
    return {"ent": ent_id(conn), "workshop": unit_id(conn, "储配站"), "post": unit_id(conn, "充装班"),
            "by": uid(conn, "manager1")}


def risk_card(conn, place, **fields) -> int:
    return signs.create(conn, place["ent"], place["post"], "risk_card", {
        "title": "充装岗位安全风险告知卡", "place": "充装台东侧立柱",
        "risk": {"main_risks": "液化气泄漏、静电", "hazard_types": "泄漏、火灾、爆炸",
                 "consequences": "火灾爆炸、人员伤亡", "controls": "充装前检漏，接地夹可靠连接",
                 "emergency": "切断气源，疏散，报告",
                 "report": "立即报告站长", "phones": "站长 0595-0000000；火警 119"}, **fields}, by=place["by"])


def test_the_six_kinds_and_the_notices_are_read_from_the_library(conn):
    known = signs.kinds(conn)
    assert [code for code, kind in known.items() if kind["liuyou"]] == [
        "floor_line", "nameplate", "post_warning", "instruction", "flow_label", "valve_tag"]
    assert known["risk_card"]["name"] == "岗位安全风险告知卡" and known["notice_board"]["name"] == "安全风险公告栏"
    assert [c["name"] for c in signs.classes(conn).values()] == ["禁止", "警告", "指令", "提示"]


def test_each_kind_stands_only_where_it_belongs(conn, place):
    """A risk card at a post, a notice board at the gate or a workshop, floor lines in a workshop."""
    assert signs.create(conn, place["ent"], None, "notice_board", {"title": "大门安全风险公告栏"})
    assert signs.create(conn, place["ent"], place["workshop"], "floor_line", {"title": "储配站地面标线"})
    for unit, kind, said in ((place["workshop"], "risk_card", "岗位安全风险告知卡只能设在岗位"),
                             (place["post"], "notice_board", "安全风险公告栏只能设在企业、车间"),
                             (None, "floor_line", "地上有标线只能设在车间")):
        with pytest.raises(Refused, match=said):
            signs.create(conn, place["ent"], unit, kind, {"title": "不该在这里"})


@pytest.mark.parametrize("kind, fields, said", [
    ("unknown", {"title": "x"}, "请选择标识种类"),
    ("post_warning", {"title": "  "}, "请填写标识名称"),
    ("post_warning", {"title": "当心", "sign_class": "purple"}, "标志类别应为禁止、警告、指令或提示"),
    ("nameplate", {"title": "充装泵铭牌", "sign_class": "warning"}, "这种标识不分禁止、警告、指令、提示"),
    ("post_warning", {"title": "长" * 61}, "标识名称不能超过 60 个字"),
])
def test_a_bad_sign_is_refused_in_chinese_and_nothing_is_written(conn, place, kind, fields, said):
    before = conn.execute("SELECT (SELECT COUNT(*) FROM signs), (SELECT COUNT(*) FROM sign_tokens)").fetchone()
    with pytest.raises(Refused, match=said):
        signs.create(conn, place["ent"], place["post"], kind, fields)
    assert conn.execute("SELECT (SELECT COUNT(*) FROM signs), (SELECT COUNT(*) FROM sign_tokens)").fetchone() == before


def test_a_unit_of_another_enterprise_is_refused(conn, place):
    with pytest.raises(Refused, match="请选择本企业在用的车间或岗位"):
        signs.create(conn, place["ent"], unit_id(conn, "车床班"), "post_warning", {"title": "当心机械伤人"})


def test_a_token_is_128_random_bits_from_secrets_and_the_code_avoids_look_alikes(conn, place, monkeypatch):
    made = [signs.current(conn, risk_card(conn, place)) for _ in range(50)]
    assert len({t["token"] for t in made}) == 50 and len({t["code"] for t in made}) == 50
    assert all(len(t["token"]) >= 22 for t in made)  # 16 bytes, url-safe base64
    assert all(len(t["code"]) == 8 and not set(t["code"]) & set("01OIL") for t in made)
    asked = []
    monkeypatch.setattr(signs.secrets, "token_urlsafe", lambda n: asked.append(n) or f"from-secrets-{len(asked)}")
    assert signs.current(conn, risk_card(conn, place))["token"] == "from-secrets-1" and asked == [16]


def test_renaming_and_moving_a_sign_keeps_its_printed_token(conn, place):
    sign_id = signs.create(conn, place["ent"], place["post"], "valve_tag", {"title": "进液阀", "sign_class": "warning"})
    printed = signs.current(conn, sign_id)["token"]
    signs.update(conn, signs.get(conn, sign_id), {"title": "1号进液总阀", "sign_class": "prohibition",
                                                  "place": "充装台下"}, by=place["by"])
    signs.move(conn, signs.get(conn, sign_id), unit_id(conn, "运行班"), by=place["by"])
    sign, token = signs.scanned(conn, printed)
    assert sign["id"] == sign_id and sign["title"] == "1号进液总阀" and sign["unit_id"] == unit_id(conn, "运行班")
    assert token["replaced_at"] is None
    with pytest.raises(Refused, match="只能设在"):
        signs.move(conn, sign, None)


def test_a_reissued_label_has_a_new_token_and_the_old_one_says_replaced_but_still_finds_the_sign(conn, place):
    sign_id = risk_card(conn, place)
    old = signs.current(conn, sign_id)
    new = signs.reissue(conn, signs.get(conn, sign_id), by=place["by"])
    assert new["token"] != old["token"] and new["code"] != old["code"]
    sign, token = signs.scanned(conn, old["token"])
    assert sign["id"] == sign_id and token["replaced_at"]
    sign, token = signs.scanned(conn, new["token"])
    assert sign["id"] == sign_id and token["replaced_at"] is None
    assert signs.scanned(conn, "no-such-token") is None


def test_a_typed_code_is_found_whatever_its_case_spaces_and_dashes(conn, place):
    code = signs.current(conn, risk_card(conn, place))["code"]
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert signs.typed(conn, typed)["code"] == code
    assert signs.typed(conn, code[:7]) is None


def test_every_change_to_a_sign_is_in_the_audit_log(conn, place):
    sign_id = risk_card(conn, place)
    signs.update(conn, signs.get(conn, sign_id), {"title": "充装岗位风险告知卡（2026版）"}, by=place["by"])
    signs.move(conn, signs.get(conn, sign_id), unit_id(conn, "运行班"), by=place["by"])
    signs.reissue(conn, signs.get(conn, sign_id), by=place["by"])
    signs.retire(conn, signs.get(conn, sign_id), by=place["by"])
    logged = conn.execute("SELECT action, user_id, enterprise_id FROM audit_log WHERE entity = 'sign' AND entity_id = ?"
                          " ORDER BY id", (sign_id,)).fetchall()
    assert [row[0] for row in logged] == ["create", "update", "move", "reissue", "retire"]
    assert {(row[1], row[2]) for row in logged} == {(place["by"], place["ent"])}
    assert sign_id not in [s["id"] for s in signs.of_enterprise(conn, place["ent"])]  # retired: out of the list


def test_the_public_notice_holds_only_what_is_printed(conn, place):
    """Title, kind, class, place, content and the risk card's fields as printed; never its state, who checked it,
    ids or anything else the enterprise keeps."""
    sign_id = risk_card(conn, place)
    conn.execute("UPDATE signs SET state = 'damaged', checked_by = ?, checked_at = '2026-11-20T08:00:00+00:00'"
                 " WHERE id = ?", (place["by"], sign_id))
    shown = signs.public(conn, signs.get(conn, sign_id))
    assert set(shown) == {"title", "kind", "class", "place", "equipment", "content", "enterprise", "unit", "risk"}
    assert shown["kind"] == "岗位安全风险告知卡" and shown["unit"] == "储配站 / 充装班"
    assert [label for label, _ in shown["risk"]] == list(signs.RISK_FIELDS.values())
    text = json.dumps(shown, ensure_ascii=False)
    for internal in ("damaged", "破损", "2026-11-20", "陈建国", "manager1"):
        assert internal not in text


def test_the_audit_page_names_sign_changes_in_chinese(conn, place, signed_in):
    sign_id = risk_card(conn, place)
    signs.reissue(conn, signs.get(conn, sign_id), by=place["by"])
    page = signed_in("manager1").get("/audit").get_data(as_text=True)
    assert "补发标签" in page and "充装岗位安全风险告知卡" in page and "标识" in page


# The printed address, over HTTP, for anyone.

def demo_card(conn) -> tuple[int, dict]:
    sign_id = conn.execute("SELECT id FROM signs WHERE title = '充装岗位安全风险告知卡'").fetchone()[0]
    return sign_id, signs.current(conn, sign_id)


def test_a_scanned_label_shows_the_printed_notice_to_anyone_and_nothing_internal(client, conn, place):
    sign_id, label = demo_card(conn)
    conn.execute("UPDATE signs SET state = 'missing', checked_by = ?, checked_at = '2026-11-20T08:00:00+00:00'"
                 " WHERE id = ?", (place["by"], sign_id))
    page = client.get(f"/q/{label['token']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for printed in ("充装岗位安全风险告知卡", "泉州市安泰燃气有限公司", "储配站 / 充装班", "充装台东侧立柱",
                    "主要安全风险", "液化石油气泄漏", "应急电话", "火警 119"):
        assert printed in html, printed
    for internal in ("缺失", "2026-11-20", "陈建国", "退出"):
        assert internal not in html, internal


def test_an_unknown_token_is_a_plain_not_found_page(client):
    page = client.get("/q/this-token-was-never-printed")
    assert page.status_code == 404 and "找不到页面" in page.get_data(as_text=True)


def test_the_old_label_of_a_reissued_sign_says_it_was_replaced_and_still_shows_the_sign(client, conn, place):
    sign_id, old = demo_card(conn)
    new = signs.reissue(conn, signs.get(conn, sign_id), by=place["by"])
    html = client.get(f"/q/{old['token']}").get_data(as_text=True)
    assert "这张标签已经更换" in html and "充装岗位安全风险告知卡" in html
    assert "已经更换" not in client.get(f"/q/{new['token']}").get_data(as_text=True)


def test_a_code_typed_from_the_label_opens_its_sign(client, conn):
    _, label = demo_card(conn)
    typed = client.get("/q", query_string={"code": f"{label['code'][:4].lower()} {label['code'][4:]}"})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/q/{label['token']}")
    wrong = client.get("/q", query_string={"code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 404 and "没有找到编号" in wrong.get_data(as_text=True)
    assert client.get("/q").status_code == 200


# The QR itself, read back by a decoder this project did not write (Debian's zbar-tools).

def zbar(path) -> list[str]:
    import subprocess

    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False)
    return found.stdout.split()


def test_a_label_qr_decodes_to_the_signs_permanent_address_even_when_scuffed(conn, tmp_path):
    """PNG as made; then with a bar of the code painted over (a scratch across the label): level Q still reads."""
    from PIL import Image, ImageDraw

    _, label = demo_card(conn)
    url = signs.address("https://anbiao.example.cn/", label["token"])
    assert url == f"https://anbiao.example.cn/q/{label['token']}"
    clean = tmp_path / "label.png"
    clean.write_bytes(signs.qr_png(url))
    assert zbar(clean) == [url]
    image = Image.open(clean).convert("RGB")
    width, height = image.size
    ImageDraw.Draw(image).rectangle((width * 0.3, height * 0.45, width * 0.7, height * 0.53), fill="white")
    scuffed = tmp_path / "scuffed.png"
    image.save(scuffed)
    assert zbar(scuffed) == [url]


def test_the_svg_qr_is_a_real_svg_of_the_same_code(conn):
    import xml.etree.ElementTree as ET

    _, label = demo_card(conn)
    root = ET.fromstring(signs.qr_svg(signs.address("https://anbiao.example.cn", label["token"])))
    assert root.tag.endswith("svg") and root.findall(".//{http://www.w3.org/2000/svg}path")


# Inside the app.

def test_the_list_shows_a_leader_only_their_posts_signs_each_with_its_label(signed_in, conn):
    leader = signed_in("leader1").get(f"/enterprises/{ent_id(conn)}/signs").get_data(as_text=True)
    assert "充装岗位安全风险告知卡" in leader and "禁止烟火" in leader
    assert "公司大门安全风险公告栏" not in leader and "1号储罐出液阀" not in leader
    manager = signed_in("manager1").get(f"/enterprises/{ent_id(conn)}/signs").get_data(as_text=True)
    assert all(title in manager for title in ("公司大门安全风险公告栏", "储配站地面标线", "1号储罐出液阀"))
    code = signs.current(conn, demo_card(conn)[0])["code"]
    assert f"{code[:4]}-{code[4:]}" in manager


def test_the_labels_qr_encodes_the_configured_public_address(app, signed_in, conn, tmp_path):
    sign_id, label = demo_card(conn)
    app.config["PUBLIC_URL"] = "https://anbiao.example.cn"
    png = signed_in("manager1").get(f"/signs/{sign_id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    (tmp_path / "qr.png").write_bytes(png.get_data())
    assert zbar(tmp_path / "qr.png") == [f"https://anbiao.example.cn/q/{label['token']}"]
    svg = signed_in("manager1").get(f"/signs/{sign_id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()


def test_liuyou_coverage_gives_each_workshop_the_worst_state_of_each_kind_or_never_recorded(conn, place):
    """储配站 (with 充装班 and 运行班): floor lines, a warning at 充装班 and a valve tag at 运行班 recorded in the demo;
    a second warning marked 缺失 makes the kind 缺失; nameplates were never recorded."""
    def of_station():
        return next(w["states"] for w in signs.coverage(conn, place["ent"]) if w["label"] == "储配站")

    before = of_station()
    assert before["floor_line"] == "intact" and before["post_warning"] == "intact" and before["valve_tag"] == "intact"
    assert before["nameplate"] is None and before["instruction"] is None and before["flow_label"] is None
    sign_id = signs.create(conn, place["ent"], unit_id(conn, "运行班"), "post_warning", {"title": "当心中毒"})
    conn.execute("UPDATE signs SET state = 'missing' WHERE id = ?", (sign_id,))
    assert of_station()["post_warning"] == "missing"
    assert set(of_station()) == {"floor_line", "nameplate", "post_warning", "instruction", "flow_label", "valve_tag"}


def test_the_enterprise_page_shows_liuyou_at_a_glance_to_those_who_see_the_whole_enterprise(signed_in, conn):
    page = signed_in("manager1").get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)
    assert "“六有”标识" in page and "未登记" in page and "标线" in page
    assert "“六有”标识" not in signed_in("leader1").get(f"/enterprises/{ent_id(conn)}").get_data(as_text=True)


# In Chromium at a phone's size.

def test_a_scanned_label_opens_on_a_phone_without_signing_in_and_the_lists_qr_codes_draw(live_server, phone, conn):
    """Anyone scanning: the notice fits the phone with thumb-sized links; the manager's list shows every label's QR
    drawn (the SVG answers under the page's Content-Security-Policy) and fits too; so does the 六有 table."""
    from playwright.sync_api import expect

    from .conftest import sign_in
    from .test_browser_flows import fits_a_phone

    _, label = demo_card(conn)
    phone.goto(f"{live_server}/q/{label['token']}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("充装岗位安全风险告知卡")
    expect(phone.get_by_text("主要安全风险")).to_be_visible()
    fits_a_phone(phone, "public notice")
    sign_in(phone, live_server, "manager1")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}")
    expect(phone.locator("#liuyou")).to_contain_text("未登记")
    fits_a_phone(phone, "enterprise page")
    phone.get_by_role("link", name="查看全部标识和二维码").click()
    codes = phone.locator(".sign-row img")
    expect(codes).to_have_count(conn.execute("SELECT COUNT(*) FROM signs WHERE enterprise_id = ?",
                                             (ent_id(conn),)).fetchone()[0])
    for n in range(codes.count()):
        codes.nth(n).scroll_into_view_if_needed()
        expect(codes.nth(n)).to_have_js_property("complete", True)
        assert codes.nth(n).evaluate("img => img.naturalWidth") > 0
    fits_a_phone(phone, "signs list")
