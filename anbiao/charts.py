"""Charts drawn by the server as SVG: bars, one stacked bar and a donut. Each function gives every coordinate and the
template (templates/dashboard/_charts.html) draws them, so a chart needs no script and no chart framework: it shows
under the Content-Security-Policy, offline, and on paper. Each part keeps its link, so a bar is as clickable as its
number."""

import math

WIDTH = 360


def bars(items: list[dict], *, width: int = WIDTH, bar: int = 22, gap: int = 10, label_width: int = 96) -> dict:
    """Horizontal bars, one per item ({label, value, href?, tone?}), scaled to the largest value; the value is
    written after each bar."""
    top = max([1, *(i["value"] for i in items)])
    room = width - label_width - 48  # the value's words after the longest bar
    drawn = []
    for index, item in enumerate(items):
        y = index * (bar + gap)
        length = round(room * item["value"] / top, 1) if item["value"] else 0
        drawn.append(dict(item, x=label_width, y=y, length=max(length, 2 if item["value"] else 0), height=bar,
                          text_x=label_width + length + 6, text_y=y + bar * 0.7))
    return {"width": width, "height": max(len(items) * (bar + gap) - gap, bar), "items": drawn,
            "label_x": label_width - 6}


def stacked(items: list[dict], *, width: int = WIDTH, height: int = 28) -> dict:
    """One bar split into its parts ({label, value, href?, tone?}) in proportion, each with its share; a part of 0 is
    not drawn (`items`) but stays in the legend (`parts`)."""
    total = sum(i["value"] for i in items)
    parts = [dict(i, share=round(100 * i["value"] / total) if total else 0) for i in items]
    drawn, x = [], 0.0
    for part in parts:
        length = width * part["value"] / total if total else 0
        if length:
            drawn.append(dict(part, x=round(x, 1), length=round(length, 1)))
        x += length
    return {"width": width, "height": height, "items": drawn, "parts": parts, "total": total}


def donut(items: list[dict], *, size: int = 160, thickness: int = 28) -> dict:
    """A ring split into arcs in proportion to the items ({label, value, href?, tone?}); each arc is a path from its
    start angle to its end, clockwise from twelve o'clock."""
    total = sum(i["value"] for i in items)
    centre, outer = size / 2, size / 2 - 2
    inner = outer - thickness
    parts = [dict(i, share=round(100 * i["value"] / total) if total else 0) for i in items]
    drawn, start = [], 0.0
    for part in parts:
        if not part["value"]:
            continue
        sweep = 2 * math.pi * part["value"] / total
        drawn.append(dict(part, path=_arc(centre, outer, inner, start, start + sweep)))
        start += sweep
    return {"size": size, "items": drawn, "parts": parts, "total": total, "centre": centre}


def _point(centre: float, radius: float, angle: float) -> str:
    return f"{centre + radius * math.sin(angle):.2f},{centre - radius * math.cos(angle):.2f}"


def _arc(centre: float, outer: float, inner: float, start: float, end: float) -> str:
    """The path of one ring segment; a whole ring is two half arcs (an arc cannot end where it starts)."""
    if end - start >= 2 * math.pi - 1e-9:
        half = start + math.pi
        return (f"M{_point(centre, outer, start)} A{outer},{outer} 0 1 1 {_point(centre, outer, half)}"
                f" A{outer},{outer} 0 1 1 {_point(centre, outer, start)} Z"
                f" M{_point(centre, inner, start)} A{inner},{inner} 0 1 0 {_point(centre, inner, half)}"
                f" A{inner},{inner} 0 1 0 {_point(centre, inner, start)} Z")
    large = 1 if end - start > math.pi else 0
    return (f"M{_point(centre, outer, start)} A{outer},{outer} 0 {large} 1 {_point(centre, outer, end)}"
            f" L{_point(centre, inner, end)} A{inner},{inner} 0 {large} 0 {_point(centre, inner, start)} Z")
