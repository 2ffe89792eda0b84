"""Document consistency: the report against itself as a document.

- the metadata the run uses against what the document states (folder year, metadata.json);
- the report year in the cover, the part headings and the table titles;
- the department name on the cover, in the headings, on the 公开部门 lines and in the text
  (a template placeholder such as ``上海市 XX 局`` is an error);
- dates ``截至X年12月31日`` belong to the report year;
- leftover template text (``XX``, ``待填写``, ``……``, an empty ``年 月 日``, the template's
  instructions such as ``（如持平作持平表述）``);
- the order of the tables against the contents page (目录);
- an empty or all-zero 公开07/08/09 without its ``本表无数据`` note;
- direction words (大于 / 小于 / 持平 预算数; 增加 / 减少 with 增长 / 下降) against the numbers.

Each check records a run per comparison; a finding only when the source is wrong.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from ..config import PACKAGE_DATA
from ..extract.reading.meta import (BARE_YEAR_RE, DEPT_LINE_RE, PART_HEAD_RE, SCOPE_RE, _clean,
                            _name_from, cover_range, is_placeholder, same_department)
from ..extract.prose.explanation import cue_words
from ..extract.tabular.tables import Table, squash, table_specs
from ..findings import CheckLog
from ..source import Document

DOC = "文档"
ORG_END = "局厅委办院会部署室中心所馆站队处社司行团校园"
GENERIC_NAMES = {"单位", "部门", "本部门", "本单位", "单位概况", "部门概况"}


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s or "")


# ------------------------------------------------------------------ metadata
def check_metadata(given: dict, inferred, folder_year: int | None, log: CheckLog,
                   folder: str = "") -> None:
    """The folder's year and metadata.json against what the document states."""
    for key, label in (("year", "year"), ("department_name", "department name"), ("unit", "unit")):
        value = getattr(inferred, key)
        log.record("metadata_read", value is not None, severity="warning",
                   message=f"the document's {label} could not be read (cover, part headings, "
                           f"单位 lines); {'metadata.json' if given.get(key) else 'the folder'} "
                           "supplies it", expected=label, found="")
    if folder_year is None:
        log.skip("folder_year", "the report folder is not under data/raw/<year>/")
    elif inferred.year is None:
        log.skip("folder_year", "the document states no year")
    else:
        log.record("folder_year", folder_year == inferred.year, severity="error",
                   line=inferred.sources.get("year", {}).get("line"), table=DOC,
                   message=f"the folder {folder} is for {folder_year}, the document is the "
                           f"{inferred.year} report", expected=folder_year, found=inferred.year)
    if not given:
        return
    pairs = (("year", "year"), ("department_name", "department name"), ("unit", "unit"))
    for key, label in pairs:
        want, got = given.get(key), getattr(inferred, key)
        if want in (None, "") or got is None:
            log.skip("metadata_vs_document", f"{label}: "
                     + ("not in metadata.json" if want in (None, "") else "not stated in the document"))
            continue
        if key == "year":
            ok = str(want).strip() == str(got)
        elif key == "department_name":
            ok = same_department(str(want), got)
        else:
            ok = str(want).strip() == got
        # a different unit is the metadata's slip, not the source's: the tables are read in the unit
        # each states (单位：…), so it is a warning; a different year or name is an error
        log.record("metadata_vs_document", ok, severity="warning" if key == "unit" else "error",
                   table=DOC,
                   line=inferred.sources.get(key, {}).get("line"),
                   message=f"metadata.json gives the {label} {want}, the document states {got}",
                   expected=want, found=got)


# ------------------------------------------------------------------ helpers
def part_heads(doc: Document) -> list[tuple[int, str, str]]:
    """(line, ordinal, heading text with a year on its own next line joined)."""
    out = []
    for n, text in doc.numbered(1, len(doc.lines) + 1):
        m = PART_HEAD_RE.match(text)
        if not m:
            continue
        joined = m.group(2)
        for k in (1, 2):
            if n + k <= len(doc.lines) and BARE_YEAR_RE.match(_nfkc(doc.line(n + k))):
                joined = joined + doc.line(n + k).strip()
                break
        out.append((n, m.group(1), joined))
    return out


