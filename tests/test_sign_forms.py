"""Recording and keeping signs through the app: 新增标识, 编辑, 调整位置, 撤除 and 补发标签 over HTTP, and 新增标识 in
Chromium at a phone's size (the xlsx import is in test_sign_import.py)."""

import json
import uuid

import pytest

from anbiao import signs

from .loop_helpers import ent_id, unit_id

RISK = {"main_risks": "液化气泄漏、静电", "hazard_types": "泄漏、火灾、爆炸", "consequences": "火灾爆炸、人员伤亡",
        "controls": "充装前检漏，接地夹可靠连接", "emergency": "切断气源，疏散，报告", "report": "立即报告站长",
        "phones": "站长 0595-0000000；火警 119"}


def counts(conn) -> tuple:
    """Signs, their labels and their audit entries: what a refused form must leave as it was."""
    return tuple(conn.execute("SELECT (SELECT COUNT(*) FROM signs), (SELECT COUNT(*) FROM sign_tokens),"
                              " (SELECT COUNT(*) FROM audit_log WHERE entity = 'sign')").fetchone())


def sign_titled(conn, title) -> dict:
    return dict(conn.execute("SELECT * FROM signs WHERE title = ?", (title,)).fetchone())


def audit_of(conn, sign_id) -> list[str]:
    return [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = 'sign' AND entity_id = ?"
                                       " ORDER BY id", (sign_id,))]


def new_url(conn, ent=None) -> str:
    return f"/enterprises/{ent or ent_id(conn)}/signs/new"


def risk_card_form(conn, **extra) -> dict:
    return {"unit_id": str(unit_id(conn, "充装班")), "kind": "risk_card", "title": "充装岗位风险告知卡（新）",
            "place": "充装台西侧", **{f"risk_{key}": value for key, value in RISK.items()}, **extra}


def text(response) -> str:
    return response.get_data(as_text=True)


def beside(page: str, field: str, part: str = "sign") -> str:
    """The reasons shown right after a field ('' when its box is hidden)."""
    box = page.split(f'id="reasons-{part}-{field}"')[1].split("</div>")[0]
    return "" if "hidden" in box.split(">")[0] else box


# 新增标识

def test_a_manager_records_a_risk_card_with_its_seven_fields_and_one_audit_entry(signed_in, conn):
    manager = signed_in("manager1")
    form = text(manager.get(new_url(conn), query_string={"kind": "risk_card", "unit_id": unit_id(conn, "充装班")}))
    assert 'value="risk_card" selected' in form and f'value="{unit_id(conn, "充装班")}" selected' in form
    assert "主要安全风险" in form and "应急电话" in form and "<details class=\"tree-add\" open>" in form
    before = counts(conn)
    response = manager.post(new_url(conn), risk_card_form(conn))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/enterprises/{ent_id(conn)}/signs")
    sign = sign_titled(conn, "充装岗位风险告知卡（新）")
    assert sign["kind"] == "risk_card" and sign["unit_id"] == unit_id(conn, "充装班") and sign["place"] == "充装台西侧"
    assert json.loads(sign["risk"]) == RISK
    assert audit_of(conn, sign["id"]) == ["create"]
    assert counts(conn) == (before[0] + 1, before[1] + 1, before[2] + 1)
    listed = text(manager.get(response.headers["Location"]))
    code = signs.current(conn, sign["id"])["code"]
    assert "充装岗位风险告知卡（新）" in listed and f"标签编号 {code[:4]}-{code[4:]}" in listed


def test_a_classed_sign_is_recorded_with_its_gb2894_class(signed_in, conn):
    response = signed_in("manager1").post(new_url(conn), {
        "unit_id": str(unit_id(conn, "运行班")), "kind": "post_warning", "sign_class": "mandatory",
        "title": "必须戴防护手套", "content": "装卸钢瓶必须戴防护手套"})
    assert response.status_code == 302
    sign = sign_titled(conn, "必须戴防护手套")
    assert (sign["kind"], sign["sign_class"]) == ("post_warning", "mandatory")
    assert sign["content"] == "装卸钢瓶必须戴防护手套"


