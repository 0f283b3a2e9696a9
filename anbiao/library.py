"""The inspection library: check the data files in inspect/ and load them as versions."""

import hashlib
import json
import re
import tomllib
from itertools import pairwise
from pathlib import Path

from .db import now, one, rows

ROOT = Path(__file__).resolve().parent.parent / "inspect"
KINDS = ("checklist", "industries", "hazard_categories", "signs", "sign_classes", "five_s", "risk_method",
         "risk_control", "colour_rule", "visit_frequency", "self_assessment")
# GB/T 33000-2016's eight first-level elements (5.1–5.8); a self-assessment standard scores items under each.
ELEMENTS = {"5.1": "目标职责", "5.2": "制度化管理", "5.3": "教育培训", "5.4": "现场管理",
            "5.5": "安全风险管控及隐患排查治理", "5.6": "应急管理", "5.7": "事故管理", "5.8": "持续改进"}
# 告知书/承诺书 texts with their placeholders, and the kinds of enforcement action the monthly report counts.
KINDS += ("papers", "enforcement")
# The layouts of the monthly report forms 附件3/附件4 (columns, merged headers, the figure in each cell).
KINDS += ("report_form",)
# The dashboard's bands of days past a hazard's deadline (the columns they fill are the overview's).
KINDS += ("overdue_ages",)
OVERDUE_AGES = ("week", "month", "quarter", "older")
# What a 告知书/承诺书 text may leave for the print to fill, and how its blocks are laid out (anbiao/papers.py).
PAPER_FIELDS = ("enterprise", "credit_code", "address", "principal", "issuer", "issued_on", "deadline", "year")
PAPER_STYLES = ("addressee", "body", "right", "sign", "note")
# The four colours of 四色 risk, worst first (seed 001 §三(四)); a risk method's thresholds name each once.
RISK_COLOURS = ("red", "orange", "yellow", "blue")
TIERS = {"enterprise": "安全生产检查清单", "workshop": "车间安全检查表册", "post": "岗位安全检查卡片",
         "grid": "网格员检查导则", "lookback": "回头看",
         # The departments' own 回头看 (seed 004, first part): read and exported, never adopted by an enterprise.
         "lookback_gov": "回头看（监管部门）"}
FREQUENCIES = {"shift": "每班", "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季"}
ASPECTS = ("基础管理", "设备设施", "作业现场", "作业行为")
GENERAL = "通用"
SIZE_CLASSES = ("above_scale", "medium", "small_micro")
LEVELS = ("enterprise", "workshop", "post")
# The facts an enterprise-colour rule may look at (anbiao/enterprise_colour.py counts them).
COLOUR_MEASURES = ("red_points", "orange_points", "yellow_points", "blue_points", "points", "open_major_hazards",
                   "overdue_hazards")
DOC_FIELDS = ("title", "industry", "tier", "frequency", "responsible", "on_failure", "source")
ITEM_FIELDS = ("code", "aspect", "section", "name", "content", "method", "basis")


