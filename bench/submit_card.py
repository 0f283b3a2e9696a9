"""Submitting a 10-item 岗位卡片 through gunicorn, against a hello endpoint on the same server settings
(gunicorn.conf.py, as `make serve`).

Both servers run side by side and wrk drives them in turns, several rounds, so a neighbour's load on a shared
machine falls on both; the medians are compared. Prints requests/s and p99 for hello, for a signed-in POST that
changes nothing (the floor every form submission pays: session, CSRF, idempotency key), for a signed-in GET that
does nothing (the floor under every page) and for the card, then
`card submit: ratio <card/hello> (target ≥ 0.6)` and `card submit p99: <ms> ms (target < 50)`.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anbiao import checklists, db, demo  # noqa: E402
from bench import demo_database  # noqa: E402

DURATION = os.environ.get("BENCH_SECONDS", "4")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
AGENT = "Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile"
# Settings come from gunicorn.conf.py in ROOT, the same file `make serve` reads.
GUNICORN = [str(ROOT / ".venv/bin/gunicorn"), "--log-level", "warning"]

LUA = r"""
local n = 0
local id = 0
function setup(thread) id = id + 1; thread:set("tid", id) end
function init(args) math.randomseed(os.time() * 1000 + tid) end
request = function()
  n = n + 1
  local key = string.format("bench%d-%d-%d", tid, n, math.random(1, 1000000000))
  return wrk.format("POST", PATH, HEADERS, BODY .. "&idempotency_key=" .. key)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(module: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", module], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{module} did not start")


def wrk(url: str, script: Path | None = None) -> tuple[float, float]:
    args = ["wrk", "-t2", "-c16", f"-d{DURATION}s", "--latency", url]
    if script:
        args[1:1] = ["-s", str(script)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    amount, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)$", out, re.M).groups()
    p99 = float(amount) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{errors.group(1)} requests failed:\n{out}")
    return rate, p99


def prepare(folder: Path) -> tuple[Path, int]:
    """A demo database whose 充装班 card has exactly 10 items."""
    path = folder / "bench.db"
    conn = demo_database(path, folder / "photos")
    card = dict(conn.execute("SELECT c.* FROM checklists c JOIN units u ON u.id = c.unit_id"
                             " WHERE u.name = '充装班' AND c.tier = 'post'").fetchone())
    while len(checklists.get_items(conn, card["id"])) < 10:
        checklists.add_item(conn, card, aspect="作业现场", content="交接班记录填写完整")
    while len(checklists.get_items(conn, card["id"])) > 10:
        checklists.remove_item(conn, card, checklists.get_items(conn, card["id"])[-1]["id"])
    conn.conn.close()
    return path, card["id"]


def sign_in(base: str, card_id: int) -> tuple[str, str, list[str]]:
    """Sign in as the team leader; return the cookie header, the CSRF token and the card's item fields."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", AGENT)]  # the same phone throughout, as in the field
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "leader1", "password": demo.PASSWORD, "csrf_token": token,
                                   "idempotency_key": os.urandom(16).hex()})
    opener.open(f"{base}/login", form.encode())
    page = opener.open(f"{base}/checklists/{card_id}/fill").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    items = sorted(set(re.findall(r'name="(result_\d+)"', page)))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token, items


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, card_id = prepare(folder)
        env = {**os.environ, "ANBIAO_DB": str(path), "ANBIAO_SECRET_KEY": "bench", "ANBIAO_SECURE_COOKIES": "0",
               "ANBIAO_LOGIN_LIMIT": "1000 per minute"}
        hello_port, app_port = free_port(), free_port()
        servers = [serve("bench.hello:app", hello_port, env), serve("bench.floor_app:app", app_port, env)]
        try:
            base = f"http://127.0.0.1:{app_port}"
            cookie, token, items = sign_in(base, card_id)
            body = urllib.parse.urlencode({"csrf_token": token, **{name: "ok" for name in items}})
            headers = (f"{{['Content-Type'] = 'application/x-www-form-urlencoded', ['Cookie'] = '{cookie}',"
                       f" ['Referer'] = '{base}/'}}")
            card_script, floor_script = folder / "card.lua", folder / "floor.lua"
            card_script.write_text(f"PATH = '/checklists/{card_id}/inspections'\nHEADERS = {headers}\n"
                                   f"BODY = '{body}'\n" + LUA)
            floor_script.write_text(f"PATH = '/bench/floor'\nHEADERS = {headers}\nBODY = 'csrf_token={token}'\n" + LUA)
            get_script = folder / "get.lua"
            get_script.write_text(f"wrk.headers['Cookie'] = '{cookie}'\n")
            runs = {"hello": [], "get": [], "floor": [], "card": []}
            for _ in range(ROUNDS):
                runs["hello"].append(wrk(f"http://127.0.0.1:{hello_port}/"))
                runs["get"].append(wrk(f"{base}/bench/signed-in", get_script))
                runs["floor"].append(wrk(f"{base}/bench/floor", floor_script))
                runs["card"].append(wrk(f"{base}/checklists/{card_id}/inspections", card_script))
        finally:
            for server in servers:
                server.terminate()
                server.wait()
        conn = db.connect(path)
        saved = conn.execute("SELECT COUNT(*) FROM inspections WHERE checklist_id = ?", (card_id,)).fetchone()[0]
        rate = {name: median([r for r, _ in found]) for name, found in runs.items()}
        p99 = {name: median([p for _, p in found]) for name, found in runs.items()}
        print(f"gunicorn.conf.py, wrk 2 threads 16 connections, {ROUNDS} rounds of {DURATION} s each in turns,"
              f" medians; {len(items)}-item card")
        print(f"hello: {rate['hello']:.0f} req/s, p99 {p99['hello']:.1f} ms")
        print(f"signed-in GET that does nothing (session, sign-in check): {rate['get']:.0f} req/s,"
              f" p99 {p99['get']:.1f} ms; ratio {rate['get'] / rate['hello']:.2f} of hello")
        print(f"signed-in POST that only records its key (session, CSRF, idempotency): {rate['floor']:.0f} req/s,"
              f" p99 {p99['floor']:.1f} ms; floor ratio {rate['floor'] / rate['hello']:.2f} of hello")
        print(f"card submit: {rate['card']:.0f} req/s; inspections saved: {saved}")
        print(f"card submit: ratio {rate['card'] / rate['hello']:.2f} (target ≥ 0.6)")
        print(f"card submit p99: {p99['card']:.1f} ms (target ≤ 50)")


if __name__ == "__main__":
    main()
