"""Metadata read from the report itself: department name, year, scope and unit.

A report states who and which year it is about on its cover (``上海市普陀区财政局 /
2024年度部门决算``), in its part headings (``第二部分 上海市普陀区财政局2024年度部门决算表``),
in the tables' ``公开部门：…（汇总）`` lines and in ``单位：万元`` lines.  A PDF's text layer
often puts the year on a line of its own next to the heading it belongs to; the reader
looks at the neighbouring lines for it.

:func:`infer_metadata` returns an :class:`Inferred` whose values each carry the line they
were read from (``sources``), so that a reader (and a finding) can check them.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ...source import Document

# a year, not a date (2025年8月 on a cover is when it was published, not the report year)
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)度?")
BARE_YEAR_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:年度?)?\s*$")
PART_HEAD_RE = re.compile(r"^\s*第([一二三四五六七八九十]+)部分\s*(.*)$")
CONTENTS_RE = re.compile(r"^\s*目\s*录\s*$")
UNIT_RE = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|千元|元)")
DEPT_LINE_RE = re.compile(r"^\s*(?:公开部门|部门名称|编制单位|单位名称|预算主管部门|预算单位|编制部门)\s*[:：]\s*"
                          r"(\S[^\t]*?)(?:\s+(?:金额)?单位\s*[:：].*|\t.*)?\s*$")
# a table title cell that also names the department and the unit (收支预算总表部门：江苏省政协办公厅 单位：万元)
DEPT_IN_TITLE_RE = re.compile(r"表\s*(?:部门|部门名称|编制部门)\s*[:：]\s*(\S[^\t]*?)\s+(?:金额)?单位\s*[:：]")
SCOPE_RE = re.compile(r"[（(]\s*(部门汇总|汇总|本级|部门本级)\s*[)）]")
# words that end a department name on the cover / in a heading
TAIL_RE = re.compile(r"(?:(?:19|20)\d{2})?\s*(?:年度|年)?\s*(?:部门|单位)?决算.*$")
DATE_RE = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})年(?:\d{1,2}|[一二三四五六七八九十]{1,3})月"
                     r"(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})日)?")    # a publication date
COVER_LINES = 12                 # non-blank lines looked at before the contents page
PLACEHOLDER_RE = re.compile(r"[XＸxｘ×]{2,}|某某|待填写|\*{2,}")


def _clean(text: str) -> str:
    """NFKC, markdown emphasis and all whitespace removed."""
    s = unicodedata.normalize("NFKC", text or "")
    s = s.replace("*", "").replace("#", "")
    return re.sub(r"\s+", "", s)


def is_placeholder(name: str | None) -> bool:
    """A template's blank such as ``上海市 XX 局``."""
    return bool(name) and bool(PLACEHOLDER_RE.search(unicodedata.normalize("NFKC", name)))


@dataclass
class Inferred:
    department_name: str | None = None
    year: int | None = None
    scope: str | None = None
    unit: str | None = None
    doc_kind: str = "final"        # "final" 决算 | "budget" 预算 | "other" (neither: refused)
    doc_level: str = "部门"        # "部门" | "单位"
    looks_like: str = ""           # doc_kind "other": what the document looks like (in Chinese)
    sources: dict = field(default_factory=dict)    # key -> {"line": n, "text": "..."}
    years_seen: dict = field(default_factory=dict)  # year -> first line (cover and part headings)

    def as_dict(self, where=None) -> dict:
        """JSON-ready: the values and, for each, the line (and page for a PDF) it came from."""
        src = {}
        for k, v in self.sources.items():
            src[k] = dict(v, location=where(v["line"]) if where else str(v["line"]))
        return {"department_name": self.department_name, "year": self.year, "scope": self.scope,
                "unit": self.unit, "doc_kind": self.doc_kind, "doc_kind_zh": DOC_KIND_ZH.get(self.doc_kind, ""),
                "doc_level": self.doc_level, "sources": src}


def cover_range(doc: Document) -> tuple[int, int]:
    """Lines [1, end) of the cover: up to the contents page or the first part heading."""
    end = None
    for n, text in doc.numbered(1, min(len(doc.lines) + 1, 200)):
        if CONTENTS_RE.match(_clean(text)) or _clean(text) == "目录" or PART_HEAD_RE.match(text):
            end = n
            break
    if end is None:
        # no contents page: the first few non-blank lines
        seen = 0
        end = len(doc.lines) + 1
        for n, text in doc.numbered(1, len(doc.lines) + 1):
            if text.strip():
                seen += 1
                if seen > COVER_LINES:
                    end = n
                    break
    return 1, end


def _name_from(text: str) -> str | None:
    """The department name in a cover / heading text (year and 部门决算… removed)."""
    s = _clean(text)
    s = re.sub(r"^第[一二三四五六七八九十]+部分", "", s)
    s = DATE_RE.sub("", s)
    s = TAIL_RE.sub("", s)
    s = YEAR_RE.sub("", s)
    s = re.sub(r"(?<!\d)(?:19|20)\d{2}(?!\d)", "", s)
    s = s.strip("，,。:：、")
    return s if len(s) >= 2 else None


