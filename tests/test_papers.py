"""告知书 and 承诺书 (seed 001 附件1, 附件2): the texts are the seed's, filled in per enterprise; a delivery or
signature is recorded with its date, person and (for the 承诺书, required) a photo of the signed page, keeping the
enterprise's dates; each town's supervisors see which of its enterprises still miss them."""

import re

import pytest

from anbiao import db, library, papers
from anbiao.due import local_now

from .loop_helpers import call_off_draws, ent_id, key, photo, post, uid, upload

GAS, WORKS = "泉州市安泰燃气有限公司", "晋江市恒力机械制造有限公司"
# Seed 001 annexes 1 and 2 as printed there, line by line (runs of spaces stand for the blanks left to fill).
SEED_NOTICE = [
    "：",
    "2021年9月1号起施行新修改的《安全生产法》第21条，明确将“建立健全并落实本单位全员安全生产责任"
    "制，加强安全生产标准化建设”列为生产经营单位主要负责人第一条安全生产工作职责。根据《泉州市安全生产委"
    "员会关于印发泉州市安全生产标准化提升专项行动方案的通知》（泉安委〔2021〕18号）精神，请你单位按"
    "照《企业安全生产标准化基本规范》（GB/T 33000-2016）和本单位创建安全生产标准化选定的评"
    "定标准，于 年 月 日前完成一次安全生产标准化提升年度自评工作，及时整改不符合项，切实巩固提高本单位"
    "安全生产标准化运行质量，提升本质安全水平。",
    "特此告知!",
    "乡镇（街道、园区）（盖章）",
    "年 月 日",
    "接收单位（盖章）：",
    "主要负责人（签字）：",
    "备注：本告知书一式四份，一份留存企业备查、一份在企业公示栏公示、一份报送属地乡镇（街道、园区）安办备"
    "案、一份报送所在县（市、区）行业领域主管部门备案。",
]
SEED_COMMITMENT = [
    "本单位及本人郑重承诺，按照《企业安全生产标准化基本规范》（GB/T 33000-2016）和有关行业"
    "（专业）标准化评定标准的要求自主创建、自主运行，从目标职责、制度化管理、教育培训、现场管理、安全风险"
    "管控及隐患排查治理、应急管理、事故管理和持续改进等八个方面，建立与企业日常安全管理相适应、以安全生产"
    "标准化为重点的企业自主安全生产管理体系，实现安全生产现场管理、操作行为、设备设施和作业环境规范化，并"
    "于 年 月 日之前完成一次安全生产标准化年度自评工作，及时整改不符合项，切实巩固提高本单位安全生产标"
    "准化运行质量，提升本质安全水平。如未正确履行安全生产主体责任，加强安全生产标准化建设，愿意承担一切行"
    "政的、民事的和刑事的责任。欢迎社会公众对我单位安全生产标准化建设及其运行状况进行监督，如发现隐患可向"
    "政府及有关部门举报。",
    "承诺单位（盖章）： 法定代表人（签名）：",
    "2023年 月 日",
    "备注：本承诺书一式四份，一份留存企业备查、一份在企业公示栏公示、一份报送属地乡镇（街道、园区）安办备"
    "案、一份报送所在县（市、区）行业领域主管部门备案。",
]
# How the seed fills each placeholder: nothing, the blanks, the generic issuer, the year the seed was issued.
AS_IN_SEED = {"enterprise": "", "credit_code": "", "address": "", "principal": "", "issuer": papers.TOWN_DEFAULT,
              "issued_on": " 年 月 日", "deadline": " 年 月 日", "year": "2023"}


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _lines(letter) -> list[str]:
    return [_squeezed(line) for block in letter["blocks"] for line in block["lines"]]


def _record(client, ent, kind, **fields):
    data = {"on_date": local_now().date().isoformat(), "person": "林晓峰", **fields}
    return post(client, f"/enterprises/{ent}/papers/{kind}/record", {k: v for k, v in data.items() if v is not None})


def _papers(conn, ent=None):
    sql = "SELECT * FROM enterprise_papers" + (" WHERE enterprise_id = ?" if ent else "") + " ORDER BY id"
    return [dict(r) for r in conn.execute(sql, (ent,) if ent else ())]


def _dates(conn, ent):
    return tuple(conn.execute("SELECT notice_delivered_on, commitment_signed_on FROM enterprises WHERE id = ?",
                              (ent,)).fetchone())


