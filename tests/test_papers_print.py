"""告知书 and 承诺书 on paper: Chromium prints each enterprise's letter to an A4 PDF, one page each, and poppler reads
back the enterprise's name and the seed's sentences in an embedded CJK font; a town's batch prints one page per
enterprise still missing the paper; and a grid worker records a signed 承诺书 from a phone, photo and all."""

import re
import subprocess

from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import ent_id
from .test_browser_fill import jpeg
from .test_papers import GAS, WORKS, _more_enterprises
from .test_sign_print import CJK_FONT_NAME

NOTICE_SENTENCES = [
    "关于自主加强安全生产标准化建设告知书", "特此告知!", "东海街道（盖章）", "接收单位（盖章）：",
    "主要负责人（签字）：", "明确将“建立健全并落实本单位全员安全生产责任制，加强安全生产标准化建设”"
    "列为生产经营单位主要负责人第一条安全生产工作职责", "于2025年3月31日前完成一次安全生产标准化提升年度自评工作",
    "2025年2月18日", "备注：本告知书一式四份，一份留存企业备查、一份在企业公示栏公示"]
COMMITMENT_SENTENCES = [
    "关于自主加强安全生产标准化承诺书", "本单位及本人郑重承诺",
    "从目标职责、制度化管理、教育培训、现场管理、安全风险管控及隐患排查治理、应急管理、事故管理和持续改进等八个方面",
    "愿意承担一切行政的、民事的和刑事的责任", "承诺单位（盖章）：", "法定代表人（签名）：", "2025年月日",
    "备注：本承诺书一式四份"]


