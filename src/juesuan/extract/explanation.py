"""Parse 第三部分 …决算情况说明 (the explanation section) into tidy facts.

The section is prose: sentences break across lines and page breaks, numbers
come with or without spaces, punctuation is full-width.  The parser

1. joins the section's lines into one string (:class:`JoinedText`), keeping a
   map from every character back to its source line, and normalises it
   (NFKC per character, whitespace and ``*`` dropped) so that regexes stay
   simple; snippets are cut from the original characters;
2. splits it into blocks by the headings 一、 / (一) / 1. and decides what a
   block talks about from the heading *titles* (not their numbers), so other
   departments' reports with a different numbering still work;
3. reads every figure with a small context engine: the subject comes from the
   keyword nearest before the number (block-specific keyword tables), the
   measure from cue words (上年/2021年度 → prior, 预算 → budget, 增加/减少 →
   change, 占 → share, 完成…预算的 → completion_rate);
4. reads the special lists (五(三) budget vs outturn items, 十(三) assets,
   十(四) performance counts and project self-scores) with dedicated regexes;
5. runs the text-internal checks (changes, rates, shares, parts sums).

Facts are dicts with the keys ``section subject measure value places year text
line unit reason`` (see :data:`FACT_KEYS`).
"""
from __future__ import annotations

import bisect
import csv
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..config import PACKAGE_DATA
from ..errors import ParseError
from ..findings import CheckLog
from ..numbers import decimal_str, parse_rate, percent_places, round_half_up
from ..source import Document

TABLE = "说明"
FACT_KEYS = ("section", "subject", "measure", "value", "places", "year", "text", "line",
             "unit", "reason")
CHANGE_MEASURES = ("change", "change_rate", "change_vs_budget", "change_rate_vs_budget",
                   "completion_rate")

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

    def __init__(self, doc: Document, start: int, end: int):
        self.path = doc.path
        pieces: list[str] = []
        self._o_starts: list[int] = []
        self._o_lines: list[int] = []
        olen = 0
        prev = None
        for n, raw in doc.numbered(start, end + 1):
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
        chars: list[str] = []
        pos: list[int] = []
        for i, c in enumerate(self.orig):
            if c == "\n":
                chars.append(c)
                pos.append(i)
            elif c.isspace() or c in _SKIP_CHARS:
                continue
            else:
                chars.append(_nfkc(c))
                pos.append(i)
        self.text = "".join(chars)
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


# ------------------------------------------------------------------ context engine
def _engine(ctx: _Ctx, block: Block, table: list[tuple[str, str]]) -> None:
    """Read every figure of a prose block with the keyword ``table``."""
    text = ctx.jt.text
    s, e = block.start, block.end
    subject = None         # carried from figure to figure ("a|b" for a combined subject)
    base = None            # "budget" / "prior": what a following change compares with
    prev_end = s
    prev_measure = prev_snip = None
    count_subject = None
    block_facts: list[dict] = []

    def block_measures(subj) -> dict:
        """measure → value of the figures of ``subj`` read so far in this block"""
        return {f["measure"]: f["value"] for f in block_facts if f["subject"] == subj}

    def emit(subj, measure, value, ts, snip, end, unit, places=None, year=None):
        for one in subj.split("|"):
            block_facts.append(ctx.fact(block, one, measure, value, pos=ts, snip_start=snip,
                                        snip_end=end, unit=unit, places=places, year=year))

    for m in TOKEN_RE.finditer(text, s, e):
        ts = m.start()
        cs = max(text.rfind("。", s, ts), text.rfind(";", s, ts), text.rfind("\n", s, ts))
        ls = max(prev_end, cs + 1, s)
        L = text[ls:ts]
        boundary_crossed = cs + 1 > prev_end
        if m.group("num") and m.group("unit") is None:
            continue      # years / dates stay part of the context; bare numbers are left over
        # a reason clause: only what follows it after a comma is context, and a figure in it
        # is a fact about the reason's own subject (主要原因：项目支出增加，较上年增加X万元),
        # never a restatement of the figure the reason explains
        ri = L.rfind("原因")
        reason_of = None
        if ri >= 0:
            ci = L.find(",", ri)
            if ci < 0:
                continue
            reason_text = L[ri:]
            ls += ci + 1
            L = L[ci + 1:]
            reason_of = (subject, base)
        # subject: keywords before 占 (after 占 comes the base of a share)
        zi = L.find("占")
        found, kw_end = _best_keyword(L if zi < 0 else L[:zi], table)
        if reason_of is not None:
            rsubj = found or _best_keyword(reason_text, table)[0]
            if rsubj is None or rsubj == subject or m.group("zero") or \
                    (m.group("unit") in COUNT_UNITS or m.group("unit") in ("平方米", "m2")):
                continue       # nothing to attribute it to: not a fact about the heading's subject
            found = rsubj
        rest = L[kw_end:] if found else L
        prior_cue = bool(ctx.prior_re.search(L))
        snip = _snip_start(text, ls, ts)

        if m.group("zero"):
            zc = m.group("zc")
            zsubj, _ = _best_keyword(zc, table)
            change_phrase = "增减" in zc or zc in ("变化", "变动")
            if zsubj is None and (zc in ("支出", "收入") or change_phrase):
                zsubj = found or subject
            if zsubj is None:
                continue
            if change_phrase:
                budget_cmp = ("预算" in rest and not prior_cue) or (base == "budget" and not prior_cue)
                measure = "change_vs_budget" if budget_cmp else "change"
                year = ctx.year
            elif prior_cue:
                measure, year = "prior", ctx.year - 1
            else:
                measure, year = "actual", ctx.year
            if zsubj != subject:
                base = None
            subject = zsubj
            emit(subject, measure, Decimal(0), ts, snip, m.end(), None, year=year)
            prev_end, prev_measure, prev_snip = m.end(), measure, snip
            continue

        num, unit = m.group("num"), m.group("unit")
        places = None
        year = ctx.year
        if unit in COUNT_UNITS or unit in ("平方米", "m2"):
            # counts and areas need their own keyword (or follow a count: "8 批次, 61 人次")
            csubj = found
            if csubj is not None and not (unit in COUNT_UNITS and
                                          (csubj, unit) in COUNT_SUBJECTS) and \
                    csubj.startswith(("sangong", "total_", "income", "expenditure")):
                csubj = None
            if csubj is not None and unit in COUNT_UNITS:
                csubj = COUNT_SUBJECTS.get((csubj, unit), csubj)
            if csubj is None and unit in ("人次", "人") and count_subject and \
                    count_subject.endswith(("_groups", "_batches")):
                csubj = count_subject.rsplit("_", 1)[0] + "_persons"
            if csubj is None:
                continue
            value = Decimal(num.replace(",", ""))
            measure = "count" if unit in COUNT_UNITS else "area_m2"
            if prior_cue:
                year = ctx.year - 1
            count_subject = csubj
            emit(csubj, measure, value, ts, snip, m.end(), unit, year=year)
            ctx.consume(ts)
            prev_end, prev_measure, prev_snip = m.end(), measure, snip
            continue

        if found and found != subject:
            base = None
        if found:
            subject = found
        if subject is None:
            continue
        if unit == "%":
            value = parse_rate(num + "%")
            places = percent_places(num + "%")
            if (cc := COMPLETION_CUE.search(L)):
                measure = "completion_rate"
                if re.search(FULL_WORDS.replace("预算", ""), cc.group(0)):
                    measure = "full_completion_rate"
                elif "年初" not in cc.group(0) and \
                        "full_budget" in block_measures(subject.split("|")[0]) and \
                        not block_measures(subject.split("|")[0]).get("budget"):
                    measure = "full_completion_rate"
            elif zi >= 0 or (prev_measure == "share_base" and not boundary_crossed
                             and not re.search("[,;]", L)):
                measure = "share"
                if zi < 0:
                    snip = prev_snip
            elif (cm := CHANGE_CUE.search(L)):
                measure = "change_rate_vs_budget" if _vs_budget(rest, prior_cue, base) \
                    else "change_rate"
                amount = block_measures(subject.split("|")[0]).get(measure.replace("_rate", ""))
                if cm.group("alt") and amount:
                    # 下降（增长）27.78%: a template's both words left in (doc_template_text
                    # reports it); the direction is the stated amount's
                    value = abs(value) if amount > 0 else -abs(value)
                elif cm.group(1) in NEGATIVE_CUES:
                    value = -abs(value)
            else:
                continue
        else:
            value = _amount(num, unit)
            cm = CHANGE_CUE.search(L)
            if zi >= 0:
                measure = "share_base"
            elif cm:
                measure = "change_vs_budget" if _vs_budget(rest, prior_cue, base) else "change"
                if cm.group(1) in NEGATIVE_CUES:
                    value = -abs(value)
            elif prior_cue:
                measure, year, base = "prior", ctx.year - 1, "prior"
            elif "预算" in rest:
                measure, base = _budget_measure(rest), "budget"
            else:
                measure = "actual"
        emit(subject, measure, value, ts, snip, m.end(), unit, places=places, year=year)
        ctx.consume(ts)
        prev_end, prev_measure, prev_snip = m.end(), measure, snip
        if reason_of is not None:
            subject, base = reason_of     # the heading's subject goes on after the reason
    _level_with_prior(ctx, block, table, block_facts)
    _attach_reasons(ctx, block, table, block_facts)


