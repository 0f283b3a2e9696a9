"""Many signs at once from an xlsx sheet: all rows or none, every bad row named, a broken file explained in Chinese,
a head confined to their workshop, and the template that imports cleanly as downloaded."""

import io
import json
from functools import partial

import pytest
from openpyxl import load_workbook

from anbiao import sign_import

from .loop_helpers import ent_id, unit_id
from .sheet_cases import unusable, workbook
from .test_sign_forms import RISK, audit_of, counts, text

HEADER = list(sign_import.COLUMNS)
sheet = partial(workbook, header=HEADER)


def upload(person, conn, data, name="标识.xlsx", ent=None):
    return person.post(f"/enterprises/{ent or ent_id(conn)}/signs/import", {"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


GOOD = [
    ["", "安全风险公告栏", "", "东门安全风险公告栏", "公司东门"],
    ["储配站", "地上有标线", "警告", "储罐区黄黑警示线", "储罐区四周"],
    ["储配站/充装班", "岗位安全风险告知卡", "", "充装岗位告知卡（导入）", "充装台", "", "",
     *RISK.values()],
    ["储配站／运行班", "重要阀门或开关有挂牌", "禁止标志", "2号储罐进液阀", "", "2号储罐", "常闭"],
]


def test_a_good_sheet_creates_every_sign_with_one_audit_entry_each(signed_in, conn):
    before = counts(conn)
    response = upload(signed_in("manager1"), conn, sheet(*GOOD))
    assert response.status_code == 302
    assert counts(conn) == (before[0] + 4, before[1] + 4, before[2] + 4)
    made = {r["title"]: dict(r) for r in conn.execute("SELECT * FROM signs ORDER BY id DESC LIMIT 4")}
    assert made["东门安全风险公告栏"]["unit_id"] is None
    assert made["储罐区黄黑警示线"]["sign_class"] == "warning"
    assert json.loads(made["充装岗位告知卡（导入）"]["risk"]) == RISK
    valve = made["2号储罐进液阀"]
    assert valve["unit_id"] == unit_id(conn, "运行班") and valve["sign_class"] == "prohibition"
    assert all(audit_of(conn, sign["id"]) == ["create"] for sign in made.values())


def test_one_bad_row_among_good_ones_saves_nothing_and_every_bad_row_is_named(signed_in, conn):
    before = counts(conn)
    rows = [GOOD[0], ["储配站", "岗位安全风险告知卡", "", "放错的告知卡"], GOOD[1],
            ["不存在的车间", "地上有标线", "", "标线"], ["储配站/充装班", "设备有铭牌", "警告", "充装泵铭牌"],
            ["储配站/充装班", "彩虹标识", "", "不知是什么"], ["储配站/充装班", "岗位有警示", "紫色", ""], GOOD[2]]
    response = upload(signed_in("manager1"), conn, sheet(*rows))
    page = text(response)
    assert response.status_code == 422 and "未导入任何标识" in page
    assert "第 3 行：岗位安全风险告知卡只能设在岗位" in page
    assert "第 5 行：找不到“不存在的车间”" in page
    assert "第 6 行：这种标识不分禁止、警告、指令、提示" in page
    assert "第 7 行：种类“彩虹标识”不对" in page
    assert "第 8 行：类别“紫色”不对" in page
    for good in (2, 4, 9):
        assert f"第 {good} 行" not in page
    assert counts(conn) == before


@pytest.mark.parametrize("name, make, said", unusable(
    "标识", sign_import.MAX_ROWS, sheet, lambda n: ["", "安全风险公告栏", "", f"公告栏{n}"], [*HEADER[:4], "颜色"]))
def test_a_file_that_is_not_a_usable_sheet_gets_a_chinese_message_and_saves_nothing(signed_in, conn, name, make,
                                                                                   said):
    before = counts(conn)
    response = upload(signed_in("manager1"), conn, make(), name)
    assert response.status_code == 422 and said in text(response)
    assert counts(conn) == before


def test_no_file_chosen_is_asked_for(signed_in, conn):
    response = signed_in("manager1").post(f"/enterprises/{ent_id(conn)}/signs/import", {})
    assert response.status_code == 422 and "请选择要导入的 xlsx 文件" in text(response)


def test_a_workshop_head_imports_only_rows_within_their_workshop(signed_in, conn):
    head = signed_in("head1")
    before = counts(conn)
    response = upload(head, conn, sheet(GOOD[1], ["管网运行部", "地上有标线", "", "管网标线"], GOOD[0],
                                        ["没有这个车间", "地上有标线", "", "标线"]))
    page = text(response)
    assert response.status_code == 422
    assert "第 3 行：“管网运行部”不是你管理的车间或岗位" in page
    assert "第 4 行：只能登记你管理的车间或岗位的标识" in page
    assert "第 5 行：“没有这个车间”不是你管理的车间或岗位" in page  # the same words whether it exists or not
    assert "第 2 行" not in page and counts(conn) == before
    assert upload(head, conn, sheet(GOOD[1], GOOD[2])).status_code == 302
    assert counts(conn)[0] == before[0] + 2


@pytest.mark.parametrize("who", ["manager1", "head1", "manager2"])
def test_the_template_opens_in_openpyxl_and_imports_cleanly_as_downloaded(signed_in, conn, who):
    person = signed_in(who)
    ent = ent_id(conn, "晋江市恒力机械制造有限公司" if who == "manager2" else "泉州市安泰燃气有限公司")
    response = person.get(f"/enterprises/{ent}/signs/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["标识", "说明"]
    header = [cell.value for cell in book["标识"][1]]
    assert [h.lstrip("*") for h in header] == HEADER and header[1] == "*种类"
    notes = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "岗位安全风险告知卡" in notes and "禁止" in notes
    before = counts(conn)
    imported = upload(person, conn, response.get_data(), "标识导入模板.xlsx", ent)
    assert imported.status_code == 302, text(imported)
    assert counts(conn)[0] == before[0] + 1
