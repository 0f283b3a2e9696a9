"""The inspection library in inspect/: its content, the validator's Chinese messages, and versioned loading."""

import shutil

import pytest

from anbiao import checklists, db, library

POST = "checklists/gas/post.toml"
WORKSHOP = "checklists/gas/workshop.toml"
ENTERPRISE = "checklists/gas/enterprise.toml"


@pytest.fixture(scope="module")
def real():
    """The real library as read from inspect/."""
    docs, problems = library.read()
    return {"docs": docs, "problems": problems, "by_code": {d["code"]: d for _, d, _ in docs}}


@pytest.fixture
def tree(tmp_path):
    """A private copy of inspect/ that a test may break."""
    root = tmp_path / "inspect"
    shutil.copytree(library.ROOT, root)
    return root


@pytest.fixture
def fresh(tmp_path):
    """A new, migrated, empty database."""
    conn = db.connect(tmp_path / "x.db")
    db.migrate(conn)
    yield conn
    conn.conn.close()


def edit(root, name, old, new, count=1):
    """Replace text in one library file, insisting the text was there."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def drop_field(root, name, item_code, field):
    """Delete one field line of one item."""
    path = root / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index(f'code = "{item_code}"\n')
    for i in range(at + 1, len(lines)):
        if lines[i].startswith(f"{field} ="):
            del lines[i]
            break
        assert not lines[i].startswith("[[items]]"), f"{item_code} has no {field}"
    path.write_text("".join(lines), encoding="utf-8")


def count(conn, table):
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def problems_of(root):
    docs, problems = library.read(root)
    return problems


def one_naming(problems, *parts):
    """The one problem that contains every part."""
    found = [p for p in problems if all(part in p for part in parts)]
    assert found, f"no problem with {parts} in {problems}"
    return found[0]


# ---- the real library ----

def test_real_library_has_no_problems(real):
    """inspect/ as committed passes the validator."""
    assert real["problems"] == []


@pytest.mark.parametrize("industry", ["工贸", "城镇燃气"])
def test_each_industry_has_enterprise_workshop_and_post_checklists(real, industry):
    """工贸 and 城镇燃气 each have the three derived tiers."""
    tiers = {d["tier"] for _, d, _ in real["docs"] if d["kind"] == "checklist" and d["industry"] == industry}
    assert {"enterprise", "workshop", "post"} <= tiers


def test_library_has_a_grid_guide_and_a_lookback_checklist(real):
    """There is a grid-tier guide and the 回头看 checklist."""
    tiers = [d["tier"] for _, d, _ in real["docs"] if d["kind"] == "checklist"]
    assert "grid" in tiers
    assert "lookback" in tiers


def test_hazard_categories_are_the_four_kinds(real):
    """隐患 fall into exactly four categories."""
    names = [i["name"] for i in real["by_code"]["hazard-categories"]["items"]]
    assert names == ["人的不安全行为", "物的不安全状态", "环境的不安全因素", "管理上的缺陷"]


def test_six_signs_are_the_six_kinds_of_liuyou(real):
    """六有 has six sign kinds with the code words of the design; the notices of 三级警示公告 sit beside them, the risk
    card at each post and the notice board at the gate and in each workshop."""
    items = real["by_code"]["signs"]["items"]
    assert [i["code"] for i in items if i["liuyou"]] == ["floor_line", "nameplate", "post_warning", "instruction",
                                                         "flow_label", "valve_tag"]
    others = {i["code"]: i["levels"] for i in items if not i["liuyou"]}
    assert others == {"risk_card": ["post"], "notice_board": ["enterprise", "workshop"]}
    assert all(set(i["levels"]) <= {"enterprise", "workshop", "post"} and isinstance(i["classed"], bool)
               for i in items)


def test_five_s_points_sum_to_100(real):
    """The 5S criteria make a 100-point score sheet over the five groups."""
    items = [i for i in real["by_code"]["five-s"]["items"] if i["group"] != "threshold"]
    assert sum(i["points"] for i in items) == 100
    assert {i["group"] for i in items} == {"sort", "set_in_order", "shine", "standardize", "sustain"}


def test_every_checklist_item_has_one_of_the_four_aspects(real):
    """Each item is 基础管理, 设备设施, 作业现场 or 作业行为."""
    for name, doc, _ in real["docs"]:
        if doc["kind"] == "checklist":
            for item in doc["items"]:
                assert item["aspect"] in ("基础管理", "设备设施", "作业现场", "作业行为"), (name, item["code"])


def test_every_checklist_industry_is_listed_or_general(real):
    """A checklist's industry is in industries.toml or is 通用."""
    industries = {i["name"] for i in real["by_code"]["industries"]["items"]}
    for _, doc, _ in real["docs"]:
        if doc["kind"] == "checklist":
            assert doc["industry"] in industries | {"通用"}


