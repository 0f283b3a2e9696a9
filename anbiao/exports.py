"""The 隐患清单 and 整改清单 as xlsx, laid out to print on A4 landscape the way offices file them; written row by
row in openpyxl's write-only mode into a temporary file, so memory stays flat however long the list is."""

import io
import math
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from . import photos, storage
from .db import rows
from .due import as_local

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# Print geometry. The columns of each list fit A4 landscape at 100 %, so "fit to width" never has to shrink
# the text below the printed sizes set here (offices read these on paper; nothing under 9 pt).
BODY_PT = 10
TITLE_PT = 14
FOOTER_PT = 10
FONT_NAME = "Arial"  # LibreOffice's Liberation Sans has the same widths, so both programs lay out alike
# Column widths count digits of the workbook's default font. Arial 11 is 8 px in Excel and 8.13 px in
# LibreOffice; openpyxl's Calibri becomes a far wider substitute wherever Calibri is missing (LibreOffice on Linux).
DEFAULT_FONT = Font(name=FONT_NAME, size=11, family=2)
UNIT_PT_NARROW = 8 * 0.75  # wrapping is counted on the narrower column, so no program cuts a line
UNIT_PT_WIDE = 8.13 * 0.75  # the page must hold the wider one
PX_PER_UNIT = 8
LINE_PITCH = 1.3  # line height as a multiple of the font size: Excel's, LibreOffice needs 1.2
MARGIN_INCH = 0.3
PRINTABLE_PT = 842 - 2 * MARGIN_INCH * 72
PT_PER_PX = 0.75
CELL_PADDING_PT = 4

# Photo tiles: a thumbnail with its caption drawn in, at twice the size it is shown for a sharp print.
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TILE_PX = 160  # shown width of one tile; 120 pt, about 42 mm on paper
PHOTO_PX = 120  # shown height of the picture part (4:3)
CAPTION_PX = 13  # caption letters shown 13 px high: 9.75 pt on paper
TILE_GAP_PX = 10
TILE_SCALE = 2
PER_STAGE = 2  # before and after photos per hazard on paper; the page of the hazard has them all
STAGES = {"before": "整改前", "after": "整改后"}

# Text that Excel or LibreOffice would take as the start of a formula when typed into a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# How much one request may write. Measured here (bench/export.py, 2 cores): about 0.8 ms a row without photos,
# about 13 ms a photo tile. Gunicorn kills a sync worker after 30 s, and a worker writing is a worker not serving:
# a longer list is refused with its size and a way to narrow it, never cut short.
PAGE_ROWS = 500  # hazards read per keyset page
ROWS_MAX = 20_000  # about 16 s of writing
PHOTO_ROWS_MAX = 200  # up to 4 tiles each: about 11 s at most, and some 70 printed pages, more than anyone prints


class CaptionFontMissing(RuntimeError):
    """The CJK font for photo captions is not installed on the server."""


class TooMany(ValueError):
    """More hazards than one export may hold; the message says how many and how to narrow the list."""


def _day(stamp) -> str:
    return as_local(stamp).strftime("%Y-%m-%d %H:%M") if stamp else ""


def _place(h) -> str:
    return " / ".join(x for x in (h["parent_unit_name"], h["unit_name"]) if x) or "全厂"


def _styles(book) -> None:
    """The four cell styles of a list, registered once: a cell then takes its style by name, cheaply."""
    body = Alignment(wrap_text=True, vertical="top")
    for name, font, align in (
        ("清单正文", Font(name=FONT_NAME, size=BODY_PT), body),
        ("清单表头", Font(name=FONT_NAME, size=BODY_PT, bold=True), Alignment(wrap_text=True, vertical="center")),
        ("清单标题", Font(name=FONT_NAME, size=TITLE_PT, bold=True),
         Alignment(horizontal="center", vertical="center", wrap_text=True)),
        ("清单照片", Font(name=FONT_NAME, size=BODY_PT), Alignment(horizontal="center", vertical="top")),
    ):
        book.add_named_style(NamedStyle(name=name, font=font, alignment=align, border=BOX))


def put(sheet, value, style: str = "清单正文"):
    """One styled cell to append; every cell of an export goes through here, so no text ever becomes a formula."""
    if isinstance(value, str):
        # Control characters are not allowed in xlsx; dropping them keeps the export from failing on one stray byte.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        # openpyxl turns any text starting with "=" into a formula; people's text stays text, shown as typed.
        cell.data_type = "s"
    cell.style = style
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.quotePrefix = True  # editing the cell in Excel later keeps it text, too
    return cell