def test_the_form_lists_every_kind_with_where_it_stands_and_the_four_classes(signed_in, conn):
    page = text(signed_in("manager1").get(new_url(conn)))
    assert "岗位安全风险告知卡（设在岗位）" in page and "安全风险公告栏（设在企业、车间）" in page
    assert "地上有标线（设在车间）" in page
    assert all(f'sign-{colour}">{name}' in page for colour, name in (
        ("red", "禁止"), ("yellow", "警告"), ("blue", "指令"), ("green", "提示")))
    assert "全厂（企业）" in page and "储配站 / 充装班（岗位）" in page


@pytest.mark.parametrize("unit, kind, said", [
    ("储配站", "risk_card", "岗位安全风险告知卡只能设在岗位"),
    ("", "floor_line", "地上有标线只能设在车间"),
    ("充装班", "notice_board", "安全风险公告栏只能设在企业、车间"),
])
def test_a_kind_at_the_wrong_level_is_refused_in_chinese_with_what_was_typed_kept(signed_in, conn, unit, kind, said):
    before = counts(conn)
    response = signed_in("manager1").post(new_url(conn), {
        "unit_id": str(unit_id(conn, unit)) if unit else "", "kind": kind, "title": "放错地方的标识",
        "place": "某处立柱"})
    page = text(response)
    assert response.status_code == 422 and said in beside(page, "unit_id")
    assert 'value="放错地方的标识"' in page and 'value="某处立柱"' in page and f'value="{kind}" selected' in page
    assert counts(conn) == before


def test_a_refusal_is_said_beside_its_field(signed_in, conn):
    page = text(signed_in("manager1").post(new_url(conn), {"unit_id": str(unit_id(conn, "充装班")),
                                                           "kind": "nameplate", "sign_class": "warning",
                                                           "title": "充装泵铭牌"}))
    assert "这种标识不分禁止、警告、指令、提示" in beside(page, "sign_class") and beside(page, "title") == ""


def test_risk_card_text_given_for_another_kind_is_refused_not_dropped(signed_in, conn):
    before = counts(conn)
    response = signed_in("manager1").post(new_url(conn), {
        "unit_id": str(unit_id(conn, "充装班")), "kind": "post_warning", "title": "当心火灾",
        "risk_main_risks": "火灾"})
    assert response.status_code == 422 and "只有岗位安全风险告知卡填写主要安全风险" in text(response)
    assert counts(conn) == before


def test_a_replayed_post_with_the_same_key_creates_one_sign(signed_in, conn):
    manager = signed_in("manager1")
    key = uuid.uuid4().hex
    first = manager.post(new_url(conn), risk_card_form(conn, idempotency_key=key))
    again = manager.post(new_url(conn), risk_card_form(conn, idempotency_key=key))
    assert first.status_code == again.status_code == 302 and again.headers.get("Idempotent-Replay") == "true"
    assert conn.execute("SELECT COUNT(*) FROM signs WHERE title = '充装岗位风险告知卡（新）'").fetchone()[0] == 1


# Who may

def test_a_workshop_head_manages_signs_in_their_workshop_and_nowhere_else(signed_in, conn):
    head = signed_in("head1")
    form = text(head.get(new_url(conn)))
    assert "储配站 / 充装班（岗位）" in form and "管网运行部" not in form and "全厂（企业）" not in form
    made = head.post(new_url(conn), {"unit_id": str(unit_id(conn, "充装班")), "kind": "instruction",
                                     "sign_class": "mandatory", "title": "充装操作规程"})
    assert made.status_code == 302
    for unit in ("巡线班", ""):
        refused = head.post(new_url(conn), {"unit_id": str(unit_id(conn, unit)) if unit else "",
                                            "kind": "notice_board", "title": "越权公告栏"})
        assert refused.status_code == 422 and "请选择你管理的车间或岗位" in text(refused)
    elsewhere = signs.create(conn, ent_id(conn), unit_id(conn, "管网运行部"), "floor_line", {"title": "管网标线"})
    gate = sign_titled(conn, "公司大门安全风险公告栏")["id"]
    for sign_id in (elsewhere, gate):
        assert head.get(f"/signs/{sign_id}/edit").status_code == 404
        assert head.post(f"/signs/{sign_id}/retire", {"confirm": "1"}).status_code == 404
    own = sign_titled(conn, "1号储罐出液阀")["id"]
    assert head.get(f"/signs/{own}/edit").status_code == 200
    moved_out = head.post(f"/signs/{own}/move", {"unit_id": str(unit_id(conn, "管网运行部"))})
    assert moved_out.status_code == 422 and "请选择你管理的车间或岗位" in text(moved_out)
    assert sign_titled(conn, "1号储罐出液阀")["unit_id"] == unit_id(conn, "运行班")
    assert head.get(f"/enterprises/{ent_id(conn, '晋江市恒力机械制造有限公司')}/signs/new").status_code == 404


