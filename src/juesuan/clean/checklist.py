"""The reviewer's sheet (公开情况检查表): the parts of a publication × 符合要求 是 / 否 / 未核对 × problems.

A district finance bureau reviews each published budget and final account part by part; the parts
are the national template's for the kind of document (``data/checklist_parts.csv``: 及时性, 封面,
目录, 主要职能, 机构设置, 名词解释, the explanation, each of the nine tables, 其他相关情况说明,
项目经费情况说明).  For one report:

- a part the suite found and read: **否** when an error or a warning falls in it (by the table it
  names, else by the page:line where it stands), else **是**; an ``info`` finding is listed as a
  提示 without changing 是;
- a part the suite did not find or could not read (a table not read, a heading not found, the
  publication date, which no document states): **未核对**, with why — never 是.

:func:`checklist` builds the rows (plain data, written as ``checklist.json``), :func:`write_xlsx`
the printable, signable workbook of one report (``checklist.xlsx``) and :func:`write_batch` the
bureau's workbook of all reports (one sheet a report, a summary sheet first).  Every text from a
report goes through :func:`juesuan.safety.csv_encode` (a leading ``= + - @`` stays text) and is
written as a string cell.
"""
from __future__ import annotations

import csv
import json
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from ..config import PACKAGE_DATA
from ..safety import csv_encode

YES, NO, UNCHECKED = "是", "否", "未核对"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
KIND_ZH = {"budget": "预算", "final": "决算"}
FILE_JSON = "checklist.json"
FILE_XLSX = "checklist.xlsx"
BATCH_XLSX = "checklist.xlsx"


@lru_cache(maxsize=None)
def _parts_rows() -> tuple[dict, ...]:
    with open(PACKAGE_DATA / "checklist_parts.csv", encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def parts(kind: str) -> list[dict]:
    """The parts of a publication of ``kind`` (budget / final), in the template's order."""
    rows = [r for r in _parts_rows() if r["kind"] in ("both", kind)]
    return sorted(rows, key=lambda r: int(r["order"]))


@lru_cache(maxsize=None)
def _titles() -> dict[str, str]:
    with open(PACKAGE_DATA / "check_titles.csv", encoding="utf-8", newline="") as fh:
        return {r["check"]: r["title"] for r in csv.DictReader(fh)}


_ASCII_WORDS = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}")


def _wan(v: str) -> str:
    try:
        d = Decimal(str(v))
    except (InvalidOperation, ValueError):
        return str(v)
    return f"{d / 10000:,.2f} 万元" if d % 100 == 0 else f"{d:,.2f} 元"


def describe(f: dict) -> str:
    """A finding in Chinese without the chapters' translator: its own message when the message
    is Chinese (the review checks write Chinese), else the check's Chinese title and what the
    figures say (应为 … ，原文为 …)."""
    msg = str(f.get("message") or "")
    from ..validate.consolidate import CONSEQUENCE
    if CONSEQUENCE in msg:       # a fault with its consequences: the head described, the (Chinese) tail kept
        head, tail = msg.split(CONSEQUENCE, 1)
        return describe(dict(f, message=head)) + CONSEQUENCE + tail
    if re.search(r"[\u4e00-\u9fff]{4,}", msg) and not _ASCII_WORDS.search(msg):
        return msg
    title = _titles().get(f.get("check", ""), f.get("check", ""))
    exp, found = str(f.get("expected") or ""), str(f.get("found") or "")
    exp, found = ("" if re.search(r"[A-Za-z]{2,}", v) else v for v in (exp, found))   # a description, not a value
    money = bool(re.search(r"(mismatch|difference) of -?[\d.]+ 元", msg))
    if exp or found:
        e = _wan(exp) if money and re.fullmatch(r"-?\d+(\.\d+)?", exp) else exp
        g = _wan(found) if money and re.fullmatch(r"-?\d+(\.\d+)?", found) else found
        return f"{title}：应为 {e or '—'}，原文为 {g or '—'}"
    return title


def _line_of(location: str, lines: dict[str, int]) -> int | None:
    return lines.get(location)


def _where(location: str) -> str:
    """page:line as the reader finds it (``p8:123`` → ``第 8 页第 123 行``; a text file: ``第 123 行``)."""
    m = re.search(r"p(\d+):(\d+)$", location or "")
    if m:
        return f"第 {m.group(1)} 页:{m.group(2)} 行"
    m = re.search(r":(\d+)$", location or "")
    return f"第 {m.group(1)} 行" if m else "全文"


def _bare(text: str) -> str:
    """A heading without its numbering (一、 / （一） / 第一部分 / 1.) and blanks."""
    s = re.sub(r"\s+", "", text or "")
    return re.sub(r"^(?:第[一二三四五六七八九十]+部分|[（(]?[一二三四五六七八九十\d]+[)）、.．]?)", "", s)