LEVEL_RE = re.compile(r"(?<!基本)持平")
BUDGET_CMP = re.compile(r"(?:与|同|较|比)(?:年初|全年|调整后?)?预算")


def _level_with_prior(ctx: _Ctx, block: Block, table, block_facts: list[dict]) -> None:
    """与2023年度相比，…总计持平 / …决算数与上年持平: a change of 0 against the prior year (the
    prior figure is then the current one).  基本持平 states no figure and gives none; a clause
    about the budget (决算数与预算数持平) is not about the prior year; 其中：…持平 after a
    sentence that names the prior year goes with it."""
    text = ctx.jt.text
    s = block.start
    for m in LEVEL_RE.finditer(text, s, block.end):
        sent = max(text.rfind("。", s, m.start()), text.rfind(";", s, m.start()),
                   text.rfind("\n", s, m.start())) + 1
        clause = text[sent:m.start()]
        tail = clause[clause.rfind(",") + 1:]          # 支出X万元，与上年持平: the figure is before
        if BUDGET_CMP.search(clause) or NUMBER_RE.search(re.sub(r"(?:19|20)\d{2}年", "", tail)):
            continue
        cue = bool(ctx.prior_re.search(clause))
        if not cue:
            # 其中：a…持平；b…持平 — the list goes with the sentence before it
            head = max(text.rfind("。", s, m.start()), text.rfind("\n", s, m.start())) + 1
            if text.startswith("其中", head):
                prev = max(text.rfind("。", s, head - 1), text.rfind("\n", s, head - 1)) + 1
                cue = bool(ctx.prior_re.search(text[prev:head]))
        if not cue:
            continue
        subj, _ = _best_keyword(clause, table)
        if subj is None:
            continue
        for one in subj.split("|"):
            if any(f["subject"] == one and f["measure"] == "change" for f in block_facts):
                continue
            block_facts.append(ctx.fact(block, one, "change", Decimal(0), pos=m.start(),
                                        snip_start=sent, snip_end=m.end(), unit=None))


def _budget_measure(rest: str) -> str:
    """budget (年初预算, or a bare 预算) or full_budget (全年预算 / 调整预算 / 调整后预算): the
    budget word nearest before the figure decides."""
    full = max((m.end() for m in re.finditer(FULL_WORDS, rest)), default=-1)
    initial = max((m.end() for m in re.finditer("预算", rest)), default=-1)
    return "full_budget" if full >= 0 and full >= initial else "budget"


def _vs_budget(rest: str, prior_cue: bool, base: str | None) -> bool:
    """Does a change compare with the budget ("较年初预算增加", or after a budget figure)?"""
    if prior_cue:
        return False
    return "预算" in rest or base == "budget"