def test_loading_the_real_library_fills_every_document(fresh, real):
    """A first load adds every document as version 1 with all its items."""
    stats = library.load(fresh)
    assert stats == {"new": len(real["docs"]), "changed": 0, "unchanged": 0}
    assert count(fresh, "library_docs") == len(real["docs"])
    assert count(fresh, "library_items") == sum(len(d["items"]) for _, d, _ in real["docs"])
    assert {d["version"] for d in library.current_docs(fresh)} == {1}
    assert [i["name"] for i in library.reference(fresh, "hazard_categories")][0] == "人的不安全行为"
    assert "工贸" in library.industries(fresh)
    assert set(library.industry_set(fresh, "城镇燃气")) == {"enterprise", "workshop", "post"}


# ---- the validator on broken copies ----

def test_bad_toml_syntax_names_the_file(tree):
    """An unclosed string is a TOML format error naming the file."""
    edit(tree, POST, 'title = "城镇燃气企业岗位安全检查卡片"', 'title = "城镇燃气企业岗位安全检查卡片')
    one_naming(problems_of(tree), POST, "TOML 格式错误")


def test_unknown_tier_names_the_file_and_the_value(tree):
    """tier must be one of the five tiers."""
    edit(tree, POST, 'tier = "post"', 'tier = "factory"')
    message = one_naming(problems_of(tree), POST, "tier", "factory")
    assert "不正确" in message


def test_unknown_frequency_names_the_file_and_the_value(tree):
    """frequency must be one of the five frequencies."""
    edit(tree, POST, 'frequency = "shift"', 'frequency = "hourly"')
    one_naming(problems_of(tree), POST, "frequency", "hourly", "不正确")


def test_missing_content_names_the_file_item_number_and_code(tree):
    """An item without content is reported with its number and code."""
    drop_field(tree, POST, "P03", "content")
    one_naming(problems_of(tree), POST, "第3条", "P03", "缺少 content")


def test_unknown_aspect_names_the_item(tree):
    """An aspect outside the four is reported on its item."""
    edit(tree, POST, 'code = "P02"\naspect = "作业行为"', 'code = "P02"\naspect = "人员"')
    one_naming(problems_of(tree), POST, "第2条", "P02", "aspect", "人员")


def test_duplicate_item_code_names_the_second_item(tree):
    """Two items with one code in a file: the second is reported."""
    edit(tree, POST, 'code = "P02"', 'code = "P01"')
    message = one_naming(problems_of(tree), POST, "第2条", "P01", "重复")
    assert "第1条" not in message


def test_duplicate_document_code_across_files_names_both_files(tree):
    """Two files with one document code: the message names both."""
    edit(tree, POST, 'code = "gas-post"', 'code = "gas-workshop"')
    one_naming(problems_of(tree), POST, WORKSHOP, "gas-workshop", "重复")


def test_unknown_industry_names_the_file(tree):
    """A checklist's industry must be in industries.toml or be 通用."""
    edit(tree, POST, 'industry = "城镇燃气"', 'industry = "燃气"')
    one_naming(problems_of(tree), POST, "燃气", "industries.toml")


def test_non_utf8_file_names_the_file(tree):
    """A file saved as GBK is reported as not UTF-8."""
    path = tree / POST
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    one_naming(problems_of(tree), POST, "UTF-8")


def test_unknown_kind_names_the_file(tree):
    """kind must be one of the known kinds."""
    edit(tree, POST, 'kind = "checklist"', 'kind = "checkbook"')
    one_naming(problems_of(tree), POST, "kind", "checkbook")


def test_file_without_items_is_reported(tree):
    """A document with no [[items]] is reported."""
    path = tree / POST
    path.write_text(path.read_text(encoding="utf-8").split("[[items]]")[0], encoding="utf-8")
    one_naming(problems_of(tree), POST, "没有任何条目")


def test_missing_required_header_field_is_reported(tree):
    """responsible is required for a checklist."""
    edit(tree, POST, 'responsible = "班组长"\n', "")
    one_naming(problems_of(tree), POST, "缺少 responsible")


def test_number_where_text_is_expected_is_reported(tree):
    """An item's method must be text."""
    drop_field(tree, POST, "P01", "method")
    edit(tree, POST, 'code = "P01"\n', 'code = "P01"\nmethod = 3\n')
    one_naming(problems_of(tree), POST, "第1条", "method", "应为文字")


def test_item_code_given_as_an_array_is_reported_not_a_crash(tree):
    """code = ["P02"] is a clear problem, not a TypeError."""
    edit(tree, POST, 'code = "P02"', 'code = ["P02"]')
    one_naming(problems_of(tree), POST, "第2条", "code")


