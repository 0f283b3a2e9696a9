"""The 自评报告 on A4: Chromium prints the machine works' submitted self-assessment to PDF on A4 pages, with the
enterprise, the date, every element's score, the deductions with their evidence and the hazards raised, in Chinese in an
embedded CJK font; the page's buttons and menus stay off paper."""

import re

from .conftest import sign_in
from .loop_helpers import ent_id, post, upload
from .test_sign_print import CJK_FONT_NAME, _run

WORKS = "晋江市恒力机械制造有限公司"


def test_the_printed_self_assessment_report_shows_scores_deductions_evidence_and_hazards(conn, live_server, desk,
                                                                                       signed_in, tmp_path):
    works = ent_id(conn, WORKS)
    assessment_id = conn.execute("SELECT id FROM self_assessments WHERE enterprise_id = ?", (works,)).fetchone()[0]
    item = conn.execute("SELECT i.id FROM library_items i JOIN library_docs d ON d.id = i.doc_id"
                        " WHERE d.kind = 'self_assessment' AND i.code = '5.6.1.4'").fetchone()[0]
    # A failed item raised as a hazard after submitting, as the report lists it.
    raised = post(signed_in("manager2"), f"/self-assessments/{assessment_id}/items/{item}/hazard",
                  {"category": "management", "level": "general", "photos": upload(),
                   "description": "一线员工未参加应急演练"})
    assert raised.status_code == 302
    sign_in(desk, live_server, "manager2")
    desk.goto(f"{live_server}/self-assessments/{assessment_id}/report")
    desk.wait_for_load_state("load")
    path = tmp_path / "report.pdf"
    desk.pdf(path=str(path), format="A4", print_background=True)
    info = _run("pdfinfo", str(path))
    assert re.search(r"Page size:\s+[\d.]+ x [\d.]+ pts \(A4\)", info), info
    words = re.sub(r"\s+", "", _run("pdftotext", "-raw", str(path), "-"))
    assert "安全生产标准化自评报告" in words and WORKS in words
    assert "自评得分99.1分" in words  # (1000 − 5 − 4) ÷ 1000 × 100
    for element in ("5.1目标职责", "5.4现场管理", "5.5安全风险管控及隐患排查治理", "5.8持续改进"):
        assert element in words
    assert "5.4.4警示标志（35分，扣5分）" in words and "冲压车间3号冲床旁无警示标志" in words
    assert "5.6.1.4应急演练（20分，扣4分）" in words and "《2024年应急演练记录》第2页" in words
    assert "列为隐患（1）" in words and "标准化自评5.6.1.4应急演练：一线员工未参加应急演练" in words
    assert "打印" not in words.replace("打印于", "") and "提交自评" not in words
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    assert [f[0] for f in fonts if CJK_FONT_NAME.search(f[0]) and f[-5] == "yes"], fonts