def _snip_start(text: str, ls: int, ts: int) -> int:
    i = ls
    while i < ts and text[i] in ",;:、。\n":
        i += 1
    return i


def _attach_reasons(ctx: _Ctx, block: Block, table, facts: list[dict]) -> None:
    text = ctx.jt.text
    for m in REASON_RE.finditer(text, block.start, block.end):
        cs = max(text.rfind("。", block.start, m.start()), text.rfind(";", block.start, m.start()),
                 text.rfind("\n", block.start, m.start()))
        lead = text[cs + 1:m.start()]
        subj, _ = _best_keyword(lead, table)
        reason = ctx.jt.snippet(m.start("r"), m.end("r"))
        for f in facts:
            if (f["reason"] is None and f["measure"] in CHANGE_MEASURES
                    and ctx.fact_pos[id(f)] < m.start()
                    and (subj is None or f["subject"] == subj)):
                f["reason"] = reason


# ------------------------------------------------------------------ 八 / 九 declared empty
def _declared_empty(ctx: _Ctx, block: Block) -> bool:
    text = ctx.jt.text
    m = re.compile(r"无(政府性基金|国有资本经营)预算财政拨款([^。;\n]*)").search(
        text, block.start, block.end)
    if not m:
        return False
    prefix = "gov_fund" if m.group(1) == "政府性基金" else "state_capital"
    what = m.group(2)
    parts = []
    if "收入" in what:
        parts.append("income")
    if "支出" in what:
        parts.append("expenditure")
    if "结转" in what or "结余" in what:
        parts.append("carryover")
    for p in parts:
        ctx.fact(block, f"{prefix}_{p}", "actual", Decimal(0), pos=m.start(),
                 snip_start=m.start(), snip_end=m.end(), unit=None)
    return bool(parts)


# ------------------------------------------------------------------ 五(三) items
ITEM_HEAD_RE = re.compile(
    r"(?:(?P<no>\d{1,2})[.、])?(?P<cls>[^()\n。;,:、]+?)\((?P<c>\d{3}|类)\)"
    r"(?P<kuan>[^()\n。;,:]+?)\((?P<k>\d{2}|款)\)(?P<xiang>[^()\n。;,:]+?)\((?P<x>\d{2}|项)\)"
    r"[.。,:]?")
INITIAL_RE = re.compile(rf"年初预算(?:数)?(?:为|是)?(?P<n>{NUM})(?P<u>万元|元)")
NO_INITIAL_RE = re.compile(r"无年初预算|未安排年初预算|年初预算为0(?:元)?(?![\d.])")
FULL_RE = re.compile(rf"(?:{FULL_WORDS})(?:数)?(?:为|是)?(?P<n>{NUM})(?P<u>万元|元)")
ADJUSTED_RE = re.compile(rf"(?:追加|调整|调增)(?!后?预算(?:数)?(?:为|是)?\d)[^,;。]*?预算(?:数)?(?:为|是)?"
                         rf"(?P<n>{NUM})(?P<u>万元|元)")
ACTUAL_RE = re.compile(rf"支出决算(?:数)?(?:为|是)?(?P<n>{NUM})(?P<u>万元|元)")
NOT_SPENT_RE = re.compile(r"(?:当年|本年)?(?:未支出|无支出|未发生支出)")
RATE_RE = re.compile(rf"(?:完成|为)(?P<b>年初|全年|调整后|调整)?预算(?:数)?的?(?P<n>{NUM})%")


def _gpb_detail(ctx: _Ctx, blocks: list[Block]) -> None:
    """五(三): the total sentence (context engine) and the list of items, each
    "类名（201）款名（04）项名（02）…年初预算为…，支出决算为…，完成年初预算的…%，原因"."""
    text = ctx.jt.text
    s, e = blocks[0].start, blocks[-1].end
    heads = list(ITEM_HEAD_RE.finditer(text, s, e))
    intro_end = heads[0].start() if heads else e
    intro = Block(blocks[0].label, blocks[0].top, blocks[0].sub, None, blocks[0].top_title,
                  blocks[0].sub_title, "gpb_detail", s, intro_end)
    _engine(ctx, intro, KEYWORDS["gpb_detail"])
    for n, m in enumerate(heads):
        end = heads[n + 1].start() if n + 1 < len(heads) else e
        blk = next((b for b in blocks if b.start <= m.start() < b.end), blocks[0])
        no = int(m.group("no")) if m.group("no") else n + 1
        label = blk.label if blk.item is not None else f"{blk.label}{no}"
        _outturn_item(ctx, label, m, end, no)
    for b in blocks:
        if b.item is not None and not any(b.start <= h.start() < b.end for h in heads):
            ctx.log.note("text_parse", f"{b.label}: budget/outturn item not understood",
                         line=ctx.jt.line(b.start), table=TABLE)