# The texts.

def test_the_two_texts_are_seed_001s_annexes_word_for_word(conn):
    """Filled as the seed leaves them (blanks, the generic issuer, 2023), the library's texts are the annexes' lines."""
    texts = papers.texts(conn)
    assert texts["notice"]["name"] == "关于自主加强安全生产标准化建设告知书（参考）"
    assert texts["commitment"]["name"] == "关于自主加强安全生产标准化承诺书（参考）"
    assert _lines(papers.filled(texts["notice"], AS_IN_SEED)) == SEED_NOTICE
    assert _lines(papers.filled(texts["commitment"], AS_IN_SEED)) == SEED_COMMITMENT


def test_a_printed_letter_names_the_enterprise_its_town_and_the_dates_given(conn):
    from datetime import date

    ent = dict(conn.execute("SELECT * FROM enterprises WHERE name = ?", (GAS,)).fetchone())
    notice = papers.printed(conn, ent, "notice", issued_on=date(2024, 2, 18), deadline=date(2024, 3, 31))
    lines = _lines(notice)
    assert notice["heading"] == "关于自主加强安全生产标准化建设告知书"
    assert lines[0] == f"{GAS}："
    assert "于2024年3月31日前完成一次安全生产标准化提升年度自评工作" in lines[1]
    assert lines[3:5] == ["东海街道（盖章）", "2024年2月18日"]
    assert lines[5] == f"接收单位（盖章）：{GAS}"
    assert ent["credit_code"] in notice["particulars"] and "陈建国" in notice["particulars"]
    commitment = _lines(papers.printed(conn, ent, "commitment"))
    assert "并于 年 月 日之前完成" in commitment[0]  # no deadline given: the blank stays for handwriting
    assert commitment[1].startswith(f"承诺单位（盖章）：{GAS}") and commitment[2] == f"{local_now().year}年 月 日"


@pytest.mark.parametrize("change, said", [
    (lambda d: d["items"].pop(), "notice（告知书）和 commitment（承诺书）各一条"),
    (lambda d: d["items"][0]["blocks"][1]["lines"].append("于{deadlin}前"), "占位符 {deadlin} 不认识"),
    (lambda d: d["items"][0]["blocks"][1]["lines"].append("于{deadline"), "花括号不成对"),
    (lambda d: d["items"][0]["blocks"][0].update(style="centre"), "每段须有 style"),
    (lambda d: d["items"][1].pop("heading"), "缺少 heading"),
])
def test_a_broken_papers_file_is_refused_on_load(change, said):
    import tomllib

    doc = tomllib.loads((library.ROOT / "reference" / "papers.toml").read_text(encoding="utf-8"))
    assert library._problems_of("papers.toml", doc) == []
    change(doc)
    assert any(said in p for p in library._problems_of("papers.toml", doc)), library._problems_of("papers.toml", doc)


# Recording.

def test_a_grid_worker_records_the_delivery_and_the_enterprise_file_shows_it(conn, signed_in):
    ent = ent_id(conn, GAS)
    grid1 = signed_in("grid1")
    answer = _record(grid1, ent, "notice", on_date="2025-01-06", person="林晓峰（安全管理员）")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/enterprises/{ent}/papers")
    newest = _papers(conn, ent)[-1]
    assert (newest["kind"], newest["on_date"], newest["person"], newest["photo_id"], newest["recorded_by"]) == (
        "notice", "2025-01-06", "林晓峰（安全管理员）", None, uid(conn, "grid1"))
    assert _dates(conn, ent)[0] == "2025-01-06"
    page = grid1.get(f"/enterprises/{ent}/papers").get_data(as_text=True)
    assert "2025-01-06 送达 · 接收人：林晓峰（安全管理员）" in page
    assert "告知书送达</dt><dd>2025-01-06" in grid1.get(f"/enterprises/{ent}").get_data(as_text=True)
    logged = conn.execute("SELECT action, detail FROM audit_log WHERE entity = 'enterprise' AND entity_id = ?"
                          " ORDER BY id DESC", (ent,)).fetchone()
    assert logged[0] == "notice" and "林晓峰" in logged[1]


