"""The 隐患清单 of one enterprise with 10,000 hazards as xlsx: the streamed export against the in-memory build.

The baseline is the same sheet (same records, same named styles, same row heights and print setup) built the
way openpyxl builds by default: every hazard read in one list, every cell held in a normal-mode workbook, then
saved to memory. The export under test reads keyset pages and writes rows as they come (write-only mode) into a
temporary file. Both are timed without tracing, then run again under tracemalloc for their peak memory. The
ratio is streamed peak / in-memory peak: what write-only mode is for. A flat export also keeps its peak at
1,000 rows, printed for comparison. Prints
`hazard list xlsx 10000 rows: <s> s, peak memory <MB> MB`, then `xlsx export: ratio <x> (target ≤ 0.25)`.
Usage: python bench/export.py [rows]   (default 10000)
"""

import gc
import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.utils.indexed_list import IndexedList  # noqa: E402

from anbiao import db, exports, hazard_lists, hazards  # noqa: E402
from bench import demo_database  # noqa: E402

TARGET = 0.25
DESCRIPTION = "充装台静电接地线断裂，接地电阻检测值超过规定的十欧姆，充装过程中存在静电积聚引发火灾爆炸的风险（第{}处）"


def prepare(folder: Path, rows: int) -> tuple:
    """A demo database whose first enterprise has `rows` hazards, each with its own description."""
    conn = demo_database(folder / "anbiao.db", folder / "photos")
    ent = dict(conn.execute("SELECT id, name FROM enterprises ORDER BY id LIMIT 1").fetchone())
    columns = [r[1] for r in conn.execute("PRAGMA table_info(hazards)") if r[1] not in ("id", "description")]
    have = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ?", (ent["id"],)).fetchone()[0]
    with conn.atomic():
        while have < rows:  # copies of the demo's hazards, at every stage of the loop
            conn.execute(f"INSERT INTO hazards (description, {', '.join(columns)}) SELECT 'x', {', '.join(columns)}"
                         " FROM hazards WHERE enterprise_id = ? LIMIT ?", (ent["id"], rows - have))
            have = conn.execute("SELECT COUNT(*) FROM hazards WHERE enterprise_id = ?", (ent["id"],)).fetchone()[0]
        for (hazard_id,) in conn.execute("SELECT id FROM hazards WHERE enterprise_id = ?", (ent["id"],)).fetchall():
            conn.execute("UPDATE hazards SET description = ? WHERE id = ?", (DESCRIPTION.format(hazard_id), hazard_id))
    return conn, ent


def streamed(conn, ent, where="h.enterprise_id = ?", params=None) -> int:
    """The export as the page makes it: keyset pages in, write-only rows out to a temporary file."""
    found = exports.pages(conn, hazard_lists, where, params or [ent["id"]])
    with exports.hazard_list(ent, found, hazards) as book:
        return book.seek(0, 2)


def in_memory(conn, ent) -> int:
    """The same sheet the default way: one list of hazards, a normal-mode workbook, saved to memory."""
    found = hazard_lists.search(conn, "h.enterprise_id = ?", [ent["id"]], limit=10**9)
    columns = exports.HAZARD_COLUMNS
    records = [exports.hazard_record(hazards, n, h) for n, h in enumerate(found, start=1)]
    book = Workbook()
    book._fonts = IndexedList([exports.DEFAULT_FONT])
    exports._styles(book)
    sheet = book.active
    widths = [width for _, width in columns]
    heading = f"{ent['name']}隐患清单"
    sheet.cell(1, 1, heading).style = "清单标题"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(widths))
    sheet.row_dimensions[1].height = exports._height([sum(widths)], [heading], exports.TITLE_PT)
    for column, (name, width) in enumerate(columns, start=1):
        sheet.cell(2, column, name).style = "清单表头"
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row, record in enumerate(records, start=3):
        for column, value in enumerate(record, start=1):
            cell = sheet.cell(row, column, value)
            cell.data_type = "s" if isinstance(value, str) else cell.data_type
            cell.style = "清单正文"
        sheet.row_dimensions[row].height = exports._height(widths, record, exports.BODY_PT)
    exports._print_setup(sheet)
    out = io.BytesIO()
    book.save(out)
    return len(out.getvalue())


def timed(fn, *args) -> float:
    gc.collect()
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def peak(fn, *args) -> float:
    """Peak traced memory of one run, in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        conn, ent = prepare(Path(tmp), rows)
        streamed(conn, ent)  # warm up: imports, caches, the database's pages
        time_streamed, time_memory = timed(streamed, conn, ent), timed(in_memory, conn, ent)
        peak_streamed, peak_memory = peak(streamed, conn, ent), peak(in_memory, conn, ent)
        size = streamed(conn, ent)
        newest = conn.execute("SELECT id FROM hazards WHERE enterprise_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                              (ent["id"], rows // 10)).fetchone()[0]
        peak_tenth = peak(streamed, conn, ent, "h.enterprise_id = ? AND h.id > ?", [ent["id"], newest])
        conn.conn.close()
        db.close()
    print(f"file: {size / 1e6:.1f} MB; times untraced, peaks from tracemalloc in separate runs")
    print(f"in-memory build (normal mode, one list) {rows} rows: {time_memory:.2f} s, peak memory {peak_memory:.1f} MB")
    print(f"streamed export at {rows // 10} rows: peak memory {peak_tenth:.1f} MB")
    print(f"time per row: streamed {time_streamed / rows * 1000:.2f} ms, in-memory {time_memory / rows * 1000:.2f} ms")
    print(f"hazard list xlsx {rows} rows: {time_streamed:.2f} s, peak memory {peak_streamed:.1f} MB")
    print(f"xlsx export: ratio {peak_streamed / peak_memory:.2f} (target ≤ {TARGET})")


if __name__ == "__main__":
    main()
