"""Many risk points at once from an xlsx sheet: all rows or none, every bad row named, a broken file explained in
Chinese, a head confined to their workshop, one audit entry per point and the enterprise's colour rolled up once,
and the template that imports cleanly as downloaded."""

import io
from datetime import datetime
from functools import partial

import pytest
from openpyxl import load_workbook

from anbiao import enterprise_colour, risk_import

from .loop_helpers import ent_id, unit_id
from .sheet_cases import unusable, workbook
from .test_risk_points import WORKS, counts, text

HEADER = [label + risk_import.HEADER_NOTES.get(label, "") for label in risk_import.COLUMNS]


def row(unit="储配站/充装班", name="钢瓶装卸", method="LEC", values=(3, 6, 7, None), **cells) -> list:
    """A sheet row that imports: LEC D = 3 × 6 × 7 = 126, yellow, unless told otherwise."""
    found = {"unit": unit, "name": name, "place": "装卸平台", "activity": "钢瓶装卸", "factor_person": "野蛮装卸",
             "factor_thing": "", "factor_environment": "", "factor_management": "", "accident_types": "物体打击、火灾",
             "consequences": "人员受伤", "method": method, "value_L": values[0], "value_E": values[1],
             "value_C": values[2], "value_S": values[3], "measures_engineering": "装卸平台设防撞胶垫",
             "measures_management": "轻装轻卸；每班检查钢瓶护帽", "measures_training": "",
             "measures_ppe": "戴防砸手套\n穿防静电鞋", "measures_emergency": "", "responsible": "",
             "review_on": "2027-06-30", **cells}
    return [found[key] for key in risk_import.COLUMNS.values()]


sheet = partial(workbook, header=HEADER)