def _outturn_item(ctx: _Ctx, label: str, m: re.Match, block_end: int, no: int) -> None:
    text = ctx.jt.text
    jt = ctx.jt

    if m.group("no"):
        ctx.consume(m.start("no"))
    for g in ("c", "k", "x"):
        if m.group(g).isdigit():
            ctx.consume(m.start(g))
    cls, kuan, xiang = (m.group(g).rstrip(".。,") for g in ("cls", "kuan", "xiang"))
    if all(m.group(g).isdigit() for g in ("c", "k", "x")):
        code = m.group("c") + m.group("k") + m.group("x")
    else:
        code = None
    rs, re_ = m.end(), block_end
    rest = text[rs:re_]
    last = 0
    initial = None
    no_initial = NO_INITIAL_RE.search(rest)
    mi = INITIAL_RE.search(rest)
    if mi and not (no_initial and no_initial.start() < mi.start() and mi.group("n") == "0"):
        initial = _amount(mi.group("n"), mi.group("u"))
        ctx.consume(rs + mi.start("n"))
        last = max(last, mi.end())
    if no_initial:
        last = max(last, no_initial.end())
    adjusted = None
    ma = ADJUSTED_RE.search(rest)
    if ma and (not mi or ma.start("n") != mi.start("n")):
        adjusted = _amount(ma.group("n"), ma.group("u"))
        ctx.consume(rs + ma.start("n"))
        last = max(last, ma.end())
    full = None
    mf = FULL_RE.search(rest)
    if mf:
        full = _amount(mf.group("n"), mf.group("u"))
        ctx.consume(rs + mf.start("n"))
        last = max(last, mf.end())
    actual = None
    not_spent = False
    mx = ACTUAL_RE.search(rest)
    if mx:
        actual = _amount(mx.group("n"), mx.group("u"))
        ctx.consume(rs + mx.start("n"))
        last = max(last, mx.end())
    else:
        ns = NOT_SPENT_RE.search(rest)
        if ns:
            actual, not_spent = Decimal(0), True
            last = max(last, ns.end())
    rate = places = basis = None
    mr = RATE_RE.search(rest)
    if mr:
        # the budget the sentence names; a bare 预算 is the initial one unless only a full
        # budget is stated (a unit founded in the year: 年初预算 0, 全年预算 X)
        named = mr.group("b")
        if named in ("全年", "调整后", "调整"):
            basis = "full"
        elif named == "年初":
            basis = "initial"
        else:
            basis = "full" if full is not None and not initial else "initial"
        rate = parse_rate(mr.group("n") + "%")
        places = percent_places(mr.group("n") + "%")
        ctx.consume(rs + mr.start("n"))
        last = max(last, mr.end())
    tail_start = rs + last
    while tail_start < re_ and text[tail_start] in ",.;:。、\n":
        tail_start += 1
    tail_end = re_
    while tail_end > tail_start and text[tail_end - 1] in ",.;:。、\n":
        tail_end -= 1
    explanation = jt.snippet(tail_start, tail_end) or None
    note = None
    if no_initial or adjusted is not None or not_spent:
        ns_ = rs
        while ns_ < rs + last and text[ns_] in ",.;:。、":
            ns_ += 1
        note = jt.snippet(ns_, rs + last).rstrip("，。,.；;") or None
    if actual is None:
        ctx.log.note("text_parse", f"{label}: no 支出决算 amount found in item",
                     line=jt.line(m.start()), table=TABLE)
    ctx.res.budget_outturn.append({
        "item_no": no, "code": code, "class_name": cls, "kuan_name": kuan,
        "xiang_name": xiang, "initial_budget": initial, "adjusted_budget": adjusted,
        "full_budget": full, "actual": actual, "unit": mx.group("u") if mx else None, "stated_completion_rate": rate,
        "stated_rate_places": places, "stated_rate_basis": basis,
        "code_source": "text" if code else "",
        "explanation": explanation, "note": note, "line": jt.line(m.start()),
        "section": label,
    })


# ------------------------------------------------------------------ 十(三) assets
AREA_RE = re.compile(rf"(?:房屋|建筑|办公用房)[^,;。]*?面积(?:为|共|合计)?(?P<n>{NUM})(?:平方米|m2)")
VEHICLES_RE = re.compile(r"(?:共有|拥有|共)?车辆(?:共|合计)?(?P<n>\d+)辆")
VEHICLE_TYPE_RE = re.compile(r"(?P<label>[^、,;:。\d]+?)(?P<n>\d+)辆")
EQUIP_RE = re.compile(rf"单价(?P<t>{NUM})万元(?:\(含\))?以上(?:的)?(?P<k>专用|通用)设备(?:共)?"
                      r"(?P<n>\d+)(?:台\(套\)|台|套)")
EQUIP_THRESHOLDS = {"专用": Decimal(1000000), "通用": Decimal(500000)}   # 元 (100 / 50 万元)


def _assets(ctx: _Ctx, block: Block) -> None:
    text = ctx.jt.text
    s, e = block.start, block.end

    def add(subject, measure, m, group, value, unit):
        ctx.fact(block, subject, measure, value, pos=m.start(group),
                 snip_start=m.start(), snip_end=m.end(), unit=unit)
        ctx.consume(m.start(group))

    for m in AREA_RE.finditer(text, s, e):
        add("floor_area", "area_m2", m, "n", Decimal(m.group("n").replace(",", "")), "平方米")
    mv = VEHICLES_RE.search(text, s, e)
    if mv:
        add("vehicles", "count", mv, "n", Decimal(mv.group("n")), "辆")
        # the list of types: from 其中 up to the end of the clause
        tail = mv.end()
        stop = min([p for p in (text.find(";", tail, e), text.find("。", tail, e),
                                text.find("\n", tail, e)) if p >= 0] or [e])
        for mt in VEHICLE_TYPE_RE.finditer(text, tail, stop):
            label = re.sub(r"^(?:其中|包括|含)[:]?", "", mt.group("label"))
            if label:
                add(f"vehicles:{label}", "count", mt, "n", Decimal(mt.group("n")), "辆")
    for m in EQUIP_RE.finditer(text, s, e):
        ctx.consume(m.start("t"))
        subj = "equipment_over_1m" if m.group("k") == "专用" else "equipment_general_over_500k"
        add(subj, "count", m, "n", Decimal(m.group("n")), "台(套)")
        # the subject names the template's threshold; another one must not pass unnoticed
        threshold = _amount(m.group("t"), "万元")
        standard = EQUIP_THRESHOLDS[m.group("k")]
        if threshold != standard:
            ctx.log.add("text_asset_threshold", "warning",
                        f"{block.label}: {m.group('k')}设备 counted above 单价 "
                        f"{decimal_str(threshold / 10000)} 万元; the template's threshold is "
                        f"{decimal_str(standard / 10000)} 万元 (the count is kept as {subj})",
                        line=ctx.jt.line(m.start("t")), table=TABLE,
                        expected=standard, found=threshold)