@lru_cache(maxsize=8192)
def _char_em(char: str) -> float:
    """Width of a character in ems: Chinese is square, Latin letters and digits about six tenths."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.62


def _tokens(paragraph: str) -> list[str]:
    """Pieces a line may break between: each Chinese character, each space, each run of other characters."""
    pieces: list[str] = []
    for char in paragraph:
        if char != " " and _char_em(char) < 1 and pieces and pieces[-1][-1] != " " and _char_em(pieces[-1][-1]) < 1:
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def _lines(text, width_pt: float, size_pt: float) -> int:
    """How many lines a wrapped cell needs, counted a little generously (punctuation may not start a line)."""
    usable, total = width_pt * 0.95, 0
    for paragraph in str(text).split("\n"):
        if len(paragraph) * size_pt <= usable:  # no character is wider than an em: fits, without measuring
            total += 1
            continue
        lines, used = 1, 0.0
        for piece in _tokens(paragraph):
            need = sum(_char_em(c) for c in piece) * size_pt
            if piece == " ":
                used += need  # a space at the end of a line takes no room on the next
                continue
            if used + need > usable and used > 0:
                lines, used = lines + 1, 0.0
            while need > usable:  # a word longer than the line is broken inside
                lines, need = lines + 1, need - usable
            used += need
        total += lines
    return total


def _width_pt(width: float) -> float:
    return width * UNIT_PT_NARROW - CELL_PADDING_PT


def _height(widths: list[float], values: list, size_pt: float) -> int:
    """A row tall enough for its longest wrapped cell (programs do not re-measure rows they are given)."""
    lines = max((_lines(v, _width_pt(w), size_pt) for v, w in zip(values, widths, strict=False) if v not in (None, "")),
                default=1)
    return math.ceil(lines * size_pt * LINE_PITCH + CELL_PADDING_PT)


def _append(sheet, row: int, cells: list, height: float) -> None:
    """Write one row with its height; the height must be known before the row goes out, and is then dropped."""
    sheet.row_dimensions[row].height = height
    sheet.append(cells)
    del sheet.row_dimensions[row]  # kept, one per row, they would be the only thing growing with the list


@lru_cache(maxsize=4)
def _caption_font(size: int):
    if not CJK_FONT.exists():
        raise CaptionFontMissing(
            "服务器缺少中文字体（fonts-wqy-microhei），无法生成带照片的清单；请联系管理员安装，或先导出不含照片的清单")
    return ImageFont.truetype(str(CJK_FONT), size=size)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Caption text broken into lines that fit the tile."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) > width and line:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def caption(photo: dict, place: str) -> list[str]:
    """What is written under a photo: stage and the server's time of the event, who sent it, and where."""
    lines = [f"{STAGES[photo['stage']]} {_day(photo['at'])}", f"上传：{photo['by_name'] or '（未知）'}",
             f"地点：{place}"]
    if photo.get("more"):
        lines.append(f"另有 {photo['more']} 张，见隐患页面")
    return lines