def contents_range(doc: Document) -> tuple[int, int] | None:
    """[start, end) of the contents page: 目录 up to the second 第一部分 heading."""
    start = next((n for n, t in doc.numbered(1, min(len(doc.lines) + 1, 300))
                  if _clean(t) == "目录"), None)
    if start is None:
        return None
    firsts = [n for n, o, _ in part_heads(doc) if o == "一" and n > start]
    end = firsts[1] if len(firsts) > 1 else (firsts[0] if firsts and firsts[0] > start + 12 else None)
    return (start, end) if end else None


def _heading_name(text: str) -> str | None:
    s = _clean(text)
    s = re.sub(r"(概况|基本情况|名词解释|附件.*|情况说明|说明)$", "", s)
    name = _name_from(s)
    if not name:
        return None
    name = SCOPE_RE.sub("", name)
    if name in GENERIC_NAMES or len(name) < 3:
        return None
    return name


YEAR_IN = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")   # not a date
NAME_YEAR_RE = re.compile(r"^\s*([\u4e00-\u9fff（）()]{3,30}?)\s*(?:[（(](?:部门汇总|汇总|本级)[)）])?\s*"
                          r"((?:19|20)\d{2})\s*年度")
TITLE_LINE_RE = re.compile(r"(决算表|部门决算|决算情况说明|决算情况)$")
SANGONG_HEAD_RE = re.compile(r"((?:19|20)\d{2})\s*年度\s*(预算数|决算数)")


def _text_mentions(doc: Document, start: int, end: int) -> list[tuple[int, str, int]]:
    """(line, name, year) where a line of the text starts with ``<name>[（汇总）]<year>年度``."""
    out = []
    for n, t in doc.numbered(start, end):
        m = NAME_YEAR_RE.match(_nfkc(t).replace("(", "（").replace(")", "）"))
        if not m:
            continue
        name = re.sub(r"[（(].*$", "", m.group(1))
        if name and name[-1] in ORG_END and len(name) >= 4 and not name.startswith(("截至", "根据", "其中")):
            out.append((n, name, int(m.group(2))))
    return out