def _problems_of(name: str, doc: dict) -> list[str]:
    """Everything wrong with one parsed file, each as a Chinese sentence."""
    out = []
    kind = doc.get("kind")
    if kind not in KINDS:
        return [f"{name}: kind“{kind}”不正确，应为 {'/'.join(KINDS)} 之一"]
    for field in ("code", "title"):
        if not isinstance(doc.get(field), str) or not doc[field].strip():
            out.append(f"{name}: 缺少 {field}")
    for field in DOC_FIELDS:
        if doc.get(field) is not None and not isinstance(doc[field], str):
            out.append(f"{name}: {field} 应为文字")
    items = doc.get("items")
    if not isinstance(items, list) or not items:
        return [*out, f"{name}: 没有任何条目（[[items]]）"]
    if kind == "checklist":
        if doc.get("tier") not in TIERS:
            out.append(f"{name}: tier“{doc.get('tier')}”不正确，应为 {'/'.join(TIERS)} 之一")
        if doc.get("frequency") not in FREQUENCIES:
            out.append(f"{name}: frequency“{doc.get('frequency')}”不正确，应为 {'/'.join(FREQUENCIES)} 之一")
        for field in ("industry", "responsible", "on_failure", "source"):
            if not isinstance(doc.get(field), str) or not doc[field].strip():
                out.append(f"{name}: 缺少 {field}")
    if kind == "five_s":
        groups = ("sort", "set_in_order", "shine", "standardize", "sustain")
        # A threshold item is a rule about the total (below it the page suggests a hazard), not a scored item.
        scored = [i for i in items if isinstance(i, dict) and i.get("group") != "threshold"]
        if any(i.get("group") not in groups for i in scored):
            out.append(f"{name}: group 应为 {'/'.join(groups)} 之一（阈值条目为 threshold）")
        if any(not isinstance(i.get("points"), int) or isinstance(i.get("points"), bool) or i["points"] <= 0
               for i in scored):
            out.append(f"{name}: 每个考评条目须有正整数 points（分值）")
        if sum(i["points"] for i in scored if isinstance(i.get("points"), int)) != 100:
            out.append(f"{name}: 各考评条目 points 合计应为 100（阈值条目不计）")
        for item in items:
            if isinstance(item, dict) and item.get("group") == "threshold" and (
                    not _number(item.get("below")) or not 0 < item["below"] <= 100):
                out.append(f"{name}（{item.get('code')}）: 阈值条目须有 below，为 0 到 100 之间的分数"
                           "（考评得分低于它时提示列为隐患）")
    if kind == "risk_method":
        out += _risk_method_problems(name, doc, items)
    if kind == "self_assessment":
        out += _self_assessment_problems(name, doc, [i for i in items if isinstance(i, dict)])
    if kind in ("risk_control", "colour_rule", "visit_frequency"):
        out += _colour_table_problems(name, doc, [i for i in items if isinstance(i, dict)])
    if kind == "papers":
        out += _papers_problems(name, [i for i in items if isinstance(i, dict)])
    if kind == "enforcement":
        out += _enforcement_problems(name, doc, [i for i in items if isinstance(i, dict)])
    if kind == "overdue_ages":
        out += _ages_problems(name, doc, [i for i in items if isinstance(i, dict)])
    if kind == "report_form":
        from .monthly_reports import layout_problems  # the figures a form may name are that module's

        out += layout_problems(name, doc, [i for i in items if isinstance(i, dict)])
    seen = set()
    for number, item in enumerate(items, start=1):
        where = f"{name} 第{number}条"
        if not isinstance(item, dict):
            out.append(f"{where}: 格式不正确")
            continue
        code = item.get("code")
        if not isinstance(code, str) or not code.strip():
            out.append(f"{where}: 缺少 code")
        elif code in seen:
            out.append(f"{where}: code“{code}”重复")
        else:
            seen.add(code)
        if kind == "checklist":
            if not str(item.get("content") or "").strip():
                out.append(f"{where}（{code}）: 缺少 content")
            if item.get("aspect") not in ASPECTS:
                out.append(f"{where}（{code}）: aspect“{item.get('aspect')}”不正确，应为 {'/'.join(ASPECTS)} 之一")
        elif not str(item.get("name") or "").strip():
            out.append(f"{where}（{code}）: 缺少 name")
        for field, value in item.items():
            if field in ITEM_FIELDS and value is not None and not isinstance(value, str):
                out.append(f"{where}（{code}）: {field} 应为文字")
    return out


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _risk_method_problems(name: str, doc: dict, items: list) -> list[str]:
    """A risk method needs its source, factor tables of positive values, and one threshold per colour, falling."""
    out = [] if isinstance(doc.get("source"), str) and doc["source"].strip() else [f"{name}: 缺少 source（分级依据）"]
    items = [i for i in items if isinstance(i, dict)]
    factors = [i for i in items if i.get("group") != "threshold"]
    if not factors or any(not isinstance(i.get("group"), str) or not _number(i.get("value")) or i["value"] <= 0
                          for i in factors):
        out.append(f"{name}: 每个因素条目须有 group 和正数 value")
    thresholds = [i for i in items if i.get("group") == "threshold"]
    colours = [i.get("code") for i in thresholds]
    if colours != list(RISK_COLOURS):
        out.append(f"{name}: 分级阈值应依次为 {'/'.join(RISK_COLOURS)} 各一条")
    elif not all(_number(i.get("at_least")) for i in thresholds):
        out.append(f"{name}: 分级阈值 at_least 应为数字")
    elif any(a["at_least"] <= b["at_least"] for a, b in pairwise(thresholds)):
        out.append(f"{name}: 分级阈值应自红到蓝依次减小")
    return out


