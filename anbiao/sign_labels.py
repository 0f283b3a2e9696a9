"""Printed labels of signs: which labels a sheet holds, what each label says, how dense a poster must be to fit its
page, and one label drawn on the server as a PNG with a CJK font.

What a label prints is what the public notice shows (signs.public): title, kind, class, where, and the short code
under a QR of the sign's permanent address. Nothing on paper is internal.
"""

import io
import re
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from . import signs, units
from .db import one
from .exports import CJK_FONT
from .refusal import Refused

# A label sheet is A4 portrait, 2 × 4 labels of 95 × 68 mm: each QR is 44 mm with its quiet zone (about 35 mm of
# code), which a phone reads from a metre and more, and the title still has room beside it.
PER_SHEET = 8
# Drawing one QR takes about 10 ms here: a sheet of 400 labels (50 pages) is a few seconds; a larger one is refused
# with its size and a way to narrow it, well before gunicorn's 30 s would cut it off.
SHEET_MAX = 400
LONG_TITLE = 24  # characters: a longer title (up to 60) prints smaller, so all of it fits beside the QR

# A poster should stay on one A4 page: a card with more words than these prints at 11 pt, then 9 pt, instead of
# 14 pt. Measured in Chromium with seven equal fields: one page holds about 650 characters at 14 pt, 850 at 11 pt
# and 1,600 at 9 pt; a longer card runs on to a second page rather than lose a word.
POSTER_DENSE_CHARS = 500
POSTER_DENSER_CHARS = 750

# The server-made label: 1200 × 760 px, 100 mm wide at about 300 dpi, the same parts as the printed one.
WIDTH, HEIGHT = 1200, 760
MARGIN = 36
BAND = 96  # the class (or kind) band across the top
QR_PX = 560
GAP = 32
TEXT_LEFT = MARGIN + QR_PX + GAP
# The title in three lines, or a long one (up to 60 characters) smaller in five: a title is never cut short.
TITLE_SIZES = ((54, 3), (40, 5))
LINE = 1.3
SMALL_PX, CODE_PX = 32, 64
TITLE_TOP = BAND + MARGIN
TITLE_BOX = (TEXT_LEFT, TITLE_TOP, WIDTH - MARGIN, TITLE_TOP + max(int(px * LINE) * n for px, n in TITLE_SIZES))
# GB 2893 safety colours, as printed; yellow takes black text, the others white. A kind without a class gets ink.
BAND_COLOURS = {"red": ("#c62828", "#ffffff"), "yellow": ("#f9c80e", "#000000"), "blue": ("#1565c0", "#ffffff"),
                "green": ("#2e7d32", "#ffffff"), None: ("#1c2430", "#ffffff")}
