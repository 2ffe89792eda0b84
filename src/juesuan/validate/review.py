"""What a finance bureau's reviewer finds in a published budget or final account (公开情况检查).

The checks read the document's prose (every line outside the tables and the contents page),
sentence by sentence, and report each fault once, at the page:line where it starts, quoting the
sentence:

- ``review_template``    template wording left as written (增加（减少）, XX局, 本部门/本单位) — warning;
- ``review_broken``      a sentence that stops where its content should be (“主要原因是。”) — warning;
- ``review_punctuation`` doubled punctuation (“。。”, “，，”), an unmatched bracket or quote — info;
- ``review_year``        a year that cannot be right outside the budget items (a Y budget compared
  with “Y年预算”; a Y final account speaking of “Y+1年决算”) — error;
- ``review_level``       the wrong document level (a 单位预算 saying “部门预算安排”, or the reverse) — error;
- ``review_class_name``  a class named in the text by another name than the tables give its code
  (医疗卫生与计划生育支出 against 卫生健康支出 (210)) — warning;
- ``review_pages``       a page printed twice, an empty page, text that renders as nonsense (glyphs
  missing from the embedded font: private-use or replacement characters) — warning;
- ``review_text_amounts`` two parts of the text that contradict each other: the change stated for
  收入 and for 支出 when both totals are stated equal; the performance-target budget above the
  project spending of the tables — error.

The vocabulary (patterns, what each means, where it applies) is ``data/review_patterns.csv``;
the older class names are ``data/prose_classes.csv``.  The budget items' own sentences (a stated
change against their figures, an amount restated, their year references) are checked by the
budget text reader, not here.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..config import PACKAGE_DATA
from ..findings import CheckLog
from ..source import Document

REVIEW_CHECKS = ("review_template", "review_broken", "review_punctuation", "review_year", "review_level",
                 "review_class_name", "review_pages", "review_text_amounts")
SENTENCE_END = "。！？；"
QUOTE_LEN = 80
DOC = "document"
OPEN = {"（": "）", "(": ")", "“": "”", "《": "》", "【": "】"}
CLOSE = {v: k for k, v in OPEN.items()}
SAME = {"(": "（", ")": "）"}                         # ASCII and full-width brackets pair with each other
NONSENSE_RE = re.compile(r"[\ue000-\uf8ff\ufffd]|[\u25a0-\u25ff\u2580-\u259f]{3,}")
WAN = Decimal(10000)


@lru_cache(maxsize=None)
def review_patterns() -> tuple[dict, ...]:
    with open(PACKAGE_DATA / "review_patterns.csv", encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def patterns(check: str, kind: str, level: str = "") -> list[dict]:
    return [r for r in review_patterns() if r["check"] == check and r["applies"] in ("both", kind)
            and (not r["level"] or r["level"] == level)]


@dataclass
class Sentence:
    text: str               # the sentence, whitespace removed (a sentence wraps across lines)
    where: list[int]        # per character, its line
    start: int              # offset of the sentence in its block
    block: int = 0          # the paragraph (text between two tables) it belongs to

    @property
    def line(self) -> int:
        return self.where[0]

    def line_at(self, i: int) -> int:
        return self.where[min(max(i, 0), len(self.where) - 1)]

    def quote(self, i: int = 0, j: int | None = None) -> str:
        """The sentence (or, when long, the part around [i, j)) as quoted in a finding."""
        if len(self.text) <= QUOTE_LEN:
            return self.text
        j = i if j is None else j
        a = max(0, min(i - 30, len(self.text) - QUOTE_LEN))
        return ("…" if a else "") + self.text[a:a + QUOTE_LEN] + ("…" if a + QUOTE_LEN < len(self.text) else "")


def _page(doc: Document, n: int) -> str:
    """The page a line is on (``p8``, ``file.pdf:p8``); one page for a text file."""
    return doc.where(n).rsplit(":", 1)[0] if doc.origins else "p1"


def prose_lines(doc: Document, skip: set[int]) -> list[tuple[int, str]]:
    """The lines a reader reads as text: not a table row, not the contents page, not a
    tab-separated or Markdown table row of a text file."""
    from .document import contents_range
    c0, c1 = contents_range(doc) or (0, 0)
    out = []
    for n, t in doc.numbered(1, len(doc.lines) + 1):
        if n in skip or c0 <= n < c1 or "\t" in t or t.lstrip().startswith("|"):
            continue
        out.append((n, t))
    return out


def sentences(lines: list[tuple[int, str]], doc: Document | None = None) -> list[Sentence]:
    """The prose as sentences: consecutive lines joined (whitespace removed; a sentence or a
    bracket may run on to the next page), cut after 。！？； and at a gap in the line numbers
    (a table between two paragraphs)."""
    out: list[Sentence] = []
    chars: list[str] = []
    where: list[int] = []
    prev = None
    block = 0

    def flush():
        nonlocal chars, where, block
        text = "".join(chars)
        a = 0
        for i, ch in enumerate(text):
            if ch in SENTENCE_END and not (i + 1 < len(text) and text[i + 1] in SENTENCE_END + "，、："):
                if text[a:i + 1].strip():
                    out.append(Sentence(text[a:i + 1], where[a:i + 1], a, block))
                a = i + 1
        if text[a:]:
            out.append(Sentence(text[a:], where[a:], a, block))
        chars, where = [], []
        block += 1

    for n, t in lines:
        s = re.sub(r"\s+", "", t.replace("\u3000", ""))
        if prev is not None and n != prev + 1:
            flush()                      # a table or the contents page between: a new paragraph
        if not s:
            prev = n
            continue
        chars.append(s)
        where += [n] * len(s)
        prev = n
    flush()
    return out


def _item_sentence(s: Sentence, kind: str) -> bool:
    return any(re.search(p["pattern"], s.text) for p in patterns("review_item_marker", kind))


class Reviewer:
    """One report's review: the checks share its sentences and write to its log."""

    def __init__(self, doc: Document, log: CheckLog, *, kind: str, level: str, year: int,
                 skip_lines: set[int] | None = None):
        self.doc, self.log, self.kind, self.level, self.year = doc, log, kind, level or "部门", int(year)
        self.lines = prose_lines(doc, skip_lines or set())
        self.sentences = sentences(self.lines, doc)
        self.seen: set[tuple[str, str]] = set()     # (check, quoted text): a page printed twice reports once
        self.first: dict[tuple, list] = {}           # (check, words, paragraph) → [its finding, how often]

    def add(self, check: str, severity: str, message: str, s: Sentence, i: int = 0, j: int | None = None,
            *, expected="", found="", table: str = DOC, per_paragraph: bool = False, group=None) -> None:
        key = (check, f"{found}|{s.text}")
        if key in self.seen:
            return
        self.seen.add(key)
        para = (check, found, s.block) if group is None else (check, group)
        where = "同段" if group is None else "全文"
        if (per_paragraph or group is not None) and para in self.first:   # the same fault again: one finding
            entry = self.first[para]
            entry[1] += 1
            entry[0].message = re.sub(r"（(同段|全文)共 \d+ 处[^）]*）$", "", entry[0].message) + \
                f"（{where}共 {entry[1]} 处，另见{_at(self.doc.where(s.line_at(i)))}）"
            return
        self.log._count(check, False)
        f = self.log.add(check, severity, f"{message}：“{s.quote(i, j)}”", expected=expected, found=found,
                         line=s.line_at(i), table=table)
        self.first[para] = [f, 1]

    def ok(self, check: str) -> None:
        self.log._count(check, True)

    # -- wording ----------------------------------------------------------
    def check_patterns(self) -> None:
        for check in ("review_template", "review_broken", "review_year", "review_level"):
            rows = patterns(check, self.kind, self.level)
            if not rows:
                self.log.skip(check, f"{self.level}{'预算' if self.kind == 'budget' else '决算'}没有此项核对的用语")
                continue
            if check == "review_template" and any(f.check == "doc_template_text" for f in self.log.findings):
                # the document checks found template text and list its every line by part: one fault, one finding
                self.log.skip(check, "模板文字已由 doc_template_text 按部分逐行列出")
                continue
            hits = 0
            for s in self.sentences:
                if check == "review_year" and _item_sentence(s, self.kind):
                    continue
                for r in rows:
                    pat = r["pattern"].replace("{Y}", str(self.year)).replace("{Y1}", str(self.year + 1))
                    m = re.search(pat, s.text)
                    if m:
                        hits += 1
                        self.add(check, r["severity"], f"{r['what_zh']}（“{m.group(0)}”）", s, m.start(), m.end(),
                                 found=m.group(0), per_paragraph=True)
                        break
            if not hits:
                self.ok(check)

    def check_punctuation(self) -> None:
        rows = patterns("review_punctuation", self.kind)
        hits = 0
        for s in self.sentences:
            for r in rows:
                for m in re.finditer(r["pattern"], s.text):
                    if m.lastindex and len(m.group(0)) != 2:
                        continue               # a run of three or more is a leader line, not a slip
                    hits += 1
                    self.add("review_punctuation", r["severity"], f"{r['what_zh']}（“{m.group(0)}”）", s,
                             m.start(), m.end(), found=m.group(0))
        hits += self._brackets()
        if not hits:
            self.ok("review_punctuation")

    def _brackets(self) -> int:
        """An opening bracket or quote not closed within its paragraph, or a closing one that
        closes nothing.  Paragraph = the sentences of one block (the text between two tables
        or page breaks) — a bracket may hold a 。."""
        hits = 0
        blocks: list[list[Sentence]] = []
        for s in self.sentences:
            if blocks and s.start > 0:
                blocks[-1].append(s)
            else:
                blocks.append([s])
        for block in blocks:
            stack: list[tuple[str, Sentence, int]] = []
            for s in block:
                for i, ch in enumerate(s.text):
                    ch = SAME.get(ch, ch)
                    if ch in ("“", "”") and ch == "”" and stack and stack[-1][0] == "“":
                        stack.pop()
                    elif ch in OPEN and ch != "(":
                        stack.append((ch, s, i))
                    elif ch in CLOSE:
                        if stack and stack[-1][0] == CLOSE[ch]:
                            stack.pop()
                        elif any(o == CLOSE[ch] for o, _, _ in stack):
                            while stack and stack[-1][0] != CLOSE[ch]:   # the inner one is the unmatched
                                o, s2, i2 = stack.pop()
                                hits += 1
                                self.add("review_punctuation", "info", f"“{o}”没有对应的“{OPEN[o]}”", s2, i2,
                                         found=o)
                            stack.pop()
                        else:
                            hits += 1
                            self.add("review_punctuation", "info", f"“{ch}”前面没有对应的“{CLOSE[ch]}”", s, i,
                                     found=ch)
            for o, s2, i2 in stack:
                hits += 1
                self.add("review_punctuation", "info", f"“{o}”没有对应的“{OPEN[o]}”", s2, i2, found=o)
        return hits

    # -- class names --------------------------------------------------------
    def check_class_names(self, tables: dict) -> None:
        from ..extract.prose.prose_base import _rows
        older = [(r["code"], r["name"]) for r in _rows("prose_classes.csv") if "older" in (r.get("note") or "")]
        names = _table_class_names(tables)
        if not names:
            self.log.skip("review_class_name", "表中没有读到功能分类的类")
            return
        hits = 0
        older.sort(key=lambda cn: -len(cn[1]))          # the longest name first: one finding a code a sentence
        for s in self.sentences:
            done: set[str] = set()
            for code, name in older:
                m = re.search(re.escape(name) + r"(?:支出)?", s.text)
                if not m or code not in names or code in done:
                    continue
                done.add(code)
                table_name = names[code]
                if _strip(table_name) == _strip(name) or name in table_name:
                    continue
                hits += 1
                self.add("review_class_name", "warning",
                         f"说明用旧的科目名称“{m.group(0)}”，表中 {code} 类为“{table_name}”，文字与报表不一致", s,
                         m.start(), m.end(), expected=table_name, found=m.group(0), group=code)
        if not hits:
            self.ok("review_class_name")

    # -- pages --------------------------------------------------------------
    def check_pages(self) -> None:
        doc = self.doc
        if not doc.origins:
            self.log.skip("review_pages", "文本文件没有页面")
            return
        pages: dict[str, list[tuple[int, str]]] = {}
        for n, t in doc.numbered(1, len(doc.lines) + 1):
            pages.setdefault(_page(doc, n), []).append((n, t))
        hits = 0
        bodies: dict[str, str] = {}
        for page, lines in pages.items():
            body = "".join(re.sub(r"\s+", "", t) for _, t in lines)
            first = lines[0][0]
            for n, t in lines:
                m = NONSENSE_RE.search(t)
                if m:
                    hits += 1
                    bad = sum(1 for ch in t if NONSENSE_RE.match(ch))
                    self.add("review_pages", "warning",
                             f"第 {page.rsplit('p', 1)[-1]} 页文字无法正常显示（{bad} 个字符不在字体中或为乱码）",
                             Sentence(t.strip(), [n] * max(len(t.strip()), 1), 0), found=t.strip()[:40])
                    break
            twin = next((p for p, b in bodies.items() if len(body) > 80 and body == b), None)
            if twin is not None:
                hits += 1
                self.add("review_pages", "warning",
                         f"第 {page.rsplit('p', 1)[-1]} 页与第 {twin.rsplit('p', 1)[-1]} 页内容完全相同（同一页印了两次）",
                         Sentence(body, [first] * len(body), 0), expected=twin, found=page)
            bodies.setdefault(page, body)
        total = getattr(doc, "pages", 0) or 0
        empty = _empty_pages(doc, set(pages))
        for p in empty:
            if 1 < p < total:            # a blank back cover or leaf at either end is printing, not content
                hits += 1
                line = max((n for pg, ls in pages.items() if _page_no(pg) < p for n, _ in ls), default=1)
                self.add("review_pages", "warning", f"第 {p} 页是空白页（没有任何文字）",
                         Sentence(f"第{p}页", [line], 0), found=f"p{p}")
        if not hits:
            self.ok("review_pages")

    # -- amounts of one part against another ---------------------------------
    def check_text_amounts(self, facts: list[dict], tables: dict) -> None:
        ran = False
        by = {}
        for f in facts:
            by.setdefault((f.get("subject"), f.get("measure")), f)
        inc, exp = by.get(("income", "budget")), by.get(("expenditure", "budget"))
        dinc, dexp = by.get(("income", "change_vs_prior_budget")), by.get(("expenditure", "change_vs_prior_budget"))
        if inc and exp and dinc and dexp and inc["value"] == exp["value"]:
            ran = True
            if dinc["value"] != dexp["value"]:
                s = self._sentence_at(dexp["line"])
                self.log._count("review_text_amounts", False)
                self.log.add("review_text_amounts", "error",
                             f"收入预算与支出预算同为 {_wan(inc['value'])}，上年也收支平衡，两者的增减应相同；"
                             f"说明写收入{_signed(dinc['value'])}、支出{_signed(dexp['value'])}："
                             f"“{s.quote() if s else dexp.get('text', '')}”",
                             expected=_signed(dinc["value"]), found=_signed(dexp["value"]),
                             line=dexp["line"], table="说明")
            else:
                self.ok("review_text_amounts")
        perf = by.get(("perf_project_funds", "budget"))
        project = _project_total(tables)
        if perf and project is not None:
            ran = True
            if perf["value"] > project:
                self.log._count("review_text_amounts", False)
                s = self._sentence_at(perf["line"])
                self.log.add("review_text_amounts", "error",
                             f"编报绩效目标的项目资金 {_wan(perf['value'])} 多于表中全部项目支出 {_wan(project)}："
                             f"“{s.quote() if s else perf.get('text', '')}”",
                             expected=f"≤ {_wan(project)}", found=_wan(perf["value"]), line=perf["line"],
                             table="说明")
            else:
                self.ok("review_text_amounts")
        if not ran:
            self.log.skip("review_text_amounts", "说明中没有可相互印证的两处数字")

    def _sentence_at(self, line: int) -> Sentence | None:
        return next((s for s in self.sentences if line in s.where), None)