def part_headings(doc: Document) -> list[tuple[int, str]]:
    """(line, text) of every 第X部分 heading, the contents page's included; a year on a
    line of its own right after a heading is joined to it."""
    out = []
    for n, text in doc.numbered(1, len(doc.lines) + 1):
        if PART_HEAD_RE.match(text):
            joined = text
            for k in (1, 2):
                if n + k <= len(doc.lines) and BARE_YEAR_RE.match(doc.line(n + k)):
                    joined = text + doc.line(n + k).strip()
                    break
            out.append((n, joined))
    return out


DOC_KIND_ZH = {"final": "决算", "budget": "预算", "other": ""}


@lru_cache(maxsize=None)
def doc_kind_cues() -> list[dict]:
    """data/doc_kind_cues.csv: what a cover, heading or table title says about the document."""
    from ...config import PACKAGE_DATA
    with open(PACKAGE_DATA / "doc_kind_cues.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def infer_doc_kind(doc: Document, cover: list[tuple[int, str]], inf: Inferred) -> None:
    """预算 or 决算, 部门 or 单位 — or neither (a region's 总预算, a 预算执行情况报告, a contents page).

    The cover decides (its cue words, data/doc_kind_cues.csv, ``where=cover``); else the
    headings and table titles of the whole document (``where=body``) by count."""
    cover_text = _clean("".join(t for _, t in cover))
    for cue in doc_kind_cues():
        if cue["where"] == "cover" and re.search(cue["pattern"], cover_text):
            inf.doc_kind = cue["kind"]
            inf.looks_like = cue["looks_like"]
            if cue["level"]:
                inf.doc_level = cue["level"]
            line = next((n for n, t in cover if re.search(cue["pattern"], _clean(t))), cover[0][0] if cover else 1)
            inf.sources["doc_kind"] = {"line": line, "text": doc.line(line).strip()}
            break
    else:
        hint = getattr(doc, "doc_kind_hint", None)   # a report's tables file, recognised by its tables
        if hint:
            inf.doc_kind = hint
            n = next((n for n, t in doc.numbered(1, len(doc.lines) + 1) if t.strip()), 1)
            inf.sources["doc_kind"] = {"line": n, "text": doc.line(n).strip()}
            return
        counts: Counter = Counter()
        first: dict[str, int] = {}
        body = [c for c in doc_kind_cues() if c["where"] == "body"]
        for n, t in doc.numbered(1, len(doc.lines) + 1):
            s = _clean(t)
            if len(s) > 60:
                continue
            for cue in body:
                if re.search(cue["pattern"], s):
                    counts[cue["kind"]] += 1
                    first.setdefault(cue["kind"], n)
                    break
        if counts:
            kind = max(counts, key=lambda k: (counts[k], -first[k]))
            inf.doc_kind = kind
            n = first[kind]
            inf.sources["doc_kind"] = {"line": n, "text": doc.line(n).strip()}
            for cue in body:
                if cue["kind"] == kind and cue["level"] and re.search(cue["pattern"], _clean(doc.line(n))):
                    inf.doc_level = cue["level"]
                    break
    if inf.doc_kind != "other" and contents_only(doc):
        inf.doc_kind, inf.looks_like = "other", "只有目录页（没有表格和说明正文）"


def contents_only(doc: Document) -> bool:
    """A document that is a contents page and little else: no amount anywhere, few lines."""
    text = [t for _, t in doc.numbered(1, len(doc.lines) + 1) if t.strip()]
    has_contents = any(CONTENTS_RE.match(_clean(t)) for t in text)
    amounts = any(re.search(r"\d[\d,]*\.\d{2}(?!\d)|\d{1,3}(?:,\d{3})+|\d\s*万元", t) for t in text)
    return has_contents and not amounts and len(text) <= 60


def infer_metadata(doc: Document) -> Inferred:
    """Department name, year, scope, unit and the kind of document as the document states them."""
    inf = Inferred()
    c0, c1 = cover_range(doc)
    cover = [(n, t) for n, t in doc.numbered(c0, c1)
             if t.strip() and not re.fullmatch(r"[-—\s]*\d{1,3}[-—\s]*", t)][:COVER_LINES]
    cover_text = "".join(t for _, t in cover)
    infer_doc_kind(doc, cover, inf)
    # -- year: the cover, then part headings (their most common year wins)
    years: Counter = Counter()
    first_line: dict[int, int] = {}
    for n, t in cover:
        for m in YEAR_RE.finditer(unicodedata.normalize("NFKC", t)):
            y = int(m.group(1))
            years[y] += 2              # the cover counts double
            first_line.setdefault(y, n)
        m = BARE_YEAR_RE.match(unicodedata.normalize("NFKC", t))
        if m:
            y = int(m.group(1))
            years[y] += 2
            first_line.setdefault(y, n)
    heads = part_headings(doc)
    for n, t in heads:
        for m in YEAR_RE.finditer(unicodedata.normalize("NFKC", t)):
            y = int(m.group(1))
            years[y] += 1
            first_line.setdefault(y, n)
        m = re.search(r"((?:19|20)\d{2})\s*$", unicodedata.normalize("NFKC", t))
        if m and not YEAR_RE.search(unicodedata.normalize("NFKC", t)):
            y = int(m.group(1))
            years[y] += 1
            first_line.setdefault(y, n)
    if years:
        y, _ = max(years.items(), key=lambda kv: (kv[1], -first_line[kv[0]]))
        inf.year = y
        inf.years_seen = {k: first_line[k] for k in sorted(years)}
        n = first_line[y]
        inf.sources["year"] = {"line": n, "text": doc.line(n).strip()}
    # -- department name: the cover, else a part heading, else a 公开部门 line
    name = _name_from(cover_text) if cover_text and "决算" in _clean(cover_text) else None
    if inf.doc_kind == "budget" and cover:
        # a budget's cover: 预算主管部门：… / 预算单位：… on a line of its own, else the name before 年…预算
        line = next(((n, DEPT_LINE_RE.match(t).group(1)) for n, t in cover if DEPT_LINE_RE.match(t)), None)
        if line:
            name = None
        else:
            # the name may wrap onto the next cover line (2018 年度江苏省高级 / 人民法院预算公开)
            head = ""
            for _, t in cover[:3]:
                head += _clean(t)
                if "预算" in head:
                    break
            name = _name_from(re.sub(r"(?:部门|单位)?预算.*$", "", head)) if "预算" in head else \
                _name_from(re.sub(r"(?:部门|单位)?预算.*$", "", _clean(cover[0][1])))
    if name:
        n = next((n for n, t in cover if _clean(t)[:2] and _clean(t)[:2] in name), cover[0][0])
        inf.department_name = name
        inf.sources["department_name"] = {"line": n, "text": " ".join(t.strip() for _, t in cover)}
    else:
        for n, t in heads:
            cand = _name_from(PART_HEAD_RE.match(t).group(2))
            if cand and not re.fullmatch(r".*(概况|名词解释|附件|情况说明|决算表|预算表)", cand):
                inf.department_name = cand
                inf.sources["department_name"] = {"line": n, "text": t.strip()}
                break
    dept_lines = [(n, DEPT_LINE_RE.match(t).group(1)) for n, t in doc.numbered(1, len(doc.lines) + 1)
                  if DEPT_LINE_RE.match(t)]
    if inf.department_name is None and dept_lines:
        n, raw = dept_lines[0]
        inf.department_name = SCOPE_RE.sub("", _clean(raw)) or None
        if inf.department_name:
            inf.sources["department_name"] = {"line": n, "text": doc.line(n).strip()}
    if inf.department_name is None:
        hit = next(((n, m.group(1)) for n, t in doc.numbered(1, len(doc.lines) + 1)
                    if (m := DEPT_IN_TITLE_RE.search(t))), None)
        if hit:
            inf.department_name = _clean(hit[1])
            inf.sources["department_name"] = {"line": hit[0], "text": doc.line(hit[0]).strip()}
    # -- scope: (汇总)/(本级) on a 公开部门 line or on the cover
    for n, t in [*cover, *dept_lines]:
        m = SCOPE_RE.search(unicodedata.normalize("NFKC", t).replace("(", "（").replace(")", "）"))
        if m:
            inf.scope = m.group(1)
            inf.sources["scope"] = {"line": n, "text": doc.line(n).strip()}
            break
    # -- unit: the first 单位：… line
    for n, t in doc.numbered(1, len(doc.lines) + 1):
        m = UNIT_RE.search(unicodedata.normalize("NFKC", t).replace(":", "："))
        if m:
            inf.unit = m.group(1)
            inf.sources["unit"] = {"line": n, "text": t.strip()}
            break
    return inf


def dept_line_name(doc: Document, n: int, m: re.Match) -> str:
    """The department a 部门名称：… line names; in a grid row, a name wrapped within its cell goes on in
    the same cell of the next row (部门名称：江苏省高级人民法 / 院)."""
    name = m.group(1)
    line = doc.line(n)
    if "\t" not in line or n + 1 > len(doc.lines):
        return name
    cells, nxt = line.split("\t"), doc.line(n + 1).split("\t")
    j = next((k for k, c in enumerate(cells) if DEPT_LINE_RE.match(c)), None)
    if j is not None and j < len(nxt):
        more = nxt[j].strip()
        if more and len(more) <= 4 and not re.search(r"[:：\d]", more):
            name += more
    return name


def same_department(a: str | None, b: str | None) -> bool:
    """Two spellings of one department: equal after normalising, or one is the other with
    its region in front (宁夏回族自治区工业和信息化厅 / 自治区工业和信息化厅)."""
    if not a or not b:
        return False
    x, y = _clean(a), _clean(b)
    x, y = (re.sub(r"(本级|机关|本部|部门汇总|汇总)$", "", SCOPE_RE.sub("", v)) for v in (x, y))
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    return len(short) >= 4 and long_.endswith(short)