# The CJK font `make` installs (fonts-wqy-microhei, as for the photo captions of exports), then others Debian ships.
FONT_FILES = (CJK_FONT, Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
              Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"))


class FontMissing(RuntimeError):
    """No CJK font on the server: a label drawn without one would print boxes instead of Chinese."""


def filters(db, enterprise_id: int, only: set[int] | None, unit_text, kind_text) -> tuple[int | None, str | None]:
    """The unit and kind a sheet is narrowed to (None: all); raises Refused for one the person cannot choose."""
    unit_id = kind = None
    if unit_text:
        text = str(unit_text)
        # Not a number SQLite can hold (typed or cut short in a link): no unit, rather than an error.
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else -1
        unit = one(db, "SELECT id FROM units WHERE id = ? AND enterprise_id = ? AND archived_at IS NULL",
                   (number, enterprise_id))
        if unit is None or (only is not None and unit["id"] not in only):
            raise Refused("请选择您能查看的车间或岗位")
        unit_id = unit["id"]
    if kind_text:
        if kind_text not in signs.kinds(db):
            raise Refused("请选择标识种类")
        kind = kind_text
    return unit_id, kind


def choose(db, enterprise_id: int, only: set[int] | None, unit_id: int | None = None,
           kind: str | None = None) -> list[dict]:
    """The signs in use a sheet prints, in the order of the unit tree: those the person sees (`only`), of one unit
    (a workshop with its posts) and of one kind when given; raises Refused for more than one sheet may hold."""
    within = {unit_id} | {post["id"] for workshop in units.tree(db, enterprise_id) if workshop["id"] == unit_id
                          for post in workshop["posts"]}
    found = [s for group in signs.by_unit(db, enterprise_id, only) for s in group["signs"]]
    chosen = [s for s in found if (unit_id is None or s["unit_id"] in within) and (kind is None or s["kind"] == kind)]
    if len(chosen) > SHEET_MAX:
        raise Refused(f"共 {len(chosen)} 张标签，一次最多打印 {SHEET_MAX} 张（{SHEET_MAX // PER_SHEET} 页）；"
                      "请按车间/岗位或标识种类分批打印")
    return chosen


def code_text(code: str) -> str:
    """The short code as printed, in two halves: 'K7QM-X3PA'."""
    return f"{code[:4]}-{code[4:]}"


def qr_inline(text: str) -> str:
    """The QR as an <svg> element to put inside a page: sized by the page's CSS, no id that a second one repeats,
    and crisp edges so no hairline appears between modules when printed or rasterised."""
    svg = signs.qr_svg(text).decode()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
    svg = svg.replace(' id="qr-path"', "")
    return svg.replace("<svg", '<svg class="qr" role="img" aria-label="二维码" shape-rendering="crispEdges"', 1)


def printed(db, sign: dict, base_url: str) -> dict:
    """Everything one label prints: the public notice of the sign, where it stands in one line, its code, the
    address its QR encodes and where to type the code when the QR cannot be read. `sign` carries its current token
    and code (signs.of_enterprise, or merged from signs.current)."""
    notice = signs.public(db, sign)
    where = " · ".join(x for x in (notice["unit"], notice["equipment"], notice["place"]) if x)
    return {**notice, "id": sign["id"], "kind_code": sign["kind"], "where": where, "code": code_text(sign["code"]),
            "long_title": len(notice["title"]) > LONG_TITLE,
            "address": signs.address(base_url, sign["token"]), "typed_at": f"{base_url.rstrip('/')}/q"}


def sheets(labels: list, per_sheet: int = PER_SHEET) -> list[list]:
    """Labels cut into A4 pages; a page is laid out whole, so no label is split between two."""
    return [labels[at:at + per_sheet] for at in range(0, len(labels), per_sheet)]


def poster_density(notice: dict) -> str:
    """'' for a typical card; 'dense' or 'denser' when its words need a smaller print to stay on one page."""
    size = sum(len(text) for _, text in notice["risk"]) + len(notice["content"] or "")
    return "" if size <= POSTER_DENSE_CHARS else "dense" if size <= POSTER_DENSER_CHARS else "denser"


def font_file() -> Path | None:
    """The first CJK font installed, or None."""
    return next((path for path in FONT_FILES if path.exists()), None)


@lru_cache(maxsize=16)
def _font(path: Path, size: int):
    return ImageFont.truetype(str(path), size=size)


def _wrap(draw, text: str, font, width: int, most: int) -> list[str]:
    """Text broken into lines that fit `width` (Chinese breaks between any two characters); the last of `most`
    lines ends in an ellipsis when the text goes on."""
    lines, line = [], ""
    for char in text:
        if line and draw.textlength(line + char, font=font) > width:
            lines.append(line)
            line = ""
        line += char
    lines.append(line)
    if len(lines) > most:
        last = lines[most - 1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines = [*lines[:most - 1], last + "…"]
    return lines


def draw(label: dict) -> bytes:
    """The label as a PNG: the band with class and kind, the QR, the title, where, the code and 扫码查看安全告知;
    raises FontMissing rather than print boxes."""
    path = font_file()
    if path is None:
        raise FontMissing("服务器缺少中文字体（fonts-wqy-microhei），无法生成标签图片；"
                          "请联系管理员安装字体，或打开“单张标签”页面直接打印")
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    fill, ink = BAND_COLOURS.get(label["class"]["colour"] if label["class"] else None, BAND_COLOURS[None])
    pen.rectangle((0, 0, WIDTH, BAND), fill=fill)
    band = f"{label['class']['name']}标志 · {label['kind']}" if label["class"] else label["kind"]
    band_font = _font(path, 44)
    pen.text((MARGIN, BAND // 2), _wrap(pen, band, band_font, WIDTH - 2 * MARGIN, 1)[0], font=band_font, fill=ink,
             anchor="lm")
    qr = Image.open(io.BytesIO(signs.qr_png(label["address"], box=1)))
    qr = qr.resize((qr.width * (QR_PX // qr.width),) * 2, Image.Resampling.NEAREST)  # whole pixels a module
    image.paste(qr, (MARGIN, BAND + (HEIGHT - BAND - qr.height) // 2))
    width = WIDTH - MARGIN - TEXT_LEFT
    y = TITLE_TOP
    for px, most in TITLE_SIZES:
        title_font = _font(path, px)
        lines = _wrap(pen, label["title"], title_font, width, most)
        if not lines[-1].endswith("…"):
            break
    for line in lines:
        pen.text((TEXT_LEFT, y), line, font=title_font, fill="black", stroke_width=1, stroke_fill="black")  # bold
        y += int(px * LINE)
    y += 12
    small = _font(path, SMALL_PX)
    for line in _wrap(pen, label["where"], small, width, 2):
        pen.text((TEXT_LEFT, y), line, font=small, fill="#333333")
        y += int(SMALL_PX * LINE)
    bottom = HEIGHT - MARGIN
    pen.text((TEXT_LEFT, bottom), _wrap(pen, label["enterprise"], small, width, 1)[0], font=small, fill="#333333",
             anchor="ld")
    pen.text((TEXT_LEFT, bottom - int(SMALL_PX * 1.5)), "扫码查看安全告知", font=small, fill="black", anchor="ld")
    pen.text((TEXT_LEFT, bottom - int(SMALL_PX * 3.2)), label["code"], font=_font(path, CODE_PX), fill="black",
             anchor="ld")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()
