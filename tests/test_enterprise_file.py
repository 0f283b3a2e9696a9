"""The enterprise file (一企一档) over HTTP: who may create and edit it, and every bad value refused in Chinese."""

import json
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    """A 统一社会信用代码 with its GB 32100 check character (weights 3^i mod 31)."""
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + ALPHABET[-total % 31]


GOOD_CODE = with_check("91350503MA2Y12345")
WRONG_CHECK = GOOD_CODE[:17] + next(c for c in "0123456789" if c != GOOD_CODE[17])


class FormValues(HTMLParser):
    """The values a browser would submit from the page's own form (the one without an action), less its token."""

    def __init__(self, html):
        super().__init__()
        self.values, self._inside, self._select, self._textarea = {}, False, None, None
        self._options, self._option = [], None
        self.feed(html)
        self.values.pop("csrf_token", None)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._inside = "action" not in a
        elif not self._inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio", "submit"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option":
            self._option = [a.get("value"), "", "selected" in a]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, text, selected = self._option
            self._options.append((text.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.values[self._select] = chosen[0] if chosen else ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._inside = False


def ent_id(conn, name):
    return conn.execute("SELECT id FROM enterprises WHERE name = ?", (name,)).fetchone()[0]


def count(conn, table):
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def new_form(conn, **changes):
    grid = conn.execute("SELECT id FROM grids WHERE name = '丰泽区东海街道第一网格'").fetchone()[0]
    form = {
        "name": "泉州市清源燃气有限公司", "credit_code": GOOD_CODE, "industry": "城镇燃气", "size_class": "small_micro",
        "grid": str(grid), "address": "泉州市丰泽区清源街道 1 号", "principal_name": "张清源",
        "principal_phone": "13905953001", "safety_manager_name": "李安全", "safety_manager_phone": "0595-22530717",
        "standard_status": "national", "standard_grade": "2", "benchmark_level": "none", "showcase": "0",
        "star_rating": "0", "notice_delivered_on": "2024-05-06", "commitment_signed_on": "", "shifts": "08:00,20:00",
    }
    return {**form, **changes}


@pytest.fixture
def e1(conn):
    return ent_id(conn, "泉州市安泰燃气有限公司")


@pytest.fixture
def e2(conn):
    return ent_id(conn, "晋江市恒力机械制造有限公司")


@pytest.mark.parametrize("who", ["admin", "supervisor"])
def test_government_account_creates_an_enterprise_file(signed_in, conn, who):
    """An admin or supervisor enrols an enterprise; it is saved, audited and shown with its standard label."""
    audits = count(conn, "audit_log")
    response = signed_in(who).post("/enterprises/new", new_form(conn))
    assert response.status_code == 302
    row = conn.execute("SELECT * FROM enterprises WHERE credit_code = ?", (GOOD_CODE,)).fetchone()
    assert row["name"] == "泉州市清源燃气有限公司" and row["standard_grade"] == 2 and row["size_class"] == "small_micro"
    assert response.headers["Location"] == f"/enterprises/{row['id']}"
    log = conn.execute("SELECT * FROM audit_log WHERE entity = 'enterprise' AND entity_id = ?", (row["id"],)).fetchone()
    assert log["action"] == "create" and count(conn, "audit_log") == audits + 1
    assert json.loads(log["detail"])["credit_code"] == GOOD_CODE
    page = signed_in(who).get(f"/enterprises/{row['id']}").get_data(as_text=True)
    assert "国标二级" in page and GOOD_CODE in page


def test_credit_code_typed_in_lower_case_with_spaces_is_saved_normalised(signed_in, conn):
    """People type codes in lower case with spaces; the file keeps the normal form."""
    typed = " ".join([GOOD_CODE[:6].lower(), GOOD_CODE[6:12].lower(), GOOD_CODE[12:].lower()])
    assert signed_in("admin").post("/enterprises/new", new_form(conn, credit_code=typed)).status_code == 302
    assert conn.execute("SELECT 1 FROM enterprises WHERE credit_code = ?", (GOOD_CODE,)).fetchone()


def refused(conn, http, path, form):
    """POST a form that must be refused: 422, nothing saved, nothing audited. Returns the page."""
    enterprises = [tuple(r) for r in conn.execute("SELECT * FROM enterprises ORDER BY id")]
    audits = count(conn, "audit_log")
    response = http.post(path, form)
    assert response.status_code == 422
    assert [tuple(r) for r in conn.execute("SELECT * FROM enterprises ORDER BY id")] == enterprises
    assert count(conn, "audit_log") == audits
    page = response.get_data(as_text=True)
    assert "内容未保存" in page
    return page


@pytest.mark.parametrize(("changes", "message"), [
    ({"credit_code": WRONG_CHECK}, "校验位"),
    ({"credit_code": GOOD_CODE[:17]}, "应为18位"),
    ({"credit_code": "91350503MA2Y1234O" + "1"}, "不允许的字符"),
    ({"credit_code": ""}, "请填写统一社会信用代码"),
    ({"standard_status": "national", "standard_grade": ""}, "须填写达标等级"),
    ({"standard_status": "provincial", "standard_grade": ""}, "须填写达标等级"),
    ({"standard_status": "local", "standard_grade": "2"}, "地标达标不分级"),
    ({"standard_status": "self_assessed", "standard_grade": "1"}, "地标达标不分级"),
    ({"standard_grade": "4"}, "达标等级“4”不正确"),
    ({"principal_phone": "1390595"}, "不是有效的手机号或座机号"),
    ({"safety_manager_phone": "12345678901"}, "不是有效的手机号或座机号"),
    ({"notice_delivered_on": (date.today() + timedelta(days=1)).isoformat()}, "告知书送达日期不能晚于今天"),
    ({"commitment_signed_on": "2024-02-30"}, "不是有效日期"),
    ({"shifts": "25:00"}, "班次开始时间应写成"),
    ({"shifts": "08:00,08:00"}, "班次开始时间应写成"),
    ({"industry": "养殖业"}, "不在目录中"),
    ({"size_class": "huge"}, "企业类型“huge”不正确"),
    ({"grid": "9999"}, "网格“9999”不存在"),
    ({"star_rating": "5"}, "星级应为 0 到 3"),
    ({"name": "  "}, "请填写企业名称"),
])
def test_bad_value_is_refused_with_chinese_error_and_nothing_saved(signed_in, conn, changes, message):
    """Each bad field gives a 422 page naming the problem in Chinese; nothing is written."""
    page = refused(conn, signed_in("admin"), "/enterprises/new", new_form(conn, **changes))
    assert message in page
    assert "有 1 处需要修改" in page


def test_credit_code_already_registered_is_refused(signed_in, conn, e1):
    """A code already on file is refused, naming the enterprise that holds it."""
    taken = conn.execute("SELECT credit_code FROM enterprises WHERE id = ?", (e1,)).fetchone()[0]
    page = refused(conn, signed_in("admin"), "/enterprises/new", new_form(conn, credit_code=taken))
    assert "已登记为“泉州市安泰燃气有限公司”" in page


def test_all_errors_are_shown_together_and_other_values_kept(signed_in, conn):
    """One submission with five mistakes lists all five, each at its field, and keeps what was typed."""
    form = new_form(conn, credit_code=WRONG_CHECK, standard_status="local", standard_grade="1",
                    principal_phone="110", notice_delivered_on=(date.today() + timedelta(days=3)).isoformat(),
                    shifts="25:00")
    page = refused(conn, signed_in("admin"), "/enterprises/new", form)
    assert "有 5 处需要修改" in page
    for message in ("校验位", "地标达标不分级", "不是有效的手机号", "不能晚于今天", "班次开始时间应写成"):
        assert message in page
    assert page.count('class="error" role="alert"') == 5
    kept = FormValues(page).values
    assert kept["name"] == "泉州市清源燃气有限公司"
    assert kept["address"] == "泉州市丰泽区清源街道 1 号"
    assert kept["credit_code"] == WRONG_CHECK and kept["shifts"] == "25:00" and kept["principal_phone"] == "110"


def test_manager_edits_own_file_and_audit_keeps_old_and_new_values(signed_in, conn, e1):
    """manager1 saves the edit form it was shown with two changes; the audit row has both old and new values."""
    manager = signed_in("manager1")
    form = FormValues(manager.get(f"/enterprises/{e1}/edit").get_data(as_text=True)).values
    assert form["credit_code"] == conn.execute("SELECT credit_code FROM enterprises WHERE id = ?", (e1,)).fetchone()[0]
    unchanged = manager.post(f"/enterprises/{e1}/edit", form)
    assert unchanged.status_code == 302, "the form as shown saves without errors"
    assert conn.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'enterprise' AND entity_id = ? "
                        "AND action = 'update'", (e1,)).fetchone()[0] == 0, "saving without changes logs nothing"
    # Opening the form again gives it a new submission key, as after any save.
    form = FormValues(manager.get(f"/enterprises/{e1}/edit").get_data(as_text=True)).values
    form.update(principal_phone="13905951999", shifts="20:00, 08:00,16:00")
    assert manager.post(f"/enterprises/{e1}/edit", form).status_code == 302
    row = conn.execute("SELECT * FROM enterprises WHERE id = ?", (e1,)).fetchone()
    assert row["principal_phone"] == "13905951999" and row["shifts"] == "08:00,16:00,20:00"
    log = conn.execute("SELECT * FROM audit_log WHERE entity = 'enterprise' AND entity_id = ? AND action = 'update'",
                       (e1,)).fetchone()
    manager_id = conn.execute("SELECT id FROM users WHERE username = 'manager1'").fetchone()[0]
    assert log["user_id"] == manager_id
    assert json.loads(log["detail"]) == {"principal_phone": ["13905951001", "13905951999"],
                                         "shifts": ["08:00,20:00", "08:00,16:00,20:00"]}


def test_manager_edit_with_bad_value_changes_nothing(signed_in, conn, e1):
    """A refused edit leaves the file and its updated_at as they were."""
    manager = signed_in("manager1")
    form = FormValues(manager.get(f"/enterprises/{e1}/edit").get_data(as_text=True)).values
    form.update(principal_phone="13905951999", standard_grade="")
    page = refused(conn, manager, f"/enterprises/{e1}/edit", form)
    assert "须填写达标等级" in page


def test_manager_cannot_edit_another_enterprise(signed_in, conn, e1, e2):
    """manager1 is answered 404 for enterprise 2's edit form, as if it did not exist; nothing changes."""
    manager = signed_in("manager1")
    form = FormValues(signed_in("manager2").get(f"/enterprises/{e2}/edit").get_data(as_text=True)).values
    before = [tuple(r) for r in conn.execute("SELECT * FROM enterprises ORDER BY id")]
    assert manager.get(f"/enterprises/{e2}/edit").status_code == 404
    assert manager.post(f"/enterprises/{e2}/edit", {**form, "address": "改掉"}).status_code == 404
    assert [tuple(r) for r in conn.execute("SELECT * FROM enterprises ORDER BY id")] == before


def test_grid_worker_cannot_edit_the_file_they_see(signed_in, conn, e1):
    """grid1 sees enterprise 1's file but editing it is 403 with the Chinese page."""
    grid = signed_in("grid1")
    assert grid.get(f"/enterprises/{e1}").status_code == 200
    response = grid.get(f"/enterprises/{e1}/edit")
    assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True)
    before = [tuple(r) for r in conn.execute("SELECT * FROM enterprises ORDER BY id")]
    assert grid.post(f"/enterprises/{e1}/edit", {"name": "改掉"}).status_code == 403
    assert [tuple(r) for r in conn.execute("SELECT * FROM enterprises ORDER BY id")] == before


def test_manager_cannot_create_enterprises(signed_in, conn):
    """Only government accounts above the grid enrol enterprises: manager1 and grid1 get 403."""
    for who in ("manager1", "grid1"):
        assert signed_in(who).post("/enterprises/new", new_form(conn)).status_code == 403
    assert not conn.execute("SELECT 1 FROM enterprises WHERE credit_code = ?", (GOOD_CODE,)).fetchone()


def test_file_page_shows_standard_label(signed_in, e1, e2):
    """The file page shows 国标三级 for enterprise 1 and 自评 for enterprise 2."""
    admin = signed_in("admin")
    assert "<dt>标准化</dt><dd>国标三级</dd>" in admin.get(f"/enterprises/{e1}").get_data(as_text=True)
    assert "<dt>标准化</dt><dd>自评</dd>" in admin.get(f"/enterprises/{e2}").get_data(as_text=True)