@pytest.mark.parametrize("who", ["leader1", "grid1", "supervisor"])
def test_leaders_grid_workers_and_supervisors_read_signs_but_do_not_manage_them(signed_in, conn, who):
    person = signed_in(who)
    card = sign_titled(conn, "充装岗位安全风险告知卡")["id"]
    before = counts(conn)
    assert person.get(new_url(conn)).status_code == 403
    assert person.get(f"/signs/{card}/edit").status_code == 403
    assert person.post(f"/signs/{card}/reissue", {"confirm": "1"}).status_code == 403
    assert person.post(new_url(conn), risk_card_form(conn)).status_code == 403
    assert counts(conn) == before
    listed = text(person.get(f"/enterprises/{ent_id(conn)}/signs"))
    assert "充装岗位安全风险告知卡" in listed and "新增标识" not in listed and "/edit" not in listed


def test_the_list_offers_managers_the_toolbar_and_an_edit_link_per_sign(signed_in, conn):
    listed = text(signed_in("manager1").get(f"/enterprises/{ent_id(conn)}/signs"))
    card = sign_titled(conn, "充装岗位安全风险告知卡")["id"]
    assert "新增标识" in listed and "批量导入" in listed and f"/signs/{card}/edit" in listed


# 编辑, 调整位置, 撤除, 补发标签

def test_editing_a_sign_keeps_its_printed_token_and_is_audited(signed_in, conn):
    sign = sign_titled(conn, "禁止烟火")
    printed = signs.current(conn, sign["id"])["token"]
    manager = signed_in("manager1")
    page = text(manager.get(f"/signs/{sign['id']}/edit"))
    assert 'value="禁止烟火"' in page and 'value="prohibition" checked' in page
    response = manager.post(f"/signs/{sign['id']}/edit", {"title": "严禁烟火", "sign_class": "prohibition",
                                                          "place": "充装台入口", "content": "严禁携带火种"})
    assert response.status_code == 302
    changed = sign_titled(conn, "严禁烟火")
    assert changed["id"] == sign["id"] and changed["content"] == "严禁携带火种"
    assert signs.current(conn, sign["id"])["token"] == printed
    assert audit_of(conn, sign["id"])[-1] == "update"
    refused = manager.post(f"/signs/{sign['id']}/edit", {"title": " ", "content": "改了一半"})
    assert refused.status_code == 422 and "请填写标识名称" in text(refused) and "改了一半" in text(refused)
    assert sign_titled(conn, "严禁烟火")["content"] == "严禁携带火种"


def test_moving_a_sign_keeps_its_printed_token_and_a_wrong_place_is_refused(signed_in, client, conn):
    sign = sign_titled(conn, "1号储罐出液阀")
    printed = signs.current(conn, sign["id"])["token"]
    manager = signed_in("manager1")
    page = text(manager.get(f"/signs/{sign['id']}/edit"))
    assert "调整位置" in page and "储配站 / 充装班（岗位）" in page
    moved = manager.post(f"/signs/{sign['id']}/move", {"unit_id": str(unit_id(conn, "充装班"))})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/signs/{sign['id']}/edit")
    assert signs.get(conn, sign["id"])["unit_id"] == unit_id(conn, "充装班")
    assert signs.current(conn, sign["id"])["token"] == printed
    assert "储配站 / 充装班" in text(client.get(f"/q/{printed}"))
    before = counts(conn)
    for unit, said in (("", "重要阀门或开关有挂牌只能设在车间、岗位"), (str(unit_id(conn, "充装班")), "标识已在")):
        refused = manager.post(f"/signs/{sign['id']}/move", {"unit_id": unit})
        assert refused.status_code == 422 and said in beside(text(refused), "unit_id", "move")
    assert manager.post(f"/signs/{sign['id']}/move", {}).status_code == 422
    assert counts(conn) == before and audit_of(conn, sign["id"])[-1] == "move"


