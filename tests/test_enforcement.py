"""Enforcement actions (seed 001 附件4 执法激励约束): recorded by supervisors against an enterprise with their date, the
fine's amount in 万元 and the persons sent to the judiciary; counted per kind for a month and a scope, which the
monthly report reads instead of figures typed by hand."""

import tomllib
from datetime import date

import pytest

from anbiao import db, enforcement, library, scope
from anbiao.due import local_now

from .loop_helpers import call_off_draws, ent_id, key, post, uid

GAS, WORKS = "泉州市安泰燃气有限公司", "晋江市恒力机械制造有限公司"
# 附件4's 执法激励约束 columns, left to right, as the seed heads them.
ANNEX4 = ["罚款", "责令停产停业整顿（家次）", "暂扣或吊销证照企业（家次）", "取缔关闭企业（家次）",
          "移送司法机关（人次）", "曝光典型案例企业（家次）", "约谈警示企业（家次）", "激励单位（家次）",
          "约束单位（家次）"]


def _actions(conn):
    return [tuple(r) for r in conn.execute("SELECT * FROM enforcement_actions ORDER BY id")]


def _send(client, ent, **fields):
    data = {"kind": "fine", "on_date": local_now().date().isoformat(), "amount_fine": "1.5", "note": "", **fields}
    return post(client, f"/enterprises/{ent}/enforcement", {k: v for k, v in data.items() if v is not None})


def test_the_kinds_are_annex_4s_columns_in_order(conn):
    kinds = enforcement.kinds(conn)
    assert [k["column"] for k in kinds.values()] == ANNEX4
    assert kinds["fine"]["columns"] == ["企业数（家次）", "金额（万元）"] and kinds["fine"]["amount"]["unit"] == "万元"
    assert kinds["judicial"]["counts"] == ["amount"] and kinds["judicial"]["amount"]["decimals"] == 0


@pytest.mark.parametrize("change, said", [
    (lambda d: d["items"][0].update(counts=["money"]), "counts 应为"),
    (lambda d: d["items"][0].pop("amount"), "须有 amount"),
    (lambda d: d["items"][1].update(amount={"label": "x", "unit": "元", "decimals": 2}), "其他种类不应有"),
    (lambda d: d["items"][0]["amount"].update(decimals=-1), "decimals"),
    (lambda d: d["items"][0].update(columns=["企业数（家次）"]), "columns 应与 counts 一一对应"),
    (lambda d: d.pop("source"), "缺少 source"),
])
def test_a_broken_enforcement_file_is_refused_on_load(change, said):
    doc = tomllib.loads((library.ROOT / "reference" / "enforcement.toml").read_text(encoding="utf-8"))
    assert library._problems_of("enforcement.toml", doc) == []
    change(doc)
    problems = library._problems_of("enforcement.toml", doc)
    assert any(said in p for p in problems), problems


def test_a_supervisor_records_a_fine_and_the_enterprise_lists_it(conn, signed_in):
    ent = ent_id(conn, WORKS)
    supervisor = signed_in("supervisor")
    answer = _send(supervisor, ent, on_date="2025-03-12", amount_fine="2.35", note="泉城管罚〔2025〕7号")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/enterprises/{ent}/enforcement")
    row = conn.execute("SELECT kind, on_date, amount, note, recorded_by FROM enforcement_actions ORDER BY id DESC"
                       ).fetchone()
    assert tuple(row) == ("fine", "2025-03-12", 2.35, "泉城管罚〔2025〕7号", uid(conn, "supervisor"))
    page = signed_in("manager2").get(f"/enterprises/{ent}/enforcement").get_data(as_text=True)
    assert "2025-03-12 · 罚款 · 2.35 万元" in page and "泉城管罚〔2025〕7号" in page
    assert "记录一次措施" not in page  # the enterprise reads its record, never writes it
    logged = conn.execute("SELECT action, detail FROM audit_log ORDER BY id DESC").fetchone()
    assert logged[0] == "enforcement" and "罚款" in logged[1]


def test_a_judicial_transfer_counts_persons_and_an_interview_takes_no_amount(conn, signed_in):
    ent = ent_id(conn, GAS)
    admin = signed_in("admin")
    assert _send(admin, ent, kind="judicial", amount_fine=None, amount_judicial="2").status_code == 302
    assert _send(admin, ent, kind="interview", amount_fine="").status_code == 302
    kinds_amounts = [tuple(r) for r in conn.execute(
        "SELECT kind, amount FROM enforcement_actions WHERE enterprise_id = ? ORDER BY id", (ent,))]
    assert kinds_amounts[-2:] == [("judicial", 2.0), ("interview", None)]


