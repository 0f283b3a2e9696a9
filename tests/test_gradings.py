"""The government's 达标 grading and 星级评定: each record is kept as history and the newest by date sets the
enterprise's standard_status, standard_grade and star_rating (the file and the overview read them); the rules of each
(a level for 国标/省标 only, 二星 公示, 三星 授牌, a reason to revoke) refuse in Chinese and change nothing; and the
seed 003 ledgers (达标 / 未达标 / 新增) list only the enterprises in the reader's scope, on screen and as xlsx, without
a scan."""

import io
import re

import pytest
from openpyxl import load_workbook

from anbiao import db, gradings, overview

from .loop_helpers import ent_id, post

GAS, WORKS = "泉州市安泰燃气有限公司", "晋江市恒力机械制造有限公司"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def columns(conn, enterprise_id) -> tuple:
    return tuple(conn.execute("SELECT standard_status, standard_grade, star_rating FROM enterprises WHERE id = ?",
                              (enterprise_id,)).fetchone())


def counts(conn) -> dict:
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("gradings", "audit_log")}


def test_a_grading_updates_the_enterprise_file_and_overview_and_keeps_the_history(conn, signed_in):
    supervisor = signed_in("supervisor")
    works = ent_id(conn, WORKS)
    assert columns(conn, works) == ("self_assessed", None, 1)
    response = post(supervisor, f"/enterprises/{works}/gradings/grade",
                    {"standard_status": "provincial", "standard_grade": "2", "on_date": "2024-09-01",
                     "note": "闽应急〔2024〕公告"})
    assert response.status_code == 302
    assert columns(conn, works) == ("provincial", 2, 1)
    assert conn.execute("SELECT standard_status FROM enterprise_overview WHERE id = ?", (works,)).fetchone()[0] == \
        "provincial"
    assert post(supervisor, f"/enterprises/{works}/gradings/grade",
                {"standard_status": "provincial", "standard_grade": "1", "on_date": "2024-11-01"}).status_code == 302
    assert columns(conn, works) == ("provincial", 1, 1)
    history = gradings.history(conn, works)
    assert [(g["on_date"], g["label"]) for g in history] == [("2024-11-01", "省标一级"), ("2024-09-01", "省标二级")]
    page = text(signed_in("manager2").get(f"/enterprises/{works}"))
    assert "省标一级" in page
    assert "2024-09-01 · 达标评定：省标二级" in text(signed_in("manager2").get(f"/enterprises/{works}/gradings"))


def test_a_record_dated_before_the_current_one_is_history_only(conn, signed_in):
    supervisor = signed_in("supervisor")
    gas = ent_id(conn, GAS)  # the demo: 国标三级 of 2023-12-15, 二星 of 2024-06-20
    assert columns(conn, gas) == ("national", 3, 2)
    assert post(supervisor, f"/enterprises/{gas}/gradings/grade",
                {"standard_status": "local", "on_date": "2022-05-01", "note": "补录：2022 年地标达标"}
                ).status_code == 302
    assert columns(conn, gas) == ("national", 3, 2)
    assert [g["label"] for g in gradings.history(conn, gas) if g["kind"] == "grade"] == ["国标三级", "地标"]


def test_star_ratings_keep_their_publicity_and_plaque_dates(conn, signed_in):
    supervisor = signed_in("supervisor")
    works = ent_id(conn, WORKS)
    assert post(supervisor, f"/enterprises/{works}/gradings/star",
                {"star_rating": "3", "on_date": "2024-10-10", "plaque_on": "2024-10-20"}).status_code == 302
    assert columns(conn, works)[2] == 3
    assert gradings.history(conn, works)[0]["label"] == "三星（授牌 2024-10-20）"
    assert post(supervisor, f"/enterprises/{works}/gradings/star",
                {"star_rating": "0", "on_date": "2024-11-10", "note": "复核发现假创建，不予评定"}).status_code == 302
    assert columns(conn, works)[2] == 0
    assert len([g for g in gradings.history(conn, works) if g["kind"] == "star"]) == 2


@pytest.mark.parametrize("kind, data, said", [
    ("grade", {}, "请选择达标类型"),
    ("grade", {"standard_status": "national", "on_date": "2024-01-01"}, "国标、省标达标须选择达标等级"),
    ("grade", {"standard_status": "local", "standard_grade": "2", "on_date": "2024-01-01"},
     "只有国标、省标达标才分等级"),
    ("grade", {"standard_status": "provincial", "standard_grade": "1"}, "请填写评定日期"),
    ("grade", {"standard_status": "provincial", "standard_grade": "1", "on_date": "2999-01-01"},
     "评定日期不能晚于今天"),
    ("grade", {"standard_status": "none", "on_date": "2024-01-01"}, "撤销达标（改为未创建），请写明原因"),
    ("star", {}, "请选择星级"),
    ("star", {"star_rating": "2", "on_date": "2024-01-01"}, "请填写公示日期"),
    ("star", {"star_rating": "3", "on_date": "2024-01-01"}, "请填写授牌日期"),
    ("star", {"star_rating": "0", "on_date": "2024-01-01"}, "不予评定星级，请写明原因"),
    ("star", {"star_rating": "1", "on_date": "2024/01/01"}, "评定日期应为日期"),
])
def test_a_wrong_grading_is_refused_in_chinese_and_changes_nothing(conn, signed_in, kind, data, said):
    works = ent_id(conn, WORKS)
    before, file = counts(conn), columns(conn, works)
    response = post(signed_in("supervisor"), f"/enterprises/{works}/gradings/{kind}", data)
    assert response.status_code == 422 and said in text(response)
    assert counts(conn) == before and columns(conn, works) == file