@pytest.mark.parametrize("fields, field, said", [
    ({"on_date": ""}, "on_date", "请填写送达日期"),
    ({"on_date": None}, "on_date", "请填写送达日期"),
    ({"on_date": "2025-02-30"}, "on_date", "送达日期格式不正确"),
    ({"on_date": "1999-12-31"}, "on_date", "送达日期不能早于 2000 年"),
    ({"on_date": "2999-01-01"}, "on_date", "送达日期不能晚于今天"),
    ({"person": ""}, "person", "请填写接收人"),
    ({"person": "   "}, "person", "请填写接收人"),
    ({"person": "林" * 41}, "person", "接收人不超过 40 个字"),
    ({"photo": upload(b"not a photo", "x.jpg")}, "photo", "签字页照片有问题"),
    ({"photo": [upload(), upload()]}, "photo", "只需一张签字页照片"),
])
def test_a_delivery_without_a_proper_date_or_person_is_refused_and_changes_nothing(conn, signed_in, fields, field,
                                                                                       said):
    ent = ent_id(conn, GAS)
    before = (_papers(conn), _dates(conn, ent))
    answer = _record(signed_in("supervisor"), ent, "notice", **fields)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert said in html and f'id="reasons-{field}"' in html
    assert re.search(rf'id="reasons-{field}"[^>]*>\s*<p>[^<]*{re.escape(said)}', html)
    assert (_papers(conn), _dates(conn, ent)) == before


def test_a_signed_commitment_needs_a_photo_of_the_signed_page(conn, signed_in):
    ent = ent_id(conn, WORKS)
    grid2 = signed_in("grid2")
    refused = _record(grid2, ent, "commitment", person="黄志明")
    assert refused.status_code == 422 and "请拍摄签字盖章后的承诺书照片" in refused.get_data(as_text=True)
    assert _dates(conn, ent)[1] is None and not [p for p in _papers(conn, ent) if p["kind"] == "commitment"]
    saved = _record(grid2, ent, "commitment", person="黄志明", photo=upload(photo(), "signed.jpg"))
    assert saved.status_code == 302
    record = _papers(conn, ent)[-1]
    assert record["kind"] == "commitment" and record["photo_id"] is not None
    assert _dates(conn, ent)[1] == local_now().date().isoformat()
    page = grid2.get(f"/enterprises/{ent}/papers").get_data(as_text=True)
    thumb = f"/papers/records/{record['id']}/thumb"
    assert thumb in page and grid2.get(thumb).status_code == 200
    assert grid2.get(thumb).headers["Content-Type"] == "image/jpeg"
    call_off_draws(conn)  # the demo's draw sends grid1 there
    assert signed_in("grid1").get(thumb).status_code == 404  # another grid's enterprise does not exist for them


def test_a_correction_is_a_new_record_and_the_newest_says_the_date(conn, signed_in):
    ent = ent_id(conn, GAS)
    supervisor = signed_in("supervisor")
    kept = _papers(conn, ent)
    assert _record(supervisor, ent, "notice", on_date="2025-03-01").status_code == 302
    assert _record(supervisor, ent, "notice", on_date="2025-02-27", person="陈建国").status_code == 302
    after = _papers(conn, ent)
    assert after[:len(kept)] == kept and len(after) == len(kept) + 2  # nothing rewritten
    assert _dates(conn, ent)[0] == "2025-02-27"


def test_a_resent_record_is_saved_once(conn, signed_in):
    ent = ent_id(conn, GAS)
    supervisor, same = signed_in("supervisor"), key()
    first = _record(supervisor, ent, "notice", idempotency_key=same)
    again = _record(supervisor, ent, "notice", idempotency_key=same)
    assert first.status_code == again.status_code == 302 and again.headers.get("Idempotent-Replay") == "true"
    assert sum(p["on_date"] == local_now().date().isoformat() for p in _papers(conn, ent)) == 1


def test_only_the_grid_worker_of_the_grid_and_supervisors_record(conn, signed_in):
    ent = ent_id(conn, GAS)
    assert _record(signed_in("manager1"), ent, "notice").status_code == 403
    assert _record(signed_in("grid2"), ent, "notice").status_code == 403  # sent there by the demo's draw: reads only
    call_off_draws(conn)
    assert _record(signed_in("grid2"), ent, "notice").status_code == 404
    assert signed_in("manager1").get(f"/enterprises/{ent}/papers/notice/record").status_code == 403
    assert "记录送达" not in signed_in("manager1").get(f"/enterprises/{ent}/papers").get_data(as_text=True)
    assert signed_in("grid1").get(f"/enterprises/{ent}/papers/letter/record").status_code == 404