def _self_assessment_problems(name: str, doc: dict, items: list) -> list[str]:
    """A self-assessment standard: its source, every item under one of the eight elements with a section and positive
    whole points, every element scored, and the points adding up to the stated total."""
    out = [] if isinstance(doc.get("source"), str) and doc["source"].strip() else [f"{name}: 缺少 source（依据）"]
    for item in items:
        where = f"{name}（{item.get('code')}）"
        if item.get("element") not in ELEMENTS:
            out.append(f"{where}: element 应为 {'/'.join(ELEMENTS)} 之一")
        if not isinstance(item.get("section"), str) or not item["section"].strip():
            out.append(f"{where}: 缺少 section（二级要素）")
        if not isinstance(item.get("points"), int) or isinstance(item.get("points"), bool) or item["points"] <= 0:
            out.append(f"{where}: points 应为正整数（分值）")
    missing = [code for code in ELEMENTS if not any(i.get("element") == code for i in items)]
    if missing:
        out.append(f"{name}: 一级要素 {'、'.join(missing)} 没有任何条目")
    total = doc.get("total")
    points = sum(i["points"] for i in items if isinstance(i.get("points"), int) and not isinstance(i["points"], bool))
    if not isinstance(total, int) or isinstance(total, bool) or total != points:
        out.append(f"{name}: total 应为各条目 points 之和（现为 {points}）")
    return out


def _colour_table_problems(name: str, doc: dict, items: list) -> list[str]:
    """Tables keyed by colour: who controls each colour, the enterprise-colour rule, the visit frequency."""
    out = [] if isinstance(doc.get("source"), str) and doc["source"].strip() else [f"{name}: 缺少 source（依据）"]
    kind = doc["kind"]
    if kind in ("risk_control", "visit_frequency") and [i.get("code") for i in items] != list(RISK_COLOURS):
        out.append(f"{name}: 条目应依次为 {'/'.join(RISK_COLOURS)} 各一条")
    for item in items:
        where = f"{name}（{item.get('code')}）"
        if kind == "risk_control":
            levels = item.get("levels")
            if not isinstance(levels, list) or not levels or any(level not in LEVELS for level in levels):
                out.append(f"{where}: levels 应为 {'/'.join(LEVELS)} 中的一个或几个")
        elif kind == "visit_frequency":
            months = item.get("months")
            if (not isinstance(months, dict) or set(months) != set(SIZE_CLASSES)
                    or any(not isinstance(m, int) or isinstance(m, bool) or m < 1 for m in months.values())):
                out.append(f"{where}: months 应为 {'/'.join(SIZE_CLASSES)} 各一个正整数（月）")
        else:
            if item.get("colour") not in RISK_COLOURS:
                out.append(f"{where}: colour 应为 {'/'.join(RISK_COLOURS)} 之一")
            if item.get("measure") not in COLOUR_MEASURES:
                out.append(f"{where}: measure 应为 {'/'.join(COLOUR_MEASURES)} 之一")
            bounds = [item.get("at_least"), *([item["at_most"]] if "at_most" in item else [])]
            if any(not isinstance(b, int) or isinstance(b, bool) or b < 0 for b in bounds):
                out.append(f"{where}: at_least（及 at_most）应为非负整数")
    if kind == "colour_rule" and items and (items[-1].get("measure") != "points" or items[-1].get("at_least") != 0
                                            or "at_most" in items[-1]):
        out.append(f"{name}: 最后一条应为兜底规则（measure = \"points\"，at_least = 0）")
    return out


