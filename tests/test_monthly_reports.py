"""The monthly report forms 附件3 and 附件4: from a hand-built county with known counts every cell holds its number,
each number lists the records behind it, a submitted report stays as it was, and a town sees only its town."""

import io
import re
import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from anbiao import monthly_report_xlsx, monthly_reports

MONTH = "2024-05"
COUNTY, TOWN_A, TOWN_B = "测试县", "甲镇", "乙镇"
IN_MONTH, BEFORE, AFTER = "2024-05-10T02:00:00+00:00", "2024-04-20T02:00:00+00:00", "2024-06-05T02:00:00+00:00"
LAST_EVENING = "2024-05-31T15:30:00+00:00"  # 23:30 on 31 May in Quanzhou: still May
FIRST_NIGHT = "2024-05-31T16:30:00+00:00"  # 00:30 on 1 June in Quanzhou: already June
SIX = monthly_reports.SIX_SIGNS
# name: (town, size class, standard status, grade, benchmark, showcase, colour — set by a supervisor, so the rule's
# roll-up on the next page keeps it)
ENTERPRISES = {
    "甲一": (TOWN_A, "above_scale", "national", 1, "city", 1, "red"),
    "甲二": (TOWN_A, "above_scale", "provincial", 2, "county", 0, "orange"),
    "甲三": (TOWN_A, "medium", "national", 3, "township", 1, "yellow"),
    "乙一": (TOWN_B, "medium", "local", None, "none", 0, "blue"),
    "乙二": (TOWN_B, "small_micro", "local", None, "county", 0, "blue"),
    "乙三": (TOWN_B, "small_micro", "self_assessed", None, "none", 0, "red"),
    "乙四": (TOWN_B, "small_micro", "none", None, "none", 0, "yellow"),
    "甲四": (TOWN_A, "medium", "self_assessed", None, "none", 0, "orange"),
}


def _insert(conn, table, **values):
    columns = ", ".join(values)
    return conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})",
                        list(values.values())).lastrowid