# ------------------------------------------------------------------ year and name
def check_year_and_name(doc: Document, year: int, parts: dict, log: CheckLog,
                        department_name: str | None, name_line: int | None = None) -> None:
    """``department_name`` is the name read from the document (its cover, else its first
    heading naming it) at ``name_line``."""
    c0, c1 = cover_range(doc)
    first = "the cover" if name_line is None or c0 <= name_line < c1 else f"line {doc.where(name_line)}"
    heads = part_heads(doc)
    text_end = parts.get("glossary") or parts.get("appendix") or parts.get("end") or len(doc.lines) + 1
    # -- years in headings, titles, the cover and 公开07's column heads
    seen: list[tuple[int, int, str]] = []
    for n, t in doc.numbered(c0, c1):
        years = [int(m.group(1)) for m in YEAR_IN.finditer(_nfkc(t))]
        m = BARE_YEAR_RE.match(_nfkc(t))
        if m and not years:
            years = [int(m.group(1))]
        seen += [(n, y, "cover") for y in years]
    for n, _, t in heads:
        for m in re.finditer(r"(?<!\d)((?:19|20)\d{2})(?!\d)", _nfkc(t)):
            seen.append((n, int(m.group(1)), "part heading"))
    head_lines = {n for n, _, _ in heads} | set(range(c0, c1))
    # table titles and 公开07's column heads: in the tables part only
    t0 = parts.get("tables") or c1
    t1 = parts.get("explanation") or text_end
    for n, t in doc.numbered(t0, t1):
        if n in head_lines:
            continue
        s = squash(t)
        if len(s) <= 45 and TITLE_LINE_RE.search(s):
            for m in YEAR_IN.finditer(s):
                seen.append((n, int(m.group(1)), "title"))
        if len(s) <= 120 and not re.search(r"\d+\.\d{2}", s):
            for m in SANGONG_HEAD_RE.finditer(s):
                seen.append((n, int(m.group(1)), f"公开07 {m.group(2)} column"))
    mentions = _text_mentions(doc, c1, text_end)
    for n, name, y in mentions:
        seen.append((n, y, f"“{name}{y}年度” in the text"))
    for n, y, where in seen:
        log.record("doc_year", y == year, severity="error", line=n, table=DOC,
                   message=f"{where} states the year {y}, the report is for {year}: "
                           f"“{doc.line(n).strip()[:60]}”", expected=year, found=y)
    # -- the department name: cover vs headings, 公开部门 lines, the text
    names: list[tuple[int, str, str]] = []
    for n, _, t in heads:
        name = _heading_name(t)
        if name:
            names.append((n, name, "part heading"))
    for n, t in doc.numbered(1, parts.get("explanation") or text_end):   # not the appendix's units
        m = DEPT_LINE_RE.match(t)
        if m:
            name = SCOPE_RE.sub("", _clean(m.group(1)).replace("(", "（").replace(")", "）"))
            if name:
                names.append((n, name, "公开部门 line"))
    names += [(n, name, "text") for n, name, _ in mentions]
    if department_name is None:
        log.skip("doc_department_name", "no department name on the cover")
        return
    if is_placeholder(department_name):
        others = sum(1 for _, nm, _ in names if is_placeholder(nm))
        log.record("doc_department_name", False, severity="error", line=name_line or c0,
                   table=DOC, expected="the department's name", found=department_name,
                   message=f"{first} names the department “{department_name}”, a template "
                           f"placeholder (and {others} more places in headings and text)")
        return
    log.record("doc_department_name", True, severity="error", message="")
    # unit names listed in 第一部分 (a subordinate unit may be named in the text)
    listed = _clean("".join(doc.lines[: (parts.get("tables") or 1) - 1]))
    for n, name, where in names:
        ok = same_department(department_name, name)
        if not ok and where == "text" and name in listed:
            ok = True
        if is_placeholder(name):
            ok = False
        if not ok and same_department(wording_standard(department_name), wording_standard(name)):
            # 规划与 / 规划和, 其它 / 其他: the same department written with another word
            log.record("doc_department_name", False, severity="warning", line=n, table=DOC,
                       expected=department_name, found=name,
                       message=f"the {where} names the department “{name}”, {first} "
                               f"“{department_name}” (a wording slip)")
            continue
        log.record("doc_department_name", ok, severity="error", line=n, table=DOC,
                   expected=department_name, found=name,
                   message=f"the {where} names the department “{name}”, {first} "
                           f"“{department_name}”")


@lru_cache(maxsize=1)
def _wording() -> tuple[tuple[str, str], ...]:
    with open(PACKAGE_DATA / "prose_wording.csv", encoding="utf-8", newline="") as fh:
        return tuple((r["variant"], r["standard"]) for r in csv.DictReader(fh))


def wording_standard(text: str | None) -> str:
    """``text`` with every wording variant of data/prose_wording.csv written the standard way
    (规划与 → 规划和, 其它 → 其他); two names equal after it differ only in wording."""
    out = text or ""
    for variant, standard in _wording():
        out = out.replace(variant, standard)
    return out


# ------------------------------------------------------------------ dates
DATE_RE = re.compile(r"截至((?:19|20)\d{2})年(?:(\d{1,2})月(\d{1,2})日|(末|底))")