def _ages_problems(name: str, doc: dict, items: list) -> list[str]:
    """The overdue bands: week, month, quarter, older in order, each starting the day after the last one ends."""
    out = [] if isinstance(doc.get("source"), str) and doc["source"].strip() else [f"{name}: 缺少 source（依据）"]
    if [i.get("code") for i in items] != list(OVERDUE_AGES):
        return [*out, f"{name}: 条目应依次为 {'/'.join(OVERDUE_AGES)} 各一条"]
    start = 0
    for number, item in enumerate(items):
        days, last = item.get("days"), number == len(items) - 1
        whole = isinstance(days, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        if not whole or len(days) != (1 if last else 2) or days[0] != start or (not last and days[1] < days[0]):
            shape = f"[{start}]（只有起点）" if last else f"[{start}, 止]（止 ≥ {start}）"
            out.append(f"{name}（{item['code']}）: days 应为 {shape}，各段首尾相接、从 0 天开始")
            return out
        start = None if last else days[1] + 1
    return out


def _placeholders(text: str) -> list[str] | None:
    """The {names} a paper's line leaves to fill, or None when its braces are broken."""
    import string

    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return None
    # A format spec or conversion ({year:>4}, {name!r}) is not a placeholder the print fills: named with it, refused.
    return [field + (f":{spec}" if spec else "") + (f"!{conv}" if conv else "")
            for _, field, spec, conv in parts if field is not None]


def _papers_problems(name: str, items: list) -> list[str]:
    """The 告知书 and the 承诺书, each a heading and blocks of lines whose placeholders the print knows how to fill."""
    out = []
    if sorted(i.get("code") for i in items) != ["commitment", "notice"]:
        out.append(f"{name}: 条目应为 notice（告知书）和 commitment（承诺书）各一条")
    for item in items:
        where = f"{name}（{item.get('code')}）"
        if not isinstance(item.get("heading"), str) or not item["heading"].strip():
            out.append(f"{where}: 缺少 heading（印在纸上的标题）")
        blocks = item.get("blocks")
        if not isinstance(blocks, list) or not blocks:
            out.append(f"{where}: 缺少 blocks（正文各段）")
            continue
        texts = [item["particulars"]] if isinstance(item.get("particulars"), str) else []
        if "particulars" in item and not texts:
            out.append(f"{where}: particulars 应为文字")
        for block in blocks:
            lines = block.get("lines") if isinstance(block, dict) else None
            if not isinstance(block, dict) or block.get("style") not in PAPER_STYLES:
                out.append(f"{where}: 每段须有 style，为 {'/'.join(PAPER_STYLES)} 之一")
            if not isinstance(lines, list) or not lines or any(not isinstance(t, str) for t in lines):
                out.append(f"{where}: 每段须有 lines（一行或几行文字）")
                continue
            texts += lines
        for text in texts:
            fields = _placeholders(text)
            if fields is None:
                out.append(f"{where}: “{text[:20]}…”中的花括号不成对")
            elif any(f not in PAPER_FIELDS for f in fields):
                wrong = next(f for f in fields if f not in PAPER_FIELDS)
                out.append(f"{where}: 占位符 {{{wrong}}} 不认识，只能用 {'、'.join(PAPER_FIELDS)}")
    return out


def _enforcement_problems(name: str, doc: dict, items: list) -> list[str]:
    """Each kind of action names its report column, what the column counts, and the amount it takes, if any."""
    out = [] if isinstance(doc.get("source"), str) and doc["source"].strip() else [f"{name}: 缺少 source（依据）"]
    for item in items:
        where = f"{name}（{item.get('code')}）"
        if not isinstance(item.get("column"), str) or not item["column"].strip():
            out.append(f"{where}: 缺少 column（月报表中的栏目名称）")
        counts = item.get("counts")
        if not isinstance(counts, list) or not counts or any(c not in ("actions", "amount") for c in counts):
            out.append(f"{where}: counts 应为 actions（家次）、amount（数量之和）中的一个或两个")
            continue
        amount = item.get("amount")
        if ("amount" in counts) != isinstance(amount, dict):
            out.append(f"{where}: 统计数量（counts 含 amount）的种类须有 amount，其他种类不应有")
        elif isinstance(amount, dict) and (
                not all(isinstance(amount.get(k), str) and amount[k].strip() for k in ("label", "unit"))
                or not isinstance(amount.get("decimals"), int) or isinstance(amount.get("decimals"), bool)
                or not 0 <= amount["decimals"] <= 6):
            out.append(f"{where}: amount 须有 label、unit（文字）和 decimals（0 到 6 的整数）")
        columns = item.get("columns")
        if columns is not None and (not isinstance(columns, list) or len(columns) != len(counts)
                                    or any(not isinstance(c, str) for c in columns)):
            out.append(f"{where}: columns 应与 counts 一一对应（每项一个栏目名称）")
    return out


def read(root: Path = ROOT) -> tuple[list[tuple[str, dict, str]], list[str]]:
    """Parse every .toml under root: ([(relative path, document, content hash)], [problems])."""
    docs, problems, codes = [], [], {}
    files = sorted(root.rglob("*.toml"))
    if not files:
        return [], [f"{root} 下没有任何 .toml 文件"]
    for path in files:
        name = str(path.relative_to(root))
        raw = path.read_bytes()
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{name}: 不是 UTF-8 编码")
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{name}: TOML 格式错误：{exc}")
            continue
        found = _problems_of(name, doc)
        problems += found
        code = doc.get("code")
        if isinstance(code, str) and code in codes:
            problems.append(f"{name}: code“{code}”与 {codes[code]} 重复")
        elif isinstance(code, str):
            codes[code] = name
        if not found:
            # The hash covers the meaning, not the bytes, so reformatting a file is not a new version.
            meaning = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
            digest = hashlib.sha256(meaning.encode()).hexdigest()
            docs.append((name, doc, digest))
    industries = {i["name"] for _, d, _ in docs if d["kind"] == "industries" for i in d["items"]}
    for name, doc, _ in docs:
        if doc["kind"] == "checklist" and doc["industry"] != GENERAL and doc["industry"] not in industries:
            problems.append(f"{name}: 行业“{doc['industry']}”不在 industries.toml 中")
    return docs, problems


def load(db, root: Path = ROOT) -> dict:
    """Load the library; unchanged documents stay as they are, changed ones become new versions."""
    docs, problems = read(root)
    if problems:
        raise ValueError("\n".join(problems))
    stats = {"new": 0, "changed": 0, "unchanged": 0}
    with db.atomic():
        for name, doc, digest in docs:
            latest = one(db, "SELECT version, hash FROM library_docs WHERE code = ? ORDER BY version DESC",
                         (doc["code"],))
            if latest and latest["hash"] == digest:
                stats["unchanged"] += 1
                continue
            stats["changed" if latest else "new"] += 1
            version = latest["version"] + 1 if latest else 1
            values = {f: doc.get(f) for f in DOC_FIELDS}
            cur = db.execute(
                "INSERT INTO library_docs (kind, code, version, path, hash, loaded_at, "
                + ", ".join(DOC_FIELDS) + ") VALUES (" + ", ".join("?" * (6 + len(DOC_FIELDS))) + ")",
                [doc["kind"], doc["code"], version, name, digest, now(), *values.values()],
            )
            for position, item in enumerate(doc["items"], start=1):
                extra = {k: v for k, v in item.items() if k not in ITEM_FIELDS}
                db.execute(
                    "INSERT INTO library_items (doc_id, position, code, aspect, section, name, content,"
                    " method, basis, extra) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (cur.lastrowid, position, item["code"], item.get("aspect"), item.get("section"),
                     item.get("name"), item.get("content") or item.get("name"), item.get("method"),
                     item.get("basis"), json.dumps(extra, ensure_ascii=False, default=str)),
                )
    return stats


