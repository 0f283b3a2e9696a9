"""Risk points assessed by LEC (D = L × E × C) and by the LS matrix (R = L × S): level and colour at every threshold
from the library's tables, factor values only from those tables, and a bad threshold table refused whole."""

import shutil

import pytest

from anbiao import library, risk
from anbiao.library import ROOT


@pytest.mark.parametrize("score, colour, name", [
    (10 * 10 * 100, "red", "重大风险"), (320, "red", "重大风险"), (319.99, "orange", "较大风险"),
    (160, "orange", "较大风险"), (159.99, "yellow", "一般风险"), (70, "yellow", "一般风险"),
    (69.99, "blue", "低风险"), (0.001, "blue", "低风险"),
])
def test_lec_levels_follow_the_thresholds_of_the_library_at_every_boundary(conn, score, colour, name):
    found = risk.level(risk.methods(conn)["lec"], score)
    assert (found["colour"], found["name"]) == (colour, name)
    assert found["colour_name"] == {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}[colour]


@pytest.mark.parametrize("likely, severe, colour", [
    (5, 5, "red"), (5, 4, "red"), (4, 4, "orange"), (5, 3, "orange"), (4, 3, "yellow"), (3, 3, "yellow"),
    (4, 2, "blue"), (1, 1, "blue"),
])
def test_ls_matrix_gives_red_for_20_to_25_orange_15_16_yellow_9_12_blue_1_8(conn, likely, severe, colour):
    found = risk.assess(conn, "ls", {"L": likely, "S": severe})
    assert (found["score"], found["colour"]) == (likely * severe, colour)


@pytest.mark.parametrize("likely, exposed, consequence, d, colour", [
    (10, 6, 7, 420, "red"), (6, 6, 7, 252, "orange"), (3, 6, 7, 126, "yellow"), (1, 6, 7, 42, "blue"),
    (0.5, 0.5, 1, 0.25, "blue"),
])
def test_lec_multiplies_the_chosen_values(conn, likely, exposed, consequence, d, colour):
    found = risk.assess(conn, "lec", {"L": str(likely), "E": exposed, "C": consequence})
    assert (found["score"], found["colour"]) == (d, colour)


def test_each_factor_value_carries_its_chinese_meaning(conn):
    lec = risk.methods(conn)["lec"]
    assert {"value": 6, "name": "相当可能"} in lec["factors"]["L"]
    assert {"value": 15, "name": "非常严重，一人死亡"} in lec["factors"]["C"]
    assert sorted(lec["factors"]) == ["C", "E", "L"] and sorted(risk.methods(conn)["ls"]["factors"]) == ["L", "S"]
    assert "LEC" in lec["source"]


@pytest.mark.parametrize("method, chosen, field", [
    ("lec", {"L": 7, "E": 6, "C": 7}, "L"), ("lec", {"L": 6, "E": "", "C": 7}, "E"), ("ls", {"L": 6, "S": 1}, "L"),
    ("ls", {"L": 1, "S": "五"}, "S"), ("abc", {}, "method"),
])
def test_a_value_outside_the_table_is_refused_in_chinese(conn, method, chosen, field):
    with pytest.raises(risk.Refused) as refused:
        risk.assess(conn, method, chosen)
    assert refused.value.field == field and ("请为" in str(refused.value) or "请选择" in str(refused.value))


@pytest.mark.parametrize("change, said", [
    (("at_least = 160", "at_least = 400"), "分级阈值应自红到蓝依次减小"),
    (('code = "orange"', 'code = "amber"'), "分级阈值应依次为 red/orange/yellow/blue 各一条"),
    (("at_least = 70", 'at_least = "七十"'), "分级阈值 at_least 应为数字"),
    (("value = 40", "value = -40"), "每个因素条目须有 group 和正数 value"),
    (("source = ", "basis = "), "缺少 source（分级依据）"),
])
def test_a_bad_threshold_table_is_refused_with_a_clear_message_and_nothing_is_loaded(conn, tmp_path, change, said):
    root = tmp_path / "inspect"
    shutil.copytree(ROOT, root)
    path = root / "reference" / "risk_lec.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    (root / "reference" / "hazard_categories.toml").write_text(
        (ROOT / "reference" / "hazard_categories.toml").read_text(encoding="utf-8").replace("管理上的缺陷", "管理缺陷"),
        encoding="utf-8")  # a real change elsewhere, which must not be loaded either
    before = conn.execute("SELECT COUNT(*) FROM library_docs").fetchone()[0]
    with pytest.raises(ValueError) as refused:
        library.load(conn, root)
    assert "reference/risk_lec.toml" in str(refused.value) and said in str(refused.value)
    assert conn.execute("SELECT COUNT(*) FROM library_docs").fetchone()[0] == before