def build(conn) -> dict:
    """A county of two towns with eight enterprises and a month of records whose every count is known."""
    grids = {town: _insert(conn, "grids", name=f"{town}第一网格", county=COUNTY, township=town)
             for town in (TOWN_A, TOWN_B)}
    ids = {}
    for n, (name, (town, size, status, grade, bench, showcase, colour)) in enumerate(ENTERPRISES.items()):
        ids[name] = _insert(conn, "enterprises", name=f"测试县{name}公司", credit_code=f"TEST{n:014d}",
                            industry="工贸", size_class=size, grid_id=grids[town], standard_status=status,
                            standard_grade=grade, benchmark_level=bench, showcase=showcase, colour=colour,
                            colour_override=colour, created_at=BEFORE, updated_at=BEFORE)
    hashed = conn.execute("SELECT password_hash FROM users WHERE username = 'supervisor'").fetchone()[0]
    people = {}
    for username, role, extra in (
            ("county_sup", "supervisor", {"scope_county": COUNTY}),
            ("town_a_sup", "supervisor", {"scope_county": COUNTY, "scope_township": TOWN_A}),
            ("grid_a", "grid_worker", {"grid_id": grids[TOWN_A]}),
            ("boss_a", "manager", {"enterprise_id": ids["甲一"]})):
        people[username] = _insert(conn, "users", username=username, password_hash=hashed, name=username, role=role,
                                   created_at=BEFORE, session_token=f"token-{username}", **extra)
    units = {name: _insert(conn, "units", enterprise_id=e, kind="workshop", name="一车间", created_at=BEFORE)
             for name, e in ids.items()}

    def checklist(name, tier, kind="check", archived=None):
        return _insert(conn, "checklists", enterprise_id=ids[name], unit_id=None if tier in ("enterprise", "grid")
                       else units[name], tier=tier, title=f"{name}{tier}", frequency="monthly", kind=kind,
                       created_at=BEFORE, archived_at=archived)

    # 三张清单: 甲一 all three tiers; 甲二 no post cards; 甲三's post card archived.
    for tier in ("enterprise", "workshop", "post"):
        checklist("甲一", tier)
        checklist("甲三", tier, archived=IN_MONTH if tier == "post" else None)
    checklist("甲二", "enterprise")
    checklist("甲二", "workshop")
    # 5S: 甲一 keeps a 5S 考评; 乙一's was stopped.
    checklist("甲一", "post", kind="five_s")
    checklist("乙一", "post", kind="five_s", archived=IN_MONTH)
    # 六有: 甲一 has all six kinds; 甲二 five; 甲三 six but one retired.
    for name, kinds, retired in (("甲一", SIX, None), ("甲二", SIX[:5], None), ("甲三", SIX, SIX[0])):
        for kind in kinds:
            _insert(conn, "signs", enterprise_id=ids[name], kind=kind, title=kind, created_at=BEFORE,
                    updated_at=BEFORE, retired_at=IN_MONTH if kind == retired else None)
    # 风险点 in force: 甲一 2 red + 1 orange, 甲三 1 yellow (+1 blue retired), 乙一 1 blue.
    for name, colour, retired in (("甲一", "red", None), ("甲一", "red", None), ("甲一", "orange", None),
                                  ("甲三", "yellow", None), ("甲三", "blue", IN_MONTH), ("乙一", "blue", None)):
        _insert(conn, "risk_points", enterprise_id=ids[name], unit_id=units[name], name=f"{name}{colour}",
                method="lec", score=1, colour=colour, level_name=colour, assessed_at=BEFORE, created_at=BEFORE,
                updated_at=BEFORE, retired_at=retired)

    def hazard(name, by, reported, closed=None, level="general"):
        return _insert(conn, "hazards", enterprise_id=ids[name], source="inspection", description=f"{name}隐患",
                       category="物的不安全状态", level=level, status="closed" if closed else "reported",
                       reported_by=by, reported_at=reported, closed_at=closed)

    boss, grid, sup = people["boss_a"], people["grid_a"], people["county_sup"]
    hazard("甲一", boss, IN_MONTH, IN_MONTH)  # self: found and fixed
    hazard("甲一", boss, IN_MONTH)  # self: found
    hazard("甲二", boss, BEFORE, IN_MONTH)  # self: fixed
    hazard("甲一", boss, LAST_EVENING)  # self: found on the month's last evening
    hazard("甲一", boss, FIRST_NIGHT)  # next month, in Quanzhou's time
    hazard("甲三", grid, IN_MONTH, IN_MONTH)  # government: found and fixed
    hazard("乙一", sup, IN_MONTH)  # government: found
    hazard("乙一", boss, AFTER)
    # 检查企业（家次）: government visits in the month, not the enterprise's own nor a correction.
    guides = {name: checklist(name, "grid") for name in ("甲一", "甲三", "乙一")}
    first = None
    for name, by, at in (("甲一", grid, IN_MONTH), ("甲三", grid, IN_MONTH), ("乙一", sup, IN_MONTH),
                         ("甲一", grid, AFTER), ("甲一", boss, IN_MONTH)):
        made = _insert(conn, "inspections", checklist_id=guides[name], enterprise_id=ids[name], inspector_id=by,
                       submitted_at=at)
        first = first or made
    _insert(conn, "inspections", checklist_id=guides["甲一"], enterprise_id=ids["甲一"], inspector_id=grid,
            submitted_at=IN_MONTH, corrects_id=first)
    # 挂牌督办 listed in the month: two of 甲一's major hazards; 甲二's was listed in April.
    for name, listed in (("甲一", "2024-05-03"), ("甲一", "2024-05-31"), ("甲二", "2024-04-28")):
        _insert(conn, "supervisions", hazard_id=hazard(name, sup, BEFORE, level="major"), level="county",
                unit="测试县安委办", listed_on=listed)
    # 执法激励约束 recorded in the month (and one fine in June, and one outside the county).
    demo_enterprise = conn.execute("SELECT id FROM enterprises ORDER BY id LIMIT 1").fetchone()[0]
    for enterprise, kind, on_date, amount in (
            (ids["甲一"], "fine", "2024-05-02", 0.5), (ids["甲一"], "fine", "2024-05-20", 1.2),
            (ids["甲二"], "fine", "2024-05-31", 0.3), (ids["甲一"], "fine", "2024-06-01", 9.0),
            (demo_enterprise, "fine", "2024-05-15", 7.0), (ids["甲三"], "suspend", "2024-05-15", None),
            (ids["乙一"], "judicial", "2024-05-15", 2), (ids["乙二"], "judicial", "2024-05-16", 1),
            (ids["乙三"], "expose", "2024-05-16", None), (ids["甲一"], "interview", "2024-05-16", None),
            (ids["甲二"], "interview", "2024-05-17", None), (ids["甲四"], "incentive", "2024-05-18", None)):
        _insert(conn, "enforcement_actions", enterprise_id=enterprise, kind=kind, on_date=on_date, amount=amount,
                recorded_at=IN_MONTH)
    conn.conn.commit()
    return {"ids": ids, "people": people}