def test_only_government_grades_and_only_in_scope(conn, signed_in):
    works, gas = ent_id(conn, WORKS), ent_id(conn, GAS)
    data = {"star_rating": "1", "on_date": "2024-01-01"}
    assert post(signed_in("manager2"), f"/enterprises/{works}/gradings/star", data).status_code == 403
    assert post(signed_in("grid2"), f"/enterprises/{works}/gradings/star", data).status_code == 403
    assert post(signed_in("town1"), f"/enterprises/{works}/gradings/star", data).status_code == 404
    assert post(signed_in("town1"), f"/enterprises/{gas}/gradings/star",
                {**data, "star_rating": "3", "plaque_on": "2024-01-02"}).status_code == 302


# ---- the ledgers ----

def ledger_names(client, kind, **args) -> list[str]:
    query = "&".join(f"{k}={v}" for k, v in {"kind": kind, **args}.items())
    response = client.get(f"/ledgers?{query}")
    assert response.status_code == 200
    return re.findall(r'<a class="row" href="/enterprises/\d+/gradings">\s*<strong>([^<]+)</strong>',
                      response.get_data(as_text=True))


def test_the_ledgers_sort_enterprises_into_graded_ungraded_and_new(conn, signed_in):
    supervisor = signed_in("supervisor")
    assert ledger_names(supervisor, "graded") == [GAS]
    assert ledger_names(supervisor, "ungraded") == [WORKS]
    assert ledger_names(supervisor, "new") == [GAS, WORKS]  # the demo enrolled both today
    assert ledger_names(supervisor, "new", **{"from": "2020-01-01", "to": "2020-12-31"}) == []
    page = text(supervisor.get("/ledgers?kind=graded"))
    assert "达标企业 1 家" in page and "未达标企业 1 家" in page and "新增企业 2 家" in page
    # A grading moves an enterprise between the ledgers and their counts.
    works = ent_id(conn, WORKS)
    assert post(supervisor, f"/enterprises/{works}/gradings/grade",
                {"standard_status": "local", "on_date": "2024-08-08"}).status_code == 302
    assert ledger_names(supervisor, "graded") == [GAS, WORKS] and ledger_names(supervisor, "ungraded") == []
    assert "达标企业 2 家" in text(supervisor.get("/ledgers"))


def test_a_towns_office_sees_only_its_towns_enterprises_in_the_ledgers_and_their_export(conn, signed_in):
    town = signed_in("town1")
    assert ledger_names(town, "graded") == [GAS]
    assert ledger_names(town, "ungraded") == [] and ledger_names(town, "new") == [GAS]
    assert "未达标企业 0 家" in text(town.get("/ledgers"))
    book = load_workbook(io.BytesIO(town.get("/ledgers.xlsx?kind=new").data))
    cells = [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]
    assert cells[0] == ["新增企业基础台账"] and cells[2][:3] == ["序号", "企业名称", "统一社会信用代码"]
    assert [row[1] for row in cells[3:-1]] == [GAS] and cells[-1] == ["共 1 家"]
    assert book.active.page_setup.orientation == "landscape"


def test_the_ledger_export_lists_every_enterprise_of_the_ledger_with_its_grading(conn, signed_in):
    response = signed_in("supervisor").get("/ledgers.xlsx?kind=graded")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[3][1] == GAS and rows[3][7] == "国标三级" and rows[3][8] == "2023-12-15" and rows[3][9] == "二星"


def test_ledgers_are_for_supervisors_only(conn, signed_in):
    for account in ("grid1", "manager1", "leader1"):
        assert signed_in(account).get("/ledgers").status_code == 403
        assert signed_in(account).get("/ledgers.xlsx").status_code == 403
    assert signed_in("supervisor").get("/ledgers?kind=other").status_code == 404
    bad = text(signed_in("supervisor").get("/ledgers?kind=new&from=2024-13-01"))
    assert "开始日期格式不正确" in bad


@pytest.mark.parametrize("kind", ["graded", "ungraded", "new"])
def test_a_ledger_page_reads_no_big_table_whole(conn, signed_in, kind):
    client = signed_in("town1")
    overview.refresh(conn)
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        assert client.get(f"/ledgers?kind={kind}").status_code == 200
    finally:
        db.get().conn.set_trace_callback(None)
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, bad