def upload(person, conn, data, name="风险点.xlsx", ent=None):
    return person.post(f"/enterprises/{ent or ent_id(conn)}/risk-points/import", {"sheet": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_good_sheet_creates_every_point_with_one_audit_entry_each_and_rolls_the_colour_up_once(signed_in, conn):
    works = ent_id(conn, WORKS)
    conn.execute("UPDATE hazards SET status = 'closed' WHERE enterprise_id = ? AND level = 'major'", (works,))
    with conn.atomic():
        assert enterprise_colour.refresh(conn, works) == "yellow"
    before = counts(conn)
    # Orange, then red: a roll-up after each row would change the colour twice.
    rows = [row("机加工车间/车床班", "车床加工", values=(6, 6, 7, None), responsible="head2"),
            row("冲压班", "冲床换模", "LS", (5, None, None, 5), review_on=datetime(2027, 5, 1)),
            row("装配车间 ／ 焊接班", "焊接烟尘", "ls", (3, None, None, 2), review_on="2027年6月1日",
                responsible="外聘顾问")]
    manager = signed_in("manager2")
    response = upload(manager, conn, sheet(*rows), ent=works)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/enterprises/{works}/risk-points")
    after = counts(conn)
    assert after[0] == before[0] + 3 and after[1] == before[1] + 3 and after[4] == before[4] + 3
    assert after[3] == before[3] + 1  # one change, yellow to red: rolled up once at the end
    made = {r["name"]: dict(r) for r in conn.execute("SELECT * FROM risk_points ORDER BY id DESC LIMIT 3")}
    lathe, press, weld = made["车床加工"], made["冲床换模"], made["焊接烟尘"]
    assert (lathe["unit_id"], lathe["score"], lathe["colour"]) == (unit_id(conn, "车床班"), 252, "orange")
    assert lathe["responsible_user_id"] == conn.execute("SELECT id FROM users WHERE username = 'head2'").fetchone()[0]
    assert (press["unit_id"], press["method"], press["score"], press["colour"]) == (unit_id(conn, "冲压班"), "ls", 25,
                                                                                    "red")
    assert press["review_on"] == "2027-05-01" and weld["review_on"] == "2027-06-01"
    assert (weld["unit_id"], weld["colour"], weld["responsible_name"]) == (unit_id(conn, "焊接班"), "blue", "外聘顾问")
    measures = [r[0] for r in conn.execute("SELECT content FROM risk_measures WHERE point_id = ? ORDER BY position",
                                           (lathe["id"],))]
    assert measures == ["装卸平台设防撞胶垫", "轻装轻卸", "每班检查钢瓶护帽", "戴防砸手套", "穿防静电鞋"]
    assert conn.execute("SELECT colour FROM enterprises WHERE id = ?", (works,)).fetchone()[0] == "red"
    assert "已导入 3 个风险点" in text(manager.get(response.headers["Location"]))


def test_one_bad_row_among_good_ones_saves_nothing_and_every_bad_row_is_named(signed_in, conn):
    before = counts(conn)
    rows = [row(), row("不存在的车间"), row(method="HAZOP"), row(values=(7, 6, 7, None)),
            row(method="LS", values=(3, None, None, 9)), row(values=(3, 6, 7, 2)), row(name=""),
            row(factor_person=""), row(measures_engineering="", measures_management="", measures_ppe=""),
            row(review_on="下个月"), row(values=(None, 6, 7, None)), row("储配站/充装班", "最后一行好的")]
    response = upload(signed_in("manager1"), conn, sheet(*rows))
    page = text(response)
    assert response.status_code == 422 and "未导入任何风险点" in page
    assert "第 3 行：找不到“不存在的车间”" in page
    assert "第 4 行：评价方法“HAZOP”不对，应为 LEC、LS" in page
    assert "第 5 行：L 的分值“7”不在 LEC 法的表中" in page
    assert "第 6 行：S 的分值“9”不在 LS 法的表中，可填：5、4、3、2、1" in page
    assert "第 7 行：评价方法为 LEC 时 S 列应留空" in page
    assert "第 8 行：请填写风险点名称" in page
    assert "第 9 行：请至少从人、物、环境、管理中的一个方面写明危险有害因素" in page
    assert "第 10 行：请至少填写一条管控措施" in page
    assert "第 11 行：复评日期应为 年-月-日" in page
    assert "第 12 行：请填写 L 的分值" in page
    for good in (2, 13):
        assert f"第 {good} 行" not in page
    assert counts(conn) == before


@pytest.mark.parametrize("name, make, said", [
    *unusable("风险点", risk_import.MAX_ROWS, sheet, lambda n: row(name=f"风险点{n}"), [*HEADER, "风险颜色"]),
    pytest.param("风险点.xlsx", lambda: sheet(row(), header=[h for h in HEADER if not h.startswith("评价方法")]),
                 "缺少必填列：评价方法", id="missing-column"),
])
def test_a_file_that_is_not_a_usable_sheet_gets_a_chinese_message_and_saves_nothing(signed_in, conn, name, make,
                                                                                   said):
    before = counts(conn)
    response = upload(signed_in("manager1"), conn, make(), name)
    assert response.status_code == 422 and said in text(response)
    assert counts(conn) == before


def test_no_file_chosen_is_asked_for(signed_in, conn):
    response = signed_in("manager1").post(f"/enterprises/{ent_id(conn)}/risk-points/import", {})
    assert response.status_code == 422 and "请选择要导入的 xlsx 文件" in text(response)


def test_a_workshop_head_imports_only_rows_within_their_workshop(signed_in, conn):
    head = signed_in("head1")
    before = counts(conn)
    response = upload(head, conn, sheet(row("储配站"), row("管网运行部/巡线班"), row("没有这个车间")))
    page = text(response)
    assert response.status_code == 422
    assert "第 3 行：“管网运行部/巡线班”不是你管理的车间或岗位" in page
    assert "第 4 行：“没有这个车间”不是你管理的车间或岗位" in page  # the same words whether it exists or not
    assert "第 2 行" not in page and counts(conn) == before
    assert upload(head, conn, sheet(row("储配站"), row("运行班", "运行班巡检"))).status_code == 302
    assert counts(conn)[0] == before[0] + 2


@pytest.mark.parametrize("who", ["manager1", "head1", "manager2"])
def test_the_template_imports_as_downloaded_and_offers_only_the_persons_units(signed_in, conn, who):
    person = signed_in(who)
    ent = ent_id(conn, WORKS if who == "manager2" else "泉州市安泰燃气有限公司")
    response = person.get(f"/enterprises/{ent}/risk-points/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["风险点", "说明"] and book["选项"].sheet_state == "hidden"
    header = [cell.value for cell in book["风险点"][1]]
    assert header[0] == "*车间/岗位" and "*评价方法(LEC/LS)" in header and header[-2:] == ["责任人", "复评日期"]
    rules = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in book["风险点"].data_validations.dataValidation}
    method_column = chr(ord("A") + list(risk_import.COLUMNS).index("评价方法"))
    assert rules[method_column] == '"LEC,LS"'
    units = [c.value for c in book["选项"]["A"] if c.value]
    expected = {"manager1": ["储配站", "储配站/充装班", "储配站/运行班", "管网运行部", "管网运行部/巡线班",
                             "管网运行部/抢修班"],
                "head1": ["储配站", "储配站/充装班", "储配站/运行班"]}
    if who in expected:
        assert units == expected[who]
    notes = "\n".join(str(c.value) for r in book["说明"].iter_rows() for c in r if c.value)
    assert "6 相当可能" in notes and "D ≥ 320 红色 重大风险" in notes and "R ≥ 20 红色 重大风险" in notes
    assert "D < 70 蓝色 低风险" in notes and "R < 9 蓝色 低风险" in notes
    before = counts(conn)
    assert upload(person, conn, response.data, ent=ent).status_code == 302
    assert counts(conn)[0] == before[0] + 1
    made = conn.execute("SELECT * FROM risk_points ORDER BY id DESC").fetchone()
    assert (made["name"], made["score"], made["colour"]) == ("叉车装卸作业", 126, "yellow")