# ------------------------------------------------------------------ 十(四) performance
SCORE_RE = re.compile(
    rf"\((?P<no>\d{{1,3}})\)[“\"「『](?P<name>[^”\"」』]+)[”\"」』](?:项目)?(?:绩效)?(?:自评)?"
    rf"(?:得分|评分|分数)(?:为|是|:)?(?P<n>{NUM})(?P<u>分|元)?")
PERF_RES = [
    (re.compile(r"一般公共预算项目(?P<n>\d+)个"), "perf_projects", "count"),
    (re.compile(rf"(?P<n>\d+)个上年结转项目(?:合计|共计|共|资金)*(?:(?P<a>{NUM})(?P<u>万元|元))?"),
     "perf_carryover", "count"),
    (re.compile(rf"(?P<n>\d+)个随同[^,;。()]*?告知事项项目(?:合计|共计|共|资金)*"
                rf"(?:(?P<a>{NUM})(?P<u>万元|元))?"), "perf_notice", "count"),
    (re.compile(r"一级项目(?P<n>\d+)个"), "perf_projects_level1", "count"),
    (re.compile(r"二级项目(?P<n>\d+)个"), "perf_projects_level2", "count"),
    (re.compile(r"政府性基金预算项目(?P<n>\d+)个"), "perf_gov_fund_projects", "count"),
    (re.compile(rf"共涉及资金(?P<a>{NUM})(?P<u>万元|元)(?:,占[^,;。]*?的?(?P<s>{NUM})%)?"),
     "perf_funds", "amount"),
    (re.compile(r"(?P<n>\d+)个项目"), "perf_projects", "count"),
    (re.compile(rf"自评率(?:达到|为|达)?(?P<s>{NUM})%"), "perf_self_eval", "share"),
]


def _perf(ctx: _Ctx, block: Block) -> None:
    text, jt = ctx.jt.text, ctx.jt
    s, e = block.start, block.end
    for m in SCORE_RE.finditer(text, s, e):
        ctx.consume(m.start("no"))
        ctx.consume_span(m.start("name"), m.end("name"))
        ctx.consume(m.start("n"))
        ctx.res.project_scores.append({
            "no": int(m.group("no")),
            "project": re.sub(r"\s+", "", jt.snippet(m.start("name"), m.end("name"))),
            "score": Decimal(m.group("n").replace(",", "")), "unit_word": m.group("u"),
            "line": jt.line(m.start("n")), "section": block.label,
        })
    for rx, subject, kind in PERF_RES:
        for m in rx.finditer(text, s, e):
            gi = m.groupdict()
            key = "n" if gi.get("n") is not None else ("a" if gi.get("a") is not None else "s")
            if m.start(key) in ctx.res.consumed:
                continue
            if gi.get("n") is not None:
                ctx.fact(block, subject, "count", Decimal(m.group("n")), pos=m.start("n"),
                         snip_start=m.start(), snip_end=m.end(), unit="个")
                ctx.consume(m.start("n"))
            if gi.get("a") is not None:
                ctx.fact(block, subject, "amount", _amount(m.group("a"), m.group("u")),
                         pos=m.start("a"), snip_start=m.start(), snip_end=m.end(),
                         unit=m.group("u"))
                ctx.consume(m.start("a"))
            if gi.get("s") is not None:
                ctx.fact(block, subject, "share", parse_rate(m.group("s") + "%"),
                         pos=m.start("s"), snip_start=m.start(), snip_end=m.end(), unit="%",
                         places=percent_places(m.group("s") + "%"))
                ctx.consume(m.start("s"))
    m = re.compile(r"无政府性基金预算项目").search(text, s, e)
    if m:
        ctx.fact(block, "perf_gov_fund_projects", "count", Decimal(0), pos=m.start(),
                 snip_start=m.start(), snip_end=m.end(), unit=None)


# ------------------------------------------------------------------ entry point
def parse_explanation(doc: Document, start: int, end: int, log: CheckLog,
                      year: int) -> ExplanationResult:
    """Parse lines ``start``..``end`` (1-based, inclusive) of the explanation section."""
    if start < 1 or end < start or start > len(doc.lines):
        raise ParseError(f"invalid explanation range {start}-{end}", doc.path, start)
    first = doc.line(start)
    if "说明" not in first and "第三部分" not in first:
        raise ParseError("explanation section does not start here "
                         f"(expected 第三部分 …情况说明, found {first.strip()[:30]!r})",
                         doc.path, start)
    jt = JoinedText(doc, start, end)
    ctx = _Ctx(jt, log, year)
    blocks = _blocks(jt)
    ctx.res.blocks = blocks
    done_detail = set()
    for b in blocks:
        kind = b.kind
        if kind is None or kind == "other":
            continue
        if kind == "gpb_detail":
            key = (b.top, b.sub)
            if key not in done_detail:
                done_detail.add(key)
                _gpb_detail(ctx, [x for x in blocks
                                  if x.kind == "gpb_detail" and (x.top, x.sub) == key])
        elif kind == "assets":
            _assets(ctx, b)
        elif kind == "perf":
            _perf(ctx, b)
        elif kind in ("gov_fund", "state_capital"):
            if not _declared_empty(ctx, b):
                _engine(ctx, b, KEYWORDS[kind])
        elif kind in KEYWORDS:
            _engine(ctx, b, KEYWORDS[kind])
    _note_unparsed(ctx, blocks)
    _run_checks(ctx)
    return ctx.res


MONEY_RE = re.compile(rf"(?P<num>{NUM})(?P<unit>万元|元|%)")