def _contents_lines(doc) -> set[int]:
    from ..validate.document import contents_range
    rng = contents_range(doc)
    out = set(range(*rng)) if rng else set()
    page_of = (lambda n: doc.where(n).rsplit(":", 1)[0]) if doc.origins else None
    for n, t in doc.numbered(1, min(len(doc.lines) + 1, 400)):
        if re.sub(r"\s+", "", t) == "目录":
            if page_of is None:          # a text file: up to the first heading the contents listed
                seen: set[str] = set()
                for k, u in doc.numbered(n + 1, min(n + 80, len(doc.lines) + 1)):
                    key = _bare(u)
                    if key and key in seen:
                        break
                    seen.add(key)
                    out.add(k)
                out.add(n)
            else:
                p = page_of(n)
                out |= {k for k in range(n, min(n + 120, len(doc.lines) + 1)) if page_of(k) == p}
            break
    return out


def locate(doc, tables: dict, kind: str, inferred: dict) -> dict[str, tuple[int, int] | None]:
    """Each part's [first, last] line in the document (None: not found)."""
    contents = _contents_lines(doc)
    table_lines = {n for t in getattr(doc, "tables", []) for n, _ in t.rows}
    starts: dict[str, int | None] = {}
    for p in parts(kind):
        name, how = p["part"], p["locate"]
        if how == "heading":
            rx = re.compile(p["pattern"])
            starts[name] = next((n for n, t in doc.numbered(1, len(doc.lines) + 1)
                                 if n not in contents and n not in table_lines
                                 and len(s := re.sub(r"\s+", "", t)) <= 40 and rx.search(s)), None)
        elif how == "contents":
            starts[name] = min(contents) if contents else None
        elif how == "cover":
            src = (inferred.get("sources") or {})
            ok = inferred.get("department_name") and inferred.get("year") and src.get("department_name")
            starts[name] = 1 if ok else None
        elif how == "table":
            t = (tables or {}).get(p["pattern"])
            starts[name] = t.start if t is not None and t.present and t.start else None
        else:
            starts[name] = None
    spans: dict[str, tuple[int, int] | None] = {}
    ordered = sorted((n, k) for k, n in starts.items() if n)
    last = len(doc.lines)
    for name in starts:
        n = starts[name]
        if not n:
            spans[name] = None
            continue
        p = next(x for x in parts(kind) if x["part"] == name)
        if p["locate"] == "table":
            t = tables[p["pattern"]]
            spans[name] = (t.start, t.end or t.start)
            continue
        nxt = min((m for m, k in ordered if m > n and k != name), default=last + 1)
        spans[name] = (n, nxt - 1)
    return spans


def checklist(rep) -> dict:
    """The reviewer's sheet of one parsed report (:class:`juesuan.clean.pipeline.Report`)."""
    doc, kind = rep.doc, rep.doc_kind
    inferred = rep.inferred or {}
    spans = locate(doc, rep.tables, kind, inferred)
    loc_line = {rep.log.loc(n): n for n in range(1, len(doc.lines) + 1)}
    plist = parts(kind)
    by_table = {p["pattern"]: p["part"] for p in plist if p["locate"] == "table"}
    problems: dict[str, list[dict]] = {p["part"]: [] for p in plist}
    other: list[dict] = []
    for f in rep.log.findings:
        f = f.as_dict()
        part = by_table.get(f.get("table") or "")
        n = _line_of(f.get("location", ""), loc_line)
        if part is None and n:
            inside = [(s[1] - s[0], name) for name, s in spans.items()
                      if s and s[0] <= n <= s[1] and name not in ("及时性",)]
            part = min(inside)[1] if inside else None
        item = {"severity": f["severity"], "severity_zh": SEVERITY_ZH[f["severity"]], "check": f["check"],
                "where": _where(f.get("location", "")), "location": f.get("location", ""),
                "message": f.get("message", ""), "text": describe(f)}
        if f["severity"] == "info" and not f["check"].startswith("review_"):
            continue                    # a note on how something was read is not a reviewer's problem
        (problems[part] if part else other).append(item)
    rows = []
    for p in plist:
        name = p["part"]
        found = spans.get(name) is not None
        probs = problems[name]
        if p["locate"] == "never":
            status, note = UNCHECKED, "原文不载公开日期，须按公开网站的发布时间核对"
        elif p["locate"] == "table" and not found:
            t = (rep.tables or {}).get(p["pattern"])
            status = UNCHECKED
            note = "本套件未读到此表（原文可能未公开此表，或版式未能识别），须人工核对"
            if t is not None and t.declared_empty:
                status, note = (NO if any(x["severity"] != "info" for x in probs) else YES), "空表，原文已说明"
        elif not found:
            status, note = UNCHECKED, "未在原文中找到此部分（可能缺失，或标题未能识别），须人工核对"
        else:
            bad = [x for x in probs if x["severity"] in ("error", "warning")]
            status = NO if bad else YES
            span = spans[name]
            note = f"原文 {_where(rep.log.loc(span[0]))} 起"
        rows.append({"order": int(p["order"]), "part": name, "checked": p["what_zh"], "status": status,
                     "note": note, "problems": probs})
    if other:
        bad = [x for x in other if x["severity"] in ("error", "warning")]
        rows.append({"order": 99, "part": "其他（全文）", "checked": "未归入以上各部分的发现",
                     "status": NO if bad else YES, "note": "", "problems": other})
    kind_zh = KIND_ZH.get(kind, "决算")
    return {"year": rep.year, "department": rep.department,
            "department_name": rep.meta.get("department_name") or rep.department,
            "kind": kind, "kind_zh": kind_zh, "level": inferred.get("doc_level") or "部门",
            "title": f"{rep.meta.get('department_name') or rep.department} {rep.year} 年{inferred.get('doc_level') or '部门'}{kind_zh}公开情况检查表",
            "rows": rows}