def _library(tier: str) -> int:
    root = Path(__file__).resolve().parent.parent / "inspect"
    docs = [tomllib.loads(p.read_text("utf-8")) for p in root.rglob("*.toml")]
    return sum(1 for d in docs if d.get("kind") == "checklist" and d.get("tier") == tier)


# Every cell of each form, by figure (the county's whole data set above).
ANNEX3 = {
    "enterprises": 8, "enterprises.above_scale": 2, "enterprises.medium": 3, "enterprises.small_micro": 3,
    "standard.national.1": 1, "standard.national.2": 0, "standard.national.3": 1, "standard.provincial.1": 0,
    "standard.provincial.2": 1, "standard.provincial.3": 0, "standard.local": 2, "standard.self_assessed": 2,
    "benchmark.city.above_scale": 1, "benchmark.city.medium": 0, "benchmark.city.small_micro": 0,
    "benchmark.county.above_scale": 1, "benchmark.county.medium": 0, "benchmark.county.small_micro": 1,
    "benchmark.township.above_scale": 0, "benchmark.township.medium": 1, "benchmark.township.small_micro": 0,
    "showcase.above_scale": 1, "showcase.medium": 1, "showcase.small_micro": 0,
    "three_lists": 1, "hazards.self.found": 3, "hazards.self.fixed": 2,
    "risk_points.enterprises": 3, "risk_points.red": 2, "risk_points.orange": 1, "risk_points.yellow": 1,
    "risk_points.blue": 1, "five_s": 1, "six_signs": 1,
}
ANNEX4 = {
    "library.enterprise": _library("enterprise"), "library.grid": _library("grid"), "enterprises": 8,
    "colour.red": 2, "colour.red.above_scale": 1, "colour.red.medium": 0, "colour.red.small_micro": 1,
    "colour.orange": 2, "colour.orange.above_scale": 1, "colour.orange.medium": 1, "colour.orange.small_micro": 0,
    "colour.yellow": 2, "colour.yellow.above_scale": 0, "colour.yellow.medium": 1, "colour.yellow.small_micro": 1,
    "colour.blue": 2, "colour.blue.above_scale": 0, "colour.blue.medium": 1, "colour.blue.small_micro": 1,
    "inspections.government": 3, "hazards.government.found": 2, "hazards.government.fixed": 1,
    "supervised.enterprises": 1, "supervised.hazards": 2,
    "enforcement.fine.actions": 3, "enforcement.fine.amount": 2.0, "enforcement.suspend.actions": 1,
    "enforcement.licence.actions": 0, "enforcement.close.actions": 0, "enforcement.judicial.amount": 3,
    "enforcement.expose.actions": 1, "enforcement.interview.actions": 2, "enforcement.incentive.actions": 1,
    "enforcement.restraint.actions": 0,
}
GROUPS3 = {  # column groups of 附件3 (the first header row) → the figures under them
    "企业数量（家）": ["enterprises", "enterprises.above_scale", "enterprises.medium", "enterprises.small_micro"],
    "创建提升数量（家）": [f for f in ANNEX3 if f.startswith("standard.")],
    "标杆数量（家）": [f for f in ANNEX3 if f.startswith("benchmark.")],
    "精品数量（家）": [f for f in ANNEX3 if f.startswith("showcase.")],
    "落实“一企一策”数量": ["three_lists", "hazards.self.found", "hazards.self.fixed", "risk_points.enterprises",
                          "risk_points.red", "risk_points.orange", "risk_points.yellow", "risk_points.blue",
                          "five_s", "six_signs"],
}
GROUPS4 = {
    "优化标准规范": ["library.enterprise", "library.grid"],
    "四色安全风险分级动态监管": [f for f in ANNEX4 if f.startswith(("enterprises", "colour", "inspections", "hazards",
                                                                 "supervised"))],
    "执法激励约束": [f for f in ANNEX4 if f.startswith("enforcement.")],
}


