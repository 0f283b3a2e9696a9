"""双随机 draws: a recorded seed replays to the same pairs, conflicts are excluded, a redraw needs a reason and keeps
both draws, the population and pool stay inside the drawer's scope, and the drawn tasks reach the inspectors."""

import json
import random
import re

import pytest

from anbiao import draws
from anbiao.db import now
from anbiao.refusal import Refused

from .loop_helpers import card_form, ent_id, post, uid

GAS, WORKS = "泉州市安泰燃气有限公司", "晋江市恒力机械制造有限公司"


def add_enterprise(conn, name, grid_name, industry="工贸", size="small_micro", colour=None) -> int:
    """An enterprise (its overview row follows by trigger) in an existing grid."""
    grid = conn.execute("SELECT id FROM grids WHERE name = ?", (grid_name,)).fetchone()[0]
    code = f"91350{abs(hash(name)) % 10**12:012d}X"
    new_id = conn.execute(
        "INSERT INTO enterprises (name, credit_code, industry, size_class, grid_id, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?)", (name, code, industry, size, grid, now(), now())).lastrowid
    if colour:
        conn.execute("UPDATE enterprises SET colour = ? WHERE id = ?", (colour, new_id))
    conn.commit()
    return new_id


def grid_names(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM grids ORDER BY id")]


def user(conn, username) -> dict:
    return dict(conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone())


def form(conn, **fields) -> dict:
    """A draw form over everything in scope with grid1 and grid2 as the pool, due in a week."""
    data = {"purpose": "季度双随机抽查", "enterprises": "2", "inspectors": "2", "team": "1",
            "exclude_own_grid": "1", "due_on": "2099-01-31", "pool": [str(uid(conn, "grid1")), str(uid(conn, "grid2"))]}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def drawn(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/draws/(\d+)$", response.headers["Location"]).group(1))


def draw_row(conn, draw_id) -> dict:
    return dict(conn.execute("SELECT * FROM draws WHERE id = ?", (draw_id,)).fetchone())


def tasks_of(conn, draw_id) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM inspection_tasks WHERE draw_id = ? ORDER BY id", (draw_id,))]


# -- the pure draw ----------------------------------------------------------------------------------------------------

POPULATION = list(range(1, 201))
POOL = list(range(1001, 1013))


def ent_grid(e):
    return e % 5  # five grids


def insp_grid(i):
    return i % 5 if i < 1010 else None  # nine grid workers across the grids, three supervisors


def test_the_same_seed_and_population_give_the_same_draw():
    first = draws.pair("5eed", POPULATION, POOL, 20, 6, 2, ent_grid, insp_grid)
    again = draws.pair("5eed", list(reversed(POPULATION)), list(reversed(POOL)), 20, 6, 2, ent_grid, insp_grid)
    assert first == again  # the order the ids come in does not matter: they are sorted first
    assert len(first) == 40


def test_different_seeds_give_different_draws():
    results = {tuple(draws.pair(f"{n:032x}", POPULATION, POOL, 10, 4, 1, ent_grid, insp_grid)) for n in range(30)}
    assert len(results) == 30


def test_excluded_conflicts_never_appear_over_many_seeds():
    """Property: for any seed, population and pool, no inspector is paired with an enterprise of their own grid,
    each enterprise gets its whole team of different people, and the loads differ by at most one when no
    conflict binds."""
    rng = random.Random(11)
    for n in range(600):
        grids = rng.randint(2, 6)
        population = rng.sample(range(1, 500), rng.randint(3, 60))
        pool = rng.sample(range(1000, 1040), rng.randint(3, 12))
        e_grid = {e: rng.randrange(grids) for e in population}
        i_grid = {i: (rng.randrange(grids) if rng.random() < .8 else None) for i in pool}
        team = rng.choice((1, 2))
        m = rng.randint(team, len(pool))
        size = rng.randint(1, len(population))
        try:
            pairs = draws.pair(f"{n:x}", population, pool, size, m, team, e_grid, i_grid)
        except Refused:
            continue  # too few inspectors outside some grid: refused as a whole, never paired against the rule
        assert all(i_grid[i] is None or i_grid[i] != e_grid[e] for e, i in pairs), n
        by_enterprise: dict = {}
        for e, i in pairs:
            by_enterprise.setdefault(e, []).append(i)
        assert len(by_enterprise) == size
        assert all(len(team_) == team == len(set(team_)) for team_ in by_enterprise.values())
        free = draws.pair(f"{n:x}", population, pool, size, m, team, e_grid, i_grid, exclude_own_grid=False)
        loads = [sum(1 for _, i in free if i == x) for x in {i for _, i in free}]
        assert max(loads) - min(loads) <= 1 and len(loads) == min(m, size * team)


def test_without_exclusion_an_inspector_may_draw_their_own_grid():
    pairs = draws.pair("x", [1, 2, 3], [10], 3, 1, 1, {1: 1, 2: 1, 3: 1}, {10: 1}, exclude_own_grid=False)
    assert pairs == [(1, 10), (2, 10), (3, 10)] or sorted(pairs) == [(1, 10), (2, 10), (3, 10)]
    with pytest.raises(Refused):
        draws.pair("x", [1, 2, 3], [10], 3, 1, 1, {1: 1, 2: 1, 3: 1}, {10: 1})


# -- through the app --------------------------------------------------------------------------------------------------

def test_a_supervisor_draws_and_the_stored_draw_replays_to_its_pairs(signed_in, conn):
    for k in range(6):
        add_enterprise(conn, f"测试企业{k}", grid_names(conn)[k % 2])
    supervisor = signed_in("supervisor")
    draw_id = drawn(post(supervisor, "/draws/new", form(conn, enterprises="8")))
    stored = draw_row(conn, draw_id)
    assert stored["purpose"] == "季度双随机抽查" and stored["drawn_by"] == uid(conn, "supervisor")
    assert re.fullmatch(r"[0-9a-f]{32}", stored["seed"])
    assert len(json.loads(stored["population_ids"])) == 8 and json.loads(stored["pool_ids"]) == sorted(
        [uid(conn, "grid1"), uid(conn, "grid2")])
    assert draws.replay(conn, stored) == draws.stored_pairs(conn, draw_id)
    tasks = tasks_of(conn, draw_id)
    assert len(tasks) == 8 and {t["due_on"] for t in tasks} == {"2099-01-31"}
    # Each grid worker went to the other grid's enterprises only: four each.
    grid_of = dict(conn.execute("SELECT id, grid_id FROM enterprises"))
    mine = dict(conn.execute("SELECT id, grid_id FROM users WHERE grid_id IS NOT NULL"))
    assert all(grid_of[t["enterprise_id"]] != mine[t["inspector_id"]] for t in tasks)
    assert sorted(sum(1 for t in tasks if t["inspector_id"] == i) for i in mine if i in {
        t["inspector_id"] for t in tasks}) == [4, 4]
    page = supervisor.get(f"/draws/{draw_id}").get_data(as_text=True)
    assert "按种子重算，结果一致" in page and f'data-seed="{stored["seed"]}"' in page
    assert page.count("data-pair") == 8
    audit = conn.execute("SELECT action, user_id FROM audit_log WHERE entity = 'draw' AND entity_id = ?",
                         (draw_id,)).fetchall()
    assert [tuple(a) for a in audit] == [("draw", uid(conn, "supervisor"))]


def test_a_replay_still_agrees_after_an_enterprise_changes_grid(signed_in, conn):
    supervisor = signed_in("supervisor")
    draw_id = drawn(post(supervisor, "/draws/new", form(conn)))
    grids = [r[0] for r in conn.execute("SELECT id FROM grids ORDER BY id")]
    conn.execute("UPDATE enterprises SET grid_id = ? WHERE name = ?", (grids[1], GAS))
    conn.commit()
    assert draws.replay(conn, draw_row(conn, draw_id)) == draws.stored_pairs(conn, draw_id)


@pytest.mark.parametrize("field, value, words", [
    ("purpose", "", "抽取事由"), ("enterprises", "0", "抽取企业数"), ("enterprises", "3", "共有 2 家企业"),
    ("inspectors", "3", "只勾选了 2 名"), ("pool", [], "至少勾选一名"), ("due_on", "2000-01-01", "不能早于今天"),
    ("team", "3", "派几人"), ("industry", "造船", "行业领域"), ("colour", "purple", "风险等级"),
])
def test_a_draw_with_bad_settings_is_refused_in_chinese_and_saves_nothing(signed_in, conn, field, value, words):
    supervisor = signed_in("supervisor")
    before = conn.execute("SELECT COUNT(*) FROM draws").fetchone()[0]
    answer = post(supervisor, "/draws/new", form(conn, **{field: value}))
    assert answer.status_code == 422
    assert words in answer.get_data(as_text=True)
    assert conn.execute("SELECT COUNT(*) FROM draws").fetchone()[0] == before


def test_too_few_inspectors_to_keep_off_their_own_grid_is_refused_whatever_the_seed(signed_in, conn):
    supervisor = signed_in("supervisor")
    answer = post(supervisor, "/draws/new", form(conn, inspectors="1"))
    assert answer.status_code == 422
    assert "至少应抽取 2 名" in answer.get_data(as_text=True)


def test_a_pool_member_outside_the_drawers_scope_is_refused(signed_in, conn):
    town = signed_in("town1")
    answer = post(town, "/draws/new", form(conn, enterprises="1", inspectors="1", exclude_own_grid=None))
    assert answer.status_code == 422 and "不在您范围内" in answer.get_data(as_text=True)


def test_population_filters_select_industry_colour_and_size(conn):
    grid = grid_names(conn)[0]
    red = add_enterprise(conn, "红色小微", grid, "工贸", "small_micro", "red")
    blue = add_enterprise(conn, "蓝色中等", grid, "工贸", "medium", "blue")
    gas = add_enterprise(conn, "燃气规上", grid, "城镇燃气", "above_scale", "red")
    supervisor = user(conn, "supervisor")

    def expected(where):
        return [e for e, in conn.execute(f"SELECT id FROM enterprises WHERE {where} ORDER BY id")]

    assert draws.population(conn, supervisor, {"colour": "red"}) == expected("colour = 'red'")
    assert {red, gas} <= set(expected("colour = 'red'")) and blue not in expected("colour = 'red'")
    red_works = draws.population(conn, supervisor, {"colour": "red", "industry": "工贸"})
    assert red_works == expected("colour = 'red' AND industry = '工贸'") and red in red_works and gas not in red_works
    medium = draws.population(conn, supervisor, {"size_class": "medium", "industry": "工贸"})
    assert medium == expected("size_class = 'medium' AND industry = '工贸'") and blue in medium and red not in medium
    assert draws.population(conn, supervisor, {"colour": "none"}) == expected("colour IS NULL")
    everyone = draws.population(conn, supervisor, {})
    assert everyone == expected("1") and {red, blue, gas} <= set(everyone)


def test_a_drawn_population_is_exactly_the_filtered_one(signed_in, conn):
    grid = grid_names(conn)[1]
    chosen = [add_enterprise(conn, f"中等工贸{k}", grid, "工贸", "medium") for k in range(3)]
    add_enterprise(conn, "小微工贸", grid, "工贸", "small_micro")
    supervisor = signed_in("supervisor")
    draw_id = drawn(post(supervisor, "/draws/new", form(
        conn, industry="工贸", size_class="medium", enterprises="3", inspectors="1", exclude_own_grid=None,
        pool=[str(uid(conn, "grid1"))])))
    population = json.loads(draw_row(conn, draw_id)["population_ids"])
    medium_works = [e for e, in conn.execute(
        "SELECT id FROM enterprises WHERE industry = '工贸' AND size_class = 'medium' ORDER BY id")]
    assert population == medium_works and set(chosen) <= set(population)
    assert {t["enterprise_id"] for t in tasks_of(conn, draw_id)} <= set(population)


def test_a_town_supervisor_draws_only_in_their_town_and_sees_only_its_draws(signed_in, conn):
    town_user = user(conn, "town1")
    assert draws.population(conn, town_user, {}) == [ent_id(conn, GAS)]
    pool = {c["id"] for c in draws.candidates(conn, town_user)}
    assert uid(conn, "grid1") in pool and uid(conn, "grid2") not in pool and uid(conn, "supervisor") not in pool
    assert uid(conn, "town1") in pool
    town = signed_in("town1")
    own = drawn(post(town, "/draws/new", form(conn, enterprises="1", inspectors="1",
                                              pool=[str(uid(conn, "town1"))])))
    city_draw = conn.execute("SELECT id FROM draws WHERE id != ? ORDER BY id LIMIT 1", (own,)).fetchone()[0]
    listed = town.get("/draws").get_data(as_text=True)
    assert f"/draws/{own}" in listed and f"/draws/{city_draw}\"" not in listed
    assert town.get(f"/draws/{city_draw}").status_code == 404
    assert town.get(f"/draws/{own}").status_code == 200
    city = signed_in("supervisor")
    assert f"/draws/{own}" in city.get("/draws").get_data(as_text=True)  # the city sees the town's draws


def test_only_supervisors_and_admins_draw(signed_in, conn):
    for name in ("grid1", "manager1", "leader1"):
        assert signed_in(name).get("/draws").status_code == 403
        assert post(signed_in(name), "/draws/new", form(conn)).status_code == 403


def test_a_redraw_without_a_reason_is_refused(signed_in, conn):
    supervisor = signed_in("supervisor")
    draw_id = drawn(post(supervisor, "/draws/new", form(conn)))
    before = [tuple(r) for r in conn.execute("SELECT * FROM draws")]
    answer = post(supervisor, f"/draws/{draw_id}/redraw", form(conn, reason="  "))
    assert answer.status_code == 422 and "必须写明原因" in answer.get_data(as_text=True)
    assert [tuple(r) for r in conn.execute("SELECT * FROM draws")] == before
    assert all(t["cancelled_at"] is None for t in tasks_of(conn, draw_id))


def test_a_redraw_keeps_both_draws_supersedes_the_old_and_cancels_its_tasks(signed_in, conn):
    supervisor = signed_in("supervisor")
    old = drawn(post(supervisor, "/draws/new", form(conn)))
    prefilled = supervisor.get(f"/draws/{old}/redraw").get_data(as_text=True)
    assert "季度双随机抽查" in prefilled and "重新抽取的原因" in prefilled
    new = drawn(post(supervisor, f"/draws/{old}/redraw", form(conn, reason="网格员王某病假，重新抽取")))
    old_row, new_row = draw_row(conn, old), draw_row(conn, new)
    assert old_row["superseded_at"] and new_row["redraw_of"] == old and new_row["redraw_reason"].startswith("网格员")
    assert new_row["seed"] != old_row["seed"]
    assert all(t["cancelled_at"] for t in tasks_of(conn, old)) and not any(
        t["cancelled_at"] for t in tasks_of(conn, new))
    old_page = supervisor.get(f"/draws/{old}").get_data(as_text=True)
    assert "已作废" in old_page and f"/draws/{new}" in old_page and "网格员王某病假" in old_page
    assert f"/draws/{old}" in supervisor.get(f"/draws/{new}").get_data(as_text=True)
    listed = supervisor.get("/draws").get_data(as_text=True)
    assert f"/draws/{old}\"" in listed and f"/draws/{new}\"" in listed
    # A superseded draw cannot be redrawn again, and its cancelled tasks leave the inspectors' homes.
    again = post(supervisor, f"/draws/{old}/redraw", form(conn, reason="再来一次"))
    assert again.status_code == 302 and conn.execute("SELECT COUNT(*) FROM draws WHERE redraw_of = ?",
                                                     (old,)).fetchone()[0] == 1
    entries = conn.execute("SELECT action FROM audit_log WHERE entity = 'draw' ORDER BY id").fetchall()
    assert [e[0] for e in entries][-2:] == ["draw", "redraw"]
    log = signed_in("admin").get("/audit?entity=draw").get_data(as_text=True)
    assert "双随机抽取" in log and "重新抽取" in log and "原因：网格员王某病假" in log


def inspect_by_task(person, conn, task_id, level, description) -> int:
    """The drawn inspector starts the task and sends its grid guide with one hazard on the first item; its id."""
    opened = person.post(f"/tasks/{task_id}/start")
    assert opened.status_code == 302 and "/fill" in opened.headers["Location"]
    checklist_id = int(re.search(r"/checklists/(\d+)/fill", opened.headers["Location"]).group(1))
    items = [dict(r) for r in conn.execute(
        "SELECT * FROM checklist_items WHERE checklist_id = ? AND removed_at IS NULL ORDER BY position",
        (checklist_id,))]
    answer = post(person, f"/checklists/{checklist_id}/inspections",
                  card_form(items, {0: {"level": level, "description": description}}))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return checklist_id


def test_a_grid_worker_sees_their_task_on_home_and_it_is_done_by_the_inspection(signed_in, conn):
    supervisor = signed_in("supervisor")
    # Without the conflict rule grid1 may draw their own grid's enterprise, which their account may already fill.
    draw_id = drawn(post(supervisor, "/draws/new", form(
        conn, enterprises="1", inspectors="1", industry="城镇燃气", exclude_own_grid=None,
        pool=[str(uid(conn, "grid1"))])))
    task = tasks_of(conn, draw_id)[0]
    grid1 = signed_in("grid1")
    home = grid1.get("/").get_data(as_text=True)
    assert "双随机检查任务" in home and f"/tasks/{task['id']}/start" in home and "季度双随机抽查" in home
    inspect_by_task(grid1, conn, task["id"], "major", "储罐区可燃气体报警器失效")
    assert f"/tasks/{task['id']}/start" not in grid1.get("/").get_data(as_text=True)
    tally = draws.tally(conn, draw_id)
    assert (tally["tasks"], tally["done"], tally["pending"], tally["hazards"], tally["major"]) == (1, 1, 0, 1, 1)
    page = supervisor.get(f"/draws/{draw_id}").get_data(as_text=True)
    assert "已检查" in page and "查看检查记录" in page


def test_a_drawn_inspector_inspects_an_enterprise_outside_their_grid_until_the_task_is_called_off(signed_in, conn):
    demo_draw = conn.execute("SELECT id FROM draws ORDER BY id LIMIT 1").fetchone()[0]
    task = next(t for t in tasks_of(conn, demo_draw) if t["inspector_id"] == uid(conn, "grid1"))
    works = ent_id(conn, WORKS)
    assert task["enterprise_id"] == works  # the demo keeps grid1 off their own grid
    grid1 = signed_in("grid1")
    assert "开始网格员检查" in grid1.get(f"/enterprises/{works}").get_data(as_text=True)
    # Sent to one enterprise, not given its grid: the grid's list stays the other grid worker's.
    assert WORKS not in grid1.get("/enterprises").get_data(as_text=True)
    assert signed_in("grid2").post(f"/tasks/{task['id']}/start").status_code == 404  # not theirs
    checklist_id = inspect_by_task(grid1, conn, task["id"], "general", "冲床防护罩缺失")
    assert draws.tally(conn, demo_draw)["done"] == 1
    conn.execute("UPDATE inspection_tasks SET cancelled_at = ? WHERE id = ?", (now(), task["id"]))
    conn.commit()
    assert grid1.get(f"/enterprises/{works}").status_code == 404
    assert grid1.get(f"/checklists/{checklist_id}/fill").status_code == 404


def test_the_demo_draw_sends_each_grid_worker_to_the_other_grid(conn):
    demo_draw = draw_row(conn, conn.execute("SELECT id FROM draws ORDER BY id LIMIT 1").fetchone()[0])
    pairs = draws.stored_pairs(conn, demo_draw["id"])
    assert sorted(pairs) == sorted([(ent_id(conn, WORKS), uid(conn, "grid1")), (ent_id(conn, GAS), uid(conn, "grid2"))])
    assert draws.replay(conn, demo_draw) == pairs


@pytest.mark.parametrize("account, path", [("supervisor", "/draws"), ("town1", "/draws"), ("supervisor", "/draws/{d}"),
                                           ("supervisor", "/draws/new"), ("grid1", "/")])
def test_the_draw_pages_never_scan_a_big_table(signed_in, conn, account, path):
    from anbiao import db

    draw_id = conn.execute("SELECT id FROM draws ORDER BY id LIMIT 1").fetchone()[0]
    client = signed_in(account)
    statements = []
    db.get().conn.set_trace_callback(statements.append)
    try:
        assert client.get(path.format(d=draw_id)).status_code == 200
    finally:
        db.get().conn.set_trace_callback(None)
    bad = [(sql, db.full_scans(conn, sql)) for sql in statements if db.full_scans(conn, sql)]
    assert not bad, bad
