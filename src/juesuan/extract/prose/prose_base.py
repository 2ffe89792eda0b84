"""The explanation reader's base: its vocabulary (read from data/prose_*.csv), the
normalised joined text with its map back to source lines, blocks, the result and the
parsing context.
"""
from __future__ import annotations

import bisect
import csv
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ...config import PACKAGE_DATA
from ...findings import CheckLog
from ...source import Document


TABLE = "说明"
FACT_KEYS = ("section", "subject", "measure", "value", "places", "year", "text", "line",
             "unit", "reason")
CHANGE_MEASURES = ("change", "change_rate", "change_vs_budget", "change_rate_vs_budget",
                   "change_vs_full_budget", "change_rate_vs_full_budget", "completion_rate",
                   "full_completion_rate")

# ------------------------------------------------------------------ vocabulary
# The words are data (src/juesuan/data/prose_*.csv): a new phrasing is a row, not code.
def _rows(name: str) -> list[dict]:
    with open(PACKAGE_DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _classes(kind: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for r in _rows("prose_classes.csv"):
        if r["kind"] == kind:
            out.setdefault(r["code"], []).append(r["name"])
    return {c: tuple(n) for c, n in out.items()}


def cue_words(kind: str) -> list[tuple[str, str]]:
    """(word, value) of one kind of data/prose_cues.csv, in file order."""
    return [(r["word"], r["value"]) for r in _rows("prose_cues.csv") if r["kind"] == kind]


GPB_CLASSES: dict[str, tuple[str, ...]] = _classes("gpb")     # with the older names
ECON_CLASSES: dict[str, tuple[str, ...]] = _classes("econ")


def gpb_class_code(name: str) -> str | None:
    """Function class code for a class name ("资源勘探信息（类）支出" → "215")."""
    n = _norm(name)
    n = re.sub(r"\(类\)|支出$", "", n).replace("支出", "")
    best = None
    for code, names in GPB_CLASSES.items():
        for cand in names:
            c = cand.replace("(类)", "").replace("支出", "")
            if n == c or (len(c) >= 2 and n.startswith(c)):
                if best is None or len(c) > best[1]:
                    best = (code, len(c))
    return best[0] if best else None


def _keywords() -> tuple[dict[str, list[tuple[str, str]]], dict[tuple[str, str], str]]:
    """Block kind → [(keyword, subject)] (data/prose_subjects.csv; ``{gpb_classes}`` /
    ``{econ_classes}`` stand for every class name), and (money subject, count unit) → the count
    subject ("国内公务接待 8 批次") from its ``count:<unit>`` rows."""
    table: dict[str, list[tuple[str, str]]] = {}
    counts: dict[tuple[str, str], str] = {}
    for r in _rows("prose_subjects.csv"):
        block, kw, subj = r["block"], r["keyword"], r["subject"]
        if block.startswith("count:"):
            counts[(kw, block[6:])] = subj
        elif kw in ("{gpb_classes}", "{econ_classes}"):
            classes = GPB_CLASSES if kw == "{gpb_classes}" else ECON_CLASSES
            table.setdefault(block, []).extend((name, subj.format(code=code))
                                               for code, names in classes.items() for name in names)
        else:
            table.setdefault(block, []).append((kw, subj))
    return table, counts


KEYWORDS, COUNT_SUBJECTS = _keywords()

# what a share is a share of (text_share); per-category SME shares are special
SHARE_BASE_EXACT = {"procurement_sme": "procurement",
                    "procurement_small_micro": "procurement_sme",
                    "gpb_expenditure": "expenditure"}     # "占本年支出合计的 x%"
SHARE_BASE_PREFIX = (("income_", "income"), ("expenditure_", "expenditure"),
                     ("gpb_class:", "gpb_expenditure"))

# ------------------------------------------------------------------ regexes
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
UNITS = r"万元|元|%|个|人次|人|辆|台\(套\)|台|套|批次|次|平方米|m2|项"
COUNT_UNITS = {"个", "人次", "人", "辆", "台(套)", "台", "套", "批次", "次", "项"}
TOKEN_RE = re.compile(
    rf"(?P<num>{NUM})(?P<unit>{UNITS})?"
    r"|(?P<zero>无(?P<zc>[^,;。、:\n\d]{1,40}?)(?=[,;。、:\n]|$))")
NUMBER_RE = re.compile(NUM)
TOP_RE = re.compile(r"([一二三四五六七八九十]+)[、.]")
SUB_RE = re.compile(r"\(([一二三四五六七八九十]+)\)")
ITEM_RE = re.compile(r"(\d{1,2})[.、](?!\d)")
PART_RE = re.compile(r"第[一二三四五六七八九十]+部分")
_CHANGES = cue_words("change")
CHANGE_CUE = re.compile(rf"({'|'.join(w for w, _ in _CHANGES)})"
                        rf"(?P<alt>\((?:{'|'.join(w for w, _ in _CHANGES if len(w) == 2)})\))?"
                        r"了?(?:为|是)?$")
NEGATIVE_CUES = {w for w, v in _CHANGES if v == "-"}
PRIOR_WORDS = "|".join(w for w, _ in cue_words("prior"))
FULL_WORDS = "|".join(w for w, _ in cue_words("full_budget"))
COMPLETION_CUE = re.compile(r"(?:完成(?:年初|全年|调整后?)?预算(?:数)?(?:的)?|预算完成率(?:为)?"
                            r"|完成率(?:为)?|为(?:年初|全年|调整后?)?预算(?:数)?的)$")
REASON_RE = re.compile(r"原因(?:是|为|:|主要是|主要为)(?P<r>.+?)(?=[;。\n]|$)")

# line-joining (on raw lines, before normalisation)
_TERMINAL = tuple("。；;：:！!？?")
_HEADER_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[)）]"
                          r"|\d{1,2}\s*[.．、](?!\s*\d)|第[一二三四五六七八九十]+部分)")