def _note_unparsed(ctx: _Ctx, blocks: list[Block]) -> None:
    """Every sentence of a part the reader reads that states an amount or a rate no fact took:
    one ``unparsed`` info note naming its line (page:line in a PDF) — never a guessed figure."""
    text, jt = ctx.jt.text, ctx.jt
    done: set[int] = set()
    for b in blocks:
        if b.kind is None:
            continue        # parts the reader does not claim to read (概况, 名词解释 …)
        for m in MONEY_RE.finditer(text, b.start, b.end):
            if m.start() in ctx.res.consumed:
                continue
            s0 = max(text.rfind(c, b.start, m.start()) for c in "。;\n") + 1
            s0 = max(s0, b.start)
            if s0 in done:
                continue
            done.add(s0)
            ends = [p for p in (text.find(c, m.end(), b.end) for c in "。;\n") if p >= 0]
            e0 = min(ends) if ends else b.end
            n = sum(1 for x in MONEY_RE.finditer(text, s0, e0) if x.start() not in ctx.res.consumed)
            snippet = jt.snippet(s0, e0)
            ctx.log.note("unparsed", f"{b.label}: a sentence with {n} figures the reader cannot "
                                     f"place, not read: “{snippet[:80]}”",
                         line=jt.line(m.start()), table=TABLE, found=snippet[:80])


# ------------------------------------------------------------------ leftovers
def unextracted_numbers(result: ExplanationResult, include_dates: bool = False
                        ) -> list[tuple[int, str]]:
    """Numbers in the section that no fact, item or score took: [(line, token)].

    Years and dates (followed by 年/月/日), list ordinals ("1." at the start of a
    paragraph, "(3)") and 第N are skipped unless ``include_dates``.
    """
    jt = result.joined
    if jt is None:
        return []
    text = jt.text
    out = []
    for m in NUMBER_RE.finditer(text):
        i, j = m.start(), m.end()
        if i in result.consumed:
            continue
        if not include_dates:
            nxt = text[j:j + 1]
            prv = text[i - 1:i] if i else "\n"
            if nxt in ("年", "月", "日"):
                continue
            if prv == "\n" and nxt in (".", "、"):
                continue
            if prv == "(" and nxt == ")":
                continue
            if prv == "第":
                continue
        out.append((jt.line(i), jt.snippet(i, j)))
    return out


# ------------------------------------------------------------------ reasons
@lru_cache(maxsize=1)
def _reason_table() -> tuple[tuple[str, str, int, int], ...]:
    with open(PACKAGE_DATA / "reason_categories.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple((r["category"], r["keyword"], int(r["priority"]), i)
                 for i, r in enumerate(rows))


def categorize_reason(text: str | None) -> str:
    """Category of a reason text by the keyword table in data/reason_categories.csv
    (lowest priority number wins; file order breaks ties); "其他" when none matches."""
    if not text:
        return "其他"
    t = _norm(text)
    hits = [(prio, order, cat) for cat, kw, prio, order in _reason_table() if _norm(kw) in t]
    return min(hits)[2] if hits else "其他"


# ------------------------------------------------------------------ checks
def _groups(facts: list[dict]) -> dict[tuple[str, str], dict[str, dict]]:
    """(section, subject) → measure → first fact."""
    g: dict[tuple[str, str], dict[str, dict]] = {}
    for f in facts:
        g.setdefault((f["section"], f["subject"]), {}).setdefault(f["measure"], f)
    return g


def _unit(*facts) -> Decimal:
    return Decimal(100) if any(f and f.get("unit") == "万元" for f in facts) else Decimal("0.01")


def _first(facts, subject, measure, section_prefix=None):
    for f in facts:
        if f["subject"] == subject and f["measure"] == measure and (
                section_prefix is None or f["section"].startswith(section_prefix)):
            return f
    return None


def _run_checks(ctx: _Ctx) -> None:
    log, res = ctx.log, ctx.res
    facts = res.facts
    groups = _groups(facts)
    seen_at: set[int] = set()

    def once(f: dict) -> bool:
        """A figure stated once for two subjects (收入支出总计 … 下降 x%) is checked once."""
        pos = ctx.fact_pos.get(id(f))
        if pos in seen_at:
            return False
        seen_at.add(pos)
        return True

    # --- changes and rates ------------------------------------------------
    for (sec, subj), ms in groups.items():
        what = f"{sec} {subj}"
        a, b = ms.get("actual"), ms.get("budget")
        # the same two checks against the prior year and against the budget
        for base_m, change_m, rate_m, amount_check, rate_check, base_label in (
                ("prior", "change", "change_rate", "text_change", "text_change_rate", "prior"),
                ("budget", "change_vs_budget", "change_rate_vs_budget", "text_budget_change",
                 "text_budget_change_rate", "budget")):
            base = ms.get(base_m)
            if not (a and base):
                continue
            if change_m in ms:
                c = ms[change_m]
                log.amounts(amount_check, a["value"] - base["value"], c["value"], line=c["line"],
                            table=TABLE, terms=2, unit=_unit(a, base, c),
                            what=f"{what}: stated change vs actual − {base_label} "
                                 f"({decimal_str(a['value'])} − {decimal_str(base['value'])})")
            if rate_m in ms and base["value"] != 0:
                r = ms[rate_m]
                log.rate(rate_check, r["value"], (a["value"] - base["value"]) / base["value"],
                         r["places"], line=r["line"], table=TABLE,
                         what=f"{what}: change rate vs (actual − {base_label})/{base_label}")
        c, r = ms.get("change"), ms.get("change_rate")
        if a and c and r and "prior" not in ms and once(r):
            _check_derived_rate(log, what, a, c, r)
        for rate_m, budget_m, label in (("completion_rate", "budget", "budget"),
                                        ("full_completion_rate", "full_budget", "full budget")):
            b = ms.get(budget_m)
            if a and b and rate_m in ms and b["value"] != 0:
                r = ms[rate_m]
                log.rate("text_completion_rate", r["value"], a["value"] / b["value"],
                         r["places"], line=r["line"], table=TABLE,
                         what=f"{what}: completion rate vs actual/{label}")
        # share against a base stated in the same sentence
        if "share" in ms and "share_base" in ms and a:
            r, base = ms["share"], ms["share_base"]
            if base["value"]:
                log.rate("text_share", r["value"], a["value"] / base["value"], r["places"],
                         line=r["line"], table=TABLE,
                         what=f"{what}: share vs actual / stated base "
                              f"{decimal_str(base['value'])}")
    for item in res.budget_outturn:
        full = item.get("stated_rate_basis") == "full"
        base = item["full_budget"] if full else item["initial_budget"]
        if base and item["stated_completion_rate"] is not None \
                and item["actual"] is not None:
            log.rate("text_completion_rate", item["stated_completion_rate"],
                     item["actual"] / base, item["stated_rate_places"],
                     line=item["line"], table=TABLE,
                     what=f"{item['section']} {item['code'] or item['xiang_name']}: completion "
                          f"rate vs actual/{'full' if full else 'initial'} budget")
    # --- shares against a base amount stated elsewhere in the same block ----
    for (sec, subj), ms in groups.items():
        if "share" not in ms or "share_base" in ms or "actual" not in ms:
            continue
        base_subj = SHARE_BASE_EXACT.get(subj)
        if base_subj is None:
            for prefix, bs in SHARE_BASE_PREFIX:
                if subj.startswith(prefix):
                    base_subj = bs
        if base_subj is None:
            continue
        top = sec.split("(")[0].rstrip("0123456789")
        base = (groups.get((sec, base_subj), {}).get("actual")
                or _first(facts, base_subj, "actual", top)
                or _first(facts, base_subj, "actual"))
        if base is None or not base["value"]:
            continue
        r = ms["share"]
        log.rate("text_share", r["value"], ms["actual"]["value"] / base["value"], r["places"],
                 line=r["line"], table=TABLE,
                 what=f"{sec} {subj}: share of {base_subj} "
                      f"({decimal_str(ms['actual']['value'])} / {decimal_str(base['value'])})")
    _check_procurement_sme(ctx)
    _check_parts(ctx)
    _check_outturn_sum(ctx)
    _check_repeated(ctx)
    for sc in res.project_scores:
        ok = sc["unit_word"] in ("分", None)
        log.record("text_unit_word", ok, severity="warning", line=sc["line"], table=TABLE,
                   message=f"project score ({sc['no']}) “{sc['project']}” is written "
                           f"{decimal_str(sc['score'])} {sc['unit_word']} (should be 分)",
                   expected="分", found=sc["unit_word"])