@pytest.mark.parametrize("fields, field, said", [
    ({"kind": None}, "kind", "请选择措施种类"),
    ({"kind": "warning"}, "kind", "请选择措施种类"),
    ({"on_date": ""}, "on_date", "请填写日期"),
    ({"on_date": "2025-13-01"}, "on_date", "日期格式不正确"),
    ({"on_date": "2999-01-01"}, "on_date", "日期不能晚于今天"),
    ({"amount_fine": ""}, "amount_fine", "请填写罚款金额（万元）"),
    ({"amount_fine": "一万"}, "amount_fine", "罚款金额（万元）应为数字"),
    ({"amount_fine": "-3"}, "amount_fine", "罚款金额（万元）应大于 0"),
    ({"amount_fine": "0"}, "amount_fine", "罚款金额（万元）应大于 0"),
    ({"amount_fine": "NaN"}, "amount_fine", "罚款金额（万元）应大于 0"),
    ({"amount_fine": "1.23456"}, "amount_fine", "最多 4 位小数"),
    ({"amount_fine": "9999999"}, "amount_fine", "过大"),
    ({"kind": "judicial", "amount_fine": None, "amount_judicial": "1.5"}, "amount_judicial", "移送人数（人）应为整数"),
    ({"kind": "interview"}, "amount_fine", "罚款金额只在选“罚款”时填写"),
    ({"note": "案" * 501}, "note", "说明不超过 500 个字"),
])
def test_a_broken_action_is_refused_beside_its_field_and_changes_nothing(conn, signed_in, fields, field, said):
    before = _actions(conn)
    answer = _send(signed_in("supervisor"), ent_id(conn, GAS), **fields)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert said in html and f'id="reasons-{field}"' in html
    assert _actions(conn) == before


def test_only_supervisors_record(conn, signed_in):
    ent = ent_id(conn, GAS)
    call_off_draws(conn)  # the demo's 双随机 draw sends each grid worker to the other grid
    before = _actions(conn)
    for who in ("grid1", "manager1"):
        assert _send(signed_in(who), ent).status_code == 403
    assert _send(signed_in("grid2"), ent).status_code == 404
    assert _actions(conn) == before


def _act(conn, name, kind, on_date, amount=None):
    with conn.atomic():
        cleaned = {"kind": kind, "name": kind, "on_date": date.fromisoformat(on_date), "amount": amount, "note": ""}
        enforcement.record(conn, ent_id(conn, name), cleaned, uid(conn, "supervisor"))


def _month_of_actions(conn):
    """A hand-built March 2025, with actions on both sides of its edges."""
    for name, kind, on_date, amount in (
            (GAS, "fine", "2025-03-01", 1.5), (GAS, "fine", "2025-03-31", 0.25), (WORKS, "fine", "2025-03-15", 3.0),
            (WORKS, "judicial", "2025-03-20", 2), (GAS, "judicial", "2025-03-21", 1),
            (WORKS, "interview", "2025-03-02", None), (WORKS, "interview", "2025-03-09", None),
            (GAS, "fine", "2025-02-28", 9.0), (GAS, "fine", "2025-04-01", 9.0), (WORKS, "close", "2025-04-01", None)):
        _act(conn, name, kind, on_date, amount)


def test_counts_per_kind_for_a_month(conn):
    _month_of_actions(conn)
    found = enforcement.counts(conn, "1", [], date(2025, 3, 1), date(2025, 4, 1))
    assert found["fine"] == (3, 2, 4.75)
    assert found["judicial"] == (2, 2, 3.0)  # 移送司法机关 is counted in persons: the amounts' sum
    assert found["interview"] == (2, 1, 0.0)
    assert found["close"] == (0, 0, 0.0) and set(found) == set(enforcement.kinds(conn))
    assert enforcement.counts(conn, "1", [], "2025-04-01", "2025-05-01")["close"] == (1, 1, 0.0)


def test_counts_keep_to_the_scope(conn):
    _month_of_actions(conn)
    town1 = dict(conn.execute("SELECT * FROM users WHERE username = 'town1'").fetchone())
    where, params = scope.enterprise_where(town1)
    found = enforcement.counts(conn, where, params, date(2025, 3, 1), date(2025, 4, 1))
    assert found["fine"] == (2, 1, 1.75) and found["interview"] == (0, 0, 0.0) and found["judicial"] == (1, 1, 1.0)


def test_the_counts_read_the_date_index(conn):
    statements = []
    conn.conn.set_trace_callback(statements.append)
    try:
        enforcement.counts(conn, "g.township = ?", ["东海街道"], date(2025, 3, 1), date(2025, 4, 1))
        enforcement.listed(conn, "g.township = ?", ["东海街道"], date(2025, 3, 1), date(2025, 4, 1), kind="fine")
    finally:
        conn.conn.set_trace_callback(None)
    selects = [s for s in statements if "enforcement_actions" in s]
    assert selects and all(db.full_scans(conn, s) == [] for s in selects)


def test_the_months_list_shows_the_actions_behind_each_count(conn, signed_in):
    _month_of_actions(conn)
    supervisor = signed_in("supervisor")
    page = supervisor.get("/enforcement?month=2025-03&kind=fine").get_data(as_text=True)
    assert page.count("· 罚款 ·") == 3 and "2025-02-28" not in page and "2025-04-01" not in page
    assert "4.75 万元" in page  # the month's fines in the table of counts
    town = signed_in("town1").get("/enforcement?month=2025-03").get_data(as_text=True)
    assert WORKS not in town and GAS in town
    refused = supervisor.get("/enforcement?month=2025-3x")
    assert refused.status_code == 422 and "月份格式不正确" in refused.get_data(as_text=True)
    assert signed_in("grid1").get("/enforcement").status_code == 403


def test_a_resent_action_is_saved_once(conn, signed_in):
    supervisor, same = signed_in("supervisor"), key()
    before = len(_actions(conn))
    assert _send(supervisor, ent_id(conn, GAS), idempotency_key=same).status_code == 302
    assert _send(supervisor, ent_id(conn, GAS), idempotency_key=same).status_code == 302
    assert len(_actions(conn)) == before + 1