def current_docs(db, kind: str = "checklist") -> list[dict]:
    """The newest version of every document of a kind."""
    return rows(
        db,
        "SELECT d.* FROM library_docs d WHERE kind = ? AND version = "
        "(SELECT MAX(version) FROM library_docs x WHERE x.code = d.code) ORDER BY code",
        (kind,),
    )


def items(db, doc_id: int) -> list[dict]:
    """A document's items in order."""
    return rows(db, "SELECT * FROM library_items WHERE doc_id = ? ORDER BY position", (doc_id,))


def reference(db, kind: str) -> list[dict]:
    """The items of the newest reference list of a kind (hazard categories, signs, 5S...)."""
    docs = current_docs(db, kind)
    return items(db, docs[0]["id"]) if docs else []


def industries(db) -> list[str]:
    """The industry names enterprises may belong to."""
    return [i["name"] for i in reference(db, "industries")]


def industry_set(db, industry: str) -> dict[str, dict]:
    """The newest checklist of each tier for an industry, by tier."""
    found = {d["tier"]: d for d in current_docs(db) if d["industry"] == industry}
    return {tier: found[tier] for tier in ("enterprise", "workshop", "post") if tier in found}


def titles(db) -> dict[str, str]:
    """The newest title of every document, by code."""
    return {r["code"]: r["title"] for r in rows(
        db, "SELECT code, title FROM library_docs d WHERE version = (SELECT MAX(version) FROM library_docs x"
            " WHERE x.code = d.code)")}


def readable(text: str | None, names: dict[str, str]) -> str:
    """Library text as people read it: a document's code is its title, and a code beside the title is dropped."""
    # Source notes were written for reviewers ("《…清单》（gas-enterprise）"); codes never reach a page.
    text = text or ""
    for code in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\s*[（(]\s*{re.escape(code)}\s*[)）]", "", text)
        text = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", f"《{names[code]}》", text)
    return text