def test_toml_date_value_is_reported_or_accepted_not_a_crash(tree):
    """A TOML date (issued = 2024-03-01) does not break the validator."""
    edit(tree, POST, 'frequency = "shift"\n', 'frequency = "shift"\nissued = 2024-03-01\n')
    docs, problems = library.read(tree)
    assert any(POST in p for p in problems) or POST in [name for name, _, _ in docs]


def test_every_problem_is_chinese(tree):
    """All validator messages are Chinese sentences."""
    edit(tree, POST, 'tier = "post"', 'tier = "factory"')
    drop_field(tree, WORKSHOP, "W02", "content")
    edit(tree, ENTERPRISE, 'industry = "城镇燃气"', 'industry = "燃气"')
    problems = problems_of(tree)
    assert len(problems) >= 3
    for p in problems:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p), p


BREAKAGES = {
    "syntax": lambda t: edit(t, POST, 'tier = "post"', 'tier = "post'),
    "tier": lambda t: edit(t, POST, 'tier = "post"', 'tier = "factory"'),
    "content": lambda t: drop_field(t, POST, "P03", "content"),
    "item code": lambda t: edit(t, POST, 'code = "P02"', 'code = "P01"'),
    "doc code": lambda t: edit(t, POST, 'code = "gas-post"', 'code = "gas-workshop"'),
    "industry": lambda t: edit(t, POST, 'industry = "城镇燃气"', 'industry = "燃气"'),
    "encoding": lambda t: (t / POST).write_bytes((t / POST).read_text(encoding="utf-8").encode("gbk")),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_broken_library_is_refused_and_a_fresh_database_stays_empty(tree, fresh, breakage):
    """load raises ValueError naming the file and writes nothing."""
    BREAKAGES[breakage](tree)
    with pytest.raises(ValueError) as refused:
        library.load(fresh, tree)
    assert POST in str(refused.value)
    assert count(fresh, "library_docs") == 0
    assert count(fresh, "library_items") == 0


@pytest.mark.parametrize("breakage", ["tier", "content"])
def test_broken_library_leaves_a_loaded_database_unchanged(tree, fresh, breakage):
    """A bad change after a good load neither adds versions nor touches the good files."""
    library.load(fresh, tree)
    edit(tree, ENTERPRISE, "是否建立全员安全生产责任制", "是否建立并公示全员安全生产责任制")  # a good change
    BREAKAGES[breakage](tree)
    before = (count(fresh, "library_docs"), count(fresh, "library_items"))
    with pytest.raises(ValueError):
        library.load(fresh, tree)
    assert (count(fresh, "library_docs"), count(fresh, "library_items")) == before


# ---- versions ----

def test_loading_twice_changes_nothing(tree, fresh):
    """The second load of the same files reports every document unchanged and adds no rows."""
    first = library.load(fresh, tree)
    rows_after_first = (count(fresh, "library_docs"), count(fresh, "library_items"))
    second = library.load(fresh, tree)
    assert second == {"new": 0, "changed": 0, "unchanged": first["new"]}
    assert (count(fresh, "library_docs"), count(fresh, "library_items")) == rows_after_first


def test_comments_blank_lines_and_quote_style_are_not_a_new_version(tree, fresh):
    """Reformatting a file keeps its meaning and its version."""
    library.load(fresh, tree)
    path = tree / POST
    text = path.read_text(encoding="utf-8")
    text = "# 2026 年复核：无实质修改\n\n" + text.replace("[[items]]", "\n# ----\n[[items]]\n\n")
    text = text.replace('responsible = "班组长"', "responsible   =   '班组长'   # 默认检查人")
    path.write_text(text, encoding="utf-8")
    stats = library.load(fresh, tree)
    assert stats["changed"] == 0 and stats["new"] == 0
    assert fresh.execute("SELECT MAX(version) FROM library_docs WHERE code = 'gas-post'").fetchone()[0] == 1


def test_changing_one_item_makes_only_that_document_version_2(tree, fresh):
    """One reworded item: that document gets version 2; version 1 and its items stay."""
    library.load(fresh, tree)
    v1 = fresh.execute("SELECT * FROM library_docs WHERE code = 'gas-post' AND version = 1").fetchone()
    v1_items = [dict(i) for i in library.items(fresh, v1["id"])]
    docs_before, items_before = count(fresh, "library_docs"), count(fresh, "library_items")
    edit(tree, POST, "进入生产区前是否触摸人体静电释放器。", "进入生产区前是否触摸人体静电释放器并确认指示灯正常。")
    stats = library.load(fresh, tree)
    assert stats == {"new": 0, "changed": 1, "unchanged": docs_before - 1}
    assert count(fresh, "library_docs") == docs_before + 1
    assert count(fresh, "library_items") == items_before + len(v1_items)
    versions = dict(fresh.execute("SELECT code, MAX(version) FROM library_docs GROUP BY code").fetchall())
    assert versions.pop("gas-post") == 2
    assert set(versions.values()) == {1}
    assert [dict(i) for i in library.items(fresh, v1["id"])] == v1_items
    current = next(d for d in library.current_docs(fresh) if d["code"] == "gas-post")
    assert current["version"] == 2
    new_items = {i["code"]: i["content"] for i in library.items(fresh, current["id"])}
    assert new_items["P03"] == "进入生产区前是否触摸人体静电释放器并确认指示灯正常。"
    assert {i["code"]: i["content"] for i in v1_items}["P03"] == "进入生产区前是否触摸人体静电释放器。"


def test_adopted_checklist_and_filled_inspection_keep_their_text_after_a_new_version(tree, fresh):
    """Changing the library does not rewrite an enterprise's checklist or its past inspections."""
    library.load(fresh, tree)
    stamp = db.now()
    ent_id = fresh.execute(
        "INSERT INTO enterprises (name, credit_code, industry, size_class, created_at, updated_at)"
        " VALUES ('泉州市测试燃气有限公司', '91350100M000100Y43', '城镇燃气', 'medium', ?, ?)",
        (stamp, stamp)).lastrowid
    user_id = fresh.execute(
        "INSERT INTO users (username, password_hash, name, role, enterprise_id, created_at)"
        " VALUES ('m', 'x', '负责人', 'manager', ?, ?)", (ent_id, stamp)).lastrowid
    enterprise = dict(fresh.execute("SELECT * FROM enterprises WHERE id = ?", (ent_id,)).fetchone())
    v1 = next(d for d in library.current_docs(fresh) if d["code"] == "gas-enterprise")
    checklist_id = checklists.adopt(fresh, enterprise, v1["id"])
    items_before = [dict(i) for i in checklists.get_items(fresh, checklist_id)]
    inspection_id = fresh.execute(
        "INSERT INTO inspections (checklist_id, enterprise_id, inspector_id, submitted_at) VALUES (?,?,?,?)",
        (checklist_id, ent_id, user_id, stamp)).lastrowid
    for item in items_before:
        fresh.execute(
            "INSERT INTO inspection_results (inspection_id, checklist_item_id, position, aspect, content, result)"
            " VALUES (?,?,?,?,?,'ok')", (inspection_id, item["id"], item["position"], item["aspect"], item["content"]))
    results_before = [dict(r) for r in fresh.execute("SELECT * FROM inspection_results ORDER BY id")]
    old = "是否建立全员安全生产责任制，明确各岗位的责任人员、责任范围和考核标准，并按期考核。"
    assert items_before[0]["content"] == old

    edit(tree, ENTERPRISE, old, "是否建立并公示全员安全生产责任制，明确责任人员、范围和考核标准。")
    assert library.load(fresh, tree)["changed"] == 1

    assert [dict(i) for i in checklists.get_items(fresh, checklist_id)] == items_before
    assert [dict(r) for r in fresh.execute("SELECT * FROM inspection_results ORDER BY id")] == results_before
    adopted = fresh.execute("SELECT library_doc_id FROM checklists WHERE id = ?", (checklist_id,)).fetchone()[0]
    assert adopted == v1["id"]
    assert library.items(fresh, v1["id"])[0]["content"] == old


# ---- the command line ----

def test_cli_library_check_passes_on_the_real_library(app):
    """`flask library check` exits 0 and counts the files."""
    result = app.test_cli_runner().invoke(args=["library", "check"])
    assert result.exit_code == 0, result.output
    assert "检查库无误" in result.output


def test_cli_library_check_fails_and_lists_problems_on_a_broken_library(app, tree, monkeypatch):
    """`flask library check` on a broken tree exits 1 and names the file."""
    edit(tree, POST, 'tier = "post"', 'tier = "factory"')
    real_read = library.read
    monkeypatch.setattr(library, "read", lambda root=tree: real_read(root))
    result = app.test_cli_runner().invoke(args=["library", "check"])
    assert result.exit_code == 1
    assert POST in result.output
    assert "factory" in result.output


def test_cli_library_load_on_a_loaded_database_reports_everything_unchanged(app, conn, real):
    """`flask library load` twice adds no versions."""
    before = count(conn, "library_docs")
    result = app.test_cli_runner().invoke(args=["library", "load"])
    assert result.exit_code == 0, result.output
    assert f"未变 {len(real['docs'])}" in result.output
    assert count(conn, "library_docs") == before
