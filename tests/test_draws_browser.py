"""双随机 in Chromium: a supervisor at a desk draws from 监管 → 双随机 and sees the pairs with the seed that replays
them; a bad form is refused beside its field and saves nothing; a redraw asks for its reason and keeps the old draw,
marked void; the draw's pages also fit a phone; the grid worker drawn finds the task on their phone's home."""

from datetime import date, timedelta

from playwright.sync_api import expect

from .conftest import sign_in
from .loop_helpers import uid
from .test_browser_flows import fits_a_phone


def content_fits_a_phone(page, label):
    """The page's own content (not the shared menu) fits 390 px with thumb-sized targets."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.querySelector('main').scrollWidth")
    assert width <= 390, f"{label}: the content is {width} px wide"
    small = page.evaluate("""() => [...document.querySelectorAll('main a, main button, main input[type=submit]')]
      .filter(el => el.offsetParent !== null)
      .map(el => ({text: el.innerText.trim().slice(0, 30), height: el.getBoundingClientRect().height}))
      .filter(t => t.height < 44)""")
    assert small == [], f"{label}: targets under 44 px: {small}"


def draw_count(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM draws").fetchone()[0]


def test_a_supervisor_draws_sees_the_pairs_and_the_grid_worker_finds_the_task(live_server, desk, phone, conn):
    before = draw_count(conn)
    sign_in(desk, live_server, "supervisor")
    desk.get_by_role("navigation", name="主菜单").get_by_role("link", name="监管").click()
    desk.get_by_role("link", name="双随机抽查", exact=True).click()
    expect(desk.get_by_role("heading", name="双随机抽取")).to_be_visible()
    expect(desk.get_by_text("本季度双随机抽查（演示）")).to_be_visible()  # the demo's draw in the list
    desk.get_by_role("link", name="新的抽取").click()
    expect(desk.get_by_label("回避：网格员不抽查本网格的企业")).to_be_checked()
    expect(desk.get_by_label("王网格（东海街道）")).to_be_checked()

    # Nothing written for the purpose: said beside the field, nothing saved.
    desk.get_by_label("抽取企业数").fill("2")
    desk.get_by_label("抽取检查人员数").fill("2")
    desk.get_by_label("完成期限").fill((date.today() + timedelta(days=10)).isoformat())
    for name in ("郑监管（市城管局）", "林安办（东海街道）"):
        desk.get_by_label(name).uncheck()
    desk.get_by_label("抽取事由").fill(" ")
    desk.get_by_role("button", name="抽取", exact=True).click()
    expect(desk.locator("#reasons-purpose")).to_contain_text("请写明抽取事由")
    assert draw_count(conn) == before

    desk.get_by_label("抽取事由").fill("十一月燃气、工贸企业双随机抽查")
    desk.get_by_role("button", name="抽取", exact=True).click()
    expect(desk.get_by_role("heading", name="十一月燃气、工贸企业双随机抽查")).to_be_visible()
    expect(desk.get_by_text("按种子重算，结果一致")).to_be_visible()
    pairs = desk.locator("[data-pair]")
    expect(pairs).to_have_count(2)
    # Each grid worker is sent to the other grid's enterprise.
    expect(pairs.filter(has_text="晋江市恒力机械制造有限公司")).to_contain_text("王网格（东海街道）")
    expect(pairs.filter(has_text="泉州市安泰燃气有限公司")).to_contain_text("吴网格（安海镇）")
    assert draw_count(conn) == before + 1
    draw_id, = conn.execute("SELECT MAX(id) FROM draws").fetchone()

    # The grid worker drawn finds the task on their home.
    sign_in(phone, live_server, "grid1")
    tasks = phone.locator("#draw-tasks")
    expect(tasks.get_by_role("heading")).to_contain_text("双随机检查任务")
    task = tasks.locator("form", has_text="十一月燃气、工贸企业双随机抽查")
    expect(task).to_contain_text("晋江市恒力机械制造有限公司")
    fits_a_phone(phone, "the grid worker's home with tasks")

    # The same pages on a phone (the supervisor in the field): content fits, targets are thumb-sized.
    sign_in(phone, live_server, "supervisor")
    for path, label in (("/draws", "the list of draws"), ("/draws/new", "the draw form"),
                        (f"/draws/{draw_id}", "the drawn pairs"), (f"/draws/{draw_id}/redraw", "the redraw form")):
        phone.goto(f"{live_server}{path}")
        content_fits_a_phone(phone, label)

    # A redraw asks for its reason; both draws stay, the first marked void.
    sign_in(desk, live_server, "supervisor")
    desk.goto(f"{live_server}/draws/{draw_id}")
    desk.get_by_role("link", name="重新抽取（须写明原因）").click()
    expect(desk.get_by_label("抽取事由")).to_have_value("十一月燃气、工贸企业双随机抽查")
    desk.get_by_label("重新抽取的原因").fill("吴网格本周外出培训，改派")
    desk.get_by_role("button", name="重新抽取").click()
    expect(desk.get_by_text("这是重新抽取，原因：吴网格本周外出培训，改派")).to_be_visible()
    desk.get_by_role("link", name="查看原抽取（已作废）").click()
    expect(desk.get_by_text("已作废")).to_be_visible()
    assert draw_count(conn) == before + 2
    assert conn.execute("SELECT COUNT(*) FROM inspection_tasks WHERE draw_id = ? AND cancelled_at IS NULL",
                        (draw_id,)).fetchone()[0] == 0
    assert uid(conn, "supervisor") == conn.execute("SELECT drawn_by FROM draws WHERE id = ?", (draw_id,)).fetchone()[0]