def counts(sheet: dict) -> dict[str, int]:
    """是 / 否 / 未核对 parts and error / warning / info problems of one sheet."""
    out = {YES: 0, NO: 0, UNCHECKED: 0, "error": 0, "warning": 0, "info": 0}
    for r in sheet["rows"]:
        out[r["status"]] += 1
        for p in r["problems"]:
            out[p["severity"]] += 1
    return out


# ------------------------------------------------------------------ files
def write_json(sheet: dict, out_dir: Path) -> Path:
    from .writer import atomic_write_text
    target = Path(out_dir) / FILE_JSON
    atomic_write_text(target, json.dumps(sheet, ensure_ascii=False, indent=1, default=str) + "\n")
    return target


def read_json(folder: Path) -> dict | None:
    f = Path(folder) / FILE_JSON
    return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None


def _text(v) -> str:
    """A report's text as a cell value: inert (csv_encode) and storable (no control characters)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", csv_encode(str(v if v is not None else "")))


def _problems_text(probs: list[dict]) -> str:
    return "\n".join(f"{i}. 【{p['severity_zh']}】{p['where']}：{p['text']}" for i, p in enumerate(probs, 1))


def _sheet(ws, sheet: dict) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def put(row, col, value, *, bold=False, align=wrap, border=True, fill=None):
        c = ws.cell(row=row, column=col)
        c.value = _text(value)
        c.data_type = "s"
        c.font = Font(bold=bold, size=11 if not bold else 12)
        c.alignment = align
        if border:
            c.border = box
        if fill:
            c.fill = PatternFill("solid", fgColor=fill)
        return c

    ws.merge_cells("A1:E1")
    put(1, 1, sheet["title"], bold=True, align=center, border=False)
    ws.row_dimensions[1].height = 28
    ws.merge_cells("A2:E2")
    put(2, 1, f"被检查单位：{sheet['department_name']}    年度：{sheet['year']}    文种：{sheet['level']}{sheet['kind_zh']}"
              f"    检查依据：本套件逐项核对（未核对项须人工核对）", border=False)
    heads = ["序号", "检查内容", "检查要点", "符合要求\n（是/否/未核对）", "存在问题（页:行）"]
    for j, h in enumerate(heads, 1):
        put(3, j, h, bold=True, align=center, fill="DDDDDD")
    ws.row_dimensions[3].height = 34
    fills = {NO: "F8D7DA", UNCHECKED: "FFF3CD"}
    r = 4
    for i, row in enumerate(sheet["rows"], 1):
        put(r, 1, i, align=center)
        put(r, 2, row["part"])
        put(r, 3, row["checked"])
        put(r, 4, row["status"], align=center, bold=row["status"] != YES, fill=fills.get(row["status"]))
        text = _problems_text(row["problems"]) or ("无" if row["status"] == YES else "")
        if row["note"] and row["status"] == UNCHECKED:
            text = row["note"] + ("\n" + text if text else "")
        put(r, 5, text)
        lines = max(1, sum(-(-max(len(x), 1) // 42) for x in text.split("\n")),
                    -(-len(row["checked"]) // 16))      # column E holds ~42 Chinese characters a line
        ws.row_dimensions[r].height = min(409, 15 * lines + 3)
        r += 1
    c = counts(sheet)
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=5)
    put(r + 1, 1, f"合计：{len(sheet['rows'])} 项，符合要求 {c[YES]} 项，不符合 {c[NO]} 项，未核对 {c[UNCHECKED]} 项；"
                  f"问题：错误 {c['error']} 条、警告 {c['warning']} 条、提示 {c['info']} 条。", border=False)
    ws.merge_cells(start_row=r + 3, start_column=1, end_row=r + 3, end_column=5)
    put(r + 3, 1, "检查人（签字）：____________    复核人（签字）：____________    检查日期：____年____月____日",
        border=False)
    for col, width in zip("ABCDE", (6, 22, 34, 13, 80)):
        ws.column_dimensions[col].width = width
    ws.print_area = f"A1:E{r + 3}"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = "A4"


def write_xlsx(sheet: dict, target: Path) -> Path:
    """One report's sheet, formatted to be printed (A4 landscape, fit to width) and signed."""
    from openpyxl import Workbook

    from ..atomic import atomic_path
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(sheet, set())
    _sheet(ws, sheet)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def _sheet_name(sheet: dict, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", f"{sheet['year']}{sheet['department_name']}{sheet['level']}{sheet['kind_zh']}")
    base = base if len(base) <= 31 else base[:27] + base[-4:]     # keep 部门预算 / 单位预算 at the end
    name, k = base, 2
    while name in taken:
        name = f"{base[:28]}_{k}"
        k += 1
    taken.add(name)
    return name


def write_batch(sheets: list[dict], target: Path) -> Path | None:
    """The bureau's workbook: a summary sheet (one row a report) and one sheet a report."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from ..atomic import atomic_path
    if not sheets:
        return None
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    heads = ["年度", "部门", "文种", "检查项", "是", "否", "未核对", "错误", "警告", "提示", "不符合要求的部分", "工作表"]
    ws.append(heads)
    for c in ws[1]:
        c.font = Font(bold=True)
    taken = {"汇总"}
    names = [_sheet_name(s, taken) for s in sheets]
    for s, name in zip(sheets, names):
        c = counts(s)
        bad = "、".join(r["part"] for r in s["rows"] if r["status"] == NO)
        ws.append([s["year"], _text(s["department_name"]), f"{s['level']}{s['kind_zh']}", len(s["rows"]),
                   c[YES], c[NO], c[UNCHECKED], c["error"], c["warning"], c["info"], _text(bad), name])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGHIJKL", (7, 30, 10, 8, 6, 6, 8, 6, 6, 6, 50, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:L{ws.max_row}"
    for s, name in zip(sheets, names):
        _sheet(wb.create_sheet(title=name), s)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def batch_sheets(clean_root: Path) -> list[dict]:
    """Every report's sheet under ``clean_root`` (data/clean/<year>/<department>/checklist.json)."""
    root = Path(clean_root)
    out = []
    for f in sorted(root.glob("*/*/" + FILE_JSON)):
        if f.parent.parent.name.isdigit():
            out.append(json.loads(f.read_text(encoding="utf-8")))
    return out


def write_batch_for(clean_root: Path) -> Path | None:
    """``data/clean/panel/checklist.xlsx`` from the reports' sheets (the batch and ``make data``)."""
    root = Path(clean_root)
    return write_batch(batch_sheets(root), root / "panel" / BATCH_XLSX)


# ------------------------------------------------------------------ the reader's table
def review_frame(sheet: dict | None, message_zh: dict | None = None):
    """The problems of one sheet as the report shows them (a DataFrame, texts unescaped: the
    caller's table helper escapes them): 严重程度, 部分, 页:行, 问题 (what is wrong and what the
    figures say instead); ``message_zh``: (check, location, message) → the chapters' Chinese."""
    import pandas as pd
    cols = ["严重程度", "部分", "页:行", "问题"]
    if not sheet:
        return pd.DataFrame(columns=cols)
    order = {"错误": 0, "警告": 1, "提示": 2}
    rows = []
    for r in sheet["rows"]:
        for p in r["problems"]:
            text = (message_zh or {}).get((p["check"], p["location"], p["message"])) or p["text"]
            rows.append({"严重程度": p["severity_zh"], "部分": r["part"], "页:行": p["where"], "问题": text})
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values("严重程度", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def status_frame(sheet: dict | None):
    """The sheet's rows: 检查内容, 符合要求, 问题数, 说明."""
    import pandas as pd
    cols = ["检查内容", "符合要求", "问题数", "说明"]
    if not sheet:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame([{"检查内容": r["part"], "符合要求": r["status"], "问题数": len(r["problems"]),
                          "说明": r["note"] if r["status"] == UNCHECKED else r["checked"]} for r in sheet["rows"]],
                        columns=cols)