_TITLE_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*、|[（(]\s*[一二三四五六七八九十]+\s*[)）]"
                         r"|第[一二三四五六七八九十]+部分)")
_PAGE_LINE = re.compile(r"^\s*(?:[-—－]\s*\d{1,3}\s*[-—－]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?)"
                        r"\s*$")
_SKIP_CHARS = set("*\u200b\u200c\u200d\ufeff")


@lru_cache(maxsize=4096)
def _nfkc(c: str) -> str:
    n = unicodedata.normalize("NFKC", c)
    return n if len(n) == 1 else c


def _norm(s: str) -> str:
    return "".join(_nfkc(c) for c in s if not c.isspace() and c not in _SKIP_CHARS)


# ------------------------------------------------------------------ joined text
class JoinedText:
    """The section as one normalised string with a map back to source lines.

    ``text`` is normalised (NFKC per character, whitespace and ``*`` dropped);
    segments (paragraphs) are separated by ``"\\n"``.  Lines are joined
    without a separator when a sentence continues on the next line (the
    previous line does not end with 。；： and the next one is not a heading),
    so ``"职业年" + "金经费等"`` becomes ``"职业年金经费等"``.
    """

    def __init__(self, doc: Document, start: int, end: int,
                 lines: list[tuple[int, str]] | None = None):
        """Lines ``start``..``end`` of ``doc``, or the given (line number, text) pairs (a budget's
        text outside its tables)."""
        self.path = doc.path
        pieces: list[str] = []
        self._o_starts: list[int] = []
        self._o_lines: list[int] = []
        olen = 0
        prev = None
        for n, raw in (lines if lines is not None else doc.numbered(start, end + 1)):
            s = raw.strip()
            if not s or _PAGE_LINE.match(s):
                continue
            if prev is not None:
                new_segment = (prev.endswith(_TERMINAL) or bool(_HEADER_LINE.match(s))
                               or (bool(_TITLE_LINE.match(prev))
                                   and not re.search("[。；;]", prev)))
                sep = "\n" if new_segment else ""
                pieces.append(sep)
                olen += len(sep)
            self._o_starts.append(olen)
            self._o_lines.append(n)
            pieces.append(s)
            olen += len(s)
            prev = s
        self.orig = "".join(pieces)
        # per character: kept ("\n" separates segments; other whitespace and * are dropped), NFKC'd
        pos = [i for i, c in enumerate(self.orig) if c == "\n" or not (c.isspace() or c in _SKIP_CHARS)]
        orig = self.orig
        self.text = "".join([_nfkc(orig[i]) for i in pos])
        self.pos = pos

    def line(self, i: int) -> int | None:
        if not self.pos:
            return None
        p = self.pos[min(max(i, 0), len(self.pos) - 1)]
        return self._o_lines[bisect.bisect_right(self._o_starts, p) - 1]

    def snippet(self, i: int, j: int) -> str:
        """Original characters for the normalised span [i, j)."""
        if j <= i:
            return ""
        return self.orig[self.pos[i]:self.pos[j - 1] + 1].strip()

    def segments(self):
        """(start, end) of every paragraph."""
        i = 0
        for part in self.text.split("\n"):
            yield i, i + len(part)
            i += len(part) + 1


# ------------------------------------------------------------------ result
@dataclass
class Block:
    label: str
    top: str | None
    sub: str | None
    item: str | None
    top_title: str
    sub_title: str
    kind: str | None
    start: int
    end: int