def _half_unit(f: dict) -> Decimal:
    return Decimal(50) if f.get("unit") == "万元" else Decimal("0.005")


def _check_derived_rate(log: CheckLog, what: str, a: dict, c: dict, r: dict) -> None:
    """A change rate stated with a change amount and no prior figure: against the prior figure
    the change implies (actual − change).  The amounts are rounded (to 0.01 万元 or 0.01 元), so
    the rate passes when some pair of amounts within their rounding gives it."""
    prior = a["value"] - c["value"]
    if prior == 0:
        return
    ha, hc = _half_unit(a), _half_unit(c)
    cands = []
    for da in (-ha, ha):
        for dc in (-hc, hc):
            p = prior + da - dc
            if p > 0:
                cands.append((c["value"] + dc) / p)
    if not cands:
        return
    q = Decimal(1).scaleb(-(r["places"] + 2))          # one unit of the stated rate
    ok = min(cands) <= r["value"] + q / 2 and max(cands) >= r["value"] - q / 2
    want = c["value"] / prior
    log.record("text_change_rate", ok, severity="warning", line=r["line"], table=TABLE,
               expected=f"{decimal_str(round_half_up(want * 100, r['places']))}%",
               found=f"{decimal_str(r['value'] * 100)}%",
               message=f"{what}: change rate vs change/(actual − change): stated "
                       f"{decimal_str(r['value'] * 100)}%, recomputed "
                       f"{decimal_str(round_half_up(want * 100, r['places']))}%")


def _check_procurement_sme(ctx: _Ctx) -> None:
    facts, log = ctx.res.facts, ctx.log
    total = _first(facts, "procurement", "actual")
    sme = _first(facts, "procurement_sme", "actual")
    if not total or not sme:
        return
    expected = Decimal(0)
    tolerance = Decimal(0)
    for cat in ("goods", "works", "services"):
        amt = _first(facts, f"procurement_{cat}", "actual")
        share = _first(facts, f"procurement_{cat}_sme", "share")
        if amt is None:
            continue
        if share is None:
            if amt["value"]:
                return            # a category without a stated SME share: cannot check
            continue
        expected += amt["value"] * share["value"]
        tolerance += amt["value"] * Decimal(5).scaleb(-(share["places"] + 3))
    expected = expected.quantize(Decimal("0.01"))
    tolerance = tolerance.quantize(Decimal("0.01"))
    ok = expected == sme["value"]
    diff = sme["value"] - expected
    log.record("text_procurement_sme_consistency", ok, severity="warning", line=sme["line"],
               table=TABLE, expected=expected, found=sme["value"],
               message="SME contract amount vs Σ category amounts × stated category SME "
                       f"shares: differs by {decimal_str(diff)} 元 (the stated shares are "
                       f"rounded; their rounding alone allows up to ±{decimal_str(tolerance)} 元)")


