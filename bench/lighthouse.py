"""Lighthouse (mobile: a mid-range phone on slow 4G, simulated) on the sign-in page, a team leader's home and the
fill page: `<page> lighthouse <category>: <score> (target ≥ 100)` for performance, accessibility, best practices
and SEO, with the audits that cost points, and the page's measured layout shift and paint times.

Lighthouse is pinned in bench/package.json and installed into instance/lighthouse by `make bench`; it drives
Debian's Chromium. Signed-in pages get the session cookie through --extra-headers.
"""

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_weight import CHROMIUM, demo_server  # noqa: E402

LIGHTHOUSE = ROOT / "instance" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
FLAGS = "--headless=new --no-sandbox --disable-background-networking"


def session_cookie(base: str, username: str = "leader1") -> tuple[str, str]:
    """Sign in through the form; the Cookie header a signed-in phone sends, and the path of its post card."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": "demo1234", "csrf_token": token,
                                   "idempotency_key": os.urandom(16).hex()})
    home = opener.open(f"{base}/login", form.encode()).read().decode()
    card = re.search(r'href="(/checklists/\d+/fill)"', home).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), card


def lighthouse(url: str, cookie: str | None) -> dict:
    """Lighthouse's JSON report of one page."""
    args = [str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet", f"--chrome-flags={FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}"]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    run = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if run.returncode:
        raise SystemExit(f"lighthouse failed on {url}:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def losses(report: dict, category: str) -> list[str]:
    """The scored audits of a category that did not get full marks."""
    audits = report["audits"]
    return [f"{ref['id']} {audits[ref['id']]['score']}" for ref in report["categories"][category]["auditRefs"]
            if ref["weight"] and audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1]


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: make bench installs it into instance/lighthouse")
    with demo_server() as base:
        cookie, card = session_cookie(base)
        for name, url, jar in (("sign-in page", f"{base}/login", None), ("team leader home", f"{base}/", cookie),
                               ("fill page", base + card, cookie)):
            report = lighthouse(url, jar)
            if report.get("runtimeError"):
                raise SystemExit(f"{name}: {report['runtimeError']}")
            final = report.get("finalDisplayedUrl", url)
            if final.rstrip("/") != url.rstrip("/"):
                raise SystemExit(f"{name}: Lighthouse ended on {final}, not {url} (not signed in?)")
            for category in CATEGORIES:
                score = round(report["categories"][category]["score"] * 100)
                lost = losses(report, category)
                why = f"   [{', '.join(lost)}]" if lost else ""
                print(f"{name} lighthouse {category}: {score} (target ≥ 100){why}")
            audits = report["audits"]
            print(f"{name} layout shift: {audits['cumulative-layout-shift']['numericValue']:.3f} (target ≤ 0.01);"
                  f" first contentful paint {audits['first-contentful-paint']['numericValue'] / 1000:.2f} s,"
                  f" largest {audits['largest-contentful-paint']['numericValue'] / 1000:.2f} s (slow 4G, simulated)")


if __name__ == "__main__":
    main()
