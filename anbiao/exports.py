"""The 隐患清单 and 整改清单 as xlsx, laid out to print on A4 landscape the way offices file them."""

import io
import math
import unicodedata
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.page import PageMargins
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


class CaptionFontMissing(RuntimeError):
    """The CJK font for photo captions is not installed on the server."""


def _day(stamp) -> str:
    return as_local(stamp).strftime("%Y-%m-%d %H:%M") if stamp else ""


def _place(h) -> str:
    return " / ".join(x for x in (h["parent_unit_name"], h["unit_name"]) if x) or "全厂"


def put(sheet, row: int, column: int, value, *, font: Font | None = None, align: Alignment | None = None):
    """Write one cell; every cell of an export goes through here, so no text ever becomes a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        # Control characters are not allowed in xlsx; dropping them keeps the export from failing on one stray byte.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        # openpyxl turns any text starting with "=" into a formula; people's text stays text, shown as typed.
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # editing the cell in Excel later keeps it text, too
    cell.border = BOX
    cell.alignment = align or Alignment(wrap_text=True, vertical="top")
    cell.font = font or Font(name=FONT_NAME, size=BODY_PT)
    return cell


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


def _fit_row(sheet, row: int, widths: list[float], values: list, size_pt: float) -> None:
    """Set the row tall enough for its longest wrapped cell (programs do not re-measure rows they are given)."""
    lines = max((_lines(v, _width_pt(w), size_pt) for v, w in zip(values, widths, strict=False) if v not in (None, "")),
                default=1)
    sheet.row_dimensions[row].height = math.ceil(lines * size_pt * LINE_PITCH + CELL_PADDING_PT)


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
        with Image.open(storage.path(photos.key(photo["hash"], "thumb"))) as source:
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


def _photo_row(sheet, row: int, widths: list[float], shots: list[dict], place: str) -> None:
    """A row under the hazard with its before and after tiles side by side across the table."""
    put(sheet, row, 1, "照片", align=Alignment(horizontal="center", vertical="top"))
    put(sheet, row, 2, None if shots else "（无照片）")
    for column in range(3, len(widths) + 1):
        put(sheet, row, column, None)
    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(widths))
    edges = [sum(widths[:i]) * PX_PER_UNIT for i in range(len(widths) + 1)]
    x, tallest = edges[1] + 4, 0
    for shot in shots:
        image = SheetImage(_tile(shot, place))
        image.width, image.height = image.width // TILE_SCALE, image.height // TILE_SCALE
        if x + image.width > edges[-1]:
            break  # never past the table's right edge, which is the page's
        column = max(c for c in range(len(widths)) if edges[c] <= x)
        marker = AnchorMarker(col=column, colOff=pixels_to_EMU(round(x - edges[column])), row=row - 1,
                              rowOff=pixels_to_EMU(4))
        image.anchor = OneCellAnchor(_from=marker, ext=XDRPositiveSize2D(pixels_to_EMU(image.width),
                                                                         pixels_to_EMU(image.height)))
        sheet.add_image(image)
        tallest = max(tallest, image.height)
        x += image.width + TILE_GAP_PX
    sheet.row_dimensions[row].height = math.ceil((tallest + 8) * PT_PER_PX) if tallest else BODY_PT * 2


def _sheet(title: str, ent: dict, columns: list[tuple[str, float]], records: list[list],
           shots: list[list[dict]] | None = None, places: list[str] | None = None) -> io.BytesIO:
    if sum(width for _, width in columns) * UNIT_PT_WIDE > PRINTABLE_PT:
        raise ValueError(f"{title}的列宽超出 A4 横向可打印宽度")  # would print shrunk below 9 pt
    book = Workbook()
    # The default font sets the unit of column width; there is no public setter for it in openpyxl.
    book._fonts = IndexedList([DEFAULT_FONT])
    sheet = book.active
    sheet.title = title
    widths = [width for _, width in columns]
    heading = f"{ent['name']}{title}"
    put(sheet, 1, 1, heading, font=Font(name=FONT_NAME, size=TITLE_PT, bold=True),
        align=Alignment(horizontal="center", vertical="center", wrap_text=True))
    for column in range(2, len(columns) + 1):
        put(sheet, 1, column, None)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    _fit_row(sheet, 1, [sum(widths)], [heading], TITLE_PT)
    header_font = Font(name=FONT_NAME, size=BODY_PT, bold=True)
    for column, (name, _) in enumerate(columns, start=1):
        put(sheet, 2, column, name, font=header_font, align=Alignment(wrap_text=True, vertical="center"))
    _fit_row(sheet, 2, widths, [name for name, _ in columns], BODY_PT)
    row = 3
    for index, record in enumerate(records):
        for column, value in enumerate(record, start=1):
            put(sheet, row, column, value)
        _fit_row(sheet, row, widths, record, BODY_PT)
        row += 1
        if shots is not None:
            _photo_row(sheet, row, widths, shots[index], places[index])
            row += 1
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=MARGIN_INCH, right=MARGIN_INCH, top=0.5, bottom=0.6, footer=0.3)
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.size = FOOTER_PT
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


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


def _with_photos(found, pictures) -> tuple[list[list[dict]] | None, list[str] | None]:
    if pictures is None:
        return None, None
    if any(pictures.get(h["id"]) for h in found):
        _caption_font(CAPTION_PX * TILE_SCALE)  # refuse before any work when the font is missing
    return [_chosen(pictures.get(h["id"], [])) for h in found], [_place(h) for h in found]


def hazard_list(ent, found, hazards, pictures: dict[int, list[dict]] | None = None) -> io.BytesIO:
    """隐患清单: every hazard found, where, what kind, and where it stands; with `pictures`, their photos too."""
    columns = [("序号", 4.5), ("发现时间", 10), ("车间/岗位", 15), ("隐患描述", 36), ("类别", 12), ("等级", 5),
               ("来源", 7), ("发现人", 12), ("状态", 6), ("整改期限", 10.5), ("是否逾期", 7.5)]
    records = [[n, _day(h["reported_at"]), _place(h), h["description"], h["category_name"], hazards.LEVELS[h["level"]],
                hazards.SOURCES[h["source"]], h["reporter_name"], hazards.STATUS[h["status"]], h["deadline"] or "",
                "逾期" if h["overdue"] else ""] for n, h in enumerate(found, start=1)]
    return _sheet("隐患清单", ent, columns, records, *_with_photos(found, pictures))


def rectification_list(ent, found, hazards, pictures: dict[int, list[dict]] | None = None) -> io.BytesIO:
    """整改清单: the 四定 of each hazard (and 预案 for major ones), and how it ended; with `pictures`, their photos."""
    columns = [("序号", 4.5), ("隐患描述", 18), ("车间/岗位", 10), ("等级", 5), ("整改措施", 16), ("责任人", 8),
               ("资金(元)", 7), ("整改期限", 10.5), ("预案", 11), ("挂牌督办", 5), ("状态", 6), ("整改完成", 10),
               ("验收人", 8), ("闭环时间", 10)]
    records = [[n, h["description"], _place(h), hazards.LEVELS[h["level"]],
                "立行立改" if h["on_the_spot"] else h["measure"], h["owner_name"] or h["rectifier_name"] or "",
                h["money"] if h["money"] is not None else "", h["deadline"] or "", h["plan"] or "",
                "是" if h["supervised"] else "", hazards.STATUS[h["status"]], _day(h["rectified_at"]),
                h["verifier_name"] or "", _day(h["closed_at"])] for n, h in enumerate(found, start=1)]
    return _sheet("整改清单", ent, columns, records, *_with_photos(found, pictures))