def check_dates(explanation, year: int, log: CheckLog) -> None:
    """截至X年12月31日 (年末) in the explanation: X is the report year; in the assets
    paragraph (国有资产) every 截至 date is the report year's end.  Other dates (截至2025年
    3月 for the state of a rectification) are not the report year's and are not checked."""
    if explanation is None or explanation.joined is None:
        log.skip("doc_dates", "no explanation part")
        return
    jt = explanation.joined
    blocks = explanation.blocks or []
    for m in DATE_RE.finditer(jt.text):
        y = int(m.group(1))
        line = jt.line(m.start())
        block = next((b for b in blocks if b.start <= m.start() < b.end), None)
        assets = block is not None and "资产" in (block.sub_title or block.top_title or "")
        year_end = m.group(4) is not None or (m.group(2), m.group(3)) == ("12", "31")
        if not (assets or year_end):
            continue
        ok = y == year
        msg = f"“{jt.snippet(m.start(), m.end())}” is not in the report year {year}"
        if ok and assets and m.group(2):
            ok = (int(m.group(2)), int(m.group(3))) == (12, 31)
            msg = f"the assets paragraph is dated “{jt.snippet(m.start(), m.end())}”, not {year}年12月31日"
        log.record("doc_dates", ok, severity="error", line=line, table="说明", message=msg,
                   expected=f"{year}年12月31日", found=jt.snippet(m.start(), m.end()))


# ------------------------------------------------------------------ template leftovers
TEMPLATE_RE = re.compile(
    r"(?<![A-Za-z])[XＸ]{2,}(?![A-Za-z])|待填写|待补充|……|。。。|(?<![\d\s])\s*年\s+月\s+日"
    r"|如持平作持平表述|不涉及的不列|按上述格式|作下述说明|由主管部门根据|仅有一个单位的部门"
    r"|增加（减少）|减少（增加）|增长（下降）|下降（增长）|大于（小于）|小于（大于）")


def check_template_text(doc: Document, parts: dict, log: CheckLog) -> None:
    """Leftover template text, one run (and at most one finding) per part of the report."""
    bounds = sorted({1, *(v for k, v in parts.items() if v and k != "end")})
    end = parts.get("end") or len(doc.lines) + 1
    labels = {v: k for k, v in parts.items() if v}
    for i, start in enumerate(bounds):
        stop = bounds[i + 1] if i + 1 < len(bounds) else end
        hits = [(n, m.group(0).strip()) for n, t in doc.numbered(start, stop)
                for m in [TEMPLATE_RE.search(t)] if m]
        part = {"tables": "第二部分（公开表）", "explanation": "第三部分（情况说明）",
                "glossary": "第四部分（名词解释）", "appendix": "第五部分（附件）"}.get(
            labels.get(start, ""), "封面、目录和第一部分")
        words = sorted({w for _, w in hits})
        where = ", ".join(doc.where(n) for n, _ in hits[:5]) + (" …" if len(hits) > 5 else "")
        log.record("doc_template_text", not hits, severity="error", line=hits[0][0] if hits else None,
                   table=DOC, expected="", found="、".join(words)[:80],
                   message=f"{part}: template text left in {len(hits)} line(s) "
                           f"({'、'.join(words)[:60]}): lines {where}")


# ------------------------------------------------------------------ table order
def _table_id(text: str) -> str | None:
    s = squash(re.sub(r"^[\s\-*·•]*[一二三四五六七八九十]+[、.．]\s*", "", text))
    s = re.sub(r"^(?:\d{1,2}[、.．])", "", s)
    for tid, spec in table_specs().items():
        names = [spec["title"]] + [a for a in spec.get("aliases", "").split("|") if a]
        if any(s == squash(n) for n in names):
            return tid
    return None


def check_table_order(doc: Document, tables: dict[str, Table], log: CheckLog) -> None:
    """The tables appear in the order the contents page lists them."""
    rng = contents_range(doc)
    if rng is None:
        log.skip("doc_table_order", "no contents page (目录)")
        return
    listed = []
    for n, t in doc.numbered(*rng):
        tid = _table_id(t)
        if tid and tid not in listed:
            listed.append(tid)
    placed = sorted((t.start, tid) for tid, t in tables.items() if t.present and t.start)
    order = [tid for _, tid in placed if tid in listed]
    expect = [tid for tid in listed if tid in order]
    if len(expect) < 2:
        log.skip("doc_table_order", "fewer than two tables both listed in the contents and read")
        return
    for a, b in zip(expect, order):
        if a != b:
            line = tables[b].start
            log.record("doc_table_order", False, severity="warning", line=line, table=b,
                       message=f"the tables follow the order {' '.join(order)}; the contents page "
                               f"lists {' '.join(expect)}", expected=" ".join(expect),
                       found=" ".join(order))
            return
    log.record("doc_table_order", True, severity="warning", message="")