def _run(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def _printed(page, url, path) -> dict:
    """The page as Chromium prints it on A4: pages, each page's text (spaces dropped), the embedded CJK fonts."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.pdf(path=str(path), format="A4", print_background=True)
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", _run("pdfinfo", str(path)))
    texts = [re.sub(r"\s+", "", _run("pdftotext", "-f", str(n), "-l", str(n), "-raw", str(path), "-"))
             for n in range(1, pages + 1)]
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    return {"pages": pages, "texts": texts, "size": (float(size.group(1)), float(size.group(2))),
            "cjk_embedded": [f[0] for f in fonts if CJK_FONT_NAME.search(f[0]) and f[-5] == "yes"]}


def test_each_enterprises_notice_and_commitment_print_on_one_a4_page_with_chinese_glyphs(
        conn, live_server, desk, tmp_path):
    ent = ent_id(conn, GAS)
    sign_in(desk, live_server, "grid1")
    for kind, sentences, query in (("notice", NOTICE_SENTENCES, "?issued_on=2025-02-18&deadline=2025-03-31"),
                                   ("commitment", COMMITMENT_SENTENCES, "?issued_on=2025-02-18")):
        url = f"{live_server}/enterprises/{ent}/papers/{kind}/print{query}"
        printed = _printed(desk, url, tmp_path / f"{kind}.pdf")
        assert printed["pages"] == 1, kind
        assert abs(printed["size"][0] - 595) < 2 and abs(printed["size"][1] - 842) < 2  # A4 portrait, in points
        text = printed["texts"][0]
        for sentence in (GAS, "91350503MA31ABCD2", *sentences):
            assert re.sub(r"\s+", "", sentence) in text, (kind, sentence)
        assert "打印" not in text and "填入日期" not in text and "安标巡检" not in text  # only the letter is printed
        assert printed["cjk_embedded"], "no CJK font embedded: Chinese would print as boxes"


def test_a_towns_batch_prints_one_page_for_each_enterprise_still_missing_the_paper(conn, live_server, desk, tmp_path):
    _more_enterprises(conn)  # 安海镇: 甲 has both papers, 乙 only the 告知书, 丙 neither; 恒力 only the 告知书
    sign_in(desk, live_server, "supervisor")
    desk.goto(f"{live_server}/papers?county=晋江市&township=安海镇")
    desk.get_by_role("link", name="批量打印承诺书（3 家）").click()
    desk.wait_for_url(re.compile(r"/papers/print\?"))
    printed = _printed(desk, desk.url, tmp_path / "batch.pdf")
    assert printed["pages"] == 3
    names = ["安海镇乙鞋业有限公司", "安海镇丙包装厂", WORKS]
    for name in names:
        assert [n for n, text in enumerate(printed["texts"]) if f"承诺单位（盖章）：{name}" in text], name
    assert all("本单位及本人郑重承诺" in text and "安海镇甲五金厂" not in text for text in printed["texts"])
    assert printed["cjk_embedded"]
    notices = _printed(desk, f"{live_server}/papers/print?township=安海镇&kind=notice", tmp_path / "notices.pdf")
    assert notices["pages"] == 1
    assert "安海镇丙包装厂：" in notices["texts"][0] and "安海镇（盖章）" in notices["texts"][0]


def test_the_print_button_opens_the_print_dialog_and_the_pages_fit_a_phone(conn, live_server, desk, phone):
    from .test_browser_flows import fits_a_phone

    ent = ent_id(conn, GAS)
    sign_in(desk, live_server, "supervisor")
    desk.goto(f"{live_server}/enterprises/{ent}/papers/notice/print")
    desk.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    desk.get_by_role("button", name="打印").click()
    assert desk.evaluate("() => window.printed") == 1
    sign_in(phone, live_server, "grid1")  # who delivers the papers, on foot
    for name, path in (("papers", f"/enterprises/{ent}/papers"),
                       ("letter", f"/enterprises/{ent}/papers/notice/print"), ("towns", "/papers?township=东海街道"),
                       ("record", f"/enterprises/{ent}/papers/commitment/record"),
                       ("enforcement", f"/enterprises/{ent}/enforcement")):
        phone.goto(f"{live_server}{path}")
        fits_a_phone(phone, name)
    # The supervisor's forms, measured within the page's main part (the header is base.html's).
    sign_in(phone, live_server, "supervisor")
    for path in (f"/enterprises/{ent}/enforcement", "/enforcement"):
        phone.goto(f"{live_server}{path}")
        assert phone.evaluate("document.querySelector('main').scrollWidth") <= 390, path
        small = phone.evaluate("""() => [...document.querySelectorAll('main a, main button, main .choice')]
          .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44).map(el => el.innerText)""")
        assert small == [], (path, small)


def test_a_grid_worker_records_a_signed_commitment_from_the_phone(conn, live_server, phone, tmp_path):
    """Through the outbox form: the phone's own check asks for the photo first; with it the record is saved once."""
    ent = ent_id(conn, WORKS)
    sign_in(phone, live_server, "grid2")
    phone.goto(f"{live_server}/enterprises/{ent}")
    phone.get_by_role("link", name=re.compile("告知书、承诺书")).click()
    expect(phone.locator("#commitment")).to_contain_text("未签订")
    phone.get_by_role("link", name="记录签订").click()
    phone.get_by_label("签字人").fill("黄志明")
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator("#reasons-photo")).not_to_be_empty()
    phone.get_by_label("签字盖章页照片（必拍）").set_input_files(jpeg(tmp_path, "signed.jpg", "ivory"))
    phone.get_by_role("button", name="保存").click()
    expect(phone).to_have_url(re.compile(rf"/enterprises/{ent}/papers$"))
    expect(phone.get_by_role("status")).to_contain_text("已记录：承诺书签订")
    expect(phone.locator("#commitment")).to_contain_text("签字人：黄志明")
    expect(phone.locator("#commitment img")).to_have_count(1)
    rows = conn.execute("SELECT person, photo_id FROM enterprise_papers WHERE enterprise_id = ?"
                        " AND kind = 'commitment'", (ent,)).fetchall()
    assert len(rows) == 1 and rows[0][0] == "黄志明" and rows[0][1] is not None