def _at(where: str) -> str:
    """``p21:283`` → 第 21 页第 283 行; ``453`` → 第 453 行."""
    m = re.search(r"p(\d+):(\d+)$", where)
    return f"第 {m.group(1)} 页第 {m.group(2)} 行" if m else f"第 {where.rsplit(':', 1)[-1]} 行"


def _page_no(page: str) -> int:
    m = re.search(r"p(\d+)$", page)
    return int(m.group(1)) if m else 0


def _empty_pages(doc: Document, with_text: set[str]) -> list[int]:
    """Pages of a PDF with no text line at all (their numbers), from the extracted text's pages."""
    total = getattr(doc, "pages", 0) or 0
    if not total or any(":" in p[:-1] and not p.startswith("p") for p in with_text):
        return []            # two files read as one: page numbers repeat; not judged
    have = {_page_no(p) for p in with_text}
    return [p for p in range(1, total + 1) if p not in have]


def _strip(name: str) -> str:
    return re.sub(r"支出$", "", re.sub(r"\s+", "", name or ""))


def _table_class_names(tables: dict) -> dict[str, str]:
    """Function class (类, 3 digits) → its name as the tables print it."""
    out: dict[str, str] = {}
    for t in (tables or {}).values():
        for r in getattr(t, "rows", []) or []:
            code = getattr(r, "code", None) or ""
            name = getattr(r, "item", None) or ""
            if re.fullmatch(r"2\d\d", str(code)) and name:
                out.setdefault(str(code), re.sub(r"\s+", "", name))
    return out


def _project_total(tables: dict) -> Decimal | None:
    """项目支出 of the budget's 支出总表 (预算03) 合计 row, in 元."""
    t = (tables or {}).get("预算03")
    if t is None or not getattr(t, "present", False):
        return None
    r = t.find("total")
    v = None if r is None else r.values.get("project")
    return v if isinstance(v, Decimal) else None


def _wan(v: Decimal) -> str:
    return f"{(v / WAN).quantize(Decimal('0.01')):,} 万元"


def _signed(v: Decimal) -> str:
    return ("增加 " if v > 0 else "减少 " if v < 0 else "持平 ") + (_wan(abs(v)) if v else "")


def review_document(doc: Document, log: CheckLog, *, kind: str, level: str, year: int, tables: dict | None = None,
                    facts: list[dict] | None = None, skip_lines: set[int] | None = None) -> Reviewer:
    """Run every review check on one report (budget or final account); findings go to ``log``."""
    r = Reviewer(doc, log, kind=kind, level=level, year=year, skip_lines=skip_lines)
    r.check_patterns()
    r.check_punctuation()
    r.check_class_names(tables or {})
    r.check_pages()
    r.check_text_amounts(facts or [], tables or {})
    return r