# ------------------------------------------------------------------ empty tables
EMPTY_NOTE_RE = re.compile(r"本表无数据|(无|没有)[^。]{0,40}(收入|支出|收支|数据)")


def check_empty_notes(doc: Document, tables: dict[str, Table], log: CheckLog) -> None:
    """An empty or all-zero 公开07/08/09 says so (本表无数据 or 无…收支) under the table."""
    for tid in ("公开07", "公开08", "公开09"):
        t = tables.get(tid)
        if t is None or not t.present:
            log.skip("doc_empty_table_note", f"{tid} is absent")
            continue
        values = [v for r in t.rows for v in r.values.values() if v is not None]
        if any(v != 0 for v in values):
            log.record("doc_empty_table_note", True, severity="error", message="")
            continue
        note = t.empty_statement if EMPTY_NOTE_RE.search(t.empty_statement or "") else None
        if note is None:
            start = t.start or 1
            stop = min(max(t.end, start) + 8, len(doc.lines) + 1)
            for n, line in doc.numbered(start, stop):
                if n > start and _table_id(line):
                    break          # the next table
                if EMPTY_NOTE_RE.search(line) and not line.strip().startswith(("注：本表反映", "注:本表反映")):
                    note = line.strip()
                    break
        # the template asks for the note under 08 and 09; under an empty 三公 table it is good practice
        log.record("doc_empty_table_note", note is not None,
                   severity="warning" if tid == "公开07" else "error", line=t.start,
                   table=tid, expected="本表无数据",
                   found="", message=f"{tid} {t.title} has no amounts "
                                     f"({'all zero' if values else 'empty'}) and no note "
                                     "such as “本表无数据” saying so")


# ------------------------------------------------------------------ direction words
NUM = r"(\d[\d,]*(?:\.\d+)?)(万元|元)"
UP = tuple(w for w, v in cue_words("direction") if v == "up")       # data/prose_cues.csv
DOWN = tuple(w for w, v in cue_words("direction") if v == "down")
_BW = "(?P<{}>年初|" + "|".join(w.replace("预算", "") for w, _ in cue_words("full_budget")) + ")?"
BUDGET_RE = re.compile(_BW.format("bw") + r"预算(?:数)?为?" + NUM)
ACTUAL_RE = re.compile(r"决算(?:数)?为?" + NUM)
NO_SPENDING_RE = re.compile(r"[,;，；]\s*(?:无支出|未发生支出|当年未支出)")
DIRECTION_RE = re.compile(
    rf"决算数?(?P<w>{'|'.join(UP + DOWN)}){_BW.format('bw')}预算数?"
    rf"|决算数?(?:与|同){_BW.format('bw2')}预算数?(?P<b>基本)?持平"
    rf"|(?<!决算数)(?:与|同){_BW.format('bw3')}预算数?(?P<b2>基本)?持平")


def _amt(num: str, unit: str) -> Decimal:
    v = Decimal(num.replace(",", ""))
    return v * 10000 if unit == "万元" else v


def _basis(word: str | None) -> str | None:
    """Which budget a budget word names: initial (年初), full (全年/调整/调整后), None (bare 预算)."""
    if word == "年初":
        return "initial"
    return "full" if word else None


def _holds(word: str, actual: Decimal, budget: Decimal) -> bool:
    if word in UP:
        return actual > budget
    if word in DOWN:
        return actual < budget
    if word == "持平":
        return actual == budget
    return abs(actual - budget) <= abs(budget) / 10    # 基本持平: within a tenth (0 and 0 too)