@pytest.fixture
def county(conn):
    return build(conn)


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def cells(sheet, lay: dict, unit: str) -> dict:
    """figure → the values the xlsx holds in the cells of that figure, in the rows of 填报单位类型 `unit`."""
    found = {}
    first = next(r for r in range(1, 20) if sheet.cell(r, 1).value == lay["units"][0]["name"])
    top = first + lay["height"] * [u["scope"] for u in lay["units"]].index(unit)
    assert sheet.cell(top, 1).value == next(u["name"] for u in lay["units"] if u["scope"] == unit)
    for n, column in enumerate(lay["columns"], start=2):
        for r, figure in enumerate([column["figure"]] if "figure" in column else column.get("rows", [])):
            cell = sheet.cell(top + r, n)
            if not isinstance(cell, MergedCell):  # the rest of a merged cell: its value is the first cell's
                found.setdefault(figure, set()).add(cell.value)
    return found


def _download(client, form, **more):
    response = client.get("/reports/monthly/draft.xlsx", query_string={"form": form, "month": MONTH, **more})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


@pytest.mark.parametrize("group", GROUPS3)
def test_annex3_each_column_group_holds_the_counts_of_the_data(signed_in, conn, county, group):
    """附件3: every cell of a column group holds the number counted by hand from the data set."""
    sheet = _sheet(_download(signed_in("county_sup"), "annex3"))
    lay = monthly_reports.layout(conn, "annex3")
    got = cells(sheet, lay, "county")
    for figure in GROUPS3[group]:
        assert got[figure] == {ANNEX3[figure]}, figure
    city = range(_row(sheet, "市直单位"), _row(sheet, "市直单位") + lay["height"])
    assert all(cell.value is None for row in sheet.iter_rows(min_row=city[0], max_row=city[-1]) for cell in row
               if cell.column > 1 and not isinstance(cell.value, str))  # the 市直单位 rows stay blank


def _row(sheet, text):
    return next(r for r in range(1, 30) if sheet.cell(r, 1).value == text)


@pytest.mark.parametrize("group", GROUPS4)
def test_annex4_each_column_group_holds_the_counts_of_the_data(signed_in, conn, county, group):
    """附件4: every cell of a column group holds the number counted by hand from the data set."""
    sheet = _sheet(_download(signed_in("county_sup"), "annex4"))
    got = cells(sheet, monthly_reports.layout(conn, "annex4"), "county")
    for figure in GROUPS4[group]:
        assert got[figure] == {ANNEX4[figure]}, figure


@pytest.mark.parametrize("form, expected", [("annex3", ANNEX3), ("annex4", ANNEX4)])
def test_the_expected_figures_cover_every_cell_and_cells_without_data_stay_blank(conn, county, form, expected):
    """The hand counts name every figure of the form; 示范岗位 and the like, which no record knows, are left blank."""
    lay = monthly_reports.layout(conn, form)
    assert set(monthly_reports.figures_of(lay)) == set(expected)
    found = monthly_reports.scope_of({"role": "supervisor", "scope_county": COUNTY})
    assert monthly_reports.compute(conn, found, MONTH, list(expected)) == expected
    blank = [c for c in lay["columns"] if c.get("figure") == "none"]
    assert blank  # 示范岗位, 编制全员安全生产责任制, 提升指南, 达标细则
    sheet = _sheet(monthly_report_xlsx.xlsx(monthly_reports.draft(conn, {"role": "supervisor", "scope_county": COUNTY},
                                                              form, MONTH)))
    assert cells(sheet, lay, "county")["none"] == {None}