# Each town's missing list.

def _more_enterprises(conn):
    """Three more enterprises in 安海镇's grid: one with both papers, one with only the 告知书, one with neither."""
    grid = conn.execute("SELECT id FROM grids WHERE township = '安海镇'").fetchone()[0]
    stamp = "2025-01-01T00:00:00+00:00"
    made = {}
    for n, (name, notice, commitment) in enumerate((("安海镇甲五金厂", "2025-01-02", "2025-01-03"),
                                                    ("安海镇乙鞋业有限公司", "2025-01-02", None),
                                                    ("安海镇丙包装厂", None, None))):
        with conn.atomic():
            made[name] = conn.execute(
                "INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, notice_delivered_on,"
                " commitment_signed_on, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (name, f"TEST{n}", "工贸", "small_micro", grid, notice, commitment, stamp, stamp)).lastrowid
    return made


def _rows(html):
    return re.findall(r'<a class="row" href="/enterprises/\d+/papers"><strong>([^<]+)</strong>', html)


def test_each_towns_missing_papers_are_counted_and_listed(conn, signed_in):
    _more_enterprises(conn)
    supervisor = signed_in("supervisor")
    towns = {(t["county"], t["township"]): t for t in papers.towns(conn, "1", [])}
    assert {k: (t["total"], t["no_notice"], t["no_commitment"], t["missing"]) for k, t in towns.items()} == {
        ("丰泽区", "东海街道"): (1, 0, 0, 0), ("晋江市", "安海镇"): (4, 1, 3, 3)}
    page = supervisor.get("/papers").get_data(as_text=True)
    assert "东海街道" in page and "安海镇" in page
    town = supervisor.get("/papers?county=晋江市&township=安海镇").get_data(as_text=True)
    assert _rows(town) == ["安海镇丙包装厂", "安海镇乙鞋业有限公司", "晋江市恒力机械制造有限公司"]
    assert "批量打印告知书（1 家）" in town and "批量打印承诺书（3 家）" in town
    assert _rows(supervisor.get("/papers?township=安海镇&only=notice").get_data(as_text=True)) == ["安海镇丙包装厂"]
    assert _rows(supervisor.get("/papers?township=东海街道").get_data(as_text=True)) == []


def test_the_missing_list_pages_by_name(conn):
    _more_enterprises(conn)
    seen, after = [], None
    while True:
        found, after = papers.missing(conn, "1", [], "晋江市", "安海镇", "commitment", after=after, limit=2)
        seen += [e["name"] for e in found]
        if after is None:
            break
    assert seen == ["安海镇丙包装厂", "安海镇乙鞋业有限公司", "晋江市恒力机械制造有限公司"]


def test_a_towns_supervisor_sees_only_its_own_town(conn, signed_in):
    _more_enterprises(conn)
    town1 = signed_in("town1")
    page = town1.get("/papers").get_data(as_text=True)
    assert "东海街道" in page and "安海镇" not in page
    assert town1.get("/papers?township=安海镇").status_code == 404
    assert town1.get("/papers/print?township=安海镇&kind=commitment").status_code == 404
    assert town1.get("/papers?township=东海街道").status_code == 200
    grid1 = signed_in("grid1")  # a grid worker sees their grid's part of the town
    assert "安海镇" not in grid1.get("/papers").get_data(as_text=True)
    assert signed_in("manager1").get("/papers").status_code == 403


def test_the_town_lists_read_indexes_not_whole_tables(conn):
    _more_enterprises(conn)
    statements = []
    conn.conn.set_trace_callback(statements.append)
    try:
        where, params = "g.township = ?", ["东海街道"]
        papers.towns(conn, where, params)
        papers.missing(conn, where, params, "丰泽区", "东海街道")
        papers.batch(conn, where, params, "丰泽区", "东海街道", "notice")
    finally:
        conn.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects and all(db.full_scans(conn, s) == [] for s in selects), [
        (s, db.full_scans(conn, s)) for s in selects]
    # The towns' counts read one index only: a county's 100,000 enterprise rows are never fetched for them.
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + next(s for s in selects if "GROUP BY" in s))]
    assert any("COVERING INDEX enterprises_papers" in step for step in plan), plan