def _tile(photo: dict, place: str) -> io.BytesIO:
    """One thumbnail with its caption drawn underneath, from what the server recorded (never the phone's EXIF)."""
    scale = TILE_SCALE
    font = _caption_font(CAPTION_PX * scale)
    width, box = TILE_PX * scale, (TILE_PX * scale, PHOTO_PX * scale)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines = [part for text in caption(photo, place) for part in _wrap(measure, text, font, width - 8 * scale)]
    pitch = round(CAPTION_PX * scale * 1.3)
    canvas = Image.new("RGB", (width, box[1] + len(lines) * pitch + 6 * scale), "white")
    draw = ImageDraw.Draw(canvas)
    try:
        with Image.open(io.BytesIO(storage.read(photos.key(photo["hash"], "thumb")))) as source:
            picture = ImageOps.contain(source.convert("RGB"), box)
        canvas.paste(picture, ((box[0] - picture.width) // 2, (box[1] - picture.height) // 2))
    except (FileNotFoundError, UnidentifiedImageError, OSError):
        draw.rectangle((0, 0, box[0] - 1, box[1] - 1), fill="#dddddd")
        draw.text((8 * scale, box[1] // 2 - CAPTION_PX * scale), "照片文件缺失", font=font, fill="black")
    draw.rectangle((0, 0, canvas.width - 1, canvas.height - 1), outline="#888888", width=scale)
    for n, line in enumerate(lines):
        draw.text((4 * scale, box[1] + 3 * scale + n * pitch), line, font=font, fill="black")
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85)
    out.seek(0)
    return out


def _photo_row(sheet, row: int, widths: list[float], shots: list[dict], place: str, folder: Path) -> None:
    """A row under the hazard with its before and after tiles side by side across the table."""
    edges = [sum(widths[:i]) * PX_PER_UNIT for i in range(len(widths) + 1)]
    x, tallest = edges[1] + 4, 0
    for shot in shots:
        if x + TILE_PX > edges[-1]:
            break  # never past the table's right edge, which is the page's
        # On disk, not in memory: openpyxl reads each tile back only while it saves the workbook.
        path = folder / f"{row}-{x}.jpg"
        path.write_bytes(_tile(shot, place).getvalue())
        image = SheetImage(str(path))
        image.width, image.height = image.width // TILE_SCALE, image.height // TILE_SCALE
        column = max(c for c in range(len(widths)) if edges[c] <= x)
        marker = AnchorMarker(col=column, colOff=pixels_to_EMU(round(x - edges[column])), row=row - 1,
                              rowOff=pixels_to_EMU(4))
        image.anchor = OneCellAnchor(_from=marker, ext=XDRPositiveSize2D(pixels_to_EMU(image.width),
                                                                         pixels_to_EMU(image.height)))
        sheet.add_image(image)
        tallest = max(tallest, image.height)
        x += image.width + TILE_GAP_PX
    cells = [put(sheet, "照片", "清单照片"), put(sheet, None if shots else "（无照片）")]
    cells += [put(sheet, None) for _ in range(3, len(widths) + 1)]
    sheet.merged_cells.add(f"B{row}:{get_column_letter(len(widths))}{row}")
    _append(sheet, row, cells, math.ceil((tallest + 8) * PT_PER_PX) if tallest else BODY_PT * 2)


def _print_setup(sheet) -> None:
    """A4 landscape, one page wide, the header row on every page, page numbers in the footer."""
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=MARGIN_INCH, right=MARGIN_INCH, top=0.5, bottom=0.6, footer=0.3)
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.size = FOOTER_PT


Row = tuple[list, list[dict] | None, str]  # a record's values, its chosen photos (None: no photo rows), its place


def _sheet(title: str, ent: dict, columns: list[tuple[str, float]], records: Iterable[Row]):
    """The list written row by row into an anonymous temporary file, returned open at its start."""
    if sum(width for _, width in columns) * UNIT_PT_WIDE > PRINTABLE_PT:
        raise ValueError(f"{title}的列宽超出 A4 横向可打印宽度")  # would print shrunk below 9 pt
    book = Workbook(write_only=True)
    # The default font sets the unit of column width; there is no public setter for it in openpyxl.
    book._fonts = IndexedList([DEFAULT_FONT])
    _styles(book)
    sheet = book.create_sheet(title)
    widths = [width for _, width in columns]
    # Write-only mode sends the sheet's properties and columns out with the first row: they are set first.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _print_setup(sheet)
    out = tempfile.TemporaryFile()
    try:
        with tempfile.TemporaryDirectory(prefix="anbiao-tiles-") as tiles:
            heading = f"{ent['name']}{title}"
            cells = [put(sheet, heading, "清单标题")] + [put(sheet, None) for _ in columns[1:]]
            sheet.merged_cells.add(f"A1:{get_column_letter(len(columns))}1")
            _append(sheet, 1, cells, _height([sum(widths)], [heading], TITLE_PT))
            names = [name for name, _ in columns]
            _append(sheet, 2, [put(sheet, name, "清单表头") for name in names], _height(widths, names, BODY_PT))
            row = 3
            for record, shots, place in records:
                _append(sheet, row, [put(sheet, value) for value in record], _height(widths, record, BODY_PT))
                row += 1
                if shots is not None:
                    _photo_row(sheet, row, widths, shots, place, Path(tiles))
                    row += 1
            book.save(out)
    except BaseException:
        out.close()
        _discard(sheet)
        raise
    out.seek(0)
    return out


def _discard(sheet) -> None:
    """Remove the rows written so far: openpyxl keeps them in its own temporary file until the process exits."""
    try:
        if not sheet.closed:
            sheet.close()
        sheet._writer.cleanup()  # no public way; a worker lives for days, its /tmp must not fill with halves
    except Exception:  # best effort: the error that brought us here is the one to report
        pass


def photo_records(db, hazard_ids: list[int]) -> dict[int, list[dict]]:
    """Before and after photos of each hazard with who sent them and when the server recorded it (not EXIF)."""
    found: dict[int, list[dict]] = {h: [] for h in hazard_ids}
    for start in range(0, len(hazard_ids), 500):
        chunk = hazard_ids[start:start + 500]
        for shot in rows(db, "SELECT hp.hazard_id, hp.stage, ph.hash, ev.at, u.name AS by_name FROM hazard_photos hp"
                             " JOIN photos ph ON ph.id = hp.photo_id JOIN hazard_events ev ON ev.id = hp.event_id"
                             " LEFT JOIN users u ON u.id = ev.user_id WHERE hp.stage IN ('before', 'after')"
                             f" AND hp.hazard_id IN ({','.join('?' * len(chunk))}) ORDER BY hp.id", chunk):
            found[shot["hazard_id"]].append(shot)
    return found


def _chosen(shots: list[dict]) -> list[dict]:
    """The first few photos of each stage; the last one shown says how many more the hazard page has."""
    chosen = []
    for stage in STAGES:
        of_stage = [dict(s) for s in shots if s["stage"] == stage]
        shown = of_stage[:PER_STAGE]
        if len(of_stage) > PER_STAGE:
            shown[-1]["more"] = len(of_stage) - PER_STAGE
        chosen += shown
    return chosen


def pages(db, hazard_lists, where: str, params: list, **filters) -> Iterator[list[dict]]:
    """Every hazard `hazard_lists.search` finds, newest first, one keyset page at a time (never one huge list)."""
    before = None
    while True:
        page = hazard_lists.search(db, where, params, before=before, limit=PAGE_ROWS, **filters)
        if page:
            yield page
        if len(page) < PAGE_ROWS:
            return
        before = page[-1]["id"]


def check_size(total: int, with_photos: bool) -> None:
    """Refuse, saying why, an export too long for one request, rather than cut it short or stall a worker."""
    if with_photos and total > PHOTO_ROWS_MAX:
        raise TooMany(f"含照片的清单一次最多导出 {PHOTO_ROWS_MAX} 条隐患，当前筛选出 {total} 条。"
                      "请按车间/岗位、状态或发现日期筛选后分批导出，或导出不含照片的清单")
    if total > ROWS_MAX:
        raise TooMany(f"清单一次最多导出 {ROWS_MAX} 条隐患，当前筛选出 {total} 条。"
                      "请按车间/岗位、状态或发现日期筛选后分批导出")


def _rows(found: Iterable[list[dict]], record: Callable[[int, dict], list], photos_db) -> Iterator[Row]:
    """Each hazard's record, numbered on across pages; with `photos_db`, its photos read page by page."""
    if photos_db is not None:
        _caption_font(CAPTION_PX * TILE_SCALE)  # refuse before any work when the font is missing
    return _numbered(found, record, photos_db)


def _numbered(found, record, photos_db) -> Iterator[Row]:
    number = 0
    for page in found:
        shots = photo_records(photos_db, [h["id"] for h in page]) if photos_db is not None else None
        for h in page:
            number += 1
            yield record(number, h), (_chosen(shots[h["id"]]) if shots is not None else None), _place(h)


HAZARD_COLUMNS = [("序号", 4.5), ("发现时间", 10), ("车间/岗位", 15), ("隐患描述", 36), ("类别", 12), ("等级", 5),
                  ("来源", 7), ("发现人", 12), ("状态", 6), ("整改期限", 10.5), ("是否逾期", 7.5)]
RECTIFICATION_COLUMNS = [("序号", 4.5), ("隐患描述", 18), ("车间/岗位", 10), ("等级", 5), ("整改措施", 16),
                         ("责任人", 8), ("资金(元)", 7), ("整改期限", 10.5), ("预案", 11), ("挂牌督办", 5), ("状态", 6),
                         ("整改完成", 10), ("验收人", 8), ("闭环时间", 10)]


def hazard_record(hazards, n: int, h: dict) -> list:
    """One line of the 隐患清单, under HAZARD_COLUMNS."""
    return [n, _day(h["reported_at"]), _place(h), h["description"], h["category_name"], hazards.LEVELS[h["level"]],
            hazards.SOURCES[h["source"]], h["reporter_name"], hazards.STATUS[h["status"]], h["deadline"] or "",
            "逾期" if h["overdue"] else ""]


def rectification_record(hazards, n: int, h: dict) -> list:
    """One line of the 整改清单, under RECTIFICATION_COLUMNS."""
    return [n, h["description"], _place(h), hazards.LEVELS[h["level"]],
            "立行立改" if h["on_the_spot"] else h["measure"], h["owner_name"] or h["rectifier_name"] or "",
            h["money"] if h["money"] is not None else "", h["deadline"] or "", h["plan"] or "",
            "是" if h["supervised"] else "", hazards.STATUS[h["status"]], _day(h["rectified_at"]),
            h["verifier_name"] or "", _day(h["closed_at"])]


def hazard_list(ent, found: Iterable[list[dict]], hazards, photos_db=None):
    """隐患清单: every hazard found (pages of them), where, what kind, and where it stands; with `photos_db`,
    the connection to read them from, their photos too. Returns an open temporary file."""
    return _sheet("隐患清单", ent, HAZARD_COLUMNS, _rows(found, partial(hazard_record, hazards), photos_db))


def rectification_list(ent, found: Iterable[list[dict]], hazards, photos_db=None):
    """整改清单: the 四定 of each hazard (and 预案 for major ones), and how it ended; with `photos_db`, their photos.
    Returns an open temporary file."""
    return _sheet("整改清单", ent, RECTIFICATION_COLUMNS,
                  _rows(found, partial(rectification_record, hazards), photos_db))