def test_annex3_lays_out_the_merged_headers_and_rows_of_the_official_form(signed_in, county):
    """The heading line, the three header rows and each 填报单位类型's three rows merge as on paper."""
    sheet = _sheet(_download(signed_in("county_sup"), "annex3"))
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].value == "附件3"
    assert sheet["A2"].value == "泉州市安全生产标准化提升专项行动巩固提高进展情况月报表（一）"
    heading = [c.value for c in sheet[3] if c.value]
    assert [h.split("：")[0] for h in heading[:3]] == ["填报单位（盖章）", "填表人", "联系电话"]
    assert heading[3].endswith("日")
    assert sheet["A4"].value == "填报单位类型" and "A4:A6" in merged
    assert sheet["B4"].value == "企业数量（家）" and "B4:E4" in merged
    top = [c.value for c in sheet[4] if c.value]
    assert top == ["填报单位类型", "企业数量（家）", "创建提升数量（家）", "标杆数量（家）", "精品数量（家）",
                   "示范岗位（个）", "落实“一企一策”数量"]
    county_row = _row(sheet, "县（市、区）")
    assert f"A{county_row}:A{county_row + 2}" in merged
    assert [sheet.cell(county_row + r, 6).value for r in range(3)] == ["国标", "省标", "地标（达标不分级）"]
    assert f"G{county_row + 2}:I{county_row + 2}" in merged  # 地标 is not graded: one cell over 一级…三级
    assert f"B{county_row}:B{county_row + 2}" in merged  # 总数 once for the three rows
    notes = sheet.cell(county_row + 3, 1).value
    assert notes.startswith("注：1.各填报单位按照各自所属的单位类型进行填报") and "每月3日前上报" in notes
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_annex4_has_the_official_columns(signed_in, county):
    """附件4: 38 columns; 红橙黄蓝 each over 总数/规上/中等/小微, 罚款 over 企业数 and 金额（万元）."""
    sheet = _sheet(_download(signed_in("county_sup"), "annex4"))
    assert sheet.max_column == 38
    assert [c.value for c in sheet[4] if c.value] == ["填报单位类型", "优化标准规范", "四色安全风险分级动态监管",
                                                      "执法激励约束"]
    second = [c.value for c in sheet[5] if c.value]
    assert second[:6] == ["安全生产检查清单（份）", "标准化运行提升指南（份）", "中等企业达标细则（份）",
                          "小微企业达标细则（份）", "网格员安全生产检查导则（份）", "企业总数（家）"]
    assert second[-8:] == ["责令停产停业整顿（家次）", "暂扣或吊销证照企业（家次）", "取缔关闭企业（家次）",
                           "移送司法机关（人次）", "曝光典型案例企业（家次）", "约谈警示企业（家次）",
                           "激励单位（家次）", "约束单位（家次）"]
    third = [c.value for c in sheet[6] if c.value]
    assert third[-4:] == ["企业数（家次）", "隐患数（条）", "企业数（家次）", "金额（万元）"]


@pytest.mark.parametrize("form, figure", [("annex3", "standard.local"), ("annex3", "hazards.self.found"),
                                          ("annex3", "risk_points.red"), ("annex4", "inspections.government"),
                                          ("annex4", "supervised.hazards"), ("annex4", "enforcement.fine.amount"),
                                          ("annex4", "colour.orange")])
def test_every_number_links_to_the_records_that_add_up_to_it(signed_in, county, form, figure):
    """On the page a figure is a link; its page lists one linked record per thing counted (amounts add up)."""
    client = signed_in("county_sup")
    page = client.get("/reports/monthly", query_string={"form": form, "month": MONTH}).get_data(as_text=True)
    expected = (ANNEX3 | ANNEX4)[figure]
    link = re.search(rf'data-figure="{re.escape(figure)}"><a href="([^"]+)">([^<]+)</a>', page)
    assert link and link.group(2) == monthly_reports._number(expected)
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    items = re.findall(r"<li>\s*<a href=\"/(?:enterprises|hazards|inspections|risk-points)/\d+\"", listed)
    if figure.endswith("amount"):
        amounts = [float(a) for a in re.findall(r"· (\d+(?:\.\d+)?)\s*</span>", listed)]
        assert sum(amounts) == pytest.approx(expected) and len(items) == 3
    else:
        assert len(items) == expected