def _check_parts(ctx: _Ctx) -> None:
    facts, log = ctx.res.facts, ctx.log

    def check(total_subj, parts, measure="actual", what="", prefix=None, required=None):
        t = _first(facts, total_subj, measure, prefix)
        if t is None:
            return
        found = [_first(facts, p, measure, prefix) for p in parts]
        stated = [f for f in found if f is not None]
        if not stated or (required and any(_first(facts, p, measure, prefix) is None
                                           for p in required)):
            return
        if len(stated) < 2 and len(parts) > 1 and required is None:
            return
        s = sum((f["value"] for f in stated), Decimal(0))
        log.amounts("text_parts_sum", t["value"], s, line=t["line"], table=TABLE,
                    terms=len(stated) + 1, unit=_unit(t, *stated),
                    what=f"{what or total_subj} {measure}: Σ "
                         f"{' + '.join(p for p, f in zip(parts, found) if f)} vs {total_subj}")

    check("procurement", ["procurement_goods", "procurement_works", "procurement_services"],
          required=["procurement_goods", "procurement_works", "procurement_services"])
    check("basic", ["basic_personnel", "basic_public"],
          required=["basic_personnel", "basic_public"])
    econ = sorted({f["subject"] for f in facts if f["subject"].startswith("econ:")})
    if econ:
        check("basic", econ, what="basic (economic classes)")
    check("income", ["income_fiscal", "income_superior", "income_business", "income_operating",
                     "income_affiliated", "income_other"])
    check("expenditure", ["expenditure_basic", "expenditure_project", "expenditure_upper",
                          "expenditure_operating", "expenditure_subsidy"])
    classes = sorted({f["subject"] for f in facts if f["subject"].startswith("gpb_class:")})
    if classes:
        check("gpb_expenditure", classes, what="gpb_expenditure (function classes)")
    vtypes = [f["subject"] for f in facts if f["subject"].startswith("vehicles:")]
    if vtypes:
        check("vehicles", vtypes, "count")
    for m in ("actual", "budget", "prior"):
        check("sangong", ["sangong_abroad", "sangong_vehicle", "sangong_reception"], m,
              required=["sangong_abroad", "sangong_vehicle", "sangong_reception"])
    check("sangong_vehicle", ["sangong_vehicle_purchase", "sangong_vehicle_operation"],
          required=["sangong_vehicle_purchase", "sangong_vehicle_operation"])
    check("sangong_reception", ["sangong_reception_domestic", "sangong_reception_foreign"],
          required=["sangong_reception_domestic", "sangong_reception_foreign"])


def _check_outturn_sum(ctx: _Ctx) -> None:
    res, log = ctx.res, ctx.log
    items = res.budget_outturn
    if not items:
        return
    budget = _first(res.facts, "gpb_budget", "budget")
    actual = _first(res.facts, "gpb_budget", "actual")
    s_init = sum((i["initial_budget"] or Decimal(0) for i in items), Decimal(0))
    s_act = sum((i["actual"] or Decimal(0) for i in items), Decimal(0))
    u = Decimal(100) if any(f["unit"] == "万元" for f in res.facts
                            if f["subject"] == "gpb_budget") else Decimal("0.01")
    if budget is not None:
        log.amounts("text_budget_outturn_sum", budget["value"], s_init, line=budget["line"],
                    table=TABLE, terms=len(items), unit=u,
                    what=f"Σ initial budgets of the {len(items)} items vs stated 年初预算")
    full = _first(res.facts, "gpb_budget", "full_budget")
    if full is not None and all(i.get("full_budget") is not None for i in items):
        s_full = sum((i["full_budget"] for i in items), Decimal(0))
        log.amounts("text_budget_outturn_sum", full["value"], s_full, line=full["line"],
                    table=TABLE, terms=len(items), unit=u,
                    what=f"Σ full budgets of the {len(items)} items vs stated 全年预算")
    if actual is not None:
        log.amounts("text_budget_outturn_sum", actual["value"], s_act, line=actual["line"],
                    table=TABLE, terms=len(items), unit=u,
                    what=f"Σ outturn of the {len(items)} items vs stated 支出决算")
    # per function class against 五(二)
    by_class: dict[str, Decimal] = {}
    for i in items:
        c = (i["code"] or "")[:3] or gpb_class_code(i["class_name"])
        if c:
            by_class[c] = by_class.get(c, Decimal(0)) + (i["actual"] or Decimal(0))
    for c, total in by_class.items():
        f = _first(res.facts, f"gpb_class:{c}", "actual")
        if f is not None:
            log.amounts("text_budget_outturn_sum", f["value"], total, line=f["line"],
                        table=TABLE, terms=2, unit=u,
                        what=f"Σ outturn of class {c} items vs stated class amount")
    # names given for the same code should agree (info only)
    seen: dict[str, tuple[str, int]] = {}
    for i in items:
        if not i["code"]:
            continue
        for code, name in ((i["code"][:3], i["class_name"]), (i["code"][:5], i["kuan_name"])):
            if code in seen and seen[code][0] != name:
                log.note("text_function_names",
                         f"code {code} is named “{seen[code][0]}” (line {seen[code][1]}) "
                         f"and “{name}”", line=i["line"], table=TABLE,
                         expected=seen[code][0], found=name)
            seen.setdefault(code, (name, i["line"]))


def _check_repeated(ctx: _Ctx) -> None:
    """A figure stated twice (same subject, measure and year) must be the same."""
    facts, log = ctx.res.facts, ctx.log
    first: dict[tuple, dict] = {}
    for f in facts:
        if f["measure"] in ("share_base",) or f["subject"].startswith("perf_"):
            continue
        key = (f["subject"], f["measure"], f["year"])
        if key in first:
            g = first[key]
            log.record("text_repeated_figure", g["value"] == f["value"], severity="error",
                       line=f["line"], table=TABLE, expected=g["value"], found=f["value"],
                       message=f"{f['subject']} {f['measure']} stated as "
                               f"{decimal_str(g['value'])} (line {g['line']}) and "
                               f"{decimal_str(f['value'])}")
        else:
            first[key] = f
    pairs = [(("gpb_budget", "actual"), ("gpb_expenditure", "actual"))]
    for (s1, m1), (s2, m2) in pairs:
        a, b = _first(facts, s1, m1), _first(facts, s2, m2)
        if a and b:
            log.record("text_repeated_figure", a["value"] == b["value"], severity="error",
                       line=a["line"], table=TABLE, expected=b["value"], found=a["value"],
                       message=f"{s1} {m1} {decimal_str(a['value'])} vs {s2} {m2} "
                               f"{decimal_str(b['value'])}")
    base = next((f for f in facts if f["measure"] == "share_base" and "支出合计" in f["text"]),
                None)
    exp = _first(facts, "expenditure", "actual")
    if base and exp:
        log.record("text_repeated_figure", base["value"] == exp["value"], severity="error",
                   line=base["line"], table=TABLE, expected=exp["value"], found=base["value"],
                   message=f"本年支出合计 stated as {decimal_str(base['value'])} in "
                           f"{base['section']} and {decimal_str(exp['value'])} in {exp['section']}")