def test_retiring_asks_to_confirm_then_the_public_page_says_retired(signed_in, client, conn):
    sign = sign_titled(conn, "禁止烟火")
    token = signs.current(conn, sign["id"])["token"]
    manager = signed_in("manager1")
    unconfirmed = manager.post(f"/signs/{sign['id']}/retire", {})
    assert unconfirmed.status_code == 422 and "确认" in text(unconfirmed)
    assert signs.get(conn, sign["id"])["retired_at"] is None
    retired = manager.post(f"/signs/{sign['id']}/retire", {"confirm": "1"})
    assert retired.status_code == 302 and retired.headers["Location"].endswith(f"/enterprises/{ent_id(conn)}/signs")
    assert signs.get(conn, sign["id"])["retired_at"] and audit_of(conn, sign["id"])[-1] == "retire"
    assert "已撤除" in text(client.get(f"/q/{token}"))
    assert "<strong>禁止烟火</strong>" not in text(manager.get(retired.headers["Location"]))
    again = manager.post(f"/signs/{sign['id']}/edit", {"title": "复活"})
    assert again.status_code == 422 and "该标识已撤除" in text(again)
    assert "该标识已撤除" in text(manager.get(f"/signs/{sign['id']}/edit"))


def test_reissuing_a_label_shows_the_new_code_and_the_old_label_says_replaced(signed_in, client, conn):
    sign = sign_titled(conn, "充装岗位安全风险告知卡")
    old = signs.current(conn, sign["id"])
    manager = signed_in("manager1")
    page = text(manager.get(f"/signs/{sign['id']}/edit"))
    assert "旧标签扫码会显示" in page and "已经更换" in page
    assert manager.post(f"/signs/{sign['id']}/reissue", {}).status_code == 422
    assert signs.current(conn, sign["id"])["token"] == old["token"]
    response = manager.post(f"/signs/{sign['id']}/reissue", {"confirm": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/signs/{sign['id']}/edit")
    new = signs.current(conn, sign["id"])
    assert new["token"] != old["token"]
    shown = text(manager.get(response.headers["Location"]))
    assert f"新编号 {new['code'][:4]}-{new['code'][4:]}" in shown and f"{new['code'][:4]}-{new['code'][4:]}" in shown
    assert "这张标签已经更换" in text(client.get(f"/q/{old['token']}"))
    assert "已经更换" not in text(client.get(f"/q/{new['token']}"))
    assert audit_of(conn, sign["id"])[-1] == "reissue"


# In Chromium at a phone's size

def test_a_manager_adds_a_risk_card_on_a_phone_and_finds_it_in_the_list(live_server, phone, conn):
    from playwright.sync_api import expect

    from .conftest import sign_in
    from .test_browser_flows import fits_a_phone

    sign_in(phone, live_server, "manager1")
    phone.goto(f"{live_server}/enterprises/{ent_id(conn)}/signs")
    phone.get_by_role("link", name="新增标识").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("新增标识")
    fits_a_phone(phone, "new sign form")
    phone.get_by_label("位置", exact=True).select_option(label="储配站 / 运行班（岗位）")
    phone.get_by_label("种类").select_option("risk_card")
    phone.get_by_label("标识名称").fill("运行岗位安全风险告知卡")
    phone.get_by_label("设置位置").fill("值班室门口")
    phone.get_by_text("岗位安全风险告知卡的内容").click()
    for key, value in RISK.items():
        phone.get_by_label(signs.RISK_FIELDS[key], exact=True).fill(value)
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_text("已登记“运行岗位安全风险告知卡”")).to_be_visible()
    expect(phone.locator(".sign-row", has_text="运行岗位安全风险告知卡")).to_be_visible()
    sign = sign_titled(conn, "运行岗位安全风险告知卡")
    assert sign["unit_id"] == unit_id(conn, "运行班") and json.loads(sign["risk"]) == RISK
    fits_a_phone(phone, "signs list with the toolbar")