def test_a_submitted_report_is_frozen_and_downloads_the_same_numbers_after_the_data_change(signed_in, conn, county):
    """Submitted: layout, figures and heading are kept; new records change the draft, never the submitted one."""
    client = signed_in("county_sup")
    answer = client.post("/reports/monthly", {"form": "annex4", "month": MONTH, "unit_name": "测试县应急管理局",
                                              "person": "张三", "phone": "0595-22581234"})
    assert answer.status_code == 302
    report_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    before = client.get(f"/reports/monthly/{report_id}/xlsx").data
    row = conn.execute("SELECT * FROM monthly_reports WHERE id = ?", (report_id,)).fetchone()
    assert row["month"] == MONTH and row["form"] == "annex4" and row["submitted_by"] == county["people"]["county_sup"]
    _insert(conn, "enforcement_actions", enterprise_id=county["ids"]["乙四"], kind="fine", on_date="2024-05-09",
            amount=4.0, recorded_at=IN_MONTH)
    conn.execute("UPDATE enterprises SET colour = 'red', colour_override = 'red' WHERE id = ?",
                 (county["ids"]["乙四"],))
    conn.conn.commit()
    lay = monthly_reports.layout(conn, "annex4")
    again = cells(_sheet(client.get(f"/reports/monthly/{report_id}/xlsx").data), lay, "county")
    assert again == cells(_sheet(before), lay, "county")
    assert again["enforcement.fine.amount"] == {2.0} and again["colour.red"] == {2}
    draft = cells(_sheet(_download(client, "annex4")), lay, "county")
    assert draft["enforcement.fine.amount"] == {6.0} and draft["colour.red"] == {3}
    sheet = _sheet(before)
    assert [c.value for c in sheet[3] if c.value][:3] == ["填报单位（盖章）：测试县应急管理局", "填表人：张三",
                                                          "联系电话：0595-22581234"]
    shown = client.get(f"/reports/monthly/{report_id}").get_data(as_text=True)
    assert "已上报" in shown and 'data-figure="colour.red"><a' in shown
    assert re.search(r'data-figure="colour.red"><a href="[^"]+">2</a>', shown)