def check_directions(explanation, log: CheckLog) -> None:
    """决算数大于/小于/与预算数持平 against the outturn and the budget the sentence compares with
    (年初预算, or 全年预算 / 调整预算 / 调整后预算 when it names one; a bare 预算数 is the initial
    budget unless that is 0 or not stated — a unit founded in the year); a change stated as
    增加 (减少) with a rate stated as 下降 (增长)."""
    if explanation is None or explanation.joined is None:
        log.skip("doc_direction_words", "no explanation part")
        return
    jt = explanation.joined
    text = jt.text
    for b in explanation.blocks or []:
        for m in DIRECTION_RE.finditer(text, b.start, b.end):
            named = _basis(m.group("bw") or m.group("bw2") or m.group("bw3"))
            budgets = list(BUDGET_RE.finditer(text, b.start, m.start()))
            last: dict[str, re.Match] = {}
            for x in budgets:
                last[_basis(x.group("bw")) or "initial"] = x
            if named is not None:
                cands = [last[named]] if named in last else []
            elif "initial" in last and (_amt(*last["initial"].groups()[1:]) != 0 or "full" not in last):
                cands = [last["initial"]]          # a bare 预算数 is the initial budget …
            else:
                cands = [last["full"]] if "full" in last else []   # … unless it is 0 (new unit)
            if not cands:
                log.skip("doc_direction_words", "a direction word without a budget figure before it")
                continue
            first_budget = min(last.values(), key=lambda x: x.start())
            am = ACTUAL_RE.search(text, first_budget.end(), m.start())
            nm = NO_SPENDING_RE.search(text, first_budget.end(), m.start())
            if nm is not None and (am is None or nm.start() < am.start()):
                am = nm                         # 无支出: an outturn of 0
            if am is None:
                log.skip("doc_direction_words", "a direction word without an outturn figure before it")
                continue
            actual = Decimal(0) if am is nm else _amt(*am.groups())
            word = m.group("w") or ("基本持平" if (m.group("b") or m.group("b2")) else "持平")
            bm = cands[0]
            budget = _amt(bm.group(2), bm.group(3))
            ok = _holds(word, actual, budget)
            log.record("doc_direction_words", ok, severity="error", line=jt.line(m.start()),
                       table="说明", expected=f"决算 {actual} vs 预算 {budget}", found=word,
                       message=f"{b.label}: “{jt.snippet(m.start(), m.end())}” but the budget is "
                               f"{jt.snippet(bm.start(), bm.end())} and the outturn "
                               f"{jt.snippet(am.start(), am.end())}")
    # a change and its rate: 增加 … 增长, 减少 … 下降
    groups: dict[tuple, dict] = {}
    for f in explanation.facts:
        if f["measure"] in ("change", "change_rate", "change_vs_budget", "change_rate_vs_budget",
                            "change_vs_full_budget", "change_rate_vs_full_budget"):
            kind = f["measure"].split("_vs_")[1] if "_vs_" in f["measure"] else "prior"
            rate = "rate" in f["measure"]
            groups.setdefault((f["section"], f["subject"], kind), {}).setdefault(rate, f)
    for (sec, subj, kind), g in groups.items():
        if False in g and True in g and g[False]["value"] and g[True]["value"]:
            a, r = g[False], g[True]
            ok = (a["value"] > 0) == (r["value"] > 0)
            log.record("doc_direction_words", ok, severity="error", line=r["line"], table="说明",
                       expected="the same direction", found=f"{a['text']} / {r['text']}",
                       message=f"{sec} {subj}: the change is stated as “{a['text']}” and its "
                               f"rate as “{r['text']}” (opposite directions)")


# ------------------------------------------------------------------ all
def check_document(doc: Document, tables: dict[str, Table], explanation, year: int, parts: dict,
                   log: CheckLog, department_name: str | None = None,
                   name_line: int | None = None) -> None:
    check_year_and_name(doc, year, parts, log, department_name, name_line)
    check_dates(explanation, year, log)
    check_template_text(doc, parts, log)
    check_table_order(doc, tables, log)
    check_empty_notes(doc, tables, log)
    check_directions(explanation, log)