@dataclass
class ExplanationResult:
    facts: list[dict] = field(default_factory=list)
    budget_outturn: list[dict] = field(default_factory=list)
    project_scores: list[dict] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list, repr=False)
    joined: JoinedText | None = field(default=None, repr=False)
    consumed: set = field(default_factory=set, repr=False)   # normalised offsets of numbers read
    year: int | None = None

    def get(self, subject: str, measure: str, section: str | None = None):
        """First fact value for (subject, measure), optionally within a section prefix."""
        for f in self.facts:
            if f["subject"] == subject and f["measure"] == measure and (
                    section is None or f["section"].startswith(section)):
                return f["value"]
        return None


# ------------------------------------------------------------------ helpers
def _kind(title: str) -> str | None:
    t = title
    if "机关运行" in t:
        return "admin"
    if "政府采购" in t:
        return "procurement"
    if "国有资产" in t or "资产占" in t:
        return "assets"
    if "绩效" in t:
        return "perf"
    if "三公" in t:
        return "sangong"
    if "政府性基金" in t:
        return "gov_fund"
    if "国有资本" in t:
        return "state_capital"
    if "基本支出" in t:
        return "basic"
    if "一般公共预算财政拨款" in t:
        if "结构" in t:
            return "gpb_structure"
        if "具体" in t:
            return "gpb_detail"
        if "总体" in t:
            return "gpb_total"
        return "gpb"
    if "财政拨款收入支出" in t or "财政拨款收支" in t:
        return "fiscal"
    if "收入支出决算总体" in t or "收支决算总体" in t or "收入支出总体" in t:
        return "overall"
    if "收入决算" in t:
        return "income"
    if "支出决算" in t:
        return "expenditure"
    return None


def _title(text: str) -> str:
    """A heading's title: up to the first 。 (headings may run into the body)."""
    return re.split(r"[。\n]", text, maxsplit=1)[0]


def _amount(num: str, unit: str | None) -> Decimal:
    v = Decimal(num.replace(",", ""))
    return v * 10000 if unit == "万元" else v


def _best_keyword(text: str, table: list[tuple[str, str]]):
    """(subject, end offset) of the keyword ending last in text (longest on ties)."""
    best = None
    for kw, subj in table:
        p = text.rfind(kw)
        if p >= 0:
            key = (p + len(kw), len(kw))
            if best is None or key > best[0]:
                best = (key, subj)
    return (best[1], best[0][0]) if best else (None, -1)


class _Ctx:
    """Shared state while parsing one section."""

    def __init__(self, jt: JoinedText, log: CheckLog, year: int):
        self.jt = jt
        self.log = log
        self.year = year
        self.res = ExplanationResult(joined=jt, year=year)
        self.prior_re = re.compile(rf"{PRIOR_WORDS}|{year - 1}年")
        self.fact_pos: dict[int, int] = {}   # id(fact) -> normalised offset

    def fact(self, block: Block, subject: str, measure: str, value: Decimal, *, pos: int,
             snip_start: int, snip_end: int, unit: str | None, places: int | None = None,
             year: int | None = None) -> dict:
        f = {"section": block.label, "subject": subject, "measure": measure, "value": value,
             "places": places, "year": year if year is not None else self.year,
             "text": self.jt.snippet(snip_start, snip_end), "line": self.jt.line(pos),
             "unit": unit, "reason": None}
        self.res.facts.append(f)
        self.fact_pos[id(f)] = pos
        return f

    def consume(self, pos: int) -> None:
        self.res.consumed.add(pos)

    def consume_span(self, i: int, j: int) -> None:
        for m in NUMBER_RE.finditer(self.jt.text, i, j):
            self.res.consumed.add(m.start())


# ------------------------------------------------------------------ blocks
def _blocks(jt: JoinedText) -> list[Block]:
    text = jt.text
    blocks: list[Block] = []
    top = sub = item = None
    top_title = sub_title = ""
    cur_start = 0

    def close(end):
        if end > cur_start:
            label = (top or "") + (f"({sub})" if sub else "") + (item or "")
            kind = _kind(sub_title) if sub_title else None
            if kind is None or (kind == "gpb" and _kind(top_title) != "gpb"):
                kind = _kind(top_title) if top_title else kind
            blocks.append(Block(label, top, sub, item, top_title, sub_title, kind,
                                cur_start, end))

    for s, e in jt.segments():
        seg = text[s:e]
        m_top = TOP_RE.match(seg)
        m_sub = SUB_RE.match(seg)
        m_item = ITEM_RE.match(seg)
        if PART_RE.match(seg):
            close(s)
            top, sub, item, top_title, sub_title = None, None, None, _title(seg), ""
            cur_start = s
        elif m_top:
            close(s)
            top, sub, item = m_top.group(1), None, None
            top_title, sub_title = _title(seg[m_top.end():]), ""
            cur_start = s
        elif m_sub:
            close(s)
            sub, item = m_sub.group(1), None
            sub_title = _title(seg[m_sub.end():])
            cur_start = s
        elif m_item:
            close(s)
            item = m_item.group(1)
            cur_start = s
    close(len(text))
    return blocks