def test_a_report_without_its_heading_is_refused_and_nothing_is_kept(signed_in, conn, county):
    """填报单位, 填表人 and a well-formed 联系电话 are required; a refused report stores nothing."""
    client = signed_in("county_sup")
    answer = client.post("/reports/monthly", {"form": "annex3", "month": MONTH, "unit_name": "", "person": "",
                                              "phone": "打电话"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "请填写填报单位" in page and "请填写填表人" in page and "联系电话只能是数字" in page
    assert client.post("/reports/monthly", {"form": "annex3", "month": "2999-01", "unit_name": "x", "person": "y",
                                            "phone": "0595-1234567"}).status_code == 422
    assert conn.execute("SELECT COUNT(*) FROM monthly_reports WHERE scope LIKE ?", (f"%{COUNTY}%",)).fetchone()[0] == 0


def test_a_town_office_counts_only_its_town_and_reads_only_its_own_reports(signed_in, conn, county):
    """甲镇's 安办 counts 甲镇's four enterprises, fills the 县（市、区） row, and cannot open the county's report."""
    town = signed_in("town_a_sup")
    lay = monthly_reports.layout(conn, "annex3")
    got = cells(_sheet(_download(town, "annex3")), lay, "county")
    assert got["enterprises"] == {4} and got["enterprises.small_micro"] == {0}
    assert got["hazards.self.found"] == {3} and got["standard.local"] == {0}
    four = cells(_sheet(_download(town, "annex4")), monthly_reports.layout(conn, "annex4"), "county")
    assert four["enforcement.fine.amount"] == {2.0} and four["enforcement.judicial.amount"] == {0}
    county_report = signed_in("county_sup").post("/reports/monthly", {
        "form": "annex3", "month": MONTH, "unit_name": "测试县", "person": "张三", "phone": "13905951234"})
    report_id = int(county_report.headers["Location"].rsplit("/", 1)[1])
    assert town.get(f"/reports/monthly/{report_id}").status_code == 404
    assert town.get(f"/reports/monthly/{report_id}/xlsx").status_code == 404
    assert town.get("/reports/monthly/records", query_string={"report": report_id, "figure": "enterprises"}
                    ).status_code == 404
    listed = town.get("/reports/monthly/records", query_string={"form": "annex3", "month": MONTH,
                                                                "figure": "enterprises"}).get_data(as_text=True)
    assert "测试县甲一公司" in listed and "测试县乙一公司" not in listed


def test_the_demo_town_account_sees_only_its_town(signed_in, conn):
    """town1 (东海街道) counts the one demo enterprise there; the city supervisor counts both."""
    lay = monthly_reports.layout(conn, "annex4")
    town = cells(_sheet(_download(signed_in("town1"), "annex4")), lay, "county")
    city = cells(_sheet(_download(signed_in("supervisor"), "annex4")), lay, "city")
    assert town["enterprises"] == {1} and city["enterprises"] == {2}


@pytest.mark.parametrize("day, shown", [(1, True), (3, True), (4, False)])
def test_the_reminder_shows_from_the_first_to_the_third_until_both_forms_are_in(conn, county, day, shown):
    """From the 1st to the 3rd a supervisor is reminded of last month's forms not yet submitted for their scope."""
    from datetime import date

    user = dict(conn.execute("SELECT * FROM users WHERE username = 'county_sup'").fetchone())
    today = date(2024, 6, day)
    reminder = monthly_reports.reminder(conn, user, today)
    assert bool(reminder) is shown
    if not shown:
        return
    assert reminder["month"] == MONTH and reminder["forms"] == ["annex3", "annex4"]
    with conn.atomic():
        monthly_reports.submit(conn, user, "annex3", MONTH, {"unit_name": "测试县", "person": "张三",
                                                             "phone": "13905951234"})
    assert monthly_reports.reminder(conn, user, today)["forms"] == ["annex4"]
    with conn.atomic():
        monthly_reports.submit(conn, user, "annex4", MONTH, {"unit_name": "测试县", "person": "张三",
                                                             "phone": "13905951234"})
    assert monthly_reports.reminder(conn, user, today) is None
    town = dict(conn.execute("SELECT * FROM users WHERE username = 'town_a_sup'").fetchone())
    assert monthly_reports.reminder(conn, town, today)["forms"] == ["annex3", "annex4"]  # its own scope's are not in


def test_the_home_page_carries_the_reminder_in_its_first_days(signed_in, monkeypatch):
    """The supervisor's home shows 月报表待上报 with a link to each missing form, on the 1st to the 3rd only."""
    from datetime import datetime

    from anbiao import due

    client = signed_in("supervisor")
    for day, shown in ((2, True), (10, False)):
        monkeypatch.setattr(due, "local_now", lambda day=day: datetime(2024, 6, day, 9, tzinfo=due.TZ))
        page = client.get("/").get_data(as_text=True)
        assert ("月报表待上报" in page) is shown
        if shown:
            assert "/reports/monthly?form=annex4&amp;month=2024-05" in page


def test_a_layout_naming_an_unknown_figure_or_uneven_rows_is_refused():
    """The library check refuses a report form whose cells name figures the app cannot count."""
    doc = {"kind": "report_form", "code": "x", "title": "x", "source": "x"}
    items = [{"code": "u", "part": "unit", "name": "县", "scope": "county"},
             {"code": "a", "part": "column", "name": "甲", "figure": "colour.purple"},
             {"code": "b", "part": "column", "name": "乙", "rows": ["enterprises", "five_s"]},
             {"code": "c", "part": "column", "name": "丙", "labels": ["国标"]},
             {"code": "d", "part": "column", "name": "丁", "figure": "five_s", "rows": ["five_s"]}]
    problems = monthly_reports.layout_problems("x.toml", doc, items)
    assert any("colour.purple" in p for p in problems)
    assert any("小行数应相同" in p for p in problems)
    assert any("有且只有一个" in p for p in problems)
    assert monthly_reports.layout_problems("x.toml", doc, items[:1] + items[2:3]) == []
